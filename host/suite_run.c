// SPDX-License-Identifier: GPL-2.0-only
/* Running a planned suite (see suite.h): a child process per run (fork,
 * no exec) calling run_one with its output in RUN.log and its CPUs of its
 * own, at most lanes.jobs at once; their ends read back from the results
 * files; --fail-fast and interrupts stop the rest in order.
 *
 * Why a process per run: the run code was written for one run per process
 * (collect.c keeps the report tee in a global, run.c and boot.c print to
 * stdout and stderr, the VMM installs signal handlers and owns threads),
 * and a run that crashes on the host side must not take the suite with
 * it. A child also gets its own CPU affinity (inherited by QEMU), its own
 * output file and its own process group (the terminal's ^C reaches only
 * the suite, which stops the runs in order).
 *
 * With the kvm backend (not --cold) a child goes on, after its run, with
 * the next pending run of the same VM shape the suite hands it over a
 * pipe (suite_next_same_vm), so that the VM restored for one run is reset
 * for the next instead of built again (backend_kvm_warm): run_one runs
 * again in the same process, each run with its own RUN.log, results and
 * progress line; the process keeps its CPUs, the VM shape's. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/backend.h"
#include "host/suite.h"

double suite_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static volatile sig_atomic_t interrupted;

bool suite_interrupted(void)
{
	return interrupted != 0;
}

static void on_interrupt(int sig)
{
	interrupted++;
}

static volatile sig_atomic_t told_to_stop;

static void on_term(int sig)
{
	told_to_stop = 1;
	run_cancel();
}

/* run_one on r's scenario, as the suite runs it. */
static int run_scenario(const struct suite *su, const struct suite_run *r)
{
	char json[4400], log[4400], msg[1024];
	struct run_opts o = su->o;
	const struct scenario *s;
	struct run_outcome res;
	struct scenario buf;
	int code;

	if (suite_run_scenario(su, r, &buf, &s, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run suite: %s\n", msg);
		return 2;
	}
	suite_path(su, r, ".json", json, sizeof(json));
	suite_path(su, r, ".console.log", log, sizeof(log));
	o.scenario = su->paths[r->scn];
	o.json = json;
	o.log = log;
	o.junit = NULL;
	o.seed = su->o.seed + (uint64_t)r->repeat;
	o.quiet = 0;
	o.pin_cpus = r->cpus;
	o.n_pin_cpus = r->n_cpus;
	o.key_scheduler = suite_sched_label(su, r);
	o.repeat = r->repeat;
	fprintf(stderr, "[ktstr-run] suite run %s: %s on %s under %s, repetition %d, host CPUs",
		r->stem, s->name, suite_topo_label(su, r), suite_sched_label(su, r), r->repeat + 1);
	for (int i = 0; i < r->n_cpus; i++)
		fprintf(stderr, "%s%d", i ? "," : " ", r->cpus[i]);
	fprintf(stderr, "%s\n", r->n_cpus ? "" : " any (not pinned)");
	code = run_one(&o, su->backend, su->kernel, s, &res);
	run_outcome_free(&res);
	if (s == &buf)
		scn_free(&buf);
	return code;
}

/* In the child: run r with its output in RUN.log (the CPUs are the
 * process's). Returns its exit code. */
static int child_run(const struct suite *su, const struct suite_run *r)
{
	char out[4400];
	int fd, code;

	fflush(stdout);
	fflush(stderr);
	suite_path(su, r, ".log", out, sizeof(out));
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		return 2;
	close(fd);
	code = su->run_fn ? su->run_fn(su, r) : run_scenario(su, r);
	fflush(stdout);
	fflush(stderr);
	return code;
}

/* What a serial runner tells the suite after each run. */
struct runner_msg {
	int32_t run, code;
};

/* In the child: run first (CPUs pinned as it says), then with pipes (wr
 * >= 0: suite_serial_runners) report each run's end on wr and run the
 * one the suite sends on rd, until it sends -1 or is stopped. Never
 * returns. */
static void child(const struct suite *su, int first, pid_t parent, int rd, int wr)
{
	struct sigaction sa = { .sa_handler = on_term };
	const struct suite_run *r = &su->runs[first];
	cpu_set_t set;
	int32_t next = first;
	int code;

	/* Any of these stops the run as --fail-fast does: its VM killed, its
	 * results written, its files removed. */
	setpgid(0, 0);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		on_term(SIGTERM);
	CPU_ZERO(&set);
	for (int i = 0; i < r->n_cpus; i++)
		CPU_SET(r->cpus[i], &set);
	if (r->n_cpus && sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "ktstr-run suite: pinning to %d CPUs: %s\n", r->n_cpus,
			strerror(errno));
	if (wr < 0)
		_exit(child_run(su, r));
	backend_kvm_warm(true);
	for (;;) {
		struct suite_run run = su->runs[next];
		struct runner_msg m = { next, 0 };

		/* This process's CPUs, whichever run it is. */
		memcpy(run.cpus, r->cpus, sizeof(run.cpus));
		run.n_cpus = r->n_cpus;
		m.code = child_run(su, &run);
		if (write(wr, &m, sizeof(m)) != sizeof(m) || told_to_stop ||
		    read(rd, &next, sizeof(next)) != sizeof(next) || next < 0 ||
		    next >= su->n_runs || told_to_stop)
			break;
	}
	backend_kvm_warm(false);
	code = told_to_stop ? 3 : 0;
	_exit(code);
}

/* The last non-empty line of a file, for a run that left no results. */
static void last_line(const char *path, char *buf, size_t len)
{
	char line[2048];
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0])
			snprintf(buf, len, "%.1000s", line);
	}
	if (f)
		fclose(f);
}

/* A run's end: its results file read back, or why there is none. A run
 * the suite stopped that did not pass is cancelled, not judged. */
static void finish(struct suite *su, struct suite_run *r, int status)
{
	char path[4400];
	bool cancelled;
	json_t *j;

	r->secs = suite_now() - r->t0;
	r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 2;
	suite_path(su, r, ".json", path, sizeof(path));
	j = json_load_file(path, 0, NULL);
	if (j) {
		snprintf(r->verdict, sizeof(r->verdict), "%s",
			 json_string_value(json_object_get(j, "verdict")) ?: "error");
		snprintf(r->reason, sizeof(r->reason), "%s",
			 json_string_value(json_object_get(j, "reason")) ?: "");
		snprintf(r->console_tail, sizeof(r->console_tail), "%s",
			 json_string_value(json_object_get(j, "console_tail")) ?: "");
		r->checks = json_incref(json_object_get(j, "checks"));
		json_decref(j);
	} else {
		strcpy(r->verdict, "error");
		suite_path(su, r, ".log", path, sizeof(path));
		last_line(path, r->reason, sizeof(r->reason));
		if (WIFSIGNALED(status))
			snprintf(r->reason, sizeof(r->reason), "the run's process was killed by "
				 "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
		else if (!r->reason[0])
			snprintf(r->reason, sizeof(r->reason), "the run ended with exit %d and no "
				 "results", r->exit_code);
		if (r->exit_code == 0)
			r->exit_code = 2;
	}
	if (!r->checks)
		r->checks = json_array();
	cancelled = r->signalled && (r->exit_code || strcmp(r->verdict, "pass"));
	r->state = cancelled ? SUITE_CANCELLED : SUITE_DONE;
	if (cancelled)
		snprintf(r->skip, sizeof(r->skip), "stopped: %s", interrupted ?
			 "interrupted" : "--fail-fast after an earlier run failed");
}

/* One line per finished run, as they finish. */
static void print_done(const struct suite *su, const struct suite_run *r, int done, int total)
{
	const char *v = r->state == SUITE_CANCELLED ? "cancel" :
			!strcmp(r->verdict, "fail") ? "FAIL" : r->verdict;
	char head[64];

	snprintf(head, sizeof(head), "[%d/%d]", done, total);
	printf("%-9s %-6s %-20s %-14s %-10s %6.1f s", head, v, su->scn[r->scn].name,
	       suite_topo_label(su, r), suite_sched_label(su, r), r->secs);
	if (strcmp(r->verdict, "pass") || r->state == SUITE_CANCELLED)
		printf("  %s", r->state == SUITE_CANCELLED ? r->skip : r->reason);
	putchar('\n');
	fflush(stdout);
}

/* Seconds left: what is pending and the rest of what runs, scaled by how
 * the finished runs compared with their estimates, over the lanes. */
static double time_left(const struct suite *su)
{
	double est_done = 0, real_done = 0, work = 0, cost = 0, ratio, lanes, now = suite_now();
	int n = 0;

	for (int i = 0; i < su->n_runs; i++) {
		const struct suite_run *r = &su->runs[i];

		if (r->state == SUITE_DONE) {
			est_done += r->est_s;
			real_done += r->secs;
		}
	}
	ratio = est_done > 0 ? real_done / est_done : 1;
	for (int i = 0; i < su->n_runs; i++) {
		const struct suite_run *r = &su->runs[i];
		double w = r->est_s * ratio;

		if (r->state == SUITE_RUNNING)
			w = w > now - r->t0 ? w - (now - r->t0) : 0;
		else if (r->state != SUITE_PENDING)
			continue;
		work += w * r->cost;
		cost += r->cost;
		n++;
	}
	if (!n)
		return 0;
	lanes = su->lanes.strict ? su->lanes.host / (cost / n) : su->lanes.jobs;
	if (lanes > n)
		lanes = n;
	return work / (cost / n) / (lanes > 1 ? lanes : 1);
}

static bool same_vm(const struct suite_run *a, const struct suite_run *b)
{
	return !memcmp(&a->t, &b->t, sizeof(a->t)) && a->memory == b->memory;
}

/* The next run to start: the first pending one that fits (in the order
 * planned: largest first), preferring one whose VM shape is not being
 * booted by a run in flight (it will restore the snapshot that run saves). */
static struct suite_run *next_run(struct suite *su, const int *load, int *from)
{
	const struct suite_run *booting[64];
	struct suite_run *first = NULL;
	int idle = 0, n_booting = 0;

	for (int i = 0; i < su->lanes.host; i++)
		idle += load[i] == 0;
	/* The shapes in flight that no finished run has booted yet. */
	for (int i = 0; i < su->n_runs && !su->o.cold && n_booting < 64; i++) {
		const struct suite_run *o = &su->runs[i];
		bool warm = false;

		if (o->state != SUITE_RUNNING)
			continue;
		for (int k = 0; k < su->n_runs && !warm; k++)
			warm = su->runs[k].state == SUITE_DONE && same_vm(&su->runs[k], o);
		if (!warm)
			booting[n_booting++] = o;
	}
	while (*from < su->n_runs && su->runs[*from].state != SUITE_PENDING)
		(*from)++;
	for (int i = *from; i < su->n_runs; i++) {
		struct suite_run *r = &su->runs[i];
		bool boots = false;

		if (r->state != SUITE_PENDING)
			continue;
		if (su->lanes.strict && r->cost > idle)
			return first;
		if (!first)
			first = r;
		for (int b = 0; b < n_booting && !boots; b++)
			boots = same_vm(booting[b], r);
		if (!boots)
			return r;
	}
	return first;
}

static void stop_all(struct suite *su, int sig)
{
	for (int i = 0; i < su->n_runs; i++) {
		struct suite_run *r = &su->runs[i];

		if (r->state == SUITE_RUNNING && r->pid > 0) {
			kill(r->pid, sig);
			r->signalled = true;
		}
		if (r->state == SUITE_PENDING) {
			r->state = SUITE_CANCELLED;
			snprintf(r->skip, sizeof(r->skip), "not run: %s", interrupted ?
				 "interrupted" : "--fail-fast after an earlier run failed");
		}
	}
}

bool suite_serial_runners(const struct suite *su)
{
	return su->backend && !strcmp(su->backend, "kvm") && !su->o.cold;
}

struct suite_run *suite_next_same_vm(struct suite *su, const struct suite_run *done)
{
	for (int i = 0; i < su->n_runs; i++) {
		struct suite_run *r = &su->runs[i];

		if (r->state == SUITE_PENDING && r != done && same_vm(r, done) &&
		    r->cost == done->cost)
			return r;
	}
	return NULL;
}

/* A run's process (every one has a slot; pipes only with
 * suite_serial_runners): the run it is on (NULL: none, it is exiting). */
struct runner {
	pid_t pid;
	int rd, wr;		/* its reports (struct runner_msg); the runs sent to it */
	struct suite_run *cur;
};

struct dispatch {
	struct suite *su;
	bool serial;
	pid_t parent;
	int *load;
	struct runner *rs;	/* n of them, up to su->n_runs */
	int n;
	struct sigaction old_pipe;	/* SIGPIPE's before a serial dispatch ignored it */
};

/* r's results of an earlier suite in --out gone, and its clock started. */
static void begin(struct dispatch *d, struct suite_run *r, pid_t pid)
{
	char path[4400];

	/* Nothing of an earlier suite in --out passes for this run's. */
	suite_path(d->su, r, ".json", path, sizeof(path));
	unlink(path);
	suite_path(d->su, r, ".console.log", path, sizeof(path));
	unlink(path);
	r->t0 = suite_now();
	r->pid = pid;
	r->state = SUITE_RUNNING;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A process for run r (its CPUs allotted). 0, or -1 with errno. */
static int launch(struct dispatch *d, struct suite_run *r)
{
	int up[2] = { -1, -1 }, down[2] = { -1, -1 };
	struct runner *w = &d->rs[d->n];
	pid_t pid;

	if (d->serial && (pipe2(up, O_CLOEXEC) || pipe2(down, O_CLOEXEC))) {
		int e = errno;

		close_fd(&up[0]);
		close_fd(&up[1]);
		errno = e;
		return -1;
	}
	begin(d, r, 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* Only its own pipes: another runner's must end when it does. */
		for (int i = 0; i < d->n; i++) {
			close_fd(&d->rs[i].rd);
			close_fd(&d->rs[i].wr);
		}
		close_fd(&up[0]);
		close_fd(&down[1]);
		if (d->serial)
			sigaction(SIGPIPE, &d->old_pipe, NULL);
		child(d->su, (int)(r - d->su->runs), d->parent, down[0], up[1]);
	}
	close_fd(&up[1]);
	close_fd(&down[0]);
	if (pid < 0) {
		int e = errno;

		close_fd(&up[0]);
		close_fd(&down[1]);
		r->state = SUITE_PENDING;
		errno = e;
		return -1;
	}
	r->pid = pid;
	*w = (struct runner){ pid, up[0], down[1], r };
	d->n++;
	return 0;
}

/* The next end, of a run or of a serial runner's process: 1 with *r and
 * *status (as waitpid's) when a run ended (*w its runner, NULL when the
 * process ended with it), 0 when a process ended between runs, -1 with
 * errno (EINTR: a signal; ECHILD: none left). */
static int wait_end(struct dispatch *d, struct suite_run **r, struct runner **w, int *status)
{
	struct pollfd *p;
	pid_t pid;
	int i;

	*w = NULL;
	if (!d->serial) {
		pid = waitpid(-1, status, 0);
		if (pid < 0)
			return -1;
		for (i = 0; i < d->n && d->rs[i].pid != pid; i++)
			;
		if (i == d->n)
			return 0;
		*r = d->rs[i].cur;
		d->rs[i] = d->rs[--d->n];
		return *r ? 1 : 0;
	}
	p = calloc(d->n ? d->n : 1, sizeof(*p));
	if (!p)
		return -1;
	for (i = 0; i < d->n; i++)
		p[i] = (struct pollfd){ d->rs[i].rd, POLLIN, 0 };
	if (!d->n) {
		free(p);
		errno = ECHILD;
		return -1;
	}
	if (poll(p, d->n, -1) < 0) {
		free(p);
		return -1;
	}
	for (i = 0; i < d->n && !p[i].revents; i++)
		;
	free(p);
	if (i == d->n)
		return 0;
	for (;;) {
		struct runner *x = &d->rs[i];
		struct runner_msg m;
		ssize_t got = read(x->rd, &m, sizeof(m));

		if (got < 0 && errno == EINTR)
			continue;
		if (got == sizeof(m) && x->cur && m.run == x->cur - d->su->runs) {
			*r = x->cur;
			*w = x;
			*status = (m.code & 0xff) << 8;	/* as an exit */
			return 1;
		}
		/* The process ended (or broke the protocol): reap it. */
		if (got > 0)
			kill(x->pid, SIGKILL);
		close_fd(&x->rd);
		close_fd(&x->wr);
		while (waitpid(x->pid, status, 0) < 0 && errno == EINTR)
			;
		*r = x->cur;
		d->rs[i] = d->rs[--d->n];
		return *r ? 1 : 0;
	}
}

/* Send runner w run r (or -1: exit). false when it is gone. */
static bool hand(struct runner *w, int32_t run)
{
	return write(w->wr, &run, sizeof(run)) == sizeof(run);
}

int suite_dispatch(struct suite *su, bool fail_fast)
{
	struct sigaction sa = { .sa_handler = on_interrupt }, old_int, old_term;
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct dispatch d = { .su = su, .serial = suite_serial_runners(su), .parent = getpid() };
	int running = 0, done = 0, total = 0, seen_int = 0, from = 0;
	bool stopping = false;
	char left[32];

	d.load = calloc((size_t)su->lanes.host, sizeof(*d.load));
	d.rs = calloc((size_t)su->n_runs + 1, sizeof(*d.rs));
	if (!d.load || !d.rs) {
		free(d.load);
		free(d.rs);
		return -1;
	}
	for (int i = 0; i < su->n_runs; i++)
		total += su->runs[i].state == SUITE_PENDING;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	/* A serial runner gone is seen on its pipe, not as a SIGPIPE. */
	if (d.serial)
		sigaction(SIGPIPE, &ign, &d.old_pipe);
	for (;;) {
		struct suite_run *r, *next;
		struct runner *w;
		int status, got;
		bool ff;

		while (!stopping && running < su->lanes.jobs && (r = next_run(su, d.load, &from))) {
			/* -j N given: N VMs, placed by the kernel. */
			r->n_cpus = su->lanes.strict ?
				    suite_allot(&su->lanes, d.load, r->cost, r->cpus) : 0;
			if (r->n_cpus < 0) {
				r->n_cpus = 0;
				break;
			}
			if (launch(&d, r)) {
				fprintf(stderr, "ktstr-run suite: fork: %s\n", strerror(errno));
				suite_release(&su->lanes, d.load, r->cpus, r->n_cpus);
				r->state = SUITE_DONE;
				r->exit_code = 2;
				strcpy(r->verdict, "error");
				snprintf(r->reason, sizeof(r->reason), "fork: %s", strerror(errno));
				r->checks = json_array();
				continue;
			}
			running++;
		}
		if (!running)
			break;
		got = interrupted > seen_int ? -1 : wait_end(&d, &r, &w, &status);
		if (got < 0 && (interrupted > seen_int || errno == EINTR)) {
			if (interrupted > seen_int) {
				suite_say(su, "%s", interrupted == 1 ?
					  "interrupted: stopping the runs in flight (again to kill them)" :
					  "interrupted again: killing the runs");
				stop_all(su, interrupted == 1 ? SIGTERM : SIGKILL);
				seen_int = interrupted;
				stopping = true;
			}
			continue;
		}
		if (got < 0)
			break;
		if (!got)
			continue;
		running--;
		finish(su, r, status);
		if (r->state == SUITE_DONE)
			su->exit_code = suite_exit_worse(su->exit_code, r->exit_code);
		print_done(su, r, ++done, total);
		ff = fail_fast && r->state == SUITE_DONE && r->exit_code && !stopping;
		/* Its process goes on with the next run of its VM shape, on the
		 * same CPUs (if it is gone, its end finishes that run as one
		 * without results); or it exits and they are free. */
		next = w && !stopping && !ff ? suite_next_same_vm(su, r) : NULL;
		if (next) {
			memcpy(next->cpus, r->cpus, sizeof(next->cpus));
			next->n_cpus = r->n_cpus;
			begin(&d, next, w->pid);
			w->cur = next;
			hand(w, (int32_t)(next - su->runs));
			running++;
		} else {
			if (w) {
				w->cur = NULL;
				hand(w, -1);
			}
			suite_release(&su->lanes, d.load, r->cpus, r->n_cpus);
		}
		suite_fmt_secs(time_left(su), left, sizeof(left));
		suite_say(su, "%d/%d done, %d running, about %s left", done, total, running, left);
		if (ff) {
			suite_say(su, "--fail-fast: %s did not pass; stopping", r->stem);
			stop_all(su, SIGTERM);
			stopping = true;
		}
	}
	/* Serial runners told to exit: reap them. */
	for (int i = 0; i < d.n; i++) {
		int status;

		close_fd(&d.rs[i].wr);
		close_fd(&d.rs[i].rd);
		while (waitpid(d.rs[i].pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (d.serial)
		sigaction(SIGPIPE, &d.old_pipe, NULL);
	free(d.load);
	free(d.rs);
	return 0;
}

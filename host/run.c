// SPDX-License-Identifier: GPL-2.0-only
/* The `run` command (see run.h). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/atomic_file.h"
#include "host/backend.h"
#include "host/boot.h"
#include "host/initramfs.h"
#include "host/kvmcheck.h"
#include "host/output.h"
#include "host/results.h"
#include "host/run.h"
#include "lib/err.h"
#include "host/checks.h"
#include "host/verdict.h"
#include "proto/guest_config.h"
#include "proto/layout.h"
#include "kernels/kernels.h"
#include "scenario/model.h"
#include "workload/workload.h"

#define BASE_CMDLINE "console=ttyS0 loglevel=6 8250.nr_uarts=1 reboot=k panic=-1 " \
	"rdinit=/init tsc=reliable no_timer_check mitigations=off random.trust_cpu=on " \
	"cryptomgr.notests numa_balancing=0 i8042.noaux i8042.nomux"

static void progress(const char *line, void *ctx)
{
	const struct run_opts *o = ctx;

	if (!o->quiet)
		fprintf(stderr, "[ktstr-run] %s\n", line);
}

static void kprogress(const char *what, void *ctx)
{
	progress(what, ctx);
}

/* Every workers op's type and options (wl_validate), at the option's place. */
static int workers_ok(const struct scenario *s, struct scn_error *err)
{
	for (int b = -1; b < s->n_steps; b++) {
		const struct scn_block *blk = b < 0 ? &s->backdrop : &s->steps[b];

		for (int i = 0; i < blk->n_ops; i++) {
			const struct scn_op *op = &blk->ops[i];
			int opt = -1;

			if (op->kind != SCN_OP_WORKERS ||
			    !wl_validate(&op->workers, &opt, err->msg, sizeof(err->msg)))
				continue;
			err->loc = opt >= 0 ? op->workers.opts[opt].loc : op->loc;
			return -1;
		}
	}
	return 0;
}

int scenario_check(const char *path, const char *text, size_t len,
		   const char *backend, struct scenario *s, char *msg, size_t msglen)
{
	struct scn_error err;

	if (scn_parse_string(path, text, len, s, &err))
		goto err;
	if (workers_ok(s, &err))
		goto err_free;
	memset(&err, 0, sizeof(err));
	if (backend && backend_topo_check(backend, &s->topo, err.msg, sizeof(err.msg))) {
		err.loc = s->topo_loc;
		goto err_free;
	}
	return 0;
err_free:
	scn_free(s);
err:
	scn_error_format(NULL, path, &err, msg, msglen);
	return -1;
}

int scenario_load(const char *path, const char *backend, struct scenario *s)
{
	struct scn_error err;
	char msg[1024], *text;
	size_t len;

	if (scn_read_file(path, &text, &len, &err)) {
		scn_error_format(NULL, path, &err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	if (scenario_check(path, text, len, backend, s, msg, sizeof(msg))) {
		fprintf(stderr, "%s\n", msg);
		free(text);
		return -1;
	}
	s->source = text;
	s->source_len = len;
	return 0;
}

int cmd_validate(int n, char **files, const char *backend)
{
	const char *name;
	char why[256];
	int bad = 0;

	if (!(name = backend_resolve(backend, why, sizeof(why)))) {
		fprintf(stderr, "ktstr-run: --backend %s: expected qemu, kvm or auto\n", backend);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		struct scenario s;

		if (scenario_load(files[i], name, &s)) {
			bad++;
			continue;
		}
		printf("%s: ok (scenario %s, %d CPUs, %d steps, %d checks)\n", files[i],
		       s.name, scn_topo_ncpus(&s.topo), s.n_steps, s.n_checks);
		scn_free(&s);
	}
	return bad ? 2 : 0;
}

int run_check_backend(const char *arg)
{
	if (!strcmp(arg, "qemu") || !strcmp(arg, "kvm") || !strcmp(arg, "auto"))
		return 0;
	fprintf(stderr, "ktstr-run: --backend %s: expected qemu, kvm or auto\n", arg);
	return -1;
}

int run_check_append(const char *arg, char *msg, size_t len)
{
	static const char *const sep = " \t\n";

	for (const char *w = arg + strspn(arg, sep); *w; w += strspn(w, sep)) {
		size_t n = strcspn(w, sep);

		if (!strncmp(w, "console=hvc", 11))
			return errf(msg, len, "--append: '%.*s': hvc0 is the report channel "
				    "(frames both ways), not a console; the kernel's console is "
				    "ttyS0 (the console log)", (int)n, w);
		if (!strncmp(w, "rdinit=", 7) || !strncmp(w, "init=", 5))
			return errf(msg, len, "--append: '%.*s': guest-init must be the guest's "
				    "PID 1 (the initramfs' /init)", (int)n, w);
		w += n;
	}
	return 0;
}

int run_parse_timeout(const char *arg, uint64_t *ms, char *msg, size_t len)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || isspace((unsigned char)*arg) || !isfinite(v) ||
	    v <= 0 || v > RUN_TIMEOUT_MAX_S) {
		snprintf(msg, len, "--timeout %s: expected a number of seconds greater "
			 "than 0 and at most %u (7 days)", arg, RUN_TIMEOUT_MAX_S);
		return -1;
	}
	*ms = (uint64_t)ceil(v * 1000);
	return 0;
}

int run_parse_u64(const char *opt, const char *arg, uint64_t *v, char *msg,
		  size_t len)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*arg)) {
		snprintf(msg, len, "%s '%s': expected a whole number 0..%llu", opt, arg,
			 (unsigned long long)UINT64_MAX);
		return -1;
	}
	*v = strtoull(arg, &end, 0);
	if (*end || errno) {
		snprintf(msg, len, "%s %s: %s; expected a whole number 0..%llu", opt, arg,
			 errno == ERANGE ? "out of range" : "not a number",
			 (unsigned long long)UINT64_MAX);
		return -1;
	}
	return 0;
}

static uint64_t ns_to_ms(uint64_t ns)
{
	return ns / 1000000 + (ns % 1000000 != 0);
}

uint64_t run_default_timeout_ms(const struct scenario *s)
{
	uint64_t ms = ns_to_ms(scn_run_ns(s)), wait = ns_to_ms(scn_sched_wait_ns(s));
	uint64_t max = RUN_TIMEOUT_MAX_S * 1000ull;

	if (ms > (max - RUN_TIMEOUT_DEFAULT_MS) / 3 ||
	    wait > max - RUN_TIMEOUT_DEFAULT_MS - 3 * ms)
		return max;
	return RUN_TIMEOUT_DEFAULT_MS + 3 * ms + wait;
}

int run_get_kernel(const struct run_opts *o, struct kernel *k)
{
	char msg[1024];

	if (o->kernel) {
		if (kernel_resolve(o->kernel, k, kprogress, (void *)o, msg, sizeof(msg))) {
			fprintf(stderr, "ktstr-run: --kernel %s: %s\n", o->kernel, msg);
			return -1;
		}
		return 0;
	}
	if (kernel_default_cached(k) == 0) {
		/* For /boot/config-REL in the guest; a run goes on without. */
		if (!k->config[0] &&
		    kernel_default_config(k, false, kprogress, (void *)o, msg, sizeof(msg)))
			fprintf(stderr, "[ktstr-run] no /boot/config-%s in the guest: %s\n",
				k->release, msg);
		return 0;
	}
	progress("the default kernel is not cached yet; fetching it", (void *)o);
	if (kernel_fetch_default(k, false, kprogress, (void *)o, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: fetching the default kernel: %s\n", msg);
		return -1;
	}
	return 0;
}

/* A user's kernel build whose .config lacks what the guest needs fails here,
 * in a moment, instead of after a boot that cannot report. */
static int check_config(const char *o_kernel, const struct kernel *k,
			const struct scenario *s, const char *backend)
{
	struct kernel_option want[GUEST_CONFIG_N];
	char missing[1536];
	size_t n = 0;
	int ret;

	if (!k->config[0])
		return 0;
	/* proto/guest.config: what this run needs of it. */
	for (size_t i = 0; i < GUEST_CONFIG_N; i++) {
		const struct guest_config_option *c = &guest_config_options[i];

		if ((c->tags & GUEST_CONFIG_VMLINUX) ||
		    ((c->tags & GUEST_CONFIG_KVM) && strcmp(backend, "kvm")) ||
		    ((c->tags & GUEST_CONFIG_SCHEDULER) && !s->n_scheds))
			continue;
		want[n++] = (struct kernel_option){ c->name, c->why };
	}
	ret = kernel_config_lacks(k->config, want, n, missing, sizeof(missing));
	if (ret < 0) {
		fprintf(stderr, "ktstr-run: %s: %s\n", k->config, strerror(-ret));
		return -1;
	}
	if (ret > 0) {
		fprintf(stderr, "ktstr-run: %s %s: its %s lacks what the guest needs "
			"built in (proto/guest.config lists it all): %s\n",
			o_kernel ? "--kernel" : "the default kernel",
			o_kernel ? o_kernel : k->release, k->config, missing);
		return -1;
	}
	return 0;
}

/* The console tail is read back from the log file after the run; a --log
 * that is not a regular file (a pipe, /dev/stdout) cannot be. The backend
 * then writes a private file, copied there when the run is over. 1 with
 * tmp made, 0 to write log itself, -1 with a message. */
static int console_private(const char *log, char *tmp, size_t len)
{
	const char *dir = getenv("TMPDIR");
	struct stat st;
	int fd;

	if (stat(log, &st) || S_ISREG(st.st_mode))
		return 0;
	snprintf(tmp, len, "%s/ktstr-console-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ktstr-run: a private console log for --log %s: %s: %s\n",
			log, tmp, strerror(errno));
		return -1;
	}
	close(fd);
	return 1;
}

/* Copy the private console log to the user's log; 0 or -1 with a message. */
static int console_copy(const char *tmp, const char *log)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	int in = open(tmp, O_RDONLY | O_CLOEXEC), out = -1, ret = -1;
	char buf[65536];
	ssize_t n = 0;

	/* A reader that went away is an error to report, not a SIGPIPE. */
	sigaction(SIGPIPE, &ign, &old);
	fflush(stdout);
	if (in >= 0)
		out = open(log, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0, w; off < n; off += w) {
			w = write(out, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				w = 0;
			else if (w < 0)
				goto out;
		}
	}
	ret = n < 0 || out < 0 ? -1 : 0;
out:
	if (ret)
		fprintf(stderr, "ktstr-run: copying the console log to %s: %s\n", log,
			strerror(errno));
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	sigaction(SIGPIPE, &old, NULL);
	return ret;
}

static void derive_log(const struct run_opts *o, const struct scenario *s,
		       char *buf, size_t len)
{
	if (o->log) {
		snprintf(buf, len, "%s", o->log);
	} else if (o->json) {
		const char *dot = strrchr(o->json, '.');
		int stem = dot && !strchr(dot, '/') ? (int)(dot - o->json) : (int)strlen(o->json);
		snprintf(buf, len, "%.*s.console.log", stem, o->json);
	} else {
		snprintf(buf, len, "%s.console.log", s->name);
	}
}

/* NAME of the output logs (docs/results.md): the --json file's path
 * without its extension; else the console log's without ".console.log"
 * (or its extension); the scenario's name when the console log is not a
 * file (a pipe). */
static void derive_log_stem(const struct run_opts *o, const struct scenario *s,
			    const char *log, bool log_is_file, char *buf, size_t len)
{
	const char *path = o->json ? o->json : log_is_file ? log : NULL;
	const char *dot;
	size_t n;

	if (!path) {
		snprintf(buf, len, "%s", s->name);
		return;
	}
	n = strlen(path);
	if (!o->json && n > 12 && !strcmp(path + n - 12, ".console.log")) {
		n -= 12;
	} else {
		dot = strrchr(path, '.');
		if (dot && !strchr(dot, '/') && dot > path && dot[-1] != '/')
			n = (size_t)(dot - path);
	}
	snprintf(buf, len, "%.*s", (int)n, path);
}

/* One payload run's section of its log: how it ran (start) and ended
 * (end; either may be NULL), then its stdout and stderr (o). */
static void payload_section(FILE *f, const struct guest_event *start,
			    const struct guest_event *o, const struct guest_event *end, int run)
{
	char how[96] = "still running at the end";

	if (end && end->killed)
		snprintf(how, sizeof(how), "killed (%s)", end->timed_out ? "its payload-wait "
			 "timed out" : "payload-kill or the end of its step");
	else if (end && end->has_exit_code)
		snprintf(how, sizeof(how), "exited with %lld", (long long)end->exit_code);
	else if (end)
		snprintf(how, sizeof(how), "killed by signal %lld", (long long)end->signal);
	fprintf(f, "=== payload %s, run %d: %s, %s at %.0f ms ===\n", o->id, run,
		start ? json_string_value(json_object_get(start->json, EVF_PATH)) : "?", how,
		o->t_ms);
	fprintf(f, "--- stdout (%lld bytes) ---\n%s",
		(long long)json_integer_value(json_object_get(o->json, EVF_STDOUT_BYTES)),
		json_string_value(json_object_get(o->json, EVF_STDOUT)));
	fprintf(f, "--- stderr (%lld bytes) ---\n%s",
		(long long)json_integer_value(json_object_get(o->json, EVF_STDERR_BYTES)),
		json_string_value(json_object_get(o->json, EVF_STDERR)));
}

static void sched_section(FILE *f, const struct guest_event *o, int run)
{
	fprintf(f, "=== scheduler %s (%s), attach %d: what it printed while it was up, "
		"until %.0f ms (%lld bytes) ===\n%s", o->name,
		json_string_value(json_object_get(o->json, EVF_TYPE)) ?: "?", run, o->t_ms,
		(long long)json_integer_value(json_object_get(o->json, EVF_OUTPUT_BYTES)),
		json_string_value(json_object_get(o->json, EVF_OUTPUT)));
}

/* The events of each log file, in one pass: path -> [indexes of output
 * events], and for a payload_output its run's payload_start and
 * payload_end (-1: none). */
struct log_plan {
	json_t *files;
	int *start, *end;
};

static int plan_logs(const char *stem, const struct scenario *s, const struct run_result *r,
		     struct log_plan *p)
{
	json_t *starts = json_object(), *pending = json_object(), *ids = output_log_ids(s), *v;
	char path[4096];

	p->files = json_object();
	p->start = malloc((r->n_events + 1) * sizeof(int));
	p->end = malloc((r->n_events + 1) * sizeof(int));
	if (!starts || !pending || !ids || !p->files || !p->start || !p->end)
		goto err;
	for (int i = 0; i < r->n_events; i++) {
		const struct guest_event *e = &r->events[i];
		bool payload = e->kind == EV_PAYLOAD_OUTPUT;
		json_t *list;

		p->start[i] = p->end[i] = -1;
		if (e->kind == EV_PAYLOAD_START) {
			json_object_set_new(starts, e->id, json_integer(i));
		} else if (e->kind == EV_PAYLOAD_END && (v = json_object_get(pending, e->id))) {
			p->end[json_integer_value(v)] = i;
			json_object_del(pending, e->id);
		}
		if (!payload && e->kind != EV_SCHED_OUTPUT)
			continue;
		/* Only the scenario's own names become file names. */
		if (!output_log_has(ids, payload ? "payload" : "sched",
				    payload ? e->id : e->name))
			continue;
		if (payload) {
			v = json_object_get(starts, e->id);
			p->start[i] = v ? (int)json_integer_value(v) : -1;
			json_object_set_new(pending, e->id, json_integer(i));
		}
		output_log_path(stem, payload ? "payload" : "sched", payload ? e->id : e->name,
				path, sizeof(path));
		if (!(list = json_object_get(p->files, path))) {
			list = json_array();
			if (json_object_set_new(p->files, path, list))
				goto err;
		}
		if (json_array_append_new(list, json_integer(i)))
			goto err;
	}
	json_decref(starts);
	json_decref(pending);
	json_decref(ids);
	return 0;
err:
	json_decref(starts);
	json_decref(pending);
	json_decref(ids);
	return -1;
}

/* STEM.payload-ID.log and STEM.sched-NAME.log: every run of a payload, and
 * every time a scheduler was up, in one file each. 0, or -1 with a
 * message. */
static int write_output_logs(const char *stem, const struct scenario *s,
			     const struct run_result *r)
{
	struct log_plan p = { 0 };
	const char *path;
	json_t *list;
	int ret = 0;

	if (plan_logs(stem, s, r, &p)) {
		fprintf(stderr, "ktstr-run: the payload and scheduler logs: out of memory\n");
		ret = -1;
		goto out;
	}
	json_object_foreach(p.files, path, list) {
		struct atomic_file a;
		size_t k;
		json_t *v;
		int err;

		if ((err = atomic_file_open(&a, path))) {
			fprintf(stderr, "ktstr-run: writing %s: %s\n", path, strerror(-err));
			ret = -1;
			continue;
		}
		json_array_foreach(list, k, v) {
			int i = (int)json_integer_value(v);
			const struct guest_event *o = &r->events[i];

			if (k)
				fputc('\n', a.f);
			if (o->kind == EV_PAYLOAD_OUTPUT)
				payload_section(a.f,
						p.start[i] >= 0 ? &r->events[p.start[i]] : NULL, o,
						p.end[i] >= 0 ? &r->events[p.end[i]] : NULL,
						(int)k + 1);
			else
				sched_section(a.f, o, (int)k + 1);
		}
		if ((err = ferror(a.f) ? -EIO : 0))
			atomic_file_abort(&a);
		else
			err = atomic_file_commit(&a);
		if (err) {
			fprintf(stderr, "ktstr-run: writing %s: %s\n", path, strerror(-err));
			ret = -1;
		}
	}
out:
	json_decref(p.files);
	free(p.start);
	free(p.end);
	return ret;
}

int run_write_file(const char *path, int (*write)(FILE *f, const void *arg), const void *arg)
{
	int ret = atomic_file_write(path, write, arg);

	if (ret)
		fprintf(stderr, "ktstr-run: writing %s: %s\n", path, strerror(-ret));
	return ret ? -1 : 0;
}

static int dump_json(FILE *f, const void *j)
{
	return json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
}

int run_write_json(const char *path, json_t *j)
{
	return run_write_file(path, dump_json, j);
}

struct judged {
	const struct scenario *s;
	const struct run_result *r;
	const struct verdict *v;
};

static int dump_junit(FILE *f, const void *arg)
{
	const struct judged *j = arg;

	return output_junit(f, j->s, j->r, j->v);
}

/* JUnit through an atomic file, like the JSON. */
static int write_junit(const char *path, const struct scenario *s,
		       const struct run_result *r, const struct verdict *v)
{
	struct judged j = { s, r, v };

	return run_write_file(path, dump_junit, &j);
}

/* The backend `name` (resolved by backend_resolve) as an object. */
static struct backend *pick_backend(const struct run_opts *o, const char *name,
				    char *msg, size_t len)
{
	char why[256];

	if (!strcmp(name, "qemu"))
		return backend_qemu_new();
	/* Say so up front rather than after a failed boot; the VMM's own tests
	 * still boot on such hosts to prove the error path. */
	if (!strcmp(o->backend, "kvm") && !kvm_can_run_linux(why, sizeof(why)) &&
	    !getenv("KTSTR_FORCE_KVM")) {
		snprintf(msg, len, "--backend kvm cannot work here: %s; use "
			 "--backend qemu (or auto)", why);
		return NULL;
	}
	return backend_kvm_new();
}

/* The backend of the run in progress in this process, for run_cancel
 * (a signal handler); set while the guest runs. */
static struct backend *volatile run_current;
static volatile sig_atomic_t run_cancelled;

/* One run, stage by stage (cmd_run has loaded the scenario and named the
 * backend): kernel -> prepare (backend, initramfs and plan, checks that
 * need both) -> boot (restore or cold, host/boot.h) -> collect -> judge
 * -> write. */
struct run {
	const struct run_opts *o;
	const char *name;          /* the backend's */
	const struct scenario *s;
	struct kernel k;
	bool have_kernel;          /* k was given: run_one's caller resolved it */
	struct backend *b;
	struct initramfs ird;
	struct vm_spec vs;
	struct boot boot;
	struct run_result r;
	struct verdict v;
	char guest_init[4096], cmdline[2048], log[4096], tmp_log[4096], log_stem[4096];
	int private_log;
};

static struct backend *new_backend(void *ctx)
{
	struct run *x = ctx;
	char msg[512];

	return pick_backend(x->o, x->name, msg, sizeof(msg));
}

/* Returns the exit code to end with, or 0 to go on. */
static int stage_prepare(struct run *x)
{
	const struct run_opts *o = x->o;
	struct initramfs_spec ispec = { 0 };
	char msg[1024];
	int ret;

	if (initramfs_find_guest_init(x->guest_init, sizeof(x->guest_init), msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: %s\n", msg);
		return 2;
	}
	if (!x->have_kernel && run_get_kernel(o, &x->k))
		return 2;
	if (!(x->b = pick_backend(o, x->name, msg, sizeof(msg)))) {
		fprintf(stderr, "ktstr-run: %s\n", msg);
		return 3;
	}
	if (check_config(o->kernel, &x->k, x->s, x->b->name))
		return 2;
	if (o->hugepages && strcmp(x->b->name, "kvm")) {
		fprintf(stderr, "ktstr-run: --hugepages needs the kvm backend; this run would "
			"use %s\n", x->b->name);
		return 2;
	}
	ispec.guest_init = x->guest_init;
	ispec.scenario = x->s;
	ispec.kernel_release = x->k.release;
	ispec.kernel_config = x->k.config;
	ispec.plan_in_initramfs = !x->b->plan_channel;
	ispec.run_opts = json_pack("{s:I, s:I, s:s}", RUNOPT_SEED, (json_int_t)o->seed,
				   RUNOPT_STOP_TIMEOUT_MS, (json_int_t)2000,
				   RUNOPT_INJECT, o->inject ? o->inject : "");
	ret = initramfs_build(&ispec, &x->ird, msg, sizeof(msg));
	json_decref(ispec.run_opts);
	if (ret) {
		fprintf(stderr, "ktstr-run: initramfs: %s\n", msg);
		return 2;
	}
	derive_log(o, x->s, x->log, sizeof(x->log));
	if ((x->private_log = console_private(x->log, x->tmp_log, sizeof(x->tmp_log))) < 0)
		return 2;
	snprintf(x->cmdline, sizeof(x->cmdline), "%s%s%s", BASE_CMDLINE,
		 o->append ? " " : "", o->append ? o->append : "");
	x->vs.kernel = &x->k;
	x->vs.topo = x->s->topo;
	x->vs.mem_bytes = x->s->memory_bytes;
	x->vs.initrd_fd = x->ird.fd;
	x->vs.initrd_len = x->ird.len;
	x->vs.cmdline = x->cmdline;
	x->vs.console_log = x->private_log ? x->tmp_log : x->log;
	x->vs.accel = o->accel;
	x->vs.verbose = o->verbose;
	x->vs.prefault = o->prefault;
	x->vs.hugepages = o->hugepages;
	x->vs.pin_cpus = o->pin_cpus;
	x->vs.n_pin_cpus = o->n_pin_cpus;
	return 0;
}

static void at_ready(void *ctx)
{
	struct run *x = ctx;

	boot_at_ready(&x->boot, x->b);
}

/* Boot (or restore) and collect. Returns 0, or an exit code. */
static int stage_boot_and_collect(struct run *x)
{
	const struct run_opts *o = x->o;
	struct collect_opts co = { .progress = progress, .ctx = (void *)o,
				   .at_ready = at_ready, .ready_ctx = x };
	char msg[1024];

	x->boot.use_snapshots = !o->cold && x->b->save && x->b->plan_channel;
	x->boot.guest_init = x->guest_init;
	x->boot.console_log = x->vs.console_log;
	x->boot.verbose = o->verbose;
	x->boot.quiet = o->quiet;
	if (!o->quiet)
		fprintf(stderr, "[ktstr-run] booting %s (%s) with %d CPUs, %llu MiB, %s backend\n",
			x->k.release, x->k.vmlinux[0] ? x->k.vmlinux : x->k.bzimage,
			scn_topo_ncpus(&x->s->topo),
			(unsigned long long)(x->s->memory_bytes >> 20), x->b->name);
	results_init(&x->r, checks_expected_workers(x->s));
	snprintf(x->r.console_log, sizeof(x->r.console_log), "%s", x->vs.console_log);
	if (run_cancelled) {
		fprintf(stderr, "ktstr-run: cancelled before the guest started\n");
		return 3;
	}
	if (boot_start(&x->boot, &x->b, new_backend, x, &x->vs, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: %s backend: %s\n", x->b->name, msg);
		return 2;
	}
	run_current = x->b;
	if (run_cancelled)
		x->b->kill(x->b);
	if (strcmp(x->boot.kind, "cold") && !o->quiet)
		fprintf(stderr, "[ktstr-run] restored snapshot %s in %llu ms%s\n", x->boot.snapshot,
			(unsigned long long)x->boot.restore_ms,
			!strcmp(x->boot.kind, "warm") ? " (a warm VM reset to it)" : "");
	co.t0_ms = x->boot.t0_ms;
	co.timeout_ms = o->timeout_ms ? o->timeout_ms : run_default_timeout_ms(x->s);
	if (x->b->plan_channel) {
		co.plan = x->ird.plan;
		co.plan_len = x->ird.plan_len;
		co.plan_now = strcmp(x->boot.kind, "cold") != 0;
	}
	collect_run(x->b, &x->r, &co);
	run_current = NULL;
	x->r.boot_kind = x->boot.kind;
	x->r.restore_ms = x->boot.restore_ms;
	snprintf(x->r.snapshot, sizeof(x->r.snapshot), "%s", x->boot.snapshot);
	x->r.snapshot_saved = x->boot.saved;
	results_read_console_tail(&x->r, 25);
	return 0;
}

/* Judge and write; the results object goes to out. Returns the run's
 * exit code. */
static int stage_judge_and_write(struct run *x, struct run_outcome *out)
{
	const struct run_opts *o = x->o;
	struct run_meta meta = {
		.scenario_path = o->scenario,
		.kernel_path = x->k.vmlinux[0] ? x->k.vmlinux : x->k.bzimage,
		.kernel_release = x->k.release, .backend = x->b->name,
		.accel = x->b->accel_used, .log_stem = x->log_stem,
		.key_scheduler = o->key_scheduler, .repeat = o->repeat };
	json_t *j = NULL;
	int log_err = 0, code;

	if (x->private_log) {
		/* The results name the user's log, which now holds it all. */
		log_err = console_copy(x->tmp_log, x->log);
		snprintf(x->r.console_log, sizeof(x->r.console_log), "%s", x->log);
	}
	verdict_decide(x->s, &x->r, &x->v);
	code = x->v.exit_code;
	derive_log_stem(o, x->s, x->log, !x->private_log, x->log_stem, sizeof(x->log_stem));
	if (write_output_logs(x->log_stem, x->s, &x->r))
		log_err = -1;
	if (!o->no_summary)
		output_summary(stdout, x->s, &x->r, &x->v, &meta);
	snprintf(out->verdict, sizeof(out->verdict), "%s", x->v.verdict);
	snprintf(out->reason, sizeof(out->reason), "%s", x->v.reason);
	j = results_to_json(x->s, &x->r, &x->v, &meta);
	if (!j && o->json)
		fprintf(stderr, "ktstr-run: the results could not be encoded as JSON\n");
	if (o->json && (!j || run_write_json(o->json, j)) && code == 0)
		code = 2;
	out->results = j;
	if (o->junit && write_junit(o->junit, x->s, &x->r, &x->v) && code == 0)
		code = 2;
	if (log_err && code == 0)
		code = 2;
	return code;
}

int run_one(const struct run_opts *o, const char *backend, const struct kernel *k,
	    const struct scenario *s, struct run_outcome *out)
{
	struct run *x = calloc(1, sizeof(*x));
	int ret;

	memset(out, 0, sizeof(*out));
	if (!x)
		return out->exit_code = 2;
	x->o = o;
	x->name = backend;
	x->s = s;
	if (k) {
		x->k = *k;
		x->have_kernel = true;
	}
	x->ird.fd = -1;
	if (!(ret = stage_prepare(x)) && !(ret = stage_boot_and_collect(x)))
		ret = stage_judge_and_write(x, out);
	verdict_free(&x->v);
	results_free(&x->r);
	if (x->private_log > 0)
		unlink(x->tmp_log);
	initramfs_free(&x->ird);
	run_current = NULL;
	if (x->b)
		x->b->destroy(x->b);
	free(x);
	return out->exit_code = ret;
}

void run_outcome_free(struct run_outcome *out)
{
	json_decref(out->results);
	out->results = NULL;
}

void run_cancel(void)
{
	struct backend *b = run_current;

	run_cancelled = 1;
	if (b)
		b->kill(b);
}

int cmd_run(const struct run_opts *o)
{
	struct run_outcome out;
	struct scenario s;
	const char *name;
	char why[256];
	int ret;

	/* The backend's name first: its topology limits are part of what the
	 * scenario must pass before a kernel or initramfs is prepared. */
	if (!(name = backend_resolve(o->backend, why, sizeof(why)))) {
		fprintf(stderr, "ktstr-run: --backend %s: expected qemu, kvm or auto\n",
			o->backend);
		return 2;
	}
	if (scenario_load(o->scenario, name, &s))
		return 2;
	if (!strcmp(o->backend, "auto") && !strcmp(name, "qemu") && !o->quiet)
		fprintf(stderr, "[ktstr-run] backend auto: using qemu because %s\n", why);
	ret = run_one(o, name, NULL, &s, &out);
	run_outcome_free(&out);
	scn_free(&s);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Spawning, stopping and collecting a group of workers: fork mode (a process
 * per worker) and thread mode (one carrier process with a thread each). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workload/internal.h"
#include "workload/setup.h"
#include "workload/workload.h"

#define READY_TIMEOUT_NS 10000000000ull
#define RESIGNAL_NS 20000000ull

struct wl_group {
	const struct wl_type *type;
	struct scn_workers spec;
	struct wl_optval opts[SCN_MAX_WORK_OPTS];
	const char *cgroup_dir;
	char cgroup_buf[512];
	int count;
	bool threads;
	bool stopped;
	struct wl_shm *shm;
	void *shared;
	size_t shm_len;
	struct worker_report *reps;
	size_t reps_len;
	int nproc;          /* processes: count (fork) or 1 (thread) */
	pid_t *pids;
	int *status;
	int *state;         /* 0 running, 1 reaped, 2 killed, 3 wait failed */
	int *wait_err;
};

static void on_usr1(int sig)
{
	(void)sig; /* only there to interrupt blocking calls */
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void child_signals(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART */
	sigset_t mask;

	/* SIGUSR2 stays blocked: signal-storm takes it with sigtimedwait. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGPIPE, &(struct sigaction){ .sa_handler = SIG_IGN }, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void mark_ready(struct wl_group *g)
{
	__atomic_add_fetch(&g->shm->ready, 1, __ATOMIC_SEQ_CST);
	wl_futex_wake(&g->shm->ready, 1);
}

/* One worker, in its own process or thread. Returns its exit code. */
static int worker_body(struct wl_group *g, int i)
{
	struct wl_worker w = {
		.r = &g->reps[i], .all = g->reps, .shm = g->shm, .shared = g->shared,
		.type = g->type, .opts = g->opts, .spec = &g->spec, .index = i,
		.count = g->count, .pid = getpid(), .tid = gettid_(),
		.cgroup_dir = g->cgroup_dir,
	};
	char *msg = w.r->exit_msg;
	size_t len = sizeof(w.r->exit_msg);
	int rc;

	__atomic_store_n(&w.r->tid, w.tid, __ATOMIC_SEQ_CST);
	rc = wl_apply_sched(&g->spec, w.tid, msg, len);
	if (!rc && wl_apply_mempolicy(g->spec.mempolicy, msg, len))
		rc = WL_EXIT_MEMPOLICY;
	mark_ready(g);
	if (rc)
		return rc;
	wm_begin(&w);
	rc = g->type->run(&w);
	wm_end(&w);
	w.r->completed = rc == 0;
	return rc;
}

struct thread_arg {
	struct wl_group *g;
	int index;
};

static void *thread_main(void *arg)
{
	struct thread_arg *a = arg;

	return (void *)(intptr_t)worker_body(a->g, a->index);
}

static int join_cgroup(struct wl_group *g, int first, int n)
{
	struct worker_report *r = &g->reps[first];

	if (!g->cgroup_dir || !wl_join_cgroup(g->cgroup_dir, r->exit_msg, sizeof(r->exit_msg)))
		return 0;
	for (int i = first + 1; i < first + n; i++)
		memcpy(g->reps[i].exit_msg, r->exit_msg, sizeof(r->exit_msg));
	for (int i = 0; i < n; i++)
		mark_ready(g);
	return WL_EXIT_CGROUP;
}

static int carrier_main(struct wl_group *g)
{
	struct thread_arg *slots = NULL;
	pthread_t *th = NULL;
	pthread_attr_t attr;
	int rc = join_cgroup(g, 0, g->count), i, err;

	if (rc)
		return rc;
	slots = calloc(g->count, sizeof(*slots));
	th = calloc(g->count, sizeof(*th));
	if (!slots || !th) {
		rc = WL_EXIT_THREAD;
		goto out;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	for (i = 0; i < g->count; i++) {
		slots[i].index = i;
		slots[i].g = g;
		err = pthread_create(&th[i], &attr, thread_main, &slots[i]);
		if (err) {
			snprintf(g->reps[i].exit_msg, sizeof(g->reps[i].exit_msg),
				 "pthread_create: %s", strerror(err));
			for (int k = i; k < g->count; k++)
				mark_ready(g);
			rc = WL_EXIT_THREAD;
			break;
		}
	}
	pthread_attr_destroy(&attr);
	for (int k = 0; k < i; k++) {
		void *ret;

		pthread_join(th[k], &ret);
		if (!rc && ret)
			rc = (int)(intptr_t)ret;
	}
out:
	free(slots);
	free(th);
	return rc;
}

static int start_process(struct wl_group *g, int p)
{
	pid_t pid = fork();
	int rc;

	if (pid < 0)
		return -1;
	if (pid > 0) {
		g->pids[p] = pid;
		return 0;
	}
	child_signals();
	if (g->threads) {
		rc = carrier_main(g);
	} else {
		rc = join_cgroup(g, p, 1);
		if (!rc)
			rc = worker_body(g, p);
	}
	_exit(rc);
}

static void reap(struct wl_group *g, int p, int flags)
{
	int st;
	pid_t r;

	if (g->state[p])
		return;
	do
		r = waitpid(g->pids[p], &st, flags);
	while (r < 0 && errno == EINTR);
	if (r == g->pids[p]) {
		g->status[p] = st;
		g->state[p] = 1;
	} else if (r < 0) {
		g->wait_err[p] = errno;
		g->state[p] = 3;
	}
}

static bool all_reaped(struct wl_group *g)
{
	for (int p = 0; p < g->nproc; p++) {
		reap(g, p, WNOHANG);
		if (!g->state[p])
			return false;
	}
	return true;
}

/* Until every worker has finished its setup (so tids are known). */
static void wait_ready(struct wl_group *g)
{
	uint64_t deadline = wl_now() + READY_TIMEOUT_NS;
	uint32_t n;

	while ((n = __atomic_load_n(&g->shm->ready, __ATOMIC_SEQ_CST)) < (uint32_t)g->count &&
	       wl_now() < deadline) {
		if (all_reaped(g))
			return;
		wl_futex_wait(&g->shm->ready, n, 2000000);
	}
}

static void *map_shared(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	return p;
}

static int group_alloc(struct wl_group *g, char *msg, size_t len)
{
	size_t type_len = g->type->shared_size ? g->type->shared_size(g->count) : 0;

	g->shm_len = (sizeof(struct wl_shm) + 63) / 64 * 64 + type_len;
	g->reps_len = g->count * sizeof(struct worker_report);
	g->shm = map_shared(g->shm_len);
	g->reps = map_shared(g->reps_len);
	g->nproc = g->threads ? 1 : g->count;
	g->pids = calloc(g->nproc, sizeof(*g->pids));
	g->status = calloc(g->nproc, sizeof(*g->status));
	g->state = calloc(g->nproc, sizeof(*g->state));
	g->wait_err = calloc(g->nproc, sizeof(*g->wait_err));
	if (!g->shm || !g->reps || !g->pids || !g->status || !g->state || !g->wait_err) {
		snprintf(msg, len, "workers %s: out of memory for %d reports",
			 g->type->name, g->count);
		return -1;
	}
	g->shared = (char *)g->shm + (sizeof(struct wl_shm) + 63) / 64 * 64;
	for (int i = 0; i < g->count; i++) {
		struct worker_report *r = &g->reps[i];

		snprintf(r->cgroup, sizeof(r->cgroup), "%s", g->spec.cgroup);
		snprintf(r->type, sizeof(r->type), "%s", g->type->name);
		r->index = i;
		r->is_messenger = g->type->messenger && i == 0;
		r->max_gap_cpu = -1;
	}
	return 0;
}

static void group_release(struct wl_group *g)
{
	if (g->shm)
		munmap(g->shm, g->shm_len);
	if (g->reps)
		munmap(g->reps, g->reps_len);
	free(g->pids);
	free(g->status);
	free(g->state);
	free(g->wait_err);
	free(g);
}

int wl_spawn(const struct scn_workers *w, const char *cgroup_dir,
	     struct wl_group **out, char *msg, size_t len)
{
	struct wl_group *g = calloc(1, sizeof(*g));
	int bad, p;

	if (!g) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	if (wl_validate(w, &bad, msg, len))
		goto err_free;
	g->type = wl_type_find(w->type);
	g->spec = *w;
	g->count = w->count;
	g->threads = w->clone == SCN_CLONE_THREAD;
	if (cgroup_dir) {
		snprintf(g->cgroup_buf, sizeof(g->cgroup_buf), "%s", cgroup_dir);
		g->cgroup_dir = g->cgroup_buf;
	}
	wl_opts_parse(g->type, w, g->opts, &bad, msg, len);
	if (group_alloc(g, msg, len))
		goto err_free;
	if (g->type->group_init &&
	    g->type->group_init(g->shared, g->count, g->opts, g->cgroup_dir, msg, len))
		goto err_free;
	for (p = 0; p < g->nproc; p++)
		if (start_process(g, p)) {
			snprintf(msg, len, "workers %s: fork: %s", w->type, strerror(errno));
			goto err_kill;
		}
	wait_ready(g);
	*out = g;
	return 0;

err_kill:
	g->nproc = p;
	wl_stop(g, 0);
	if (g->type->group_fini)
		g->type->group_fini(g->shared, g->count);
err_free:
	group_release(g);
	return -1;
}

static void signal_all(struct wl_group *g, int sig)
{
	for (int p = 0; p < g->nproc; p++) {
		if (g->state[p])
			continue;
		kill(g->pids[p], sig);
		if (!g->threads || sig != SIGUSR1)
			continue;
		for (int i = 0; i < g->count; i++) {
			pid_t tid = __atomic_load_n(&g->reps[i].tid, __ATOMIC_SEQ_CST);

			if (tid > 0)
				syscall(SYS_tgkill, g->pids[p], tid, sig);
		}
	}
}

static void fill_exit(struct wl_group *g, int i)
{
	struct worker_report *r = &g->reps[i];
	int p = g->threads ? 0 : i, st = g->status[p];

	switch (g->state[p]) {
	case 2:
		/* A thread that finished keeps its good exit even though the
		 * carrier was killed for a sibling. */
		r->exit_kind = r->completed && g->threads ? WR_EXIT_EXITED : WR_EXIT_TIMED_OUT;
		r->exit_code = r->exit_kind == WR_EXIT_EXITED ? 0 : SIGKILL;
		break;
	case 3:
		r->exit_kind = WR_EXIT_WAIT_FAILED;
		r->exit_code = g->wait_err[p];
		break;
	case 1:
		if (WIFSIGNALED(st)) {
			r->exit_kind = WR_EXIT_SIGNALED;
			r->exit_code = WTERMSIG(st);
		} else {
			r->exit_kind = WR_EXIT_EXITED;
			r->exit_code = WEXITSTATUS(st);
		}
		break;
	default:
		r->exit_kind = WR_EXIT_RUNNING;
	}
	if (!r->wall_time_ns && r->started_at_ns)
		r->wall_time_ns = wl_now() - r->started_at_ns;
}

void wl_request_stop(struct wl_group *g)
{
	if (g->stopped)
		return;
	__atomic_store_n(&g->shm->stop, 1, __ATOMIC_SEQ_CST);
	signal_all(g, SIGUSR1);
}

void wl_stop(struct wl_group *g, uint64_t timeout_ns)
{
	uint64_t now = wl_now(), deadline = now + timeout_ns, next = now;

	if (g->stopped)
		return;
	g->stopped = true;
	__atomic_store_n(&g->shm->stop, 1, __ATOMIC_SEQ_CST);
	while (!all_reaped(g)) {
		now = wl_now();
		if (now >= deadline)
			break;
		if (now >= next) {
			signal_all(g, SIGUSR1);
			next = now + RESIGNAL_NS;
		}
		usleep(500);
	}
	for (int p = 0; p < g->nproc; p++) {
		if (g->state[p])
			continue;
		kill(g->pids[p], SIGKILL);
		reap(g, p, 0);
		if (g->state[p] == 1)
			g->state[p] = 2;
	}
	for (int i = 0; i < g->count; i++)
		fill_exit(g, i);
}

int wl_group_count(const struct wl_group *g)
{
	return g->count;
}

const struct worker_report *wl_group_report(const struct wl_group *g, int i)
{
	return i >= 0 && i < g->count ? &g->reps[i] : NULL;
}

int wl_group_tids(const struct wl_group *g, pid_t *out, int max)
{
	int n = 0;

	for (int i = 0; i < g->count && n < max; i++) {
		pid_t tid = __atomic_load_n(&g->reps[i].tid, __ATOMIC_SEQ_CST);

		if (g->threads && tid <= 0)
			continue;
		out[n++] = g->threads ? tid : g->pids[i];
	}
	return n;
}

int wl_group_pids(const struct wl_group *g, pid_t *out, int max)
{
	int n = 0;

	for (int p = 0; p < g->nproc && n < max; p++)
		if (!g->state[p])
			out[n++] = g->pids[p];
	return n;
}

void wl_free(struct wl_group *g)
{
	if (!g)
		return;
	wl_stop(g, 0);
	if (g->type->group_fini)
		g->type->group_fini(g->shared, g->count);
	group_release(g);
}

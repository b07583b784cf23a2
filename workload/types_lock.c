// SPDX-License-Identifier: GPL-2.0-only
/* Lock-bound work types: mutex-contention (everyone on one mutex) and
 * priority-inversion (low/medium/high triples around a mutex). */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "workload/setup.h"
#include "workload/types.h"

struct lock_slot {
	pthread_mutex_t mu;
	uint64_t released_ns; /* when the holder last unlocked */
} WL_ALIGN;

static int init_mutexes(struct lock_slot *s, int n, bool pi, char *msg, size_t len)
{
	pthread_mutexattr_t ma;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	if (pi && pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT)) {
		snprintf(msg, len, "priority-inversion: no priority-inheritance mutexes");
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (pthread_mutex_init(&s[i].mu, &ma)) {
			snprintf(msg, len, "cannot initialise a process-shared mutex");
			return -1;
		}
	return 0;
}

/* Take the lock; time spent blocked is a wake-up latency from the unlock. */
static uint64_t lock_measured(struct wl_worker *w, struct lock_slot *s)
{
	if (pthread_mutex_trylock(&s->mu) == 0)
		return wm_progress(w);
	wm_block(w);
	pthread_mutex_lock(&s->mu);
	return wm_woke(w, __atomic_load_n(&s->released_ns, __ATOMIC_ACQUIRE));
}

static void unlock_stamped(struct lock_slot *s)
{
	__atomic_store_n(&s->released_ns, wl_now(), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->mu);
}

static size_t one_lock(int count)
{
	return sizeof(struct lock_slot);
}

static int mc_init(void *shared, int count, const struct wl_optval *o,
		   const char *cgroup_dir, char *msg, size_t len)
{
	return init_mutexes(shared, 1, false, msg, len);
}

static int run_mutex_contention(struct wl_worker *w)
{
	struct lock_slot *s = w->shared;
	uint64_t hold = wl_opt(w, "hold"), work = wl_opt(w, "work"), t = wl_now();

	while (!wl_stopping(w)) {
		lock_measured(w, s);
		wl_compute(hold);
		unlock_stamped(s);
		wl_compute(work);
		t = wm_iter(w, t, 1);
	}
	return 0;
}

static const struct wl_opt_def mc_opts[] = {
	{ "hold", WL_OPT_INT, "500", "compute rounds inside the lock" },
	{ "work", WL_OPT_INT, "500", "compute rounds outside the lock" },
	{ NULL },
};

const struct wl_type wl_type_mutex_contention = {
	.name = "mutex-contention", .summary = "every worker takes one shared mutex",
	.opts = mc_opts, .min_count = 1, .multiple = 1,
	.shared_size = one_lock, .group_init = mc_init, .run = run_mutex_contention,
};

/* priority-inversion: worker 3k (low) holds the lock for long stretches,
 * 3k+1 (medium) spins, 3k+2 (high) takes the lock every millisecond and
 * reports how long it waited. Priorities come from RT priorities when the
 * policy is fifo/rr, else from nice 10/0/-10. */
static size_t pi_shared(int count)
{
	return count / 3 * sizeof(struct lock_slot);
}

static int pi_init(void *shared, int count, const struct wl_optval *o,
		   const char *cgroup_dir, char *msg, size_t len)
{
	return init_mutexes(shared, count / 3, o[0].u, msg, len);
}

static void pi_priority(struct wl_worker *w, int role)
{
	int policy = wl_policy_num(w->spec->policy);
	char msg[96];

	if (policy == SCHED_FIFO || policy == SCHED_RR) {
		int prio = w->spec->priority + role;

		wl_set_policy(w->tid, policy, prio > 99 ? 99 : prio, msg, sizeof(msg));
		return;
	}
	/* Raising priority needs CAP_SYS_NICE; without it the roles only
	 * differ by what they do. */
	setpriority(PRIO_PROCESS, w->tid, 10 - 10 * role);
}

static int run_priority_inversion(struct wl_worker *w)
{
	struct lock_slot *s = (struct lock_slot *)w->shared + w->index / 3;
	int role = w->index % 3;
	uint64_t t = wl_now(), start;

	pi_priority(w, role);
	while (!wl_stopping(w)) {
		switch (role) {
		case 0:
			lock_measured(w, s);
			wl_compute(wl_opt(w, "hold"));
			unlock_stamped(s);
			t = wm_iter(w, t, 1);
			t = wl_sleep_until(w, t + 100000);
			break;
		case 1:
			wl_compute(wl_opt(w, "work"));
			t = wm_iter(w, t, 1);
			break;
		default:
			t = wl_sleep_until(w, t + wl_opt(w, "period"));
			start = wl_now();
			pthread_mutex_lock(&s->mu);
			wm_latency(w, wl_now() - start);
			pthread_mutex_unlock(&s->mu);
			t = wm_iter(w, t, 1);
		}
	}
	return 0;
}

static const struct wl_opt_def pi_opts[] = {
	{ "pi", WL_OPT_BOOL, "no", "use a priority-inheritance mutex" },
	{ "hold", WL_OPT_INT, "50000", "low: compute rounds inside the lock" },
	{ "work", WL_OPT_INT, "1000", "medium: compute rounds per work unit" },
	{ "period", WL_OPT_DUR, "1ms", "high: time between lock attempts" },
	{ NULL },
};

const struct wl_type wl_type_priority_inversion = {
	.name = "priority-inversion",
	.summary = "low/medium/high triples: high waits on a lock low holds while "
		   "medium runs",
	.opts = pi_opts, .min_count = 3, .multiple = 3,
	.shared_size = pi_shared, .group_init = pi_init, .run = run_priority_inversion,
};

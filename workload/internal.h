/* SPDX-License-Identifier: GPL-2.0-only */
/* What the workload library shares between its files: the work type table
 * entry, the per-worker context, the measuring API and small sync helpers. */
#ifndef KTSTR__WORKLOAD_INTERNAL_H
#define KTSTR__WORKLOAD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "scenario/model.h"
#include "workload/report.h"

#define WL_WAIT_NS 50000000ull /* blocking waits recheck stop this often */
#define WL_ALIGN __attribute__((aligned(64)))

/* Worker exit codes for setup failures (the report's exit_msg says more). */
enum {
	WL_EXIT_OK = 0,
	WL_EXIT_CGROUP = 10,
	WL_EXIT_POLICY = 11,
	WL_EXIT_NICE = 12,
	WL_EXIT_MEMPOLICY = 13,
	WL_EXIT_SETUP = 14,  /* the work type's own setup failed */
	WL_EXIT_THREAD = 15, /* the carrier could not create a thread */
};

enum wl_opt_kind {
	WL_OPT_DUR,  /* "10ms": value in ns */
	WL_OPT_INT,  /* non-negative integer */
	WL_OPT_SIZE, /* "4M": bytes */
	WL_OPT_BOOL, /* yes|no */
	WL_OPT_STR,  /* checked by the type's check_opt */
};

struct wl_opt_def {
	const char *key;
	enum wl_opt_kind kind;
	const char *def;
	const char *help;
};

struct wl_optval {
	uint64_t u;
	char s[128];
};

struct wl_worker;

struct wl_type {
	const char *name;
	const char *summary;
	const struct wl_opt_def *opts; /* NULL-key terminated, may be NULL */
	int min_count;
	int multiple;                  /* count must be a multiple (1 = any) */
	bool messenger;                /* worker 0 is the messenger */
	/* Bytes of group-shared memory (mapped before fork), or 0. */
	size_t (*shared_size)(int count);
	/* In the parent before fork: set up sync objects, fds. 0 or -1. */
	int (*group_init)(void *shared, int count, const struct wl_optval *o,
			  const char *cgroup_dir, char *msg, size_t len);
	/* In the parent after every worker is reaped. */
	void (*group_fini)(void *shared, int count);
	/* Extra option check (WL_OPT_STR values). 0 or -1 with msg. */
	int (*check_opt)(const char *key, const char *val, char *msg, size_t len);
	/* The worker body: returns 0 or a WL_EXIT_* code. */
	int (*run)(struct wl_worker *w);
};

/* Group-wide shared state, in MAP_SHARED memory. */
struct wl_shm {
	uint32_t stop;  /* set by wl_stop; read by every loop */
	uint32_t ready; /* workers that finished their setup */
	uint32_t pad[2];
};

/* Measuring state, private to one worker. */
struct wl_measure {
	uint64_t t0;          /* CLOCK_MONOTONIC at start */
	uint64_t last;        /* last progress point */
	uint64_t block_start; /* when the worker last went to block */
	uint64_t last_flush;
	int cpu;
	uint64_t rng;
	uint64_t sched0[3];
	uint64_t vm0;
};

struct wl_worker {
	struct worker_report *r;
	struct worker_report *all; /* every report of the group */
	struct wl_shm *shm;
	void *shared;              /* the type's shared area */
	const struct wl_type *type;
	const struct wl_optval *opts;
	const struct scn_workers *spec;
	int index, count;
	pid_t pid, tid;
	const char *cgroup_dir;
	struct wl_measure m;
};

/* Registry (registry.c). */
const struct wl_type *wl_type_find(const char *name);
int wl_type_count(void);
const struct wl_type *wl_type_at(int i);
/* Parse w->opts against t (defaults first) into out[]. 0 or -1 + msg. */
int wl_opts_parse(const struct wl_type *t, const struct scn_workers *w,
		  struct wl_optval *out, int *bad_opt, char *msg, size_t len);
/* Option value by key (the key must be one of the type's). */
uint64_t wl_opt(const struct wl_worker *w, const char *key);
const char *wl_opt_str(const struct wl_worker *w, const char *key);
/* A duration or size in the scenario's grammar (scn_duration_parse,
 * scn_size_parse). 0 or -1. */
int wl_parse_duration(const char *s, uint64_t *ns);
int wl_parse_size(const char *s, uint64_t *bytes);

/* Measuring (measure.c). */
void wm_begin(struct wl_worker *w);
void wm_end(struct wl_worker *w);
/* A progress point: gap, migration and flush bookkeeping. Returns now. */
uint64_t wm_progress(struct wl_worker *w);
/* End of one iteration that started at start_ns and did units of work. */
uint64_t wm_iter(struct wl_worker *w, uint64_t start_ns, uint64_t units);
/* About to block voluntarily (the time blocked is not a gap). */
void wm_block(struct wl_worker *w);
/* Back from blocking; wake_ns = when the waker woke us (or the sleep's
 * target), 0 if unknown. Records the resume latency. Returns now. */
uint64_t wm_woke(struct wl_worker *w, uint64_t wake_ns);
/* A resume latency sample measured by the type itself. */
void wm_latency(struct wl_worker *w, uint64_t ns);

/* Helpers (util.c). */
static inline uint64_t wl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline bool wl_stopping(const struct wl_worker *w)
{
	return __atomic_load_n(&w->shm->stop, __ATOMIC_RELAXED) != 0;
}

static inline uint64_t wl_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* A fixed compute kernel: rounds of integer mixing. */
uint64_t wl_compute(uint64_t rounds);
/* Spin on the compute kernel until `until` (CLOCK_MONOTONIC) or stop,
 * counting each kernel call as a progress point; returns kernel calls. */
uint64_t wl_spin_until(struct wl_worker *w, uint64_t until, uint64_t rounds);
/* Sleep until abs (CLOCK_MONOTONIC), recording oversleep as the resume
 * latency. Returns now. */
uint64_t wl_sleep_until(struct wl_worker *w, uint64_t abs);
/* Shared futexes (no FUTEX_PRIVATE_FLAG: they work across processes).
 * timeout_ns 0 = none. Return the syscall's result. */
int wl_futex_wait(uint32_t *addr, uint32_t val, uint64_t timeout_ns);
int wl_futex_wake(uint32_t *addr, int n);
/* Block while *addr == val; false when the group is stopping. */
bool wl_wait_change(const struct wl_worker *w, uint32_t *addr, uint32_t val);
/* Store v into *addr and wake one/all waiters. */
void wl_post(uint32_t *addr, uint32_t v, int nwake);
/* Walk a buffer touching one byte per cache line from a random start. */
uint64_t wl_touch(volatile uint8_t *buf, size_t len, size_t stride, uint64_t *rng);
/* Write "msg" into the report's exit_msg; returns code. */
int wl_fail(struct wl_worker *w, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Parse "0-3,6" (nodes or CPUs, not empty) into a bit mask (up to
 * 64*words bits, at most SCN_MAX_CPUS), in the scenario's list grammar. */
int wl_parse_list(const char *s, uint64_t *mask, int words);

#endif

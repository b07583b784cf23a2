// SPDX-License-Identifier: GPL-2.0-only
/* Work types that pass wake-ups between workers through shared memory or
 * pipes: pairs (futex-pingpong, ipc-variance, pipe-io, cache-pipe,
 * asymmetric-waker), fan-outs with a messenger (futex-fanout,
 * fanout-compute, thundering-herd, schbench), wake-chain and
 * producer-consumer-imbalance. Everything shared is mapped before fork, so
 * both clone modes work; futexes are not FUTEX_PRIVATE. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload/types.h"

static uint64_t load64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Block until the event count *gen moves past *seen (updating *seen), then
 * record the wake-up against the waker's stamp *wake_ns. Returns the time
 * of the wake-up, or 0 when the group is stopping. */
static uint64_t wait_event(struct wl_worker *w, uint32_t *gen, uint32_t *seen,
			   const uint64_t *wake_ns)
{
	wm_block(w);
	if (!wl_wait_change(w, gen, *seen))
		return 0;
	*seen = __atomic_load_n(gen, __ATOMIC_ACQUIRE);
	return wm_woke(w, load64(wake_ns));
}

/* ---- futex pairs: futex-pingpong, ipc-variance ---- */

struct pp_slot {
	uint32_t turn;    /* which side of the pair may run */
	uint64_t wake_ns; /* when the other side handed over */
} WL_ALIGN;

static size_t pp_shared(int count)
{
	return count / 2 * sizeof(struct pp_slot);
}

static uint64_t varied(struct wl_worker *w, uint64_t rounds)
{
	uint64_t r = wl_rand(&w->m.rng);

	return r % 8 == 0 ? rounds * 16 : rounds * (r % 3);
}

static int pingpong(struct wl_worker *w, bool variance)
{
	struct pp_slot *s = (struct pp_slot *)w->shared + w->index / 2;
	uint32_t me = w->index % 2;
	uint64_t rounds = wl_opt(w, "work"), t;

	while (!wl_stopping(w)) {
		wm_block(w);
		if (!wl_wait_change(w, &s->turn, !me))
			break;
		t = wm_woke(w, load64(&s->wake_ns));
		wl_compute(variance ? varied(w, rounds) : rounds);
		store64(&s->wake_ns, wl_now());
		wl_post(&s->turn, !me, 1);
		wm_iter(w, t, 1);
	}
	wl_post(&s->turn, !me, 1); /* let the partner see the stop */
	return 0;
}

static int run_futex_pingpong(struct wl_worker *w)
{
	return pingpong(w, false);
}

static int run_ipc_variance(struct wl_worker *w)
{
	return pingpong(w, true);
}

static const struct wl_opt_def pp_opts[] = {
	{ "work", WL_OPT_INT, "100", "compute rounds per message" },
	{ NULL },
};

const struct wl_type wl_type_futex_pingpong = {
	.name = "futex-pingpong", .summary = "pairs hand a futex back and forth",
	.opts = pp_opts, .min_count = 2, .multiple = 2,
	.shared_size = pp_shared, .run = run_futex_pingpong,
};

static const struct wl_opt_def var_opts[] = {
	{ "work", WL_OPT_INT, "500", "mean-ish compute rounds per message" },
	{ NULL },
};

const struct wl_type wl_type_ipc_variance = {
	.name = "ipc-variance",
	.summary = "futex ping-pong with heavy-tailed work between messages",
	.opts = var_opts, .min_count = 2, .multiple = 2,
	.shared_size = pp_shared, .run = run_ipc_variance,
};

/* ---- pipe pairs: pipe-io, cache-pipe ---- */

struct pipe_pair {
	int fd[2][2]; /* fd[d]: pipe carrying messages to side d */
};

static size_t pipe_shared(int count)
{
	return count / 2 * sizeof(struct pipe_pair);
}

static void pipe_fini(void *shared, int count)
{
	struct pipe_pair *p = shared;

	for (int i = 0; i < count / 2; i++)
		for (int d = 0; d < 2; d++)
			for (int k = 0; k < 2; k++)
				if (p[i].fd[d][k] >= 0)
					close(p[i].fd[d][k]);
}

static int pipe_init(void *shared, int count, const struct wl_optval *o,
		     const char *cgroup_dir, char *msg, size_t len)
{
	struct pipe_pair *p = shared;

	memset(p, 0xff, count / 2 * sizeof(*p)); /* every fd -1 */
	for (int i = 0; i < count / 2; i++)
		for (int d = 0; d < 2; d++)
			if (pipe(p[i].fd[d])) {
				snprintf(msg, len, "pipe for worker pair %d: %s", i,
					 strerror(errno));
				pipe_fini(shared, count);
				return -1;
			}
	return 0;
}

static bool pipe_recv(struct wl_worker *w, int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t got = 0;
	uint64_t ts;

	wm_block(w);
	while (poll(&p, 1, WL_WAIT_NS / 1000000) <= 0)
		if (wl_stopping(w))
			return false;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n <= 0 && !(n < 0 && errno == EINTR && !wl_stopping(w)))
			return false;
		if (n > 0)
			got += n;
	}
	memcpy(&ts, buf, sizeof(ts));
	wm_woke(w, ts);
	return true;
}

static bool pipe_send(int fd, char *buf, size_t size)
{
	uint64_t now = wl_now();

	memcpy(buf, &now, sizeof(now));
	return write(fd, buf, size) == (ssize_t)size;
}

static int pipe_pairs(struct wl_worker *w, size_t cache)
{
	struct pipe_pair *p = (struct pipe_pair *)w->shared + w->index / 2;
	int me = w->index % 2;
	size_t size = wl_opt(w, "size");
	char *buf = calloc(1, size);
	uint8_t *ws = cache ? malloc(cache) : NULL;
	uint64_t t = wl_now();

	if (!buf || (cache && !ws))
		return wl_fail(w, WL_EXIT_SETUP, "out of memory");
	if (ws)
		memset(ws, 1, cache);
	if (me == 1 && !pipe_recv(w, p->fd[1][0], buf, size))
		goto out;
	while (!wl_stopping(w)) {
		if (ws)
			wl_touch(ws, cache, 64, &w->m.rng);
		if (!pipe_send(p->fd[!me][1], buf, size) ||
		    !pipe_recv(w, p->fd[me][0], buf, size))
			break;
		t = wm_iter(w, t, 1);
	}
out:
	free(buf);
	free(ws);
	return 0;
}

static int check_msg_size(struct wl_worker *w)
{
	size_t size = wl_opt(w, "size");

	if (size < 8 || size > 4096)
		return wl_fail(w, WL_EXIT_SETUP, "size=%zu: must be 8..4096", size);
	return 0;
}

static int run_pipe_io(struct wl_worker *w)
{
	return check_msg_size(w) ?: pipe_pairs(w, 0);
}

static int run_cache_pipe(struct wl_worker *w)
{
	return check_msg_size(w) ?: pipe_pairs(w, wl_opt(w, "cache"));
}

static const struct wl_opt_def pipe_opts[] = {
	{ "size", WL_OPT_SIZE, "64", "message size in bytes (8..4096)" },
	{ NULL },
};

const struct wl_type wl_type_pipe_io = {
	.name = "pipe-io", .summary = "pairs pass a message back and forth over pipes",
	.opts = pipe_opts, .min_count = 2, .multiple = 2,
	.shared_size = pipe_shared, .group_init = pipe_init, .group_fini = pipe_fini,
	.run = run_pipe_io,
};

static const struct wl_opt_def cache_pipe_opts[] = {
	{ "size", WL_OPT_SIZE, "64", "message size in bytes (8..4096)" },
	{ "cache", WL_OPT_SIZE, "1M", "buffer each side walks before sending" },
	{ NULL },
};

const struct wl_type wl_type_cache_pipe = {
	.name = "cache-pipe",
	.summary = "pipe-io pairs that walk a cache-sized buffer before each message",
	.opts = cache_pipe_opts, .min_count = 2, .multiple = 2,
	.shared_size = pipe_shared, .group_init = pipe_init, .group_fini = pipe_fini,
	.run = run_cache_pipe,
};

/* ---- asymmetric-waker: a fast waker and a slow wakee per pair ---- */

struct aw_slot {
	uint32_t events;
	uint64_t wake_ns;
} WL_ALIGN;

static size_t aw_shared(int count)
{
	return count / 2 * sizeof(struct aw_slot);
}

static int run_asymmetric_waker(struct wl_worker *w)
{
	struct aw_slot *s = (struct aw_slot *)w->shared + w->index / 2;
	uint64_t t = wl_now(), period = wl_opt(w, "period");
	uint32_t seen = 0;

	while (!wl_stopping(w)) {
		if (w->index % 2 == 0) {
			wl_compute(wl_opt(w, "work"));
			store64(&s->wake_ns, wl_now());
			__atomic_add_fetch(&s->events, 1, __ATOMIC_RELEASE);
			wl_futex_wake(&s->events, 1);
			wm_iter(w, t, 1);
			t = wl_sleep_until(w, wl_now() + period);
			continue;
		}
		t = wait_event(w, &s->events, &seen, &s->wake_ns);
		if (!t)
			break;
		wl_compute(wl_opt(w, "heavy"));
		wm_iter(w, t, 1);
	}
	return 0;
}

static const struct wl_opt_def aw_opts[] = {
	{ "period", WL_OPT_DUR, "100us", "waker: sleep between wake-ups" },
	{ "work", WL_OPT_INT, "100", "waker: compute rounds per wake-up" },
	{ "heavy", WL_OPT_INT, "20000", "wakee: compute rounds per wake-up" },
	{ NULL },
};

const struct wl_type wl_type_asymmetric_waker = {
	.name = "asymmetric-waker",
	.summary = "pairs: a light waker wakes a heavy wakee faster than it can keep up",
	.opts = aw_opts, .min_count = 2, .multiple = 2,
	.shared_size = aw_shared, .run = run_asymmetric_waker,
};

/* ---- fan-outs: futex-fanout, fanout-compute, thundering-herd ---- */

struct fan {
	uint32_t gen;     /* bumped by the messenger for each round */
	uint32_t done;    /* receivers finished with this round */
	uint32_t claim;   /* thundering-herd: last round someone won */
	uint64_t wake_ns; /* when the messenger woke the receivers */
	uint64_t done_ns; /* when the last receiver finished */
} WL_ALIGN;

static size_t fan_shared(int count)
{
	return sizeof(struct fan);
}

static void fan_release(struct fan *f)
{
	__atomic_add_fetch(&f->gen, 1, __ATOMIC_RELEASE);
	wl_futex_wake(&f->gen, INT_MAX);
}

static void fan_broadcast(struct fan *f)
{
	store64(&f->wake_ns, wl_now());
	fan_release(f);
}

/* Messenger: wake every receiver, wait until all of them are done. */
static int fan_messenger(struct wl_worker *w, struct fan *f)
{
	uint32_t n = w->count - 1, d;
	uint64_t t = wl_now();

	while (!wl_stopping(w)) {
		__atomic_store_n(&f->done, 0, __ATOMIC_RELEASE);
		fan_broadcast(f);
		wm_block(w);
		while ((d = __atomic_load_n(&f->done, __ATOMIC_ACQUIRE)) < n && !wl_stopping(w))
			wl_futex_wait(&f->done, d, WL_WAIT_NS);
		wm_woke(w, load64(&f->done_ns));
		t = wm_iter(w, t, 1);
	}
	fan_release(f);
	return 0;
}

/* Receiver: wait for a round, compute, report done. */
static int fan_receiver(struct wl_worker *w, struct fan *f, uint64_t rounds)
{
	uint32_t seen = 0, n = w->count - 1;
	uint64_t t;

	while (!wl_stopping(w)) {
		t = wait_event(w, &f->gen, &seen, &f->wake_ns);
		if (!t)
			break;
		wl_compute(rounds);
		store64(&f->done_ns, wl_now());
		if (__atomic_add_fetch(&f->done, 1, __ATOMIC_ACQ_REL) >= n)
			wl_futex_wake(&f->done, 1);
		wm_iter(w, t, 1);
	}
	return 0;
}

static int run_fanout(struct wl_worker *w)
{
	if (w->index == 0)
		return fan_messenger(w, w->shared);
	return fan_receiver(w, w->shared, wl_opt(w, "work"));
}

static const struct wl_opt_def fanout_opts[] = {
	{ "work", WL_OPT_INT, "0", "receiver compute rounds per round" },
	{ NULL },
};

const struct wl_type wl_type_futex_fanout = {
	.name = "futex-fanout",
	.summary = "worker 0 wakes all others with one futex, waits for their acks",
	.opts = fanout_opts, .min_count = 2, .multiple = 1, .messenger = true,
	.shared_size = fan_shared, .run = run_fanout,
};

static const struct wl_opt_def fanout_compute_opts[] = {
	{ "work", WL_OPT_INT, "20000", "receiver compute rounds per round" },
	{ NULL },
};

const struct wl_type wl_type_fanout_compute = {
	.name = "fanout-compute",
	.summary = "futex-fanout whose receivers compute before they ack",
	.opts = fanout_compute_opts, .min_count = 2, .multiple = 1, .messenger = true,
	.shared_size = fan_shared, .run = run_fanout,
};

static int run_thundering_herd(struct wl_worker *w)
{
	struct fan *f = w->shared;
	uint64_t t = wl_now(), next = t, interval = wl_opt(w, "interval");
	uint32_t seen = 0;

	while (w->index == 0 && !wl_stopping(w)) {
		wl_sleep_until(w, next += interval);
		fan_broadcast(f);
		t = wm_iter(w, t, 1);
	}
	if (w->index == 0) {
		fan_release(f);
		return 0;
	}
	while (!wl_stopping(w)) {
		t = wait_event(w, &f->gen, &seen, &f->wake_ns);
		if (!t)
			break;
		/* Everyone woke; one wins the round and does the work. */
		if (__atomic_exchange_n(&f->claim, seen, __ATOMIC_ACQ_REL) != seen)
			wl_compute(wl_opt(w, "work"));
		wm_iter(w, t, 1);
	}
	return 0;
}

static const struct wl_opt_def herd_opts[] = {
	{ "interval", WL_OPT_DUR, "1ms", "time between broadcasts" },
	{ "work", WL_OPT_INT, "2000", "compute rounds done by the round's winner" },
	{ NULL },
};

const struct wl_type wl_type_thundering_herd = {
	.name = "thundering-herd",
	.summary = "worker 0 wakes every waiter at once; one wins each round",
	.opts = herd_opts, .min_count = 2, .multiple = 1, .messenger = true,
	.shared_size = fan_shared, .run = run_thundering_herd,
};

/* ---- schbench: a messenger posts requests, workers wake and think ---- */

enum { SB_BUSY = 0, SB_WAITING, SB_POSTED };

struct sb_slot {
	uint32_t state;
	uint64_t wake_ns;
} WL_ALIGN;

static size_t sb_shared(int count)
{
	return count * sizeof(struct sb_slot);
}

static int sb_messenger(struct wl_worker *w, struct sb_slot *s)
{
	uint64_t t = wl_now(), interval = wl_opt(w, "interval"), posts;

	while (!wl_stopping(w)) {
		wl_sleep_until(w, wl_now() + interval);
		posts = 0;
		for (int j = 1; j < w->count; j++) {
			if (__atomic_load_n(&s[j].state, __ATOMIC_ACQUIRE) != SB_WAITING)
				continue;
			store64(&s[j].wake_ns, wl_now());
			wl_post(&s[j].state, SB_POSTED, 1);
			posts++;
		}
		t = wm_iter(w, t, posts);
	}
	for (int j = 1; j < w->count; j++)
		wl_post(&s[j].state, SB_POSTED, 1);
	return 0;
}

static int run_schbench(struct wl_worker *w)
{
	struct sb_slot *s = w->shared, *me = &s[w->index];
	uint64_t think = wl_opt(w, "think"), t;

	if (w->index == 0)
		return sb_messenger(w, s);
	while (!wl_stopping(w)) {
		__atomic_store_n(&me->state, SB_WAITING, __ATOMIC_RELEASE);
		wm_block(w);
		if (!wl_wait_change(w, &me->state, SB_WAITING))
			break;
		t = wm_woke(w, load64(&me->wake_ns));
		__atomic_store_n(&me->state, SB_BUSY, __ATOMIC_RELEASE);
		wl_compute(think);
		wm_iter(w, t, 1);
	}
	return 0;
}

static const struct wl_opt_def sb_opts[] = {
	{ "interval", WL_OPT_DUR, "500us", "messenger: sleep between posting rounds" },
	{ "think", WL_OPT_INT, "2000", "worker: compute rounds per request" },
	{ NULL },
};

const struct wl_type wl_type_schbench = {
	.name = "schbench",
	.summary = "schbench's pattern: a messenger posts requests, sleeping workers "
		   "wake, think, sleep; wake-up latencies are the result",
	.opts = sb_opts, .min_count = 2, .multiple = 1, .messenger = true,
	.shared_size = sb_shared, .run = run_schbench,
};

/* ---- wake-chain: a token goes round a ring of workers ---- */

struct chain_slot {
	uint32_t seq;
	uint64_t wake_ns;
} WL_ALIGN;

static size_t chain_shared(int count)
{
	return count * sizeof(struct chain_slot);
}

static void chain_pass(struct chain_slot *next)
{
	store64(&next->wake_ns, wl_now());
	__atomic_add_fetch(&next->seq, 1, __ATOMIC_RELEASE);
	wl_futex_wake(&next->seq, 1);
}

static int run_wake_chain(struct wl_worker *w)
{
	struct chain_slot *s = w->shared, *me = &s[w->index];
	struct chain_slot *next = &s[(w->index + 1) % w->count];
	uint64_t rounds = wl_opt(w, "work"), t = wl_now();
	uint32_t seen = 0;
	bool first = w->index == 0; /* worker 0 starts with the token */

	while (!wl_stopping(w)) {
		if (!first) {
			t = wait_event(w, &me->seq, &seen, &me->wake_ns);
			if (!t)
				break;
		}
		first = false;
		wl_compute(rounds);
		chain_pass(next);
		wm_iter(w, t, 1);
	}
	chain_pass(next);
	return 0;
}

static const struct wl_opt_def chain_opts[] = {
	{ "work", WL_OPT_INT, "200", "compute rounds per hop" },
	{ NULL },
};

const struct wl_type wl_type_wake_chain = {
	.name = "wake-chain", .summary = "a token passed round a ring of workers, each "
		   "waking the next",
	.opts = chain_opts, .min_count = 2, .multiple = 1,
	.shared_size = chain_shared, .run = run_wake_chain,
};

/* ---- producer-consumer-imbalance: a bounded queue ---- */

#define PC_RING 256

struct pc_queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	uint64_t head, tail; /* produced, consumed */
	uint64_t ts[PC_RING];
};

static size_t pc_shared(int count)
{
	return sizeof(struct pc_queue);
}

static int pc_init(void *shared, int count, const struct wl_optval *o,
		   const char *cgroup_dir, char *msg, size_t len)
{
	struct pc_queue *q = shared;
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;

	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (pthread_mutex_init(&q->mu, &ma) || pthread_cond_init(&q->not_empty, &ca) ||
	    pthread_cond_init(&q->not_full, &ca)) {
		snprintf(msg, len, "producer-consumer-imbalance: cannot set up the queue");
		return -1;
	}
	return 0;
}

static void timed_wait(pthread_cond_t *c, pthread_mutex_t *mu)
{
	uint64_t at = wl_now() + WL_WAIT_NS;
	struct timespec ts = { .tv_sec = at / 1000000000ull, .tv_nsec = at % 1000000000ull };

	pthread_cond_timedwait(c, mu, &ts);
}

static void pc_produce(struct wl_worker *w, struct pc_queue *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->head - q->tail == PC_RING && !wl_stopping(w)) {
		wm_block(w);
		timed_wait(&q->not_full, &q->mu);
		wm_woke(w, 0);
	}
	q->ts[q->head++ % PC_RING] = wl_now();
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
}

static bool pc_consume(struct wl_worker *w, struct pc_queue *q)
{
	uint64_t ts;
	bool waited = false;

	pthread_mutex_lock(&q->mu);
	while (q->head == q->tail && !wl_stopping(w)) {
		if (!waited)
			wm_block(w);
		waited = true;
		timed_wait(&q->not_empty, &q->mu);
	}
	if (q->head == q->tail) {
		pthread_mutex_unlock(&q->mu);
		return false;
	}
	ts = q->ts[q->tail++ % PC_RING];
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->mu);
	if (waited) /* we slept until this item was pushed */
		wm_woke(w, ts);
	return true;
}

static int run_producer_consumer(struct wl_worker *w)
{
	struct pc_queue *q = w->shared;
	int producers = (int)wl_opt(w, "producers");
	bool producer;
	uint64_t t = wl_now();

	if (producers < 1)
		producers = 1;
	if (producers >= w->count)
		producers = w->count - 1;
	producer = w->index < producers;
	while (!wl_stopping(w)) {
		if (producer) {
			wl_compute(wl_opt(w, "produce"));
			pc_produce(w, q);
		} else {
			if (!pc_consume(w, q))
				break;
			wl_compute(wl_opt(w, "consume"));
		}
		t = wm_iter(w, t, 1);
	}
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	return 0;
}

static const struct wl_opt_def pc_opts[] = {
	{ "producers", WL_OPT_INT, "1", "workers 0..N-1 produce, the rest consume "
	  "(clamped to 1..count-1)" },
	{ "produce", WL_OPT_INT, "200", "compute rounds per item produced" },
	{ "consume", WL_OPT_INT, "5000", "compute rounds per item consumed" },
	{ NULL },
};

const struct wl_type wl_type_producer_consumer_imbalance = {
	.name = "producer-consumer-imbalance",
	.summary = "few producers, many consumers, one bounded queue",
	.opts = pc_opts, .min_count = 2, .multiple = 1,
	.shared_size = pc_shared, .group_init = pc_init, .run = run_producer_consumer,
};

// SPDX-License-Identifier: GPL-2.0-only
/* Event-delivery work types: epoll-storm (eventfds under epoll) and
 * signal-storm (SIGUSR2 between workers). Each worker pokes random peers and
 * then waits for its own events. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload/types.h"

struct ev_slot {
	int efd;
	pid_t pid, tid;
	uint64_t wake_ns;
} WL_ALIGN;

static size_t ev_shared(int count)
{
	return count * sizeof(struct ev_slot);
}

static int random_peer(struct wl_worker *w)
{
	int j = wl_rand(&w->m.rng) % (w->count - 1);

	return j >= w->index ? j + 1 : j;
}

static void ev_fini(void *shared, int count)
{
	struct ev_slot *s = shared;

	for (int i = 0; i < count; i++)
		if (s[i].efd >= 0)
			close(s[i].efd);
}

static int ev_init(void *shared, int count, const struct wl_optval *o,
		   const char *cgroup_dir, char *msg, size_t len)
{
	struct ev_slot *s = shared;

	for (int i = 0; i < count; i++)
		s[i].efd = -1;
	for (int i = 0; i < count; i++) {
		s[i].efd = eventfd(0, EFD_NONBLOCK);
		if (s[i].efd < 0) {
			snprintf(msg, len, "epoll-storm: eventfd: %s", strerror(errno));
			ev_fini(shared, i);
			return -1;
		}
	}
	return 0;
}

static int run_epoll_storm(struct wl_worker *w)
{
	struct ev_slot *s = w->shared, *me = &s[w->index];
	struct epoll_event ev = { .events = EPOLLIN };
	uint64_t fan = wl_opt(w, "fanout"), t = wl_now(), one = 1, got;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, me->efd, &ev))
		return wl_fail(w, WL_EXIT_SETUP, "epoll: %s", strerror(errno));
	while (!wl_stopping(w)) {
		for (uint64_t k = 0; k < fan; k++) {
			struct ev_slot *p = &s[random_peer(w)];

			__atomic_store_n(&p->wake_ns, wl_now(), __ATOMIC_RELEASE);
			if (write(p->efd, &one, sizeof(one)) < 0)
				break;
		}
		wm_block(w);
		if (epoll_wait(ep, &ev, 1, 10) == 1 &&
		    read(me->efd, &got, sizeof(got)) == sizeof(got)) {
			wm_woke(w, __atomic_load_n(&me->wake_ns, __ATOMIC_ACQUIRE));
			t = wm_iter(w, t, got);
		} else {
			wm_woke(w, 0);
		}
	}
	close(ep);
	return 0;
}

static const struct wl_opt_def epoll_opts[] = {
	{ "fanout", WL_OPT_INT, "2", "peers poked per iteration" },
	{ NULL },
};

const struct wl_type wl_type_epoll_storm = {
	.name = "epoll-storm",
	.summary = "workers signal each other's eventfds and wait in epoll_wait",
	.opts = epoll_opts, .min_count = 2, .multiple = 1,
	.shared_size = ev_shared, .group_init = ev_init, .group_fini = ev_fini,
	.run = run_epoll_storm,
};

static int run_signal_storm(struct wl_worker *w)
{
	struct ev_slot *s = w->shared, *me = &s[w->index];
	uint64_t fan = wl_opt(w, "fanout"), t = wl_now();
	struct timespec wait = { .tv_nsec = 10000000 };
	sigset_t set;

	/* SIGUSR2 is blocked in every worker from birth (group.c), so a
	 * signal never kills a peer that is not ready yet. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	me->pid = w->pid;
	__atomic_store_n(&me->tid, w->tid, __ATOMIC_RELEASE);
	while (!wl_stopping(w)) {
		for (uint64_t k = 0; k < fan; k++) {
			struct ev_slot *p = &s[random_peer(w)];
			pid_t tid = __atomic_load_n(&p->tid, __ATOMIC_ACQUIRE);

			if (tid <= 0)
				continue;
			__atomic_store_n(&p->wake_ns, wl_now(), __ATOMIC_RELEASE);
			syscall(SYS_tgkill, p->pid, tid, SIGUSR2);
		}
		wm_block(w);
		if (sigtimedwait(&set, NULL, &wait) == SIGUSR2) {
			wm_woke(w, __atomic_load_n(&me->wake_ns, __ATOMIC_ACQUIRE));
			t = wm_iter(w, t, 1);
		} else {
			wm_woke(w, 0);
		}
	}
	__atomic_store_n(&me->tid, 0, __ATOMIC_RELEASE);
	return 0;
}

static const struct wl_opt_def signal_opts[] = {
	{ "fanout", WL_OPT_INT, "1", "peers signalled per iteration" },
	{ NULL },
};

const struct wl_type wl_type_signal_storm = {
	.name = "signal-storm",
	.summary = "workers send SIGUSR2 to random peers and wait for their own",
	.opts = signal_opts, .min_count = 2, .multiple = 1,
	.shared_size = ev_shared, .run = run_signal_storm,
};

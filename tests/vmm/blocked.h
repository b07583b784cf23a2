/* SPDX-License-Identifier: GPL-2.0-only */
/* A device call that blocks the vCPU (output into a full pipe or socket),
 * run on a thread of its own: still waiting 100 ms after it started, and
 * back within 5 s of the VM's end (the watchdog's kill). For
 * test_serial8250.c and test_virtio_console.c. Header-only: the test
 * executables share no library. */
#ifndef KTSTR__TESTS_VMM_BLOCKED_H
#define KTSTR__TESTS_VMM_BLOCKED_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "host/vmm/vmm.h"

struct blocked {
	pthread_t t;
	void (*call)(void);
	bool done;
};

static void *blocked_thread(void *arg)
{
	struct blocked *b = arg;

	b->call();
	__atomic_store_n(&b->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* call() on its own thread; expect it still to wait 100 ms later. */
static inline void blocked_start(struct blocked *b, void (*call)(void), const char *why)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };

	b->call = call;
	b->done = false;
	cr_assert_eq(pthread_create(&b->t, NULL, blocked_thread, b), 0);
	nanosleep(&ts, NULL);
	cr_expect_not(__atomic_load_n(&b->done, __ATOMIC_ACQUIRE), "%s", why);
}

/* End vm; the call must come back within 5 s. */
static inline void blocked_end_vm(struct blocked *b, struct vmm *vm, const char *who)
{
	struct timespec ts;

	vmm_end(vm, VMM_END_STOPPED, "killed by the test");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	cr_assert_eq(pthread_timedjoin_np(b->t, NULL, &ts), 0, "%s did not give up", who);
}

#endif

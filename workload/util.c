// SPDX-License-Identifier: GPL-2.0-only
/* Small helpers shared by the work types: the compute kernel, sleeping,
 * shared futexes, cache walks, failure messages and list parsing. */
#include <errno.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload/internal.h"

uint64_t wl_compute(uint64_t rounds)
{
	uint64_t a = 0x243f6a8885a308d3ull, b = 0x13198a2e03707344ull;

	for (uint64_t i = 0; i < rounds; i++) {
		a ^= b + i;
		a *= 0xff51afd7ed558ccdull;
		b = (b << 7 | b >> 57) ^ a;
	}
	__asm__ volatile("" : "+r"(a), "+r"(b));
	return a ^ b;
}

uint64_t wl_spin_until(struct wl_worker *w, uint64_t until, uint64_t rounds)
{
	uint64_t n = 0, t = wl_now();

	while (t < until && !wl_stopping(w)) {
		wl_compute(rounds);
		t = wm_iter(w, t, 1);
		n++;
	}
	return n;
}

uint64_t wl_sleep_until(struct wl_worker *w, uint64_t abs)
{
	struct timespec ts = {
		.tv_sec = abs / 1000000000ull,
		.tv_nsec = abs % 1000000000ull,
	};

	wm_block(w);
	if (!wl_stopping(w))
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	return wm_woke(w, abs);
}

int wl_futex_wait(uint32_t *addr, uint32_t val, uint64_t timeout_ns)
{
	struct timespec ts = {
		.tv_sec = timeout_ns / 1000000000ull,
		.tv_nsec = timeout_ns % 1000000000ull,
	};

	return syscall(SYS_futex, addr, FUTEX_WAIT, val, timeout_ns ? &ts : NULL,
		       NULL, 0);
}

int wl_futex_wake(uint32_t *addr, int n)
{
	return syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

bool wl_wait_change(const struct wl_worker *w, uint32_t *addr, uint32_t val)
{
	while (__atomic_load_n(addr, __ATOMIC_ACQUIRE) == val) {
		if (wl_stopping(w))
			return false;
		wl_futex_wait(addr, val, WL_WAIT_NS);
	}
	return true;
}

void wl_post(uint32_t *addr, uint32_t v, int nwake)
{
	__atomic_store_n(addr, v, __ATOMIC_RELEASE);
	wl_futex_wake(addr, nwake);
}

uint64_t wl_touch(volatile uint8_t *buf, size_t len, size_t stride, uint64_t *rng)
{
	size_t lines = len / stride, i, at;
	uint64_t sum = 0;

	if (!lines)
		return 0;
	/* An odd multiplier over a power-of-two-free walk defeats the
	 * prefetcher well enough: start anywhere, step by a large prime. */
	at = wl_rand(rng) % lines;
	for (i = 0; i < lines; i++) {
		buf[at * stride] += 1;
		sum += buf[at * stride];
		at = (at + 7919) % lines;
	}
	return sum;
}

int wl_fail(struct wl_worker *w, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->r->exit_msg, sizeof(w->r->exit_msg), fmt, ap);
	va_end(ap);
	return code;
}

/* The scenario language's list grammar (scn_list_parse), so a node list
 * reads the same in mempolicy=, a work type's option and a sysfs file. */
int wl_parse_list(const char *s, uint64_t *mask, int words)
{
	int max = words * 64 < SCN_MAX_CPUS ? words * 64 : SCN_MAX_CPUS;
	struct scn_cpumask m;
	char msg[256];

	for (int i = 0; i < words; i++)
		mask[i] = 0;
	if (scn_list_parse(s, max, "cpu", &m, msg, sizeof(msg)) || !scn_cpumask_count(&m))
		return -1;
	for (int i = 0; i < words && i < SCN_CPU_WORDS; i++)
		mask[i] = m.w[i];
	return 0;
}

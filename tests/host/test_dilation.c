// SPDX-License-Identifier: GPL-2.0-only
/* Tests for host/dilation.c: the VM's CPU time and run-queue wait between
 * two marks, from synthetic marks (threads that stay, appear and go) and
 * from real threads and a real child process. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/dilation.h"

static struct dil_thread a_t[] = { { 10, 1000, 100 }, { 11, 5000, 0 }, { 12, 7, 7 } };
static struct dil_thread b_t[] = { { 10, 4000, 1100 }, { 11, 5500, 500 }, { 13, 300, 200 } };

Test(dilation, between_counts_deltas_new_threads_whole_and_loses_gone_ones)
{
	struct dil_mark a = { .mono_ns = 1000, .t = a_t, .n = 3, .ok = true };
	struct dil_mark b = { .mono_ns = 11000, .t = b_t, .n = 3, .ok = true };
	struct dilation d;

	dil_between(&a, &b, 1, &d);
	cr_assert(d.measured);
	cr_assert_eq(d.wall_ns, 10000);
	cr_assert_eq(d.cpu_ns, 3000 + 500 + 300);
	cr_assert_eq(d.wait_ns, 1000 + 500 + 200);
	cr_assert_eq(d.threads, 3);
	cr_assert_float_eq(dil_cpu_share(&d), 3800.0 / 10000, 1e-12);
	cr_assert_float_eq(dil_starved(&d), 1700.0 / 5500, 1e-12);
	cr_assert_float_eq(dil_factor(&d), 5500.0 / 3800, 1e-12);
}

Test(dilation, a_mark_that_failed_measures_nothing)
{
	struct dil_mark a = { .mono_ns = 1000, .t = a_t, .n = 3, .ok = false };
	struct dil_mark b = { .mono_ns = 11000, .t = b_t, .n = 3, .ok = true };
	struct dilation d;

	dil_between(&a, &b, 2, &d);
	cr_assert_not(d.measured);
	cr_assert_eq(dil_cpu_share(&d), 0);
	cr_assert_eq(dil_starved(&d), 0);
	cr_assert_eq(dil_factor(&d), 0);
	cr_assert_not(dil_is_starved(&d));
}

Test(dilation, cpu_share_is_per_usable_cpu)
{
	struct dilation d = { .measured = true, .wall_ns = 1000, .cpu_ns = 1500,
			      .usable_cpus = 2 };

	cr_assert_float_eq(dil_cpu_share(&d), 0.75, 1e-12);
}

Test(dilation, starved_needs_both_the_share_and_the_time)
{
	struct dilation d = { .measured = true, .wall_ns = 1000000000, .usable_cpus = 1 };

	d.cpu_ns = 750000000;
	d.wait_ns = 250000000; /* exactly DIL_STARVED_MIN */
	cr_assert(dil_is_starved(&d));
	d.wait_ns = 240000000;
	cr_assert_not(dil_is_starved(&d), "24%% waited is not starved");
	d.cpu_ns = 10000000;
	d.wait_ns = DIL_STARVED_MIN_WAIT_NS - 1;
	cr_assert_not(dil_is_starved(&d), "a short wait is not starved");
}

static volatile int stop;
static volatile pid_t spinner;

static void *spin(void *arg)
{
	spinner = gettid();
	while (!stop)
		;
	return arg;
}

static bool has(const struct dil_mark *m, pid_t tid)
{
	for (int i = 0; i < m->n; i++)
		if (m->t[i].tid == tid)
			return true;
	return false;
}

static void burn_ms(int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* pid 0: this process's threads but the caller (the own VMM's vCPUs). */
Test(dilation, marks_this_process_s_other_threads)
{
	struct dil_mark a = { 0 }, b = { 0 };
	struct dilation d;
	pthread_t th;

	stop = 0;
	spinner = 0;
	cr_assert_eq(pthread_create(&th, NULL, spin, NULL), 0);
	while (!spinner)
		usleep(1000);
	cr_assert_eq(dil_mark(&a, 0), 0);
	cr_assert(has(&a, spinner), "the spinner is marked");
	cr_assert_not(has(&a, gettid()), "the caller is not");
	usleep(100000);
	cr_assert_eq(dil_mark(&b, 0), 0);
	stop = 1;
	pthread_join(th, NULL);
	dil_between(&a, &b, 1, &d);
	cr_assert(d.cpu_ns + d.wait_ns >= 50000000, "the spinner ran or waited: %llu + %llu",
		  (unsigned long long)d.cpu_ns, (unsigned long long)d.wait_ns);
	cr_assert(d.wall_ns >= 100000000);
	dil_mark_free(&a);
	dil_mark_free(&b);
}

Test(dilation, marks_a_child_process)
{
	struct dil_mark a = { 0 }, b = { 0 };
	struct dilation d;
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		burn_ms(5000);
		_exit(0);
	}
	cr_assert_gt(pid, 0);
	cr_assert_eq(dil_mark(&a, pid), 0);
	usleep(200000);
	cr_assert_eq(dil_mark(&b, pid), 0);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	dil_between(&a, &b, 1, &d);
	cr_assert_eq(d.threads, 1);
	cr_assert(d.cpu_ns + d.wait_ns >= 100000000, "%llu + %llu",
		  (unsigned long long)d.cpu_ns, (unsigned long long)d.wait_ns);
	cr_assert_leq(d.cpu_ns, d.wall_ns + 10000000, "one thread runs at most the wall time");
	cr_assert_geq(dil_affinity_cpus(0), 1);
	dil_mark_free(&a);
	dil_mark_free(&b);
}

Test(dilation, a_process_that_is_gone_cannot_be_marked)
{
	struct dil_mark m = { 0 };
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, &st, 0);
	cr_assert_lt(dil_mark(&m, pid), 0);
	cr_assert_not(m.ok);
	dil_mark_free(&m);
}

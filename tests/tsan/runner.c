// SPDX-License-Identifier: GPL-2.0-only
/* The runner of tests/tsan/criterion/criterion.h: each registered test in a
 * forked child (the runner itself starts no thread, so TSan allows the
 * fork), killed after its timeout; prints one line per test and a summary
 * like Criterion's, exits 1 if any failed. */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "criterion/criterion.h"

#define EXIT_SKIP 77

static struct tsan_test *tests, **tests_tail = &tests;
static struct tsan_suite *suites;
static jmp_buf test_end;
static bool test_failed;

void tsan_register_test(struct tsan_test *t)
{
	*tests_tail = t;
	tests_tail = &t->next;
}

void tsan_register_suite(struct tsan_suite *s)
{
	s->next = suites;
	suites = s;
}

void tsan_fail(bool fatal, const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: %s failed:", file, line, expr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	test_failed = true;
	if (fatal)
		longjmp(test_end, 1);
}

void tsan_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "skipped:");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_SKIP);
}

/* GCC 12's TSan does not intercept pthread_clockjoin_np (host/vmm/vcpu.c
 * joins vCPU threads with it), so it would not see the join, and would
 * report every use of the VM after it as a race. In this build the call
 * goes to the intercepted pthread_timedjoin_np, with the deadline moved to
 * CLOCK_REALTIME (the object with main() is always linked, and defines it
 * before libc does). */
int pthread_clockjoin_np(pthread_t t, void **ret, clockid_t clock, const struct timespec *abstime)
{
	struct timespec now, rt;
	long long left;

	if (!abstime)
		return pthread_join(t, ret);
	clock_gettime(clock, &now);
	clock_gettime(CLOCK_REALTIME, &rt);
	left = (abstime->tv_sec - now.tv_sec) * 1000000000LL + (abstime->tv_nsec - now.tv_nsec);
	if (left < 0)
		left = 0;
	left += rt.tv_nsec;
	rt.tv_sec += left / 1000000000LL;
	rt.tv_nsec = left % 1000000000LL;
	return pthread_timedjoin_np(t, ret, &rt);
}

static const struct tsan_test_opts *suite_opts(const char *name)
{
	static const struct tsan_test_opts none;

	for (struct tsan_suite *s = suites; s; s = s->next)
		if (!strcmp(s->name, name))
			return &s->opts;
	return &none;
}

static void run_child(const struct tsan_test *t)
{
	const struct tsan_test_opts *so = suite_opts(t->suite);
	void (*init)(void) = t->opts.init ? t->opts.init : so->init;
	/* static: kept across the longjmp of a failed cr_assert */
	static void (*fini)(void);

	fini = t->opts.fini ? t->opts.fini : so->fini;

	if (init)
		init();
	if (!setjmp(test_end))
		t->fn();
	if (fini)
		fini();
	fflush(NULL);
	exit(test_failed ? 1 : 0);
}

int main(int argc, char **argv)
{
	int n = 0, failed = 0, skipped = 0;

	for (struct tsan_test *t = tests; t; t = t->next) {
		const struct tsan_test_opts *so = suite_opts(t->suite);
		double timeout = t->opts.timeout ? t->opts.timeout : so->timeout;
		const char *verdict = "PASS";
		pid_t pid;
		int st;

		if (t->opts.disabled || so->disabled)
			continue;
		n++;
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			if (timeout > 0)
				alarm((unsigned)timeout + 1);
			run_child(t);
		}
		while (waitpid(pid, &st, 0) < 0)
			;
		if (WIFEXITED(st) && WEXITSTATUS(st) == EXIT_SKIP) {
			verdict = "SKIP";
			skipped++;
		} else if (t->opts.signal) {
			if (!WIFSIGNALED(st) || WTERMSIG(st) != t->opts.signal) {
				verdict = "FAIL";
				failed++;
				fprintf(stderr, "%s::%s: expected signal %d, got %s %d\n", t->suite,
					t->name, t->opts.signal,
					WIFSIGNALED(st) ? "signal" : "exit status",
					WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			}
		} else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			verdict = "FAIL";
			failed++;
			if (WIFSIGNALED(st))
				fprintf(stderr, "%s::%s: killed by signal %d%s\n", t->suite, t->name,
					WTERMSIG(st), WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
			else
				fprintf(stderr, "%s::%s: exit status %d\n", t->suite, t->name,
					WEXITSTATUS(st));
		}
		printf("[%s] %s::%s\n", verdict, t->suite, t->name);
	}
	printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Skipped: %d\n",
	       n - skipped, n - skipped - failed, failed, skipped);
	return failed ? 1 : 0;
}

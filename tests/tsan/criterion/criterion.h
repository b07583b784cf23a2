/* SPDX-License-Identifier: GPL-2.0-only */
/* The part of Criterion's API that the 'threads' suite uses, for the TSan
 * build (build-tsan): Criterion's own runner cannot start under TSan (its
 * inheritable arena is mapped at random addresses that TSan's shadow
 * memory already holds, and it fails with EAGAIN). Each test runs in a
 * forked child of a single-threaded runner (tests/tsan/runner.c), with its
 * suite's or its own .init/.fini/.timeout, as under Criterion. */
#ifndef KTSTR__TESTS_TSAN_CRITERION_H
#define KTSTR__TESTS_TSAN_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct tsan_test_opts {
	void (*init)(void);
	void (*fini)(void);
	double timeout;
	int signal; /* the test passes only if it dies by this signal */
	bool disabled;
	const char *description;
};

struct tsan_test {
	const char *suite, *name;
	void (*fn)(void);
	struct tsan_test_opts opts;
	struct tsan_test *next;
};

struct tsan_suite {
	const char *name;
	struct tsan_test_opts opts;
	struct tsan_suite *next;
};

void tsan_register_test(struct tsan_test *t);
void tsan_register_suite(struct tsan_suite *s);
/* fatal: end the test (after its .fini); else note the failure, go on */
void tsan_fail(bool fatal, const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void tsan_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define Test(suite, name, ...)                                                       \
	static void tsan_t_##suite##_##name(void);                                   \
	static struct tsan_test tsan_t_##suite##_##name##_test = {                   \
		#suite, #name, tsan_t_##suite##_##name, { __VA_ARGS__ }, NULL        \
	};                                                                           \
	__attribute__((constructor)) static void tsan_t_##suite##_##name##_reg(void) \
	{                                                                            \
		tsan_register_test(&tsan_t_##suite##_##name##_test);                 \
	}                                                                            \
	static void tsan_t_##suite##_##name(void)

#define TestSuite(suite, ...)                                                       \
	static struct tsan_suite tsan_s_##suite = { #suite, { __VA_ARGS__ }, NULL }; \
	__attribute__((constructor)) static void tsan_s_##suite##_reg(void)        \
	{                                                                           \
		tsan_register_suite(&tsan_s_##suite);                               \
	}                                                                           \
	struct tsan_unused_##suite

/* The message arguments, if any, follow a " " so that an absent one is
 * still a (non-empty) format; they are evaluated only on failure, as in
 * Criterion. */
#define TSAN_CHECK(ok, fatal, expr, ...)                                               \
	do {                                                                           \
		if (!(ok))                                                             \
			tsan_fail((fatal), __FILE__, __LINE__, expr, " " __VA_ARGS__); \
	} while (0)

#define cr_assert(c, ...) TSAN_CHECK(!!(c), true, #c, __VA_ARGS__)
#define cr_expect(c, ...) TSAN_CHECK(!!(c), false, #c, __VA_ARGS__)
#define cr_assert_not(c, ...) TSAN_CHECK(!(c), true, "!(" #c ")", __VA_ARGS__)
#define cr_expect_not(c, ...) TSAN_CHECK(!(c), false, "!(" #c ")", __VA_ARGS__)
#define cr_assert_fail(...) TSAN_CHECK(false, true, "fail", __VA_ARGS__)
#define TSAN_CMP(a, op, b, fatal, ...) TSAN_CHECK((a)op(b), fatal, #a " " #op " " #b, __VA_ARGS__)
#define cr_assert_eq(a, b, ...) TSAN_CMP(a, ==, b, true, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) TSAN_CMP(a, ==, b, false, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) TSAN_CMP(a, !=, b, true, __VA_ARGS__)
#define cr_expect_neq(a, b, ...) TSAN_CMP(a, !=, b, false, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) TSAN_CMP(a, <, b, true, __VA_ARGS__)
#define cr_expect_lt(a, b, ...) TSAN_CMP(a, <, b, false, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) TSAN_CMP(a, <=, b, true, __VA_ARGS__)
#define cr_expect_leq(a, b, ...) TSAN_CMP(a, <=, b, false, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) TSAN_CMP(a, >, b, true, __VA_ARGS__)
#define cr_expect_gt(a, b, ...) TSAN_CMP(a, >, b, false, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) TSAN_CMP(a, >=, b, true, __VA_ARGS__)
#define cr_expect_geq(a, b, ...) TSAN_CMP(a, >=, b, false, __VA_ARGS__)
#define cr_assert_null(p, ...) TSAN_CHECK((p) == NULL, true, #p " == NULL", __VA_ARGS__)
#define cr_expect_null(p, ...) TSAN_CHECK((p) == NULL, false, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) TSAN_CHECK((p) != NULL, true, #p " != NULL", __VA_ARGS__)
#define cr_expect_not_null(p, ...) TSAN_CHECK((p) != NULL, false, #p " != NULL", __VA_ARGS__)
#define cr_assert_str_eq(a, b, ...) \
	TSAN_CHECK(!strcmp((a), (b)), true, #a " equals " #b, __VA_ARGS__)
#define cr_expect_str_eq(a, b, ...) \
	TSAN_CHECK(!strcmp((a), (b)), false, #a " equals " #b, __VA_ARGS__)
#define cr_assert_str_neq(a, b, ...) \
	TSAN_CHECK(strcmp((a), (b)), true, #a " differs from " #b, __VA_ARGS__)
#define cr_expect_str_neq(a, b, ...) \
	TSAN_CHECK(strcmp((a), (b)), false, #a " differs from " #b, __VA_ARGS__)
#define cr_expect_fail(...) TSAN_CHECK(false, false, "fail", __VA_ARGS__)
#define cr_assert_arr_eq(a, b, n, ...) \
	TSAN_CHECK(!memcmp((a), (b), (n)), true, #a " equals " #b, __VA_ARGS__)
#define cr_assert_float_eq(a, b, eps, ...)                                           \
	TSAN_CHECK((a) - (b) <= (eps) && (b) - (a) <= (eps), true, #a " ~= " #b, __VA_ARGS__)
#define cr_skip_test(...) tsan_skip(" " __VA_ARGS__)

#endif

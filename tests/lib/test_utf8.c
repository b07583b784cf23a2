// SPDX-License-Identifier: GPL-2.0-only
/* Tests for lib/utf8.c: validation by RFC 3629, repair, cutting at a
 * character boundary. jansson is the oracle: json_string() accepts
 * exactly valid UTF-8. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "lib/utf8.h"

Test(utf8, valid_prefix)
{
	static const struct {
		const char *s;
		size_t valid;
	} t[] = {
		{ "abc", 3 },
		{ "a\xc3\xa9z", 4 },
		{ "\xc3", 0 },                 /* cut lead byte */
		{ "ok\xe2\x82", 2 },           /* cut 3-byte */
		{ "\xc0\xaf", 0 },             /* overlong '/' */
		{ "\xe0\x80\xaf", 0 },         /* overlong */
		{ "\xed\xa0\x80", 0 },         /* surrogate */
		{ "\xf4\x90\x80\x80", 0 },     /* above U+10FFFF */
		{ "\xf0\x9f\x98\x80!", 5 },    /* emoji */
		{ "\xff", 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		cr_expect_eq(utf8_valid_prefix(t[i].s, strlen(t[i].s)), t[i].valid, "case %zu", i);
}

Test(utf8, sanitize_replaces_and_cuts_at_characters)
{
	char out[16];

	cr_assert_eq(utf8_sanitize("a\xff" "b", 3, out, sizeof(out)), 5);
	cr_assert_str_eq(out, "a\xef\xbf\xbd" "b");
	/* A NUL inside the input becomes U+FFFD too. */
	cr_assert_eq(utf8_sanitize("a\0b", 3, out, sizeof(out)), 5);
	/* 4-byte output room: "é" (2) fits, the next "é" does not. */
	cr_assert_eq(utf8_sanitize("\xc3\xa9\xc3\xa9", 4, out, 4), 2);
	cr_assert_str_eq(out, "\xc3\xa9");
	cr_assert_eq(utf8_copy(out, 1, "abc"), 0);
	cr_assert_str_eq(out, "");
}

/* Every cut of every byte string made of awkward pieces is valid. */
Test(utf8, every_cut_of_random_bytes_is_valid)
{
	static const char *const pieces[] = { "a", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
					      "\xff", "\xc3", "\xed\xa0\x80", "\x80" };
	unsigned seed = 12345;

	for (int round = 0; round < 2000; round++) {
		char in[64] = "", out[40];
		size_t n = 0;

		while (n < 40) {
			const char *p = pieces[(seed = seed * 1103515245 + 12345) >> 16 & 7];

			memcpy(in + n, p, strlen(p));
			n += strlen(p);
		}
		for (size_t cut = 1; cut <= sizeof(out); cut++) {
			json_t *j;

			utf8_sanitize(in, n, out, cut);
			j = json_string(out);
			cr_assert_not_null(j, "round %d cut %zu", round, cut);
			json_decref(j);
		}
	}
}

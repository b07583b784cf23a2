// SPDX-License-Identifier: GPL-2.0-only
/* UTF-8 validation and repair (see utf8.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"

/* Bytes of the valid character at s (1..4), or 0 if s starts an invalid
 * or incomplete sequence. A NUL counts as invalid: C strings cannot hold
 * it and JSON encoders reject it. */
static size_t char_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return left >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (left < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (left < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

size_t utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len && (n = char_len(p + i, len - i)))
		i += n;
	return i;
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

size_t utf8_sanitize(const char *s, size_t len, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;

	if (outlen == 0)
		return 0;
	while (i < len) {
		size_t n = char_len(p + i, len - i);
		const char *src = n ? s + i : replacement;
		size_t w = n ? n : 3;

		if (o + w >= outlen)
			break;
		memcpy(out + o, src, w);
		o += w;
		i += n ? n : 1;
	}
	out[o] = 0;
	return o;
}

char *utf8_sanitize_dup(const char *s, size_t len)
{
	/* Each bad byte grows to 3 bytes at most. */
	size_t cap = len > (SIZE_MAX - 1) / 3 ? 0 : len * 3 + 1;
	char *out = cap ? malloc(cap) : NULL;

	if (!out)
		return NULL;
	utf8_sanitize(s, len, out, cap);
	return out;
}

size_t utf8_copy(char *out, size_t outlen, const char *s)
{
	return utf8_sanitize(s, strlen(s), out, outlen);
}

size_t utf8_vformat(char *out, size_t outlen, const char *fmt, va_list ap)
{
	char tmp[4096];

	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	return utf8_copy(out, outlen, tmp);
}

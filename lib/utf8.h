/* SPDX-License-Identifier: GPL-2.0-only */
/* UTF-8 hygiene for text that came from outside (a guest, a file, a kernel
 * console) and is headed for JSON or XML: validate, repair, cut at a
 * character boundary. libc only. */
#ifndef KTSTR__LIB_UTF8_H
#define KTSTR__LIB_UTF8_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Length of the longest prefix of s[0..len) that is valid UTF-8 (RFC 3629:
 * no overlongs, no surrogates, nothing above U+10FFFF). */
size_t utf8_valid_prefix(const char *s, size_t len);

static inline bool utf8_valid(const char *s, size_t len)
{
	return utf8_valid_prefix(s, len) == len;
}

/* Copy s[0..len) into out (size outlen, always NUL-terminated when outlen >
 * 0): each invalid byte becomes U+FFFD, each NUL becomes U+FFFD too, and the
 * copy is cut at a character boundary so it is valid UTF-8 however short
 * out is. Returns the bytes written (without the NUL). */
size_t utf8_sanitize(const char *s, size_t len, char *out, size_t outlen);

/* Like utf8_sanitize into a new malloc'd string (NULL only on ENOMEM). */
char *utf8_sanitize_dup(const char *s, size_t len);

/* snprintf("%s") that never leaves a partial character at the cut: the
 * result is the longest whole-character prefix of a valid UTF-8 string s
 * that fits. Invalid input is repaired as by utf8_sanitize. */
size_t utf8_copy(char *out, size_t outlen, const char *s);

/* vsnprintf then utf8_copy: the formatted text (its first 4095 bytes) as
 * valid UTF-8 cut at a character boundary. */
size_t utf8_vformat(char *out, size_t outlen, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

#endif

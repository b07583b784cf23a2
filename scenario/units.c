// SPDX-License-Identifier: GPL-2.0-only
/* Scalar values of the scenario language: durations (1.5s), sizes (512M),
 * bounded integers and decimals, and names. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

static const struct {
	const char *name;
	uint64_t ns;
} dur_units[] = {
	{ "ns", 1ull }, { "us", 1000ull }, { "ms", 1000000ull },
	{ "s", 1000000000ull }, { "m", 60000000000ull },
};

/* Leading decimal digits of s into *v; returns how many, -1 on overflow. */
static int digits(const char *s, uint64_t *v)
{
	int n = 0;

	*v = 0;
	for (; isdigit((unsigned char)s[n]); n++) {
		if (*v > (UINT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(s[n] - '0');
	}
	return n;
}

int scn_duration_parse(const char *s, uint64_t *ns, char *msg, size_t len)
{
	uint64_t ip, fp = 0, mult = 0, scale = 1;
	int n, k = 0;
	const char *p = s;

	n = digits(p, &ip);
	if (n < 0)
		goto err_big;
	if (n == 0) {
		snprintf(msg, len, "bad duration '%s'; expected a number and a unit, e.g. 500ms or 1.5s", s);
		return -1;
	}
	p += n;
	if (*p == '.') {
		p++;
		for (; isdigit((unsigned char)*p); p++, k++) {
			if (k == 9) {
				snprintf(msg, len, "duration '%s' has more than 9 decimals", s);
				return -1;
			}
			fp = fp * 10 + (uint64_t)(*p - '0');
			scale *= 10;
		}
		if (!k) {
			snprintf(msg, len, "bad duration '%s'; expected digits after '.'", s);
			return -1;
		}
	}
	if (!*p) {
		snprintf(msg, len, "expected a unit after '%s' (ns, us, ms, s or m)", s);
		return -1;
	}
	for (size_t i = 0; i < sizeof(dur_units) / sizeof(dur_units[0]); i++)
		if (!strcmp(p, dur_units[i].name))
			mult = dur_units[i].ns;
	if (!mult) {
		snprintf(msg, len, "unknown unit '%s' in duration '%s'; expected ns, us, ms, s or m",
			 p, s);
		return -1;
	}
	if (ip > UINT64_MAX / mult / 2)
		goto err_big;
	if ((fp * mult) % scale) {
		snprintf(msg, len, "duration '%s' is not a whole number of nanoseconds", s);
		return -1;
	}
	*ns = ip * mult + fp * mult / scale;
	return 0;
err_big:
	snprintf(msg, len, "duration '%s' is too long", s);
	return -1;
}

int scn_size_parse(const char *s, int64_t *bytes, char *msg, size_t len)
{
	uint64_t v, mult = 1;
	int n = digits(s, &v);

	if (n == 0) {
		snprintf(msg, len, "bad size '%s'; expected a number with an optional K, M or G suffix, e.g. 512M",
			 s);
		return -1;
	}
	if (n > 0 && s[n]) {
		if (!strcmp(s + n, "K"))
			mult = 1ull << 10;
		else if (!strcmp(s + n, "M"))
			mult = 1ull << 20;
		else if (!strcmp(s + n, "G"))
			mult = 1ull << 30;
		else {
			snprintf(msg, len, "unknown size suffix '%s' in '%s'; expected K, M, G or none (bytes)",
				 s + n, s);
			return -1;
		}
	}
	if (n < 0 || v > (uint64_t)INT64_MAX / mult) {
		snprintf(msg, len, "size '%s' is too large", s);
		return -1;
	}
	*bytes = (int64_t)(v * mult);
	return 0;
}

int scn_parse_int(const char *s, long lo, long hi, long *out, char *msg,
		  size_t len)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || isspace((unsigned char)*s)) {
		snprintf(msg, len, "expected an integer (%ld..%ld), found '%s'", lo, hi, s);
		return -1;
	}
	if (errno == ERANGE || v < lo || v > hi) {
		snprintf(msg, len, "%s is out of range; expected %ld..%ld", s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int scn_parse_double(const char *s, double lo, double hi, double *out,
		     char *msg, size_t len)
{
	char *end;
	double v;

	v = strtod(s, &end);
	if (!*s || *end || isspace((unsigned char)*s) || v != v) {
		snprintf(msg, len, "expected a number (%g..%g), found '%s'", lo, hi, s);
		return -1;
	}
	if (v < lo || v > hi) {
		snprintf(msg, len, "%s is out of range; expected %g..%g", s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int scn_valid_name(const char *s, const char *what, char *msg, size_t len)
{
	size_t n = strlen(s);

	if (!n) {
		snprintf(msg, len, "empty %s; expected letters, digits, '_', '.' or '-'", what);
		return -1;
	}
	if (n >= SCN_NAME_MAX) {
		snprintf(msg, len, "%s '%.20s...' is %zu bytes long; expected at most %d",
			 what, s, n, SCN_NAME_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '_' || (i && (c == '.' || c == '-')))
			continue;
		snprintf(msg, len, "bad %s '%s'; expected letters, digits, '_', '.' or '-' (not first)",
			 what, s);
		return -1;
	}
	return 0;
}

void scn_duration_format(uint64_t ns, char *buf, size_t len)
{
	/* The largest unit that keeps at most 3 decimals exact. */
	for (int i = 4; i >= 0; i--) {
		uint64_t u = dur_units[i].ns, milli = u / 1000;

		if (ns % u == 0) {
			snprintf(buf, len, "%" PRIu64 "%s", ns / u, dur_units[i].name);
			return;
		}
		if (i < 4 && milli && ns >= u && ns % milli == 0) {
			uint64_t frac = ns % u / milli;
			int digits_ = 3;

			while (frac % 10 == 0) {
				frac /= 10;
				digits_--;
			}
			snprintf(buf, len, "%" PRIu64 ".%0*" PRIu64 "%s", ns / u,
				 digits_, frac, dur_units[i].name);
			return;
		}
	}
	snprintf(buf, len, "%" PRIu64 "ns", ns);
}

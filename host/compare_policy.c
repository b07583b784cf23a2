// SPDX-License-Identifier: GPL-2.0-only
/* The gates `compare` judges by (see compare.h): the registry's defaults,
 * overridden by a policy file's rules and --threshold, and which key
 * fields pair runs. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/compare.h"
#include "lib/file.h"

void compare_policy_default(struct compare_policy *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < metric_count; i++)
		p->gate[i] = metric_defs[i].gate;
	p->alpha = COMPARE_ALPHA;
}

/* A finite number >= 0 filling s[0..len) (a '%' after it allowed when pct). */
static int parse_number(const char *s, size_t len, bool pct, double *v)
{
	char buf[64], *end;

	if (len && pct && s[len - 1] == '%')
		len--;
	if (!len || len >= sizeof(buf) || isspace((unsigned char)*s))
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	errno = 0;
	*v = strtod(buf, &end);
	return *end || errno || !isfinite(*v) || *v < 0 ? -1 : 0;
}

int compare_policy_rule(struct compare_policy *p, const char *rule, char *msg, size_t len)
{
	const char *eq = strchr(rule, '='), *val, *comma;
	const struct metric_def *m;
	char name[64];
	double abs, rel;

	if (!eq || eq == rule || (size_t)(eq - rule) >= sizeof(name)) {
		snprintf(msg, len, "'%s': expected METRIC=ABS,REL%%, METRIC=off or alpha=P", rule);
		return -1;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - rule), rule);
	val = eq + 1;
	if (!strcmp(name, "alpha")) {
		double a;

		if (parse_number(val, strlen(val), false, &a) || !(a > 0 && a < 1)) {
			snprintf(msg, len, "'%s': alpha is a probability between 0 and 1 "
				 "(exclusive), e.g. alpha=0.05", rule);
			return -1;
		}
		p->alpha = a;
		return 0;
	}
	if (!(m = metric_find(name))) {
		snprintf(msg, len, "'%s': no metric '%s' (see 'ktstr-run metrics')", rule, name);
		return -1;
	}
	if (!strcmp(val, "off")) {
		p->gate[m - metric_defs].off = true;
		return 0;
	}
	comma = strchr(val, ',');
	if (!comma || parse_number(val, (size_t)(comma - val), false, &abs) ||
	    parse_number(comma + 1, strlen(comma + 1), true, &rel)) {
		snprintf(msg, len, "'%s': expected %s=ABS,REL%% with two numbers >= 0 "
			 "(ABS in %s, REL in percent of the base), or %s=off", rule, name,
			 m->unit, name);
		return -1;
	}
	p->gate[m - metric_defs] = (struct metric_gate){ abs, rel, false };
	return 0;
}

int compare_policy_load(struct compare_policy *p, const char *path, char *msg, size_t len)
{
	uint8_t *buf;
	size_t n;
	int err = read_file(path, 1 << 20, &buf, &n, NULL), line = 0;
	char *save = NULL, *s;

	if (err) {
		snprintf(msg, len, "%s: %s", path, err == -EFBIG ? "larger than 1 MiB" :
			 strerror(-err));
		return -1;
	}
	if (memchr(buf, 0, n)) {
		snprintf(msg, len, "%s: a text file of rules was expected (it holds a NUL byte)",
			 path);
		free(buf);
		return -1;
	}
	/* strtok_r would skip empty lines and miscount: split by hand. */
	for (s = (char *)buf; s && !err; s = save) {
		char rule[512], why[600], *e;

		line++;
		save = strchr(s, '\n');
		if (save)
			*save++ = 0;
		if ((e = strchr(s, '#')))
			*e = 0;
		while (isspace((unsigned char)*s))
			s++;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
			;
		*e = 0;
		if (!*s)
			continue;
		snprintf(rule, sizeof(rule), "%s", s);
		if ((err = compare_policy_rule(p, rule, why, sizeof(why))))
			snprintf(msg, len, "%s:%d: %s", path, line, why);
	}
	free(buf);
	return err ? -1 : 0;
}

static const struct { const char *name; unsigned bit; } key_fields[] = {
	{ "scenario", KEY_SCENARIO }, { "topology", KEY_TOPOLOGY },
	{ "scheduler", KEY_SCHEDULER }, { "kernel", KEY_KERNEL },
};

int compare_parse_match(const char *list, unsigned *mask, char *msg, size_t len)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned bit = 0;

		for (size_t k = 0; k < sizeof(key_fields) / sizeof(key_fields[0]); k++)
			if (strlen(key_fields[k].name) == n && !strncmp(p, key_fields[k].name, n))
				bit = key_fields[k].bit;
		if (!bit) {
			snprintf(msg, len, "--match %s: '%.*s' is not a key field; expected a "
				 "comma-separated list of scenario, topology, scheduler, kernel",
				 list, (int)n, p);
			return -1;
		}
		*mask |= bit;
		p += n + (p[n] == ',');
	}
	if (!*mask) {
		snprintf(msg, len, "--match '%s': name at least one of scenario, topology, "
			 "scheduler, kernel", list);
		return -1;
	}
	return 0;
}

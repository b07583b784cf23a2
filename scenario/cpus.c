// SPDX-License-Identifier: GPL-2.0-only
/* CPU sets: the topology's CPU numbering, cpumask lists ("0-3,6"), and the
 * cpuspec forms (list, llc:N, node:N, frac:F, share:I/N, overlap:I/N, all). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

int scn_topo_ncpus(const struct scn_topology *t)
{
	return t->numa * t->llcs * t->cores * t->threads;
}

int scn_topo_cpu_node(const struct scn_topology *t, int cpu)
{
	if (cpu < 0 || cpu >= scn_topo_ncpus(t))
		return -1;
	return cpu / (t->llcs * t->cores * t->threads);
}

int scn_topo_cpu_llc(const struct scn_topology *t, int cpu)
{
	if (cpu < 0 || cpu >= scn_topo_ncpus(t))
		return -1;
	return cpu / (t->cores * t->threads);
}

int scn_topo_cpu_core(const struct scn_topology *t, int cpu)
{
	if (cpu < 0 || cpu >= scn_topo_ncpus(t))
		return -1;
	return cpu / t->threads;
}

void scn_topo_format(const struct scn_topology *t, char *buf, size_t len)
{
	snprintf(buf, len, "numa=%d llcs=%d cores=%d threads=%d",
		 t->numa, t->llcs, t->cores, t->threads);
}

int scn_topo_check(const struct scn_topology *t, char *msg, size_t len)
{
	long n;

	if (t->numa < 1 || t->numa > SCN_MAX_NODES) {
		snprintf(msg, len, "numa=%d is out of range; expected 1..%d",
			 t->numa, SCN_MAX_NODES);
		return -1;
	}
	if (t->llcs < 1 || t->cores < 1 || t->threads < 1) {
		snprintf(msg, len, "llcs, cores and threads must be at least 1");
		return -1;
	}
	n = (long)t->numa * t->llcs * t->cores * t->threads;
	if (t->llcs > SCN_MAX_CPUS || t->cores > SCN_MAX_CPUS ||
	    t->threads > SCN_MAX_CPUS || n > SCN_MAX_CPUS) {
		snprintf(msg, len, "topology has %ld CPUs; expected at most %d",
			 n, SCN_MAX_CPUS);
		return -1;
	}
	return 0;
}

int scn_cpumask_count(const struct scn_cpumask *m)
{
	int n = 0;

	for (int i = 0; i < SCN_CPU_WORDS; i++)
		n += __builtin_popcountll(m->w[i]);
	return n;
}

int scn_cpumask_format(const struct scn_cpumask *m, char *buf, size_t len)
{
	size_t off = 0;
	int cpu = 0;

	if (!len)
		return -1;
	buf[0] = '\0';
	while (cpu < SCN_MAX_CPUS) {
		int first, n;

		if (!scn_cpumask_test(m, cpu)) {
			cpu++;
			continue;
		}
		first = cpu;
		while (cpu + 1 < SCN_MAX_CPUS && scn_cpumask_test(m, cpu + 1))
			cpu++;
		if (first == cpu)
			n = snprintf(buf + off, len - off, "%s%d", off ? "," : "", first);
		else
			n = snprintf(buf + off, len - off, "%s%d-%d", off ? "," : "",
				     first, cpu);
		if (n < 0 || (size_t)n >= len - off) {
			buf[off] = '\0';
			return -1;
		}
		off += (size_t)n;
		cpu++;
	}
	return 0;
}

int scn_list_parse(const char *s, int max, const char *what,
		   struct scn_cpumask *out, char *msg, size_t len)
{
	const char *p = s;

	memset(out, 0, sizeof(*out));
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '\n') {
		char *end;
		long a, b;

		if (*p < '0' || *p > '9')
			goto err_syntax;
		a = b = strtol(p, &end, 10);
		p = end;
		if (*p == '-') {
			if (p[1] < '0' || p[1] > '9')
				goto err_syntax;
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		if (b < a) {
			snprintf(msg, len, "bad %s range %ld-%ld in '%s'; expected LOW-HIGH",
				 what, a, b, s);
			return -1;
		}
		if (b >= max) {
			snprintf(msg, len, "%s %ld in '%s' is too large; expected at most %d",
				 what, b, s, max - 1);
			return -1;
		}
		for (long c = a; c <= b; c++)
			scn_cpumask_set(out, (int)c);
		if (*p == ',' && p[1] && p[1] != '\n')
			p++;
		else if (*p && *p != '\n')
			goto err_syntax;
	}
	return 0;
err_syntax:
	snprintf(msg, len, "bad %s list '%s'; expected numbers and ranges like 0-3,6",
		 what, s);
	return -1;
}

int scn_cpumask_parse(const char *s, struct scn_cpumask *out)
{
	char msg[128];

	return scn_list_parse(s, SCN_MAX_CPUS, "cpu", out, msg, sizeof(msg));
}

int scn_nodelist_parse(const char *s, struct scn_cpumask *out, char *msg,
		       size_t len)
{
	if (scn_list_parse(s, SCN_MAX_NODES, "node", out, msg, len))
		return -1;
	if (!scn_cpumask_count(out)) {
		snprintf(msg, len, "empty node list; expected e.g. 0 or 0-1");
		return -1;
	}
	return 0;
}

/* "I/N" with 0 <= I < N <= SCN_MAX_CPUS. */
static int part_parse(const char *s, const char *form, struct scn_cpuspec *out,
		      char *msg, size_t len)
{
	char *end;
	long i, n;

	i = strtol(s, &end, 10);
	if (end == s || *end != '/' || end[1] < '0' || end[1] > '9')
		goto err;
	n = strtol(end + 1, &end, 10);
	if (*end || n < 1 || n > SCN_MAX_CPUS || i < 0 || i >= n)
		goto err;
	out->index = (int)i;
	out->parts = (int)n;
	return 0;
err:
	snprintf(msg, len, "bad %s:'%s'; expected %s:I/N with 0 <= I < N <= %d",
		 form, s, form, SCN_MAX_CPUS);
	return -1;
}

/* llc:N or node:N, N below n. */
static int cpuspec_index(struct scn_cpuspec *out, enum scn_cpuspec_kind kind, const char *s,
			 int n, char *msg, size_t len)
{
	long v;

	out->kind = kind;
	if (scn_parse_int(s, 0, n - 1, &v, msg, len))
		return -1;
	out->index = (int)v;
	return 0;
}

int scn_cpuspec_parse(const char *s, struct scn_cpuspec *out, char *msg,
		      size_t len)
{
	memset(out, 0, sizeof(*out));
	if (!strcmp(s, "all")) {
		out->kind = SCN_CPUS_ALL;
		return 0;
	}
	if (!strncmp(s, "llc:", 4))
		return cpuspec_index(out, SCN_CPUS_LLC, s + 4, SCN_MAX_CPUS, msg, len);
	if (!strncmp(s, "node:", 5))
		return cpuspec_index(out, SCN_CPUS_NODE, s + 5, SCN_MAX_NODES, msg, len);
	if (!strncmp(s, "frac:", 5)) {
		out->kind = SCN_CPUS_FRACTION;
		if (scn_parse_double(s + 5, 0, 1, &out->frac, msg, len))
			return -1;
		if (out->frac <= 0) {
			snprintf(msg, len, "frac:%s is empty; expected 0 < F <= 1", s + 5);
			return -1;
		}
		return 0;
	}
	if (!strncmp(s, "share:", 6)) {
		out->kind = SCN_CPUS_SHARE;
		return part_parse(s + 6, "share", out, msg, len);
	}
	if (!strncmp(s, "overlap:", 8)) {
		out->kind = SCN_CPUS_OVERLAP;
		return part_parse(s + 8, "overlap", out, msg, len);
	}
	if (strchr(s, ':') || !*s || (*s < '0' || *s > '9')) {
		snprintf(msg, len, "unknown cpu set '%s'; expected a list like 0-3,6, llc:N, node:N, frac:F, share:I/N, overlap:I/N or all",
			 s);
		return -1;
	}
	out->kind = SCN_CPUS_LIST;
	if (scn_list_parse(s, SCN_MAX_CPUS, "cpu", &out->list, msg, len))
		return -1;
	if (!scn_cpumask_count(&out->list)) {
		snprintf(msg, len, "empty cpu list; expected e.g. 0-3,6");
		return -1;
	}
	return 0;
}

int scn_cpuspec_format(const struct scn_cpuspec *spec, char *buf, size_t len)
{
	int n;

	switch (spec->kind) {
	case SCN_CPUS_LIST:
		return scn_cpumask_format(&spec->list, buf, len);
	case SCN_CPUS_LLC:
		n = snprintf(buf, len, "llc:%d", spec->index);
		break;
	case SCN_CPUS_NODE:
		n = snprintf(buf, len, "node:%d", spec->index);
		break;
	case SCN_CPUS_FRACTION:
		n = snprintf(buf, len, "frac:%g", spec->frac);
		break;
	case SCN_CPUS_SHARE:
		n = snprintf(buf, len, "share:%d/%d", spec->index, spec->parts);
		break;
	case SCN_CPUS_OVERLAP:
		n = snprintf(buf, len, "overlap:%d/%d", spec->index, spec->parts);
		break;
	case SCN_CPUS_ALL:
		n = snprintf(buf, len, "all");
		break;
	default:
		n = snprintf(buf, len, "%s", "");
		break;
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void set_range(struct scn_cpumask *m, int from, int to)
{
	for (int c = from; c < to; c++)
		scn_cpumask_set(m, c);
}

/* " (CPUs 0-3)" style suffix naming what exists. */
static void topo_says(const struct scn_topology *t, const char *what, int n,
		      char *buf, size_t len)
{
	char topo[96];

	scn_topo_format(t, topo, sizeof(topo));
	if (n == 1)
		snprintf(buf, len, "topology %s (%s 0)", topo, what);
	else
		snprintf(buf, len, "topology %s (%s 0-%d)", topo, what, n - 1);
}

static int resolve_part(const struct scn_cpuspec *spec,
			const struct scn_topology *t, struct scn_cpumask *out,
			char *msg, size_t len)
{
	int n = scn_topo_ncpus(t);
	int from = (int)((long)spec->index * n / spec->parts);
	int to = (int)((long)(spec->index + 1) * n / spec->parts);
	char where[160];

	if (from >= to) {
		topo_says(t, "CPUs", n, where, sizeof(where));
		snprintf(msg, len, "%s:%d/%d is empty in %s; expected at most %d parts",
			 spec->kind == SCN_CPUS_SHARE ? "share" : "overlap",
			 spec->index, spec->parts, where, n);
		return -1;
	}
	if (spec->kind == SCN_CPUS_OVERLAP) {
		from = from > 0 ? from - 1 : 0;
		to = to < n ? to + 1 : n;
	}
	set_range(out, from, to);
	return 0;
}

int scn_cpuspec_resolve(const struct scn_cpuspec *spec,
			const struct scn_topology *t, struct scn_cpumask *out,
			char *msg, size_t len)
{
	int n = scn_topo_ncpus(t), per_llc = t->cores * t->threads;
	int per_node = t->llcs * per_llc, k;
	char where[160];

	memset(out, 0, sizeof(*out));
	switch (spec->kind) {
	case SCN_CPUS_LIST:
		for (int c = n; c < SCN_MAX_CPUS; c++)
			if (scn_cpumask_test(&spec->list, c)) {
				topo_says(t, "CPUs", n, where, sizeof(where));
				snprintf(msg, len, "cpu %d does not exist in %s", c, where);
				return -1;
			}
		*out = spec->list;
		break;
	case SCN_CPUS_LLC:
		if (spec->index >= t->numa * t->llcs) {
			topo_says(t, "LLCs", t->numa * t->llcs, where, sizeof(where));
			snprintf(msg, len, "llc %d does not exist in %s", spec->index, where);
			return -1;
		}
		set_range(out, spec->index * per_llc, (spec->index + 1) * per_llc);
		break;
	case SCN_CPUS_NODE:
		if (spec->index >= t->numa) {
			topo_says(t, "nodes", t->numa, where, sizeof(where));
			snprintf(msg, len, "node %d does not exist in %s", spec->index, where);
			return -1;
		}
		set_range(out, spec->index * per_node, (spec->index + 1) * per_node);
		break;
	case SCN_CPUS_FRACTION:
		k = (int)(spec->frac * n);
		if (k < spec->frac * n - 1e-9)
			k++;
		set_range(out, 0, k < 1 ? 1 : k > n ? n : k);
		break;
	case SCN_CPUS_SHARE:
	case SCN_CPUS_OVERLAP:
		return resolve_part(spec, t, out, msg, len);
	case SCN_CPUS_NONE:
	case SCN_CPUS_ALL:
	default:
		set_range(out, 0, n);
		break;
	}
	if (!scn_cpumask_count(out)) {
		snprintf(msg, len, "the cpu set is empty");
		return -1;
	}
	return 0;
}

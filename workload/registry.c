// SPDX-License-Identifier: GPL-2.0-only
/* The table of work types, option parsing against it, and wl_validate. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload/internal.h"
#include "workload/setup.h"
#include "workload/types.h"
#include "workload/workload.h"

static const struct wl_type *const types[] = {
	/* types_cpu.c */
	&wl_type_spin, &wl_type_yield_heavy, &wl_type_mixed, &wl_type_alu_hot,
	&wl_type_smt_sibling_spin, &wl_type_cache_pressure, &wl_type_cache_yield,
	/* types_sleep.c */
	&wl_type_bursty, &wl_type_idle_churn, &wl_type_sequence,
	/* types_ipc.c */
	&wl_type_futex_pingpong, &wl_type_pipe_io, &wl_type_cache_pipe,
	&wl_type_ipc_variance, &wl_type_futex_fanout, &wl_type_fanout_compute,
	&wl_type_thundering_herd, &wl_type_wake_chain, &wl_type_asymmetric_waker,
	&wl_type_producer_consumer_imbalance, &wl_type_schbench,
	/* types_lock.c */
	&wl_type_mutex_contention, &wl_type_priority_inversion,
	/* types_event.c */
	&wl_type_epoll_storm, &wl_type_signal_storm,
	/* types_io.c */
	&wl_type_io_sync_write, &wl_type_io_rand_read, &wl_type_io_convoy,
	/* types_churn.c */
	&wl_type_fork_exit, &wl_type_page_fault_churn, &wl_type_affinity_churn,
	&wl_type_cross_affinity_churn, &wl_type_cgroup_churn,
	/* types_numa.c */
	&wl_type_numa_working_set_sweep, &wl_type_numa_migration_churn,
	/* types_sched.c */
	&wl_type_nice_sweep, &wl_type_policy_churn, &wl_type_rt_starvation,
	&wl_type_preempt_storm,
};

#define NTYPES (int)(sizeof(types) / sizeof(types[0]))

static const char *names[NTYPES + 1];

int wl_type_count(void)
{
	return NTYPES;
}

const struct wl_type *wl_type_at(int i)
{
	return i >= 0 && i < NTYPES ? types[i] : NULL;
}

const struct wl_type *wl_type_find(const char *name)
{
	for (int i = 0; i < NTYPES; i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}

const char *const *wl_type_names(void)
{
	for (int i = 0; i < NTYPES; i++)
		names[i] = types[i]->name;
	names[NTYPES] = NULL;
	return names;
}

/* Option values are written in the scenario language's grammar
 * (scenario/units.c, docs/scenario-language.md#values): one grammar for
 * `step s 1.5s` and `period=1.5s`. */
int wl_parse_duration(const char *s, uint64_t *ns)
{
	char msg[256];

	return scn_duration_parse(s, ns, msg, sizeof(msg));
}

int wl_parse_size(const char *s, uint64_t *bytes)
{
	char msg[256];
	int64_t v;

	if (scn_size_parse(s, &v, msg, sizeof(msg)))
		return -1;
	*bytes = (uint64_t)v;
	return 0;
}

static int parse_value(const struct wl_type *t, const struct wl_opt_def *d,
		       const char *val, struct wl_optval *out, char *msg, size_t len)
{
	char why[256] = "";
	int64_t size;
	long v;
	int bad = 0;

	snprintf(out->s, sizeof(out->s), "%s", val);
	switch (d->kind) {
	case WL_OPT_DUR:
		bad = scn_duration_parse(val, &out->u, why, sizeof(why));
		break;
	case WL_OPT_SIZE:
		bad = scn_size_parse(val, &size, why, sizeof(why));
		out->u = (uint64_t)size;
		break;
	case WL_OPT_INT:
		bad = scn_parse_int(val, 0, LONG_MAX, &v, why, sizeof(why));
		out->u = (uint64_t)v;
		break;
	case WL_OPT_BOOL:
		bad = strcmp(val, "yes") && strcmp(val, "no");
		snprintf(why, sizeof(why), "expected yes or no");
		out->u = !strcmp(val, "yes");
		break;
	case WL_OPT_STR:
		if (t->check_opt)
			return t->check_opt(d->key, val, msg, len);
		return 0;
	}
	if (bad)
		snprintf(msg, len, "work type '%s': option %s=%s: %s", t->name, d->key,
			 val, why);
	return bad ? -1 : 0;
}

static void list_opts(const struct wl_type *t, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (const struct wl_opt_def *d = t->opts; d && d->key; d++)
		n += snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? ", " : "", d->key);
	if (!n)
		snprintf(buf, len, "none");
}

int wl_opts_parse(const struct wl_type *t, const struct scn_workers *w,
		  struct wl_optval *out, int *bad_opt, char *msg, size_t len)
{
	int i, k;
	char valid[256];

	for (k = 0; t->opts && t->opts[k].key; k++)
		if (parse_value(t, &t->opts[k], t->opts[k].def, &out[k], msg, len))
			return -1; /* a bad default: a bug in the table */
	for (i = 0; i < w->n_opts; i++) {
		const struct scn_kv *kv = &w->opts[i];

		for (k = 0; t->opts && t->opts[k].key; k++)
			if (!strcmp(t->opts[k].key, kv->key))
				break;
		*bad_opt = i;
		if (!t->opts || !t->opts[k].key) {
			list_opts(t, valid, sizeof(valid));
			snprintf(msg, len, "work type '%s' has no option '%s' (valid: %s)",
				 t->name, kv->key, valid);
			return -1;
		}
		if (parse_value(t, &t->opts[k], kv->value, &out[k], msg, len))
			return -1;
	}
	*bad_opt = -1;
	return 0;
}

static const struct wl_opt_def *find_def(const struct wl_type *t, const char *key,
					 int *k)
{
	for (*k = 0; t->opts && t->opts[*k].key; (*k)++)
		if (!strcmp(t->opts[*k].key, key))
			return &t->opts[*k];
	return NULL;
}

uint64_t wl_opt(const struct wl_worker *w, const char *key)
{
	int k;

	if (!find_def(w->type, key, &k))
		abort(); /* a type asking for an option it does not declare */
	return w->opts[k].u;
}

const char *wl_opt_str(const struct wl_worker *w, const char *key)
{
	int k;

	if (!find_def(w->type, key, &k))
		abort();
	return w->opts[k].s;
}

static int check_count(const struct wl_type *t, int count, char *msg, size_t len)
{
	if (count < t->min_count || count > SCN_MAX_WORKERS) {
		snprintf(msg, len, "work type '%s' needs %d to %d workers, got %d%s",
			 t->name, t->min_count, SCN_MAX_WORKERS, count,
			 t->messenger ? " (worker 0 is the messenger)" : "");
		return -1;
	}
	if (t->multiple > 1 && count % t->multiple) {
		snprintf(msg, len, "work type '%s' runs in groups of %d: the worker count "
			 "must be a multiple of %d, got %d", t->name, t->multiple,
			 t->multiple, count);
		return -1;
	}
	return 0;
}

int wl_validate(const struct scn_workers *w, int *bad_opt, char *msg, size_t len)
{
	const struct wl_type *t = wl_type_find(w->type);
	struct wl_optval vals[SCN_MAX_WORK_OPTS];
	struct wl_mempolicy mp;
	char all[1024];
	size_t n = 0;

	*bad_opt = -1;
	if (!t) {
		for (int i = 0; i < NTYPES; i++)
			n += snprintf(all + n, n < sizeof(all) ? sizeof(all) - n : 0, "%s%s",
				      i ? ", " : "", types[i]->name);
		snprintf(msg, len, "unknown work type '%s' (known: %s)", w->type, all);
		return -1;
	}
	if (wl_opts_parse(t, w, vals, bad_opt, msg, len))
		return -1;
	if (check_count(t, w->count, msg, len))
		return -1;
	if (wl_mempolicy_parse(w->mempolicy, &mp, msg, len))
		return -1;
	return 0;
}

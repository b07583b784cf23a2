// SPDX-License-Identifier: GPL-2.0-only
/* Parses one op line of a backdrop or step block into a struct scn_op
 * (syntax and value ranges only; scenario/validate.c checks the meaning). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenario/internal.h"


struct op_ctx {
	const struct scn_line *l;
	struct scn_op *op;
	struct scn_error *err;
	const char *usage;
	int next;       /* index of the next unread word */
	unsigned seen;  /* options already given, bit per key index */
};

typedef int (*op_fn)(struct op_ctx *c);

static int at(struct op_ctx *c, int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int at(struct op_ctx *c, int col, const char *fmt, ...)
{
	va_list ap;

	c->err->loc = (struct scn_loc){ c->l->lineno, col };
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* A message from a value parser, placed at the value's column. */
static int val_err(struct op_ctx *c, const struct scn_tok *t, const char *msg)
{
	return scn_err(c->err, c->l->lineno, t->val_col, "%s", msg);
}

static int copy(struct op_ctx *c, const struct scn_tok *t, const char *s,
		char *dst, size_t len, const char *what)
{
	if (strlen(s) >= len)
		return scn_err(c->err, c->l->lineno, t->val_col,
			       "%s is %zu bytes long; expected at most %zu",
			       what, strlen(s), len - 1);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

/* The next positional word, which must exist and not be an option. */
static const struct scn_tok *positional(struct op_ctx *c, const char *what)
{
	const struct scn_tok *t;

	if (c->next >= c->l->ntok) {
		at(c, c->l->end_col, "missing %s; expected: %s", what, c->usage);
		return NULL;
	}
	t = &c->l->tok[c->next];
	if (t->key) {
		at(c, t->col, "expected %s, found option '%s'", what, t->text);
		return NULL;
	}
	c->next++;
	return t;
}

/* A positional name (cgroup, payload, scheduler); "-" allowed if dash_ok. */
static int name_arg(struct op_ctx *c, const char *what, char *dst,
		    struct scn_loc *loc, bool dash_ok)
{
	const struct scn_tok *t = positional(c, what);
	char msg[256];

	if (!t)
		return -1;
	loc->line = c->l->lineno;
	loc->col = t->col;
	if (dash_ok && !strcmp(t->text, "-")) {
		dst[0] = '\0';
		return 0;
	}
	if (scn_valid_name(t->text, what, msg, sizeof(msg)))
		return val_err(c, t, msg);
	strcpy(dst, t->text);
	return 0;
}

/* The op's own name, its first argument. */
static int op_name(struct op_ctx *c, const char *what, bool dash_ok)
{
	return name_arg(c, what, c->op->name, &c->op->name_loc, dash_ok);
}

static int no_more(struct op_ctx *c)
{
	if (c->next < c->l->ntok)
		return at(c, c->l->tok[c->next].col, "unexpected '%s'; expected: %s",
			  c->l->tok[c->next].text, c->usage);
	return 0;
}

/* An op whose only argument is its name. */
static int name_only(struct op_ctx *c, const char *what, bool dash_ok)
{
	return op_name(c, what, dash_ok) ?: no_more(c);
}

static int option(struct op_ctx *c, const char *const *keys, bool unknown_ok,
		  const struct scn_tok **tp)
{
	return scn_next_option(c->l, &c->next, &c->seen, keys, unknown_ok,
			       c->usage, tp, c->err);
}

static int int_val(struct op_ctx *c, const struct scn_tok *t, long lo, long hi,
		   long *out)
{
	char msg[256], full[300];

	if (!scn_parse_int(t->val, lo, hi, out, msg, sizeof(msg)))
		return 0;
	snprintf(full, sizeof(full), "%s: %s", t->key, msg);
	return val_err(c, t, full);
}

/* SIZE or "max" (-1). */
static int size_or_max(struct op_ctx *c, const struct scn_tok *t, int64_t *out,
		       bool *set)
{
	char msg[256];

	*set = true;
	if (!strcmp(t->val, "max")) {
		*out = -1;
		return 0;
	}
	if (scn_size_parse(t->val, out, msg, sizeof(msg)))
		return val_err(c, t, msg);
	if (*out <= 0)
		return at(c, t->val_col, "%s must be greater than 0 or 'max'%s", t->key, "");
	return 0;
}

static int cpus_val(struct op_ctx *c, const char *s, int col,
		    struct scn_cpuspec *out)
{
	char msg[300];

	if (scn_cpuspec_parse(s, out, msg, sizeof(msg)))
		return scn_err(c->err, c->l->lineno, col, "%s", msg);
	out->loc.line = c->l->lineno;
	out->loc.col = col;
	return 0;
}

/* cpu.max: "QUOTA/PERIOD" in microseconds, "PCT%" of one CPU, or "max". */
static int cpu_max_val(struct op_ctx *c, const struct scn_tok *t, char *out,
		       size_t len)
{
	const char *v = t->val;
	size_t n = strlen(v);
	long q, p;
	double pct;
	char buf[64], msg[256];
	const char *slash = strchr(v, '/');

	if (!strcmp(v, "max")) {
		snprintf(out, len, "max");
		return 0;
	}
	if (n > 1 && n < sizeof(buf) && v[n - 1] == '%') {
		memcpy(buf, v, n - 1);
		buf[n - 1] = '\0';
		if (scn_parse_double(buf, 1, 100.0 * SCN_MAX_CPUS, &pct, msg, sizeof(msg)))
			return val_err(c, t, msg);
		snprintf(out, len, "%ld 100000", (long)(pct * 1000 + 0.5));
		return 0;
	}
	if (slash && (size_t)(slash - v) < sizeof(buf)) {
		memcpy(buf, v, slash - v);
		buf[slash - v] = '\0';
		if (scn_parse_int(buf, 1000, 1000000000, &q, msg, sizeof(msg)) ||
		    scn_parse_int(slash + 1, 1000, 1000000, &p, msg, sizeof(msg)))
			return val_err(c, t, msg);
		snprintf(out, len, "%ld %ld", q, p);
		return 0;
	}
	return at(c, t->val_col,
		  "bad max='%s'; expected QUOTA/PERIOD in microseconds (e.g. 50000/100000), PCT%% (e.g. 50%%) or max%s",
		  v, "");
}

static int op_cgroup(struct op_ctx *c)
{
	static const char *const keys[] = { "cpus", "mems", "weight", "max",
		"memory.max", "memory.high", "io.weight", "pids.max", NULL };
	struct scn_cgroup_knobs *k = &c->op->knobs;
	const struct scn_tok *t;
	struct scn_cpumask nodes;
	char msg[256];
	long v;
	int i;

	if (op_name(c, "cgroup name", false))
		return -1;
	while ((i = option(c, keys, false, &t)) >= 0) {
		int ret = 0;

		switch (i) {
		case 0:
			ret = cpus_val(c, t->val, t->val_col, &k->cpus);
			break;
		case 1:
			if (scn_nodelist_parse(t->val, &nodes, msg, sizeof(msg)))
				return val_err(c, t, msg);
			ret = copy(c, t, t->val, k->mems, sizeof(k->mems), "mems");
			k->mems_loc = (struct scn_loc){ c->l->lineno, t->val_col };
			break;
		case 2:
			ret = int_val(c, t, 1, 10000, &v);
			k->weight = (int)v;
			break;
		case 3:
			ret = cpu_max_val(c, t, k->cpu_max, sizeof(k->cpu_max));
			break;
		case 4:
			ret = size_or_max(c, t, &k->memory_max, &k->memory_max_set);
			break;
		case 5:
			ret = size_or_max(c, t, &k->memory_high, &k->memory_high_set);
			break;
		case 6:
			ret = int_val(c, t, 1, 10000, &v);
			k->io_weight = (int)v;
			break;
		case 7:
			k->pids_max_set = true;
			k->pids_max = -1;
			if (strcmp(t->val, "max")) {
				ret = int_val(c, t, 0, 4194304, &v);
				k->pids_max = v;
			}
			break;
		}
		if (ret)
			return -1;
	}
	return i == -3 ? 0 : -1;
}

static int op_one_name(struct op_ctx *c)
{
	return name_only(c, "cgroup name", false);
}

static int op_two_names(struct op_ctx *c)
{
	if (op_name(c, "first cgroup name", false) ||
	    name_arg(c, "second cgroup name", c->op->name2, &c->op->name2_loc, false))
		return -1;
	return no_more(c);
}

static int op_set_cpuset(struct op_ctx *c)
{
	const struct scn_tok *t;

	if (op_name(c, "cgroup name", false))
		return -1;
	if (c->next >= c->l->ntok)
		return at(c, c->l->end_col, "missing cpu set; expected: %s%s", c->usage, "");
	t = &c->l->tok[c->next++];
	if (t->key && strcmp(t->key, "cpus"))
		return at(c, t->col, "unknown option '%s'; expected a cpu set or cpus=SPEC%s",
			  t->key, "");
	if (cpus_val(c, t->key ? t->val : t->text, t->val_col, &c->op->cpus))
		return -1;
	return no_more(c);
}

static int op_affinity(struct op_ctx *c)
{
	struct scn_affinity *a = &c->op->affinity;
	const struct scn_tok *t;
	long v = -1;

	if (op_name(c, "cgroup name", false))
		return -1;
	if (c->next >= c->l->ntok)
		return at(c, c->l->end_col, "missing affinity; expected: %s%s", c->usage, "");
	t = &c->l->tok[c->next++];
	a->loc = (struct scn_loc){ c->l->lineno, t->val_col };
	if (!strcmp(t->text, "reset")) {
		a->kind = SCN_AFF_RESET;
	} else if (!strcmp(t->text, "single")) {
		a->kind = SCN_AFF_SINGLE;
	} else if (!t->key) {
		return at(c, t->col, "unknown affinity '%s'; expected cpus=SPEC, random=K, single[=CPU], llc=N, smt-pair=CORE or reset%s",
			  t->text, "");
	} else if (!strcmp(t->key, "cpus")) {
		a->kind = SCN_AFF_CPUS;
		if (cpus_val(c, t->val, t->val_col, &a->cpus))
			return -1;
	} else if (!strcmp(t->key, "random")) {
		a->kind = SCN_AFF_RANDOM;
		if (int_val(c, t, 1, SCN_MAX_CPUS, &v))
			return -1;
	} else if (!strcmp(t->key, "single")) {
		a->kind = SCN_AFF_SINGLE;
		if (int_val(c, t, 0, SCN_MAX_CPUS - 1, &v))
			return -1;
	} else if (!strcmp(t->key, "llc")) {
		a->kind = SCN_AFF_LLC;
		if (int_val(c, t, 0, SCN_MAX_CPUS - 1, &v))
			return -1;
	} else if (!strcmp(t->key, "smt-pair")) {
		a->kind = SCN_AFF_SMT_PAIR;
		if (int_val(c, t, 0, SCN_MAX_CPUS - 1, &v))
			return -1;
	} else {
		return at(c, t->col, "unknown affinity '%s'; expected cpus=SPEC, random=K, single[=CPU], llc=N, smt-pair=CORE or reset%s",
			  t->key, "");
	}
	a->n = (int)v;
	return no_more(c);
}

static int policy_val(struct op_ctx *c, const struct scn_tok *t)
{
	static const char *const names[] = { "normal", "batch", "idle", "fifo",
					     "rr", "ext" };
	struct scn_workers *w = &c->op->workers;
	const char *colon = strchr(t->val, ':');
	size_t n = colon ? (size_t)(colon - t->val) : strlen(t->val);
	char msg[256];
	long prio;

	for (int i = 0; i < 6; i++) {
		if (strlen(names[i]) != n || strncmp(t->val, names[i], n))
			continue;
		w->policy = (enum scn_policy)i;
		if (w->policy != SCN_POLICY_FIFO && w->policy != SCN_POLICY_RR) {
			if (colon)
				return at(c, t->val_col, "policy '%s' takes no priority; expected %s",
					  names[i], names[i]);
			return 0;
		}
		if (!colon)
			return at(c, t->val_col, "policy '%s' needs a priority; expected %s:P with P in 1..99",
				  names[i], names[i]);
		if (scn_parse_int(colon + 1, 1, 99, &prio, msg, sizeof(msg)))
			return scn_err(c->err, c->l->lineno, t->val_col + (int)n + 1,
				       "%s priority: %s", names[i], msg);
		w->priority = (int)prio;
		return 0;
	}
	return at(c, t->val_col, "unknown policy '%s'; expected normal, batch, idle, fifo:P, rr:P or ext%s",
		  t->val, "");
}

static int mempolicy_val(struct op_ctx *c, const struct scn_tok *t)
{
	struct scn_workers *w = &c->op->workers;
	const char *v = t->val;
	struct scn_cpumask nodes;
	char msg[256];
	long node;
	int ret = 0;

	w->mempolicy_loc = (struct scn_loc){ c->l->lineno, t->val_col };
	if (!strncmp(v, "bind:", 5))
		ret = scn_nodelist_parse(v + 5, &nodes, msg, sizeof(msg));
	else if (!strncmp(v, "interleave:", 11))
		ret = scn_nodelist_parse(v + 11, &nodes, msg, sizeof(msg));
	else if (!strncmp(v, "preferred:", 10))
		ret = scn_parse_int(v + 10, 0, SCN_MAX_NODES - 1, &node, msg, sizeof(msg));
	else if (strcmp(v, "local"))
		return at(c, t->val_col, "unknown mempolicy '%s'; expected bind:NODES, interleave:NODES, preferred:NODE or local%s",
			  v, "");
	if (ret)
		return val_err(c, t, msg);
	return copy(c, t, v, w->mempolicy, sizeof(w->mempolicy), "mempolicy");
}

static int work_opt(struct op_ctx *c, const struct scn_tok *t)
{
	struct scn_workers *w = &c->op->workers;
	struct scn_kv *kv;

	for (int i = 0; i < w->n_opts; i++)
		if (!strcmp(w->opts[i].key, t->key))
			return at(c, t->col, "option '%s' given twice%s", t->key, "");
	if (w->n_opts == SCN_MAX_WORK_OPTS)
		return scn_err(c->err, c->l->lineno, t->col,
			       "too many work type options; expected at most %d",
			       SCN_MAX_WORK_OPTS);
	kv = &w->opts[w->n_opts];
	if (strlen(t->key) >= sizeof(kv->key))
		return scn_err(c->err, c->l->lineno, t->col,
			       "option name '%s' is too long; expected at most %zu bytes",
			       t->key, sizeof(kv->key) - 1);
	if (copy(c, t, t->val, kv->value, sizeof(kv->value), "option value"))
		return -1;
	strcpy(kv->key, t->key);
	kv->loc = (struct scn_loc){ c->l->lineno, t->col };
	w->n_opts++;
	return 0;
}

static int op_workers(struct op_ctx *c)
{
	static const char *const keys[] = { "clone", "policy", "nice", "mempolicy",
					    NULL };
	struct scn_workers *w = &c->op->workers;
	const struct scn_tok *t;
	char msg[256];
	long v;
	int i, ret;

	if (name_arg(c, "cgroup name (or -)", w->cgroup, &c->op->name_loc, true))
		return -1;
	strcpy(c->op->name, w->cgroup);
	if (!(t = positional(c, "worker count")))
		return -1;
	if (scn_parse_int(t->text, 1, SCN_MAX_WORKERS, &v, msg, sizeof(msg)))
		return scn_err(c->err, c->l->lineno, t->col, "worker count: %s", msg);
	w->count = (int)v;
	if (!(t = positional(c, "work type")))
		return -1;
	if (scn_valid_name(t->text, "work type name", msg, sizeof(msg)))
		return val_err(c, t, msg);
	if (copy(c, t, t->text, w->type, sizeof(w->type), "work type name"))
		return -1;
	while ((i = option(c, keys, true, &t)) >= 0 || i == -2) {
		if (i == -2) {
			ret = work_opt(c, t);
		} else if (i == 0) {
			if (!strcmp(t->val, "fork") || !strcmp(t->val, "thread"))
				w->clone = strcmp(t->val, "fork") ? SCN_CLONE_THREAD : SCN_CLONE_FORK;
			else
				return at(c, t->val_col, "unknown clone mode '%s'; expected fork or thread%s",
					  t->val, "");
			ret = 0;
		} else if (i == 1) {
			ret = policy_val(c, t);
		} else if (i == 2) {
			ret = int_val(c, t, -20, 19, &v);
			w->nice = (int)v;
			w->nice_set = true;
		} else {
			ret = mempolicy_val(c, t);
		}
		if (ret)
			return -1;
	}
	return i == -3 ? 0 : -1;
}

static int op_stop_workers(struct op_ctx *c)
{
	return name_only(c, "cgroup name (or -)", true);
}

static int op_payload_run(struct op_ctx *c)
{
	static const char *const keys[] = { "args", "cgroup", NULL };
	const struct scn_tok *t;
	char msg[256];
	int i;

	if (op_name(c, "payload id", false))
		return -1;
	if (!(t = positional(c, "payload path")))
		return -1;
	if (!*t->text)
		return at(c, t->col, "empty payload path; expected: %s%s", c->usage, "");
	if (copy(c, t, t->text, c->op->path, sizeof(c->op->path), "payload path"))
		return -1;
	while ((i = option(c, keys, false, &t)) >= 0) {
		if (i == 0 && copy(c, t, t->val, c->op->args, sizeof(c->op->args), "args"))
			return -1;
		if (i == 1) {
			if (scn_valid_name(t->val, "cgroup name", msg, sizeof(msg)))
				return val_err(c, t, msg);
			strcpy(c->op->cgroup, t->val);
			c->op->cgroup_loc = (struct scn_loc){ c->l->lineno, t->val_col };
		}
	}
	return i == -3 ? 0 : -1;
}

static int dur_val(struct op_ctx *c, const char *s, int col, uint64_t *ns)
{
	char msg[256];

	if (scn_duration_parse(s, ns, msg, sizeof(msg)))
		return scn_err(c->err, c->l->lineno, col, "%s", msg);
	if (!*ns)
		return scn_err(c->err, c->l->lineno, col,
			       "duration must be greater than 0, found '%s'", s);
	return 0;
}

static int op_payload_wait(struct op_ctx *c)
{
	static const char *const keys[] = { "timeout", NULL };
	const struct scn_tok *t;
	int i;

	if (op_name(c, "payload id", false))
		return -1;
	while ((i = option(c, keys, false, &t)) >= 0)
		if (dur_val(c, t->val, t->val_col, &c->op->duration_ns))
			return -1;
	return i == -3 ? 0 : -1;
}

static int op_payload_kill(struct op_ctx *c)
{
	return name_only(c, "payload id", false);
}

static int op_sleep(struct op_ctx *c)
{
	const struct scn_tok *t = positional(c, "duration");

	if (!t || dur_val(c, t->text, t->col, &c->op->duration_ns))
		return -1;
	return no_more(c);
}

static int op_sched(struct op_ctx *c)
{
	if (op_name(c, "scheduler name", false))
		return -1;
	return no_more(c);
}

static const struct {
	const char *name;
	op_fn fn;
	const char *usage;
} ops[] = {
	[SCN_OP_CGROUP] = { "cgroup", op_cgroup,
		"cgroup NAME [cpus=SPEC] [mems=NODES] [weight=N] [max=QUOTA/PERIOD|PCT%|max] [memory.max=SIZE|max] [memory.high=SIZE|max] [io.weight=N] [pids.max=N|max]" },
	[SCN_OP_REMOVE] = { "remove", op_one_name, "remove NAME" },
	[SCN_OP_SET_CPUSET] = { "set-cpuset", op_set_cpuset, "set-cpuset NAME SPEC" },
	[SCN_OP_CLEAR_CPUSET] = { "clear-cpuset", op_one_name, "clear-cpuset NAME" },
	[SCN_OP_SWAP_CPUSETS] = { "swap-cpusets", op_two_names, "swap-cpusets A B" },
	[SCN_OP_FREEZE] = { "freeze", op_one_name, "freeze NAME" },
	[SCN_OP_THAW] = { "thaw", op_one_name, "thaw NAME" },
	[SCN_OP_AFFINITY] = { "affinity", op_affinity,
		"affinity NAME cpus=SPEC|random=K|single[=CPU]|llc=N|smt-pair=CORE|reset" },
	[SCN_OP_MOVE] = { "move-tasks", op_two_names, "move-tasks FROM TO" },
	[SCN_OP_WORKERS] = { "workers", op_workers,
		"workers CGROUP|- COUNT TYPE [clone=fork|thread] [policy=P] [nice=N] [mempolicy=M] [TYPE-OPTION=VALUE...]" },
	[SCN_OP_STOP_WORKERS] = { "stop-workers", op_stop_workers, "stop-workers CGROUP|-" },
	[SCN_OP_PAYLOAD_RUN] = { "payload-run", op_payload_run,
		"payload-run ID PATH [args=\"...\"] [cgroup=NAME]" },
	[SCN_OP_PAYLOAD_WAIT] = { "payload-wait", op_payload_wait, "payload-wait ID [timeout=DURATION]" },
	[SCN_OP_PAYLOAD_KILL] = { "payload-kill", op_payload_kill, "payload-kill ID" },
	[SCN_OP_SLEEP] = { "sleep", op_sleep, "sleep DURATION" },
	[SCN_OP_ATTACH] = { "attach", op_sched, "attach SCHEDULER" },
	[SCN_OP_REPLACE] = { "replace", op_sched, "replace SCHEDULER" },
	[SCN_OP_DETACH] = { "detach", no_more, "detach" },
};

#define N_OPS ((int)(sizeof(ops) / sizeof(ops[0])))

const char *scn_op_name(enum scn_op_kind k)
{
	if ((int)k <= 0 || (int)k >= N_OPS)
		return "?";
	return ops[k].name;
}

int scn_parse_op(const struct scn_line *l, struct scn_op *op,
		 struct scn_error *err)
{
	struct op_ctx c = { .l = l, .op = op, .err = err, .next = 1 };
	const char *word = l->tok[0].text;
	char list[300] = "";

	memset(op, 0, sizeof(*op));
	op->loc = (struct scn_loc){ l->lineno, l->tok[0].col };
	op->affinity.n = -1;
	for (int k = 1; k < N_OPS; k++) {
		if (strcmp(word, ops[k].name) || l->tok[0].key)
			continue;
		op->kind = (enum scn_op_kind)k;
		c.usage = ops[k].usage;
		return ops[k].fn(&c);
	}
	for (int k = 1; k < N_OPS; k++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 k > 1 ? ", " : "", ops[k].name);
	return scn_err(err, l->lineno, l->tok[0].col,
		       "unknown op '%s'; expected one of: %s", word, list);
}

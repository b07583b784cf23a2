// SPDX-License-Identifier: GPL-2.0-only
/* Reads a scenario file line by line into struct scenario: top-level
 * directives, backdrop and step blocks, checks; then runs the validator. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/file.h"
#include "scenario/internal.h"

#define SCN_MEMORY_MIN (128ll << 20)
#define SCN_MEMORY_MAX (1024ll << 30)
#define SCN_REPEAT_MAX 100000

struct parser {
	struct scenario *s;
	struct scn_error *err;
	const struct scn_line *l;
	struct scn_block *cur;    /* block taking op lines, NULL outside one */
	int scenario_line, topo_line, memory_line, backdrop_line, first_step_line;
	int requires_line;
	int n_ops;                /* in every block so far */
	struct scn_names steps, scheds, checks; /* name -> index, for duplicates */
};

static const char *const directives[] = { "scenario", "topology", "memory",
	"scheduler", "backdrop", "step", "check", "requires", "file", NULL };

/* Room for element n of an array grown in powers of two. */
static int grow(void *pp, int n, size_t size)
{
	void **p = pp, *np;

	if (n & (n - 1))
		return 0;
	np = realloc(*p, (size_t)(n ? 2 * n : 1) * size);
	if (!np)
		return -1;
	*p = np;
	return 0;
}

static int tok_count_max(struct parser *p, int max, const char *usage)
{
	const struct scn_line *l = p->l;

	if (l->ntok > max)
		return scn_err(p->err, l->lineno, l->tok[max].col,
			       "unexpected '%s'; expected: %s", l->tok[max].text, usage);
	return 0;
}

static int dup_directive(struct parser *p, int *seen_line)
{
	const struct scn_tok *t = &p->l->tok[0];

	if (*seen_line)
		return scn_err(p->err, p->l->lineno, t->col,
			       "'%s' given twice (first at line %d)", t->text, *seen_line);
	*seen_line = p->l->lineno;
	return 0;
}

/* Positional word i, a name, copied into dst. */
static int name_at(struct parser *p, int i, const char *what, const char *usage,
		   char *dst)
{
	const struct scn_line *l = p->l;
	char msg[256];

	if (i >= l->ntok)
		return scn_err(p->err, l->lineno, l->end_col, "missing %s; expected: %s",
			       what, usage);
	if (l->tok[i].key)
		return scn_err(p->err, l->lineno, l->tok[i].col,
			       "expected %s, found option '%s'", what, l->tok[i].text);
	if (scn_valid_name(l->tok[i].text, what, msg, sizeof(msg)))
		return scn_err(p->err, l->lineno, l->tok[i].col, "%s", msg);
	strcpy(dst, l->tok[i].text);
	return 0;
}

static int d_scenario(struct parser *p)
{
	static const char usage[] = "scenario NAME [\"DESCRIPTION\"]";
	const struct scn_line *l = p->l;
	struct scenario *s = p->s;

	if (dup_directive(p, &p->scenario_line) ||
	    name_at(p, 1, "scenario name", usage, s->name) ||
	    tok_count_max(p, 3, usage))
		return -1;
	if (l->ntok == 3 && strlen(l->tok[2].text) >= sizeof(s->description))
		return scn_err(p->err, l->lineno, l->tok[2].col,
			       "description is %zu bytes long; expected at most %zu",
			       strlen(l->tok[2].text), sizeof(s->description) - 1);
	if (l->ntok == 3)
		strcpy(s->description, l->tok[2].text);
	return 0;
}

static int d_topology(struct parser *p)
{
	static const char *const keys[] = { "numa", "llcs", "cores", "threads", NULL };
	static const char usage[] = "topology [numa=N] [llcs=N] [cores=N] [threads=N]";
	const struct scn_line *l = p->l;
	struct scn_topology *t = &p->s->topo;
	int *field[] = { &t->numa, &t->llcs, &t->cores, &t->threads };
	const struct scn_tok *tok;
	unsigned seen = 0;
	int next = 1, i;
	char msg[256];
	long v;

	if (dup_directive(p, &p->topo_line))
		return -1;
	p->s->topo_loc = (struct scn_loc){ l->lineno, l->tok[0].col };
	while ((i = scn_next_option(l, &next, &seen, keys, false, usage, &tok,
				    p->err)) >= 0) {
		if (scn_parse_int(tok->val, 1, i ? SCN_MAX_CPUS : SCN_MAX_NODES, &v,
				  msg, sizeof(msg)))
			return scn_err(p->err, l->lineno, tok->val_col, "%s: %s",
				       tok->key, msg);
		*field[i] = (int)v;
	}
	if (i != -3)
		return -1;
	if (scn_topo_check(t, msg, sizeof(msg)))
		return scn_err(p->err, l->lineno, l->tok[0].col, "%s", msg);
	return 0;
}

static int d_memory(struct parser *p)
{
	const struct scn_line *l = p->l;
	char msg[256];
	int64_t v;

	if (dup_directive(p, &p->memory_line))
		return -1;
	p->s->memory_loc = (struct scn_loc){ l->lineno, l->tok[0].col };
	if (l->ntok < 2)
		return scn_err(p->err, l->lineno, l->end_col,
			       "missing size; expected: memory SIZE (e.g. memory 512M)");
	if (tok_count_max(p, 2, "memory SIZE"))
		return -1;
	if (scn_size_parse(l->tok[1].text, &v, msg, sizeof(msg)))
		return scn_err(p->err, l->lineno, l->tok[1].col, "%s", msg);
	if (v < SCN_MEMORY_MIN || v > SCN_MEMORY_MAX)
		return scn_err(p->err, l->lineno, l->tok[1].col,
			       "memory %s is out of range; expected 128M..1024G",
			       l->tok[1].text);
	p->s->memory_bytes = (uint64_t)v;
	return 0;
}

static int sched_opts(struct parser *p, struct scn_scheduler *sc)
{
	static const char *const keys[] = { "bpf", "exec", "args", "partial", "enable-timeout",
					    "attach", NULL };
	static const char usage[] = "scheduler NAME bpf=OBJ|exec=PATH [args=\"...\"] "
		"[partial=yes|no] [enable-timeout=DUR] [attach=start]";
	const struct scn_line *l = p->l;
	const struct scn_tok *t, *args = NULL;
	unsigned seen = 0;
	int next = 2, i;

	while ((i = scn_next_option(l, &next, &seen, keys, false, usage, &t,
				    p->err)) >= 0) {
		if (i <= 1 && sc->kind)
			return scn_err(p->err, l->lineno, t->col,
				       "give one of bpf= and exec=, not both");
		if (i <= 1 && strlen(t->val) >= sizeof(sc->target))
			return scn_err(p->err, l->lineno, t->val_col, "%s is too long", t->key);
		if (i <= 1) {
			sc->kind = i ? SCN_SCHED_EXEC : SCN_SCHED_BPF;
			strcpy(sc->target, t->val);
		} else if (i == 2) {
			if (strlen(t->val) >= sizeof(sc->args))
				return scn_err(p->err, l->lineno, t->val_col, "args is too long");
			strcpy(sc->args, t->val);
			args = t;
		} else if (i == 4) {
			char msg[256], max[32];

			scn_duration_format(SCN_SCHED_ENABLE_TIMEOUT_MAX_NS, max, sizeof(max));
			if (scn_duration_parse(t->val, &sc->enable_timeout_ns, msg, sizeof(msg)))
				return scn_err(p->err, l->lineno, t->val_col, "enable-timeout: %s",
					       msg);
			if (!sc->enable_timeout_ns ||
			    sc->enable_timeout_ns > SCN_SCHED_ENABLE_TIMEOUT_MAX_NS)
				return scn_err(p->err, l->lineno, t->val_col,
					       "enable-timeout=%s is out of range; expected more "
					       "than 0 and at most %s", t->val, max);
		} else if (i == 5) {
			if (strcmp(t->val, "start"))
				return scn_err(p->err, l->lineno, t->val_col,
					       "bad attach='%s'; expected start (attached before "
					       "the backdrop's first op, for the whole run)", t->val);
			sc->attach_start = true;
			sc->attach_loc = (struct scn_loc){ l->lineno, t->val_col };
		} else if (!strcmp(t->val, "yes") || !strcmp(t->val, "no")) {
			sc->partial = !strcmp(t->val, "yes");
		} else {
			return scn_err(p->err, l->lineno, t->val_col,
				       "bad partial='%s'; expected yes or no", t->val);
		}
	}
	if (i != -3)
		return -1;
	if (!sc->kind)
		return scn_err(p->err, l->lineno, l->end_col,
			       "missing bpf=OBJ or exec=PATH; expected: %s", usage);
	if (args && sc->kind == SCN_SCHED_BPF)
		return scn_err(p->err, l->lineno, args->col,
			       "args= is only for exec= schedulers");
	return 0;
}

static int d_scheduler(struct parser *p)
{
	struct scenario *s = p->s;
	struct scn_scheduler *sc;
	const int *dup;

	if (s->n_scheds == SCN_MAX_SCHEDULERS)
		return scn_err(p->err, p->l->lineno, p->l->tok[0].col,
			       "too many schedulers; expected at most %d", SCN_MAX_SCHEDULERS);
	if (grow(&s->scheds, s->n_scheds, sizeof(*s->scheds)))
		return scn_err(p->err, p->l->lineno, 1, "out of memory");
	sc = &s->scheds[s->n_scheds];
	memset(sc, 0, sizeof(*sc));
	sc->loc = (struct scn_loc){ p->l->lineno, p->l->tok[0].col };
	sc->enable_timeout_ns = SCN_SCHED_ENABLE_TIMEOUT_NS;
	if (name_at(p, 1, "scheduler name", "scheduler NAME bpf=OBJ|exec=PATH", sc->name))
		return -1;
	if ((dup = scn_names_get(&p->scheds, sc->name)))
		return scn_err(p->err, p->l->lineno, p->l->tok[1].col,
			       "scheduler '%s' already declared at line %d",
			       sc->name, s->scheds[*dup].loc.line);
	if (sched_opts(p, sc))
		return -1;
	if (scn_names_set(&p->scheds, sc->name, s->n_scheds))
		return scn_err(p->err, p->l->lineno, 1, "out of memory");
	s->n_scheds++;
	return 0;
}

static int d_backdrop(struct parser *p)
{
	if (dup_directive(p, &p->backdrop_line) || tok_count_max(p, 1, "backdrop"))
		return -1;
	if (p->first_step_line)
		return scn_err(p->err, p->l->lineno, p->l->tok[0].col,
			       "backdrop after a step; expected it before the first step (line %d)",
			       p->first_step_line);
	p->s->backdrop.loc = (struct scn_loc){ p->l->lineno, p->l->tok[0].col };
	p->cur = &p->s->backdrop;
	return 0;
}

static int step_head(struct parser *p, struct scn_block *b)
{
	static const char *const keys[] = { "repeat", NULL };
	static const char usage[] = "step NAME DURATION [repeat=N]";
	const struct scn_line *l = p->l;
	const struct scn_tok *t;
	unsigned seen = 0;
	int next = 3, i;
	char msg[256];
	long v;

	if (name_at(p, 1, "step name", usage, b->name))
		return -1;
	if (l->ntok < 3 || l->tok[2].key)
		return scn_err(p->err, l->lineno, l->ntok < 3 ? l->end_col : l->tok[2].col,
			       "missing step duration; expected: %s", usage);
	if (scn_duration_parse(l->tok[2].text, &b->duration_ns, msg, sizeof(msg)))
		return scn_err(p->err, l->lineno, l->tok[2].col, "%s", msg);
	if (!b->duration_ns)
		return scn_err(p->err, l->lineno, l->tok[2].col,
			       "step '%s' has zero duration; expected a duration > 0",
			       b->name);
	while ((i = scn_next_option(l, &next, &seen, keys, false, usage, &t,
				    p->err)) >= 0) {
		if (scn_parse_int(t->val, 1, SCN_REPEAT_MAX, &v, msg, sizeof(msg)))
			return scn_err(p->err, l->lineno, t->val_col, "repeat: %s", msg);
		b->repeat = (int)v;
	}
	return i == -3 ? 0 : -1;
}

static int d_step(struct parser *p)
{
	struct scenario *s = p->s;
	struct scn_block *b;
	const int *dup;

	if (grow(&s->steps, s->n_steps, sizeof(*s->steps)))
		return scn_err(p->err, p->l->lineno, 1, "out of memory");
	b = &s->steps[s->n_steps];
	memset(b, 0, sizeof(*b));
	b->repeat = 1;
	b->loc = (struct scn_loc){ p->l->lineno, p->l->tok[0].col };
	s->n_steps++;
	if (step_head(p, b))
		return -1;
	if ((dup = scn_names_get(&p->steps, b->name)))
		return scn_err(p->err, p->l->lineno, p->l->tok[1].col,
			       "step '%s' already defined at line %d",
			       b->name, s->steps[*dup].loc.line);
	if (!strcmp(b->name, "backdrop"))
		return scn_err(p->err, p->l->lineno, p->l->tok[1].col,
			       "a step may not be named 'backdrop'");
	if (scn_names_set(&p->steps, b->name, s->n_steps - 1))
		return scn_err(p->err, p->l->lineno, 1, "out of memory");
	if (!p->first_step_line)
		p->first_step_line = p->l->lineno;
	p->cur = b;
	return 0;
}

static int d_check(struct parser *p)
{
	return scn_parse_check(p->l, p->s, &p->checks, p->err);
}

static int d_file(struct parser *p)
{
	return scn_parse_file_directive(p->l, p->s, p->err);
}

/* requires [cpus>=N] [llcs>=N] [nodes>=N] [smt]: at least one, each once. */
static int d_requires(struct parser *p)
{
	static const char usage[] = "requires [cpus>=N] [llcs>=N] [nodes>=N] [smt]";
	static const char *const names[] = { "cpus", "llcs", "nodes" };
	const struct scn_line *l = p->l;
	struct scn_requires *r = &p->s->req;
	int *field[] = { &r->cpus, &r->llcs, &r->nodes };
	struct scn_loc *locs[] = { &r->cpus_loc, &r->llcs_loc, &r->nodes_loc };
	const int max[] = { SCN_MAX_CPUS, SCN_MAX_CPUS, SCN_MAX_NODES };
	char msg[256];

	if (dup_directive(p, &p->requires_line))
		return -1;
	if (l->ntok < 2)
		return scn_err(p->err, l->lineno, l->end_col,
			       "missing what the scenario requires; expected: %s", usage);
	for (int i = 1; i < l->ntok; i++) {
		const struct scn_tok *t = &l->tok[i];
		struct scn_loc at = { l->lineno, t->col };
		size_t k = strlen(t->key ? t->key : "");
		int j;
		long v;

		if (!strcmp(t->text, "smt")) {
			if (r->smt)
				return scn_err(p->err, at.line, at.col, "'smt' given twice");
			r->smt = true;
			r->smt_loc = at;
			continue;
		}
		/* "cpus>=4" lexes as the option "cpus>" = "4". */
		for (j = 0; j < 3; j++)
			if (t->key && k == strlen(names[j]) + 1 && t->key[k - 1] == '>' &&
			    !strncmp(t->key, names[j], k - 1))
				break;
		if (j == 3)
			return scn_err(p->err, at.line, at.col, "unexpected '%s'; expected: %s",
				       t->text, usage);
		if (*field[j])
			return scn_err(p->err, at.line, at.col, "'%s' given twice", names[j]);
		if (scn_parse_int(t->val, 1, max[j], &v, msg, sizeof(msg)))
			return scn_err(p->err, at.line, t->val_col, "%s: %s", names[j], msg);
		*field[j] = (int)v;
		*locs[j] = at;
	}
	return 0;
}

/* A scheduler with attach=start becomes an "attach NAME" op before the
 * backdrop's first op: guest-init and the checks see an ordinary attach. */
static int attach_at_start(struct parser *p)
{
	struct scenario *s = p->s;
	const struct scn_scheduler *first = NULL;
	struct scn_block *b = &s->backdrop;
	struct scn_op *op;

	for (int i = 0; i < s->n_scheds; i++) {
		const struct scn_scheduler *sc = &s->scheds[i];

		if (!sc->attach_start)
			continue;
		if (first)
			return scn_err(p->err, sc->attach_loc.line, sc->attach_loc.col,
				       "attach=start for '%s' too; expected one scheduler attached "
				       "at the start ('%s', line %d)", sc->name, first->name,
				       first->loc.line);
		first = sc;
	}
	if (!first)
		return 0;
	if (p->n_ops == SCN_MAX_OPS)
		return scn_err(p->err, first->attach_loc.line, first->attach_loc.col,
			       "too many ops; expected at most %d in the whole scenario (attach=start "
			       "adds one)", SCN_MAX_OPS);
	if (grow(&b->ops, b->n_ops, sizeof(*b->ops)))
		return scn_err(p->err, first->loc.line, 1, "out of memory");
	memmove(&b->ops[1], &b->ops[0], (size_t)b->n_ops * sizeof(*b->ops));
	op = &b->ops[0];
	memset(op, 0, sizeof(*op));
	op->kind = SCN_OP_ATTACH;
	op->loc = first->attach_loc;
	op->name_loc = first->attach_loc;
	strcpy(op->name, first->name);
	b->n_ops++;
	p->n_ops++;
	return 0;
}

static int directive(struct parser *p)
{
	static int (*const fns[])(struct parser *) = { d_scenario, d_topology,
		d_memory, d_scheduler, d_backdrop, d_step, d_check, d_requires, d_file };
	const struct scn_tok *t = &p->l->tok[0];
	char list[200] = "";

	p->cur = NULL;
	for (int i = 0; directives[i]; i++) {
		if (strcmp(t->text, directives[i]) || t->key)
			continue;
		if (i && !p->scenario_line)
			return scn_err(p->err, p->l->lineno, t->col,
				       "missing 'scenario' directive before '%s'; expected 'scenario NAME \"DESCRIPTION\"' as the first directive",
				       t->text);
		return fns[i](p);
	}
	for (int i = 0; directives[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", directives[i]);
	for (int k = SCN_OP_CGROUP; k <= SCN_OP_DETACH; k++)
		if (!strcmp(t->text, scn_op_name(k)))
			return scn_err(p->err, p->l->lineno, t->col,
				       "op '%s' at column 1; ops belong to a backdrop or step block and must be indented",
				       t->text);
	return scn_err(p->err, p->l->lineno, t->col,
		       "unknown directive '%s'; expected one of: %s", t->text, list);
}

static int op_line(struct parser *p)
{
	const struct scn_tok *t = &p->l->tok[0];
	struct scn_block *b = p->cur;

	if (!b) {
		for (int i = 0; directives[i]; i++)
			if (!strcmp(t->text, directives[i]))
				return scn_err(p->err, p->l->lineno, 1,
					       "indented directive '%s'; directives start at column 1",
					       t->text);
		return scn_err(p->err, p->l->lineno, t->col,
			       "op '%s' outside a block; expected it indented under a 'backdrop' or 'step' line",
			       t->text);
	}
	if (p->n_ops == SCN_MAX_OPS)
		return scn_err(p->err, p->l->lineno, t->col,
			       "too many ops; expected at most %d in the whole scenario",
			       SCN_MAX_OPS);
	if (grow(&b->ops, b->n_ops, sizeof(*b->ops)))
		return scn_err(p->err, p->l->lineno, t->col, "out of memory");
	if (scn_parse_op(p->l, &b->ops[b->n_ops], p->err))
		return -1;
	b->n_ops++;
	p->n_ops++;
	return 0;
}

static int parse_lines(struct parser *p, const char *text, size_t len)
{
	struct scn_line *l = malloc(sizeof(*l));
	size_t pos = 0;
	int lineno = 0, ret = 0;

	if (!l)
		return scn_err(p->err, 0, 0, "out of memory");
	p->l = l;
	while (pos < len && !ret) {
		const char *eol = memchr(text + pos, '\n', len - pos);
		size_t n = eol ? (size_t)(eol - (text + pos)) : len - pos;

		if (scn_lex_line(text + pos, n, ++lineno, l, p->err))
			ret = -1;
		else if (!l->ntok)
			;
		else if (l->indent)
			ret = op_line(p);
		else
			ret = directive(p);
		pos += n + 1;
	}
	if (!ret && !p->scenario_line)
		ret = scn_err(p->err, lineno ? lineno : 1, 1,
			      "missing 'scenario' directive; expected 'scenario NAME \"DESCRIPTION\"' as the first directive");
	if (!ret)
		ret = attach_at_start(p);
	free(l);
	scn_names_free(&p->steps);
	scn_names_free(&p->scheds);
	scn_names_free(&p->checks);
	return ret;
}

static void defaults(struct scenario *s, const char *path)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path ? path : "");
	s->topo = (struct scn_topology){ .numa = 1, .llcs = 1, .cores = 2,
					 .threads = 1 };
	s->memory_bytes = 512ull << 20;
	strcpy(s->backdrop.name, "backdrop");
	s->backdrop.repeat = 1;
}

int scn_parse_string(const char *path, const char *text, size_t len,
		     struct scenario *out, struct scn_error *err)
{
	struct parser p = { .s = out, .err = err };

	memset(err, 0, sizeof(*err));
	defaults(out, path);
	if (parse_lines(&p, text, len) || scn_validate(out, err)) {
		scn_free(out);
		snprintf(out->path, sizeof(out->path), "%s", path ? path : "");
		return -1;
	}
	return 0;
}

static int refuse(mode_t m, struct scn_error *err)
{
	return scn_err(err, 0, 0, "is %s; expected a regular file or a pipe",
		       file_kind(m));
}

int scn_read_file(const char *path, char **text, size_t *len,
		  struct scn_error *err)
{
	uint8_t *buf;
	mode_t mode = 0;
	int r;

	memset(err, 0, sizeof(*err));
	*text = NULL;
	*len = 0;
	r = read_file(path, SCN_MAX_FILE_BYTES, &buf, len, &mode);
	if (r == -EINVAL)
		return refuse(mode, err);
	if (r == -EFBIG) {
		struct stat st;

		if (S_ISREG(mode) && stat(path, &st) == 0)
			return scn_err(err, 0, 0, "is %lld bytes; expected at most %d",
				       (long long)st.st_size, SCN_MAX_FILE_BYTES);
		return scn_err(err, 0, 0, "is larger than %d bytes; expected at most that",
			       SCN_MAX_FILE_BYTES);
	}
	if (r)
		return scn_err(err, 0, 0, "cannot open: %s", strerror(-r));
	*text = (char *)buf;
	return 0;
}

int scn_parse_file(const char *path, struct scenario *out, struct scn_error *err)
{
	size_t len;
	char *text;

	if (scn_read_file(path, &text, &len, err)) {
		defaults(out, path);
		return -1;
	}
	if (scn_parse_string(path, text, len, out, err)) {
		free(text);
		return -1;
	}
	out->source = text;
	out->source_len = len;
	return 0;
}

static void free_block(struct scn_block *b)
{
	free(b->ops);
	b->ops = NULL;
	b->n_ops = 0;
}

void scn_free(struct scenario *s)
{
	free_block(&s->backdrop);
	for (int i = 0; i < s->n_steps; i++)
		free_block(&s->steps[i]);
	free(s->steps);
	free(s->scheds);
	free(s->files);
	free(s->checks);
	free(s->source);
	memset(s, 0, sizeof(*s));
}

void scn_error_format(const struct scenario *s, const char *path,
		      const struct scn_error *err, char *buf, size_t len)
{
	if (!path || !*path)
		path = s && s->path[0] ? s->path : "scenario";
	if (err->loc.line > 0)
		snprintf(buf, len, "%s:%d:%d: %s", path, err->loc.line,
			 err->loc.col, err->msg);
	else
		snprintf(buf, len, "%s: %s", path, err->msg);
}

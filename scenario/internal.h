/* SPDX-License-Identifier: GPL-2.0-only */
/* Declarations shared by the scenario parser's files (lexer, units, ops,
 * directives, validator); not part of the library's public interface. */
#ifndef KTSTR__SCENARIO_INTERNAL_H
#define KTSTR__SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/model.h"

#define SCN_LINE_MAX 4096  /* bytes in one source line */
#define SCN_LINE_TOKS 64   /* tokens in one source line */

/* One whitespace-separated word of a line, quotes decoded. A word holding an
 * '=' outside quotes is an option: key and val point at its two halves. */
struct scn_tok {
	const char *text;
	const char *key;  /* NULL when the word is not key=value */
	const char *val;
	int col;          /* column of the word's first byte */
	int val_col;      /* column of the value (after '='), else col */
};

struct scn_line {
	int lineno;
	int indent;       /* bytes of leading blanks; 0 = a directive */
	int ntok;         /* 0 for blank and comment-only lines */
	int end_col;      /* column just after the last word */
	struct scn_tok tok[SCN_LINE_TOKS];
	char buf[3 * SCN_LINE_MAX];
};

/* names.c: name -> int, for lookups that must not scan every name seen.
 * A zeroed struct is an empty table. */
struct scn_name {
	char *key;
	int val;
};

struct scn_names {
	struct scn_name *slot;
	size_t cap, n;
};

/* The value stored for key, or NULL. */
int *scn_names_get(const struct scn_names *t, const char *key);
/* Store val for key (added or replaced). 0, or -1 out of memory. */
int scn_names_set(struct scn_names *t, const char *key, int val);
void scn_names_free(struct scn_names *t);

/* lex.c */
int scn_lex_line(const char *src, size_t len, int lineno, struct scn_line *out,
		 struct scn_error *err);

/* The option word at l->tok[*next] (then *next advances): the index of its
 * key in the NULL-terminated keys; -2 for a key not in keys when
 * unknown_ok; -3 at the end of the line; -1 with err filled for a word
 * that is not KEY=VALUE, an unknown or repeated key, or an empty value.
 * *seen keeps one bit per key index across calls. */
int scn_next_option(const struct scn_line *l, int *next, unsigned *seen,
		    const char *const *keys, bool unknown_ok, const char *usage,
		    const struct scn_tok **tp, struct scn_error *err);

/* Fill err at line:col and return -1. */
int scn_err(struct scn_error *err, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* units.c: each returns 0, or -1 with a message (no location) in msg. */
int scn_parse_double(const char *s, double lo, double hi, double *out,
		     char *msg, size_t len);
int scn_valid_name(const char *s, const char *what, char *msg, size_t len);

/* ops.c */
int scn_parse_op(const struct scn_line *l, struct scn_op *op,
		 struct scn_error *err);

/* checks.c: a "check" directive line, appended to s->checks; checks holds
 * those so far (kind, cgroup, scheduler -> index), for duplicates. */
int scn_parse_check(const struct scn_line *l, struct scenario *s,
		    struct scn_names *checks, struct scn_error *err);

/* files.c: a "file" directive line, appended to s->files. */
int scn_parse_file_directive(const struct scn_line *l, struct scenario *s,
			     struct scn_error *err);

/* cpus.c */
int scn_nodelist_parse(const char *s, struct scn_cpumask *out, char *msg,
		       size_t len);

#endif

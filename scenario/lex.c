// SPDX-License-Identifier: GPL-2.0-only
/* Splits one scenario source line into words: blanks separate words, '#'
 * starts a comment, double quotes group blanks and take \" and \\ escapes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scenario/internal.h"

int scn_err(struct scn_error *err, int line, int col, const char *fmt, ...)
{
	va_list ap;

	err->loc.line = line;
	err->loc.col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* A quoted part starting at src[*i] == '"'; decoded bytes go to *w. */
static int lex_quoted(const char *src, size_t len, size_t *i, char **w,
		      int lineno, struct scn_error *err)
{
	size_t open = *i;

	for ((*i)++; *i < len; (*i)++) {
		char c = src[*i];

		if (c == '"')
			return 0;
		if (c == '\\') {
			if (*i + 1 >= len)
				break;
			c = src[++*i];
			if (c != '"' && c != '\\')
				return scn_err(err, lineno, (int)*i,
					       "unknown escape '\\%c' in string; expected \\\" or \\\\",
					       c);
		}
		*(*w)++ = c;
	}
	return scn_err(err, lineno, (int)open + 1,
		       "unterminated string; expected a closing '\"' before the end of the line");
}

static int lex_word(const char *src, size_t len, size_t *i, struct scn_line *l,
		    char **w, struct scn_error *err)
{
	struct scn_tok *t = &l->tok[l->ntok];
	long eq = -1;

	t->text = *w;
	t->col = (int)*i + 1;
	t->val_col = t->col;
	t->key = t->val = NULL;
	for (; *i < len && !is_blank(src[*i]) && src[*i] != '#'; (*i)++) {
		if (src[*i] == '"') {
			if (lex_quoted(src, len, i, w, l->lineno, err))
				return -1;
			continue;
		}
		if (src[*i] == '=' && eq < 0) {
			eq = *w - t->text;
			t->val_col = (int)*i + 2;
		}
		*(*w)++ = src[*i];
	}
	*(*w)++ = '\0';
	if (eq >= 0) {
		t->val = t->text + eq + 1;
		t->key = *w;
		memcpy(*w, t->text, eq);
		*w += eq;
		*(*w)++ = '\0';
	}
	l->ntok++;
	l->end_col = (int)*i + 1;
	return 0;
}

int scn_lex_line(const char *src, size_t len, int lineno, struct scn_line *l,
		 struct scn_error *err)
{
	char *w = l->buf;
	size_t i = 0;

	l->lineno = lineno;
	l->ntok = 0;
	l->end_col = 1;
	if (len > SCN_LINE_MAX)
		return scn_err(err, lineno, SCN_LINE_MAX + 1,
			       "line is %zu bytes long; expected at most %d",
			       len, SCN_LINE_MAX);
	if (memchr(src, '\0', len))
		return scn_err(err, lineno, (int)((const char *)memchr(src, '\0', len) - src) + 1,
			       "NUL byte in line; expected text");
	while (i < len && is_blank(src[i]))
		i++;
	l->indent = (int)i;
	for (;;) {
		while (i < len && is_blank(src[i]))
			i++;
		if (i >= len || src[i] == '#')
			break;
		if (l->ntok == SCN_LINE_TOKS)
			return scn_err(err, lineno, (int)i + 1,
				       "too many words on one line; expected at most %d",
				       SCN_LINE_TOKS);
		if (lex_word(src, len, &i, l, &w, err))
			return -1;
	}
	if (!l->ntok)
		l->indent = 0;
	return 0;
}

int scn_next_option(const struct scn_line *l, int *next, unsigned *seen,
		    const char *const *keys, bool unknown_ok, const char *usage,
		    const struct scn_tok **tp, struct scn_error *err)
{
	const struct scn_tok *t;
	char list[256] = "";

	if (*next >= l->ntok)
		return -3;
	t = *tp = &l->tok[(*next)++];
	if (!t->key)
		return scn_err(err, l->lineno, t->col,
			       "unexpected '%s'; expected an option KEY=VALUE: %s",
			       t->text, usage);
	for (int i = 0; keys[i]; i++) {
		if (strcmp(t->key, keys[i]))
			continue;
		if (*seen & (1u << i))
			return scn_err(err, l->lineno, t->col,
				       "option '%s' given twice", t->key);
		*seen |= 1u << i;
		if (!*t->val)
			return scn_err(err, l->lineno, t->val_col,
				       "empty value for '%s'", t->key);
		return i;
	}
	if (unknown_ok && *t->key)
		return -2;
	for (int i = 0; keys[i]; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i ? ", " : "", keys[i]);
	return scn_err(err, l->lineno, t->col,
		       "unknown option '%s'; expected one of: %s",
		       t->key, keys[0] ? list : "(none)");
}

// SPDX-License-Identifier: GPL-2.0-only
/* Parses "file HOST [to=GUEST] [mode=OCTAL]" directives into struct
 * scn_file, and the rule for where in the guest a file may go. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

static const char usage[] = "file HOST_PATH [to=GUEST_PATH] [mode=OCTAL]";

int scn_guest_path_check(const char *path, char *msg, size_t len)
{
	/* guest-init mounts these before the run plan is unpacked: a file
	 * put there would be hidden under the mount. (/tmp is mounted too,
	 * but before the unpack, so files there stay.) */
	static const char *const mounted[] = { "/proc", "/sys", "/dev" };
	const char *p = path;

	if (path[0] != '/') {
		snprintf(msg, len, "guest path '%s' is not absolute; expected one starting with '/'",
			 path);
		return -1;
	}
	if (!strcmp(path, "/")) {
		snprintf(msg, len, "guest path '/' is the root itself; expected a path below it");
		return -1;
	}
	while (*p == '/') {
		size_t n = strcspn(++p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(msg, len, "guest path '%s' has %s; expected a plain absolute path "
				 "(no '.', '..', '//' or trailing '/')", path,
				 n == 0 ? (p[0] ? "an empty component" : "a trailing '/'") :
				 n == 1 ? "a '.' component" : "a '..' component");
			return -1;
		}
		p += n;
	}
	for (size_t i = 0; i < sizeof(mounted) / sizeof(mounted[0]); i++) {
		size_t n = strlen(mounted[i]);

		if (strncmp(path, mounted[i], n) || (path[n] && path[n] != '/'))
			continue;
		snprintf(msg, len, "guest path '%s' is on %s, a pseudo filesystem guest-init "
			 "mounts before the files arrive; expected a path elsewhere (e.g. under /opt "
			 "or /tmp)", path, mounted[i]);
		return -1;
	}
	return 0;
}

int scn_path_normalize(const char *path, char *out, size_t len)
{
	size_t n = 0;
	const char *p = path;

	if (path[0] != '/' || len < 2)
		return -1;
	while (*p) {
		size_t c;

		while (*p == '/')
			p++;
		c = strcspn(p, "/");
		if (c == 0 || (c == 1 && p[0] == '.')) {
			;
		} else if (c == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[--n] != '/')
				;
		} else {
			if (n + 1 + c >= len)
				return -1;
			out[n++] = '/';
			memcpy(out + n, p, c);
			n += c;
		}
		p += c;
	}
	if (!n)
		out[n++] = '/';
	out[n] = 0;
	return 0;
}

/* mode=: 1 to 4 octal digits, at most 07777. */
static int mode_val(const char *s, int *mode)
{
	size_t n = strspn(s, "01234567");

	if (!n || n > 4 || s[n])
		return -1;
	*mode = (int)strtol(s, NULL, 8);
	return 0;
}

static int copy_path(const struct scn_line *l, const struct scn_tok *t, const char *s,
		     int col, char *dst, const char *what, struct scn_error *err)
{
	if (!*s)
		return scn_err(err, l->lineno, col, "empty %s; expected: %s", what, usage);
	if (strlen(s) >= SCN_FILE_PATH_MAX)
		return scn_err(err, l->lineno, col, "%s is %zu bytes long; expected at most %d",
			       what, strlen(s), SCN_FILE_PATH_MAX - 1);
	strcpy(dst, s);
	return 0;
}

static int file_opts(const struct scn_line *l, struct scn_file *f, struct scn_error *err)
{
	static const char *const keys[] = { "to", "mode", NULL };
	const struct scn_tok *t;
	unsigned seen = 0;
	int next = 2, i;
	char msg[512];

	while ((i = scn_next_option(l, &next, &seen, keys, false, usage, &t, err)) >= 0) {
		if (i == 0) {
			if (copy_path(l, t, t->val, t->val_col, f->to, "guest path", err))
				return -1;
			if (scn_guest_path_check(f->to, msg, sizeof(msg)))
				return scn_err(err, l->lineno, t->val_col, "%s", msg);
			f->to_loc = (struct scn_loc){ l->lineno, t->val_col };
		} else if (mode_val(t->val, &f->mode)) {
			return scn_err(err, l->lineno, t->val_col,
				       "bad mode='%s'; expected an octal mode 0..7777 (e.g. 644 or 0755)",
				       t->val);
		} else {
			f->mode_loc = (struct scn_loc){ l->lineno, t->val_col };
		}
	}
	return i == -3 ? 0 : -1;
}

int scn_parse_file_directive(const struct scn_line *l, struct scenario *s,
			     struct scn_error *err)
{
	const struct scn_tok *t = l->ntok > 1 ? &l->tok[1] : NULL;
	struct scn_file *f, *nf;
	char msg[512], norm[SCN_FILE_PATH_MAX];

	if (s->n_files == SCN_MAX_FILES)
		return scn_err(err, l->lineno, l->tok[0].col,
			       "too many file directives; expected at most %d (a directory is "
			       "copied whole: name one instead of its files)", SCN_MAX_FILES);
	if (!t)
		return scn_err(err, l->lineno, l->end_col, "missing host path; expected: %s",
			       usage);
	if (t->key)
		return scn_err(err, l->lineno, t->col,
			       "expected a host path, found option '%s' (quote a path holding '=')",
			       t->text);
	nf = realloc(s->files, (size_t)(s->n_files + 1) * sizeof(*s->files));
	if (!nf)
		return scn_err(err, l->lineno, 1, "out of memory");
	s->files = nf;
	f = &s->files[s->n_files];
	memset(f, 0, sizeof(*f));
	f->mode = -1;
	f->loc = (struct scn_loc){ l->lineno, l->tok[0].col };
	f->host_loc = (struct scn_loc){ l->lineno, t->col };
	if (copy_path(l, t, t->text, t->col, f->host, "host path", err) ||
	    file_opts(l, f, err))
		return -1;
	/* Without to= an absolute host path, normalized, is the guest path
	 * too: held to the same rule here; a relative one is checked once
	 * made absolute (host/guest_files.c), where the working directory is
	 * known. */
	if (!f->to[0] && f->host[0] == '/' &&
	    (scn_path_normalize(f->host, norm, sizeof(norm)) ||
	     scn_guest_path_check(norm, msg, sizeof(msg))))
		return scn_err(err, l->lineno, t->col, "%s; give to=GUEST_PATH", msg);
	s->n_files++;
	return 0;
}

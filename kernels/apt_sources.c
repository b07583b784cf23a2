// SPDX-License-Identifier: GPL-2.0-only
/* Pure apt helpers: finding the Debian archive in the machine's apt
 * sources (one-line and deb822 formats) and parsing "apt-cache show"
 * output. No processes, no network. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kernels/apt.h"
#include "kernels/internal.h"

#define DEFAULT_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

/* bookworm, trixie-updates, sid... but not *-security. Third-party repos
 * that reuse a codename as suite are told apart by the "main" component. */
static bool debian_suite(const char *s, size_t n)
{
	static const char *const names[] = {
		"buster", "bullseye", "bookworm", "trixie", "forky", "duke",
		"sid", "stable", "testing", "unstable", "oldstable",
	};
	const char *dash = memchr(s, '-', n);
	size_t base = dash ? (size_t)(dash - s) : n;

	while (n && s[n - 1] == '/')
		n--;
	if (dash) {
		size_t sl = n - base - 1;

		if (!(sl == 7 && !memcmp(dash + 1, "updates", 7)) &&
		    !(sl == 9 && !memcmp(dash + 1, "backports", 9)))
			return false;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == base && !memcmp(s, names[i], base))
			return true;
	return false;
}

static bool any_debian_suite(const char *list)
{
	for (const char *p = list; *p; ) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n && debian_suite(p, n))
			return true;
		p += n;
	}
	return false;
}

/* False if the address or the keyring path does not fit: never use one
 * cut short. */
static bool set_source(struct apt_source *src, const char *uri, size_t urilen,
		       const char *keyring, size_t keylen)
{
	if (urilen >= sizeof(src->uri) || keylen >= sizeof(src->keyring))
		return false;
	snprintf(src->uri, sizeof(src->uri), "%.*s", (int)urilen, uri);
	while (src->uri[0] && src->uri[strlen(src->uri) - 1] == '/')
		src->uri[strlen(src->uri) - 1] = '\0';
	if (keyring && keylen && keyring[0] == '/')
		snprintf(src->keyring, sizeof(src->keyring), "%.*s", (int)keylen, keyring);
	else
		snprintf(src->keyring, sizeof(src->keyring), "%s", DEFAULT_KEYRING);
	return true;
}

/* "deb [signed-by=K arch=amd64] URI suite comp..." */
static bool one_line(char *line, struct apt_source *src)
{
	char *key = NULL, *tok[16];
	size_t keylen = 0;
	char *p = line, *save;
	bool main_comp = false;
	int n = 0;

	p[strcspn(p, "#\n")] = '\0';
	p += strspn(p, " \t");
	if (strncmp(p, "deb", 3) || (p[3] != ' ' && p[3] != '\t'))
		return false;
	p += 3;
	p += strspn(p, " \t");
	if (*p == '[') {
		char *end = strchr(p, ']');

		if (!end)
			return false;
		*end = '\0';
		key = strstr(p, "signed-by=");
		if (key) {
			key += strlen("signed-by=");
			keylen = strcspn(key, " \t");
		}
		p = end + 1;
	}
	for (char *t = strtok_r(p, " \t\r", &save); t && n < 16; t = strtok_r(NULL, " \t\r", &save))
		tok[n++] = t;
	for (int i = 2; i < n; i++)
		main_comp |= !strcmp(tok[i], "main");
	if (n < 3 || !main_comp || !debian_suite(tok[1], strlen(tok[1])))
		return false;
	return set_source(src, tok[0], strlen(tok[0]), key, keylen);
}

/* Lines too long for the buffer are skipped whole. */
static int parse_list(const char *path, struct apt_source *src)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	bool found = false, too_long;

	if (!f)
		return -ENOENT;
	while (!found && kgetline(f, line, sizeof(line), &too_long))
		found = !too_long && one_line(line, src);
	fclose(f);
	return found ? 0 : -ENOENT;
}

struct stanza {
	char types[256], uris[1024], suites[512], components[512];
	char signed_by[1024], enabled[16];
	bool cut; /* a line or a field did not fit: the stanza is not used */
};

static bool has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; *p; ) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == wl && !strncmp(p, word, n))
			return true;
		p += n;
	}
	return false;
}

static bool stanza_match(const struct stanza *s, struct apt_source *src)
{
	const char *u = s->uris + strspn(s->uris, " \t");

	if (s->cut || !has_word(s->types, "deb") || !has_word(s->components, "main"))
		return false;
	if (!strcasecmp(s->enabled, "no") || !*u || !any_debian_suite(s->suites))
		return false;
	return set_source(src, u, strcspn(u, " \t"), s->signed_by, strlen(s->signed_by));
}

static const struct { const char *name; size_t off, len; } fields[] = {
	{ "types", offsetof(struct stanza, types), sizeof(((struct stanza *)0)->types) },
	{ "uris", offsetof(struct stanza, uris), sizeof(((struct stanza *)0)->uris) },
	{ "suites", offsetof(struct stanza, suites), sizeof(((struct stanza *)0)->suites) },
	{ "components", offsetof(struct stanza, components), sizeof(((struct stanza *)0)->components) },
	{ "signed-by", offsetof(struct stanza, signed_by), sizeof(((struct stanza *)0)->signed_by) },
	{ "enabled", offsetof(struct stanza, enabled), sizeof(((struct stanza *)0)->enabled) },
};

/* Which of fields[] the "Name: value" line sets; -1 if none. */
static int field_of(const char *line)
{
	const char *colon = strchr(line, ':');

	for (size_t i = 0; colon && i < sizeof(fields) / sizeof(fields[0]); i++)
		if ((size_t)(colon - line) == strlen(fields[i].name) &&
		    !strncasecmp(line, fields[i].name, colon - line))
			return i;
	return -1;
}

static void stanza_field(struct stanza *s, const char *line, bool too_long)
{
	int i = field_of(line);
	const char *v;
	size_t vl;

	if (i < 0)
		return;
	v = strchr(line, ':') + 1;
	v += strspn(v, " \t");
	vl = strcspn(v, "\r\n");
	s->cut |= too_long || vl >= fields[i].len;
	snprintf((char *)s + fields[i].off, fields[i].len, "%.*s", (int)vl, v);
}

static int parse_sources(const char *path, struct apt_source *src)
{
	struct stanza s = { 0 };
	char line[4096];
	FILE *f = fopen(path, "re");
	bool found = false, too_long;

	if (!f)
		return -ENOENT;
	while (!found && kgetline(f, line, sizeof(line), &too_long)) {
		if (line[0] == '#' || line[0] == ' ' || line[0] == '\t')
			continue;
		if (line[0] == '\n' || line[0] == '\r') {
			found = stanza_match(&s, src);
			memset(&s, 0, sizeof(s));
			continue;
		}
		stanza_field(&s, line, too_long);
	}
	if (!found)
		found = stanza_match(&s, src);
	fclose(f);
	return found ? 0 : -ENOENT;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && !strcmp(s + n - m, suffix);
}

int apt_debian_source(const char *etc_apt, struct apt_source *src,
		      char *msg, size_t msglen)
{
	struct dirent **ents = NULL;
	char path[4400];
	int n, found = -ENOENT;

	memset(src, 0, sizeof(*src));
	snprintf(path, sizeof(path), "%s/sources.list", etc_apt);
	if (parse_list(path, src) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/sources.list.d", etc_apt);
	n = scandir(path, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;

		snprintf(path, sizeof(path), "%s/sources.list.d/%s", etc_apt, name);
		if (found && ends_with(name, ".list"))
			found = parse_list(path, src);
		else if (found && ends_with(name, ".sources"))
			found = parse_sources(path, src);
		free(ents[i]);
	}
	free(ents);
	if (found)
		return errf(msg, msglen,
			    "no Debian archive in the apt sources under %s (looked for a 'deb' entry with a suite such as bookworm or trixie in sources.list and sources.list.d/*.list, *.sources)",
			    etc_apt);
	return 0;
}

/* --- apt-cache show output --- */

static void take_field(const char *line, size_t n, const char *name,
		       char *buf, size_t len)
{
	size_t k = strlen(name);

	if (n > k + 1 && !strncmp(line, name, k) && line[k] == ':') {
		const char *v = line + k + 1 + strspn(line + k + 1, " ");

		snprintf(buf, len, "%.*s", (int)(n - (v - line)), v);
	}
}

static bool stanza_better(const struct apt_pkg *cur, const char *pkg,
			  const struct apt_pkg *best)
{
	return !strcmp(cur->name, pkg) && cur->version[0] &&
	       (!best->version[0] || deb_vercmp(cur->version, best->version) > 0);
}

int apt_pick_newest(const char *show, const char *pkg, struct apt_pkg *out)
{
	struct apt_pkg cur = { 0 };
	const char *p = show;
	char size[32] = "";

	memset(out, 0, sizeof(*out));
	for (;;) {
		size_t n = strcspn(p, "\n");

		if (n == 0) {
			cur.size = strtoull(size, NULL, 10);
			if (stanza_better(&cur, pkg, out))
				*out = cur;
			memset(&cur, 0, sizeof(cur));
			size[0] = '\0';
		} else {
			take_field(p, n, "Package", cur.name, sizeof(cur.name));
			take_field(p, n, "Version", cur.version, sizeof(cur.version));
			take_field(p, n, "Depends", cur.depends, sizeof(cur.depends));
			take_field(p, n, "Size", size, sizeof(size));
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	cur.size = strtoull(size, NULL, 10);
	if (stanza_better(&cur, pkg, out))
		*out = cur;
	return out->version[0] ? 0 : -ENOENT;
}

int apt_find_dep(const char *depends, const char *prefix, const char *exclude,
		 char *buf, size_t len)
{
	const char *p = depends;
	size_t pl = strlen(prefix);

	while (*p) {
		size_t n;

		p += strspn(p, " ,|");
		n = strcspn(p, " ,|(:");
		if (n >= pl && !strncmp(p, prefix, pl) &&
		    !(exclude && strlen(exclude) == n && !strncmp(p, exclude, n))) {
			snprintf(buf, len, "%.*s", (int)n, p);
			return 0;
		}
		p += strcspn(p, ",|");
	}
	return -ENOENT;
}

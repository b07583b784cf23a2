// SPDX-License-Identifier: GPL-2.0-only
/* docs/work-types.md against the registry (workload/registry.c): every
 * type documented once and every documented type real, with its summary,
 * its worker-count rule, and each option's name, default and help as the
 * table has them. A type or option added, renamed or re-defaulted without
 * its documentation fails here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload/internal.h"

static char *doc;

static void load(void)
{
	FILE *f = fopen(WORK_TYPES_MD, "r");
	size_t n;

	cr_assert_not_null(f, "%s", WORK_TYPES_MD);
	doc = calloc(1, 1 << 20);
	n = fread(doc, 1, (1 << 20) - 1, f);
	doc[n] = 0;
	fclose(f);
}

/* The section "## name" up to the next "## ", or NULL. */
static char *section(const char *name)
{
	char head[128], *p, *end;

	snprintf(head, sizeof(head), "\n## %s\n", name);
	p = strstr(doc, head);
	if (!p)
		return NULL;
	p += strlen(head);
	end = strstr(p, "\n## ");
	return strndup(p, end ? (size_t)(end - p) : strlen(p));
}

static void count_rule(const struct wl_type *t, char *out, size_t len)
{
	if (t->multiple > 1)
		snprintf(out, len, "- Count: a multiple of %d (groups of %d)", t->multiple,
			 t->multiple);
	else
		snprintf(out, len, "- Count: at least %d%s", t->min_count,
			 t->messenger ? "; worker 0 is the messenger (`is_messenger`)" : "");
}

Test(docs, every_type_is_documented_as_the_table_says, .init = load)
{
	for (int i = 0; i < wl_type_count(); i++) {
		const struct wl_type *t = wl_type_at(i);
		char *s = section(t->name), want[512];

		cr_assert_not_null(s, "docs/work-types.md has no section '## %s'", t->name);
		snprintf(want, sizeof(want), "\n%s.\n", t->summary);
		cr_expect(strstr(s, want), "%s: summary '%s' not in its section", t->name,
			  t->summary);
		count_rule(t, want, sizeof(want));
		cr_expect(strstr(s, want), "%s: '%s' not in its section", t->name, want);
		for (const struct wl_opt_def *o = t->opts; o && o->key; o++) {
			snprintf(want, sizeof(want), "  - `%s=` (default `%s`): %s\n", o->key,
				 o->def, o->help);
			cr_expect(strstr(s, want), "%s: option line '%s' not in its section",
				  t->name, want);
		}
		if (!t->opts || !t->opts->key)
			cr_expect(strstr(s, "- Options: none"), "%s: should say '- Options: none'",
				  t->name);
		free(s);
	}
	free(doc);
}

Test(docs, every_documented_type_exists, .init = load)
{
	int sections = 0;

	for (char *p = strstr(doc, "\n## "); p; p = strstr(p + 1, "\n## ")) {
		char name[128];

		if (sscanf(p + 4, "%127s", name) != 1 || strchr(p + 4, '\n') - (p + 4) !=
		    (long)strlen(name))
			continue; /* a prose heading ("What every worker measures") */
		sections++;
		cr_expect_not_null(wl_type_find(name), "docs/work-types.md documents '%s', "
				   "which the registry does not have", name);
	}
	cr_expect_eq(sections, wl_type_count(), "%d type sections, %d types", sections,
		     wl_type_count());
	free(doc);
}

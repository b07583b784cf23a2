// SPDX-License-Identifier: GPL-2.0-only
/* A table of names, each with an int (an index into the caller's array):
 * the parser and validator look names up here instead of scanning every
 * step, scheduler, check or cgroup seen so far. Open addressing, grown at
 * half full. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/internal.h"

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static struct scn_name *slot(const struct scn_names *t, const char *key)
{
	size_t i = hash(key) & (t->cap - 1);

	while (t->slot[i].key && strcmp(t->slot[i].key, key))
		i = (i + 1) & (t->cap - 1);
	return &t->slot[i];
}

int *scn_names_get(const struct scn_names *t, const char *key)
{
	struct scn_name *e;

	if (!t->cap)
		return NULL;
	e = slot(t, key);
	return e->key ? &e->val : NULL;
}

static int grow(struct scn_names *t)
{
	struct scn_names n = { .cap = t->cap ? 2 * t->cap : 64, .n = t->n };

	n.slot = calloc(n.cap, sizeof(*n.slot));
	if (!n.slot)
		return -1;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].key)
			*slot(&n, t->slot[i].key) = t->slot[i];
	free(t->slot);
	*t = n;
	return 0;
}

int scn_names_set(struct scn_names *t, const char *key, int val)
{
	struct scn_name *e;

	if (2 * (t->n + 1) > t->cap && grow(t))
		return -1;
	e = slot(t, key);
	if (!e->key) {
		if (!(e->key = strdup(key)))
			return -1;
		t->n++;
	}
	e->val = val;
	return 0;
}

void scn_names_free(struct scn_names *t)
{
	for (size_t i = 0; i < t->cap; i++)
		free(t->slot[i].key);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

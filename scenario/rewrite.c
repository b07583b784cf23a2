// SPDX-License-Identifier: GPL-2.0-only
/* A scenario's text rewritten for one run of a suite (see scn_rewrite in
 * model.h): the guest runs text, so a different topology or an added
 * scheduler is written in the language, and the host parses the same
 * bytes the guest does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/model.h"

struct buf {
	char *p;
	size_t n, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *np = realloc(b->p, cap);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* s as one quoted word; -1 if the language cannot hold it. */
static int quoted(struct buf *b, const char *what, const char *s, char *msg, size_t len)
{
	if (strpbrk(s, "\n\r")) {
		snprintf(msg, len, "%s '%s' holds a line break; a scenario word cannot", what, s);
		return -1;
	}
	puts_(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			puts_(b, "\\");
		put(b, s, 1);
	}
	puts_(b, "\"");
	return 0;
}

static void topology_line(struct buf *b, const struct scn_topology *t)
{
	char line[128];

	snprintf(line, sizeof(line), "topology numa=%d llcs=%d cores=%d threads=%d\n",
		 t->numa, t->llcs, t->cores, t->threads);
	puts_(b, line);
}

static void memory_line(struct buf *b, uint64_t bytes)
{
	char line[64];

	if (bytes % (1 << 20) == 0)
		snprintf(line, sizeof(line), "memory %lluM\n", (unsigned long long)(bytes >> 20));
	else if (bytes % 1024 == 0)
		snprintf(line, sizeof(line), "memory %lluK\n", (unsigned long long)(bytes >> 10));
	else
		snprintf(line, sizeof(line), "memory %llu\n", (unsigned long long)bytes);
	puts_(b, line);
}

static int scheduler_line(struct buf *b, const struct scn_scheduler *sc, char *msg,
			  size_t len)
{
	puts_(b, "scheduler ");
	puts_(b, sc->name);
	puts_(b, sc->kind == SCN_SCHED_EXEC ? " exec=" : " bpf=");
	if (quoted(b, sc->kind == SCN_SCHED_EXEC ? "exec=" : "bpf=", sc->target, msg, len))
		return -1;
	if (sc->args[0]) {
		puts_(b, " args=");
		if (quoted(b, "args=", sc->args, msg, len))
			return -1;
	}
	puts_(b, sc->partial ? " partial=yes" : "");
	puts_(b, " attach=start\n");
	return 0;
}

int scn_rewrite(const struct scenario *s, const struct scn_rewrite *rw, char **out,
		size_t *len, char *msg, size_t msglen)
{
	int topo_line = rw->topo ? s->topo_loc.line : 0;
	int mem_line = rw->memory_bytes ? s->memory_loc.line : 0;
	const char *p = s->source ? s->source : "", *end = p + s->source_len;
	struct buf b = { 0 };
	int lineno = 0;

	*out = NULL;
	*len = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol + 1 - p) : (size_t)(end - p);

		lineno++;
		if (lineno == topo_line && topo_line)
			topology_line(&b, rw->topo);
		else if (lineno == mem_line && mem_line)
			memory_line(&b, rw->memory_bytes);
		else
			put(&b, p, n);
		p += n;
	}
	if (b.n && b.p[b.n - 1] != '\n')
		puts_(&b, "\n");
	if ((rw->topo && !topo_line) || (rw->memory_bytes && !mem_line) || rw->sched)
		puts_(&b, "# added by ktstr-run suite\n");
	if (rw->topo && !topo_line)
		topology_line(&b, rw->topo);
	if (rw->memory_bytes && !mem_line)
		memory_line(&b, rw->memory_bytes);
	if (rw->sched && scheduler_line(&b, rw->sched, msg, msglen)) {
		free(b.p);
		return -1;
	}
	if (b.oom || !b.p) {
		snprintf(msg, msglen, "out of memory");
		free(b.p);
		return -1;
	}
	*out = b.p;
	*len = b.n;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* The parts of a run's key a scenario gives (see runkey.h). */
#include <stdio.h>
#include <string.h>

#include "host/runkey.h"

void runkey_topology(const struct scn_topology *t, char *buf, size_t len)
{
	snprintf(buf, len, "%dn%dl%dc%dt", t->numa, t->llcs, t->cores, t->threads);
}

/* Whether name is already in the '+'-joined list buf. */
static int listed(const char *buf, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = buf; *p; p += strcspn(p, "+"), p += *p == '+')
		if (!strncmp(p, name, n) && (p[n] == '+' || !p[n]))
			return 1;
	return 0;
}

void runkey_scheduler(const struct scenario *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (int b = -1; b < s->n_steps; b++) {
		const struct scn_block *blk = b < 0 ? &s->backdrop : &s->steps[b];

		for (int i = 0; i < blk->n_ops; i++) {
			const struct scn_op *op = &blk->ops[i];
			int n;

			if ((op->kind != SCN_OP_ATTACH && op->kind != SCN_OP_REPLACE) ||
			    listed(buf, op->name))
				continue;
			n = snprintf(buf + used, len - used, "%s%s", used ? "+" : "", op->name);
			if (n < 0 || (size_t)n >= len - used) {
				buf[used] = 0; /* whole names only */
				return;
			}
			used += (size_t)n;
		}
	}
	if (!used)
		snprintf(buf, len, "eevdf");
}

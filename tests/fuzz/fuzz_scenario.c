// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the scenario parser and validator, as `validate` runs them
 * on a file (parse, semantic pass, work-type options, error formatting). */
#include <stdlib.h>
#include <string.h>

#include "scenario/model.h"
#include "tests/fuzz/fuzz.h"
#include "workload/workload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario s;
	struct scn_error err;
	char msg[1024];

	if (scn_parse_string("fuzz.scn", (const char *)data, size, &s, &err)) {
		scn_error_format(NULL, "fuzz.scn", &err, msg, sizeof(msg));
		return 0;
	}
	for (int b = -1; b < s.n_steps; b++) {
		const struct scn_block *blk = b < 0 ? &s.backdrop : &s.steps[b];

		for (int i = 0; i < blk->n_ops; i++) {
			int opt = -1;

			if (blk->ops[i].kind == SCN_OP_WORKERS)
				wl_validate(&blk->ops[i].workers, &opt, msg, sizeof(msg));
		}
	}
	scn_free(&s);
	return 0;
}

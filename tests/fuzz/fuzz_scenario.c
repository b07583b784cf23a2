// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: the scenario checks exactly as `validate` runs them on a
 * file's bytes (scenario_check: parse, semantic pass, work-type options,
 * the backend's topology limits, error formatting), for both backends. */
#include <stdlib.h>
#include <string.h>

#include "host/backend.h"
#include "host/run.h"
#include "scenario/model.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario s;
	char msg[1024];

	if (scenario_check("fuzz.scn", (const char *)data, size, "kvm", &s, msg,
			   sizeof(msg)))
		return 0;
	backend_topo_check("qemu", &s.topo, msg, sizeof(msg));
	scn_free(&s);
	return 0;
}

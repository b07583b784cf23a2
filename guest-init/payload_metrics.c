// SPDX-License-Identifier: GPL-2.0-only
/* Payload metrics (see payload_metrics.h). Lines are read whole, however
 * long: a big JSON line (histograms, many percentiles) still counts, and no
 * piece of a long text line passes for an object. */
#include <stdlib.h>
#include <sys/types.h>

#include "guest-init/payload_metrics.h"

json_t *payload_metrics(FILE *f)
{
	json_t *m = json_object();
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, f)) >= 0) {
		json_t *o = json_loadb(line, n, JSON_DECODE_ANY, NULL);
		const char *k;
		json_t *v;

		if (json_is_object(o))
			json_object_foreach(o, k, v)
				if (json_is_number(v))
					json_object_set(m, k, v);
		json_decref(o);
	}
	free(line);
	return m;
}

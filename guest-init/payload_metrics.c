/* Payload metrics (see payload_metrics.h). */
#include "guest-init/payload_metrics.h"

json_t *payload_metrics(FILE *f)
{
	json_t *m = json_object();
	char line[4096];

	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, JSON_DECODE_ANY, NULL);
		const char *k;
		json_t *v;

		if (json_is_object(o))
			json_object_foreach(o, k, v)
				if (json_is_number(v))
					json_object_set(m, k, v);
		json_decref(o);
	}
	return m;
}

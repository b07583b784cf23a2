/* sched_ext lifecycle (see sched.h). Loading schedulers is not built yet:
 * attach/replace/detach fail with a clear error instead of pretending. */
#include <stdio.h>
#include <string.h>

#include "guest-init/scx.h"
#include "guest-init/sysinfo.h"
#include "guest-init/transport.h"

static char last_state[64];

int sched_op(const struct scenario *s, const struct scn_op *op, char *msg, size_t len)
{
	snprintf(msg, len, "scheduler ops are not supported by this build yet "
		 "(sched_ext loading is a later capability)");
	return -1;
}

void sched_poll(void)
{
	char state[64];

	sysinfo_scx_state(state, sizeof(state));
	if (strcmp(state, last_state)) {
		if (last_state[0])
			transport_event("sched_ext_state",
					json_pack("{s:s}", "state", state));
		snprintf(last_state, sizeof(last_state), "%s", state);
	}
}

void sched_finish(void)
{
	sched_poll();
}

/* sched_ext scheduler lifecycle in the guest: attach, replace, detach and
 * watching the kernel's sched_ext state. */
#ifndef KTSTR__GUEST_SCX_H
#define KTSTR__GUEST_SCX_H

#include <stddef.h>

#include "scenario/model.h"

int sched_op(const struct scenario *s, const struct scn_op *op, char *msg, size_t len);
/* Sample the sched_ext state, emitting events on change. */
void sched_poll(void);
/* Detach whatever is still attached at the end of the run. */
void sched_finish(void);

#endif

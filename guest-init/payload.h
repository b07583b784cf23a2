/* SPDX-License-Identifier: GPL-2.0-only */
/* External payload binaries run by a scenario (payload-run / -wait / -kill):
 * their exit code, their output (bounded), the JSON numbers and the TAP
 * test lines they print go to the host. */
#ifndef KTSTR__GUEST_PAYLOAD_H
#define KTSTR__GUEST_PAYLOAD_H

#include <stdbool.h>
#include <sys/types.h>

#include "scenario/model.h"

struct payload {
	char id[SCN_NAME_MAX];
	pid_t pid;
	int scope;
	bool done;
	char out_path[SCN_NAME_MAX + 32]; /* its stdout */
	char err_path[SCN_NAME_MAX + 32]; /* its stderr */
};

int payload_op(struct payload *pl, int *npl, int max, const struct scn_op *op,
	       int scope, char *msg, size_t len);
/* Kill and reap every payload of this scope still running. */
void payload_scope_end(struct payload *pl, int npl, int scope);

#endif

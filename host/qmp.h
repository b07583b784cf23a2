/* SPDX-License-Identifier: GPL-2.0-only */
/* QMP, QEMU's machine protocol, just enough for snapshots: connect,
 * run a command and get its return, wait for a migration to finish. */
#ifndef KTSTR__HOST_QMP_H
#define KTSTR__HOST_QMP_H

#include <stddef.h>

#include <jansson.h>

struct qmp {
	int fd;
	char *buf;       /* bytes read, not yet a whole line */
	size_t len, cap;
	long id;
};

void qmp_init(struct qmp *q);
void qmp_close(struct qmp *q);
/* Connect to QEMU's QMP socket at path (retrying while QEMU starts) and
 * leave capabilities negotiation. 0 or -1 with msg. */
int qmp_connect(struct qmp *q, const char *path, int timeout_ms, char *msg, size_t len);
/* Run cmd with args (consumed; may be NULL): 0 with *ret (a new reference)
 * or -1 with msg (QEMU's error text). Events in between are skipped. */
int qmp_cmd(struct qmp *q, const char *cmd, json_t *args, json_t **ret, int timeout_ms,
	    char *msg, size_t len);
/* Hand fd to QEMU under name (QMP getfd, SCM_RIGHTS), e.g. for a migration
 * to "fd:name". 0 or -1 with msg. */
int qmp_send_fd(struct qmp *q, const char *name, int fd, int timeout_ms, char *msg, size_t len);
/* Poll query-migrate until "completed" (0) or "failed" (-1 with msg). */
int qmp_wait_migration(struct qmp *q, int timeout_ms, char *msg, size_t len);

#endif

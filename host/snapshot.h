/* SPDX-License-Identifier: GPL-2.0-only */
/* Snapshots of a ready guest (guest-init up, waiting for its run plan):
 * keyed by everything that shapes that guest, stored in the cache
 * (<cache>/snapshots/<id>/{meta.json,state}), written atomically, checked
 * before use (format, key, the state file's size and XXH3-128 digest),
 * bounded to the most recently used. The state file's format is the
 * backend's own (QEMU's migration stream for qemu). */
#ifndef KTSTR__HOST_SNAPSHOT_H
#define KTSTR__HOST_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/backend.h"

#define SNAP_FORMAT 1
#define SNAP_KEEP_DEFAULT 8 /* KTSTR_KEEP_SNAPSHOTS overrides */

struct snap_key {
	char text[8192];    /* "name=value" lines: what shapes the ready guest */
	char id[33];        /* XXH3-128 of text, hex: the directory name */
};

/* The key of vs booted by a backend (its name, accelerator and program,
 * e.g. QEMU's binary, or NULL) with the guest-init at guest_init: the
 * kernel, guest-init and program by content, the topology, memory and
 * command line. 0 or -1 with msg (a file that cannot be read). */
int snap_key_make(struct snap_key *k, const struct vm_spec *vs, const char *backend,
		  const char *accel, const char *program, const char *guest_init,
		  char *msg, size_t len);

struct snap {
	char dir[4400];     /* the snapshot's directory (a temporary one while
			     * it is being written) */
	char state[4500];   /* dir/state: the backend reads or writes this */
	char final[4400];   /* where snap_commit puts it */
};

enum snap_found {
	SNAP_NONE,          /* no snapshot for this key */
	SNAP_FOUND,         /* s is filled */
	SNAP_DISCARDED,     /* there was one, unusable: removed; msg says why */
};

/* Look up k. A snapshot that is truncated, of another format or whose key
 * does not match is removed (SNAP_DISCARDED). The state's digest is not
 * read here (snap_verify), so that it can be checked while the backend
 * loads the state. */
enum snap_found snap_find(const struct snap_key *k, struct snap *s, char *msg, size_t len);
/* The state's content against its digest: 0, or -1 with msg (the
 * snapshot is then removed). */
int snap_verify(struct snap *s, char *msg, size_t len);

/* A new snapshot: a temporary directory in the store; the backend writes
 * s->state. 0 or -1 with msg (e.g. the store cannot be written). */
int snap_begin(const struct snap_key *k, struct snap *s, char *msg, size_t len);
/* Digest the state, write meta.json, move it into place (a concurrent run
 * that got there first wins; ours is dropped), keep the most recently
 * used. 0 or -1 with msg. */
int snap_commit(const struct snap_key *k, struct snap *s, char *msg, size_t len);
void snap_abort(struct snap *s);

/* `ktstr-run snapshot list|clear`. Return exit codes. */
int snap_list(FILE *f);
int snap_clear(FILE *f);

#endif

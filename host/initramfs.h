/* The guest's initramfs, built in memory: guest-init as /init, the scenario,
 * the run options and payload files. */
#ifndef KTSTR__HOST_INITRAMFS_H
#define KTSTR__HOST_INITRAMFS_H

#include <stddef.h>

#include <jansson.h>

#include "scenario/model.h"

struct initramfs_spec {
	const char *guest_init;     /* host path of the static guest-init */
	json_t *run_opts;           /* becomes /run.json */
	/* Loaded by scn_parse_file: its source bytes become /scenario.scn,
	 * its scheduler and payload files are added (host/guest_files.c). */
	const struct scenario *scenario;
};

/* Build the archive into a sealed memfd. Returns 0 with *fd, *len set, or
 * -1 with msg. */
int initramfs_build(const struct initramfs_spec *s, int *fd, size_t *len,
		    char *msg, size_t msglen);

/* Where guest-init lives: $KTSTR_GUEST_INIT, else next to this executable
 * (build tree: <dir>/guest-init/guest-init). */
int initramfs_find_guest_init(char *buf, size_t len, char *msg, size_t msglen);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* The guest's initramfs and the run plan (proto/plan.h), built in memory:
 * the initramfs holds guest-init as /init (and the plan, for a backend
 * whose channel cannot carry it); the plan holds the scenario, the run
 * options and the files the run needs. */
#ifndef KTSTR__HOST_INITRAMFS_H
#define KTSTR__HOST_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "scenario/model.h"

struct initramfs_spec {
	const char *guest_init;     /* host path of the static guest-init */
	json_t *run_opts;           /* becomes /run.json */
	/* Loaded by scn_parse_file: its source bytes become the plan's
	 * scenario, its scheduler and payload files are added to the plan
	 * (host/guest_files.c). */
	const struct scenario *scenario;
	/* The kernel's release (as uname -r gives it) and its config: the
	 * plan holds the config as /boot/config-RELEASE. NULL: none. */
	const char *kernel_release;
	const char *kernel_config;
	bool plan_in_initramfs;     /* the plan goes in as PLAN_INITRAMFS_NAME */
};

struct initramfs {
	int fd;             /* a sealed memfd holding the archive */
	size_t len;
	uint8_t *plan;      /* the run plan archive (sent over the channel
			     * unless it is in the initramfs) */
	size_t plan_len;
};

/* Build both. A plan larger than a quarter of the scenario's memory is
 * refused: the guest holds it twice while unpacking, in a root file
 * system that takes at most half of its memory. Returns 0, or -1 with
 * msg. */
int initramfs_build(const struct initramfs_spec *s, struct initramfs *out, char *msg,
		    size_t msglen);
void initramfs_free(struct initramfs *i);

/* Where guest-init lives: $KTSTR_GUEST_INIT, else beside this executable
 * (build tree: <dir>/guest-init/guest-init), else installed
 * (<dir>/KTSTR_INSTALL_LIBEXEC/guest-init, host/install_paths.h). */
int initramfs_find_guest_init(char *buf, size_t len, char *msg, size_t msglen);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* Where ktstr-run's companions (guest-init, the BPF schedulers) lie: in the
 * build tree beside the executable, or installed at config.h's
 * KTSTR_INSTALL_* paths, which are relative to the executable's directory
 * (a relocatable prefix: DESTDIR staging and a moved tree still work). */
#ifndef KTSTR__HOST_INSTALL_PATHS_H
#define KTSTR__HOST_INSTALL_PATHS_H

#include <stddef.h>

/* The directory of the running executable. Returns 0, or -1 with msg. */
int install_exe_dir(char *buf, size_t len, char *msg, size_t msglen);
/* out = dir/name if dir is absolute, else exe_dir/dir/name. Returns 0, or -1
 * if it does not fit. */
int install_path(char *out, size_t len, const char *exe_dir, const char *dir,
		 const char *name);
/* name into buf where the build tree (build_dir) or else the installed
 * tree (install_dir) has it readable, each as install_path places it.
 * Returns 0, or -1 with msg ("NAME not found (looked for A and B); HINT"). */
int install_find(char *buf, size_t len, const char *build_dir, const char *install_dir,
		 const char *name, const char *hint, char *msg, size_t msglen);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/* Where a scenario's schedulers come from on the host (sched_files.h);
 * BPF objects checked with libbpf. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "config.h"
#include "host/install_paths.h"
#include "host/sched_files.h"

/* The schedulers the project ships, by name ("NAME.bpf.o"): in the build
 * tree (<dir of ktstr-run>/scheds/), then installed
 * (<dir of ktstr-run>/KTSTR_INSTALL_SCHEDS/). tried gets the paths looked at,
 * for the message when none is there. */
static bool shipped_sched_path(const char *name, char *out, size_t outlen, char *tried,
			       size_t triedlen)
{
	const char *const dirs[] = { "scheds", KTSTR_INSTALL_SCHEDS };
	char exe[PATH_MAX], m[64];
	size_t used = 0;

	tried[0] = 0;
	if (install_exe_dir(exe, sizeof(exe), m, sizeof(m)))
		return false;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (install_path(out, outlen, exe, dirs[i], name))
			continue;
		if (access(out, R_OK) == 0)
			return true;
		if (used < triedlen) {
			int n = snprintf(tried + used, triedlen - used, "%s%s", i ? " and " : "", out);

			used += n > 0 ? (size_t)n : 0;
		}
	}
	return false;
}

int sched_resolve_bpf(const char *target, char *out, size_t outlen, char *msg,
		      size_t len)
{
	const char *env = getenv("KTSTR_SCHED_DIR");
	size_t tl = strlen(target);
	char name[NAME_MAX + 1], tried[2 * PATH_MAX + 8];

	if (strchr(target, '/') || (tl > 2 && !strcmp(target + tl - 2, ".o"))) {
		snprintf(out, outlen, "%s", target);
		if (access(out, R_OK)) {
			snprintf(msg, len, "BPF object %s: %s", target, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (env && *env) {
		snprintf(out, outlen, "%s/%s.bpf.o", env, target);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(name, sizeof(name), "%s.bpf.o", target);
	if (shipped_sched_path(name, out, outlen, tried, sizeof(tried)))
		return 0;
	snprintf(msg, len, "no BPF object for '%s': not a path, and not one of the "
		 "schedulers ktstr-run ships (looked for %s%s%s%s; build them with ninja "
		 "once a kernel is cached, see README.md)",
		 target, tried, env && *env ? " and in KTSTR_SCHED_DIR=" : "",
		 env && *env ? env : "", env && *env ? "" : ", KTSTR_SCHED_DIR unset");
	return -1;
}

/* name in one of the directories of $PATH. */
static bool in_path(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH");
	char *copy = path ? strdup(path) : NULL, *p = copy, *dir;
	bool found = false;

	while (!found && p && (dir = strsep(&p, ":"))) {
		snprintf(out, outlen, "%s/%s", *dir ? dir : ".", name);
		found = access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

int sched_resolve_exec(const char *target, char *out, size_t outlen, char *msg,
		       size_t len)
{
	const char *env = getenv("KTSTR_SCHED_DIR");

	if (strchr(target, '/')) {
		snprintf(out, outlen, "%s", target);
	} else {
		bool found = false;

		if (env && *env) {
			snprintf(out, outlen, "%s/%s", env, target);
			found = access(out, X_OK) == 0;
		}
		if (!found && !in_path(target, out, outlen)) {
			snprintf(msg, len, "scheduler binary '%s' not found in %s%s$PATH", target,
				 env && *env ? env : "", env && *env ? " (KTSTR_SCHED_DIR) or " : "");
			return -1;
		}
	}
	if (access(out, X_OK)) {
		snprintf(msg, len, "scheduler binary %s: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int sched_check_bpf(const char *path, char *msg, size_t len)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_map *m;
	int ret = -1;

	libbpf_set_print(old);
	if (!obj) {
		snprintf(msg, len, "%s is not a usable BPF object: %s", path, strerror(errno));
		return -1;
	}
	bpf_object__for_each_map(m, obj) {
		struct btf *btf = bpf_object__btf(obj);
		const struct btf_type *t;

		if (bpf_map__type(m) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(m));
		if (t && !strcmp(btf__name_by_offset(btf, t->name_off), "sched_ext_ops"))
			ret = 0;
	}
	if (ret)
		snprintf(msg, len, "%s has no sched_ext struct_ops map (SEC(\".struct_ops\") "
			 "or SEC(\".struct_ops.link\") struct sched_ext_ops): not a sched_ext "
			 "scheduler", path);
	bpf_object__close(obj);
	return ret;
}

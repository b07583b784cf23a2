/* Where a scenario's schedulers come from on the host (sched_files.h);
 * BPF objects checked with libbpf. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "host/sched_files.h"

/* The project's test schedulers: built next to ktstr-run, in tests/sched/
 * of the build tree. name is "NAME.bpf.o" or "NAME". */
static void test_sched_path(const char *name, char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	snprintf(out, outlen, "%s/tests/sched/%s", dirname(exe), name);
}

int sched_resolve_bpf(const char *target, char *out, size_t outlen, char *msg,
		      size_t len)
{
	const char *env = getenv("KTSTR_SCHED_DIR");
	size_t tl = strlen(target);
	char name[NAME_MAX + 1];

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
	test_sched_path(name, out, outlen);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(msg, len, "no BPF object for '%s': not a path, and not one of the "
		 "project's test schedulers (looked for %s%s%s; build them with ninja)",
		 target, out, env && *env ? " and in KTSTR_SCHED_DIR=" : "",
		 env && *env ? env : "");
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
	if (strchr(target, '/')) {
		snprintf(out, outlen, "%s", target);
	} else {
		test_sched_path(target, out, outlen);
		if (access(out, X_OK) && !in_path(target, out, outlen)) {
			snprintf(msg, len, "scheduler binary '%s' not found in the build tree "
				 "(tests/sched/) or $PATH", target);
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

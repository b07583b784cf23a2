// SPDX-License-Identifier: GPL-2.0-only
/* Managed cgroup v2 tree (see cgroup.h), driven through libcgroup 2.0,
 * except where libcgroup 2.0 loses the kernel's errno: a cgroup's mkdir
 * (ECGROUPNOTALLOWED for anything but EPERM) and the writes that move a
 * task (cgroup.procs, ECGROUPNOTALLOWED when the open fails). An attached
 * sched_ext scheduler refuses those with an errno of its own choice
 * (ops.cgroup_init, ops.cgroup_prep_move), so they are done here. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libcgroup.h>

#include "guest-init/cgroup.h"

/* The controllers the tree delegates; those the kernel lacks are skipped. */
static const char *const ctrls[] = { "cpuset", "cpu", "memory", "io", "pids" };
static bool mounted[sizeof(ctrls) / sizeof(ctrls[0])];
/* A delegated controller: libcgroup attaches and deletes per controller. */
static const char *any_ctrl;

void cg_path(const char *name, char *buf, size_t len)
{
	if (!name || !*name)
		snprintf(buf, len, "/sys/fs/cgroup");
	else
		snprintf(buf, len, CG_ROOT "/%s", name);
}

/* libcgroup's name for a cgroup, relative to the mount ("/" = the root). */
static void lc_name(const char *name, char *buf, size_t len)
{
	if (!name || !*name)
		snprintf(buf, len, "/");
	else
		snprintf(buf, len, CG_DIR "/%s", name);
}

/* A libcgroup error as -errno (ECGOTHER carries the OS one). */
static int lc_errno(int ret)
{
	int err = ret == ECGOTHER ? cgroup_get_last_errno() : 0;

	return err > 0 ? -err : -EIO;
}

const char *cg_errname(int err)
{
	return strerrorname_np(err) ?: "?";
}

/* libcgroup's words for ret, with the errno's name when it has one. */
static void lc_strerror(int ret, char *buf, size_t len)
{
	int err = ret == ECGOTHER ? cgroup_get_last_errno() : 0;

	if (err > 0)
		snprintf(buf, len, "%s (%s)", strerror(err), cg_errname(err));
	else
		snprintf(buf, len, "%s", cgroup_strerror(ret));
}

/* Write val to the file path whole, in one write: 0 or -errno. */
static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	size_t n = strlen(val);
	ssize_t w;

	if (fd < 0)
		return -errno;
	w = write(fd, val, n);
	if (w < 0)
		err = -errno;
	else if ((size_t)w != n)
		err = -EIO;
	close(fd);
	return err;
}

/* A struct for libcgroup name lname with every delegated controller (all)
 * or just any_ctrl. */
static struct cgroup *lc_new_raw(const char *lname, bool all)
{
	struct cgroup *cg;

	if (!(cg = cgroup_new_cgroup(lname)))
		return NULL;
	for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
		if (!mounted[i] || (!all && ctrls[i] != any_ctrl))
			continue;
		if (!cgroup_add_controller(cg, ctrls[i])) {
			cgroup_free(&cg);
			return NULL;
		}
	}
	return cg;
}

static struct cgroup *lc_new(const char *name, bool all)
{
	char lname[FILENAME_MAX];

	lc_name(name, lname, sizeof(lname));
	return lc_new_raw(lname, all);
}

/* Write one interface file. ctrl "cgroup" is libcgroup's pseudo-controller
 * for the v2 core files (cgroup.*): modify and read_value take it, but
 * create, attach and delete need a real controller. */
static int knob(const char *name, const char *ctrl, const char *file,
		const char *val, char *msg, size_t len)
{
	char lname[FILENAME_MAX], why[256];
	struct cgroup_controller *c;
	struct cgroup *cg;
	int ret = ECGFAIL;

	lc_name(name, lname, sizeof(lname));
	if (!(cg = cgroup_new_cgroup(lname)))
		goto err;
	if (!(c = cgroup_add_controller(cg, ctrl)))
		goto err_free;
	if ((ret = cgroup_add_value_string(c, file, val)))
		goto err_free;
	ret = cgroup_modify_cgroup(cg);
err_free:
	cgroup_free(&cg);
	if (!ret)
		return 0;
err:
	lc_strerror(ret, why, sizeof(why));
	snprintf(msg, len, "cgroup '%s': writing '%s' to %s: %s", name, val, file, why);
	return lc_errno(ret);
}

int cg_setup(char *msg, size_t len)
{
	struct cgroup *cg;
	int ret;

	if ((ret = cgroup_init())) {
		snprintf(msg, len, "libcgroup: cgroup_init: %s", cgroup_strerror(ret));
		return lc_errno(ret);
	}
	for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
		char *mnt = NULL;

		mounted[i] = cgroup_get_subsys_mount_point(ctrls[i], &mnt) == 0;
		free(mnt);
		if (mounted[i] && !any_ctrl)
			any_ctrl = ctrls[i];
	}
	if (!any_ctrl) {
		snprintf(msg, len, "no cpuset, cpu, memory, io or pids controller "
			 "on the cgroup2 mount");
		return -ENODEV;
	}
	/* Creating ktstr enables the controllers in the root's subtree_control;
	 * creating each child enables them in ktstr's. */
	if (!(cg = lc_new_raw(CG_DIR, true))) {
		snprintf(msg, len, "libcgroup: out of memory");
		return -ENOMEM;
	}
	ret = cgroup_create_cgroup(cg, 1);
	cgroup_free(&cg);
	if (ret) {
		snprintf(msg, len, "creating %s: %s", CG_ROOT, cgroup_strerror(ret));
		return lc_errno(ret);
	}
	/* ktstr delegates them to its children, which cg_create makes with a
	 * plain mkdir. */
	for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
		char val[32];

		if (!mounted[i])
			continue;
		snprintf(val, sizeof(val), "+%s", ctrls[i]);
		if ((ret = write_file(CG_ROOT "/cgroup.subtree_control", val))) {
			snprintf(msg, len, "writing '%s' to %s/cgroup.subtree_control: %s (%s)",
				 val, CG_ROOT, strerror(-ret), cg_errname(-ret));
			return ret;
		}
	}
	return 0;
}

/* A limit knob: v, or "max" when v is negative. */
static int knob_limit(const char *name, const char *ctrl, const char *file, int64_t v,
		      char *msg, size_t len)
{
	char val[32];

	if (v < 0)
		snprintf(val, sizeof(val), "max");
	else
		snprintf(val, sizeof(val), "%" PRId64, v);
	return knob(name, ctrl, file, val, msg, len);
}

static int set_knobs(const char *name, const struct scn_cgroup_knobs *k,
		     const struct scn_topology *t, char *msg, size_t len)
{
	struct scn_cpumask mask;
	char val[128];
	int ret;

	if (k->cpus.kind != SCN_CPUS_NONE) {
		if (scn_cpuspec_resolve(&k->cpus, t, &mask, msg, len) < 0)
			return -EINVAL;
		if ((ret = cg_set_cpus(name, &mask, msg, len)))
			return ret;
	}
	if (k->mems[0] &&
	    (ret = knob(name, "cpuset", "cpuset.mems", k->mems, msg, len)))
		return ret;
	if (k->weight) {
		snprintf(val, sizeof(val), "%d", k->weight);
		if ((ret = knob(name, "cpu", "cpu.weight", val, msg, len)))
			return ret;
	}
	if (k->cpu_max[0] &&
	    (ret = knob(name, "cpu", "cpu.max", k->cpu_max, msg, len)))
		return ret;
	if (k->memory_max_set &&
	    (ret = knob_limit(name, "memory", "memory.max", k->memory_max, msg, len)))
		return ret;
	if (k->memory_high_set &&
	    (ret = knob_limit(name, "memory", "memory.high", k->memory_high, msg, len)))
		return ret;
	if (k->io_weight) {
		snprintf(val, sizeof(val), "default %d", k->io_weight);
		if ((ret = knob(name, "io", "io.weight", val, msg, len)))
			return ret;
	}
	if (k->pids_max_set &&
	    (ret = knob_limit(name, "pids", "pids.max", k->pids_max, msg, len)))
		return ret;
	return 0;
}

/* The knobs go in one cgroup_modify_cgroup each, not into the create call:
 * libcgroup stops at the first bad value without saying which it was. */
int cg_create(const char *name, const struct scn_cgroup_knobs *k,
	      const struct scn_topology *t, char *msg, size_t len)
{
	char path[512];
	int ret;

	cg_path(name, path, sizeof(path));
	if (mkdir(path, 0755) && errno != EEXIST) {
		ret = -errno;
		snprintf(msg, len, "cgroup '%s': creating %s: %s (%s)", name, path,
			 strerror(-ret), cg_errname(-ret));
		return ret;
	}
	if ((ret = set_knobs(name, k, t, msg, len)))
		rmdir(path);
	return ret;
}

int cg_set_cpus(const char *name, const struct scn_cpumask *mask, char *msg,
		size_t len)
{
	char list[1024] = "";

	if (mask)
		scn_cpumask_format(mask, list, sizeof(list));
	/* libcgroup skips empty values; the kernel strips blanks, so " "
	 * clears the cpuset. */
	return knob(name, "cpuset", "cpuset.cpus", list[0] ? list : " ", msg, len);
}

/* Read the first line of one interface file into buf ("" if empty). */
static int read_line(const char *name, const char *ctrl, const char *file,
		     char *buf, int len)
{
	char lname[FILENAME_MAX], fname[64];
	void *h = NULL;
	int ret;

	lc_name(name, lname, sizeof(lname));
	snprintf(fname, sizeof(fname), "%s", file);
	buf[0] = '\0';
	ret = cgroup_read_value_begin(ctrl, lname, fname, &h, buf, len);
	if (h)
		cgroup_read_value_end(&h);
	return ret == 0 || ret == ECGEOF ? 0 : lc_errno(ret);
}

int cg_effective_cpus(const char *name, struct scn_cpumask *out)
{
	char buf[1024];
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = read_line(name, "cpuset", "cpuset.cpus.effective", buf,
			     sizeof(buf))))
		return ret;
	return scn_cpumask_parse(buf, out);
}

/* True once cgroup.events reports the wanted frozen state. */
static bool frozen_is(const char *name, bool freeze)
{
	char lname[FILENAME_MAX], fname[] = "cgroup.events", line[64];
	char want[16];
	bool seen = false;
	void *h = NULL;
	int ret;

	lc_name(name, lname, sizeof(lname));
	snprintf(want, sizeof(want), "frozen %d", freeze);
	ret = cgroup_read_value_begin("cgroup", lname, fname, &h, line,
				      sizeof(line));
	while (ret == 0 && !(seen = !strncmp(line, want, strlen(want))))
		ret = cgroup_read_value_next(&h, line, sizeof(line));
	if (h)
		cgroup_read_value_end(&h);
	/* An unreadable file would never change: stop waiting. */
	return seen || (ret != 0 && ret != ECGEOF);
}

int cg_freeze(const char *name, bool freeze, char *msg, size_t len)
{
	int ret = knob(name, "cgroup", "cgroup.freeze", freeze ? "1" : "0",
		       msg, len);

	if (ret)
		return ret;
	/* Wait (bounded) until cgroup.events says the state took effect. */
	for (int i = 0; i < 200 && !frozen_is(name, freeze); i++)
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	return 0;
}

int cg_move_pid(const char *name, pid_t pid)
{
	char path[512], val[32];

	cg_path(name, path, sizeof(path));
	strcat(path, "/cgroup.procs");
	snprintf(val, sizeof(val), "%d", pid);
	return write_file(path, val);
}

/* Move the processes listed in from's cgroup.procs; how many were seen. */
static int move_pass(const char *from, const char *to, char *msg, size_t len)
{
	char lname[FILENAME_MAX], fname[] = "cgroup.procs", line[32];
	void *h = NULL;
	int seen = 0, ret;

	lc_name(from, lname, sizeof(lname));
	ret = cgroup_read_value_begin("cgroup", lname, fname, &h, line,
				      sizeof(line));
	for (; ret == 0; ret = cgroup_read_value_next(&h, line, sizeof(line))) {
		pid_t pid = atoi(line);
		int err = cg_move_pid(to, pid);

		seen++;
		if (err && err != -ESRCH) {
			snprintf(msg, len, "moving pid %d from '%s' to '%s': %s (%s)",
				 pid, from, to, strerror(-err), cg_errname(-err));
			if (h)
				cgroup_read_value_end(&h);
			return err;
		}
	}
	if (h)
		cgroup_read_value_end(&h);
	if (ret == ECGEOF)
		return seen;
	if (!seen)
		snprintf(msg, len, "cgroup '%s': reading cgroup.procs: %s", from,
			 cgroup_strerror(ret));
	return lc_errno(ret);
}

int cg_move_all(const char *from, const char *to, char *msg, size_t len)
{
	int moved = 0, n;

	/* A process can fork while we move; loop until the source is empty. */
	for (int pass = 0; pass < 10; pass++) {
		if ((n = move_pass(from, to, msg, len)) < 0)
			return n;
		if (!n)
			break;
		moved += n;
	}
	return moved;
}

int cg_remove(const char *name, char *msg, size_t len)
{
	struct cgroup *cg;
	int ret = 0;

	/* Tasks go to the root: ktstr has controllers on, so it holds none. */
	cg_move_all(name, "", msg, len);
	if (!(cg = lc_new(name, false))) {
		snprintf(msg, len, "cgroup '%s': libcgroup: out of memory", name);
		return -ENOMEM;
	}
	/* Exiting tasks keep the cgroup busy for a moment. */
	for (int i = 0; i < 100; i++) {
		ret = cgroup_delete_cgroup_ext(cg, CGFLAG_DELETE_EMPTY_ONLY);
		if (ret != ECGNONEMPTY)
			break;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	cgroup_free(&cg);
	if (!ret)
		return 0;
	snprintf(msg, len, "cgroup '%s': removing %s/%s: %s", name, CG_ROOT, name,
		 cgroup_strerror(ret));
	return ret == ECGNONEMPTY ? -EBUSY : lc_errno(ret);
}

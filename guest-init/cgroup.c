/* Managed cgroup v2 tree (see cgroup.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "guest-init/cgroup.h"
#include "guest-init/sysinfo.h"

void cg_path(const char *name, char *buf, size_t len)
{
	if (!name || !*name)
		snprintf(buf, len, "/sys/fs/cgroup");
	else
		snprintf(buf, len, CG_ROOT "/%s", name);
}

static int knob(const char *name, const char *file, const char *val, char *msg,
		size_t len)
{
	char path[512];
	int ret;

	cg_path(name, path, sizeof(path));
	strncat(path, "/", sizeof(path) - strlen(path) - 1);
	strncat(path, file, sizeof(path) - strlen(path) - 1);
	ret = write_text(path, val);
	if (ret < 0)
		snprintf(msg, len, "cgroup '%s': writing '%s' to %s: %s", name,
			 val, file, strerror(-ret));
	return ret;
}

int cg_setup(char *msg, size_t len)
{
	static const char *const ctrls[] = { "+cpuset", "+cpu", "+memory",
					     "+io", "+pids" };
	char avail[256];

	if (mkdir(CG_ROOT, 0755) < 0 && errno != EEXIST) {
		snprintf(msg, len, "mkdir %s: %s", CG_ROOT, strerror(errno));
		return -errno;
	}
	read_text("/sys/fs/cgroup/cgroup.controllers", avail, sizeof(avail));
	for (size_t i = 0; i < sizeof(ctrls) / sizeof(ctrls[0]); i++) {
		if (!strstr(avail, ctrls[i] + 1))
			continue;
		write_text("/sys/fs/cgroup/cgroup.subtree_control", ctrls[i]);
		write_text(CG_ROOT "/cgroup.subtree_control", ctrls[i]);
	}
	return 0;
}

static void size_str(int64_t v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "max");
	else
		snprintf(buf, len, "%" PRId64, v);
}

int cg_create(const char *name, const struct scn_cgroup_knobs *k,
	      const struct scn_topology *t, char *msg, size_t len)
{
	char path[512], val[128];
	struct scn_cpumask mask;
	int ret;

	cg_path(name, path, sizeof(path));
	if (mkdir(path, 0755) < 0) {
		snprintf(msg, len, "cgroup '%s': mkdir %s: %s", name, path,
			 strerror(errno));
		return -errno;
	}
	if (k->cpus.kind != SCN_CPUS_NONE) {
		if (scn_cpuspec_resolve(&k->cpus, t, &mask, msg, len) < 0)
			return -EINVAL;
		if ((ret = cg_set_cpus(name, &mask, msg, len)))
			return ret;
	}
	if (k->mems[0] && (ret = knob(name, "cpuset.mems", k->mems, msg, len)))
		return ret;
	if (k->weight) {
		snprintf(val, sizeof(val), "%d", k->weight);
		if ((ret = knob(name, "cpu.weight", val, msg, len)))
			return ret;
	}
	if (k->cpu_max[0] && (ret = knob(name, "cpu.max", k->cpu_max, msg, len)))
		return ret;
	if (k->memory_max_set) {
		size_str(k->memory_max, val, sizeof(val));
		if ((ret = knob(name, "memory.max", val, msg, len)))
			return ret;
	}
	if (k->memory_high_set) {
		size_str(k->memory_high, val, sizeof(val));
		if ((ret = knob(name, "memory.high", val, msg, len)))
			return ret;
	}
	if (k->io_weight) {
		snprintf(val, sizeof(val), "default %d", k->io_weight);
		if ((ret = knob(name, "io.weight", val, msg, len)))
			return ret;
	}
	if (k->pids_max_set) {
		size_str(k->pids_max, val, sizeof(val));
		if ((ret = knob(name, "pids.max", val, msg, len)))
			return ret;
	}
	return 0;
}

int cg_set_cpus(const char *name, const struct scn_cpumask *mask, char *msg,
		size_t len)
{
	char list[1024] = "";

	if (mask)
		scn_cpumask_format(mask, list, sizeof(list));
	/* An empty string clears the cpuset; the kernel wants a newline. */
	return knob(name, "cpuset.cpus", mask ? list : "\n", msg, len);
}

int cg_effective_cpus(const char *name, struct scn_cpumask *out)
{
	char path[512], buf[1024];
	int ret;

	cg_path(name, path, sizeof(path));
	strncat(path, "/cpuset.cpus.effective", sizeof(path) - strlen(path) - 1);
	memset(out, 0, sizeof(*out));
	if ((ret = read_text(path, buf, sizeof(buf))))
		return ret;
	return scn_cpumask_parse(buf, out);
}

int cg_freeze(const char *name, bool freeze, char *msg, size_t len)
{
	char path[512], buf[64];
	int ret = knob(name, "cgroup.freeze", freeze ? "1" : "0", msg, len);

	if (ret)
		return ret;
	/* Wait (bounded) until cgroup.events says the state took effect. */
	cg_path(name, path, sizeof(path));
	strncat(path, "/cgroup.events", sizeof(path) - strlen(path) - 1);
	for (int i = 0; i < 200; i++) {
		char want[16];
		if (read_text(path, buf, sizeof(buf)))
			break;
		snprintf(want, sizeof(want), "frozen %d", freeze);
		if (strstr(buf, want))
			return 0;
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	return 0;
}

int cg_move_pid(const char *name, pid_t pid)
{
	char path[512], val[32];

	cg_path(name, path, sizeof(path));
	strncat(path, "/cgroup.procs", sizeof(path) - strlen(path) - 1);
	snprintf(val, sizeof(val), "%d", pid);
	return write_text(path, val);
}

int cg_move_all(const char *from, const char *to, char *msg, size_t len)
{
	char path[512], line[32];
	FILE *f;
	int moved = 0, ret = 0;

	/* A process can fork while we move; loop until the source is empty. */
	for (int pass = 0; pass < 10; pass++) {
		int seen = 0;

		cg_path(from, path, sizeof(path));
		strncat(path, "/cgroup.procs", sizeof(path) - strlen(path) - 1);
		f = fopen(path, "re");
		if (!f) {
			snprintf(msg, len, "cgroup '%s': %s: %s", from, path,
				 strerror(errno));
			return -errno;
		}
		while (fgets(line, sizeof(line), f)) {
			pid_t pid = atoi(line);
			seen++;
			ret = cg_move_pid(to, pid);
			if (ret && ret != -ESRCH) {
				snprintf(msg, len, "moving pid %d from '%s' to '%s': %s",
					 pid, from, to, strerror(-ret));
				fclose(f);
				return ret;
			}
			moved++;
		}
		fclose(f);
		if (!seen)
			break;
	}
	return moved;
}

int cg_remove(const char *name, char *msg, size_t len)
{
	char path[512];

	cg_move_all(name, "", msg, len);
	cg_path(name, path, sizeof(path));
	for (int i = 0; i < 100; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
	}
	snprintf(msg, len, "cgroup '%s': rmdir %s: %s", name, path, strerror(errno));
	return -errno;
}

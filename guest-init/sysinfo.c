// SPDX-License-Identifier: GPL-2.0-only
/* The HELLO facts (see sysinfo.h), read from /proc and /sys. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "guest-init/sysinfo.h"
#include "lib/file.h"
#include "proto/events.h"
#include "scenario/model.h"

int write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		ret = -errno;
	close(fd);
	return ret;
}

const char *sysinfo_scx_state(char *buf, size_t len)
{
	if (read_text("/sys/kernel/sched_ext/state", buf, len) < 0)
		snprintf(buf, len, "absent");
	return buf;
}

/* What HELLO tells of each CPU, read from /sys/devices/system/cpu/cpuN/. */
static const struct {
	const char *file, *key;
} cpu_files[] = {
	{ "topology/thread_siblings_list", HELLO_SMT_SIBLINGS },
	{ "topology/core_id", HELLO_CORE_ID },
	{ "topology/physical_package_id", HELLO_PACKAGE },
	{ "cache/index3/shared_cpu_list", HELLO_LLC_SIBLINGS },
};

static json_t *cpu_topology(const struct scn_cpumask *online)
{
	json_t *arr = json_array();
	char path[256], buf[256];

	for (int cpu = 0; cpu < SCN_MAX_CPUS; cpu++) {
		json_t *c;
		int node = -1;

		if (!scn_cpumask_test(online, cpu))
			continue;
		for (int n = 0; n < SCN_MAX_NODES; n++) {
			snprintf(path, sizeof(path),
				 "/sys/devices/system/cpu/cpu%d/node%d", cpu, n);
			if (access(path, F_OK) == 0) {
				node = n;
				break;
			}
		}
		c = json_pack("{s:i, s:i}", HELLO_CPU, cpu, HELLO_NODE, node);
		for (size_t i = 0; i < sizeof(cpu_files) / sizeof(cpu_files[0]); i++) {
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/%s", cpu,
				 cpu_files[i].file);
			if (!read_text(path, buf, sizeof(buf)))
				json_object_set_new(c, cpu_files[i].key, json_string(buf));
		}
		json_array_append_new(arr, c);
	}
	return arr;
}

json_t *sysinfo_collect(void)
{
	struct utsname u;
	struct scn_cpumask online = { 0 };
	char buf[512];
	json_t *o = json_object();

	uname(&u);
	json_object_set_new(o, HELLO_KERNEL_RELEASE, json_string(u.release));
	json_object_set_new(o, HELLO_KERNEL_VERSION, json_string(u.version));
	if (!read_text("/sys/devices/system/cpu/online", buf, sizeof(buf))) {
		json_object_set_new(o, HELLO_CPUS_ONLINE_LIST, json_string(buf));
		scn_cpumask_parse(buf, &online);
	}
	json_object_set_new(o, HELLO_CPUS_ONLINE, json_integer(scn_cpumask_count(&online)));
	json_object_set_new(o, HELLO_SCHED_EXT_STATE,
			    json_string(sysinfo_scx_state(buf, sizeof(buf))));
	if (!read_text("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)))
		json_object_set_new(o, HELLO_CGROUP_CONTROLLERS, json_string(buf));
	if (!read_text("/sys/devices/system/node/online", buf, sizeof(buf)))
		json_object_set_new(o, HELLO_NODES_ONLINE_LIST, json_string(buf));
	json_object_set_new(o, HELLO_CPUS, cpu_topology(&online));
	return o;
}

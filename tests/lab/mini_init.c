// SPDX-License-Identifier: GPL-2.0-only
/* mini-init: a tiny static PID 1 for the VMM lab. It writes a hello line
 * (CPUs, nodes, CPUs online), and one line per CPU with its node, SMT,
 * package and LLC siblings and APIC ID to /dev/hvc0 (virtio-console), then
 * reboots, so one boot proves
 * ACPI, PCI, MSI-X, virtio, the topology and the reset ("lab.kmsg" on the
 * command line adds the kernel log, "lab.kallsyms" /proc/kallsyms, for
 * vmm-boot --profile). "lab.panic" on the
 * command line makes it panic the kernel instead, "lab.hang" makes it hang. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <termios.h>
#include <unistd.h>

static int count_dir(const char *path, const char *prefix)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, prefix, strlen(prefix)) &&
		    e->d_name[strlen(prefix)] >= '0' && e->d_name[strlen(prefix)] <= '9')
			n++;
	closedir(d);
	return n;
}

/* First line of a sysfs file, "-" if unreadable. */
static const char *read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	if (!f || !fgets(buf, len, f)) {
		if (f)
			fclose(f);
		return "-";
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

static int cpu_node(int cpu)
{
	char path[128];

	for (int n = 0; n < 64; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/node%d", cpu, n);
		if (!access(path, F_OK))
			return n;
	}
	return -1;
}

/* The LLC: the highest cache index present. */
static const char *cpu_llc(int cpu, char *buf, size_t len)
{
	char path[128];

	for (int i = 7; i >= 0; i--) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/cache/index%d/shared_cpu_list", cpu, i);
		if (!access(path, R_OK))
			return read_line(path, buf, len);
	}
	return "-";
}

/* Each CPU's APIC ID as the kernel has it ("apicid" in /proc/cpuinfo, which
 * lists the online CPUs); -1 where it does not say. */
static void read_apic_ids(int *apic, int max)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	int cpu = -1, v;

	for (int i = 0; i < max; i++)
		apic[i] = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "processor : %d", &v) == 1)
			cpu = v;
		else if (sscanf(line, "apicid : %d", &v) == 1 && cpu >= 0 && cpu < max)
			apic[cpu] = v;
	}
	if (f)
		fclose(f);
}

static int write_cpus(int fd, int ncpus)
{
	static int apic[1024];
	char buf[512], smt[128], pkg[128], llc[128], path[128];

	read_apic_ids(apic, 1024);
	for (int c = 0; c < ncpus; c++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
		read_line(path, smt, sizeof(smt));
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/topology/core_siblings_list", c);
		read_line(path, pkg, sizeof(pkg));
		int n = snprintf(buf, sizeof(buf),
				 "KTSTR-CPU cpu=%d node=%d smt=%s pkg=%s llc=%s apic=%d\n", c,
				 cpu_node(c), smt, pkg, cpu_llc(c, llc, sizeof(llc)),
				 c < 1024 ? apic[c] : -1);
		if (write(fd, buf, n) < 0)
			return -1;
	}
	return 0;
}

/* lab.panic / lab.hang: the failure paths the VMM must report. */
static void misbehave(void)
{
	char cmdline[4096];

	read_line("/proc/cmdline", cmdline, sizeof(cmdline));
	if (strstr(cmdline, "lab.panic")) {
		int fd = open("/proc/sysrq-trigger", O_WRONLY);

		if (fd >= 0 && write(fd, "c", 1) < 0)
			close(fd);
	}
	if (strstr(cmdline, "lab.hang"))
		for (;;)
			pause();
}

/* A mark in the kernel log (info level: not on the console), for the
 * profile's timeline: when init ran, and when its first frame left. */
static void mark(const char *what)
{
	char line[64];
	int k = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);

	if (k < 0)
		return;
	if (write(k, line, snprintf(line, sizeof(line), "<6>mini-init: %s\n", what)) < 0) {
		/* a profile mark only: nothing to do */
	}
	close(k);
}

int main(void)
{
	char buf[8192], online[256];
	struct termios t;
	int fd, k, ncpus;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mark("started");
	fd = open("/dev/hvc0", O_WRONLY | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "mini-init: /dev/hvc0: %s\n", strerror(errno));
		reboot(RB_AUTOBOOT);
		return 1;
	}
	if (!tcgetattr(fd, &t)) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	ncpus = count_dir("/sys/devices/system/cpu", "cpu");
	int n = snprintf(buf, sizeof(buf), "KTSTR-HELLO cpus=%d nodes=%d online=%s\n", ncpus,
			 count_dir("/sys/devices/system/node", "node"),
			 read_line("/sys/devices/system/cpu/online", online, sizeof(online)));
	mark("hello");
	if (write(fd, buf, n) < 0 || write_cpus(fd, ncpus))
		return 1;
	misbehave();
	read_line("/proc/cmdline", buf, sizeof(buf));
	const char *dump = strstr(buf, "lab.kallsyms") ? "/proc/kallsyms" : NULL;

	k = strstr(buf, "lab.kmsg") ? open("/dev/kmsg", O_RDONLY | O_NONBLOCK) : -1;
	while (k >= 0 && (n = read(k, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) < 0)
			break;
	k = dump ? open(dump, O_RDONLY) : -1;
	while (k >= 0 && (n = read(k, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) < 0)
			break;
	fsync(fd);
	reboot(RB_AUTOBOOT);
	return 0;
}

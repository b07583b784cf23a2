// SPDX-License-Identifier: GPL-2.0-only
/* lab-init: PID 1 of the level-1 lab guest. Loads irqbypass, kvm and
 * kvm-amd/kvm-intel from /modules with finit_module (compressed .ko.xz/.zst,
 * MODULE_INIT_COMPRESSED_FILE), runs the commands in /lab.argv (one argument
 * a line, a blank line between commands, an optional first line "#LABEL")
 * with the output on the console, printing "lab-init: status N: LABEL" after
 * each, then reboots. A command "@cat FILE" copies FILE to the console,
 * "@write FILE VALUE" writes VALUE to FILE. It holds one idle VM for its
 * whole life (pin_kvm_keys). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MODULE_INIT_COMPRESSED_FILE 4

static int load(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", MODULE_INIT_COMPRESSED_FILE);
	r = r ? -errno : 0;
	close(fd);
	printf("lab-init: %s: %s\n", path, r ? strerror(-r) : "loaded");
	return r;
}

/*
 * Level 1 runs under QEMU's multi-threaded TCG, which now and then lets a
 * vCPU run a stale translation of kernel text that another vCPU patched:
 * "Oops: int3". KVM patches text through static keys that flip on each
 * level-2 VM's life: preempt_notifier_key (a VM exists), apic_sw_disabled
 * (a vCPU whose guest has not enabled its APIC yet) and apic_hw_disabled.
 * One idle VM held open, with a vCPU whose APIC is disabled, keeps all
 * three switched on, so level-2 boots no longer patch level 1's text.
 */
static void pin_kvm_keys(void)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} base = { .h.nmsrs = 1, .e = { .index = 0x1b, .data = 0xfee00000 } };
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm = -1, vcpu = -1;

	if (kvm >= 0)
		vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm >= 0 && !ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	/* APIC base without the enable bit: hardware-disabled. */
	if (vcpu < 0 || ioctl(vcpu, KVM_SET_MSRS, &base) != 1)
		printf("lab-init: no idle VM to pin KVM's static keys: %s\n", strerror(errno));
}

static int cat(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, n) < 0)
			break;
	close(fd);
	printf("\n");
	return 0;
}

/* "@write FILE VALUE": set a level-1 knob (huge page pool). */
static int write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 1;

	if (fd >= 0) {
		r = write(fd, value, strlen(value)) < 0;
		close(fd);
	}
	printf("lab-init: %s = %s: %s\n", path, value, r ? strerror(errno) : "ok");
	return r;
}

static void run(char **argv, const char *label)
{
	int status = 0;
	pid_t pid;

	if (!strcmp(argv[0], "@cat")) {
		printf("lab-init: status %d: %s\n", argv[1] ? cat(argv[1]) : 2, label);
		return;
	}
	if (!strcmp(argv[0], "@write")) {
		printf("lab-init: status %d: %s\n",
		       argv[1] && argv[2] ? write_file(argv[1], argv[2]) : 2, label);
		return;
	}
	pid = fork();

	if (pid == 0) {
		execv(argv[0], argv);
		printf("lab-init: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		printf("lab-init: fork/wait %s: %s\n", argv[0], strerror(errno));
		return;
	}
	if (WIFSIGNALED(status))
		printf("lab-init: status %d: %s\n", 128 + WTERMSIG(status), label);
	else
		printf("lab-init: status %d: %s\n", WEXITSTATUS(status), label);
}

int main(void)
{
	char *argv[64], line[4096], label[4096] = "";
	int n = 0;
	FILE *f;

	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("tmpfs", "/tmp", "tmpfs", 0, NULL);
	mkdir("/dev/shm", 0755);	/* Criterion's shared arena (vmm_run) */
	mount("tmpfs", "/dev/shm", "tmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);
	setenv("PATH", "/usr/bin:/bin", 1);
	setenv("HOME", "/tmp", 1);
	load("/modules/irqbypass.ko.xz");
	load("/modules/kvm.ko.xz");
	if (load("/modules/kvm-amd.ko.xz"))
		load("/modules/kvm-intel.ko.xz");
	pin_kvm_keys();
	f = fopen("/lab.argv", "re");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' && !n) {
			snprintf(label, sizeof(label), "%s", line + 1);
			continue;
		}
		if (line[0] && n < 63) {
			argv[n++] = strdup(line);
			continue;
		}
		argv[n] = NULL;
		if (n)
			run(argv, label[0] ? label : argv[0]);
		n = 0;
		label[0] = 0;
	}
	argv[n] = NULL;
	if (n)
		run(argv, label[0] ? label : argv[0]);
	printf("lab-init: done\n");
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* KVM usability probe (see kvmcheck.h). The paravirtual kvm_pvm module
 * offers /dev/kvm without VMX/SVM and cannot boot an unmodified kernel. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "host/kvmcheck.h"

static bool cpu_has_flag(const char *flag)
{
	char line[8192];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *tok, *save = NULL;
		if (strncmp(line, "flags", 5))
			continue;
		for (tok = strtok_r(strchr(line, ':'), " \t\n:", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (!strcmp(tok, flag))
				found = true;
		break;
	}
	fclose(f);
	return found;
}

bool kvm_can_run_linux(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, len, "/dev/kvm: %s", strerror(errno));
		return false;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm speaks an unknown API version");
		close(fd);
		return false;
	}
	close(fd);
	if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		snprintf(why, len, "KVM here is the paravirtual kvm_pvm, which cannot "
			 "boot an unmodified kernel");
		return false;
	}
	if (!cpu_has_flag("vmx") && !cpu_has_flag("svm")) {
		snprintf(why, len, "the CPU offers neither VMX nor SVM, so /dev/kvm "
			 "cannot run an unmodified kernel");
		return false;
	}
	snprintf(why, len, "/dev/kvm with hardware virtualisation");
	return true;
}

// SPDX-License-Identifier: GPL-2.0-only
/* vmm-boot: boot a kernel with the own KVM VMM outside ktstr-run, for the
 * lab and for measuring: prints the time to the first report byte (the guest
 * init opened /dev/hvc0 and wrote its hello frame) and how the VM ended.
 * usage: vmm-boot KERNEL [INITRD] [--cmdline S] [--topo N,L,C,T] [--mem MiB]
 *                 [--log FILE] [--timeout S] [--bz] [--hugepages] [--prefault] [--echo] [-v]
 *                 [--profile FILE [--profile-us N]]
 * --echo copies the report stream to stdout. --profile samples every vCPU's
 * RIP every N us (default 1000) and writes "VCPU MS RIP H|R" lines to FILE. Exit: 0 the guest reset, 3 it
 * panicked or hung (killed at --timeout), 1 the VMM failed, 2 bad setup. */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host/backend.h"
#include "host/vmm/vmm.h"

static double now_ms(void)
{
	return vmm_now_ns() / 1e6;
}

int main(int argc, char **argv)
{
	struct kernel k = { 0 };
	struct vm_spec s = { .kernel = &k, .topo = { 1, 1, 2, 1 }, .mem_bytes = 512ull << 20,
			     .initrd_fd = -1, .console_log = "vmm-boot.console.log",
			     .accel = "kvm",
			     .cmdline = "console=ttyS0 loglevel=4 8250.nr_uarts=1 reboot=k panic=-1 "
					"rdinit=/init tsc=reliable no_timer_check mitigations=off "
					"i8042.noaux i8042.nomux i8042.nopnp" };
	const char *kernel = NULL, *initrd = NULL;
	int timeout = 60, bz = 0, eof = 0, echo = 0;
	double t0, first = -1;
	uint64_t bytes = 0;
	char msg[4096];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cmdline") && i + 1 < argc)
			s.cmdline = argv[++i];
		else if (!strcmp(argv[i], "--topo") && i + 1 < argc)
			sscanf(argv[++i], "%d,%d,%d,%d", &s.topo.numa, &s.topo.llcs,
			       &s.topo.cores, &s.topo.threads);
		else if (!strcmp(argv[i], "--mem") && i + 1 < argc)
			s.mem_bytes = strtoull(argv[++i], NULL, 0) << 20;
		else if (!strcmp(argv[i], "--log") && i + 1 < argc)
			s.console_log = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bz"))
			bz = 1;
		else if (!strcmp(argv[i], "--hugepages"))
			s.hugepages = 1;
		else if (!strcmp(argv[i], "--prefault"))
			s.prefault = 1;
		else if (!strcmp(argv[i], "--echo"))
			echo = 1;
		else if (!strcmp(argv[i], "--profile") && i + 1 < argc)
			s.profile = argv[++i];
		else if (!strcmp(argv[i], "--profile-us") && i + 1 < argc)
			s.profile_us = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "-v"))
			s.verbose = 1;
		else if (!kernel)
			kernel = argv[i];
		else
			initrd = argv[i];
	}
	if (!kernel) {
		fprintf(stderr, "usage: vmm-boot KERNEL [INITRD] [--cmdline S] [--topo N,L,C,T] "
			"[--mem MiB] [--log FILE] [--timeout S] [--bz] [--hugepages] [--prefault] [--echo] [-v] "
			"[--profile FILE [--profile-us N]]\n");
		return 2;
	}
	snprintf(bz ? k.bzimage : k.vmlinux, sizeof(k.vmlinux), "%s", kernel);
	k.has_pvh = !bz;
	if (initrd) {
		struct stat st;

		s.initrd_fd = open(initrd, O_RDONLY | O_CLOEXEC);
		if (s.initrd_fd < 0 || fstat(s.initrd_fd, &st)) {
			perror(initrd);
			return 2;
		}
		s.initrd_len = st.st_size;
	}
	struct backend *b = backend_kvm_new();
	t0 = now_ms();
	if (b->start(b, &s, msg, sizeof(msg))) {
		fprintf(stderr, "vmm-boot: %s\n", msg);
		b->destroy(b);
		return 2;
	}
	for (;;) {
		struct pollfd p[2] = { { eof ? -1 : b->report_fd, POLLIN, 0 },
				       { b->exit_fd, POLLIN, 0 } };
		char buf[65536];

		if (poll(p, 2, 1000) == 0 && now_ms() - t0 > timeout * 1000.0) {
			b->kill(b);
			break;
		}
		if (p[0].revents) {
			ssize_t n = read(b->report_fd, buf, sizeof(buf));

			if (n > 0 && first < 0)
				first = now_ms() - t0;
			if (n > 0 && echo && write(STDOUT_FILENO, buf, n) < 0)
				echo = 0;
			if (n > 0)
				bytes += n;
			else
				eof = 1;
		}
		if (p[1].revents)
			break;
	}
	enum vm_end end = b->reap(b, msg, sizeof(msg));
	printf("first_report_ms=%.1f report_bytes=%llu total_ms=%.1f end=%d\n%s\n", first,
	       (unsigned long long)bytes, now_ms() - t0, end, msg);
	b->destroy(b);
	if (end == VM_END_RESET)
		return 0;
	return end == VM_END_PANIC || end == VM_END_KILLED ? 3 : 1;
}

// SPDX-License-Identifier: GPL-2.0-only
/* What both kernel entries share: the e820 map, initrd and command line
 * placement, and the BSP register state for PVH (32-bit protected mode) and
 * the 64-bit boot protocol (long mode with an identity map). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/arch/x86/boot.h"
#include "host/arch/x86/layout.h"

/* The kernel image, mapped read-only: the loaders copy its segments straight
 * from the page cache into guest RAM (a read() into a malloc'd buffer first
 * doubled the copying and faulted in 60 MB of fresh memory per boot). */
uint8_t *x86_map_file(const char *path, size_t *size, char *msg, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	void *p = NULL;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!st.st_size) {
		snprintf(msg, len, "%s: empty file", path);
		goto out;
	}
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(msg, len, "%s: mmap: %s", path, strerror(errno));
		p = NULL;
		goto out;
	}
	madvise(p, st.st_size, MADV_SEQUENTIAL);
	*size = st.st_size;
out:
	if (fd >= 0)
		close(fd);
	return p;
}

struct copy_job {
	uint8_t *dst;
	const uint8_t *src;
	size_t n;
};

static void *copy_job_run(void *arg)
{
	struct copy_job *j = arg;

	memcpy(j->dst, j->src, j->n);
	return NULL;
}

/* Most of the time of copying a kernel into guest RAM is the host faulting
 * in and zeroing the fresh pages, not the copy, and that runs in parallel:
 * copies of 16 MiB and more are split into 2 MiB-aligned pieces (one huge
 * page is never shared) across up to 4 threads, one of them the caller. */
void x86_copy_to_guest(uint8_t *dst, const uint8_t *src, size_t n)
{
	enum { MAX_JOBS = 4 };
	const size_t huge = 2u << 20, min_piece = 8u << 20;
	struct copy_job job[MAX_JOBS];
	pthread_t tid[MAX_JOBS];
	bool started[MAX_JOBS] = { false };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t jobs = n / min_piece, piece, off = 0;

	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	if (cpus > 0 && jobs > (size_t)cpus)
		jobs = cpus;
	if (jobs < 2) {
		memcpy(dst, src, n);
		return;
	}
	piece = (n / jobs + huge - 1) & ~(huge - 1);
	for (size_t i = 0; i < jobs; i++) {
		size_t len = i == jobs - 1 || off + piece > n ? n - off : piece;

		job[i] = (struct copy_job){ dst + off, src + off, len };
		off += len;
	}
	for (size_t i = 1; i < jobs; i++)
		started[i] = !pthread_create(&tid[i], NULL, copy_job_run, &job[i]);
	copy_job_run(&job[0]);
	for (size_t i = 1; i < jobs; i++) {
		if (started[i])
			pthread_join(tid[i], NULL);
		else
			copy_job_run(&job[i]);
	}
}

void x86_unmap_file(uint8_t *p, size_t size)
{
	if (p)
		munmap(p, size);
}

int x86_e820_build(const struct x86_boot_args *a, struct x86_e820 *out, int max)
{
	int n = 0;

	if (max < 5)
		return -1;
	out[n++] = (struct x86_e820){ 0, X86_EBDA_START, 1 };
	out[n++] = (struct x86_e820){ X86_EBDA_START, X86_HIMEM - X86_EBDA_START, 2 };
	out[n++] = (struct x86_e820){ X86_HIMEM, a->ram_lo_end - X86_HIMEM, 1 };
	/* The PCI config window (MCFG): reserved, so nothing else lands there. */
	out[n++] = (struct x86_e820){ X86_PCI_ECAM, X86_PCI_ECAM_SIZE, 2 };
	if (a->ram_hi_size)
		out[n++] = (struct x86_e820){ X86_4G, a->ram_hi_size, 1 };
	return n;
}

int x86_load_initrd(const struct guestmem *gm, const struct x86_boot_args *a,
		    uint64_t min_addr, uint64_t max_addr, uint64_t *gpa,
		    char *msg, size_t len)
{
	uint64_t top = a->ram_lo_end < max_addr ? a->ram_lo_end : max_addr, at;
	uint8_t *p;
	size_t got = 0;

	*gpa = 0;
	if (a->initrd_fd < 0 || !a->initrd_len)
		return 0;
	at = (top - a->initrd_len) & ~4095ull;
	if (a->initrd_len > top || at < min_addr) {
		snprintf(msg, len, "the initramfs (%zu MiB) does not fit in guest RAM "
			 "above the kernel; give the scenario more memory",
			 a->initrd_len >> 20);
		return -1;
	}
	p = gm_ptr(gm, at, a->initrd_len);
	if (!p) {
		snprintf(msg, len, "initramfs at 0x%llx is outside guest RAM",
			 (unsigned long long)at);
		return -1;
	}
	while (got < a->initrd_len) {
		ssize_t n = pread(a->initrd_fd, p + got, a->initrd_len - got, got);

		if (n <= 0) {
			snprintf(msg, len, "reading the initramfs: %s",
				 n ? strerror(errno) : "short read");
			return -1;
		}
		got += n;
	}
	*gpa = at;
	return 0;
}

int x86_load_cmdline(const struct guestmem *gm, const char *cmdline, size_t max,
		     char *msg, size_t len)
{
	size_t n = strlen(cmdline) + 1;

	if (n > max || n > X86_CMDLINE_MAX) {
		snprintf(msg, len, "kernel command line is %zu bytes; this kernel takes "
			 "at most %zu", n - 1, (max < X86_CMDLINE_MAX ? max : X86_CMDLINE_MAX) - 1);
		return -1;
	}
	return gm_write(gm, X86_CMDLINE, cmdline, n) ? -1 : 0;
}

/* GDT descriptor from (flags, base, limit), the FC/ktstr gdt_entry form. */
static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000) << 32) | ((uint64_t)(flags & 0xf0ff) << 40) |
	       ((uint64_t)(limit & 0xf0000) << 32) | ((uint64_t)(base & 0xffffff) << 16) |
	       (limit & 0xffff);
}

static struct kvm_segment seg_from(uint64_t d, uint16_t sel)
{
	struct kvm_segment s = {
		.base = (d >> 16 & 0xffffff) | (d >> 32 & 0xff000000),
		.limit = (d & 0xffff) | (d >> 32 & 0xf0000),
		.selector = sel,
		.type = d >> 40 & 0xf,
		.present = d >> 47 & 1,
		.dpl = d >> 45 & 3,
		.db = d >> 54 & 1,
		.s = d >> 44 & 1,
		.l = d >> 53 & 1,
		.g = d >> 55 & 1,
	};

	if (s.g)
		s.limit = s.limit << 12 | 0xfff;
	return s;
}

/* GDT: 0 null, 1 null, 2 code (0x10), 3 data (0x18), 4 TSS (0x20):
 * the 64-bit protocol's __BOOT_CS/__BOOT_DS, also fine for PVH. */
static int write_gdt(const struct guestmem *gm, struct kvm_sregs *s, bool long_mode)
{
	uint64_t gdt[5] = {
		0, 0,
		gdt_entry(long_mode ? 0xa09b : 0xc09b, 0, 0xfffff),
		gdt_entry(0xc093, 0, 0xfffff),
		gdt_entry(0x808b, 0, 0xfffff),
	};
	uint64_t idt = 0;

	if (gm_write(gm, X86_BOOT_GDT, gdt, sizeof(gdt)) ||
	    gm_write(gm, X86_BOOT_IDT, &idt, sizeof(idt)))
		return -1;
	s->gdt.base = X86_BOOT_GDT;
	s->gdt.limit = sizeof(gdt) - 1;
	s->idt.base = X86_BOOT_IDT;
	s->idt.limit = sizeof(idt) - 1;
	s->cs = seg_from(gdt[2], 0x10);
	s->ds = s->es = s->fs = s->gs = s->ss = seg_from(gdt[3], 0x18);
	s->tr = seg_from(gdt[4], 0x20);
	s->tr.s = 0;
	s->tr.type = 0xb;
	s->tr.limit = 0x67;
	s->tr.g = 0;
	return 0;
}

/* Identity map of the first 1 GiB with 2 MiB pages (FC setup_page_tables). */
static int write_page_tables(const struct guestmem *gm)
{
	uint64_t pml4 = X86_PDPT | 3, pdpt = X86_PD | 3, pd[512];

	for (int i = 0; i < 512; i++)
		pd[i] = (uint64_t)i << 21 | 0x83;
	if (gm_write(gm, X86_PML4, &pml4, 8) || gm_write(gm, X86_PDPT, &pdpt, 8) ||
	    gm_write(gm, X86_PD, pd, sizeof(pd)))
		return -1;
	return 0;
}

int x86_boot_set_bsp(const struct guestmem *gm, int vcpu_fd, const struct x86_entry *e,
		     char *msg, size_t len)
{
	bool lm = e->mode == X86_ENTRY_LINUX64;
	struct kvm_sregs s;
	struct kvm_regs r = { .rflags = 2, .rip = e->rip, .rsi = e->rsi, .rbx = e->rbx };
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &s)) {
		snprintf(msg, len, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	if (write_gdt(gm, &s, lm) || (lm && write_page_tables(gm))) {
		snprintf(msg, len, "boot GDT/page tables do not fit in guest RAM");
		return -1;
	}
	if (lm) {
		s.cr3 = X86_PML4;
		s.cr4 = 0x20;			/* PAE */
		s.cr0 = 0x80000011;		/* PG | ET | PE */
		s.efer = 0x500;			/* LME | LMA */
		r.rsp = r.rbp = X86_BOOT_STACK;
	} else {
		s.cr0 = 0x11;			/* ET | PE */
		s.cr4 = 0;
		s.efer = 0;
	}
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &s)) {
		snprintf(msg, len, "KVM_SET_SREGS: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vcpu_fd, KVM_SET_REGS, &r)) {
		snprintf(msg, len, "KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vcpu_fd, KVM_SET_FPU, &fpu)) {
		snprintf(msg, len, "KVM_SET_FPU: %s", strerror(errno));
		return -1;
	}
	return 0;
}

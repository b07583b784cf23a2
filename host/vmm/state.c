// SPDX-License-Identifier: GPL-2.0-only
/* A paused VM's state as snapshot sections, and back (see vmm.h): per vCPU
 * REGS, SREG, XSAV (or FPU), XCRS, MSRS, LAPI, MPST, EVTS, DBGR; for the VM
 * VMSH (its shape), VCID (the vCPU ids), CLCK (kvmclock), IRQC 0-2 (KVM's
 * PICs and IOAPIC) and PIT2; and the RAM pages that hold data. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "host/vmm/vmm.h"
#include "lib/err.h"

_Static_assert(sizeof(struct kvm_regs) == 144, "kvm_regs");
_Static_assert(sizeof(struct kvm_sregs) == 312, "kvm_sregs");
_Static_assert(sizeof(struct kvm_fpu) == 416, "kvm_fpu");
_Static_assert(sizeof(struct kvm_xsave) == 4096, "kvm_xsave");
_Static_assert(sizeof(struct kvm_xcrs) == 392, "kvm_xcrs");
_Static_assert(sizeof(struct kvm_lapic_state) == 1024, "kvm_lapic_state");
_Static_assert(sizeof(struct kvm_vcpu_events) == 64, "kvm_vcpu_events");
_Static_assert(sizeof(struct kvm_mp_state) == 4, "kvm_mp_state");
_Static_assert(sizeof(struct kvm_debugregs) == 128, "kvm_debugregs");
_Static_assert(sizeof(struct kvm_clock_data) == 48, "kvm_clock_data");
_Static_assert(sizeof(struct kvm_irqchip) == 520, "kvm_irqchip");
_Static_assert(sizeof(struct kvm_pit_state2) == 112, "kvm_pit_state2");
_Static_assert(sizeof(struct kvm_msr_entry) == 16, "kvm_msr_entry");

#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MAX_MSRS		4096
#define EXTENT_GAP		16	/* zero pages an extent may span */

/* The VM's shape: a snapshot loads only into the same. */
struct vmm_shape {
	uint32_t nvcpus;
	uint32_t irqchip;	/* 0, 1 */
	uint32_t split_irqchip;	/* userspace IOAPIC pins, or 0 */
	uint32_t xsave_size;	/* XSAV's size; 0: FPU */
};

/* ioctl on a vCPU, named in the message on failure. */
#define VCPU_IOCTL(v, req, arg, msg, len) \
	(ioctl((v)->fd, req, arg) ? errf(msg, len, "vCPU %d: " #req ": %s", (v)->index, \
					 strerror(errno)) : 0)
#define VM_IOCTL(vm, req, arg, msg, len) \
	(ioctl((vm)->vm_fd, req, arg) ? errf(msg, len, #req ": %s", strerror(errno)) : 0)

/* The XSAVE area KVM hands out: KVM_CAP_XSAVE2's size (above 4096 with
 * AMX), 4096, or 0 without XSAVE (then KVM_GET_FPU). */
static uint32_t xsave_size(struct vmm *vm)
{
	int n = ioctl(vm->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);

	if (n > (int)sizeof(struct kvm_xsave))
		return n;
	return ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0 ?
	       sizeof(struct kvm_xsave) : 0;
}

static struct vmm_shape shape_of(struct vmm *vm)
{
	return (struct vmm_shape){
		.nvcpus = vm->nvcpus, .irqchip = vm->cfg.irqchip,
		.split_irqchip = vm->cfg.split_irqchip, .xsave_size = xsave_size(vm),
	};
}

/* Every MSR KVM saves and restores (KVM_GET_MSR_INDEX_LIST). */
static struct kvm_msr_list *msr_list(struct vmm *vm, char *msg, size_t len)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;

	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, &probe) && errno != E2BIG) {
		errf(msg, len, "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
		return NULL;
	}
	if (probe.nmsrs > MAX_MSRS) {
		errf(msg, len, "KVM lists %u MSRs, more than %d", probe.nmsrs, MAX_MSRS);
		return NULL;
	}
	l = calloc(1, sizeof(*l) + probe.nmsrs * sizeof(l->indices[0]));
	if (!l) {
		errf(msg, len, "out of memory");
		return NULL;
	}
	l->nmsrs = probe.nmsrs;
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, l)) {
		errf(msg, len, "KVM_GET_MSR_INDEX_LIST: %s", strerror(errno));
		free(l);
		return NULL;
	}
	return l;
}

/* The MSRs of l that this vCPU reads: KVM_GET_MSRS stops at the first one
 * it refuses; that one is left out and the rest read on. */
static int save_msrs(struct vcpu *v, const struct kvm_msr_list *l, struct vsnap_writer *w,
		     char *msg, size_t len)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + l->nmsrs * sizeof(m->entries[0]));
	struct kvm_msr_entry *out = calloc(l->nmsrs + 1, sizeof(*out));
	uint32_t n = 0, at = 0;
	int ret = -1;

	if (!m || !out) {
		errf(msg, len, "out of memory");
		goto done;
	}
	while (at < l->nmsrs) {
		int r;

		m->nmsrs = l->nmsrs - at;
		for (uint32_t i = 0; i < m->nmsrs; i++)
			m->entries[i] = (struct kvm_msr_entry){ .index = l->indices[at + i] };
		r = ioctl(v->fd, KVM_GET_MSRS, m);
		if (r < 0) {
			errf(msg, len, "vCPU %d: KVM_GET_MSRS: %s", v->index, strerror(errno));
			goto done;
		}
		memcpy(out + n, m->entries, r * sizeof(*out));
		n += r;
		at += r + 1;	/* past the one refused, if any */
	}
	vsnap_put(w, "MSRS", v->index, out, (uint64_t)n * sizeof(*out));
	ret = 0;
done:
	free(m);
	free(out);
	return ret;
}

/* A vCPU's state as a snapshot holds it, but for the XSAVE area (its size
 * is the host's) and the MSRs (a list). */
struct vcpu_state {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events ev;
	struct kvm_debugregs dbg;
};

static int save_vcpu(struct vmm *vm, struct vcpu *v, const struct kvm_msr_list *ml,
		     uint32_t xs, struct vsnap_writer *w, char *msg, size_t len)
{
	struct vcpu_state st;
	uint32_t id = v->index;

	if (VCPU_IOCTL(v, KVM_GET_REGS, &st.regs, msg, len) ||
	    VCPU_IOCTL(v, KVM_GET_SREGS, &st.sregs, msg, len))
		return -1;
	vsnap_put(w, "REGS", id, &st.regs, sizeof(st.regs));
	vsnap_put(w, "SREG", id, &st.sregs, sizeof(st.sregs));
	if (xs) {
		void *x = calloc(1, xs);

		if (!x)
			return errf(msg, len, "out of memory");
		if (VCPU_IOCTL(v, xs > sizeof(struct kvm_xsave) ? KVM_GET_XSAVE2 : KVM_GET_XSAVE,
			       x, msg, len)) {
			free(x);
			return -1;
		}
		vsnap_put(w, "XSAV", id, x, xs);
		free(x);
	} else {
		if (VCPU_IOCTL(v, KVM_GET_FPU, &st.fpu, msg, len))
			return -1;
		vsnap_put(w, "FPU ", id, &st.fpu, sizeof(st.fpu));
	}
	if (vm->has_xcrs) {
		if (VCPU_IOCTL(v, KVM_GET_XCRS, &st.xcrs, msg, len))
			return -1;
		vsnap_put(w, "XCRS", id, &st.xcrs, sizeof(st.xcrs));
	}
	if (save_msrs(v, ml, w, msg, len))
		return -1;
	if (vm->cfg.irqchip) {
		if (VCPU_IOCTL(v, KVM_GET_LAPIC, &st.lapic, msg, len) ||
		    VCPU_IOCTL(v, KVM_GET_MP_STATE, &st.mp, msg, len))
			return -1;
		vsnap_put(w, "LAPI", id, &st.lapic, sizeof(st.lapic));
		vsnap_put(w, "MPST", id, &st.mp, sizeof(st.mp));
	}
	if (VCPU_IOCTL(v, KVM_GET_VCPU_EVENTS, &st.ev, msg, len) ||
	    VCPU_IOCTL(v, KVM_GET_DEBUGREGS, &st.dbg, msg, len))
		return -1;
	vsnap_put(w, "EVTS", id, &st.ev, sizeof(st.ev));
	vsnap_put(w, "DBGR", id, &st.dbg, sizeof(st.dbg));
	return 0;
}

int vmm_save(struct vmm *vm, struct vsnap_writer *w, char *msg, size_t len)
{
	struct vmm_shape sh = shape_of(vm);
	struct kvm_clock_data clock = { 0 };
	struct kvm_msr_list *ml;
	uint32_t *ids = calloc(vm->nvcpus + 1, sizeof(*ids));
	int ret = -1;

	if (!ids)
		return errf(msg, len, "out of memory");
	if (VM_IOCTL(vm, KVM_GET_CLOCK, &clock, msg, len))
		goto out;
	vsnap_put(w, "VMSH", 0, &sh, sizeof(sh));
	for (int i = 0; i < vm->nvcpus; i++)
		ids[i] = vm->vcpus[i].apic_id;
	vsnap_put(w, "VCID", 0, ids, (uint64_t)vm->nvcpus * sizeof(*ids));
	vsnap_put(w, "CLCK", 0, &clock, sizeof(clock));
	vm->saved_clock = clock;
	vm->clock_saved = true;
	if (vm->cfg.irqchip && !vm->cfg.split_irqchip) {
		struct kvm_pit_state2 pit;

		for (uint32_t chip = 0; chip < 3; chip++) {
			struct kvm_irqchip c = { .chip_id = chip };

			if (VM_IOCTL(vm, KVM_GET_IRQCHIP, &c, msg, len))
				goto out;
			vsnap_put(w, "IRQC", chip, &c, sizeof(c));
		}
		if (VM_IOCTL(vm, KVM_GET_PIT2, &pit, msg, len))
			goto out;
		vsnap_put(w, "PIT2", 0, &pit, sizeof(pit));
	}
	ml = msr_list(vm, msg, len);
	if (!ml)
		goto out;
	ret = 0;
	for (int i = 0; i < vm->nvcpus && !ret; i++)
		ret = save_vcpu(vm, &vm->vcpus[i], ml, sh.xsave_size, w, msg, len);
	free(ml);
out:
	free(ids);
	return ret;
}

/* KVM_SET_MSRS with the entries of m, past any it refuses (logged): an MSR
 * this KVM no longer takes should not cost the restore. */
static int set_msrs(struct vcpu *v, const struct kvm_msr_entry *e, uint32_t n,
		    char *msg, size_t len)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + (n + 1) * sizeof(m->entries[0]));
	uint32_t at = 0;

	if (!m)
		return errf(msg, len, "out of memory");
	while (at < n) {
		int r;

		m->nmsrs = n - at;
		memcpy(m->entries, e + at, m->nmsrs * sizeof(*e));
		r = ioctl(v->fd, KVM_SET_MSRS, m);
		if (r < 0) {
			free(m);
			return errf(msg, len, "vCPU %d: KVM_SET_MSRS: %s", v->index,
				    strerror(errno));
		}
		if ((uint32_t)r < m->nmsrs)
			vmm_log(v->vm, "[vmm] restore: vCPU %d: KVM refused MSR 0x%x = 0x%llx\n",
				v->index, e[at + r].index, (unsigned long long)e[at + r].data);
		at += r + 1;
	}
	free(m);
	return 0;
}

static int load_msrs(struct vcpu *v, const struct vsnap_reader *r, bool deadline,
		     char *msg, size_t len)
{
	uint64_t size;
	const struct kvm_msr_entry *src = vsnap_find(r, "MSRS", v->index, &size);
	struct kvm_msr_entry *e;
	uint32_t n = 0;
	int ret;

	if (!src)
		return errf(msg, len, "snapshot has no section MSRS %d", v->index);
	if (size % sizeof(*src) || size / sizeof(*src) > MAX_MSRS)
		return errf(msg, len, "snapshot section MSRS %d: %llu bytes, not a whole number "
			    "of at most %d MSRs", v->index, (unsigned long long)size, MAX_MSRS);
	e = calloc(size / sizeof(*src) + 1, sizeof(*e));
	if (!e)
		return errf(msg, len, "out of memory");
	/* The TSC deadline goes after the LAPIC, whose restore clears it. */
	for (uint64_t i = 0; i < size / sizeof(*src); i++)
		if ((src[i].index == MSR_IA32_TSC_DEADLINE) == deadline)
			e[n++] = src[i];
	ret = set_msrs(v, e, n, msg, len);
	free(e);
	return ret;
}

static int load_vcpu(struct vmm *vm, struct vcpu *v, const struct vsnap_reader *r,
		     uint32_t xs, char *msg, size_t len)
{
	struct vcpu_state st;
	uint32_t id = v->index;

	/* QEMU's order (kvm_arch_put_registers): registers, XSAVE, XCRs, SREGS
	 * (APIC base mode before the LAPIC), MSRs, MP state, LAPIC, the TSC
	 * deadline, events, debug registers. */
	if (vsnap_get(r, "REGS", id, &st.regs, sizeof(st.regs), msg, len) ||
	    VCPU_IOCTL(v, KVM_SET_REGS, &st.regs, msg, len))
		return -1;
	if (xs) {
		void *x = calloc(1, xs);
		int err = !x ? errf(msg, len, "out of memory") :
			  vsnap_get(r, "XSAV", id, x, xs, msg, len) ?:
			  VCPU_IOCTL(v, KVM_SET_XSAVE, x, msg, len);

		free(x);
		if (err)
			return -1;
	} else if (vsnap_get(r, "FPU ", id, &st.fpu, sizeof(st.fpu), msg, len) ||
		   VCPU_IOCTL(v, KVM_SET_FPU, &st.fpu, msg, len)) {
		return -1;
	}
	if (vm->has_xcrs) {
		if (vsnap_get(r, "XCRS", id, &st.xcrs, sizeof(st.xcrs), msg, len))
			return -1;
		if (st.xcrs.nr_xcrs > KVM_MAX_XCRS)
			return errf(msg, len, "snapshot section XCRS %u: %u XCRs, at most %d", id,
				    st.xcrs.nr_xcrs, KVM_MAX_XCRS);
		if (VCPU_IOCTL(v, KVM_SET_XCRS, &st.xcrs, msg, len))
			return -1;
	}
	if (vsnap_get(r, "SREG", id, &st.sregs, sizeof(st.sregs), msg, len) ||
	    VCPU_IOCTL(v, KVM_SET_SREGS, &st.sregs, msg, len) ||
	    load_msrs(v, r, false, msg, len))
		return -1;
	if (vm->cfg.irqchip &&
	    (vsnap_get(r, "MPST", id, &st.mp, sizeof(st.mp), msg, len) ||
	     VCPU_IOCTL(v, KVM_SET_MP_STATE, &st.mp, msg, len) ||
	     vsnap_get(r, "LAPI", id, &st.lapic, sizeof(st.lapic), msg, len) ||
	     VCPU_IOCTL(v, KVM_SET_LAPIC, &st.lapic, msg, len) ||
	     load_msrs(v, r, true, msg, len)))
		return -1;
	return vsnap_get(r, "EVTS", id, &st.ev, sizeof(st.ev), msg, len) ?:
	       VCPU_IOCTL(v, KVM_SET_VCPU_EVENTS, &st.ev, msg, len) ?:
	       vsnap_get(r, "DBGR", id, &st.dbg, sizeof(st.dbg), msg, len) ?:
	       VCPU_IOCTL(v, KVM_SET_DEBUGREGS, &st.dbg, msg, len);
}

static int check_shape(struct vmm *vm, const struct vsnap_reader *r, char *msg, size_t len)
{
	struct vmm_shape sh, want = shape_of(vm);
	uint64_t size;
	const uint32_t *ids;

	if (vsnap_get(r, "VMSH", 0, &sh, sizeof(sh), msg, len))
		return -1;
	if (sh.nvcpus != want.nvcpus || sh.irqchip != want.irqchip ||
	    sh.split_irqchip != want.split_irqchip)
		return errf(msg, len, "snapshot of a VM with %u vCPUs, irqchip %u, split %u; this "
			    "one has %u, %u, %u", sh.nvcpus, sh.irqchip, sh.split_irqchip,
			    want.nvcpus, want.irqchip, want.split_irqchip);
	if (sh.xsave_size != want.xsave_size)
		return errf(msg, len, "snapshot's XSAVE areas are %u bytes, this host's KVM "
			    "uses %u (another CPU?)", sh.xsave_size, want.xsave_size);
	ids = vsnap_find(r, "VCID", 0, &size);
	if (!ids || size != (uint64_t)vm->nvcpus * sizeof(*ids))
		return errf(msg, len, "snapshot's vCPU id list is missing or of another length");
	for (int i = 0; i < vm->nvcpus; i++)
		if (ids[i] != vm->vcpus[i].apic_id)
			return errf(msg, len, "snapshot's vCPU %d has APIC ID %u, this one %u", i,
				    ids[i], vm->vcpus[i].apic_id);
	return 0;
}

int vmm_load(struct vmm *vm, const struct vsnap_reader *r, char *msg, size_t len)
{
	struct kvm_clock_data clock;

	if (check_shape(vm, r, msg, len))
		return -1;
	if (vm->cfg.irqchip && !vm->cfg.split_irqchip) {
		struct kvm_pit_state2 pit;

		for (uint32_t chip = 0; chip < 3; chip++) {
			struct kvm_irqchip c;

			if (vsnap_get(r, "IRQC", chip, &c, sizeof(c), msg, len))
				return -1;
			if (c.chip_id != chip)
				return errf(msg, len, "snapshot section IRQC %u holds chip %u", chip,
					    c.chip_id);
			if (VM_IOCTL(vm, KVM_SET_IRQCHIP, &c, msg, len))
				return -1;
		}
		if (vsnap_get(r, "PIT2", 0, &pit, sizeof(pit), msg, len) ||
		    VM_IOCTL(vm, KVM_SET_PIT2, &pit, msg, len))
			return -1;
	}
	for (int i = 0; i < vm->nvcpus; i++)
		if (load_vcpu(vm, &vm->vcpus[i], r, xsave_size(vm), msg, len))
			return -1;
	/* kvmclock goes on from where it was saved: the guest sees no time
	 * pass while it was stored. */
	if (vsnap_get(r, "CLCK", 0, &clock, sizeof(clock), msg, len))
		return -1;
	clock = (struct kvm_clock_data){ .clock = clock.clock };
	return VM_IOCTL(vm, KVM_SET_CLOCK, &clock, msg, len);
}

int vmm_clock_rewind(struct vmm *vm, char *msg, size_t len)
{
	struct kvm_clock_data c = { .clock = vm->saved_clock.clock };

	if (!vm->clock_saved)
		return 0;
	vm->clock_saved = false;
	return VM_IOCTL(vm, KVM_SET_CLOCK, &c, msg, len);
}

static bool page_zero(const uint8_t *p)
{
	static const uint8_t zero[VSNAP_PAGE];

	return !memcmp(p, zero, VSNAP_PAGE);
}

/* Which pages of region r hold data: bit i of map for page i. Pages that
 * were never touched (/proc/self/pagemap: neither present nor swapped) are
 * not read at all; pagemap is not used for RAM mapped from a file (a page
 * the guest did not touch there is the file's, not zero). */
static void data_pages(const struct gm_region *r, bool anon, uint64_t *map)
{
	uint64_t pages = r->size / VSNAP_PAGE, first = (uintptr_t)r->hva / VSNAP_PAGE;
	int fd = anon ? open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC) : -1;
	static uint64_t pm[4096];

	for (uint64_t at = 0; at < pages; at += 4096) {
		uint64_t n = pages - at < 4096 ? pages - at : 4096;
		bool have = fd >= 0 && pread(fd, pm, n * 8, (off_t)((first + at) * 8)) ==
						(ssize_t)(n * 8);

		for (uint64_t i = 0; i < n; i++) {
			uint64_t pg = at + i;

			if (have && !(pm[i] >> 62))	/* bits 63 present, 62 swapped */
				continue;
			if (!page_zero(r->hva + pg * VSNAP_PAGE))
				map[pg / 64] |= 1ull << (pg % 64);
		}
	}
	if (fd >= 0)
		close(fd);
}

/* Runs of data pages, joined across gaps of up to gap zero pages. */
static uint32_t extents(const uint64_t *map, uint64_t pages, uint32_t region, uint64_t gap,
			struct vmm_ram_extent *out, uint32_t max)
{
	uint32_t n = 0;

	for (uint64_t pg = 0; pg < pages; pg++) {
		if (!(map[pg / 64] >> (pg % 64) & 1))
			continue;
		if (n && out[n - 1].region == region &&
		    pg - (out[n - 1].page + out[n - 1].npages) <= gap) {
			out[n - 1].npages = pg + 1 - out[n - 1].page;
			continue;
		}
		if (n == max)
			return max + 1;
		out[n++] = (struct vmm_ram_extent){ .region = region, .page = pg, .npages = 1 };
	}
	return n;
}

int vmm_write_snapshot(struct vmm *vm, struct vsnap_writer *w, const char *path,
		       char *msg, size_t len)
{
	struct vmm_ram_extent *ext = calloc(VSNAP_MAX_EXTENTS, sizeof(*ext));
	uint64_t *map[VMM_MAX_RAM] = { 0 };
	uint8_t *hva[VMM_MAX_RAM];
	uint64_t gap = EXTENT_GAP;
	uint32_t n = 0;
	int ret = -1;

	if (!ext)
		return errf(msg, len, "out of memory");
	for (int i = 0; i < vm->n_ram; i++) {
		map[i] = calloc(vm->ram[i].size / VSNAP_PAGE / 64 + 1, sizeof(uint64_t));
		if (!map[i]) {
			errf(msg, len, "out of memory");
			goto out;
		}
		data_pages(&vm->ram[i], !vm->ram_file, map[i]);
		hva[i] = vm->ram[i].hva;
	}
	/* Fewer, longer extents (more zero pages stored) until they fit. */
	for (;; gap *= 4) {
		n = 0;
		for (int i = 0; i < vm->n_ram && n <= VSNAP_MAX_EXTENTS; i++)
			n += extents(map[i], vm->ram[i].size / VSNAP_PAGE, i, gap, ext + n,
				     VSNAP_MAX_EXTENTS - n);
		if (n <= VSNAP_MAX_EXTENTS)
			break;
	}
	ret = vsnap_write_file(w, path, hva, ext, n, msg, len);
out:
	for (int i = 0; i < vm->n_ram; i++)
		free(map[i]);
	free(ext);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/* The KVM VM: /dev/kvm checks, VM creation, guest RAM slots, the in-kernel
 * irqchip and PIT, and interrupt injection (see vmm.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "host/vmm/vmm.h"

static const struct { int cap; const char *name; } required_caps[] = {
	{ KVM_CAP_USER_MEMORY, "USER_MEMORY" },
	{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	{ KVM_CAP_EXT_CPUID, "EXT_CPUID" },
	{ KVM_CAP_IMMEDIATE_EXIT, "IMMEDIATE_EXIT" },
};

static const struct { int cap; const char *name; } irqchip_caps[] = {
	{ KVM_CAP_IRQCHIP, "IRQCHIP" },
	{ KVM_CAP_PIT2, "PIT2" },
	{ KVM_CAP_SIGNAL_MSI, "SIGNAL_MSI" },
};

static const struct { int cap; const char *name; } split_irqchip_caps[] = {
	{ KVM_CAP_SPLIT_IRQCHIP, "SPLIT_IRQCHIP" },
	{ KVM_CAP_SIGNAL_MSI, "SIGNAL_MSI" },
	{ KVM_CAP_X2APIC_API, "X2APIC_API" },
};

/* What the split irqchip turns on: APIC IDs (LAPIC state, MSI and route
 * destinations) of 32 bits, and 0xff a plain x2APIC ID, not a broadcast. */
#define X2APIC_API_FLAGS (KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)

uint64_t vmm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int check_caps(struct vmm *vm, char *msg, size_t len)
{
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, required_caps[i].cap) <= 0) {
			snprintf(msg, len, "/dev/kvm lacks KVM_CAP_%s", required_caps[i].name);
			return -1;
		}
	}
	vm->has_xcrs = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0;
	if (!vm->cfg.irqchip)
		return 0;
	if (vm->cfg.split_irqchip) {
		size_t ncaps = sizeof(split_irqchip_caps) / sizeof(split_irqchip_caps[0]);

		for (size_t i = 0; i < ncaps; i++) {
			long cap = split_irqchip_caps[i].cap;

			if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, cap) <= 0) {
				snprintf(msg, len, "/dev/kvm lacks KVM_CAP_%s, which APIC IDs "
					 "above 254 need", split_irqchip_caps[i].name);
				return -1;
			}
		}
		int api = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_X2APIC_API);

		if ((api & X2APIC_API_FLAGS) != X2APIC_API_FLAGS) {
			snprintf(msg, len, "/dev/kvm's KVM_CAP_X2APIC_API lacks 32-bit APIC IDs or "
				 "the broadcast quirk's switch, which APIC IDs above 254 need");
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; i < sizeof(irqchip_caps) / sizeof(irqchip_caps[0]); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, irqchip_caps[i].cap) <= 0) {
			snprintf(msg, len, "/dev/kvm lacks KVM_CAP_%s", irqchip_caps[i].name);
			return -1;
		}
	}
	return 0;
}

static int get_cpuid(struct vmm *vm, char *msg, size_t len)
{
	for (int nent = 256; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		if (!c)
			break;
		c->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG) {
			snprintf(msg, len, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
			return -1;
		}
	}
	snprintf(msg, len, "KVM_GET_SUPPORTED_CPUID: too many entries");
	return -1;
}

static int add_slot(struct vmm *vm, int slot, uint64_t gpa, uint64_t size, void *hva,
		    char *msg, size_t len)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot, .guest_phys_addr = gpa, .memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r)) {
		snprintf(msg, len, "KVM_SET_USER_MEMORY_REGION slot %d [0x%llx+0x%llx]: %s",
			 slot, (unsigned long long)gpa, (unsigned long long)size,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int vmm_add_readonly_slot(struct vmm *vm, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = VMM_SLOT_READONLY, .flags = KVM_MEM_READONLY, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	if (vm->vm_fd <= 0 || ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
		return -ENOTSUP;
	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) ? -errno : 0;
}

/* Region i's pages from the snapshot file: mapped over the fresh memory
 * copy-on-write (MAP_PRIVATE: the guest's writes never reach the file, and
 * pages it does not touch cost nothing), or read into hugetlb pages. The
 * extents were checked against the regions (vmm_ram_check). */
static int load_region(struct vmm *vm, int i, uint8_t *p, char *msg, size_t len)
{
	const struct vmm_ram_src *src = vm->cfg.ram_src;

	for (uint32_t k = 0; k < src->n; k++) {
		const struct vmm_ram_extent *e = &src->ext[k];
		uint8_t *at = p + e->page * VSNAP_PAGE;
		uint64_t n = e->npages * VSNAP_PAGE, off = src->data_off + e->off;

		if (e->region != (uint32_t)i)
			continue;
		if (!vm->cfg.hugepages) {
			void *m = mmap(at, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
				       src->fd, (off_t)off);

			if (m != at) {	/* MAP_FIXED: there, or MAP_FAILED */
				snprintf(msg, len, "mapping %llu pages of the snapshot's RAM: %s",
					 (unsigned long long)e->npages, strerror(errno));
				return -1;
			}
			continue;
		}
		for (uint64_t done = 0; done < n;) {
			ssize_t r = pread(src->fd, at + done, n - done, (off_t)(off + done));

			if (r <= 0 && !(r < 0 && errno == EINTR)) {
				snprintf(msg, len, "reading the snapshot's RAM: %s",
					 r ? strerror(errno) : "end of file");
				return -1;
			}
			done += r > 0 ? r : 0;
		}
	}
	return 0;
}

static uint8_t *map_region(struct vmm *vm, uint64_t gpa, uint64_t size, char *msg, size_t len)
{
	/* Prefaulting memory that the snapshot's pages then replace is waste:
	 * map_ram does it after. */
	bool prefault = vm->cfg.prefault && !vm->cfg.ram_src;
	uint8_t *p = gm_map_ram(size, vm->cfg.hugepages, prefault, msg, len);

	if (p && gm_add(&vm->gm, gpa, size, p)) {
		snprintf(msg, len, "guest memory map full");
		munmap(p, size);
		return NULL;
	}
	return p;
}

/* Map guest RAM (no KVM yet): the kernel can be copied in while the VM is
 * being created. */
static int map_ram(struct vmm *vm, char *msg, size_t len)
{
	const struct vmm_ram_src *src = vm->cfg.ram_src;
	uint64_t sizes[VMM_MAX_RAM];

	if (vm->cfg.n_ram < 1 || vm->cfg.n_ram > VMM_MAX_RAM) {
		snprintf(msg, len, "guest RAM in %d regions; 1 to %d are possible",
			 vm->cfg.n_ram, VMM_MAX_RAM);
		return -1;
	}
	for (int i = 0; i < vm->cfg.n_ram; i++)
		sizes[i] = vm->cfg.ram[i].size;
	/* MAP_FIXED must stay inside the regions: checked here, where it is
	 * used, whoever checked before. */
	if (src && vmm_ram_check(src->ext, src->n, sizes, vm->cfg.n_ram, msg, len))
		return -1;
	for (int i = 0; i < vm->cfg.n_ram; i++) {
		const struct vmm_ram *r = &vm->cfg.ram[i];
		uint8_t *p = map_region(vm, r->gpa, r->size, msg, len);

		if (!p)
			return -1;
		vm->ram[vm->n_ram++] = (struct gm_region){ r->gpa, r->size, p };
		vm->ram_file = src != NULL;
		if (src && load_region(vm, i, p, msg, len))
			return -1;
		/* prefault after a restore: the snapshot's pages copied in too. */
		if (src && vm->cfg.prefault && !vm->cfg.hugepages)
			gm_prefault(p, r->size);
	}
	return 0;
}

static int add_slots(struct vmm *vm, char *msg, size_t len)
{
	for (int i = 0; i < vm->n_ram; i++)
		if (add_slot(vm, i, vm->ram[i].gpa, vm->ram[i].size, vm->ram[i].hva, msg, len))
			return -1;
	return 0;
}

static int enable_cap(struct vmm *vm, uint32_t cap, const char *name, uint64_t arg,
		      char *msg, size_t len)
{
	struct kvm_enable_cap c = { .cap = cap, .args = { arg } };

	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &c)) {
		snprintf(msg, len, "KVM_ENABLE_CAP %s (0x%llx): %s", name, (unsigned long long)arg,
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* Only the LAPICs in KVM: no PIC, no PIT (it needs KVM's PIC), and the
 * IOAPIC in userspace. Before any vCPU exists. */
static int setup_split_irqchip(struct vmm *vm, char *msg, size_t len)
{
	return enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, "SPLIT_IRQCHIP", vm->cfg.split_irqchip,
			  msg, len) ?:
	       enable_cap(vm, KVM_CAP_X2APIC_API, "X2APIC_API", X2APIC_API_FLAGS, msg, len);
}

static int setup_irqchip(struct vmm *vm, char *msg, size_t len)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (vm->cfg.split_irqchip)
		return setup_split_irqchip(vm, msg, len);
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0)) {
		snprintf(msg, len, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit)) {
		snprintf(msg, len, "KVM_CREATE_PIT2: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int create_vm(struct vmm *vm, char *msg, size_t len)
{
	do {
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	} while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		snprintf(msg, len, "KVM_CREATE_VM: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)vm->cfg.tss_addr)) {
		snprintf(msg, len, "KVM_SET_TSS_ADDR 0x%llx: %s",
			 (unsigned long long)vm->cfg.tss_addr, strerror(errno));
		return -1;
	}
	/* Optional; kvm_pvm and some hosts do not implement it. */
	if (vm->cfg.idmap_addr)
		ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &vm->cfg.idmap_addr);
	return 0;
}

static void init_pause(struct vmm *vm)
{
	pthread_condattr_t a;

	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->pause_cond, &a);
	pthread_condattr_destroy(&a);
}

int vmm_open(struct vmm *vm, const struct vmm_config *cfg, char *msg, size_t len)
{
	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = -1;
	vm->exit_efd = -1;
	vm->cfg = *cfg;
	vm->t_start_ns = vmm_now_ns();
	init_pause(vm);
	iotrap_bus_init(&vm->bus, cfg->log_fd);
	vm->is_pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		snprintf(msg, len, "/dev/kvm: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(msg, len, "/dev/kvm: unexpected KVM API version");
		return -1;
	}
	vm->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->exit_efd < 0) {
		snprintf(msg, len, "eventfd: %s", strerror(errno));
		return -1;
	}
	return map_ram(vm, msg, len);
}

int vmm_create_vm(struct vmm *vm, char *msg, size_t len)
{
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0) {
		snprintf(msg, len, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -1;
	}
	vm->coalesced_page = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	if ((vm->coalesced_page + 1) * sysconf(_SC_PAGESIZE) > vm->run_size)
		vm->coalesced_page = 0;	/* not in the kvm_run mapping: do without */
	if (check_caps(vm, msg, len) || create_vm(vm, msg, len))
		return -1;
	if (vm->cfg.irqchip && setup_irqchip(vm, msg, len))
		return -1;
	if (vm->cfg.no_halt_poll) {
		struct kvm_enable_cap c = { .cap = KVM_CAP_HALT_POLL, .args = { 0 } };

		/* Best effort (Linux 5.16 on); without it KVM polls as before. */
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_HALT_POLL) > 0 &&
		    ioctl(vm->vm_fd, KVM_ENABLE_CAP, &c))
			vmm_log(vm, "[vmm] KVM_CAP_HALT_POLL 0: %s\n", strerror(errno));
	}
	if (add_slots(vm, msg, len) || get_cpuid(vm, msg, len))
		return -1;
	return 0;
}

/* Region i mapped afresh from cfg.ram_src over its old pages. */
static int remap_region(struct vmm *vm, int i, char *msg, size_t len)
{
	struct gm_region *r = &vm->ram[i];
	uint8_t *p = mmap(r->hva, r->size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);

	if (p == MAP_FAILED) {
		snprintf(msg, len, "mapping %llu MiB of guest RAM afresh: %s",
			 (unsigned long long)(r->size >> 20), strerror(errno));
		return -1;
	}
	r->hva = p;	/* the same address (MAP_FIXED) */
	madvise(r->hva, r->size, MADV_HUGEPAGE);
	if (load_region(vm, i, r->hva, msg, len))
		return -1;
	if (vm->cfg.prefault)
		gm_prefault(r->hva, r->size);
	return 0;
}

int vmm_reset(struct vmm *vm, const struct vmm_ram_src *src, int log_fd, char *msg,
	      size_t len)
{
	uint64_t sizes[VMM_MAX_RAM], n;
	int err = 0;

	for (int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].started || vm->vcpus[i].exit_pending || !vm->vcpus[i].run) {
			snprintf(msg, len, "vCPU %d %s", i, vm->vcpus[i].started ?
				 "is still running" : "ended with its last exit incomplete");
			return -1;
		}
	if (atomic_load(&vm->end) != VMM_END_RESET) {
		snprintf(msg, len, "the guest did not end by rebooting (%s)", vm->end_msg);
		return -1;
	}
	if (vm->cfg.hugepages || vm->n_ram != vm->cfg.n_ram || vm->vm_fd < 0) {
		snprintf(msg, len, "%s", vm->cfg.hugepages ? "guest RAM in huge pages is not "
			 "mapped afresh" : "the VM was not fully created");
		return -1;
	}
	for (int i = 0; i < vm->n_ram; i++)
		sizes[i] = vm->ram[i].size;
	/* As map_ram: MAP_FIXED stays inside the regions. */
	if (vmm_ram_check(src->ext, src->n, sizes, vm->n_ram, msg, len))
		return -1;
	vm->t_start_ns = vmm_now_ns();
	vm->cfg.ram_src = src;
	for (int i = 0; i < vm->n_ram && !err; i++)
		err = remap_region(vm, i, msg, len);
	vm->cfg.ram_src = NULL;
	vm->ram_file = true;
	if (err)
		return -1;
	vm->cfg.log_fd = log_fd;
	iotrap_discard(&vm->bus);
	pthread_mutex_lock(&vm->bus.lock);
	vm->bus.log_fd = log_fd;
	pthread_mutex_unlock(&vm->bus.lock);
	atomic_store(&vm->pause_req, false);
	vm->parked = 0;
	vm->clock_saved = false;
	atomic_store(&vm->panic_seen, false);
	vm->end_msg[0] = 0;
	vm->t_first_run_ns = 0;
	if (read(vm->exit_efd, &n, sizeof(n)) < 0 && errno != EAGAIN) {
		snprintf(msg, len, "the VM's exit eventfd: %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->run->immediate_exit = 0;	/* vmm_end and the thread's end set it */
		memset(&v->stats, 0, sizeof(v->stats));
		v->nsamples = 0;
	}
	atomic_store(&vm->end, VMM_END_NONE);
	return 0;
}

int vmm_create(struct vmm *vm, const struct vmm_config *cfg, char *msg, size_t len)
{
	return vmm_open(vm, cfg, msg, len) ?: vmm_create_vm(vm, msg, len);
}

int vmm_coalesce(struct vmm *vm, bool pio, uint64_t addr, uint32_t size)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size, .pio = pio };

	if (vm->coalesced_page <= 0 ||
	    (pio && ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0))
		return -ENOTSUP;
	return ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &z) ? -errno : 0;
}

void vmm_destroy(struct vmm *vm)
{
	/* A vCPU thread left behind (vmm_join) may still use all of it, and
	 * may hold the bus lock: leak it, the process ends soon. */
	for (int i = 0; i < vm->nvcpus; i++)
		if (vm->vcpus[i].started) {
			vmm_log(vm, "[vmm] VM not freed: vCPU %d is still running\n", i);
			return;
		}
	iotrap_drain(&vm->bus);
	iotrap_set_ring(&vm->bus, NULL, 0);
	for (int i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
		free(vm->vcpus[i].samples);
	}
	free(vm->vcpus);
	free(vm->cpuid);
	for (int i = 0; i < vm->n_ram; i++)
		munmap(vm->ram[i].hva, vm->ram[i].size);
	vm->n_ram = 0;
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->exit_efd >= 0)
		close(vm->exit_efd);
	pthread_mutex_destroy(&vm->bus.lock);
	pthread_mutex_destroy(&vm->pause_lock);
	pthread_cond_destroy(&vm->pause_cond);
	vm->vcpus = NULL;
	vm->nvcpus = 0;
	vm->kvm_fd = vm->vm_fd = vm->exit_efd = -1;
}

uint64_t vmm_msi_ext_dest(uint64_t addr)
{
	uint64_t ext = addr >> 5 & 0x7f;

	return (addr & ~(0x7full << 5)) | ext << 40;
}

int vmm_signal_msi(struct vmm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi m = { .data = data };

	if (vm->cfg.split_irqchip)
		addr = vmm_msi_ext_dest(addr);
	m.address_lo = (uint32_t)addr;
	m.address_hi = addr >> 32;
	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &m) < 0 ? -errno : 0;
}

void vmm_set_irq_lines(struct vmm *vm, vmm_irq_line_fn *fn, void *ctx)
{
	vm->irq_line = fn;
	vm->irq_ctx = ctx;
}

int vmm_irq_line(struct vmm *vm, uint32_t irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	if (vm->irq_line) {
		vm->irq_line(vm->irq_ctx, irq, level);
		return 0;
	}
	if (!vm->cfg.irqchip || vm->cfg.split_irqchip)
		return 0;
	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) ? -errno : 0;
}

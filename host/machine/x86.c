// SPDX-License-Identifier: GPL-2.0-only
/* The x86 board (see x86.h): the floor's VM with RAM around the hole, the
 * devices at their addresses (arch/x86/layout.h), ACPI, the vCPUs with their
 * x86 set-up, and the kernel loaded in parallel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/arch/x86/acpi.h"
#include "host/arch/x86/layout.h"
#include "host/arch/x86/vcpu.h"
#include "host/dev/i8042.h"
#include "host/machine/x86.h"
#include "host/machine/x86_internal.h"

int x86_setup_devices(struct x86_machine *m, const struct x86_machine_config *c,
			 char *msg, size_t len)
{
	struct vmm *vm = &m->vm;
	int err;

	err = vm->cfg.split_irqchip ? ioapic_init(&m->ioapic, vm, X86_IOAPIC) : 0;
	err = err ?: serial8250_init(&m->com1, vm, X86_COM1_PORT, X86_COM1_IRQ, c->console_fd) ?:
	      i8042_init(vm) ?:
	      pci_init(&m->pci, vm, NULL, X86_PCI_ECAM, X86_PCI_MMIO_BASE, X86_PCI_MMIO_SIZE,
		       X86_PCI_IO_BASE, X86_PCI_IO_SIZE) ?:
	      virtio_console_init(&m->con, vm, c->chan_fd, c->chan_fd, X86_PCI_MMIO_BASE,
				  X86_PCI_IO_BASE) ?:
	      pci_add(&m->pci, 1, &m->con.vp.pci);
	if (err) {
		snprintf(msg, len, "device setup: %s", strerror(-err));
		return -1;
	}
	err = pci_map_ecam(&m->pci);
	if (err && c->verbose)
		fprintf(stderr, "kvm: PCI config reads will exit (no read-only slot: %s)\n",
			strerror(-err));
	return 0;
}

/* e820 reserves the window the PCI code maps. */
_Static_assert(X86_PCI_ECAM_SIZE == PCI_ECAM_SIZE, "ECAM window size");

static int setup_acpi(struct x86_machine *m, const struct x86_machine_config *c,
		      char *msg, size_t len)
{
	struct vmm *vm = &m->vm;
	struct acpi_config cfg = {
		.topo = &m->topo,
		.pci_mmio_base = X86_PCI_MMIO_BASE, .pci_mmio_size = X86_PCI_MMIO_SIZE,
		.pci_io_base = X86_PCI_IO_BASE, .pci_io_size = X86_PCI_IO_SIZE,
		.pci_ecam_base = X86_PCI_ECAM,
	};
	struct acpi_layout lay;
	size_t room = X86_ACPI_END - X86_ACPI_START;
	uint8_t *buf = gm_ptr(&vm->gm, X86_ACPI_START, room);
	int n = acpi_node_mem_ranges(c->mem_bytes, m->topo.nodes, cfg.mem, ACPI_MAX_MEM);

	if (n < 0 || !buf) {
		snprintf(msg, len, "ACPI: memory layout does not fit");
		return -1;
	}
	cfg.n_mem = n;
	if (acpi_build(buf, X86_ACPI_START, room, &cfg, &lay)) {
		snprintf(msg, len, "ACPI tables do not fit in 0xE0000-0xFFFFF");
		return -1;
	}
	if (lay.rsdp != X86_ACPI_START) {	/* the kernel loader assumed it */
		snprintf(msg, len, "ACPI: RSDP at 0x%llx, not at 0x%llx",
			 (unsigned long long)lay.rsdp, X86_ACPI_START);
		return -1;
	}
	return 0;
}

/* vCPU i is Linux CPU i, its vcpu_id the topology's APIC ID. */
int x86_setup_vcpus(struct x86_machine *m, char *msg, size_t len)
{
	uint32_t *ids = calloc(m->topo.ncpus, sizeof(*ids));
	int err;

	if (!ids) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	for (int i = 0; i < m->topo.ncpus; i++)
		ids[i] = x86_topo_apic_id(&m->topo, i);
	err = vmm_create_vcpus(&m->vm, m->topo.ncpus, ids, x86_vcpu_setup, &m->topo, msg, len);
	free(ids);
	return err;
}

static int load_kernel(struct x86_machine *m, const struct x86_machine_config *c,
		       uint64_t rsdp, struct x86_entry *e, char *msg, size_t len)
{
	struct vmm *vm = &m->vm;
	const struct kernel *k = c->kernel;
	struct x86_boot_args a = {
		.cmdline = c->cmdline, .initrd_fd = c->initrd_fd, .initrd_len = c->initrd_len,
		.ram_lo_end = vm->ram[0].size, .ram_hi_size = vm->n_ram > 1 ? vm->ram[1].size : 0,
		.rsdp = rsdp,
	};

	/* kvm_pvm cannot run the 32-bit PVH entry at all (the vCPU never gets
	 * anywhere); its 64-bit entry at least fails with a clear exit. */
	if (vm->is_pvm && k->bzimage[0])
		return x86_boot_bzimage(&vm->gm, k->bzimage, &a, e, msg, len);
	if (k->vmlinux[0] && k->has_pvh)
		return x86_boot_pvh(&vm->gm, k->vmlinux, &a, e, msg, len);
	if (k->bzimage[0])
		return x86_boot_bzimage(&vm->gm, k->bzimage, &a, e, msg, len);
	snprintf(msg, len, "the kernel has neither a PVH vmlinux nor a bzImage");
	return -1;
}

static void *load_thread(void *arg)
{
	struct x86_machine *m = arg;
	struct x86_kernel_load *l = &m->load;
	uint64_t t0 = vmm_now_ns();

	/* acpi_build puts the RSDP at the start of its area; setup_acpi checks. */
	l->rc = load_kernel(m, l->cfg, X86_ACPI_START, &l->e, l->msg, sizeof(l->msg));
	l->ns = vmm_now_ns() - t0;
	return NULL;
}

static int load_start(struct x86_machine *m, const struct x86_machine_config *c,
		      char *msg, size_t len)
{
	struct x86_kernel_load *l = &m->load;
	int err;

	l->cfg = c;
	l->rc = -1;
	err = pthread_create(&l->thread, NULL, load_thread, m);
	if (err) {
		snprintf(msg, len, "kernel loader thread: %s", strerror(err));
		return -1;
	}
	l->on = true;
	return 0;
}

/* Wait for the loader; 0 or -1 with its message. */
static int load_join(struct x86_machine *m, char *msg, size_t len)
{
	struct x86_kernel_load *l = &m->load;

	if (!l->on)
		return -1;
	pthread_join(l->thread, NULL);
	l->on = false;
	if (l->rc && msg)
		snprintf(msg, len, "%s", l->msg);
	return l->rc;
}

/* On kvm_pvm an unmodified kernel may also spin without ever exiting; if the
 * console stays silent, end the VM with the reason instead of a timeout. */
static void *pvm_watchdog(void *arg)
{
	struct x86_machine *m = arg;

	for (int i = 0; i < 100 && !atomic_load(&m->vm.end); i++)
		usleep(100 * 1000);
	if (!m->com1.bytes)
		vmm_end(&m->vm, VMM_END_ERROR, "this host's KVM (kvm_pvm) cannot run an "
			"unmodified Linux kernel; use --backend qemu. The guest printed "
			"nothing in 10 s (PVH entry at 32-bit protected mode)");
	return NULL;
}

int x86_machine_check(const struct x86_machine_config *c, char *msg, size_t len)
{
	struct x86_topo t;

	return x86_topo_init(&t, c->nodes, c->llcs, c->cores, c->threads, msg, len);
}

int x86_vm_config(struct x86_machine *m, const struct x86_machine_config *c,
		  struct vmm_config *cfg, char *msg, size_t len)
{
	uint64_t lo = c->mem_bytes < X86_MMIO_HOLE ? c->mem_bytes : X86_MMIO_HOLE;

	*cfg = (struct vmm_config){
		.tss_addr = X86_TSS_ADDR, .idmap_addr = X86_IDMAP_ADDR, .irqchip = true,
		.log_fd = c->console_fd, .prefault = c->prefault, .hugepages = c->hugepages,
		.profile_us = c->profile_us,
	};
	if (x86_topo_init(&m->topo, c->nodes, c->llcs, c->cores, c->threads, msg, len))
		return -1;
	if (x86_topo_x2apic(&m->topo))
		cfg->split_irqchip = IOAPIC_PINS;
	/* More vCPUs than host CPUs: an idle vCPU's halt poll only delays
	 * the one that has work. */
	cfg->no_halt_poll = m->topo.ncpus > sysconf(_SC_NPROCESSORS_ONLN);
	cfg->ram[cfg->n_ram++] = (struct vmm_ram){ 0, lo };
	if (c->mem_bytes > lo)
		cfg->ram[cfg->n_ram++] = (struct vmm_ram){ X86_4G, c->mem_bytes - lo };
	return 0;
}

int x86_machine_start(struct x86_machine *m, const struct x86_machine_config *c,
		      char *msg, size_t len)
{
	struct vmm_config cfg;
	uint64_t t[3];

	if (x86_vm_config(m, c, &cfg, msg, len))
		return -1;
	/* Guest RAM first; the kernel goes in while ACPI, the VM, the devices
	 * and the vCPUs are set up. */
	if (vmm_open(&m->vm, &cfg, msg, len)) {
		vmm_destroy(&m->vm);
		return -1;
	}
	m->vm_created = true;
	if (load_start(m, c, msg, len))
		return -1;
	t[0] = vmm_now_ns();
	if (setup_acpi(m, c, msg, len) || vmm_create_vm(&m->vm, msg, len) ||
	    x86_setup_devices(m, c, msg, len) || x86_setup_vcpus(m, msg, len)) {
		load_join(m, NULL, 0);
		return -1;
	}
	t[1] = vmm_now_ns();
	if (load_join(m, msg, len) ||
	    x86_boot_set_bsp(&m->vm.gm, m->vm.vcpus[0].fd, &m->load.e, msg, len))
		return -1;
	t[2] = vmm_now_ns();
	if (c->verbose)
		fprintf(stderr, "kvm: VM set up in %.1f ms: RAM %.1f, then in parallel ACPI, "
			"VM, devices and vCPUs %.1f and kernel and initrd %.1f; waited %.1f for "
			"the kernel (%s entry at 0x%llx)\n",
			(t[2] - m->vm.t_start_ns) / 1e6, (t[0] - m->vm.t_start_ns) / 1e6,
			(t[1] - t[0]) / 1e6, m->load.ns / 1e6, (t[2] - t[1]) / 1e6,
			m->load.e.mode == X86_ENTRY_PVH32 ? "PVH" : "64-bit",
			(unsigned long long)m->load.e.rip);
	return x86_machine_go(m, msg, len);
}

int x86_machine_go(struct x86_machine *m, char *msg, size_t len)
{
	int err = virtio_console_start(&m->con);

	if (err) {
		snprintf(msg, len, "virtio-console receive thread: %s", strerror(-err));
		return -1;
	}
	if (vmm_start(&m->vm, msg, len))
		return -1;
	/* A restored guest printed its boot long ago: nothing to wait for. */
	if (m->vm.is_pvm && !m->restored)
		m->watchdog_on = !pthread_create(&m->watchdog, NULL, pvm_watchdog, m);
	return 0;
}

int x86_machine_join(struct x86_machine *m)
{
	if (!m->vm_created)
		return 0;
	if (m->watchdog_on) {
		pthread_join(m->watchdog, NULL);	/* it checks the end every 100 ms */
		m->watchdog_on = false;
	}
	m->left_behind = vmm_join(&m->vm, VMM_JOIN_TIMEOUT_MS);
	/* The receive thread takes the bus lock, which a vCPU left behind may
	 * hold: then it stays too. */
	if (!m->left_behind) {
		virtio_console_stop(&m->con);
		serial8250_flush(&m->com1);
	}
	return m->left_behind;
}

void x86_machine_forget_fds(struct x86_machine *m)
{
	if (m->left_behind)
		return;
	m->com1.out_fd = -1;
	m->con.out_fd = m->con.in_fd = -1;
	m->vm.cfg.log_fd = -1;
	pthread_mutex_lock(&m->vm.bus.lock);
	m->vm.bus.log_fd = -1;
	pthread_mutex_unlock(&m->vm.bus.lock);
}

void x86_machine_destroy(struct x86_machine *m)
{
	if (!m->left_behind)
		virtio_console_stop(&m->con);	/* before the bus lock goes */
	if (m->vm_created)
		vmm_destroy(&m->vm);	/* frees nothing while a vCPU still runs */
	if (m->left_behind)
		return;			/* it may be in a device: touch none of them */
	pci_destroy(&m->pci);
}

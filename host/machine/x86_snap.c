// SPDX-License-Identifier: GPL-2.0-only
/* Snapshots of the x86 board (see x86.h): save pauses the vCPUs and holds
 * the devices (the bus lock) while the floor, the devices and this board
 * write their sections and the RAM; restore builds the same board with RAM
 * from the file and loads each part in turn: devices, then the floor
 * (irqchip, vCPUs, clock). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "host/machine/x86.h"
#include "host/machine/x86_internal.h"
#include "lib/err.h"

#define X86_SNAP_VERSION	1
#define PAUSE_TIMEOUT_MS	2000
#define CON_SLOT		1	/* x86_setup_devices puts the console there */

/* Section MACH: what the snapshot was made for. */
struct x86_snap_shape {
	uint32_t version;
	int32_t nodes, llcs, cores, threads;
	uint32_t split_irqchip;
	uint64_t mem_bytes;
	uint64_t cpuid_hash;	/* KVM_GET_SUPPORTED_CPUID: the host CPU as KVM offers it */
};
_Static_assert(sizeof(struct x86_snap_shape) == 40, "x86_snap_shape");

/* KVM_GET_SUPPORTED_CPUID without what tells one host CPU from another:
 * KVM fills in the APIC ID of the CPU the ioctl ran on (leaf 1 EBX, leaves
 * 0xB and 0x1F EDX, 0x8000001E) and on a hybrid host its core type (0x1A).
 * The vCPU set-up writes the guest's own topology there anyway. */
uint64_t x86_snap_cpuid_hash(const struct kvm_cpuid2 *c)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 e = c->entries[i];
		const uint8_t *p = (const uint8_t *)&e;

		if (e.function == 1)
			e.ebx &= 0x00ffffff;
		else if (e.function == 0xb || e.function == 0x1f)
			e.edx = 0;
		else if (e.function == 0x8000001e)
			e.eax = e.ebx = e.ecx = 0;
		else if (e.function == 0x1a)
			e.eax = e.ebx = e.ecx = e.edx = 0;
		for (size_t k = 0; k < sizeof(e); k++)
			h = (h ^ p[k]) * 0x100000001b3ull;
	}
	return h;
}

static struct x86_snap_shape shape_of(const struct x86_machine *m, uint64_t mem_bytes)
{
	return (struct x86_snap_shape){
		.version = X86_SNAP_VERSION, .nodes = m->topo.nodes, .llcs = m->topo.llcs,
		.cores = m->topo.cores, .threads = m->topo.threads,
		.split_irqchip = m->vm.cfg.split_irqchip, .mem_bytes = mem_bytes,
		.cpuid_hash = x86_snap_cpuid_hash(m->vm.cpuid),
	};
}

static uint64_t mem_bytes(const struct vmm *vm)
{
	uint64_t n = 0;

	for (int i = 0; i < vm->cfg.n_ram; i++)
		n += vm->cfg.ram[i].size;
	return n;
}

static struct x86_snap_id snap_id(const struct stat *st)
{
	return (struct x86_snap_id){ .dev = st->st_dev, .ino = st->st_ino, .size = st->st_size,
				     .mtime = st->st_mtim, .ctime = st->st_ctim };
}

static bool same_id(const struct x86_snap_id *a, const struct x86_snap_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

int x86_machine_save(struct x86_machine *m, const char *path, char *msg, size_t len)
{
	struct vmm *vm = &m->vm;
	struct vsnap_writer w = { 0 };
	struct x86_snap_shape sh;
	struct stat st;
	char why[256];
	int err;

	if (!m->vm_created || !vm->nvcpus)
		return errf(msg, len, "no VM to save");
	if (vmm_pause(vm, PAUSE_TIMEOUT_MS, msg, len))
		return -1;
	/* Writes KVM queued (coalesced) reach their devices first. */
	iotrap_drain(&vm->bus);
	pthread_mutex_lock(&vm->bus.lock);
	sh = shape_of(m, mem_bytes(vm));
	vsnap_put(&w, "MACH", 0, &sh, sizeof(sh));
	err = vmm_save(vm, &w, msg, len);
	if (!err) {
		serial8250_save(&m->com1, &w, 0);
		pci_save(&m->pci, &w);
		virtio_console_save(&m->con, &w, CON_SLOT);
		if (vm->cfg.split_irqchip)
			ioapic_save(&m->ioapic, &w, 0);
		err = vmm_write_snapshot(vm, &w, path, msg, len);
	}
	/* The file this machine can be reset to (x86_machine_reset). */
	m->snap_known = !err && !stat(path, &st);
	if (m->snap_known)
		m->snap_id = snap_id(&st);
	/* As if the save took no time: the guest's clock goes on from the
	 * pause (best effort: a guest that sees the time pass still runs). */
	if (vmm_clock_rewind(vm, why, sizeof(why)))
		vmm_log(vm, "[vmm] after the snapshot: %s\n", why);
	pthread_mutex_unlock(&vm->bus.lock);
	vmm_resume(vm);
	vsnap_writer_free(&w);
	return err;
}

static int check_shape(const struct x86_snap_shape *s, const struct x86_snap_shape *want,
		       char *msg, size_t len)
{
	if (s->version != want->version)
		return errf(msg, len, "snapshot of board version %u; this ktstr-run builds %u",
			    s->version, want->version);
	if (s->nodes != want->nodes || s->llcs != want->llcs || s->cores != want->cores ||
	    s->threads != want->threads || s->mem_bytes != want->mem_bytes ||
	    s->split_irqchip != want->split_irqchip)
		return errf(msg, len, "snapshot of a %d,%d,%d,%d VM with %llu MiB; this one is "
			    "%d,%d,%d,%d with %llu MiB", s->nodes, s->llcs, s->cores, s->threads,
			    (unsigned long long)(s->mem_bytes >> 20), want->nodes, want->llcs,
			    want->cores, want->threads,
			    (unsigned long long)(want->mem_bytes >> 20));
	return 0;
}

/* r's board section against the machine m is and cfg c. 0 or -1 with msg. */
static int check_mach(struct x86_machine *m, const struct x86_machine_config *c,
		      const struct vsnap_reader *r, char *msg, size_t len)
{
	struct x86_snap_shape sh, want;

	if (vsnap_get(r, "MACH", 0, &sh, sizeof(sh), msg, len))
		return -1;
	want = shape_of(m, c->mem_bytes);
	if (check_shape(&sh, &want, msg, len))
		return -1;
	if (sh.cpuid_hash != want.cpuid_hash)
		return errf(msg, len, "snapshot made on a host whose CPU KVM offers otherwise "
			    "(KVM_GET_SUPPORTED_CPUID differs)");
	return 0;
}

/* The devices' state from r, then the floor's (irqchip, vCPUs, clock). */
static int load_state(struct x86_machine *m, const struct vsnap_reader *r, char *msg,
		      size_t len, uint64_t *t_dev)
{
	struct vmm *vm = &m->vm;

	if (serial8250_load(&m->com1, r, 0, msg, len) || pci_load(&m->pci, r, msg, len) ||
	    virtio_console_load(&m->con, r, CON_SLOT, msg, len) ||
	    (vm->cfg.split_irqchip && ioapic_load(&m->ioapic, r, 0, msg, len)))
		return -1;
	*t_dev = vmm_now_ns();
	return vmm_load(vm, r, msg, len);
}

/* The devices and the floor from r, into a machine built as for a boot. */
static int load_all(struct x86_machine *m, const struct x86_machine_config *c,
		    const struct vsnap_reader *r, char *msg, size_t len, uint64_t t[3])
{
	if (vmm_create_vm(&m->vm, msg, len) || check_mach(m, c, r, msg, len) ||
	    x86_setup_devices(m, c, msg, len) || x86_setup_vcpus(m, msg, len))
		return -1;
	t[0] = vmm_now_ns();
	if (load_state(m, r, msg, len, &t[1]))
		return -1;
	t[2] = vmm_now_ns();
	return 0;
}

static double ms(uint64_t from, uint64_t to)
{
	return (to - from) / 1e6;
}

/* -v: what a restore or a reset took, phase by phase (t: its start, the
 * file read, RAM mapped, the VM built or reset, devices loaded, the floor
 * loaded). */
static void say_phases(const char *what, const char *path, const struct vsnap_reader *r,
		       const struct x86_machine_config *c, const uint64_t t[6])
{
	fprintf(stderr, "kvm: VM %s %s in %.1f ms (%u RAM extents, %llu MiB of %llu mapped "
		"from the file): file read and checked %.1f, RAM mapped %.1f, %s %.1f, "
		"devices loaded %.1f, vCPUs, irqchip and clock loaded %.1f\n", what, path,
		ms(t[0], t[5]), r->n_ext, (unsigned long long)(r->data_size >> 20),
		(unsigned long long)(c->mem_bytes >> 20), ms(t[0], t[1]), ms(t[1], t[2]),
		t[2] == t[3] ? "nothing built" : "VM, devices and vCPUs created",
		ms(t[2], t[3]), ms(t[3], t[4]), ms(t[4], t[5]));
}

int x86_machine_restore(struct x86_machine *m, const struct x86_machine_config *c,
			const char *path, char *msg, size_t len)
{
	struct vsnap_reader r;
	struct vmm_ram_src src;
	struct vmm_config cfg;
	struct stat st;
	uint64_t t[6] = { vmm_now_ns() };
	int err = -1;

	if (vsnap_open(&r, path, msg, len))
		goto out;
	if (fstat(r.fd, &st)) {
		errf(msg, len, "%s: %s", path, strerror(errno));
		goto out;
	}
	m->snap_id = snap_id(&st);
	m->snap_known = true;
	if (x86_vm_config(m, c, &cfg, msg, len))
		goto out;
	t[1] = vmm_now_ns();
	src = (struct vmm_ram_src){ r.fd, r.data_off, r.ext, r.n_ext };
	cfg.ram_src = &src;
	if (vmm_open(&m->vm, &cfg, msg, len)) {
		vmm_destroy(&m->vm);
		goto out;
	}
	t[2] = vmm_now_ns();
	m->vm.cfg.ram_src = NULL;	/* src lives no longer than this call */
	m->vm_created = true;
	m->restored = true;
	err = load_all(m, c, &r, msg, len, t + 3);
	if (!err && c->verbose)
		say_phases("restored from", path, &r, c, t);
out:
	/* The mappings hold the file; the descriptor is no longer needed. */
	vsnap_close(&r);
	return err;
}

int x86_machine_reset(struct x86_machine *m, const struct x86_machine_config *c,
		      const char *path, char *msg, size_t len)
{
	struct vmm *vm = &m->vm;
	struct vsnap_reader r;
	struct vmm_ram_src src;
	struct x86_topo topo;
	struct stat st;
	struct x86_snap_id id;
	uint64_t t[6] = { vmm_now_ns() };
	int err = -1;

	if (!m->vm_created || !m->snap_known || m->left_behind || m->watchdog_on ||
	    m->con.rx_on)
		return errf(msg, len, "the VM is not one restored or saved and stopped cleanly");
	/* The same shape (x86_vm_config's): the vCPUs and RAM stay. */
	if (x86_topo_init(&topo, c->nodes, c->llcs, c->cores, c->threads, msg, len))
		return -1;
	if (topo.nodes != m->topo.nodes || topo.llcs != m->topo.llcs ||
	    topo.cores != m->topo.cores || topo.threads != m->topo.threads ||
	    c->hugepages != vm->cfg.hugepages || c->hugepages)
		return errf(msg, len, "another shape of VM (topology or huge pages)");
	if (vsnap_open(&r, path, msg, len))
		goto out;
	if (fstat(r.fd, &st)) {
		errf(msg, len, "%s: %s", path, strerror(errno));
		goto out;
	}
	id = snap_id(&st);
	if (!same_id(&id, &m->snap_id)) {
		errf(msg, len, "%s is not the file this VM was built from", path);
		goto out;
	}
	if (check_mach(m, c, &r, msg, len))
		goto out;
	t[1] = vmm_now_ns();
	vm->cfg.prefault = c->prefault;
	vm->cfg.profile_us = c->profile_us;
	src = (struct vmm_ram_src){ r.fd, r.data_off, r.ext, r.n_ext };
	if (vmm_reset(vm, &src, c->console_fd, msg, len))
		goto out;
	t[2] = t[3] = vmm_now_ns();
	/* The devices' fds are this run's; what they counted starts over. */
	m->com1.out_fd = c->console_fd;
	m->com1.line_len = m->com1.olen = 0;
	m->com1.bytes = 0;
	m->con.out_fd = m->con.in_fd = c->chan_fd;
	m->con.bytes = m->con.rx_bytes = 0;
	m->con.rx_eof = false;
	m->con.rx_state = VCON_RX_IDLE;
	err = load_state(m, &r, msg, len, &t[4]);
	m->restored = true;
	t[5] = vmm_now_ns();
	if (!err && c->verbose)
		say_phases("reset to", path, &r, c, t);
out:
	vsnap_close(&r);
	return err;
}

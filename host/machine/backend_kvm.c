// SPDX-License-Identifier: GPL-2.0-only
/* The kvm backend (struct backend, host/backend.h) over the x86 machine:
 * the console log and the report socket (both ways: the run plan goes in),
 * how the VM ended in enum vm_end, kill, and after the run the profile file
 * and the -v statistics; and the warm VM (backend_kvm_warm): a VM restored
 * from a snapshot, or that saved one, kept after a clean end and reset to
 * that snapshot for the next run. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/backend.h"
#include "host/machine/x86.h"

struct kvm_backend {
	struct x86_machine m;
	int log_fd, chan;	/* chan: the device's end of the report socket */
	bool killed, joined;
	int verbose;
	const char *profile;
};

/* backend_kvm_warm: whether destroy keeps a VM, and the one it kept. */
static bool keep_warm;
static struct kvm_backend *warm_vm;

static void free_machine(struct kvm_backend *k);

/* The report channel: a socket, so that the host can send frames back (the
 * run plan, acks) on the fd it reads the reports from. */
static int open_channel(struct kvm_backend *k, struct backend *b, char *msg, size_t len)
{
	int sv[2], size = 1 << 20;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		snprintf(msg, len, "socketpair: %s", strerror(errno));
		return -1;
	}
	/* Room for a burst of reports (best effort: capped by wmem_max). */
	for (int i = 0; i < 2; i++) {
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	b->report_fd = sv[0];
	k->chan = sv[1];
	return 0;
}

static int restore(struct kvm_backend *k, struct backend *b, const struct vm_spec *s,
		   const struct x86_machine_config *cfg, char *msg, size_t len);

static int kvm_start(struct backend *b, const struct vm_spec *s, char *msg, size_t len)
{
	struct kvm_backend *k = b->priv;
	struct x86_machine_config cfg = {
		.nodes = s->topo.numa, .llcs = s->topo.llcs, .cores = s->topo.cores,
		.threads = s->topo.threads, .mem_bytes = s->mem_bytes, .kernel = s->kernel,
		.cmdline = s->cmdline, .initrd_fd = s->initrd_fd, .initrd_len = s->initrd_len,
		.prefault = s->prefault, .hugepages = s->hugepages, .verbose = s->verbose,
		.profile_us = s->profile ? (s->profile_us ? s->profile_us : 1000) : 0,
	};
	int err;

	/* The warm VM serves a restore only; any other run frees it. */
	if (warm_vm && s->restore_state && !k->m.vm_created) {
		free(k);
		k = b->priv = warm_vm;
		warm_vm = NULL;
		k->killed = k->joined = false;
	} else if (warm_vm) {
		free_machine(warm_vm);
		warm_vm = NULL;
	}
	b->warm = false;
	k->verbose = s->verbose;
	k->profile = s->profile;
	snprintf(b->accel_used, sizeof(b->accel_used), "kvm");
	if (x86_machine_check(&cfg, msg, len))
		return -1;
	/* A restored guest's log already holds the boot that made its snapshot
	 * (host/boot.c): what it prints now goes after. */
	k->log_fd = open(s->console_log, O_WRONLY | O_CREAT | O_CLOEXEC |
			 (s->restore_state ? O_APPEND : O_TRUNC), 0644);
	if (k->log_fd < 0) {
		snprintf(msg, len, "console log %s: %s", s->console_log, strerror(errno));
		return -1;
	}
	/* A FIFO nobody reads must not hold a vCPU past the end (the devices
	 * write through vmm_write_all); for a file this changes nothing. The
	 * flags the log has (O_APPEND) stay. */
	fcntl(k->log_fd, F_SETFL, fcntl(k->log_fd, F_GETFL) | O_NONBLOCK);
	if (open_channel(k, b, msg, len))
		return -1;
	cfg.console_fd = k->log_fd;
	cfg.chan_fd = k->chan;
	err = s->restore_state ? restore(k, b, s, &cfg, msg, len) :
	      x86_machine_start(&k->m, &cfg, msg, len);
	if (k->m.vm_created)
		b->exit_fd = k->m.vm.exit_efd;
	return err;
}

/* The snapshot's digest (vm_spec.restore_check), read while the VM is
 * built from it. */
struct check {
	const struct vm_spec *s;
	int rc;
	char msg[1024];
};

static void *check_thread(void *arg)
{
	struct check *c = arg;

	c->rc = c->s->restore_check(c->s->restore_ctx, c->msg, sizeof(c->msg));
	return NULL;
}

/* The warm VM k holds reset to s->restore_state, or when that fails (the
 * file is another, or a step of the reset failed), freed with a line
 * saying why: then k holds no VM. 0 or -1. */
static int reset(struct kvm_backend *k, struct backend *b, const struct vm_spec *s,
		 const struct x86_machine_config *cfg)
{
	char why[1024];

	if (!x86_machine_reset(&k->m, cfg, s->restore_state, why, sizeof(why))) {
		b->warm = true;
		return 0;
	}
	fprintf(stderr, "kvm: the warm VM was not reset (%s); building one from the "
		"snapshot\n", why);
	x86_machine_destroy(&k->m);
	memset(&k->m, 0, sizeof(k->m));
	return -1;
}

/* Build the VM from s->restore_state; it runs once the check passed. With
 * the warm VM, reset it instead (the file is the one checked when it was
 * built). */
static int restore(struct kvm_backend *k, struct backend *b, const struct vm_spec *s,
		   const struct x86_machine_config *cfg, char *msg, size_t len)
{
	struct check c = { .s = s };
	bool checking;
	pthread_t t;
	int err;

	if (k->m.vm_created && !reset(k, b, s, cfg))
		return x86_machine_go(&k->m, msg, len);
	checking = s->restore_check && !pthread_create(&t, NULL, check_thread, &c);
	if (s->restore_check && !checking)
		c.rc = s->restore_check(s->restore_ctx, c.msg, sizeof(c.msg));
	err = x86_machine_restore(&k->m, cfg, s->restore_state, msg, len);
	if (checking)
		pthread_join(t, NULL);
	if (!err && c.rc) {
		snprintf(msg, len, "%s", c.msg);
		err = -1;
	}
	return err ?: x86_machine_go(&k->m, msg, len);
}

static void join(struct kvm_backend *k)
{
	struct vmm *vm = &k->m.vm;
	int err;

	if (k->joined || !k->m.vm_created)
		return;
	k->joined = true;
	if (x86_machine_join(&k->m))
		return;	/* a vCPU may still be in a device: touch none of them */
	err = k->profile ? vmm_write_profile(vm, k->profile) : 0;
	if (err)
		fprintf(stderr, "kvm: profile %s: %s\n", k->profile, strerror(-err));
	if (k->verbose) {
		char sum[4096];
		struct gm_rss r;

		vmm_exit_summary(vm, sum, sizeof(sum));
		fputs(sum, stderr);
		if (!vm->cfg.hugepages && !gm_resident(vm->ram[0].hva, vm->ram[0].size, &r))
			fprintf(stderr, "[vmm] guest RAM below 3 GiB: %lld of %llu MiB resident "
				"(%lld MiB anonymous%s), %lld MiB in transparent huge pages\n",
				(long long)(r.rss >> 20),
				(unsigned long long)(vm->ram[0].size >> 20),
				(long long)(r.anon >> 20), k->m.restored ? ": the pages the "
				"guest wrote, copied from the snapshot's; the rest shared with "
				"the page cache" : "", (long long)(r.thp >> 20));
	}
	if (k->chan >= 0) {
		close(k->chan);
		k->chan = -1;
	}
}

static enum vm_end kvm_reap(struct backend *b, char *msg, size_t len)
{
	struct kvm_backend *k = b->priv;
	struct vmm *vm = &k->m.vm;

	if (!k->m.vm_created) {
		snprintf(msg, len, "the VM was never created");
		return VM_END_FAILED;
	}
	join(k);
	if (k->m.left_behind)
		snprintf(msg, len, "%s; then %d vCPU thread(s) did not stop within %d ms "
			 "(stuck in a device model; see the console log) and were left "
			 "running", vm->end_msg, k->m.left_behind, VMM_JOIN_TIMEOUT_MS);
	else
		snprintf(msg, len, "%s", vm->end_msg);
	if (k->killed)
		return VM_END_KILLED;
	if (k->m.left_behind)
		return VM_END_FAILED;
	switch (atomic_load(&vm->end)) {
	case VMM_END_RESET: return VM_END_RESET;
	case VMM_END_PANIC: return VM_END_PANIC;
	case VMM_END_STOPPED: return VM_END_KILLED;
	default: return VM_END_FAILED;
	}
}

static void kvm_kill(struct backend *b)
{
	struct kvm_backend *k = b->priv;

	if (!k->m.vm_created)
		return;
	k->killed = atomic_load(&k->m.vm.end) == VMM_END_NONE;
	vmm_end(&k->m.vm, VMM_END_STOPPED, "killed by ktstr-run");
}

/* At READY (host/boot.c): the guest paused, written, and run on. */
static int kvm_save(struct backend *b, const char *path, char *msg, size_t len)
{
	struct kvm_backend *k = b->priv;

	if (!k->m.vm_created || k->joined) {
		snprintf(msg, len, "the VM is not running");
		return -1;
	}
	return x86_machine_save(&k->m, path, msg, len);
}

/* The snapshot key's program: this binary, by content. Its state format is
 * this build's (host/vmm/snapfile.h, VSNAP_VERSION), so a snapshot made by
 * another build of ktstr-run is never offered to this one. */
static const char *kvm_program(void)
{
	return "/proc/self/exe";
}

/* What k holds, and k. */
static void free_machine(struct kvm_backend *k)
{
	if (k->m.vm_created) {
		vmm_end(&k->m.vm, VMM_END_STOPPED, "backend destroyed");
		join(k);
	}
	x86_machine_destroy(&k->m);
	if (k->m.left_behind)
		return;	/* a vCPU thread still runs in k's devices: leak them all */
	if (k->chan >= 0)
		close(k->chan);
	if (k->log_fd >= 0)
		close(k->log_fd);
	free(k);
}

/* A VM fit to be reset for another run: restored from a snapshot or saved
 * one (its file known), joined with no vCPU thread left behind, ended by
 * the guest's reboot or power-off (not killed, no panic, no error). */
static bool reusable(struct kvm_backend *k)
{
	return keep_warm && k->m.vm_created && k->m.snap_known && k->joined && !k->killed &&
	       !k->m.left_behind && !k->m.vm.cfg.hugepages &&
	       atomic_load(&k->m.vm.end) == VMM_END_RESET;
}

static void kvm_destroy(struct backend *b)
{
	struct kvm_backend *k = b->priv;

	if (k->m.vm_created) {
		vmm_end(&k->m.vm, VMM_END_STOPPED, "backend destroyed");
		join(k);
	}
	/* With a vCPU thread left behind, its socket's other end stays too. */
	if (!k->m.left_behind && b->report_fd >= 0)
		close(b->report_fd);
	if (reusable(k)) {
		/* This run's fds go; the next run's replace them in the devices,
		 * which no thread touches meanwhile. */
		if (k->log_fd >= 0)
			close(k->log_fd);
		k->log_fd = -1;
		x86_machine_forget_fds(&k->m);
		if (warm_vm)
			free_machine(warm_vm);
		warm_vm = k;
	} else {
		free_machine(k);
	}
	free(b);
}

void backend_kvm_warm(bool on)
{
	keep_warm = on;
	if (!on && warm_vm) {
		free_machine(warm_vm);
		warm_vm = NULL;
	}
}

struct backend *backend_kvm_new(void)
{
	struct backend *b = calloc(1, sizeof(*b));
	struct kvm_backend *k = calloc(1, sizeof(*k));

	if (!b || !k) {
		free(b);
		free(k);
		return NULL;
	}
	k->log_fd = -1;
	k->chan = -1;
	b->name = "kvm";
	b->priv = k;
	b->report_fd = -1;
	b->exit_fd = -1;
	b->start = kvm_start;
	b->reap = kvm_reap;
	b->kill = kvm_kill;
	b->destroy = kvm_destroy;
	b->plan_channel = true;
	b->save = kvm_save;
	b->program = kvm_program;
	return b;
}

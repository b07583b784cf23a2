// SPDX-License-Identifier: GPL-2.0-only
/* What a vCPU's fatal exit tells the user: KVM's exit reason in words, the
 * registers and the code bytes at RIP (through the guest's page tables). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "host/vmm/internal.h"
#include "host/vmm/vmm.h"

static void dump_seg(char **p, char *end, const char *name, const struct kvm_segment *s)
{
	*p += snprintf(*p, end - *p, " %s=%04x base=%llx lim=%x type=%x l=%d db=%d\n",
		       name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		       s->l, s->db);
	if (*p > end)
		*p = end;
}

static void dump_insn(struct vcpu *v, const struct kvm_sregs *s, uint64_t rip,
		      char **p, char *end)
{
	struct gm_paging pg = { s->cr0, s->cr3, s->cr4, s->efer };
	uint8_t b[16];
	uint64_t lin = (s->efer & (1 << 10) && s->cs.l) ? rip : s->cs.base + rip;

	if (gm_read_virt(&v->vm->gm, &pg, lin, b, sizeof(b))) {
		*p += snprintf(*p, end - *p, " code: <linear 0x%llx not mapped in guest RAM>\n",
			       (unsigned long long)lin);
	} else {
		*p += snprintf(*p, end - *p, " code at 0x%llx:", (unsigned long long)lin);
		for (size_t i = 0; i < sizeof(b) && *p < end; i++)
			*p += snprintf(*p, end - *p, " %02x", b[i]);
		if (*p < end)
			*p += snprintf(*p, end - *p, "\n");
	}
	if (*p > end)
		*p = end;
}

void vmm_dump_vcpu(struct vcpu *v, char *buf, size_t len)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	char *p = buf, *end = buf + len;

	buf[0] = 0;
	if (ioctl(v->fd, KVM_GET_REGS, &r) || ioctl(v->fd, KVM_GET_SREGS, &s)) {
		snprintf(buf, len, " (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	p += snprintf(p, end - p,
		      " vCPU %d (APIC ID %u)\n"
		      " rip=%016llx rsp=%016llx rflags=%08llx\n"
		      " rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
		      " rsi=%016llx rdi=%016llx rbp=%016llx r8=%016llx\n"
		      " r9=%016llx r10=%016llx r11=%016llx r12=%016llx\n"
		      " r13=%016llx r14=%016llx r15=%016llx\n"
		      " cr0=%llx cr2=%llx cr3=%llx cr4=%llx efer=%llx\n",
		      v->index, v->apic_id, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx,
		      r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13,
		      r.r14, r.r15, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	if (p > end)
		p = end;
	dump_seg(&p, end, "cs", &s.cs);
	dump_seg(&p, end, "ss", &s.ss);
	dump_insn(v, &s, r.rip, &p, end);
}

static const char *exit_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN (triple fault)";
	case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
	default: return "unexpected exit";
	}
}

static const char *suberror_name(uint32_t s)
{
	switch (s) {
	case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
	case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
	case KVM_INTERNAL_ERROR_DELIVERY_EV: return "event delivery failed";
	case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected exit reason";
	default: return "unknown suberror";
	}
}

/* RIP 0xfff0 with CS based at 0xffff0000: the vCPU's power-on state. */
static bool at_reset_vector(struct vcpu *v, const struct kvm_regs *r)
{
	struct kvm_sregs s;

	return r->rip == 0xfff0 && !ioctl(v->fd, KVM_GET_SREGS, &s) && s.cs.base == 0xffff0000;
}

void vcpu_fatal_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char dump[2048], what[512], extra[256] = "";
	struct kvm_regs r;
	int n = 0;

	vmm_dump_vcpu(v, dump, sizeof(dump));
	if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
		n = snprintf(what, sizeof(what), "%s, suberror %u (%s)",
			     exit_name(run->exit_reason), run->internal.suberror,
			     suberror_name(run->internal.suberror));
		for (uint32_t i = 0; i < run->internal.ndata && i < 4 && n < (int)sizeof(what); i++)
			n += snprintf(what + n, sizeof(what) - n, " data[%u]=0x%llx", i,
				      (unsigned long long)run->internal.data[i]);
	} else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY) {
		snprintf(what, sizeof(what), "%s, hardware reason 0x%llx",
			 exit_name(run->exit_reason),
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
	} else {
		snprintf(what, sizeof(what), "%s (exit reason %u)", exit_name(run->exit_reason),
			 run->exit_reason);
	}
	if (v->vm->is_pvm)
		snprintf(extra, sizeof(extra),
			 "this host's KVM (kvm_pvm) cannot run an unmodified Linux kernel; "
			 "use --backend qemu. ");
	if (ioctl(v->fd, KVM_GET_REGS, &r))
		r.rip = ~0ull;
	if (run->exit_reason == KVM_EXIT_SHUTDOWN && at_reset_vector(v, &r))
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "; the registers are "
			 "the reset state: KVM on AMD reinitializes a vCPU that shut down, so "
			 "where it faulted is lost (see the guest console)");
	vmm_log(v->vm, "[vmm] vCPU %d stopped: %s\n%s", v->index, what, dump);
	vmm_end(v->vm, VMM_END_ERROR, "%s%s on vCPU %d at RIP 0x%llx (register dump and "
		"code bytes in the console log)\n%s", extra, what, v->index,
		(unsigned long long)r.rip, dump);
}

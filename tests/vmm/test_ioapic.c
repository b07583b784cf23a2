// SPDX-License-Identifier: GPL-2.0-only
/* The userspace IOAPIC through the MMIO dispatch, as Linux programs it: the
 * version register, entries that read back, a rising edge on an unmasked pin
 * as one MSI to a 15-bit destination (KVM's 32-bit-ID address format), and
 * the floor's move of a device's extended destination into address_hi. */
#include <criterion/criterion.h>
#include <string.h>

#include "host/arch/x86/layout.h"
#include "host/dev/ioapic.h"
#include "host/vmm/vmm.h"
#include "tests/vmm/no_kvm.h"

static struct vmm vm;
static struct ioapic io;
static struct { int n; uint64_t addr; uint32_t data; } got;

static int catch_msi(struct vmm *v, uint64_t addr, uint32_t data)
{
	got.n++;
	got.addr = addr;
	got.data = data;
	return 0;
}

static void setup(void)
{
	vm_without_kvm(&vm);
	memset(&got, 0, sizeof(got));
	cr_assert_eq(ioapic_init(&io, &vm, X86_IOAPIC), 0);
	io.send = catch_msi;
}

static void teardown(void)
{
	pthread_mutex_destroy(&vm.bus.lock);
}

TestSuite(ioapic, .init = setup, .fini = teardown);

static void wr(uint64_t off, uint32_t v)
{
	iotrap_dispatch(&vm.bus, &vm.bus.mmio, X86_IOAPIC + off, (uint8_t *)&v, 4, true);
}

static uint32_t rd(uint64_t off)
{
	uint32_t v;

	iotrap_dispatch(&vm.bus, &vm.bus.mmio, X86_IOAPIC + off, (uint8_t *)&v, 4, false);
	return v;
}

static uint32_t reg(uint8_t r)
{
	wr(0, r);
	return rd(0x10);
}

/* Entry `pin` as Linux writes it: high half first, then the low half. */
static void program(unsigned pin, uint64_t e)
{
	wr(0, 0x11 + 2 * pin);
	wr(0x10, e >> 32);
	wr(0, 0x10 + 2 * pin);
	wr(0x10, (uint32_t)e);
}

Test(ioapic, version_and_masked_entries)
{
	cr_expect_eq(reg(0x01), 0x170011u, "24 entries, 82093AA");
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		cr_expect_eq(reg(0x10 + 2 * pin), 1u << 16, "pin %u starts masked", pin);
	ioapic_set_line(&io, 4, 1);
	cr_expect_eq(got.n, 0, "a masked pin sends nothing");
}

Test(ioapic, entry_reads_back_without_status_bits)
{
	program(4, 0x0102000000000031ull | 1ull << 12 | 1ull << 14);
	cr_expect_eq(reg(0x18), 0x31u, "delivery status and remote IRR are the IOAPIC's");
	cr_expect_eq(reg(0x19), 0x01020000u);
}

/* Destination 292 = 0x124: 0x24 in bits 63:56, 1 in the extended bits 55:49. */
Test(ioapic, rising_edge_is_one_msi_to_a_15_bit_destination)
{
	program(4, 0x24ull << 56 | 1ull << 49 | 0x31);
	ioapic_set_line(&io, 4, 1);
	ioapic_set_line(&io, 4, 1);
	cr_assert_eq(got.n, 1, "one MSI per rising edge");
	cr_expect_eq(got.addr, 0x100fee24000ull, "0x24 in the address, 1 << 8 in address_hi");
	cr_expect_eq(got.data, 0x31u, "vector 0x31, fixed, edge");
	ioapic_set_line(&io, 4, 0);
	ioapic_set_line(&io, 4, 1);
	cr_expect_eq(got.n, 2);
	cr_expect_eq(io.sent, 2u);
}

Test(ioapic, logical_lowest_priority_kept)
{
	program(3, 0x03ull << 56 | 1ull << 11 | 1ull << 8 | 0x41);
	ioapic_set_line(&io, 3, 1);
	cr_assert_eq(got.n, 1);
	cr_expect_eq(got.addr, 0xfee03004ull, "destination 3, logical");
	cr_expect_eq(got.data, 0x141u, "vector 0x41, lowest priority");
}

Test(ioapic, extint_and_bad_pins_send_nothing)
{
	program(0, 7ull << 8 | 0x30);
	ioapic_set_line(&io, 0, 1);
	ioapic_set_line(&io, IOAPIC_PINS, 1);
	ioapic_set_line(&io, 1000, 1);
	cr_expect_eq(got.n, 0);
}

/* The floor takes over the device lines: vmm_irq_line reaches the IOAPIC. */
Test(ioapic, vmm_irq_line_reaches_it)
{
	program(4, 0x40);
	cr_expect_eq(vmm_irq_line(&vm, 4, 1), 0);
	cr_expect_eq(got.n, 1);
}

/* A virtio device's MSI as a guest with KVM_FEATURE_MSI_EXT_DEST_ID writes
 * it for APIC ID 0x124: 0x24 in bits 19:12, 1 in bits 11:5. */
Test(ioapic, msi_ext_dest_moves_to_address_hi)
{
	cr_expect_eq(vmm_msi_ext_dest(0xfee24020ull), 0x100fee24000ull);
	cr_expect_eq(vmm_msi_ext_dest(0xfee24000ull), 0xfee24000ull, "no extended bits");
	cr_expect_eq(vmm_msi_ext_dest(0xfeeff00cull | 0x7full << 5), 0x7f00feeff00cull,
		     "bits 2-3 stay, all 7 extended bits move");
}

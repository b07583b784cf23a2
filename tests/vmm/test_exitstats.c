// SPDX-License-Identifier: GPL-2.0-only
/* Exit statistics: counts per reason and address survive the merge of
 * per-vCPU tables, a full table counts what it drops, and the summary names
 * the busiest addresses first. */
#include <criterion/criterion.h>
#include <linux/kvm.h>
#include <stdlib.h>

#include "host/vmm/exitstats.h"

static struct exitstats s[2], m;

Test(exitstats, merge_and_format)
{
	char buf[4096];

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 300; i++) {
		exitstats_add(&s[i & 1], KVM_EXIT_IO, 1000);
		exitstats_add_addr(&s[i & 1], EXITSTATS_PIO, 0x3f8, 1, 1000, 5000000 + i);
	}
	for (int i = 0; i < 7; i++) {
		exitstats_add(&s[1], KVM_EXIT_MMIO, 2000000);
		exitstats_add_addr(&s[1], EXITSTATS_MMIO, 0xfe000000, 0, 2000000, 9000000);
	}
	exitstats_add(&s[0], KVM_EXIT_IO, 0);
	exitstats_add_addr(&s[0], EXITSTATS_PIO, 0x3f8, 0, 0, 1000000);
	exitstats_merge(&m, s, 2);
	cr_assert_eq(m.reason[KVM_EXIT_IO], 301);
	cr_assert_eq(m.reason[KVM_EXIT_MMIO], 7);
	exitstats_format(&m, 100.0, 1000000, buf, sizeof(buf));
	cr_assert(strstr(buf, "exits: 308 to the VMM in 100 ms"), "%s", buf);
	cr_assert(strstr(buf, "io 301 (0.3 ms); mmio 7 (14.0 ms)"), "%s", buf);
	/* busiest first: the 300 writes to COM1, then the MMIO reads, then the read */
	char *w = strstr(buf, "port write 0x3f8: 300 exits, 0.3 ms in the VMM, first at 4 ms");
	char *r = strstr(buf, "mmio read 0xfe000000: 7 exits, 14.0 ms in the VMM, first at 8 ms");
	char *rd = strstr(buf, "port read 0x3f8: 1 exits, 0.0 ms in the VMM, first at 0 ms");

	cr_assert(w && r && rd && w < r && r < rd, "%s", buf);
}

Test(exitstats, full_table_counts_drops)
{
	char buf[8192];

	memset(s, 0, sizeof(s));
	for (int i = 0; i < EXITSTATS_SLOTS + 5; i++)
		exitstats_add_addr(&s[0], EXITSTATS_MMIO, 0x1000 * (i + 1), 1, 10, 1);
	cr_assert_eq(s[0].dropped, 5);
	exitstats_merge(&m, s, 1);
	cr_assert_eq(m.dropped, 5);
	exitstats_format(&m, 1.0, 0, buf, sizeof(buf));
	cr_assert(strstr(buf, "(5 exits at addresses past the table)"), "%s", buf);
}

Test(exitstats, truncated_output_stays_terminated)
{
	char buf[32];

	memset(s, 0, sizeof(s));
	exitstats_add(&s[0], KVM_EXIT_IO, 1);
	exitstats_merge(&m, s, 1);
	cr_assert_gt(exitstats_format(&m, 1.0, 0, buf, sizeof(buf)), 31);
	cr_assert_eq(strlen(buf), 31);
}

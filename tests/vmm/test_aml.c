// SPDX-License-Identifier: GPL-2.0-only
/* The AML encoder against hand-decoded bytes (ACPI 6.x 20.2.4 PkgLength,
 * 20.2.3 integers, the EISA ID packing), and a full buffer that sticks. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "host/arch/x86/aml.h"

static uint8_t buf[8192];

/* A device named "DEVX" with `body` bytes of filler inside: the bytes of its
 * PkgLength, right after the DeviceOp. */
static void device_with_body(size_t body, struct aml *a)
{
	size_t mark;

	*a = (struct aml){ buf, 0, sizeof(buf), 0 };
	mark = aml_device(a, "DEVX");
	for (size_t i = 4; i < body; i++)
		aml_byte(a, 0xa5);
	aml_close(a, mark);
	cr_assert_eq(a->err, 0);
	cr_assert_eq(buf[0], 0x5b);
	cr_assert_eq(buf[1], 0x82);
}

Test(aml, pkglength_one_byte_up_to_63)
{
	struct aml a;

	device_with_body(62, &a);	/* 62 + 1 length byte = 63 */
	cr_expect_eq(buf[2], 63);
	cr_expect_eq(memcmp(buf + 3, "DEVX", 4), 0);
	cr_expect_eq(a.n, 2 + 1 + 62u);
}

Test(aml, pkglength_two_bytes_from_64)
{
	struct aml a;

	device_with_body(63, &a);	/* 63 + 2 = 65 = 0x41: 0x40 | 1, then 0x41 >> 4 */
	cr_expect_eq(buf[2], 0x41);
	cr_expect_eq(buf[3], 0x04);
	cr_expect_eq(memcmp(buf + 4, "DEVX", 4), 0);
	cr_expect_eq(a.n, 2 + 2 + 63u);
}

Test(aml, pkglength_three_bytes_from_4096)
{
	struct aml a;

	device_with_body(4094, &a);	/* 4094 + 3 = 4097 = 0x1001 */
	cr_expect_eq(buf[2], 0x81);
	cr_expect_eq(buf[3], 0x00);
	cr_expect_eq(buf[4], 0x01);
	cr_expect_eq(memcmp(buf + 5, "DEVX", 4), 0);
}

Test(aml, integers_in_the_shortest_form)
{
	struct aml a = { buf, 0, sizeof(buf), 0 };
	static const uint8_t want[] = { 0x00, 0x01, 0x0a, 0x02, 0x0a, 0xff, 0x0b, 0x00, 0x01,
					0x0c, 0x00, 0x00, 0x01, 0x00 };

	aml_int(&a, 0);
	aml_int(&a, 1);
	aml_int(&a, 2);
	aml_int(&a, 0xff);
	aml_int(&a, 0x100);
	aml_int(&a, 0x10000);
	cr_assert_eq(a.n, sizeof(want));
	cr_expect_eq(memcmp(buf, want, sizeof(want)), 0);
}

Test(aml, eisaid_pnp0a03)
{
	struct aml a = { buf, 0, sizeof(buf), 0 };
	static const uint8_t want[] = { 0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03 };

	aml_name_eisaid(&a, "_HID", "PNP0A03");
	cr_assert_eq(a.n, sizeof(want));
	cr_expect_eq(memcmp(buf, want, sizeof(want)), 0);
}

Test(aml, full_buffer_sticks)
{
	uint8_t small[7];
	struct aml a = { small, 0, sizeof(small), 0 };

	aml_name_int(&a, "_UID", 0x1234);	/* 1 + 4 + 1, then 2 more: no room */
	cr_expect_eq(a.err, -ENOSPC);
	cr_expect_eq(a.n, 6u);
	aml_byte(&a, 0);			/* fits, but the error stays */
	cr_expect_eq(a.err, -ENOSPC);
}

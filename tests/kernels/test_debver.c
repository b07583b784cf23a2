// SPDX-License-Identifier: GPL-2.0-only
/* deb_vercmp: dpkg's version order, on kernel package versions and
 * releases. */
#include <criterion/criterion.h>

#include "kernels/internal.h"

Test(debver, debian_version_order)
{
	cr_expect_gt(deb_vercmp("7.3.4-1~bpo13+1", "6.12.38-1"), 0);
	cr_expect_lt(deb_vercmp("7.3.4-1~bpo13+1", "7.3.4-1"), 0);
	cr_expect_eq(deb_vercmp("1.0-1", "1.0-1"), 0);
	cr_expect_gt(deb_vercmp("1:0.1", "9.9"), 0);
	cr_expect_gt(deb_vercmp("6.12.10", "6.12.9"), 0);
	cr_expect_gt(deb_vercmp("7.3.4+deb13-cloud-amd64", "6.12.38+deb13-cloud-amd64"), 0);
}

// SPDX-License-Identifier: GPL-2.0-only
/* The real default kernel, when it is cached: its vmlinuz extracts to the
 * cached vmlinux (same size, .BTF and PVH note present). Skipped otherwise;
 * fill the cache with 'ktstr-run kernel fetch'. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fixtures.h"
#include "kernels/kernels.h"

Test(default_kernel, cached_vmlinuz_matches_vmlinux, .timeout = 120)
{
	char dir[256], out[512], msg[512] = "";
	struct vmlinux_info vi;
	struct stat a, b;
	struct kernel k;

	if (kernel_default_cached(&k) != 0)
		cr_skip_test("the default kernel is not cached; run 'ktstr-run kernel fetch'");
	cr_expect(k.has_btf, "%s has no .BTF", k.vmlinux);
	cr_expect(k.has_pvh, "%s has no PVH note", k.vmlinux);
	fx_tmpdir(dir, sizeof(dir));
	snprintf(out, sizeof(out), "%s/vmlinux", dir);
	cr_assert_eq(bzimage_extract_vmlinux(k.bzimage, out, NULL, NULL, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(stat(out, &a), 0);
	cr_assert_eq(stat(k.vmlinux, &b), 0);
	cr_expect_eq(a.st_size, b.st_size);
	cr_assert_eq(vmlinux_inspect(out, &vi, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect(vi.has_btf);
	cr_expect(vi.has_pvh);
	cr_expect_str_eq(vi.release, k.release);
	fx_rm_rf(dir);
}

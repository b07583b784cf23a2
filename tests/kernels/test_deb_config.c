// SPDX-License-Identifier: GPL-2.0-only
/* The kernel's .config from its Debian package (kdeb_config), and the
 * cached default kernel's config (kernel_default_config) without the
 * network: kept, taken from an older kernel's cached all-in-one package,
 * or a remembered failure that a run does not repeat. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "kernels/internal.h"

static char dir[256];

static void setup(void)
{
	fx_tmpdir(dir, sizeof(dir));
	setenv("D", dir, 1);
}

static void teardown(void)
{
	fx_rm_rf(dir);
}

TestSuite(deb_config, .init = setup, .fini = teardown, .timeout = 60);

static void sh(const char *cmd)
{
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* A package NAME with `path` (under the package root) holding "CONFIG_X=y". */
static void make_deb(const char *name, const char *path)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "set -e; cd $D; rm -rf pkg; mkdir -p pkg/DEBIAN pkg/$(dirname %s); "
		 "echo CONFIG_X=y >pkg/%s; "
		 "printf 'Package: %s\\nVersion: 1\\nArchitecture: amd64\\nMaintainer: t <t@t>\\n"
		 "Description: t\\n' >pkg/DEBIAN/control; "
		 "dpkg-deb -Zgzip -b pkg %s.deb >/dev/null", path, path, name, name);
	sh(cmd);
}

static void want_config(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");

	cr_assert_not_null(f, "%s", path);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_expect_str_eq(buf, "CONFIG_X=y\n");
}

/* The package's path, the config's and kdeb_config's message. */
struct deb_try {
	char deb[512], out[512], msg[512];
};

/* kdeb_config of package NAME (made by make_deb with path) for release
 * rel, into dir/config. */
static int deb_config(struct deb_try *t, const char *name, const char *path, const char *rel)
{
	make_deb(name, path);
	snprintf(t->deb, sizeof(t->deb), "%s/%s.deb", dir, name);
	snprintf(t->out, sizeof(t->out), "%s/config", dir);
	t->msg[0] = 0;
	return kdeb_config(t->deb, rel, dir, t->out, t->msg, sizeof(t->msg));
}

Test(deb_config, linux_base_usr_lib_modules)
{
	struct deb_try t;

	cr_assert_eq(deb_config(&t, "linux-base-7.0-t", "usr/lib/modules/7.0-t/config", "7.0-t"),
		     0, "%s", t.msg);
	want_config(t.out);
}

Test(deb_config, older_linux_image_boot_config)
{
	struct deb_try t;

	cr_assert_eq(deb_config(&t, "linux-image-6.1-t", "boot/config-6.1-t", "6.1-t"), 0, "%s",
		     t.msg);
	want_config(t.out);
}

Test(deb_config, package_without_it_or_not_a_package)
{
	char want[700];
	struct deb_try t;

	cr_assert_eq(deb_config(&t, "linux-modules-7.0-t", "usr/lib/modules/7.0-t/kernel/x.ko",
				"7.0-t"), -ENOENT);
	snprintf(want, sizeof(want), "%s has neither usr/lib/modules/7.0-t/config nor "
		 "boot/config-7.0-t", t.deb);
	cr_expect_str_eq(t.msg, want);
	cr_expect_neq(access(t.out, F_OK), 0, "nothing written");
	sh("echo junk >$D/junk.deb");
	snprintf(t.deb, sizeof(t.deb), "%s/junk.deb", dir);
	cr_assert_eq(kdeb_config(t.deb, "7.0-t", dir, t.out, t.msg, sizeof(t.msg)), -1);
	cr_expect(strstr(t.msg, "dpkg-deb -x"), "%s", t.msg);
	sh("test -z \"$(ls $D | grep '^config-')\"");  /* the unpacked trees are gone */
}

/* <cache>/kernels/REL of a fake cached kernel. */
static void cached(struct kernel *k, const char *rel)
{
	char cmd[512];

	memset(k, 0, sizeof(*k));
	snprintf(k->release, sizeof(k->release), "%s", rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p $D/cache/ktstr-run/kernels/%s", rel);
	sh(cmd);
}

Test(deb_config, default_kernel_config_kept_in_the_cache)
{
	char want[512], msg[512] = "";
	struct kernel k;

	cached(&k, "7.0-t");
	sh("echo CONFIG_X=y >$D/cache/ktstr-run/kernels/7.0-t/config");
	cr_assert_eq(kernel_default_config(&k, false, NULL, NULL, msg, sizeof(msg)), 0, "%s", msg);
	snprintf(want, sizeof(want), "%s/cache/ktstr-run/kernels/7.0-t/config", dir);
	cr_expect_str_eq(k.config, want);
}

Test(deb_config, default_kernel_config_from_the_cached_image_package)
{
	char msg[512] = "";
	struct kernel k;

	cached(&k, "6.1-t");
	make_deb("linux-image-6.1-t", "boot/config-6.1-t");
	snprintf(k.modules_deb, sizeof(k.modules_deb), "%s/linux-image-6.1-t.deb", dir);
	cr_assert_eq(kernel_default_config(&k, false, NULL, NULL, msg, sizeof(msg)), 0, "%s", msg);
	want_config(k.config);
	sh("test ! -e $D/cache/ktstr-run/kernels/.work-*");
}

Test(deb_config, default_kernel_config_failure_is_remembered)
{
	char msg[512] = "";
	struct kernel k;

	cached(&k, "7.0-t");
	sh("echo 'apt-cache show linux-image-7.0-t: gone' >$D/cache/ktstr-run/kernels/7.0-t/config.missing");
	cr_assert_eq(kernel_default_config(&k, false, NULL, NULL, msg, sizeof(msg)), -1);
	cr_expect_str_eq(msg, "apt-cache show linux-image-7.0-t: gone (from an earlier try; "
			 "'ktstr-run kernel fetch' tries again)");
	cr_expect_str_eq(k.config, "");
}

/* kernel_config_lacks: which needed options a .config does not build in. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixtures.h"
#include "kernels/kernels.h"

static char dir[256], path[300];

static void setup(void)
{
	fx_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/.config", dir);
}

static void teardown(void)
{
	fx_rm_rf(dir);
}

TestSuite(config, .init = setup, .fini = teardown);

static const struct kernel_option want[] = {
	{ "CONFIG_VIRTIO_PCI", "device" },
	{ "CONFIG_VIRTIO_CONSOLE", "channel" },
	{ "CONFIG_PCI_MMCONFIG", "ecam" },
	{ "CONFIG_SCHED_CLASS_EXT", "scx" },
};

static int lacks(const char *text, char *out, size_t len)
{
	fx_write(path, text, strlen(text));
	return kernel_config_lacks(path, want, 4, out, len);
}

Test(config, all_built_in)
{
	char out[256];

	cr_expect_eq(lacks("CONFIG_VIRTIO_PCI=y\nCONFIG_VIRTIO_CONSOLE=y\n"
			   "CONFIG_PCI_MMCONFIG=y\nCONFIG_SCHED_CLASS_EXT=y\n", out, sizeof(out)), 0);
	cr_expect_str_eq(out, "");
}

/* Not set, a module, absent, and a longer name sharing the prefix. */
Test(config, missing_modules_and_prefixes)
{
	char out[512];

	cr_expect_eq(lacks("CONFIG_VIRTIO_PCI_LEGACY=y\n# CONFIG_VIRTIO_PCI is not set\n"
			   "CONFIG_VIRTIO_CONSOLE=m\nCONFIG_PCI_MMCONFIG=y\n", out, sizeof(out)), 3);
	cr_expect_str_eq(out, "CONFIG_VIRTIO_PCI (device), CONFIG_VIRTIO_CONSOLE=m (channel; "
			 "the guest loads no modules), CONFIG_SCHED_CLASS_EXT (scx)");
}

Test(config, short_buffer_is_cut_not_overrun)
{
	char out[8];

	cr_expect_eq(lacks("", out, sizeof(out)), 4);
	cr_expect_eq(strlen(out), 7u);
}

Test(config, unreadable)
{
	char out[64];

	cr_expect_eq(kernel_config_lacks("/nonexistent/.config", want, 4, out, sizeof(out)),
		     -ENOENT);
}

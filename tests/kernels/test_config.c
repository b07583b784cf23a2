// SPDX-License-Identifier: GPL-2.0-only
/* kernel_config_lacks: which needed options a .config does not build in. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "kernels/kernels.h"

static char path[300];

static void setup(void)
{
	fx_suite_init();
	snprintf(path, sizeof(path), "%s/.config", fx_dir);
}

TestSuite(config, .init = setup, .fini = fx_suite_fini);

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

/* The tail of a line longer than the read buffer is not a line of its
 * own: a long CONFIG_CMDLINE holding "CONFIG_VIRTIO_CONSOLE=y" at the
 * wrong place does not build the console in. */
Test(config, long_line_tail_is_not_a_setting)
{
	char text[2048], out[512];
	int n = snprintf(text, sizeof(text), "CONFIG_CMDLINE=\"");

	memset(text + n, 'x', 511 - n);
	snprintf(text + 511, sizeof(text) - 511,
		 "CONFIG_VIRTIO_CONSOLE=y\"\nCONFIG_VIRTIO_PCI=y\nCONFIG_PCI_MMCONFIG=y\n"
		 "CONFIG_SCHED_CLASS_EXT=y\n");
	cr_expect_eq(lacks(text, out, sizeof(out)), 1, "out: %s", out);
	cr_expect(strstr(out, "CONFIG_VIRTIO_CONSOLE"), "out: %s", out);
}

/* As kconfig reads it: the last assignment wins. */
Test(config, last_assignment_wins)
{
	char out[512];

	cr_expect_eq(lacks("CONFIG_VIRTIO_PCI=y\nCONFIG_VIRTIO_CONSOLE=m\n"
			   "CONFIG_PCI_MMCONFIG=y\nCONFIG_SCHED_CLASS_EXT=y\n"
			   "# CONFIG_VIRTIO_PCI is not set\nCONFIG_VIRTIO_CONSOLE=y\n",
			   out, sizeof(out)), 1, "out: %s", out);
	cr_expect(strstr(out, "CONFIG_VIRTIO_PCI ("), "out: %s", out);
}

/* A .config that is a device or a FIFO is refused at once (reading
 * /dev/zero never ended). */
Test(config, not_a_regular_file, .timeout = 10)
{
	char out[64];

	cr_assert_eq(symlink("/dev/zero", path), 0);
	cr_expect_eq(kernel_config_lacks(path, want, 4, out, sizeof(out)), -EINVAL);
}

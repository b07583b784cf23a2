// SPDX-License-Identifier: GPL-2.0-only
/* host/install_paths: companions found relative to the executable, with
 * "../" taken off the executable's directory. */
#include <criterion/criterion.h>
#include <string.h>

#include "config.h"
#include "host/install_paths.h"

static const char *path(const char *exe_dir, const char *dir, const char *name)
{
	static char out[256];

	cr_assert_eq(install_path(out, sizeof(out), exe_dir, dir, name), 0);
	return out;
}

Test(install_paths, build_tree_beside_the_executable)
{
	cr_assert_str_eq(path("/src/build", "guest-init", "guest-init"),
			 "/src/build/guest-init/guest-init");
}

Test(install_paths, relative_install_dirs_go_up_from_bindir)
{
	cr_assert_str_eq(path("/opt/k/bin", "../libexec/ktstr-run", "guest-init"),
			 "/opt/k/libexec/ktstr-run/guest-init");
	cr_assert_str_eq(path("/d/usr/local/bin", "../share/ktstr-run/scheds", "fifo.bpf.o"),
			 "/d/usr/local/share/ktstr-run/scheds/fifo.bpf.o");
	cr_assert_str_eq(path("/p/sub/bin", "../../share/x", "n"), "/p/share/x/n");
	cr_assert_str_eq(path("/bin", "../libexec/ktstr-run", "g"), "/libexec/ktstr-run/g");
}

Test(install_paths, absolute_dirs_stay)
{
	cr_assert_str_eq(path("/opt/k/bin", "/usr/libexec/ktstr-run", "guest-init"),
			 "/usr/libexec/ktstr-run/guest-init");
}

Test(install_paths, too_long_is_refused)
{
	char out[12];

	cr_assert_eq(install_path(out, sizeof(out), "/abcdefgh", "dir", "name"), -1);
	cr_assert_eq(install_path(out, sizeof(out), "/abcdefghijklmnop", "../d", "n"), -1);
}

Test(install_paths, configured_layout_is_relative_or_absolute)
{
	/* meson.build writes "../<dir>" under a prefix, else an absolute path */
	cr_assert(!strncmp(KTSTR_INSTALL_LIBEXEC, "../", 3) || KTSTR_INSTALL_LIBEXEC[0] == '/');
	cr_assert(!strncmp(KTSTR_INSTALL_SCHEDS, "../", 3) || KTSTR_INSTALL_SCHEDS[0] == '/');
}

Test(install_paths, exe_dir_is_this_test_s_directory)
{
	char dir[4096], msg[128];

	cr_assert_eq(install_exe_dir(dir, sizeof(dir), msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(dir[0] == '/' && strstr(dir, "tests/host"), "%s", dir);
}

Test(install_paths, find_takes_the_build_tree_first_then_the_installed_one)
{
	char buf[4096], msg[8192];

	cr_assert_eq(install_find(buf, sizeof(buf), ".", "/nonexistent", "test-host-install-paths",
				  "build it", msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(buf[0] == '/' && strstr(buf, "tests/host/./test-host-install-paths"), "%s", buf);
	cr_assert_eq(install_find(buf, sizeof(buf), "/nonexistent", "/bin", "sh", "build it", msg,
				  sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(buf, "/bin/sh");
	cr_assert_eq(install_find(buf, sizeof(buf), ".", "/nonexistent", "no-such", "build it",
				  msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "no-such not found (looked for /") &&
		  strstr(msg, "tests/host/./no-such and /nonexistent/no-such); build it"), "%s", msg);
}

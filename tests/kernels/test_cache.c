// SPDX-License-Identifier: GPL-2.0-only
/* kernel_cache_dir: where the cache lives, and that it never falls back to
 * a directory other users can write. */
#include <criterion/criterion.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixtures.h"
#include "kernels/kernels.h"

TestSuite(cache, .init = fx_suite_init, .fini = fx_suite_fini, .timeout = 30);

Test(cache, xdg_then_home)
{
	char buf[4096], want[512], msg[256] = "";

	snprintf(want, sizeof(want), "%s/cache/ktstr-run", fx_dir);
	cr_assert_eq(kernel_cache_dir(buf, sizeof(buf), msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_str_eq(buf, want);
	cr_expect_eq(access(want, F_OK), 0, "created on demand");
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", fx_dir, 1);
	snprintf(want, sizeof(want), "%s/.cache/ktstr-run", fx_dir);
	cr_assert_eq(kernel_cache_dir(buf, sizeof(buf), msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_str_eq(buf, want);
	/* A relative XDG_CACHE_HOME is ignored, as the XDG spec says. */
	setenv("XDG_CACHE_HOME", "relative", 1);
	cr_assert_eq(kernel_cache_dir(buf, sizeof(buf), msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_str_eq(buf, want);
}

/* A uid the passwd database does not know (a container's --user). */
static uid_t unknown_uid(void)
{
	for (uid_t u = 61234; u < 65000; u++)
		if (!getpwuid(u))
			return u;
	return 0;
}

/* With neither XDG_CACHE_HOME nor HOME nor a passwd home, the cache used
 * to be /tmp/.cache/ktstr-run, which any user could have made first and
 * filled with a vmlinux of their choosing. Now that is refused. */
Test(cache, no_home_is_refused_not_shared_tmp)
{
	uid_t uid = unknown_uid();
	int status;
	pid_t pid;

	if (geteuid() != 0 || !uid)
		cr_skip_test("needs root to become a uid without a passwd entry");
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char buf[4096], msg[512] = "";
		int ret;

		if (setgid(uid) || setuid(uid))
			_exit(10);
		unsetenv("XDG_CACHE_HOME");
		unsetenv("HOME");
		ret = kernel_cache_dir(buf, sizeof(buf), msg, sizeof(msg));
		if (ret == 0)
			_exit(strncmp(buf, "/tmp", 4) ? 11 : 12);
		if (!strstr(msg, "XDG_CACHE_HOME") || !strstr(msg, "HOME"))
			_exit(13);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child: status %d (11/12: a cache dir was chosen, 12: under /tmp; 13: the message does not say what to set)",
		  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

// SPDX-License-Identifier: GPL-2.0-only
/* Paths of ktstr-run's companions, relative to its own executable
 * (install_paths.h). */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "host/install_paths.h"

int install_exe_dir(char *buf, size_t len, char *msg, size_t msglen)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	char *d;

	if (n < 0) {
		snprintf(msg, msglen, "/proc/self/exe: %s", strerror(errno));
		return -1;
	}
	if ((size_t)n >= len - 1) {
		snprintf(msg, msglen, "/proc/self/exe: path longer than %zu bytes", len - 2);
		return -1;
	}
	buf[n] = 0;
	/* dirname() returns buf, cut, or a static "/" */
	d = dirname(buf);
	memmove(buf, d, strlen(d) + 1);
	return 0;
}

int install_path(char *out, size_t len, const char *exe_dir, const char *dir,
		 const char *name)
{
	size_t base;
	int n;

	if (dir[0] == '/') {
		n = snprintf(out, len, "%s/%s", dir, name);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	n = snprintf(out, len, "%s", exe_dir);
	if (n < 0 || (size_t)n >= len)
		return -1;
	/* "../" goes up from exe_dir here, so the path reads plainly in messages */
	base = (size_t)n;
	while (!strncmp(dir, "../", 3) && base > 1) {
		while (base > 1 && out[base - 1] != '/')
			base--;
		if (base > 1)
			base--;
		dir += 3;
	}
	out[base] = 0;
	n = snprintf(out + base, len - base, "%s%s/%s", base > 1 ? "/" : "", dir, name);
	return n < 0 || (size_t)n >= len - base ? -1 : 0;
}

int install_find(char *buf, size_t len, const char *build_dir, const char *install_dir,
		 const char *name, const char *hint, char *msg, size_t msglen)
{
	const char *const dirs[] = { build_dir, install_dir };
	char exe[PATH_MAX], tried[2][PATH_MAX];

	if (install_exe_dir(exe, sizeof(exe), msg, msglen))
		return -1;
	for (size_t i = 0; i < 2; i++) {
		if (install_path(tried[i], sizeof(tried[i]), exe, dirs[i], name))
			tried[i][0] = 0;
		else if (access(tried[i], R_OK) == 0) {
			snprintf(buf, len, "%s", tried[i]);
			return 0;
		}
	}
	snprintf(msg, msglen, "%s not found (looked for %s and %s); %s", name, tried[0],
		 tried[1], hint);
	return -1;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Reads a kernel build's .config: which of the options a run needs are not
 * built in (a guest without them boots, then cannot report). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/internal.h"

/* One line's say on `opt` ("CONFIG_X"): 'y', 'm', 'n' ("# CONFIG_X is
 * not set", or another value), or 0 if the line is not about it. */
static char line_value(const char *line, const char *opt)
{
	size_t n = strlen(opt);

	if (!strncmp(line, opt, n) && line[n] == '=')
		return line[n + 1] == 'y' || line[n + 1] == 'm' ? line[n + 1] : 'n';
	if (!strncmp(line, "# ", 2) && !strncmp(line + 2, opt, n) &&
	    !strncmp(line + 2 + n, " is not set", 11) &&
	    (line[13 + n] == '\n' || line[13 + n] == '\0'))
		return 'n';
	return 0;
}

/* The values of want[] in the open .config, the last assignment winning
 * as kconfig reads it; 'n' for the absent ones. Lines too long for the
 * buffer are skipped whole (no wanted option's line is that long). */
static void config_values(FILE *f, const struct kernel_option *want, size_t n, char *v)
{
	char line[512];
	bool too_long;

	memset(v, 'n', n);
	while (kgetline(f, line, sizeof(line), &too_long)) {
		if (too_long || (line[0] != 'C' && line[0] != '#'))
			continue;
		for (size_t i = 0; i < n; i++) {
			char c = line_value(line, want[i].name);

			if (c)
				v[i] = c;
		}
	}
}

/* The .config as a stream; only a regular file (a device or a FIFO would
 * never end or never start). -errno. */
static int open_config(const char *config, FILE **f)
{
	struct stat st;
	int fd = open(config, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*f = fdopen(fd, "r");
	if (!*f) {
		err = -errno;
		close(fd);
		return err;
	}
	return 0;
}

int kernel_config_lacks(const char *config, const struct kernel_option *want, size_t n,
			char *out, size_t len)
{
	size_t used = 0;
	int missing = 0, ret;
	char *v = malloc(n ? n : 1);
	FILE *f;

	if (!v)
		return -ENOMEM;
	ret = open_config(config, &f);
	if (ret) {
		free(v);
		return ret;
	}
	config_values(f, want, n, v);
	fclose(f);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (v[i] == 'y')
			continue;
		missing++;
		if (used < len)
			used += snprintf(out + used, len - used, "%s%s%s (%s%s)",
					 missing > 1 ? ", " : "", want[i].name,
					 v[i] == 'm' ? "=m" : "", want[i].why,
					 v[i] == 'm' ? "; the guest loads no modules" : "");
	}
	free(v);
	return missing;
}

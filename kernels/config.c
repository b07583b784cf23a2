/* Reads a kernel build's .config: which of the options a run needs are not
 * built in (a guest without them boots, then cannot report). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernels/kernels.h"

/* The value of `opt` ("CONFIG_X") in the open .config: 'y', 'm', or 'n'
 * for "# CONFIG_X is not set" and absent. */
static char config_value(FILE *f, const char *opt)
{
	char line[512];
	size_t n = strlen(opt);

	rewind(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, opt, n) && line[n] == '=')
			return line[n + 1] == 'y' || line[n + 1] == 'm' ? line[n + 1] : 'n';
	return 'n';
}

int kernel_config_lacks(const char *config, const struct kernel_option *want, size_t n,
			char *out, size_t len)
{
	FILE *f = fopen(config, "re");
	size_t used = 0;
	int missing = 0;

	if (!f)
		return -errno;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char v = config_value(f, want[i].name);

		if (v == 'y')
			continue;
		missing++;
		if (used < len)
			used += snprintf(out + used, len - used, "%s%s%s (%s%s)",
					 missing > 1 ? ", " : "", want[i].name,
					 v == 'm' ? "=m" : "", want[i].why,
					 v == 'm' ? "; the guest loads no modules" : "");
	}
	fclose(f);
	return missing;
}

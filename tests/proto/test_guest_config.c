// SPDX-License-Identifier: GPL-2.0-only
/* proto/guest.config is the one list of the kernel options the guest needs:
 * the README names every one of them. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/guest_config.h"

Test(guest_config, the_readme_names_every_option)
{
	FILE *f = fopen(README_MD, "r");
	char *text = calloc(1, 1 << 20);
	size_t n;

	cr_assert_not_null(f, "%s", README_MD);
	n = fread(text, 1, (1 << 20) - 1, f);
	text[n] = 0;
	fclose(f);
	cr_assert_gt(GUEST_CONFIG_N, 5);
	for (size_t i = 0; i < GUEST_CONFIG_N; i++) {
		char want[128];

		snprintf(want, sizeof(want), "`%s`", guest_config_options[i].name);
		cr_expect(strstr(text, want), "README.md does not name %s (proto/guest.config)",
			  guest_config_options[i].name);
	}
	cr_expect(strstr(text, "proto/guest.config"), "README.md does not point at the list");
	free(text);
}

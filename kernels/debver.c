// SPDX-License-Identifier: GPL-2.0-only
/* Debian version order (dpkg's verrevcmp): the newest cached kernel release
 * and the newest package version in "apt-cache show" output. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/internal.h"

static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	return c ? c + 256 : 0;
}

static int verrevcmp(const char *a, const char *b)
{
	while (*a || *b) {
		int first_diff = 0;

		while ((*a && !isdigit((unsigned char)*a)) || (*b && !isdigit((unsigned char)*b))) {
			int ac = order((unsigned char)*a), bc = order((unsigned char)*b);

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (*a == '0')
			a++;
		while (*b == '0')
			b++;
		while (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (isdigit((unsigned char)*a))
			return 1;
		if (isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

struct debver {
	long epoch;
	char upstream[256];
	const char *revision;
};

static void split_version(const char *v, struct debver *d)
{
	const char *colon = strchr(v, ':');
	char *dash;

	d->epoch = colon ? strtol(v, NULL, 10) : 0;
	snprintf(d->upstream, sizeof(d->upstream), "%s", colon ? colon + 1 : v);
	dash = strrchr(d->upstream, '-');
	d->revision = "";
	if (dash) {
		*dash = '\0';
		d->revision = dash + 1;
	}
}

int deb_vercmp(const char *a, const char *b)
{
	struct debver da, db;
	int r;

	split_version(a, &da);
	split_version(b, &db);
	if (da.epoch != db.epoch)
		return da.epoch < db.epoch ? -1 : 1;
	r = verrevcmp(da.upstream, db.upstream);
	return r ? r : verrevcmp(da.revision, db.revision);
}

// SPDX-License-Identifier: GPL-2.0-only
/* What the results say about the host (see hostinfo.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/hostinfo.h"
#include "lib/file.h"
#include "lib/utf8.h"

void hostinfo_cpu_model(const char *cpuinfo, char *out, size_t len)
{
	const char *p = cpuinfo;

	out[0] = 0;
	while (p && *p) {
		const char *eol = strchr(p, '\n'), *colon;
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if (!strncmp(p, "model name", 10) && (colon = memchr(p, ':', n))) {
			const char *v = colon + 1, *end = p + n;

			while (v < end && (*v == ' ' || *v == '\t'))
				v++;
			while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			/* /proc is the kernel's, but keep JSON strings valid. */
			utf8_sanitize(v, (size_t)(end - v), out, len);
			return;
		}
		p = eol ? eol + 1 : NULL;
	}
}

void hostinfo_start(struct host_facts *h)
{
	uint8_t *buf;
	size_t n;

	memset(h, 0, sizeof(*h));
	if (read_file("/proc/cpuinfo", 16 << 20, &buf, &n, NULL) == 0) {
		hostinfo_cpu_model((const char *)buf, h->cpu_model, sizeof(h->cpu_model));
		free(buf);
	}
	h->cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (getloadavg(h->load_start, 3) != 3)
		memset(h->load_start, 0, sizeof(h->load_start));
}

void hostinfo_end(struct host_facts *h)
{
	if (getloadavg(h->load_end, 3) != 3)
		memset(h->load_end, 0, sizeof(h->load_end));
}

// SPDX-License-Identifier: GPL-2.0-only
/* Error messages (see err.h). */
#include <stdarg.h>
#include <stdio.h>

#include "lib/err.h"

int errf(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

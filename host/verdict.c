// SPDX-License-Identifier: GPL-2.0-only
/* The verdict (see verdict.h): a guest that did not finish is an error
 * (exit 3) whatever the checks say; then guest errors (2), a damaged
 * report stream (3), failed checks (1), else pass. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host/verdict.h"
#include "lib/utf8.h"

static const char *crash_cause(const struct run_result *r)
{
	if (r->flooded)
		return "the guest flooded the report channel";
	if (r->timed_out)
		return "the guest did not finish in time (hung?)";
	if (strstr(r->crash_line, "Kernel panic") || r->end == VM_END_PANIC)
		return "the guest kernel panicked";
	if (r->end == VM_END_FAILED)
		return "the VM failed";
	return "the guest stopped before guest-init finished";
}

static void set(struct verdict *v, const char *verdict, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void set(struct verdict *v, const char *verdict, int code, const char *fmt, ...)
{
	char reason[sizeof(v->reason)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	utf8_copy(v->reason, sizeof(v->reason), reason);
	v->verdict = verdict;
	v->exit_code = code;
}

void verdict_decide(const struct scenario *s, const struct run_result *r,
		    struct verdict *v)
{
	size_t nerr = json_array_size(r->errors);

	memset(v, 0, sizeof(*v));
	checks_run(s, r, &v->checks);
	if (!r->done || r->flooded) {
		const char *crash = r->crash_line;

		/* Drop the printk timestamp. */
		while (*crash && strchr("[]. 0123456789", *crash))
			crash++;
		set(v, "error", 3, "%s%s%s (%s); %d worker report%s kept", crash_cause(r),
		    *crash ? ": " : "", crash, r->end_msg, r->n_reps, r->n_reps == 1 ? "" : "s");
		return;
	}
	if (nerr) {
		json_t *e = json_array_get(r->errors, 0);

		set(v, "error", 2, "%zu guest error%s, first: %s", nerr, nerr > 1 ? "s" : "",
		    json_string_value(json_object_get(e, ERRF_MSG)));
		return;
	}
	if (json_array_size(r->wire_errors)) {
		set(v, "error", 3, "report stream damaged: %s",
		    json_string_value(json_array_get(r->wire_errors, 0)));
		return;
	}
	for (int i = 0; i < v->checks.n; i++)
		if (!v->checks.v[i].pass) {
			set(v, "fail", 1, "check %s failed: %s", v->checks.v[i].name,
			    v->checks.v[i].detail);
			return;
		}
	set(v, "pass", 0, "all %d checks passed", v->checks.n);
}

void verdict_free(struct verdict *v)
{
	check_list_free(&v->checks);
}

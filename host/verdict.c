// SPDX-License-Identifier: GPL-2.0-only
/* The verdict (see verdict.h): a guest that did not finish is an error
 * (exit 3) whatever the checks say; then guest errors (2), a damaged
 * report stream (3), failed checks (1; 4 when only timing checks failed
 * and the host starved the VM), else pass. */
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
	va_list ap;

	va_start(ap, fmt);
	utf8_vformat(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	v->verdict = verdict;
	v->exit_code = code;
}

bool verdict_kind_is_timing(enum scn_check_kind k)
{
	switch (k) {
	case SCN_CHECK_STARVATION:
	case SCN_CHECK_FAIRNESS:
	case SCN_CHECK_WEIGHT:
	case SCN_CHECK_WAKE_LATENCY:
	case SCN_CHECK_THROUGHPUT:
		return true;
	case SCN_CHECK_ISOLATION:
	case SCN_CHECK_SCHED_ALIVE:
	case SCN_CHECK_SCHED_DIES:
		return false;
	}
	return false;
}

/* Whether result i is a timing check. checks_run puts the implicit checks
 * (all correctness) first, then one result per scenario check in file
 * order; a result that does not line up is taken as correctness. */
static bool is_timing(const struct scenario *s, const struct check_list *l, int i)
{
	int k = i - (l->n - s->n_checks);
	const char *kind;

	if (k < 0 || k >= s->n_checks || !verdict_kind_is_timing(s->checks[k].kind))
		return false;
	kind = scn_check_name(s->checks[k].kind);
	return !strncmp(l->v[i].name, kind, strlen(kind));
}

/* Failed checks, when every one is a timing check and the host starved
 * the VM: inconclusive. Returns whether it set the verdict. */
static bool inconclusive(const struct scenario *s, const struct run_result *r,
			 struct verdict *v)
{
	const struct dilation *d = &r->dilation;
	char failed[768] = "";
	int first = -1;

	if (!dil_is_starved(d))
		return false;
	for (int i = 0; i < v->checks.n; i++) {
		if (v->checks.v[i].pass)
			continue;
		if (!is_timing(s, &v->checks, i))
			return false;
		if (first < 0)
			first = i;
		appendf(failed, sizeof(failed), "%s%s", failed[0] ? ", " : "", v->checks.v[i].name);
	}
	set(v, "inconclusive", VERDICT_EXIT_INCONCLUSIVE,
	    "the host starved the VM (it waited for a host CPU %.0f%% of the time it was "
	    "runnable, its time stretched %.1fx; host load %.1f on %d CPUs), so timing "
	    "checks that failed are not judged: %s; first: %s", dil_starved(d) * 100,
	    dil_factor(d), r->host.load_end[0], r->host.cpus, failed, v->checks.v[first].detail);
	return true;
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
	if (!checks_all_pass(&v->checks) && inconclusive(s, r, v))
		return;
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

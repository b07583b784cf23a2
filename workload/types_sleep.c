// SPDX-License-Identifier: GPL-2.0-only
/* Work types that alternate running and sleeping: bursty, idle-churn and
 * sequence (a cycle of spin/sleep/yield/io phases). */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload/types.h"

static const struct wl_opt_def bursty_opts[] = {
	{ "run", WL_OPT_DUR, "10ms", "length of a burst" },
	{ "sleep", WL_OPT_DUR, "10ms", "sleep between bursts" },
	{ "work", WL_OPT_INT, "1000", "compute rounds per work unit" },
	{ NULL },
};

static int run_bursty(struct wl_worker *w)
{
	uint64_t run = wl_opt(w, "run"), nap = wl_opt(w, "sleep");
	uint64_t rounds = wl_opt(w, "work");

	while (!wl_stopping(w)) {
		wl_spin_until(w, wl_now() + run, rounds);
		wl_sleep_until(w, wl_now() + nap);
	}
	return 0;
}

const struct wl_type wl_type_bursty = {
	.name = "bursty", .summary = "compute for run=, sleep for sleep=, repeat",
	.opts = bursty_opts, .min_count = 1, .multiple = 1, .run = run_bursty,
};

static const struct wl_opt_def idle_opts[] = {
	{ "sleep", WL_OPT_DUR, "50us", "sleep between work units" },
	{ "work", WL_OPT_INT, "100", "compute rounds per work unit" },
	{ NULL },
};

static int run_idle_churn(struct wl_worker *w)
{
	uint64_t nap = wl_opt(w, "sleep"), rounds = wl_opt(w, "work");

	while (!wl_stopping(w)) {
		uint64_t t = wl_now();

		wl_compute(rounds);
		wm_iter(w, t, 1);
		wl_sleep_until(w, wl_now() + nap);
	}
	return 0;
}

const struct wl_type wl_type_idle_churn = {
	.name = "idle-churn",
	.summary = "tiny work, very short sleeps: CPUs enter and leave idle constantly",
	.opts = idle_opts, .min_count = 1, .multiple = 1, .run = run_idle_churn,
};

/* sequence: phases="spin:10ms,sleep:5ms,yield:1ms,io:1ms", cycled. */
#define MAX_PHASES 16

enum phase_kind { PH_SPIN, PH_SLEEP, PH_YIELD, PH_IO };

struct phase {
	enum phase_kind kind;
	uint64_t ns;
};

static int parse_phases(const char *s, struct phase *ph, int *n, char *msg, size_t len)
{
	static const char *const kinds[] = { "spin", "sleep", "yield", "io" };
	char buf[128], *save, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	*n = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':'), item[128];
		int k;

		snprintf(item, sizeof(item), "%s", tok);
		if (*n == MAX_PHASES) {
			snprintf(msg, len, "work type 'sequence': phases: at most %d phases", MAX_PHASES);
			return -1;
		}
		if (colon)
			*colon = 0;
		for (k = 0; k < 4 && strcmp(tok, kinds[k]); k++)
			;
		if (k == 4 || !colon || wl_parse_duration(colon + 1, &ph[*n].ns) || !ph[*n].ns) {
			snprintf(msg, len, "work type 'sequence': phases: '%s' is not "
				 "KIND:DURATION with KIND one of spin, sleep, yield, io "
				 "(e.g. spin:10ms,sleep:5ms)", item);
			return -1;
		}
		ph[(*n)++].kind = k;
	}
	if (!*n) {
		snprintf(msg, len, "work type 'sequence': phases is empty (e.g. phases=spin:10ms,sleep:5ms)");
		return -1;
	}
	return 0;
}

static int check_sequence(const char *key, const char *val, char *msg, size_t len)
{
	struct phase ph[MAX_PHASES];
	int n;

	return parse_phases(val, ph, &n, msg, len);
}

static const struct wl_opt_def sequence_opts[] = {
	{ "phases", WL_OPT_STR, "spin:10ms,sleep:5ms,yield:1ms,io:1ms",
	  "comma-separated KIND:DURATION, KIND = spin|sleep|yield|io" },
	{ "work", WL_OPT_INT, "1000", "compute rounds per spin work unit" },
	{ NULL },
};

/* One io unit: a 4 KiB write and fdatasync. */
static void io_phase(struct wl_worker *w, int fd, uint64_t until)
{
	static const char block[4096];

	while (wl_now() < until && !wl_stopping(w)) {
		uint64_t t = wl_now();

		wm_block(w);
		if (pwrite(fd, block, sizeof(block), 0) == sizeof(block))
			fdatasync(fd);
		wm_woke(w, 0);
		wm_iter(w, t, 1);
	}
}

static int run_sequence(struct wl_worker *w)
{
	struct phase ph[MAX_PHASES];
	uint64_t rounds = wl_opt(w, "work");
	char path[96], msg[128];
	int n, fd;

	if (parse_phases(wl_opt_str(w, "phases"), ph, &n, msg, sizeof(msg)))
		return wl_fail(w, WL_EXIT_SETUP, "%s", msg);
	snprintf(path, sizeof(path), "/tmp/ktstr-seq-%d-%d", w->pid, w->tid);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return wl_fail(w, WL_EXIT_SETUP, "cannot create %s", path);
	unlink(path);
	for (int i = 0; !wl_stopping(w); i = (i + 1) % n) {
		uint64_t until = wl_now() + ph[i].ns;

		switch (ph[i].kind) {
		case PH_SPIN:
			wl_spin_until(w, until, rounds);
			break;
		case PH_SLEEP:
			wl_sleep_until(w, until);
			wm_iter(w, wl_now(), 1);
			break;
		case PH_YIELD:
			while (wl_now() < until && !wl_stopping(w)) {
				uint64_t t = wl_now();

				sched_yield();
				wm_iter(w, t, 1);
			}
			break;
		case PH_IO:
			io_phase(w, fd, until);
			break;
		}
	}
	close(fd);
	return 0;
}

const struct wl_type wl_type_sequence = {
	.name = "sequence", .summary = "cycle through spin/sleep/yield/io phases",
	.opts = sequence_opts, .min_count = 1, .multiple = 1,
	.check_opt = check_sequence, .run = run_sequence,
};

/* SPDX-License-Identifier: GPL-2.0-only */
/* What a run produced, after the host checked it: the guest's frames
 * decoded into typed, range-checked records (host/frames.c), how the VM
 * ended, timings. Filled by collect.c and frames.c, judged by verdict.c,
 * written by output.c. */
#ifndef KTSTR__HOST_RESULTS_H
#define KTSTR__HOST_RESULTS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "host/backend.h"
#include "host/dilation.h"
#include "host/hostinfo.h"
#include "proto/events.h"
#include "workload/report.h"

/* One event the guest sent, checked against proto/events.h. */
struct guest_event {
	enum proto_event kind;
	double t_ms;          /* since guest-init started */
	uint64_t mono_ns;     /* guest CLOCK_MONOTONIC, when the op began */
	json_t *json;         /* the checked event: schema fields only, strings
			       * valid UTF-8; what the results file shows */
	/* Typed views of the fields the checks read ("" or 0 when absent);
	 * the strings live in json. */
	const char *step, *cgroup, *from, *to, *id, *name, *state, *reason;
	const char *exit_kind, *sched_ops;
	struct scn_cpumask cpus;
	int64_t index, iteration, exit_code, signal;
	bool has_exit_code, has_signal, killed, timed_out;
	double duration_ms, alive_ms;
};

/* What a guest can make the host keep: past these, frames are counted and
 * dropped, and a wire error says what was dropped. */
struct run_limits {
	uint32_t max_reports;       /* what the scenario can produce, plus slack */
	uint64_t max_samples;       /* latency/cost samples over all reports */
	uint32_t max_events;
	uint64_t max_event_bytes;   /* payload bytes of the events kept */
	uint32_t max_errors;        /* ERROR frames kept */
	uint32_t max_wire_errors;   /* wire error lines kept (the rest counted) */
	uint64_t max_stream_bytes;  /* past this the VM is stopped */
};

/* Defaults for a scenario that can start expected_workers workers. */
void run_limits_default(struct run_limits *l, uint64_t expected_workers);

struct run_result {
	json_t *hello;        /* checked HELLO payload, NULL if none arrived */
	struct guest_event *events;
	int n_events, cap_events;
	json_t *errors;       /* array of checked ERROR payloads {msg, fatal, t_ms} */
	json_t *wire_errors;  /* array of strings: damaged, refused or dropped frames */
	struct wr_data **reps; /* decoded worker reports */
	int n_reps, cap_reps;
	json_t *done;         /* checked DONE payload, NULL if none arrived */
	json_t *ready;        /* checked READY payload, NULL if none arrived */
	struct run_limits lim;
	struct {
		uint64_t reports, samples, events, event_bytes, errors, wire_errors;
	} dropped;
	uint64_t stream_bytes, event_bytes;
	bool flooded;         /* the stream passed max_stream_bytes */
	enum vm_end end;
	char end_msg[256];
	bool timed_out;
	const char *boot_kind; /* "cold", "restored" or "warm" (host/boot.h) */
	char snapshot[33];    /* the snapshot restored or saved, "" if none */
	bool snapshot_saved;
	uint64_t restore_ms;  /* launch -> the restored guest running */
	uint64_t ready_ms;    /* launch -> READY (guest-init up, takes its plan) */
	uint64_t boot_ms;     /* launch -> HELLO (the plan unpacked, the run starts) */
	uint64_t total_ms;    /* launch -> VM end */
	uint64_t host_peak_rss_kib;
	uint64_t vm_peak_rss_kib;  /* the VM process's (a child: QEMU), or 0 */
	/* What the host gave the VM from HELLO to DONE (the steps ran):
	 * measured only when both arrived. The verdict reads it. */
	struct dilation dilation;
	struct host_facts host;
	char console_log[4096];
	char console_tail[8192]; /* from the start of a crash, else the last
				  * lines; valid UTF-8 */
	char crash_line[512];    /* the "Kernel panic - not syncing: ..." line */
};

/* With the default limits for expected_workers. */
void results_init(struct run_result *r, uint64_t expected_workers);
void results_free(struct run_result *r);

/* Check one decoded frame and keep it (or count it as dropped). Returns 0,
 * or -1 if it was refused (a wire error says why). */
int results_add_frame(struct run_result *r, uint16_t type, const uint8_t *payload,
		      uint32_t len);
/* Record a wire error (kept up to lim.max_wire_errors, then counted). */
void results_wire_error(struct run_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* At the end of the stream: one wire error per kind of thing dropped. */
void results_finish(struct run_result *r);

/* Fill console_tail from the console log: from the first line of a crash
 * report if there is one (and crash_line), else its last `lines` lines. */
void results_read_console_tail(struct run_result *r, int lines);
/* The same from a buffer (the console's last bytes). */
void results_console_tail_from(struct run_result *r, char *buf, size_t n, int lines);

/* Progress shown while the guest runs. */
typedef void (*collect_progress_fn)(const char *line, void *ctx);

struct collect_opts {
	uint64_t t0_ms;        /* when the VM was launched (mono_ms()) */
	uint64_t timeout_ms;   /* wall-clock limit from t0_ms */
	/* The run plan (proto/plan.h), sent when the guest says READY and
	 * takes it from the channel; NULL when it is in the initramfs. */
	const uint8_t *plan;
	size_t plan_len;
	bool plan_now;         /* a restored guest: it is at READY already */
	/* Called when a booted guest says READY, before its plan is sent
	 * (the guest waits): where the snapshot is taken. */
	void (*at_ready)(void *ready_ctx);
	void *ready_ctx;
	collect_progress_fn progress;
	void *ctx;
};

/* Drive a started backend to its end: read frames, send the run plan,
 * enforce the wall-clock timeout, reap. */
void collect_run(struct backend *b, struct run_result *r, const struct collect_opts *o);

uint64_t mono_ms(void);

#endif

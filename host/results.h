/* What a run produced: the guest's frames (as JSON), decoded reports, how
 * the VM ended, timings. Filled by collect.c, judged by checks.c, printed by
 * output.c. */
#ifndef KTSTR__HOST_RESULTS_H
#define KTSTR__HOST_RESULTS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "host/backend.h"
#include "workload/report.h"

struct run_result {
	json_t *hello;        /* HELLO payload, NULL if none arrived */
	json_t *events;       /* array of EVENT payloads */
	json_t *errors;       /* array of ERROR payloads */
	json_t *wire_errors;  /* array of strings: corrupt/truncated frames */
	json_t *reports;      /* array of REPORT payloads */
	struct worker_report **reps; /* decoded reports, same order */
	int n_reps;
	json_t *done;         /* DONE payload, NULL if none arrived */
	enum vm_end end;
	char end_msg[256];
	bool timed_out;
	uint64_t boot_ms;     /* launch -> HELLO */
	uint64_t total_ms;    /* launch -> VM end */
	char console_log[4096];
	char console_tail[8192]; /* from the start of a crash, else the last lines */
	char crash_line[512];    /* the "Kernel panic - not syncing: ..." line */
};

void results_init(struct run_result *r);
void results_free(struct run_result *r);

/* Handle one decoded frame. Returns 0, or -1 if the payload is not valid
 * JSON of the expected shape (recorded in wire_errors). */
int results_add_frame(struct run_result *r, uint16_t type, const uint8_t *payload,
		      uint32_t len);

/* Fill console_tail from the console log: from the first line of a crash
 * report if there is one (and crash_line), else its last `lines` lines. */
void results_read_console_tail(struct run_result *r, int lines);

/* Progress shown while the guest runs. */
typedef void (*collect_progress_fn)(const char *line, void *ctx);

/* Drive a started backend to its end: read frames, enforce the wall-clock
 * timeout, reap. t0_ns is when the VM was launched (CLOCK_MONOTONIC). */
void collect_run(struct backend *b, struct run_result *r, uint64_t t0_ns,
		 uint64_t timeout_ms, collect_progress_fn progress, void *ctx);

uint64_t mono_ms(void);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* The `run` command: scenario file -> validated model -> kernel ->
 * initramfs -> backend -> results -> verdict. */
#ifndef KTSTR__HOST_RUN_H
#define KTSTR__HOST_RUN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct run_opts {
	const char *scenario;
	const char *kernel;   /* NULL: the default kernel */
	const char *backend;  /* "qemu", "kvm", "auto" */
	const char *accel;    /* qemu: "auto", "kvm", "tcg" */
	const char *json;     /* NULL: no JSON file */
	const char *junit;    /* NULL: no JUnit XML */
	const char *log;      /* console log; NULL: derived */
	const char *append;   /* extra kernel command line */
	uint64_t timeout_ms;  /* 0: derived from the scenario */
	uint64_t seed;
	const char *inject;   /* test hook: fault to inject in the guest */
	int prefault;
	int hugepages;
	int cold;             /* boot, even where a snapshot would do; save none */
	int verbose;
	int quiet;
	int no_summary;       /* the caller prints its own (selftests) */
	/* A suite's run: its key's scheduler label and repetition (NULL and
	 * 0 for a plain run, which derives them, host/runkey.h). */
	const char *key_scheduler;
	int repeat;
	/* qemu: host CPUs for the vCPU threads (a suite's run); 0: unpinned */
	const int *pin_cpus;
	int n_pin_cpus;
};

/* The longest --timeout: 7 days (the watchdog's poll takes an int of ms). */
#define RUN_TIMEOUT_MAX_S (7u * 24 * 3600)
#define RUN_TIMEOUT_DEFAULT_MS 120000u /* plus 3 x the scenario's run time and
					* its scheduler waits */

/* --timeout SECONDS: a finite number > 0 and <= RUN_TIMEOUT_MAX_S, in ms
 * (rounded up). 0, or -1 with msg naming the option and the value. */
int run_parse_timeout(const char *arg, uint64_t *ms, char *msg, size_t len);
/* --backend NAME: qemu, kvm or auto. 0, or -1 after saying so on stderr. */
int run_check_backend(const char *arg);
/* --append ARGS: more kernel command line, without what would break the
 * run: a console on hvc (the report channel: the kernel's messages would
 * run into the frames, and hvc's SysRq key would act on the run plan's
 * bytes) or another init (guest-init must be PID 1). 0, or -1 with msg. */
int run_check_append(const char *arg, char *msg, size_t len);
/* An option's whole unsigned 64-bit number (decimal, 0x hex or 0 octal):
 * no sign, no blanks, no overflow. 0, or -1 with msg. */
int run_parse_u64(const char *opt, const char *arg, uint64_t *v, char *msg,
		  size_t len);
/* The default watchdog: RUN_TIMEOUT_DEFAULT_MS + 3 x scn_run_ns(s) +
 * scn_sched_wait_ns(s) (each attach's enable-timeout, each detach's
 * waits), saturating, and never above RUN_TIMEOUT_MAX_S. */
struct scenario;
uint64_t run_default_timeout_ms(const struct scenario *s);

int cmd_run(const struct run_opts *o);

/* What run_one ended with. */
struct run_outcome {
	int exit_code;       /* 0 pass, 1 fail, 2 harness/input, 3 crash/timeout */
	char verdict[16];    /* the verdict's ("pass", "fail", "error", ...); ""
			      * when the run stopped before one (exit 2 or 3
			      * with the reason on stderr) */
	char reason[1024];
	json_t *results;     /* the results object (docs/results.md), or NULL */
};

/* One run of a loaded, checked scenario s (scenario_check against backend,
 * the name backend_resolve gave), with kernel k (NULL: o->kernel or the
 * default, resolved here): prepare, boot or restore, collect, judge, and
 * write the summary to stdout and --json / --junit. `run` calls it once;
 * `suite` once per run, each in a process of its own. Returns
 * out->exit_code; run_outcome_free(out) after. */
struct kernel;
int run_one(const struct run_opts *o, const char *backend, const struct kernel *k,
	    const struct scenario *s, struct run_outcome *out);
void run_outcome_free(struct run_outcome *out);
/* o->kernel resolved, or the cached default kernel (fetched if missing).
 * 0, or -1 with the error on stderr. */
int run_get_kernel(const struct run_opts *o, struct kernel *k);
/* Stop the run in progress in this process: its VM is killed and the run
 * ends as an error (exit 3), or it does not start. For a SIGTERM handler. */
void run_cancel(void);
/* Parse and validate scenario files for backend ("kvm", "qemu" or "auto":
 * the one `run` would pick here); print errors. 0 if all are valid, 2
 * otherwise. */
int cmd_validate(int n, char **files, const char *backend);

/* Everything `validate` checks, on bytes already read, printing nothing:
 * the parser and semantic pass, every workers op's work type and options,
 * and the topology against backend ("kvm" or "qemu"; NULL: no backend).
 * 0 with *s filled, or -1 with "path:line:col: message" in msg. */
struct scenario;
int scenario_check(const char *path, const char *text, size_t len,
		   const char *backend, struct scenario *s, char *msg, size_t msglen);
/* Read path once (scn_read_file) and scenario_check it; the bytes stay in
 * s->source. Prints "path:line:col: message" on error. */
int scenario_load(const char *path, const char *backend, struct scenario *s);

/* Write j to path whole or not at all: never through a file or link
 * planted at a predictable temporary name. 0, or -1 with a message on
 * stderr. */
int run_write_json(const char *path, json_t *j);
/* The same for what write(f, arg) writes (atomic_file_write). */
int run_write_file(const char *path, int (*write)(FILE *f, const void *arg), const void *arg);

#endif

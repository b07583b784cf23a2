/* SPDX-License-Identifier: GPL-2.0-only */
/* The `run` command: scenario file -> validated model -> kernel ->
 * initramfs -> backend -> results -> verdict. */
#ifndef KTSTR__HOST_RUN_H
#define KTSTR__HOST_RUN_H

#include <stdint.h>

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
	int verbose;
	int quiet;
};

int cmd_run(const struct run_opts *o);
/* Parse and validate scenario files; print errors. 0 if all are valid,
 * 2 otherwise. */
int cmd_validate(int n, char **files);

/* Parse + validate one file (host side: parser plus work-type options).
 * Prints "file:line:col: message" on error. */
struct scenario;
int scenario_load(const char *path, struct scenario *s);

#endif

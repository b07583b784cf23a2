/* SPDX-License-Identifier: GPL-2.0-only */
/* A payload's stdout read as TAP, the format kselftest runners print
 * ("TAP version 13", "1..N", "ok N - name", "not ok N name # SKIP why",
 * "Bail out! why"): its test lines for payload_end's tap object
 * (proto/events.h). Only lines that start at the left margin count;
 * indented and "# " lines (subtests, diagnostics, YAML blocks) are
 * comments. Pure (jansson, no I/O of its own); unit tested in
 * tests/guest-init/test_payload_tap.c. */
#ifndef KTSTR__GUEST_PAYLOAD_TAP_H
#define KTSTR__GUEST_PAYLOAD_TAP_H

#include <jansson.h>
#include <stdio.h>

/* Read f to its end. NULL when it holds no TAP (no version line, plan or
 * test line), else {plan, tests: [{n, ok, name, directive, reason}],
 * more, bail_out, skip_all} with at most PROTO_TAP_MAX tests (more counts
 * the rest) and names and reasons cut to PROTO_TAP_STR_MAX bytes. */
json_t *payload_tap(FILE *f);

#endif

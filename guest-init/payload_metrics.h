/* SPDX-License-Identifier: GPL-2.0-only */
/* A payload's metrics: every number of every line of its stdout that is a
 * JSON object. Pure (jansson, no I/O of its own); unit tested in
 * tests/guest-init/test_payload_metrics.c. */
#ifndef KTSTR__GUEST_PAYLOAD_METRICS_H
#define KTSTR__GUEST_PAYLOAD_METRICS_H

#include <jansson.h>
#include <stdio.h>

/* Read f to its end: {name: number} from the JSON object lines in it, a
 * later line's value replacing an earlier one's. Other lines and fields
 * that are not numbers are ignored. Never NULL. */
json_t *payload_metrics(FILE *f);

#endif

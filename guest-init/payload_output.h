/* SPDX-License-Identifier: GPL-2.0-only */
/* What a process printed, bounded for the host: the output files of
 * payloads and exec= schedulers (and a bpf= scheduler's libbpf messages)
 * turned into PF_TEXT (proto/events.h): valid UTF-8 without NULs, at most
 * PROTO_TEXT_MAX bytes, the start and the end of a longer output with a
 * line between them saying how much is not kept. Over the whole run at
 * most OUT_RUN_BUDGET bytes of such text (as JSON writes it) are sent; past
 * that an output is sent as a line saying so. Unit tested in
 * tests/guest-init/test_payload_output.c. */
#ifndef KTSTR__GUEST_PAYLOAD_OUTPUT_H
#define KTSTR__GUEST_PAYLOAD_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#define OUT_RUN_BUDGET (8u << 20)

/* The text for an output: with tail NULL, head[0..headlen) is all of it
 * (total is ignored), sent whole if it fits; else head holds its first
 * headlen and tail its last taillen of total bytes (apart). Too long, it is
 * the start and the end with a line "[ktstr-run: N bytes not kept]"
 * between. At most max bytes (whole characters), of which at most
 * PROTO_TEXT_HEAD or a quarter from the start. malloc'd; NULL only
 * without memory. Pure. */
char *out_text(const char *head, size_t headlen, const char *tail, size_t taillen,
	       uint64_t total, size_t max);

/* The bytes JSON needs for s (escapes counted): what it costs the budget. */
size_t out_json_cost(const char *s);

/* Read the output file path as out_text would show it, at most
 * PROTO_TEXT_MAX bytes or what is left of the run's budget, and take its
 * cost from the budget. *total: the file's size (0 when it cannot be read,
 * and then the text says why). malloc'd; NULL only without memory. */
char *out_read_file(const char *path, uint64_t *total);
/* The same for bytes in memory: all of them, or the first headlen and the
 * last taillen of total (as out_text). */
char *out_read_buf(const char *buf, size_t len);
char *out_read_split(const char *head, size_t headlen, const char *tail, size_t taillen,
		     uint64_t total);

/* Tests: the run's budget left, in bytes. */
void out_budget_set(uint64_t bytes);

#endif

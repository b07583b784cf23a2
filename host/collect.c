/* Result collection (see results.h): the host's read loop over the report
 * stream, with the wall-clock watchdog, and the console's tail. Frames that
 * arrive before a crash are kept; frames.c checks each one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/results.h"
#include "lib/utf8.h"
#include "proto/layout.h"
#include "proto/wire.h"

uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* Lines that start the account of a crash, most telling first; the first
 * N_CAUSES of them name the cause (the crash line). */
static const char *const crash_markers[] = {
	GUEST_FATAL_PREFIX, "Kernel panic - not syncing", "Attempted to kill init", "BUG: ",
	"Oops: ", "general protection fault", "watchdog: BUG", "Call Trace:",
};
#define N_MARKERS (sizeof(crash_markers) / sizeof(crash_markers[0]))
#define N_CAUSES 3

static const char *line_start(const char *buf, const char *p)
{
	while (p > buf && p[-1] != '\n')
		p--;
	return p;
}

/* Copy the line at p (without its newline) into out. */
static void copy_line(const char *p, char *out, size_t len)
{
	size_t n = strcspn(p, "\n");

	while (n > 0 && p[n - 1] == ' ')
		n--;
	snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), p);
}

/* Where the crash story begins: a few lines before the earliest marker. */
static const char *crash_start(const char *buf, char *crash_line, size_t len)
{
	const char *from = NULL;

	for (size_t m = 0; m < N_MARKERS; m++) {
		const char *p = strstr(buf, crash_markers[m]);
		if (!p)
			continue;
		if (m < N_CAUSES && !crash_line[0])
			copy_line(line_start(buf, p), crash_line, len);
		if (!from || p < from)
			from = p;
	}
	if (!from)
		return NULL;
	from = line_start(buf, from);
	for (int back = 0; back < 3 && from > buf; back++)
		from = line_start(buf, from - 1);
	return from;
}

void results_console_tail_from(struct run_result *r, char *buf, size_t n, int lines)
{
	const char *from;
	int seen = 0;

	r->console_tail[0] = 0;
	r->crash_line[0] = 0;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\r' || buf[i] == 0)
			buf[i] = ' ';
	buf[n] = 0;
	from = crash_start(buf, r->crash_line, sizeof(r->crash_line));
	if (!from) {
		/* No crash seen: the last `lines` lines. */
		while (n > 0 && buf[n - 1] == '\n')
			buf[--n] = 0;
		from = buf;
		for (long i = (long)n - 1; i >= 0; i--)
			if (buf[i] == '\n' && ++seen == lines) {
				from = buf + i + 1;
				break;
			}
	}
	/* The console is the guest's: any bytes, cut anywhere. */
	utf8_sanitize(from, strlen(from), r->console_tail, sizeof(r->console_tail));
	{
		char line[sizeof(r->crash_line)];

		memcpy(line, r->crash_line, sizeof(line));
		utf8_copy(r->crash_line, sizeof(r->crash_line), line);
	}
}

void results_read_console_tail(struct run_result *r, int lines)
{
	FILE *f = fopen(r->console_log, "re");
	char *buf;
	long size, start;
	size_t n;

	r->console_tail[0] = 0;
	r->crash_line[0] = 0;
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0) {
		fclose(f);
		return;
	}
	start = size > 262144 ? size - 262144 : 0;
	buf = malloc(size - start + 1);
	if (!buf || fseek(f, start, SEEK_SET)) {
		free(buf);
		fclose(f);
		return;
	}
	n = fread(buf, 1, size - start, f);
	fclose(f);
	results_console_tail_from(r, buf, n, lines);
	free(buf);
}

static void progress_event(const struct guest_event *ev, collect_progress_fn progress,
			   void *ctx)
{
	char line[256];

	if (!progress || ev->kind != EV_STEP_START)
		return;
	snprintf(line, sizeof(line), "step %s (%.0f ms)%s", ev->step, ev->duration_ms,
		 ev->iteration ? " again" : "");
	progress(line, ctx);
}

/* Tell the guest everything up to seq arrived (it waits for this after
 * DONE before it powers off). The own VMM's console has no receive path and
 * its report fd is a pipe: the write fails there, and its guest needs no
 * ack (its console writes complete synchronously). */
static void send_ack(struct backend *b, uint32_t seq)
{
	char payload[64];
	struct wire_hdr h;
	uint8_t frame[sizeof(h) + sizeof(payload)];
	int n = snprintf(payload, sizeof(payload), "{\"" ACKF_SEQ "\":%u}", seq);

	wire_hdr_make(&h, WIRE_ACK, 0, payload, n);
	memcpy(frame, &h, sizeof(h));
	memcpy(frame + sizeof(h), payload, n);
	if (write(b->report_fd, frame, sizeof(h) + n) < 0) {
		/* nothing to do: see above */
	}
}

/* KTSTR_REPORT_TEE=FILE keeps the raw report stream (for bug reports and
 * the fuzzing seeds of tests/fuzz/corpus/collect). */
static int tee_fd = -1;

static void drain(struct backend *b, struct run_result *r, struct wire_decoder *d,
		  uint64_t t0, collect_progress_fn progress, void *ctx, int *eof)
{
	uint8_t buf[65536];
	ssize_t n = read(b->report_fd, buf, sizeof(buf));
	char msg[256];
	const uint8_t *payload;
	uint32_t len;
	uint16_t type;
	enum wire_result wr;

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			*eof = 1;
		return;
	}
	if (tee_fd >= 0 && write(tee_fd, buf, n) != n) {
		close(tee_fd);
		tee_fd = -1;
	}
	r->stream_bytes += n;
	if (r->stream_bytes > r->lim.max_stream_bytes) {
		/* Stop reading and stop the VM: nothing a scenario measures
		 * needs this much, and decoding it would keep the host busy. */
		r->flooded = true;
		*eof = 1;
		b->kill(b);
		return;
	}
	if (wire_decoder_feed(d, buf, n)) {
		results_wire_error(r, "out of memory buffering the report stream");
		return;
	}
	while ((wr = wire_decoder_next(d, &type, &payload, &len, msg, sizeof(msg)))) {
		if (wr == WIRE_CORRUPT) {
			results_wire_error(r, "%s", msg);
			continue;
		}
		if (type == WIRE_HELLO && !r->hello) {
			r->boot_ms = mono_ms() - t0;
			if (progress)
				progress("guest up", ctx);
		}
		if (results_add_frame(r, type, payload, len))
			continue;
		if (type == WIRE_EVENT)
			progress_event(&r->events[r->n_events - 1], progress, ctx);
		else if (type == WIRE_DONE)
			send_ack(b, d->next_seq - 1);
	}
}

void collect_run(struct backend *b, struct run_result *r, uint64_t t0,
		 uint64_t timeout_ms, collect_progress_fn progress, void *ctx)
{
	struct wire_decoder d;
	struct rusage ru;
	int eof = 0, ended = 0;
	char msg[256];

	wire_decoder_init(&d);
	if (getenv("KTSTR_REPORT_TEE"))
		tee_fd = open(getenv("KTSTR_REPORT_TEE"),
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	while (!ended) {
		struct pollfd fds[2] = { { eof ? -1 : b->report_fd, POLLIN, 0 },
					 { b->exit_fd, POLLIN, 0 } };
		uint64_t now = mono_ms(), left;

		left = now - t0 >= timeout_ms ? 0 : timeout_ms - (now - t0);
		if (left == 0) {
			r->timed_out = true;
			b->kill(b);
			break;
		}
		/* poll takes an int: wait at most a minute at a time. */
		if (poll(fds, 2, left > 60000 ? 60000 : (int)left) < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			drain(b, r, &d, t0, progress, ctx, &eof);
		if (fds[1].revents) {
			/* The VM ended: take what is still in the socket. */
			while (!eof) {
				struct pollfd p = { b->report_fd, POLLIN, 0 };
				if (poll(&p, 1, 200) <= 0)
					break;
				drain(b, r, &d, t0, progress, ctx, &eof);
			}
			ended = 1;
		}
	}
	if (!r->flooded && wire_decoder_finish(&d, msg, sizeof(msg)))
		results_wire_error(r, "%s", msg);
	r->end = b->reap(b, r->end_msg, sizeof(r->end_msg));
	r->total_ms = mono_ms() - t0;
	results_finish(r);
	wire_decoder_free(&d);
	if (tee_fd >= 0)
		close(tee_fd);
	tee_fd = -1;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		r->host_peak_rss_kib = (uint64_t)ru.ru_maxrss;
}

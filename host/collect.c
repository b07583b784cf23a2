/* Result collection (see results.h): the host's read loop over the report
 * stream, with the wall-clock watchdog. Frames that arrive before a crash are
 * kept. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/results.h"
#include "proto/wire.h"

uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

void results_init(struct run_result *r)
{
	memset(r, 0, sizeof(*r));
	r->events = json_array();
	r->errors = json_array();
	r->wire_errors = json_array();
	r->reports = json_array();
}

void results_free(struct run_result *r)
{
	json_decref(r->hello);
	json_decref(r->events);
	json_decref(r->errors);
	json_decref(r->wire_errors);
	json_decref(r->reports);
	json_decref(r->done);
	for (int i = 0; i < r->n_reps; i++)
		free(r->reps[i]);
	free(r->reps);
	memset(r, 0, sizeof(*r));
}

static int add_report(struct run_result *r, json_t *j)
{
	struct worker_report *w = calloc(1, sizeof(*w));
	char msg[256];

	if (!w)
		return -1;
	if (wr_from_json(j, w, msg, sizeof(msg))) {
		json_array_append_new(r->wire_errors,
				      json_sprintf("report does not decode: %s", msg));
		free(w);
		return -1;
	}
	r->reps = realloc(r->reps, (r->n_reps + 1) * sizeof(*r->reps));
	r->reps[r->n_reps++] = w;
	json_array_append(r->reports, j);
	return 0;
}

int results_add_frame(struct run_result *r, uint16_t type, const uint8_t *payload,
		      uint32_t len)
{
	json_error_t jerr;
	json_t *j = json_loadb((const char *)payload, len, 0, &jerr);
	int ret = 0;

	if (!json_is_object(j)) {
		json_array_append_new(r->wire_errors,
				      json_sprintf("%s frame: payload is not a JSON object: %s",
						   wire_type_name(type), jerr.text));
		json_decref(j);
		return -1;
	}
	switch (type) {
	case WIRE_HELLO:
		json_decref(r->hello);
		r->hello = json_incref(j);
		break;
	case WIRE_EVENT:
		json_array_append(r->events, j);
		break;
	case WIRE_ERROR:
		json_array_append(r->errors, j);
		break;
	case WIRE_REPORT:
		ret = add_report(r, j);
		break;
	case WIRE_DONE:
		json_decref(r->done);
		r->done = json_incref(j);
		break;
	default:
		json_array_append_new(r->wire_errors,
				      json_sprintf("frame of unknown type %u", type));
		ret = -1;
	}
	json_decref(j);
	return ret;
}

/* Lines that start the account of a crash, most telling first; the first
 * N_CAUSES of them name the cause (the crash line). */
static const char *const crash_markers[] = {
	"guest-init: fatal:", "Kernel panic - not syncing", "Attempted to kill init", "BUG: ",
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

void results_read_console_tail(struct run_result *r, int lines)
{
	FILE *f = fopen(r->console_log, "re");
	const char *from;
	char *buf;
	long size, start;
	size_t n;
	int seen = 0;

	r->console_tail[0] = 0;
	r->crash_line[0] = 0;
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	start = size > 262144 ? size - 262144 : 0;
	fseek(f, start, SEEK_SET);
	buf = malloc(size - start + 1);
	n = fread(buf, 1, size - start, f);
	buf[n] = 0;
	fclose(f);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\r' || buf[i] == 0)
			buf[i] = ' ';
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
	snprintf(r->console_tail, sizeof(r->console_tail), "%s", from);
	free(buf);
}

static void progress_event(json_t *ev, collect_progress_fn progress, void *ctx)
{
	const char *kind = json_string_value(json_object_get(ev, "kind"));
	char line[256];

	if (!progress || !kind || strcmp(kind, "step_start"))
		return;
	snprintf(line, sizeof(line), "step %s (%.0f ms)%s",
		 json_string_value(json_object_get(ev, "step")),
		 json_number_value(json_object_get(ev, "duration_ms")),
		 json_integer_value(json_object_get(ev, "iteration")) ? " again" : "");
	progress(line, ctx);
}

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
	wire_decoder_feed(d, buf, n);
	while ((wr = wire_decoder_next(d, &type, &payload, &len, msg, sizeof(msg)))) {
		if (wr == WIRE_CORRUPT) {
			json_array_append_new(r->wire_errors, json_string(msg));
			continue;
		}
		if (type == WIRE_HELLO && !r->hello) {
			r->boot_ms = mono_ms() - t0;
			if (progress)
				progress("guest up", ctx);
		}
		results_add_frame(r, type, payload, len);
		if (type == WIRE_EVENT)
			progress_event(json_array_get(r->events,
						      json_array_size(r->events) - 1),
				       progress, ctx);
	}
}

void collect_run(struct backend *b, struct run_result *r, uint64_t t0,
		 uint64_t timeout_ms, collect_progress_fn progress, void *ctx)
{
	struct wire_decoder d;
	int eof = 0, ended = 0;
	char msg[256];

	wire_decoder_init(&d);
	while (!ended) {
		struct pollfd fds[2] = { { eof ? -1 : b->report_fd, POLLIN, 0 },
					 { b->exit_fd, POLLIN, 0 } };
		uint64_t now = mono_ms();
		int left = now - t0 >= timeout_ms ? 0 : (int)(timeout_ms - (now - t0));

		if (left == 0) {
			r->timed_out = true;
			b->kill(b);
			break;
		}
		if (poll(fds, 2, left) < 0 && errno != EINTR)
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
	if (wire_decoder_finish(&d, msg, sizeof(msg)))
		json_array_append_new(r->wire_errors, json_string(msg));
	r->end = b->reap(b, r->end_msg, sizeof(r->end_msg));
	r->total_ms = mono_ms() - t0;
	wire_decoder_free(&d);
}

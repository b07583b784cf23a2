// SPDX-License-Identifier: GPL-2.0-only
/* Result collection (see results.h): the host's read loop over the report
 * stream, with the wall-clock watchdog, and the console's tail. Frames that
 * arrive before a crash are kept; frames.c checks each one. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/dilation.h"
#include "host/hostinfo.h"
#include "host/results.h"
#include "lib/utf8.h"
#include "proto/layout.h"
#include "proto/plan.h"
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

/* What collect_run keeps while the VM runs. */
struct collector {
	struct backend *b;
	struct run_result *r;
	const struct collect_opts *o;
	struct wire_decoder d;
	int eof;
	/* Host -> guest frames not yet written (the plan, acks). */
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	bool out_dead;         /* the channel takes no host -> guest bytes */
	bool plan_sent;
	struct dil_mark at_hello; /* the VM's threads when the run started */
};

static void out_frame(struct collector *c, enum wire_type type, const void *payload,
		      uint32_t len)
{
	struct wire_hdr h;
	size_t need = sizeof(h) + len;

	if (c->out_dead)
		return;
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 65536;
		uint8_t *nb;

		while (cap < c->out_len + need)
			cap *= 2;
		nb = realloc(c->out, cap);
		if (!nb) {
			results_wire_error(c->r, "out of memory queueing a frame for the guest");
			c->out_dead = true;
			return;
		}
		c->out = nb;
		c->out_cap = cap;
	}
	wire_hdr_make(&h, type, 0, payload, len);
	memcpy(c->out + c->out_len, &h, sizeof(h));
	memcpy(c->out + c->out_len + sizeof(h), payload, len);
	c->out_len += need;
}

/* Write what the socket takes now (both backends' report fds are sockets).
 * A channel that takes no host -> guest bytes fails the write, and nothing
 * more is queued. */
static void out_flush(struct collector *c)
{
	while (!c->out_dead && c->out_off < c->out_len) {
		ssize_t n = send(c->b->report_fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n > 0) {
			c->out_off += n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return;
		} else {
			c->out_dead = true;
		}
	}
}

/* The guest is ready and takes its plan from the channel: PLAN, then the
 * archive in DATA frames. */
static void send_plan(struct collector *c)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "{\"" PLANF_SIZE "\":%zu}", c->o->plan_len);

	c->plan_sent = true;
	if (c->o->progress) {
		char line[96];

		snprintf(line, sizeof(line), "guest ready; sending the run plan (%zu KiB)",
			 (c->o->plan_len + 1023) / 1024);
		c->o->progress(line, c->o->ctx);
	}
	if (!c->o->plan) {
		results_wire_error(c->r, "the guest asks for its run plan on the channel, "
				   "but this run has none to send");
		return;
	}
	out_frame(c, WIRE_PLAN, head, n);
	for (size_t off = 0; off < c->o->plan_len; off += PLAN_CHUNK) {
		size_t len = c->o->plan_len - off < PLAN_CHUNK ? c->o->plan_len - off : PLAN_CHUNK;

		out_frame(c, WIRE_DATA, c->o->plan + off, (uint32_t)len);
	}
	out_flush(c);
}

/* Tell the guest everything up to seq arrived (it waits for this after
 * DONE before it powers off). */
static void send_ack(struct collector *c, uint32_t seq)
{
	char payload[64];
	int n = snprintf(payload, sizeof(payload), "{\"" ACKF_SEQ "\":%u}", seq);

	out_frame(c, WIRE_ACK, payload, n);
	out_flush(c);
}

/* Host CPUs the VM can use at once: one a vCPU, except under QEMU's TCG,
 * which runs every vCPU on one thread (backend_qemu.c: tcg,thread=single);
 * never more than its process may run on. */
static int vm_usable_cpus(const struct backend *b, const struct run_result *r)
{
	int vcpus = (int)json_integer_value(json_object_get(r->hello, HELLO_CPUS_ONLINE));
	int affinity = dil_affinity_cpus(b->vm_pid);

	if (!strcmp(b->name, "qemu") && !strcmp(b->accel_used, "tcg"))
		vcpus = 1;
	if (vcpus < 1)
		vcpus = 1;
	return affinity > 0 && affinity < vcpus ? affinity : vcpus;
}

/* The run's steps ended: what the VM got since HELLO. */
static void dilation_end(struct collector *c)
{
	struct dil_mark end = { 0 };

	if (c->at_hello.ok && dil_mark(&end, c->b->vm_pid) == 0)
		dil_between(&c->at_hello, &end, vm_usable_cpus(c->b, c->r), &c->r->dilation);
	dil_mark_free(&end);
}

/* KTSTR_REPORT_TEE=FILE keeps the raw report stream (for bug reports and
 * the fuzzing seeds of tests/fuzz/corpus/collect). */
static int tee_fd = -1;

static void on_frame(struct collector *c, uint16_t type, const uint8_t *payload, uint32_t len)
{
	struct run_result *r = c->r;
	const struct collect_opts *o = c->o;

	if (type == WIRE_HELLO && !r->hello) {
		char line[64];

		r->boot_ms = mono_ms() - o->t0_ms;
		snprintf(line, sizeof(line), "guest up (%llu ms)", (unsigned long long)r->boot_ms);
		dil_mark(&c->at_hello, c->b->vm_pid);
		if (o->progress)
			o->progress(line, o->ctx);
	}
	if (type == WIRE_READY && !r->ready)
		r->ready_ms = mono_ms() - o->t0_ms;
	if (results_add_frame(r, type, payload, len))
		return;
	if (type == WIRE_EVENT)
		progress_event(&r->events[r->n_events - 1], o->progress, o->ctx);
	else if (type == WIRE_DONE) {
		dilation_end(c);
		send_ack(c, c->d.next_seq - 1);
	} else if (type == WIRE_SYNC) {
		send_ack(c, c->d.next_seq - 1);
	} else if (type == WIRE_READY) {
		if (o->at_ready)
			o->at_ready(o->ready_ctx);
		if (!c->plan_sent &&
		    !strcmp(json_string_value(json_object_get(r->ready, READYF_PLAN)), "channel"))
			send_plan(c);
	}
}

static void drain(struct collector *c)
{
	struct run_result *r = c->r;
	uint8_t buf[65536];
	ssize_t n = read(c->b->report_fd, buf, sizeof(buf));
	char msg[256];
	const uint8_t *payload;
	uint32_t len;
	uint16_t type;
	enum wire_result wr;

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			c->eof = 1;
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
		c->eof = 1;
		c->b->kill(c->b);
		return;
	}
	if (wire_decoder_feed(&c->d, buf, n)) {
		results_wire_error(r, "out of memory buffering the report stream");
		return;
	}
	while ((wr = wire_decoder_next(&c->d, &type, &payload, &len, msg, sizeof(msg)))) {
		if (wr == WIRE_CORRUPT)
			results_wire_error(r, "%s", msg);
		else
			on_frame(c, type, payload, len);
	}
}

void collect_run(struct backend *b, struct run_result *r, const struct collect_opts *o)
{
	struct collector c = { .b = b, .r = r, .o = o };
	struct rusage ru;
	int ended = 0;
	char msg[256];

	wire_decoder_init(&c.d);
	hostinfo_start(&r->host);
	if (getenv("KTSTR_REPORT_TEE"))
		tee_fd = open(getenv("KTSTR_REPORT_TEE"),
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (o->plan_now)
		send_plan(&c);
	while (!ended) {
		bool want_out = !c.out_dead && c.out_off < c.out_len;
		struct pollfd fds[2] = {
			{ c.eof ? -1 : b->report_fd,
			  (short)(POLLIN | (want_out ? POLLOUT : 0)), 0 },
			{ b->exit_fd, POLLIN, 0 },
		};
		uint64_t now = mono_ms(), left;

		left = now - o->t0_ms >= o->timeout_ms ? 0 : o->timeout_ms - (now - o->t0_ms);
		if (left == 0) {
			r->timed_out = true;
			b->kill(b);
			break;
		}
		/* poll takes an int: wait at most a minute at a time. */
		if (poll(fds, 2, left > 60000 ? 60000 : (int)left) < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLOUT)
			out_flush(&c);
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
			drain(&c);
		if (fds[1].revents) {
			/* The VM ended: take what is still in the socket. */
			while (!c.eof) {
				struct pollfd p = { b->report_fd, POLLIN, 0 };
				if (poll(&p, 1, 200) <= 0)
					break;
				drain(&c);
			}
			ended = 1;
		}
	}
	if (!r->flooded && wire_decoder_finish(&c.d, msg, sizeof(msg)))
		results_wire_error(r, "%s", msg);
	r->end = b->reap(b, r->end_msg, sizeof(r->end_msg));
	r->total_ms = mono_ms() - o->t0_ms;
	hostinfo_end(&r->host);
	results_finish(r);
	wire_decoder_free(&c.d);
	dil_mark_free(&c.at_hello);
	free(c.out);
	if (tee_fd >= 0)
		close(tee_fd);
	tee_fd = -1;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		r->host_peak_rss_kib = (uint64_t)ru.ru_maxrss;
	/* A backend that runs the VM as a child (QEMU): its peak, once reaped. */
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0)
		r->vm_peak_rss_kib = (uint64_t)ru.ru_maxrss;
}

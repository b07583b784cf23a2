// SPDX-License-Identifier: GPL-2.0-only
/* Payload binaries (see payload.h). stdout and stderr go to files under
 * /tmp; when it ends, both go to the host bounded (payload_output.h) in a
 * payload_output event, and payload_end carries the numbers of the JSON
 * object lines of its stdout as metrics and, when its stdout is TAP, the
 * test lines (payload_tap.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest-init/cgroup.h"
#include "guest-init/payload.h"
#include "guest-init/payload_metrics.h"
#include "guest-init/payload_output.h"
#include "guest-init/payload_tap.h"
#include "guest-init/transport.h"

static struct payload *find(struct payload *pl, int npl, const char *id)
{
	for (int i = npl - 1; i >= 0; i--)
		if (!strcmp(pl[i].id, id))
			return &pl[i];
	return NULL;
}

/* Split args on spaces, honouring double quotes. */
static int split_args(char *s, char **argv, int max)
{
	int n = 0;

	while (*s && n < max - 1) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (*s == '"') {
			argv[n++] = ++s;
			while (*s && *s != '"')
				s++;
		} else {
			argv[n++] = s;
			while (*s && *s != ' ')
				s++;
		}
		if (*s)
			*s++ = 0;
	}
	argv[n] = NULL;
	return n;
}

static int open_out(const char *path, const char *id, char *msg, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		snprintf(msg, len, "payload '%s': %s: %s", id, path, strerror(errno));
	return fd;
}

/* In the child: into the payload's cgroup, output to the files, exec. What
 * goes wrong before the exec is written to report (close-on-exec) as an
 * errno and a step: the parent says it; exec's own failure too, besides a
 * line on the payload's stderr (exit 127). */
static void child(const struct scn_op *op, char **argv, int out, int err, int report)
{
	int e[2] = { 0, 0 };

	if (op->cgroup[0] && (e[0] = -cg_move_pid(op->cgroup, 0)) > 0) {
		e[1] = 1;
		if (write(report, e, sizeof(e)) < 0)
			_exit(126);
		_exit(126);
	}
	if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	execv(op->path, argv);
	e[0] = errno;
	e[1] = 2;
	fprintf(stderr, "payload %s: exec %s: %s\n", op->name, op->path, strerror(errno));
	if (write(report, e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static int run(struct payload *p, const struct scn_op *op, int scope, char *msg,
	       size_t len)
{
	char args[512], *argv[64];
	int out, err, report[2], e[2] = { 0, 0 };
	ssize_t n;

	snprintf(p->id, sizeof(p->id), "%s", op->name);
	snprintf(p->out_path, sizeof(p->out_path), "/tmp/payload-%s.out", op->name);
	snprintf(p->err_path, sizeof(p->err_path), "/tmp/payload-%s.err", op->name);
	if ((out = open_out(p->out_path, op->name, msg, len)) < 0)
		return -1;
	if ((err = open_out(p->err_path, op->name, msg, len)) < 0) {
		close(out);
		return -1;
	}
	if (pipe2(report, O_CLOEXEC)) {
		snprintf(msg, len, "payload '%s': pipe: %s", op->name, strerror(errno));
		close(out);
		close(err);
		return -1;
	}
	argv[0] = (char *)op->path;
	snprintf(args, sizeof(args), "%s", op->args);
	split_args(args, argv + 1, 63);
	p->pid = fork();
	if (p->pid == 0)
		child(op, argv, out, err, report[1]);
	close(out);
	close(err);
	close(report[1]);
	if (p->pid < 0) {
		snprintf(msg, len, "payload '%s': fork: %s", op->name, strerror(errno));
		close(report[0]);
		return -1;
	}
	while ((n = read(report[0], e, sizeof(e))) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (n == sizeof(e) && e[1] == 1) {
		waitpid(p->pid, NULL, 0);
		snprintf(msg, len, "payload '%s': moving it into cgroup '%s': %s (%s)",
			 op->name, op->cgroup, strerror(e[0]), strerrorname_np(e[0]) ?: "?");
		return -1;
	}
	/* An exec that failed is the payload's exit 127, reported when it is
	 * waited for, with its stderr line. */
	p->scope = scope;
	p->done = false;
	transport_event(EV_PAYLOAD_START, json_pack("{s:s, s:s, s:i}", EVF_ID, p->id,
						   EVF_PATH, op->path, EVF_PID, p->pid));
	return 0;
}

/* Metrics and TAP from stdout, read through once each. */
static void parse_stdout(struct payload *p, json_t *ev)
{
	FILE *f = fopen(p->out_path, "re");
	json_t *tap;

	if (!f) {
		json_object_set_new(ev, EVF_METRICS, json_object());
		return;
	}
	json_object_set_new(ev, EVF_METRICS, payload_metrics(f));
	rewind(f);
	if ((tap = payload_tap(f)))
		json_object_set_new(ev, EVF_TAP, tap);
	fclose(f);
}

static void send_output(struct payload *p)
{
	uint64_t out_bytes, err_bytes;
	char *out = out_read_file(p->out_path, &out_bytes);
	char *err = out_read_file(p->err_path, &err_bytes);

	transport_event(EV_PAYLOAD_OUTPUT,
			json_pack("{s:s, s:s, s:s, s:I, s:I}", EVF_ID, p->id,
				  EVF_STDOUT, out ? out : "", EVF_STDERR, err ? err : "",
				  EVF_STDOUT_BYTES, (json_int_t)out_bytes,
				  EVF_STDERR_BYTES, (json_int_t)err_bytes));
	free(out);
	free(err);
}

/* killed: ended by payload-kill or the end of its step, not by itself. */
static void finish(struct payload *p, int status, bool timed_out, bool killed)
{
	json_t *ev = json_pack("{s:s, s:b, s:b}", EVF_ID, p->id, EVF_TIMED_OUT, timed_out,
			       EVF_KILLED, killed);

	if (WIFEXITED(status))
		json_object_set_new(ev, EVF_EXIT_CODE, json_integer(WEXITSTATUS(status)));
	else if (WIFSIGNALED(status))
		json_object_set_new(ev, EVF_SIGNAL, json_integer(WTERMSIG(status)));
	parse_stdout(p, ev);
	send_output(p);
	transport_event(EV_PAYLOAD_END, ev);
	p->done = true;
}

static int wait_for(struct payload *p, uint64_t timeout_ns)
{
	uint64_t deadline = guest_mono_ns() + (timeout_ns ? timeout_ns : ~0ull / 2);
	int status = 0;

	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);
		if (r == p->pid) {
			finish(p, status, false, false);
			return 0;
		}
		if (r < 0)
			return -errno;
		if (guest_mono_ns() >= deadline)
			break;
		nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, &status, 0);
	finish(p, status, true, true);
	return -ETIMEDOUT;
}

int payload_op(struct payload *pl, int *npl, int max, const struct scn_op *op,
	       int scope, char *msg, size_t len)
{
	struct payload *p = find(pl, *npl, op->name);
	int status;

	switch (op->kind) {
	case SCN_OP_PAYLOAD_RUN:
		if (p && !p->done) {
			snprintf(msg, len, "payload '%s' is already running", op->name);
			return -1;
		}
		if (*npl == max) {
			snprintf(msg, len, "too many payloads (max %d)", max);
			return -1;
		}
		return run(&pl[(*npl)++], op, scope, msg, len);
	case SCN_OP_PAYLOAD_WAIT:
		if (!p || p->done) {
			snprintf(msg, len, "payload '%s' is not running", op->name);
			return -1;
		}
		if (wait_for(p, op->duration_ns) == -ETIMEDOUT) {
			snprintf(msg, len, "payload '%s' did not exit within %.3f s; killed",
				 op->name, op->duration_ns / 1e9);
			return -1;
		}
		return 0;
	case SCN_OP_PAYLOAD_KILL:
		if (!p || p->done) {
			snprintf(msg, len, "payload '%s' is not running", op->name);
			return -1;
		}
		kill(p->pid, SIGKILL);
		waitpid(p->pid, &status, 0);
		finish(p, status, false, true);
		return 0;
	default:
		return -1;
	}
}

void payload_scope_end(struct payload *pl, int npl, int scope)
{
	for (int i = 0; i < npl; i++) {
		int status;

		if (pl[i].done || pl[i].scope != scope)
			continue;
		kill(pl[i].pid, SIGKILL);
		waitpid(pl[i].pid, &status, 0);
		finish(&pl[i], status, false, true);
	}
}

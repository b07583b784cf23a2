// SPDX-License-Identifier: GPL-2.0-only
/* Payload binaries (see payload.h). stdout goes to a file under /tmp; on
 * completion every JSON object line it printed contributes its numeric
 * fields as metrics. */
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

static int run(struct payload *p, const struct scn_op *op, int scope, char *msg,
	       size_t len)
{
	char args[512], *argv[64];
	int fd;

	snprintf(p->id, sizeof(p->id), "%s", op->name);
	snprintf(p->out_path, sizeof(p->out_path), "/tmp/payload-%s.out", op->name);
	fd = open(p->out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(msg, len, "payload '%s': %s: %s", op->name, p->out_path,
			 strerror(errno));
		return -1;
	}
	argv[0] = (char *)op->path;
	snprintf(args, sizeof(args), "%s", op->args);
	split_args(args, argv + 1, 63);
	p->pid = fork();
	if (p->pid == 0) {
		if (op->cgroup[0])
			cg_move_pid(op->cgroup, 0);
		dup2(fd, 1);
		execv(op->path, argv);
		fprintf(stderr, "payload %s: exec %s: %s\n", op->name, op->path,
			strerror(errno));
		_exit(127);
	}
	p->out_fd = fd;
	p->scope = scope;
	p->done = false;
	transport_event(EV_PAYLOAD_START, json_pack("{s:s, s:s, s:i}", EVF_ID, p->id,
						   EVF_PATH, op->path, EVF_PID, p->pid));
	return 0;
}

static json_t *metrics(struct payload *p)
{
	FILE *f = fopen(p->out_path, "re");
	json_t *m;

	if (!f)
		return json_object();
	m = payload_metrics(f);
	fclose(f);
	return m;
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
	json_object_set_new(ev, EVF_METRICS, metrics(p));
	transport_event(EV_PAYLOAD_END, ev);
	close(p->out_fd);
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

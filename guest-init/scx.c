// SPDX-License-Identifier: GPL-2.0-only
/* sched_ext ops (see scx.h): the attach / replace / detach state machine
 * over the scheduler guest-init has attached. Loading is scx_load.c's job,
 * watching the kernel scx_monitor.c's; the state they share is in
 * scx_internal.h. A scheduler that does not come up is the scheduler's
 * failure, not guest-init's: sched_output and sched_attach_failed events
 * say what it printed and why, and sched_op returns 1. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "guest-init/scx.h"
#include "guest-init/scx_internal.h"
#include "guest-init/scx_monitor.h"
#include "guest-init/transport.h"

#define LOADER_SIGINT_NS SCN_SCHED_SIGINT_NS /* detach: SIGINT, then SIGKILL */
#define DISABLE_TIMEOUT_NS SCN_SCHED_DISABLE_NS

pthread_mutex_t scx_lock = PTHREAD_MUTEX_INITIALIZER;
struct scx_cur scx_cur;
struct scx_exit scx_last_exit;
char scx_last_state[32];

static bool used; /* a scheduler op ran: step-end sampling is on */

static const struct scn_scheduler *find_sched(const struct scenario *s, const char *name)
{
	for (int i = 0; i < s->n_scheds; i++)
		if (!strcmp(s->scheds[i].name, name))
			return &s->scheds[i];
	return NULL;
}

static const char *sched_type(const struct scn_scheduler *sc)
{
	return sc->kind == SCN_SCHED_BPF ? "bpf" : "exec";
}

static void send_output(const struct scn_scheduler *sc, char *text, uint64_t bytes)
{
	scx_mon_event(EV_SCHED_OUTPUT, sc->name, "",
		      json_pack("{s:s, s:s, s:I}", EVF_TYPE, sched_type(sc), EVF_OUTPUT,
				text ? text : "", EVF_OUTPUT_BYTES, (json_int_t)bytes));
	free(text);
}

void scx_cur_send_output(void)
{
	const struct scn_scheduler *sc = scx_cur.sc;
	uint64_t n = 0;
	char *text;

	if (!sc)
		return;
	if (sc->kind == SCN_SCHED_EXEC) {
		text = scx_load_output_text(sc->name, &n);
		send_output(sc, text, n);
	} else if (scx_cur.bpf_log) {
		send_output(sc, scx_cur.bpf_log, scx_cur.bpf_log_bytes);
		scx_cur.bpf_log = NULL;
	}
}

/* Why a scheduler did not come up. */
struct up_fail {
	const char *phase;      /* load, attach, exited, timeout */
	int status;             /* exited: the loader's wait status */
};

/* sc did not come up (msg says why): what it printed, then why. The
 * caller has released it. Returns 1, sched_op's "the scheduler failed". */
static int attach_failed(const struct scn_scheduler *sc, const struct up_fail *f,
			 char *output, uint64_t output_bytes, const char *msg, uint64_t t0)
{
	json_t *extra;

	if (output)
		send_output(sc, output, output_bytes);
	extra = json_pack("{s:s, s:s, s:s, s:f}", EVF_TYPE, sched_type(sc), EVF_TARGET,
			  sc->target, EVF_PHASE, f->phase, EVF_LOAD_MS,
			  (guest_now_ns() - t0) / 1e6);
	if (!strcmp(f->phase, "exited"))
		json_object_set_new(extra, WIFSIGNALED(f->status) ? EVF_SIGNAL : EVF_EXIT_CODE,
				    json_integer(WIFSIGNALED(f->status) ? WTERMSIG(f->status)
								       : WEXITSTATUS(f->status)));
	scx_mon_event(EV_SCHED_ATTACH_FAILED, sc->name, msg, extra);
	return 1;
}

/* A bpf= scheduler's libbpf messages, NULL when there were none. */
static char *bpf_log(const struct scn_scheduler *sc, uint64_t *bytes)
{
	*bytes = 0;
	return sc->kind == SCN_SCHED_BPF ? scx_load_log_text(bytes) : NULL;
}

/* A prepare (bpf= open, load, verify) that failed: msg says why. */
static int load_failed(const struct scn_scheduler *sc, const char *msg, uint64_t t0)
{
	uint64_t n;
	char *log = bpf_log(sc, &n);

	return attach_failed(sc, &(struct up_fail){ "load", 0 }, log, n, msg, t0);
}

/* Attach a prepared bpf= scheduler. On failure the kernel's own reason
 * line, if it printed one, goes into msg too. */
static int bpf_attach(const struct scn_scheduler *sc, struct scx_next *nx, char *msg,
		      size_t len)
{
	size_t n;

	if (scx_load_attach(sc, nx, &scx_cur.link, msg, len)) {
		scx_mon_drain();
		n = strlen(msg);
		snprintf(msg + n, len - n, "%s%s", scx_last_exit.msg[0] ? "; kernel: " : "",
			 scx_last_exit.msg);
		return -1;
	}
	scx_cur.obj = nx->obj;
	nx->obj = NULL;
	return 0;
}

/* Bring sc up (nx: already prepared for bpf=) and wait until the kernel
 * says it is enabled. 0, or 1 when it did not come up (reported). */
static int sched_up(const struct scn_scheduler *sc, struct scx_next *nx, uint64_t t0,
		    char *msg, size_t len)
{
	struct scx_cur *c = &scx_cur;
	struct up_fail f = { "attach", 0 };
	char tail[512], limit[32], *out = NULL;
	uint64_t out_bytes = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	if (sc->kind == SCN_SCHED_BPF ? bpf_attach(sc, nx, msg, len)
				      : scx_load_spawn(sc, &c->pid, msg, len)) {
		if (sc->kind == SCN_SCHED_EXEC)
			f.phase = "load";
		out = bpf_log(sc, &out_bytes);
		scx_cur_release();
		return attach_failed(sc, &f, out, out_bytes, msg, t0);
	}
	c->sc = sc;
	ret = scx_mon_wait_state("enabled", sc->enable_timeout_ns, c->pid, &f.status);
	if (ret) {
		scx_load_output_tail(sc->name, tail, sizeof(tail));
		scn_duration_format(sc->enable_timeout_ns, limit, sizeof(limit));
		if (ret == -ECHILD) {
			f.phase = "exited";
			snprintf(msg, len, "scheduler '%s' (exec=%s) %s %d before sched_ext "
				 "was enabled%s%s", sc->name, sc->target,
				 WIFSIGNALED(f.status) ? "was killed by signal" : "exited with status",
				 WIFSIGNALED(f.status) ? WTERMSIG(f.status) : WEXITSTATUS(f.status),
				 tail[0] ? "; output: " : " (it printed nothing)", tail);
		} else {
			f.phase = "timeout";
			snprintf(msg, len, "scheduler '%s': sched_ext not enabled after %s "
				 "(enable-timeout; state %s)%s%s", sc->name, limit,
				 scx_last_state, tail[0] ? "; output: " : "", tail);
		}
		if (c->pid > 0 && ret != -ECHILD) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		c->pid = 0;
		if (sc->kind == SCN_SCHED_EXEC)
			out = scx_load_output_text(sc->name, &out_bytes);
		else
			out = bpf_log(sc, &out_bytes);
		scx_cur_release();
		return attach_failed(sc, &f, out, out_bytes, msg, t0);
	}
	scx_mon_sysfs("root/ops", c->ops, sizeof(c->ops));
	c->enabled_ns = guest_now_ns();
	c->exit_seq = scx_last_exit.seq;
	c->bpf_log = bpf_log(sc, &c->bpf_log_bytes);
	return 0;
}

/* Take the attached scheduler down and wait until sched_ext is disabled;
 * what it printed goes to the host. */
static int sched_down(char *msg, size_t len)
{
	struct scx_cur *c = &scx_cur;
	int ret;

	if (c->pid > 0) {
		kill(c->pid, SIGINT);
		if (scx_mon_wait_state("disabled", LOADER_SIGINT_NS, 0, NULL))
			kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
	scx_cur_send_output();
	/* The link and the object's fds both go. */
	scx_load_release(c->link, c->obj);
	c->link = NULL;
	c->obj = NULL;
	ret = scx_mon_wait_state("disabled", DISABLE_TIMEOUT_NS, 0, NULL);
	if (ret) {
		snprintf(msg, len, "scheduler '%s': sched_ext still %s after detaching",
			 scx_cur_name(), scx_last_state);
		scx_cur_release();
		return -1;
	}
	scx_cur_release();
	return 0;
}

static json_t *attach_info(const struct scn_scheduler *sc, uint64_t t0)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:f}", EVF_SCHED_OPS, scx_cur.ops, EVF_TYPE,
			 sched_type(sc), EVF_TARGET, sc->target,
			 EVF_PARTIAL, sc->partial, EVF_LOAD_MS, (guest_now_ns() - t0) / 1e6);
}

static int op_attach(const struct scn_scheduler *sc, char *msg, size_t len)
{
	uint64_t t0 = guest_now_ns();
	struct scx_next nx = { 0 };
	int ret;

	if (scx_cur.sc) {
		snprintf(msg, len, "cannot attach '%s': '%s' is attached (use replace)",
			 sc->name, scx_cur_name());
		return -1;
	}
	if (sc->kind == SCN_SCHED_BPF && scx_load_prepare(sc, &nx, msg, len))
		return load_failed(sc, msg, t0);
	if ((ret = sched_up(sc, &nx, t0, msg, len)))
		return ret;
	scx_mon_event(EV_SCHED_ATTACH, sc->name, "", attach_info(sc, t0));
	return 0;
}

/* The old one goes, the new one comes. A bpf= scheduler is loaded and
 * verified first, so gap_ms (from the moment the old scheduler started
 * going away to the new one being enabled: the time in which no sched_ext
 * scheduler ran) holds only the switch itself. */
static int op_replace(const struct scn_scheduler *sc, char *msg, size_t len)
{
	char from[SCN_NAME_MAX] = "", from_ops[128] = "";
	struct scx_next nx = { 0 };
	uint64_t tl = guest_now_ns(), t0, t1;
	int ret;

	/* A new one that does not load leaves the old one attached. */
	if (sc->kind == SCN_SCHED_BPF && scx_load_prepare(sc, &nx, msg, len))
		return load_failed(sc, msg, tl);
	t0 = guest_now_ns();
	if (scx_cur.sc) {
		snprintf(from, sizeof(from), "%s", scx_cur_name());
		snprintf(from_ops, sizeof(from_ops), "%s", scx_cur.ops);
		if (sched_down(msg, len)) {
			scx_load_release(NULL, nx.obj);
			return -1;
		}
	}
	t1 = guest_now_ns();
	if ((ret = sched_up(sc, &nx, tl, msg, len)))
		return ret;
	scx_mon_event(EV_SCHED_REPLACE, sc->name, "",
		      json_pack("{s:s, s:s, s:f, s:f, s:f, s:o}", EVF_FROM, from, EVF_FROM_OPS,
				from_ops, EVF_GAP_MS, (guest_now_ns() - t0) / 1e6, EVF_UNLOAD_MS,
				(t1 - t0) / 1e6, EVF_PREPARE_MS, (t0 - tl) / 1e6, EVF_ATTACH,
				attach_info(sc, tl)));
	return 0;
}

static int op_detach(const char *why, char *msg, size_t len)
{
	char name[SCN_NAME_MAX];
	uint64_t t0 = guest_now_ns();
	unsigned long seq = scx_last_exit.seq;

	if (!scx_cur.sc) {
		/* It died earlier (already reported) or was never attached. */
		scx_mon_event(EV_SCHED_DETACH, "", "nothing attached", NULL);
		return 0;
	}
	snprintf(name, sizeof(name), "%s", scx_cur_name());
	if (sched_down(msg, len))
		return -1;
	scx_mon_wait_exit_line(seq);
	scx_mon_event(EV_SCHED_DETACH, name, why,
		      json_pack("{s:f, s:s}", EVF_UNLOAD_MS, (guest_now_ns() - t0) / 1e6,
				EVF_EXIT_REASON, scx_last_exit.seq != seq ? scx_last_exit.why : ""));
	return 0;
}

int sched_op(const struct scenario *s, const struct scn_op *op, char *msg, size_t len)
{
	const struct scn_scheduler *sc = NULL;
	int ret;

	if (op->kind != SCN_OP_DETACH && !(sc = find_sched(s, op->name))) {
		snprintf(msg, len, "unknown scheduler '%s'", op->name);
		return -1;
	}
	scx_load_init();
	scx_mon_start();
	pthread_mutex_lock(&scx_lock);
	used = true;
	scx_mon_once(); /* a death before this op is reported first */
	switch (op->kind) {
	case SCN_OP_ATTACH:
		ret = op_attach(sc, msg, len);
		break;
	case SCN_OP_REPLACE:
		ret = op_replace(sc, msg, len);
		break;
	default:
		ret = op_detach("detach op", msg, len);
		break;
	}
	pthread_mutex_unlock(&scx_lock);
	return ret;
}

bool sched_attached(char *buf, size_t len)
{
	bool ret;

	pthread_mutex_lock(&scx_lock);
	ret = scx_cur.sc != NULL;
	if (ret)
		snprintf(buf, len, "sched_ext scheduler '%s' (ops %s)", scx_cur_name(),
			 scx_cur.ops[0] ? scx_cur.ops : "?");
	else if (len)
		buf[0] = 0;
	pthread_mutex_unlock(&scx_lock);
	return ret;
}

void sched_poll(void)
{
	if (!used)
		return;
	pthread_mutex_lock(&scx_lock);
	scx_mon_once();
	scx_mon_event(EV_SCHED_STEP, scx_cur_name(), "",
		      json_pack("{s:s}", EVF_SCHED_OPS, scx_cur.ops));
	pthread_mutex_unlock(&scx_lock);
}

void sched_finish(void)
{
	char msg[512];

	if (!used)
		return;
	pthread_mutex_lock(&scx_lock);
	scx_mon_once();
	if (scx_cur.sc && op_detach("end of run", msg, sizeof(msg)) < 0)
		transport_error(0, "%s", msg);
	pthread_mutex_unlock(&scx_lock);
	scx_mon_stop();
}

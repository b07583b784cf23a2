// SPDX-License-Identifier: GPL-2.0-only
/* The sched_ext monitor (see scx_monitor.h): polls sysfs and /dev/kmsg every
 * POLL_NS, and when the attached scheduler is gone without being asked,
 * sends what it printed (sched_output) and sched_died with the kernel's
 * reason from its "disabled" line and the reason line after it. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest-init/scx_internal.h"
#include "guest-init/scx_monitor.h"
#include "guest-init/sysinfo.h"
#include "guest-init/transport.h"
#include "lib/file.h"

#define SCX_SYSFS "/sys/kernel/sched_ext"
#define POLL_NS (10 * 1000000ull)
#define KMSG_WAIT_NS (1000 * 1000000ull)
/* How long a scheduler that is going away gets to reach "disabled". */
#define DEATH_SETTLE_NS 2000000000ull
/* How long a loader gets to exit on its own after its scheduler died. */
#define LOADER_GRACE_NS 1500000000ull

/* Monitor-private: the thread and its /dev/kmsg reader. */
static int kmsg_fd = -1;
static pthread_t mon;
static bool mon_started;
static atomic_bool mon_stop;

static void sleep_ns(uint64_t ns)
{
	nanosleep(&(struct timespec){ ns / 1000000000ull, ns % 1000000000ull }, NULL);
}

void scx_mon_sysfs(const char *leaf, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), SCX_SYSFS "/%s", leaf);
	if (read_text(path, buf, len) < 0)
		buf[0] = 0; /* root/ops is absent while disabled */
	buf[strcspn(buf, "\n")] = 0;
}

static long sysfs_long(const char *leaf)
{
	char buf[64];

	scx_mon_sysfs(leaf, buf, sizeof(buf));
	return strtol(buf, NULL, 10);
}

void scx_mon_event(enum proto_event kind, const char *name, const char *reason,
		   json_t *extra)
{
	char state[32], ops[128];
	json_t *o;

	scx_mon_sysfs("state", state, sizeof(state));
	scx_mon_sysfs("root/ops", ops, sizeof(ops));
	o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", EVF_NAME, name ?: "",
		      EVF_STATE, state, EVF_REASON, reason ?: "", EVF_OPS, ops,
		      EVF_SWITCH_ALL, (json_int_t)sysfs_long("switch_all"),
		      EVF_ENABLE_SEQ, (json_int_t)sysfs_long("enable_seq"),
		      EVF_NR_REJECTED, (json_int_t)sysfs_long("nr_rejected"));
	if (extra) {
		json_object_update(o, extra);
		json_decref(extra);
	}
	transport_event(kind, o);
}

void scx_mon_drain(void)
{
	char rec[2048];
	const char *text;
	ssize_t n;

	if (kmsg_fd < 0)
		return;
	for (;;) {
		n = read(kmsg_fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue; /* overwritten records: go on from the oldest left */
		if (n <= 0)
			return;
		rec[n] = 0;
		text = scx_kmsg_text(rec);
		if (!text)
			continue;
		scx_kmsg_note(&scx_last_exit, text);
		scx_mon_event(EV_SCHED_LOG, scx_cur_name(), text, NULL);
	}
}

static void state_now(char *state, size_t len)
{
	scx_mon_sysfs("state", state, len);
	if (strcmp(state, scx_last_state)) {
		snprintf(scx_last_state, sizeof(scx_last_state), "%s", state);
		scx_mon_event(EV_SCHED_STATE, scx_cur_name(), "", NULL);
	}
}

int scx_mon_wait_state(const char *want, uint64_t timeout_ns, pid_t pid, int *status)
{
	uint64_t end = guest_mono_ns() + timeout_ns;
	char state[32];

	for (;;) {
		scx_mon_drain();
		state_now(state, sizeof(state));
		if (!strcmp(state, want))
			return 0;
		if (pid > 0 && waitpid(pid, status, WNOHANG) == pid)
			return -ECHILD;
		if (guest_mono_ns() > end)
			return -ETIMEDOUT;
		sleep_ns(POLL_NS / 2);
	}
}

bool scx_mon_wait_exit_line(unsigned long seq)
{
	uint64_t end = guest_mono_ns() + KMSG_WAIT_NS;

	while (scx_last_exit.seq == seq && guest_mono_ns() < end) {
		sleep_ns(POLL_NS);
		scx_mon_drain();
	}
	/* The reason line follows the disabled line closely. */
	if (scx_last_exit.seq != seq && !scx_last_exit.msg[0]) {
		sleep_ns(POLL_NS);
		scx_mon_drain();
	}
	return scx_last_exit.seq != seq;
}

/* The scheduler died on its own (exited: its loader exited with status):
 * report why, then forget it. */
static void report_death(int status, bool exited)
{
	struct scx_cur *c = &scx_cur;
	struct scx_death d;
	char tail[512] = "";
	double alive_ms;
	int kind;

	if (scx_last_exit.seq == c->exit_seq)
		scx_mon_wait_exit_line(c->exit_seq);
	scx_exit_explain(&scx_last_exit, c->exit_seq, c->ops, exited, status, &d);
	/* What the scheduler itself recorded in ops.exit, where it did, beats
	 * reading the kernel's words (which may also come too late). */
	if (c->obj && !scx_load_exit_kind(c->obj, &kind) && kind)
		d.kind = scx_exit_kind_of(kind);
	alive_ms = (guest_now_ns() - c->enabled_ns) / 1e6;
	/* A loader whose scheduler the kernel threw out notices within its
	 * poll (scx_simple: 1 s) and says why; then it goes. */
	if (c->pid > 0 && !exited) {
		for (uint64_t end = guest_mono_ns() + LOADER_GRACE_NS;
		     waitpid(c->pid, NULL, WNOHANG) == 0 && guest_mono_ns() < end;)
			sleep_ns(POLL_NS);
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		c->pid = 0;
	}
	if (scx_cur.sc->kind == SCN_SCHED_EXEC)
		scx_load_output_tail(scx_cur_name(), tail, sizeof(tail));
	scx_cur_send_output();
	scx_mon_event(EV_SCHED_DIED, scx_cur_name(), d.reason,
		      json_pack("{s:s, s:s, s:s, s:f, s:s}", EVF_EXIT_KIND, d.kind,
				EVF_EXIT_REASON, d.why, EVF_SCHED_OPS, c->ops, EVF_ALIVE_MS,
				alive_ms, EVF_OUTPUT, tail));
	scx_cur_release();
}

void scx_mon_once(void)
{
	char state[32], ops[128];
	int status = 0;

	scx_mon_drain();
	state_now(state, sizeof(state));
	if (!scx_cur.sc)
		return;
	if (scx_cur.pid > 0 && waitpid(scx_cur.pid, &status, WNOHANG) == scx_cur.pid) {
		scx_cur.pid = 0;
		scx_mon_wait_state("disabled", DEATH_SETTLE_NS, 0, NULL);
		report_death(status, true);
		return;
	}
	scx_mon_sysfs("root/ops", ops, sizeof(ops));
	if (!strcmp(state, "enabled") && !strcmp(ops, scx_cur.ops))
		return;
	if (strcmp(state, "disabled"))
		scx_mon_wait_state("disabled", DEATH_SETTLE_NS, 0, NULL);
	report_death(0, false);
}

static void *monitor_main(void *arg)
{
	while (!atomic_load(&mon_stop)) {
		pthread_mutex_lock(&scx_lock);
		scx_mon_once();
		pthread_mutex_unlock(&scx_lock);
		sleep_ns(POLL_NS);
	}
	return NULL;
}

/* SCHED_FIFO like guest-init itself: threads start as SCHED_OTHER because
 * of SCHED_RESET_ON_FORK, and a broken scheduler must not starve its own
 * watchdog. */
void scx_mon_start(void)
{
	struct sched_param sp = { .sched_priority = 98 };
	int ret;

	if (mon_started)
		return;
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	else
		transport_error(0, "sched_ext monitor: /dev/kmsg: %s", strerror(errno));
	ret = pthread_create(&mon, NULL, monitor_main, NULL);
	if (ret) {
		transport_error(0, "sched_ext monitor thread: %s", strerror(ret));
		return;
	}
	ret = pthread_setschedparam(mon, SCHED_FIFO, &sp);
	if (ret)
		transport_error(0, "sched_ext monitor: SCHED_FIFO: %s", strerror(ret));
	mon_started = true;
}

void scx_mon_stop(void)
{
	if (!mon_started)
		return;
	atomic_store(&mon_stop, true);
	pthread_join(mon, NULL);
	mon_started = false;
}

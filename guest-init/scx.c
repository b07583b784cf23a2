// SPDX-License-Identifier: GPL-2.0-only
/* sched_ext lifecycle (see scx.h): loads BPF schedulers with libbpf or runs
 * exec= loaders, and a SCHED_FIFO monitor thread that notices a scheduler
 * dying mid-step (watchdog stall, BPF error, loader exit) and reports it
 * with the kernel's reason from /dev/kmsg. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "guest-init/scx.h"
#include "guest-init/sysinfo.h"
#include "guest-init/transport.h"

#define SCX_SYSFS "/sys/kernel/sched_ext"
#define POLL_NS (10 * 1000000ull)
#define ENABLE_TIMEOUT_NS (60 * 1000000000ull) /* exec loaders under TCG */
#define KMSG_WAIT_NS (1000 * 1000000ull)

/* The scheduler guest-init attached (at most one: sched_ext has one root). */
struct scx_cur {
	const struct scn_scheduler *sc; /* NULL: none */
	struct bpf_object *obj;
	struct bpf_link *link;
	pid_t pid;                 /* exec= loader, 0 for bpf= */
	char ops[128];             /* the kernel's name for it (root/ops) */
	uint64_t enabled_ns;       /* guest_now_ns() when it came up */
	unsigned long exit_seq;    /* last_exit.seq when it came up */
};

/* The last "disabled" report from the kernel log. */
struct scx_exit {
	unsigned long seq;         /* bumps on each disabled line */
	char ops[128];
	char why[128];             /* "runnable task stall" */
	char msg[512];             /* the following reason line, if any */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct scx_cur cur;
static struct scx_exit last_exit;
static char last_state[32];
static int kmsg_fd = -1;
static pthread_t mon;
static bool mon_started;
static bool used; /* a scheduler op ran: step-end sampling is on */
static atomic_bool mon_stop;
static char libbpf_log[2048];

const char *scx_exit_kind(const char *reason)
{
	if (strstr(reason, "stall"))
		return "stall";
	if (strstr(reason, "error"))
		return "error";
	if (strstr(reason, "unregistered"))
		return "unregistered";
	if (strstr(reason, "sysrq"))
		return "sysrq";
	return "other";
}

int scx_parse_kmsg(const char *text, char *name, size_t nlen, char *why, size_t wlen)
{
	static const char pre[] = "sched_ext: ";
	const char *p, *q, *r;

	if (strncmp(text, pre, sizeof(pre) - 1))
		return 0;
	p = text + sizeof(pre) - 1;
	if (!strncmp(p, "BPF scheduler \"", 15)) {
		p += 15;
		q = strchr(p, '"');
		if (!q || strncmp(q, "\" disabled (", 12))
			return 0;
		r = strrchr(q, ')');
		if (!r)
			return 0;
		snprintf(name, nlen, "%.*s", (int)(q - p), p);
		snprintf(why, wlen, "%.*s", (int)(r - q - 12), q + 12);
		return 1;
	}
	q = strstr(p, ": ");
	if (!q || memchr(p, ' ', q - p))
		return 0;
	snprintf(name, nlen, "%.*s", (int)(q - p), p);
	snprintf(why, wlen, "%s", q + 2);
	return 2;
}

static void sleep_ns(uint64_t ns)
{
	nanosleep(&(struct timespec){ ns / 1000000000ull, ns % 1000000000ull }, NULL);
}

static void read_sysfs(const char *leaf, char *buf, size_t len)
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

	read_sysfs(leaf, buf, sizeof(buf));
	return strtol(buf, NULL, 10);
}

/* A scheduler event: t_ms and kind from the transport, then name, state,
 * reason and the kernel's counters; extra (may be NULL) is merged in. */
static void sched_event(enum proto_event kind, const char *name, const char *reason,
			json_t *extra)
{
	char state[32], ops[128];
	json_t *o;

	read_sysfs("state", state, sizeof(state));
	read_sysfs("root/ops", ops, sizeof(ops));
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

static const char *cur_name(void)
{
	return cur.sc ? cur.sc->name : "";
}

/* Read every new kernel log record; remember sched_ext exit reports and
 * forward sched_ext lines as "sched_log" events. */
static void kmsg_drain(void)
{
	char rec[2048], name[128], why[512];
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
		rec[strcspn(rec, "\n")] = 0;
		const char *text = strchr(rec, ';');
		if (!text || strncmp(++text, "sched_ext: ", 11))
			continue;
		switch (scx_parse_kmsg(text, name, sizeof(name), why, sizeof(why))) {
		case 1:
			last_exit.seq++;
			snprintf(last_exit.ops, sizeof(last_exit.ops), "%s", name);
			snprintf(last_exit.why, sizeof(last_exit.why), "%.*s",
				 (int)sizeof(last_exit.why) - 1, why);
			last_exit.msg[0] = 0;
			break;
		case 2:
			if (!strcmp(name, last_exit.ops) && !last_exit.msg[0])
				snprintf(last_exit.msg, sizeof(last_exit.msg), "%s", why);
			break;
		}
		sched_event(EV_SCHED_LOG, cur_name(), text, NULL);
	}
}

static void state_now(char *state, size_t len)
{
	read_sysfs("state", state, len);
	if (strcmp(state, last_state)) {
		snprintf(last_state, sizeof(last_state), "%s", state);
		sched_event(EV_SCHED_STATE, cur_name(), "", NULL);
	}
}

/* Wait until the kernel's state is want (or the loader exits). Returns 0,
 * -ETIMEDOUT, or -ECHILD with *status set when the loader exited. */
static int wait_state(const char *want, uint64_t timeout_ns, pid_t pid, int *status)
{
	uint64_t end = guest_mono_ns() + timeout_ns;
	char state[32];

	for (;;) {
		kmsg_drain();
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

/* Wait briefly for the kernel's "disabled" line after seq. */
static bool wait_exit_line(unsigned long seq)
{
	uint64_t end = guest_mono_ns() + KMSG_WAIT_NS;

	while (last_exit.seq == seq && guest_mono_ns() < end) {
		sleep_ns(POLL_NS);
		kmsg_drain();
	}
	/* The reason line follows the disabled line closely. */
	if (last_exit.seq != seq && !last_exit.msg[0]) {
		sleep_ns(POLL_NS);
		kmsg_drain();
	}
	return last_exit.seq != seq;
}

static void cur_release(void)
{
	if (cur.link)
		bpf_link__destroy(cur.link);
	if (cur.obj)
		bpf_object__close(cur.obj);
	memset(&cur, 0, sizeof(cur));
}

static void log_tail(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/tmp/sched-%s.log", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	off_t size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)len - 1 ? size - (off_t)len + 1 : 0, SEEK_SET);
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	close(fd);
}

/* The scheduler died on its own: report why (the kernel's "disabled" line
 * and the reason line after it), then forget it. */
static void report_death(int status, bool exited)
{
	char reason[768], tail[512] = "";
	const char *why, *kind;
	bool logged;

	if (last_exit.seq == cur.exit_seq)
		wait_exit_line(cur.exit_seq);
	logged = last_exit.seq != cur.exit_seq && !strcmp(last_exit.ops, cur.ops);
	why = logged ? last_exit.why : exited ? "scheduler process exited" : "unknown";
	snprintf(reason, sizeof(reason), "%s", logged && last_exit.msg[0] ? last_exit.msg : why);
	kind = scx_exit_kind(why);
	if (exited) {
		if (!strcmp(kind, "other"))
			kind = "unregistered";
		log_tail(cur_name(), tail, sizeof(tail));
		snprintf(reason + strlen(reason), sizeof(reason) - strlen(reason),
			 "; process %s %d", WIFSIGNALED(status) ? "killed by signal" : "exited with",
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	}
	sched_event(EV_SCHED_DIED, cur_name(), reason,
		    json_pack("{s:s, s:s, s:s, s:f, s:s}", EVF_EXIT_KIND, kind, EVF_EXIT_REASON,
			      why, EVF_SCHED_OPS, cur.ops, EVF_ALIVE_MS,
			      (guest_now_ns() - cur.enabled_ns) / 1e6, EVF_OUTPUT, tail));
	if (cur.pid > 0 && !exited) {
		kill(cur.pid, SIGKILL);
		waitpid(cur.pid, NULL, 0);
	}
	cur_release();
}

/* One monitor pass: state changes, kernel log, and whether the attached
 * scheduler is still the one running. Called with the lock held. */
static void monitor_once(void)
{
	char state[32], ops[128];
	int status = 0;

	kmsg_drain();
	state_now(state, sizeof(state));
	if (!cur.sc)
		return;
	if (cur.pid > 0 && waitpid(cur.pid, &status, WNOHANG) == cur.pid) {
		cur.pid = 0;
		wait_state("disabled", 2000000000ull, 0, NULL);
		report_death(status, true);
		return;
	}
	read_sysfs("root/ops", ops, sizeof(ops));
	if (!strcmp(state, "enabled") && !strcmp(ops, cur.ops))
		return;
	if (strcmp(state, "disabled"))
		wait_state("disabled", 2000000000ull, 0, NULL);
	report_death(0, false);
}

static void *monitor_main(void *arg)
{
	while (!atomic_load(&mon_stop)) {
		pthread_mutex_lock(&lock);
		monitor_once();
		pthread_mutex_unlock(&lock);
		sleep_ns(POLL_NS);
	}
	return NULL;
}

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	size_t n = strlen(libbpf_log);
	char line[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (n + strlen(line) >= sizeof(libbpf_log))
		n = 0; /* keep the most recent messages */
	snprintf(libbpf_log + n, sizeof(libbpf_log) - n, "%s", line);
	return 0;
}

/* The kernel's log, the monitor (SCHED_FIFO like guest-init itself: threads
 * start as SCHED_OTHER because of SCHED_RESET_ON_FORK, and a broken
 * scheduler must not starve its own watchdog). */
static void monitor_start(void)
{
	struct sched_param sp = { .sched_priority = 98 };
	int ret;

	if (mon_started)
		return;
	libbpf_set_print(libbpf_capture);
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

static const struct scn_scheduler *find_sched(const struct scenario *s, const char *name)
{
	for (int i = 0; i < s->n_scheds; i++)
		if (!strcmp(s->scheds[i].name, name))
			return &s->scheds[i];
	return NULL;
}

/* Offset of member name in the struct_ops map's value type, or -1. */
static long ops_member(struct bpf_object *obj, struct bpf_map *m, const char *name)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	const struct btf_member *mem;

	if (!btf)
		return -1;
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(m));
	if (!t || !btf_is_struct(t))
		return -1;
	mem = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, mem++)
		if (!strcmp(btf__name_by_offset(btf, mem->name_off), name))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

static struct bpf_map *find_ops_map(struct bpf_object *obj)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const struct btf_type *t;

		if (bpf_map__type(m) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(m));
		if (t && !strcmp(btf__name_by_offset(btf, t->name_off), "sched_ext_ops"))
			return m;
	}
	return NULL;
}

/* A scheduler opened and loaded (verified) but not attached yet, so a
 * replace can verify the new one before the old one goes. */
struct scx_next {
	struct bpf_object *obj;
	struct bpf_map *map;
};

static int bpf_prepare(const struct scn_scheduler *sc, struct scx_next *nx, char *msg,
		       size_t len)
{
	char path[256];
	size_t size;
	char *data;
	long off;
	int ret;

	snprintf(path, sizeof(path), SCX_GUEST_DIR "/%s.bpf.o", sc->name);
	libbpf_log[0] = 0;
	nx->obj = bpf_object__open_file(path, NULL);
	if (!nx->obj) {
		snprintf(msg, len, "scheduler '%s': opening %s (bpf=%s): %s %s", sc->name,
			 path, sc->target, strerror(errno), libbpf_log);
		return -1;
	}
	nx->map = find_ops_map(nx->obj);
	if (!nx->map) {
		snprintf(msg, len, "scheduler '%s': %s has no sched_ext_ops struct_ops map",
			 sc->name, sc->target);
		goto err_close;
	}
	data = bpf_map__initial_value(nx->map, &size);
	off = ops_member(nx->obj, nx->map, "flags");
	if (sc->partial && (!data || off < 0 || off + 8 > (long)size)) {
		snprintf(msg, len, "scheduler '%s': cannot set partial mode (no ops.flags)",
			 sc->name);
		goto err_close;
	}
	if (sc->partial)
		*(uint64_t *)(data + off) |= SCX_FLAG_SWITCH_PARTIAL;
	ret = bpf_object__load(nx->obj);
	if (ret) {
		snprintf(msg, len, "scheduler '%s': loading %s: %s; libbpf: %s", sc->name,
			 sc->target, strerror(-ret), libbpf_log);
		goto err_close;
	}
	return 0;
err_close:
	bpf_object__close(nx->obj);
	nx->obj = NULL;
	return -1;
}

static int bpf_attach(const struct scn_scheduler *sc, struct scx_next *nx, char *msg,
		      size_t len)
{
	int ret;

	cur.link = bpf_map__attach_struct_ops(nx->map);
	if (!cur.link) {
		ret = errno;
		kmsg_drain();
		snprintf(msg, len, "scheduler '%s': attaching %s: %s%s%s%s%s", sc->name,
			 sc->target, strerror(ret), libbpf_log[0] ? "; libbpf: " : "",
			 libbpf_log, last_exit.msg[0] ? "; kernel: " : "", last_exit.msg);
		bpf_object__close(nx->obj);
		nx->obj = NULL;
		return -1;
	}
	cur.obj = nx->obj;
	nx->obj = NULL;
	return 0;
}

static int spawn_exec(const struct scn_scheduler *sc, char *msg, size_t len)
{
	char path[256], args[512], logp[128], *argv[64];
	int argc = 0, fd;
	pid_t pid;

	snprintf(path, sizeof(path), SCX_GUEST_DIR "/%s", sc->name);
	snprintf(logp, sizeof(logp), "/tmp/sched-%s.log", sc->name);
	snprintf(args, sizeof(args), "%s", sc->args);
	argv[argc++] = path;
	for (char *save, *t = strtok_r(args, " \t", &save); t && argc < 63;
	     t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	if (access(path, X_OK)) {
		snprintf(msg, len, "scheduler '%s': %s (exec=%s): %s", sc->name, path,
			 sc->target, strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(msg, len, "scheduler '%s': fork: %s", sc->name, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setpgid(0, 0);
		execv(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	cur.pid = pid;
	return 0;
}

/* Bring sc up (nx: already prepared for bpf=) and wait until the kernel
 * says it is enabled. The lock is held. */
static int sched_up(const struct scn_scheduler *sc, struct scx_next *nx, char *msg,
		    size_t len)
{
	int status = 0, ret;
	char tail[512];

	memset(&cur, 0, sizeof(cur));
	if (sc->kind == SCN_SCHED_BPF ? bpf_attach(sc, nx, msg, len) : spawn_exec(sc, msg, len)) {
		cur_release();
		return -1;
	}
	cur.sc = sc;
	ret = wait_state("enabled", ENABLE_TIMEOUT_NS, cur.pid, &status);
	if (ret) {
		log_tail(sc->name, tail, sizeof(tail));
		if (ret == -ECHILD)
			snprintf(msg, len, "scheduler '%s' (exec=%s) %s %d before sched_ext "
				 "was enabled; output: %s", sc->name, sc->target,
				 WIFSIGNALED(status) ? "was killed by signal" : "exited with status",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
				 tail);
		else
			snprintf(msg, len, "scheduler '%s': sched_ext not enabled after %llu s "
				 "(state %s)%s%s", sc->name, ENABLE_TIMEOUT_NS / 1000000000ull,
				 last_state, tail[0] ? "; output: " : "", tail);
		if (cur.pid > 0 && ret != -ECHILD) {
			kill(cur.pid, SIGKILL);
			waitpid(cur.pid, NULL, 0);
		}
		cur.pid = 0;
		cur_release();
		return -1;
	}
	read_sysfs("root/ops", cur.ops, sizeof(cur.ops));
	cur.enabled_ns = guest_now_ns();
	cur.exit_seq = last_exit.seq;
	return 0;
}

/* Take the attached scheduler down and wait until sched_ext is disabled.
 * The lock is held. */
static int sched_down(char *msg, size_t len)
{
	int ret;

	if (cur.pid > 0) {
		kill(cur.pid, SIGINT);
		if (wait_state("disabled", 3000000000ull, 0, NULL))
			kill(cur.pid, SIGKILL);
		waitpid(cur.pid, NULL, 0);
		cur.pid = 0;
	}
	/* The link and the object's fds both go: the kernel unregisters the
	 * scheduler when the last reference to its struct_ops map is gone. */
	if (cur.link) {
		bpf_link__destroy(cur.link);
		cur.link = NULL;
	}
	if (cur.obj) {
		bpf_object__close(cur.obj);
		cur.obj = NULL;
	}
	ret = wait_state("disabled", 10000000000ull, 0, NULL);
	if (ret) {
		snprintf(msg, len, "scheduler '%s': sched_ext still %s after detaching",
			 cur_name(), last_state);
		cur_release();
		return -1;
	}
	cur_release();
	return 0;
}

static json_t *attach_info(const struct scn_scheduler *sc, uint64_t t0)
{
	return json_pack("{s:s, s:s, s:s, s:b, s:f}", EVF_SCHED_OPS, cur.ops, EVF_TYPE,
			 sc->kind == SCN_SCHED_BPF ? "bpf" : "exec", EVF_TARGET, sc->target,
			 EVF_PARTIAL, sc->partial, EVF_LOAD_MS, (guest_now_ns() - t0) / 1e6);
}

static int op_attach(const struct scn_scheduler *sc, char *msg, size_t len)
{
	uint64_t t0 = guest_now_ns();
	struct scx_next nx = { 0 };

	if (cur.sc) {
		snprintf(msg, len, "cannot attach '%s': '%s' is attached (use replace)",
			 sc->name, cur_name());
		return -1;
	}
	if (sc->kind == SCN_SCHED_BPF && bpf_prepare(sc, &nx, msg, len))
		return -1;
	if (sched_up(sc, &nx, msg, len))
		return -1;
	sched_event(EV_SCHED_ATTACH, sc->name, "", attach_info(sc, t0));
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

	if (sc->kind == SCN_SCHED_BPF && bpf_prepare(sc, &nx, msg, len))
		return -1;
	t0 = guest_now_ns();
	if (cur.sc) {
		snprintf(from, sizeof(from), "%s", cur_name());
		snprintf(from_ops, sizeof(from_ops), "%s", cur.ops);
		if (sched_down(msg, len)) {
			bpf_object__close(nx.obj);
			return -1;
		}
	}
	t1 = guest_now_ns();
	if (sched_up(sc, &nx, msg, len))
		return -1;
	sched_event(EV_SCHED_REPLACE, sc->name, "",
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
	unsigned long seq = last_exit.seq;

	if (!cur.sc) {
		/* It died earlier (already reported) or was never attached. */
		sched_event(EV_SCHED_DETACH, "", "nothing attached", NULL);
		return 0;
	}
	snprintf(name, sizeof(name), "%s", cur_name());
	if (sched_down(msg, len))
		return -1;
	wait_exit_line(seq);
	sched_event(EV_SCHED_DETACH, name, why,
		    json_pack("{s:f, s:s}", EVF_UNLOAD_MS, (guest_now_ns() - t0) / 1e6,
			      EVF_EXIT_REASON, last_exit.seq != seq ? last_exit.why : ""));
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
	monitor_start();
	pthread_mutex_lock(&lock);
	used = true;
	monitor_once(); /* a death before this op is reported first */
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
	pthread_mutex_unlock(&lock);
	return ret;
}

void sched_poll(void)
{
	if (!used)
		return;
	pthread_mutex_lock(&lock);
	monitor_once();
	sched_event(EV_SCHED_STEP, cur_name(), "",
		    json_pack("{s:s}", EVF_SCHED_OPS, cur.ops));
	pthread_mutex_unlock(&lock);
}

void sched_finish(void)
{
	char msg[512];

	if (!used)
		return;
	pthread_mutex_lock(&lock);
	monitor_once();
	if (cur.sc && op_detach("end of run", msg, sizeof(msg)))
		transport_error(0, "%s", msg);
	pthread_mutex_unlock(&lock);
	if (mon_started) {
		atomic_store(&mon_stop, true);
		pthread_join(mon, NULL);
		mon_started = false;
	}
}

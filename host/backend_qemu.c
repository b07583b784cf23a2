// SPDX-License-Identifier: GPL-2.0-only
/* The QEMU backend: launches qemu-system-x86_64 (KVM when the host can run
 * the guest, TCG otherwise) with the ELF vmlinux through PVH, the kernel
 * console on an emulated 8250 and the report stream on virtio-console. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host/arch/x86/topology.h"
#include "host/backend.h"
#include "host/kvmcheck.h"
#include "host/qmp.h"
#include "proto/wire.h"

struct qemu {
	pid_t pid;
	int listen_fd;
	char sock_path[108];
	char qmp_path[108];
	char tmpdir[64];
	struct qmp qmp;
	int status;
	int reaped;
	int killed;
};

#define MAX_ARGS BACKEND_QEMU_MAX_ARGS
#define QEMU_PC_MAX_CPUS 255 /* QEMU's pc (i440fx) machine */

/* QEMU numbers APIC IDs like the own VMM (host/arch/x86/topology.c) and,
 * without x2APIC and interrupt remapping, refuses any above 254. */
int backend_qemu_topo_check(const struct scn_topology *t, char *msg, size_t len)
{
	int n = scn_topo_ncpus(t);
	uint32_t max;

	if (n > QEMU_PC_MAX_CPUS) {
		snprintf(msg, len, "topology numa=%d llcs=%d cores=%d threads=%d has %d "
			 "CPUs; the qemu backend's pc machine runs at most %d",
			 t->numa, t->llcs, t->cores, t->threads, n, QEMU_PC_MAX_CPUS);
		return -1;
	}
	max = x86_topo_max_apic_id(t->numa, t->llcs, t->cores, t->threads);
	if (max > X86_XAPIC_MAX_ID) {
		snprintf(msg, len, "topology numa=%d llcs=%d cores=%d threads=%d needs "
			 "APIC ID %u; the qemu backend supports APIC IDs up to %d (each "
			 "level takes a power-of-two field: use counts of 2, 4, 8...; "
			 "the kvm backend goes higher)",
			 t->numa, t->llcs, t->cores, t->threads, max, X86_XAPIC_MAX_ID);
		return -1;
	}
	return 0;
}

static int push(char **argv, int *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int push(char **argv, int *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= MAX_ARGS - 1)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&argv[*n], fmt, ap) < 0)
		argv[*n] = NULL;
	va_end(ap);
	(*n)++;
	argv[*n] = NULL;
	return 0;
}

static void numa_args(char **argv, int *n, const struct vm_spec *s)
{
	const struct scn_topology *t = &s->topo;
	int per_node = t->llcs * t->cores * t->threads;
	uint64_t mem = s->mem_bytes / t->numa;

	if (t->numa < 2)
		return;
	mem &= ~((1ull << 20) - 1);
	for (int i = 0; i < t->numa; i++) {
		push(argv, n, "-object");
		push(argv, n, "memory-backend-ram,id=m%d,size=%llu", i,
		     (unsigned long long)(i == t->numa - 1 ?
					 s->mem_bytes - mem * (t->numa - 1) : mem));
		push(argv, n, "-numa");
		push(argv, n, "node,nodeid=%d,cpus=%d-%d,memdev=m%d", i,
		     i * per_node, (i + 1) * per_node - 1, i);
	}
}

/* A value inside a QEMU option list ("-chardev file,path=VALUE"): QEMU
 * splits those at commas and reads ",," as one comma. -kernel, -initrd
 * and -append take their argument whole and must not be escaped. */
static const char *opt_val(const char *in, char *buf, size_t len)
{
	size_t n = 0;

	for (; *in && n + 2 < len; in++) {
		if (*in == ',')
			buf[n++] = ',';
		buf[n++] = *in;
	}
	buf[n] = 0;
	return *in ? NULL : buf;
}

int backend_qemu_argv(char **argv, const struct vm_spec *s, const char *accel,
		      const char *sock, const char *qmp, int incoming_fd)
{
	const struct scn_topology *t = &s->topo;
	char log[2 * 4096 + 1], rep[2 * 4096 + 1], qmpv[2 * 4096 + 1];
	int n = 0;
	const char *kernel = s->kernel->vmlinux[0] && s->kernel->has_pvh ?
			     s->kernel->vmlinux : s->kernel->bzimage;

	if (!opt_val(s->console_log, log, sizeof(log)) || !opt_val(sock, rep, sizeof(rep)) ||
	    !opt_val(qmp, qmpv, sizeof(qmpv)))
		return -1;
	push(argv, &n, "qemu-system-x86_64");
	push(argv, &n, "-nodefaults");
	push(argv, &n, "-no-user-config");
	push(argv, &n, "-display");
	push(argv, &n, "none");
	push(argv, &n, "-no-reboot");
	push(argv, &n, "-machine");
	push(argv, &n, "pc");
	push(argv, &n, "-accel");
	push(argv, &n, "%s", !strcmp(accel, "kvm") ? "kvm" : "tcg,thread=single");
	push(argv, &n, "-cpu");
	push(argv, &n, "%s", !strcmp(accel, "kvm") ? "host" : "max");
	push(argv, &n, "-m");
	push(argv, &n, "%lluM", (unsigned long long)(s->mem_bytes >> 20));
	push(argv, &n, "-smp");
	push(argv, &n, "%d,sockets=%d,dies=%d,cores=%d,threads=%d",
	     scn_topo_ncpus(t), t->numa, t->llcs, t->cores, t->threads);
	numa_args(argv, &n, s);
	push(argv, &n, "-kernel");
	push(argv, &n, "%s", kernel);
	push(argv, &n, "-initrd");
	push(argv, &n, "/proc/self/fd/%d", s->initrd_fd);
	push(argv, &n, "-append");
	push(argv, &n, "%s", s->cmdline);
	push(argv, &n, "-chardev");
	/* A restored guest's log already holds the boot that made its
	 * snapshot (host/boot.c): QEMU appends to it. */
	push(argv, &n, "file,id=con,path=%s%s", log, incoming_fd >= 0 ? ",append=on" : "");
	push(argv, &n, "-serial");
	push(argv, &n, "chardev:con");
	push(argv, &n, "-device");
	push(argv, &n, "virtio-serial-pci,id=vs");
	push(argv, &n, "-chardev");
	push(argv, &n, "socket,id=rep,path=%s", rep);
	/* A virtio-serial port, not a virtconsole: QEMU drops console bytes
	 * when the host socket is full, but throttles a port losslessly. */
	push(argv, &n, "-device");
	push(argv, &n, "virtserialport,chardev=rep,bus=vs.0,name=" WIRE_PORT_NAME);
	push(argv, &n, "-device");
	push(argv, &n, "pvpanic");
	/* QMP, for snapshots: save a ready guest, start from one. */
	push(argv, &n, "-qmp");
	push(argv, &n, "unix:%s,server=on,wait=off", qmpv);
	if (incoming_fd >= 0) {
		push(argv, &n, "-incoming");
		push(argv, &n, "fd:%d", incoming_fd);
	}
	return n;
}

/* The qemu-system-x86_64 that execvp will run: part of a snapshot's key. */
static const char *qemu_program(void)
{
	static char path[4096];
	const char *env = getenv("PATH");
	char dirs[8192];

	if (path[0])
		return path;
	snprintf(dirs, sizeof(dirs), "%s", env ? env : "/usr/bin:/bin");
	for (char *save, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/qemu-system-x86_64", *d ? d : ".");
		if (access(path, X_OK) == 0)
			return path;
	}
	snprintf(path, sizeof(path), "qemu-system-x86_64");
	return path;
}

/* Each vCPU thread on a host CPU of its own (the suite's -j lanes): under
 * TCG every vCPU is the one thread, which then takes the first CPU. */
static int pin_vcpus(struct qemu *q, const struct vm_spec *s, char *msg, size_t len)
{
	json_t *r, *c;
	size_t i;

	if (qmp_cmd(&q->qmp, "query-cpus-fast", NULL, &r, 10000, msg, len))
		return -1;
	json_array_foreach(r, i, c) {
		json_int_t idx = json_integer_value(json_object_get(c, "cpu-index"));
		json_int_t tid = json_integer_value(json_object_get(c, "thread-id"));
		int cpu = s->pin_cpus[idx % s->n_pin_cpus];
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (tid <= 0 || sched_setaffinity((pid_t)tid, sizeof(set), &set)) {
			snprintf(msg, len, "pinning vCPU %lld (thread %lld) to CPU %d: %s",
				 (long long)idx, (long long)tid, cpu, strerror(errno));
			json_decref(r);
			return -1;
		}
		if (s->verbose)
			fprintf(stderr, "qemu: vCPU %lld (thread %lld) on host CPU %d\n",
				(long long)idx, (long long)tid, cpu);
	}
	json_decref(r);
	return 0;
}

static int qemu_start(struct backend *b, const struct vm_spec *s, char *msg,
		      size_t len)
{
	struct qemu *q = b->priv;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *argv[MAX_ARGS] = { 0 };
	const char *accel = s->accel;
	int argc = 0, ret = -1, in_fd = -1;
	struct timespec t_spawn;
	json_t *r;

	if (!strcmp(accel, "auto")) {
		char why[256];
		accel = kvm_can_run_linux(why, sizeof(why)) ? "kvm" : "tcg";
		if (s->verbose)
			fprintf(stderr, "qemu: accel %s (%s)\n", accel, why);
	}
	snprintf(b->accel_used, sizeof(b->accel_used), "%s", accel);
	snprintf(q->tmpdir, sizeof(q->tmpdir), "/tmp/ktstr-qemu-XXXXXX");
	if (!mkdtemp(q->tmpdir)) {
		snprintf(msg, len, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(q->sock_path, sizeof(q->sock_path), "%s/report.sock", q->tmpdir);
	snprintf(q->qmp_path, sizeof(q->qmp_path), "%s/qmp.sock", q->tmpdir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", q->sock_path);
	q->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->listen_fd < 0 || bind(q->listen_fd, (void *)&sa, sizeof(sa)) ||
	    listen(q->listen_fd, 1)) {
		snprintf(msg, len, "report socket %s: %s", q->sock_path, strerror(errno));
		return -1;
	}
	if (s->restore_state) {
		/* Inherited by QEMU (no O_CLOEXEC): -incoming fd:N. */
		in_fd = open(s->restore_state, O_RDONLY);
		if (in_fd < 0) {
			snprintf(msg, len, "%s: %s", s->restore_state, strerror(errno));
			return -1;
		}
	}
	argc = backend_qemu_argv(argv, s, accel, q->sock_path, q->qmp_path, in_fd);
	if (argc < 0) {
		snprintf(msg, len, "console log path %s is too long", s->console_log);
		goto out;
	}
	if (s->verbose) {
		for (int i = 0; i < argc; i++)
			fprintf(stderr, "%s%s", argv[i], i + 1 < argc ? " " : "\n");
	}
	clock_gettime(CLOCK_MONOTONIC, &t_spawn);
	q->pid = fork();
	if (q->pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		/* If ktstr-run dies (Ctrl-C, a killed CI job), so does the VM. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(fd, 0);
		/* QEMU's own errors go to stderr, which the user should see. */
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (q->pid < 0) {
		snprintf(msg, len, "fork: %s", strerror(errno));
		goto out;
	}
	b->exit_fd = syscall(SYS_pidfd_open, q->pid, 0);
	b->vm_pid = q->pid;
	/* QEMU connects to the report socket while it starts. */
	struct pollfd fds[2] = { { q->listen_fd, POLLIN, 0 }, { b->exit_fd, POLLIN, 0 } };
	if (poll(fds, 2, 30000) <= 0 || !(fds[0].revents & POLLIN)) {
		snprintf(msg, len, "qemu-system-x86_64 (%s) did not start; its "
			 "errors are above", accel);
		goto out;
	}
	b->report_fd = accept4(q->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (b->report_fd < 0) {
		snprintf(msg, len, "accept on %s: %s", q->sock_path, strerror(errno));
		goto out;
	}
	if (qmp_connect(&q->qmp, q->qmp_path, 30000, msg, len))
		goto out;
	if (s->n_pin_cpus > 0 && pin_vcpus(q, s, msg, len))
		goto out;
	if (s->restore_state) {
		struct timespec t1, t2;

		/* QEMU loads the state while the host checks it; the restored
		 * guest stays paused until both are done and the channel is up. */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (s->restore_check && s->restore_check(s->restore_ctx, msg, len))
			goto out;
		if (qmp_wait_migration(&q->qmp, 60000, msg, len) ||
		    qmp_cmd(&q->qmp, "cont", NULL, &r, 10000, msg, len))
			goto out;
		json_decref(r);
		clock_gettime(CLOCK_MONOTONIC, &t2);
		if (s->verbose)
			fprintf(stderr, "qemu: restore: process up and connected in %.0f ms, "
				"state loaded and running %.0f ms later\n",
				(t1.tv_sec - t_spawn.tv_sec) * 1e3 +
					(t1.tv_nsec - t_spawn.tv_nsec) / 1e6,
				(t2.tv_sec - t1.tv_sec) * 1e3 + (t2.tv_nsec - t1.tv_nsec) / 1e6);
	}
	ret = 0;
out:
	if (in_fd >= 0)
		close(in_fd);
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return ret;
}

/* Pause, write the whole machine to path through an fd handed to QEMU
 * (no shell, no helper process), resume. */
static int qemu_save(struct backend *b, const char *path, char *msg, size_t len)
{
	struct qemu *q = b->priv;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), ret = -1;
	json_t *r;

	if (fd < 0) {
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (qmp_send_fd(&q->qmp, "snap", fd, 10000, msg, len) ||
	    qmp_cmd(&q->qmp, "stop", NULL, &r, 10000, msg, len))
		goto out;
	json_decref(r);
	if (qmp_cmd(&q->qmp, "migrate", json_pack("{s:s}", "uri", "fd:snap"), &r, 10000,
		    msg, len))
		goto resume;
	json_decref(r);
	if (qmp_wait_migration(&q->qmp, 120000, msg, len))
		goto resume;
	if (fsync(fd)) {
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		goto resume;
	}
	ret = 0;
resume:
	if (qmp_cmd(&q->qmp, "cont", NULL, &r, 10000, ret ? NULL : msg, ret ? 0 : len))
		ret = -1;
	else
		json_decref(r);
out:
	close(fd);
	return ret;
}

static enum vm_end qemu_reap(struct backend *b, char *msg, size_t len)
{
	struct qemu *q = b->priv;

	if (!q->reaped && q->pid > 0) {
		waitpid(q->pid, &q->status, 0);
		q->reaped = 1;
	}
	if (q->killed) {
		snprintf(msg, len, "killed by ktstr-run");
		return VM_END_KILLED;
	}
	if (WIFEXITED(q->status) && WEXITSTATUS(q->status) == 0) {
		snprintf(msg, len, "guest reset");
		return VM_END_RESET;
	}
	if (WIFEXITED(q->status))
		snprintf(msg, len, "qemu-system-x86_64 exited with status %d",
			 WEXITSTATUS(q->status));
	else
		snprintf(msg, len, "qemu-system-x86_64 killed by signal %d",
			 WTERMSIG(q->status));
	return VM_END_FAILED;
}

static void qemu_kill(struct backend *b)
{
	struct qemu *q = b->priv;

	if (q->pid > 0 && !q->reaped) {
		q->killed = 1;
		kill(q->pid, SIGKILL);
	}
}

static void qemu_destroy(struct backend *b)
{
	struct qemu *q = b->priv;
	char msg[128];

	qemu_kill(b);
	qemu_reap(b, msg, sizeof(msg));
	if (b->report_fd >= 0)
		close(b->report_fd);
	if (b->exit_fd >= 0)
		close(b->exit_fd);
	if (q->listen_fd >= 0)
		close(q->listen_fd);
	qmp_close(&q->qmp);
	if (q->sock_path[0])
		unlink(q->sock_path);
	if (q->qmp_path[0])
		unlink(q->qmp_path);
	if (q->tmpdir[0])
		rmdir(q->tmpdir);
	free(q);
	free(b);
}

struct backend *backend_qemu_new(void)
{
	struct backend *b = calloc(1, sizeof(*b));
	struct qemu *q = calloc(1, sizeof(*q));

	q->listen_fd = -1;
	qmp_init(&q->qmp);
	b->name = "qemu";
	b->save = qemu_save;
	b->program = qemu_program;
	b->plan_channel = true;
	b->priv = q;
	b->report_fd = -1;
	b->exit_fd = -1;
	b->start = qemu_start;
	b->reap = qemu_reap;
	b->kill = qemu_kill;
	b->destroy = qemu_destroy;
	return b;
}

// SPDX-License-Identifier: GPL-2.0-only
/* The QEMU backend: launches qemu-system-x86_64 (KVM when the host can run
 * the guest, TCG otherwise) with the ELF vmlinux through PVH, the kernel
 * console on an emulated 8250 and the report stream on virtio-console. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include <unistd.h>

#include "host/backend.h"
#include "host/kvmcheck.h"
#include "proto/wire.h"

struct qemu {
	pid_t pid;
	int listen_fd;
	char sock_path[108];
	char tmpdir[64];
	int status;
	int reaped;
	int killed;
};

#define MAX_ARGS 64

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

static int build_argv(char **argv, const struct vm_spec *s, const char *accel,
		      const char *sock)
{
	const struct scn_topology *t = &s->topo;
	int n = 0;
	const char *kernel = s->kernel->vmlinux[0] && s->kernel->has_pvh ?
			     s->kernel->vmlinux : s->kernel->bzimage;

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
	push(argv, &n, "file,id=con,path=%s", s->console_log);
	push(argv, &n, "-serial");
	push(argv, &n, "chardev:con");
	push(argv, &n, "-device");
	push(argv, &n, "virtio-serial-pci,id=vs");
	push(argv, &n, "-chardev");
	push(argv, &n, "socket,id=rep,path=%s", sock);
	/* A virtio-serial port, not a virtconsole: QEMU drops console bytes
	 * when the host socket is full, but throttles a port losslessly. */
	push(argv, &n, "-device");
	push(argv, &n, "virtserialport,chardev=rep,bus=vs.0,name=" WIRE_PORT_NAME);
	push(argv, &n, "-device");
	push(argv, &n, "pvpanic");
	return n;
}

static int qemu_start(struct backend *b, const struct vm_spec *s, char *msg,
		      size_t len)
{
	struct qemu *q = b->priv;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *argv[MAX_ARGS] = { 0 };
	const char *accel = s->accel;
	int argc, ret = -1;

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
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", q->sock_path);
	q->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->listen_fd < 0 || bind(q->listen_fd, (void *)&sa, sizeof(sa)) ||
	    listen(q->listen_fd, 1)) {
		snprintf(msg, len, "report socket %s: %s", q->sock_path, strerror(errno));
		return -1;
	}
	argc = build_argv(argv, s, accel, q->sock_path);
	if (s->verbose) {
		for (int i = 0; i < argc; i++)
			fprintf(stderr, "%s%s", argv[i], i + 1 < argc ? " " : "\n");
	}
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
	ret = 0;
out:
	for (int i = 0; i < argc; i++)
		free(argv[i]);
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
	if (q->sock_path[0])
		unlink(q->sock_path);
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
	b->name = "qemu";
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

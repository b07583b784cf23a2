// SPDX-License-Identifier: GPL-2.0-only
/* qemu-boot: the QEMU side of the boot benchmark. Boots a kernel the way
 * host/backend_qemu.c does (pc machine, virtio-console for the report) and
 * prints the same line as vmm-boot: the time from fork to the first byte the
 * guest init writes to /dev/hvc0, and how the VM ended.
 * usage: qemu-boot KERNEL INITRD [--cmdline S] [--topo N,L,C,T] [--mem MiB]
 *                  [--log FILE] [--timeout S] [--accel kvm|tcg] [--cpu MODEL] [-L DIR]
 *                  [--echo]
 * Exit: 0 QEMU ended cleanly after a report, 3 killed at --timeout, 1 else. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 64

struct opts {
	const char *kernel, *initrd, *log, *accel, *datadir, *cpu;
	const char *cmdline;
	int numa, llcs, cores, threads, mem_mib, timeout, echo;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void add(char **argv, int *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(char **argv, int *n, const char *fmt, ...)
{
	va_list ap;

	if (*n >= MAX_ARGS - 1)
		return;
	va_start(ap, fmt);
	if (vasprintf(&argv[*n], fmt, ap) < 0)
		argv[*n] = NULL;
	va_end(ap);
	argv[++*n] = NULL;
}

static void build_argv(char **argv, const struct opts *o)
{
	int n = 0, per_node = o->llcs * o->cores * o->threads;
	int kvm = !strcmp(o->accel, "kvm");

	add(argv, &n, "qemu-system-x86_64");
	if (o->datadir)
		add(argv, &n, "-L"), add(argv, &n, "%s", o->datadir);
	add(argv, &n, "-nodefaults"), add(argv, &n, "-no-user-config");
	add(argv, &n, "-display"), add(argv, &n, "none"), add(argv, &n, "-no-reboot");
	add(argv, &n, "-machine"), add(argv, &n, "pc");
	add(argv, &n, "-accel"), add(argv, &n, "%s", kvm ? "kvm" : "tcg");
	add(argv, &n, "-cpu"), add(argv, &n, "%s", o->cpu ? o->cpu : kvm ? "host" : "max");
	add(argv, &n, "-m"), add(argv, &n, "%dM", o->mem_mib);
	add(argv, &n, "-smp");
	add(argv, &n, "%d,sockets=%d,dies=%d,cores=%d,threads=%d", o->numa * per_node,
	    o->numa, o->llcs, o->cores, o->threads);
	for (int i = 0; o->numa > 1 && i < o->numa; i++) {
		add(argv, &n, "-object");
		add(argv, &n, "memory-backend-ram,id=m%d,size=%dM", i, o->mem_mib / o->numa);
		add(argv, &n, "-numa");
		add(argv, &n, "node,nodeid=%d,cpus=%d-%d,memdev=m%d", i, i * per_node,
		    (i + 1) * per_node - 1, i);
	}
	add(argv, &n, "-kernel"), add(argv, &n, "%s", o->kernel);
	add(argv, &n, "-initrd"), add(argv, &n, "%s", o->initrd);
	add(argv, &n, "-append"), add(argv, &n, "%s", o->cmdline);
	add(argv, &n, "-chardev"), add(argv, &n, "file,id=con,path=%s", o->log);
	add(argv, &n, "-serial"), add(argv, &n, "chardev:con");
	add(argv, &n, "-device"), add(argv, &n, "virtio-serial-pci,id=vs");
	add(argv, &n, "-chardev"), add(argv, &n, "stdio,id=rep,signal=off");
	add(argv, &n, "-device"), add(argv, &n, "virtconsole,chardev=rep,bus=vs.0");
}

static int parse(struct opts *o, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--echo"))
			o->echo = 1;
		else if (v && !strcmp(a, "--cmdline"))
			o->cmdline = argv[++i];
		else if (v && !strcmp(a, "--topo"))
			i++, sscanf(v, "%d,%d,%d,%d", &o->numa, &o->llcs, &o->cores, &o->threads);
		else if (v && !strcmp(a, "--mem"))
			o->mem_mib = atoi(argv[++i]);
		else if (v && !strcmp(a, "--log"))
			o->log = argv[++i];
		else if (v && !strcmp(a, "--timeout"))
			o->timeout = atoi(argv[++i]);
		else if (v && !strcmp(a, "--accel"))
			o->accel = argv[++i];
		else if (v && !strcmp(a, "--cpu"))
			o->cpu = argv[++i];
		else if (v && !strcmp(a, "-L"))
			o->datadir = argv[++i];
		else if (!o->kernel)
			o->kernel = a;
		else if (!o->initrd)
			o->initrd = a;
		else
			return -1;
	}
	return o->kernel && o->initrd && o->numa > 0 && o->llcs > 0 && o->cores > 0 &&
	       o->threads > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct opts o = { .log = "qemu-boot.console.log", .accel = "kvm", .numa = 1,
			  .llcs = 1, .cores = 2, .threads = 1, .mem_mib = 512, .timeout = 60,
			  .cmdline = "console=ttyS0 loglevel=4 reboot=k panic=-1 rdinit=/init "
				     "tsc=reliable no_timer_check mitigations=off" };
	char *qargv[MAX_ARGS] = { 0 }, buf[65536];
	int pfd[2], status = 0, killed = 0;
	unsigned long long bytes = 0;
	double t0, first = -1;
	pid_t pid;

	if (parse(&o, argc, argv)) {
		fprintf(stderr, "usage: qemu-boot KERNEL INITRD [--cmdline S] [--topo N,L,C,T] "
			"[--mem MiB] [--log FILE] [--timeout S] [--accel kvm|tcg] [--cpu MODEL] [-L DIR] "
			"[--echo]\n");
		return 2;
	}
	build_argv(qargv, &o);
	if (pipe2(pfd, O_CLOEXEC)) {
		perror("pipe2");
		return 2;
	}
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, STDIN_FILENO);
		dup2(pfd[1], STDOUT_FILENO);
		execvp(qargv[0], qargv);
		fprintf(stderr, "qemu-boot: exec %s: %s\n", qargv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 1000) == 0) {
			if (now_ms() - t0 > o.timeout * 1000.0) {
				kill(pid, SIGKILL);
				killed = 1;
				break;
			}
			continue;
		}
		n = read(pfd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		if (first < 0)
			first = now_ms() - t0;
		bytes += n;
		if (o.echo && write(STDOUT_FILENO, buf, n) < 0)
			o.echo = 0;
	}
	waitpid(pid, &status, 0);
	printf("first_report_ms=%.1f report_bytes=%llu total_ms=%.1f end=%d\n", first, bytes,
	       now_ms() - t0, killed ? 4 : WIFEXITED(status) && !WEXITSTATUS(status) ? 1 : 3);
	if (killed)
		return 3;
	return WIFEXITED(status) && !WEXITSTATUS(status) && bytes ? 0 : 1;
}

// SPDX-License-Identifier: GPL-2.0-only
/* The VM's CPU time and run-queue wait from schedstat (see dilation.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/dilation.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* "cpu_ns wait_ns timeslices" of one thread; 0 or -errno. */
static int read_schedstat(pid_t pid, pid_t tid, uint64_t *cpu, uint64_t *wait)
{
	char path[64], buf[128];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/schedstat", (int)pid, (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = 0;
	if (sscanf(buf, "%" SCNu64 " %" SCNu64, cpu, wait) != 2)
		return -EINVAL;
	return 0;
}

static int add_thread(struct dil_mark *m, pid_t tid, uint64_t cpu, uint64_t wait)
{
	if (m->n == m->cap) {
		int cap = m->cap ? m->cap * 2 : 16;
		struct dil_thread *t = realloc(m->t, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		m->t = t;
		m->cap = cap;
	}
	m->t[m->n++] = (struct dil_thread){ tid, cpu, wait };
	return 0;
}

int dil_mark(struct dil_mark *m, pid_t pid)
{
	pid_t proc = pid ? pid : getpid();
	char path[64];
	struct dirent *de;
	DIR *d;
	int err = -ENOENT;

	m->pid = pid;
	m->skip_tid = pid ? 0 : gettid();
	m->n = 0;
	m->ok = false;
	m->mono_ns = now_ns();
	snprintf(path, sizeof(path), "/proc/%d/task", (int)proc);
	if (!(d = opendir(path)))
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		uint64_t cpu, wait;
		int ret;

		if (*end || tid <= 0 || tid == m->skip_tid)
			continue;
		/* A thread can end between readdir and the read. */
		if ((ret = read_schedstat(proc, (pid_t)tid, &cpu, &wait))) {
			err = ret;
			continue;
		}
		if ((err = add_thread(m, (pid_t)tid, cpu, wait)))
			break;
	}
	closedir(d);
	m->ok = m->n > 0 && err != -ENOMEM;
	return m->ok ? 0 : err;
}

void dil_mark_free(struct dil_mark *m)
{
	free(m->t);
	m->t = NULL;
	m->n = m->cap = 0;
}

void dil_between(const struct dil_mark *a, const struct dil_mark *b, int usable_cpus,
		 struct dilation *d)
{
	memset(d, 0, sizeof(*d));
	if (!a->ok || !b->ok || b->mono_ns < a->mono_ns)
		return;
	d->measured = true;
	d->wall_ns = b->mono_ns - a->mono_ns;
	d->usable_cpus = usable_cpus > 0 ? usable_cpus : 1;
	d->threads = b->n;
	for (int i = 0; i < b->n; i++) {
		const struct dil_thread *t = &b->t[i];
		uint64_t cpu0 = 0, wait0 = 0;

		for (int k = 0; k < a->n; k++)
			if (a->t[k].tid == t->tid) {
				cpu0 = a->t[k].cpu_ns;
				wait0 = a->t[k].wait_ns;
				break;
			}
		/* Counters only grow; a reused tid that went back starts anew. */
		d->cpu_ns += t->cpu_ns >= cpu0 ? t->cpu_ns - cpu0 : t->cpu_ns;
		d->wait_ns += t->wait_ns >= wait0 ? t->wait_ns - wait0 : t->wait_ns;
	}
}

int dil_affinity_cpus(pid_t pid)
{
	cpu_set_t set;

	if (sched_getaffinity(pid, sizeof(set), &set))
		return 0;
	return CPU_COUNT(&set);
}

double dil_cpu_share(const struct dilation *d)
{
	if (!d->measured || !d->wall_ns || d->usable_cpus <= 0)
		return 0;
	return (double)d->cpu_ns / ((double)d->wall_ns * d->usable_cpus);
}

double dil_starved(const struct dilation *d)
{
	double run = (double)d->cpu_ns + (double)d->wait_ns;

	return d->measured && run > 0 ? d->wait_ns / run : 0;
}

double dil_factor(const struct dilation *d)
{
	return d->measured && d->cpu_ns ? ((double)d->cpu_ns + d->wait_ns) / d->cpu_ns : 0;
}

bool dil_is_starved(const struct dilation *d)
{
	return d->measured && d->wait_ns >= DIL_STARVED_MIN_WAIT_NS &&
	       dil_starved(d) >= DIL_STARVED_MIN;
}

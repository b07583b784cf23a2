// SPDX-License-Identifier: GPL-2.0-only
/* The measuring loop shared by every work type: progress points, gaps,
 * migrations, CPU and wall time, reservoirs, schedstat, NUMA placement. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload/internal.h"

#define FLUSH_NS 5000000ull /* publish running totals this often */

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

/* cpu_time run_delay run_count of this thread (zeros without schedstat). */
static void read_schedstat(pid_t tid, uint64_t v[3])
{
	char path[64], buf[128];
	unsigned long long a = 0, b = 0, c = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", tid);
	if (read_file(path, buf, sizeof(buf)) > 0)
		sscanf(buf, "%llu %llu %llu", &a, &b, &c);
	v[0] = a;
	v[1] = b;
	v[2] = c;
}

static uint64_t read_vmstat(const char *key)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char name[64];
	unsigned long long v, r = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%63s %llu", name, &v) == 2)
		if (!strcmp(name, key)) {
			r = v;
			break;
		}
	fclose(f);
	return r;
}

/* Sum the N<node>=<pages> fields of every mapping of this process. */
static void read_numa_pages(uint64_t *pages)
{
	FILE *f = fopen("/proc/self/numa_maps", "re");
	char *line = NULL, *save, *tok;
	size_t cap = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
			unsigned node;
			unsigned long long n;

			if (sscanf(tok, "N%u=%llu", &node, &n) == 2 && node < SCN_MAX_NODES)
				pages[node] += n;
		}
	}
	free(line);
	fclose(f);
}

static void flush(struct wl_worker *w, uint64_t now)
{
	struct worker_report *r = w->r;

	r->wall_time_ns = now - w->m.t0;
	r->cpu_time_ns = thread_cpu_ns();
	r->off_cpu_ns = r->wall_time_ns > r->cpu_time_ns ? r->wall_time_ns - r->cpu_time_ns : 0;
	w->m.last_flush = now;
}

void wm_begin(struct wl_worker *w)
{
	struct worker_report *r = w->r;
	uint64_t now = wl_now();

	w->m.t0 = w->m.last = w->m.block_start = w->m.last_flush = now;
	w->m.rng = now ^ ((uint64_t)w->tid << 32) ^ 0x9e3779b97f4a7c15ull;
	w->m.cpu = sched_getcpu();
	r->started_at_ns = now;
	r->max_gap_cpu = w->m.cpu;
	if (w->m.cpu >= 0 && w->m.cpu < SCN_MAX_CPUS)
		scn_cpumask_set(&r->cpus_used, w->m.cpu);
	read_schedstat(w->tid, w->m.sched0);
	w->m.vm0 = read_vmstat("numa_pages_migrated");
}

void wm_end(struct wl_worker *w)
{
	struct worker_report *r = w->r;
	uint64_t s[3];

	flush(w, wm_progress(w));
	read_schedstat(w->tid, s);
	r->schedstat_cpu_time_ns = s[0] - w->m.sched0[0];
	r->schedstat_run_delay_ns = s[1] - w->m.sched0[1];
	r->schedstat_run_count = s[2] - w->m.sched0[2];
	read_numa_pages(r->numa_pages);
	r->vmstat_numa_pages_migrated = read_vmstat("numa_pages_migrated") - w->m.vm0;
}

static void note_cpu(struct wl_worker *w, uint64_t now)
{
	struct worker_report *r = w->r;
	int cpu = sched_getcpu();

	if (cpu == w->m.cpu || cpu < 0)
		return;
	/* Preempted between reading the clock and the CPU: the time of this
	 * sighting is unknown, so take it again next iteration. */
	if (wl_now() - now > 1000000)
		return;
	if (cpu < SCN_MAX_CPUS)
		scn_cpumask_set(&r->cpus_used, cpu);
	r->migration_count++;
	if (r->n_migrations < WR_MAX_MIGRATIONS)
		r->migrations[r->n_migrations++] = (struct wr_migration){
			.at_ns = now - w->m.t0, .from_cpu = w->m.cpu, .to_cpu = cpu };
	w->m.cpu = cpu;
}

uint64_t wm_progress(struct wl_worker *w)
{
	struct worker_report *r = w->r;
	uint64_t now = wl_now();
	uint64_t gap = now > w->m.last ? now - w->m.last : 0;

	note_cpu(w, now);
	if (gap / 1e6 > r->max_gap_ms) {
		r->max_gap_ms = gap / 1e6;
		r->max_gap_cpu = w->m.cpu;
		r->max_gap_at_ms = (w->m.last - w->m.t0) / 1e6;
	}
	w->m.last = now;
	if (now - w->m.last_flush >= FLUSH_NS)
		flush(w, now);
	return now;
}

uint64_t wm_iter(struct wl_worker *w, uint64_t start_ns, uint64_t units)
{
	struct worker_report *r = w->r;
	uint64_t now = wm_progress(w);

	r->iterations++;
	r->work_units += units;
	wr_reservoir_add(r->iteration_costs_ns, &r->n_iter_cost, WR_RESERVOIR_CAP,
			 &r->iteration_cost_sample_total,
			 now > start_ns ? now - start_ns : 0, &w->m.rng);
	return now;
}

void wm_block(struct wl_worker *w)
{
	w->m.block_start = wm_progress(w);
}

void wm_latency(struct wl_worker *w, uint64_t ns)
{
	struct worker_report *r = w->r;

	wr_reservoir_add(r->resume_latencies_ns, &r->n_resume, WR_RESERVOIR_CAP,
			 &r->wake_sample_total, ns, &w->m.rng);
}

uint64_t wm_woke(struct wl_worker *w, uint64_t wake_ns)
{
	uint64_t now = wl_now();
	uint64_t from = wake_ns > w->m.block_start ? wake_ns : w->m.block_start;

	if (!wake_ns || from > now)
		from = now;
	else
		wm_latency(w, now - from);
	/* The time blocked is not a gap; the time runnable after the wake is. */
	if (from > w->m.last)
		w->m.last = from;
	return wm_progress(w);
}

// SPDX-License-Identifier: GPL-2.0-only
/* `ktstr-run suite` (see suite.h): the options, every scenario loaded and
 * checked before any VM starts, the runs and why some are skipped, then
 * suite_run.c runs them and suite_output.c writes what they left. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/backend.h"
#include "host/cpio.h"
#include "host/guest_files.h"
#include "host/kvmcheck.h"
#include "host/sched_files.h"
#include "host/suite.h"
#include "kernels/kernels.h"
#include "scenario/topologies.h"

static const char usage_suite[] =
	"usage: ktstr-run suite [options] PATH...\n"
	"\n"
	"Runs many scenarios across topologies and schedulers, several VMs at once.\n"
	"PATH is a scenario file or a directory (every *.scn under it, sorted). All\n"
	"of them are read and checked first; any error (FILE:LINE:COL) is exit 2\n"
	"before a VM starts.\n"
	"\n"
	"  --topology LIST    run each scenario on these topologies instead of its\n"
	"                     own: comma-separated presets ('ktstr-run topology\n"
	"                     list'), shapes NnLlCcTt (1n2l2c1t: 1 node, 2 LLCs per\n"
	"                     node, 2 cores per LLC, 1 thread per core), 'own' (the\n"
	"                     scenario's), or 'all' (every preset). A scenario whose\n"
	"                     cpusets or 'requires' do not fit a topology, or a\n"
	"                     topology the backend cannot build, is skipped there\n"
	"                     with the reason\n"
	"  --scheduler S      the scheduler under test: bpf=OBJ or exec=PATH\n"
	"                     [args=\"...\"] [partial=yes] (the scenario language's\n"
	"                     words; name=LABEL first to name it), attached for the\n"
	"                     whole of every scenario without scheduler lines of its\n"
	"                     own ('eevdf': the kernel's own class). Repeat it for a\n"
	"                     matrix. Scenarios with scheduler lines run once, as\n"
	"                     written (scheduler 'scenario')\n"
	"  -j, --jobs N       VMs at once, not pinned (default: as many as this\n"
	"                     host's CPUs hold: one CPU per VM under QEMU TCG, one\n"
	"                     per vCPU under KVM; each VM pinned to CPUs of its own)\n"
	"  --repeat N         run each combination N times (1..1000; repetition r\n"
	"                     runs with --seed + r)\n"
	"  --budget DURATION  run only what fits in about this wall time (e.g. 10m):\n"
	"                     the runs covering the most scenarios, topologies and\n"
	"                     schedulers, from estimated run times; the rest are\n"
	"                     listed as left out\n"
	"  --filter GLOB      only scenarios whose name matches (repeatable)\n"
	"  --fail-fast        stop at the first run that does not pass\n"
	"  --list             print the runs (and the skipped ones, with why) and\n"
	"                     exit without starting a VM\n"
	"  --out DIR          keep each run's results (RUN.json, as 'run --json'\n"
	"                     writes), console log and output, and index.json\n"
	"  --junit FILE       JUnit XML: a testsuite per scenario x topology x\n"
	"                     scheduler, a testcase per check\n"
	"  --kernel K, --backend B, --accel A, --timeout SECONDS, --seed N,\n"
	"  --append ARGS, --cold\n"
	"                     as for 'run', for every run\n"
	"  -v, --verbose      more detail in each run's log\n"
	"  -q, --quiet        only a line per finished run (no plan, progress or\n"
	"                     table)\n"
	"  -h, --help         this text\n"
	"\n"
	"exit codes: 0 every run passed or was skipped, 1 a check failed, 2 an\n"
	"input or harness error, 3 a guest crashed or timed out, 4 inconclusive\n"
	"(only timing checks failed, on a host that starved the VM); when runs\n"
	"differ, 2 wins over 3, 3 over 1, 1 over 4. Interrupted (^C): 130, after\n"
	"the runs in flight are stopped and what finished is written.\n";

struct suite_args {
	struct suite su;
	char **filters;
	int n_filters;
	int jobs;                /* 0: default */
	uint64_t budget_ns;
	bool fail_fast;
	bool list;
	const char *junit;
	bool out_given;
	bool own;                /* some run uses its scenario's own topology */
	int errors;
};

/* ---- the scenario files ---- */

static int add_path(struct suite_args *a, const char *p)
{
	char **nv = realloc(a->su.paths, (size_t)(a->su.n_scn + 1) * sizeof(*nv));

	if (!nv || !(nv[a->su.n_scn] = strdup(p))) {
		fprintf(stderr, "ktstr-run suite: out of memory\n");
		if (nv)
			a->su.paths = nv;
		return -1;
	}
	a->su.paths = nv;
	a->su.n_scn++;
	return 0;
}

static int by_name(const struct dirent **x, const struct dirent **y)
{
	return strcmp((*x)->d_name, (*y)->d_name);
}

/* Every *.scn under dir, depth first, each directory's entries sorted. */
static int add_dir(struct suite_args *a, const char *dir, int depth)
{
	struct dirent **e;
	int n = scandir(dir, &e, NULL, by_name), ret = 0;

	if (n < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		a->errors++;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		size_t l = strlen(e[i]->d_name);
		struct stat st;

		if (!ret && e[i]->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s%s%s", dir,
			     dir[strlen(dir) - 1] == '/' ? "" : "/", e[i]->d_name) < (int)sizeof(path) &&
		    !stat(path, &st)) {
			if (S_ISDIR(st.st_mode) && depth < 32)
				ret = add_dir(a, path, depth + 1);
			else if (S_ISREG(st.st_mode) && l > 4 && !strcmp(e[i]->d_name + l - 4, ".scn"))
				ret = add_path(a, path);
		}
		free(e[i]);
	}
	free(e);
	return ret;
}

static int by_path(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every file and directory named: files as given, directories' *.scn
 * sorted; a path named twice runs once. */
static int collect_paths(struct suite_args *a, int n, char **argv)
{
	for (int i = 0; i < n; i++) {
		struct stat st;
		int first = a->su.n_scn;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (add_dir(a, argv[i], 0))
				return -1;
			qsort(a->su.paths + first, (size_t)(a->su.n_scn - first), sizeof(char *),
			      by_path);
			if (a->su.n_scn == first) {
				fprintf(stderr, "%s: no *.scn files under it\n", argv[i]);
				a->errors++;
			}
		} else if (add_path(a, argv[i])) {
			return -1;
		}
	}
	for (int i = 1; i < a->su.n_scn; i++) {
		for (int j = 0; j < i; j++) {
			if (strcmp(a->su.paths[i], a->su.paths[j]))
				continue;
			free(a->su.paths[i]);
			memmove(&a->su.paths[i], &a->su.paths[i + 1],
				(size_t)(a->su.n_scn - i - 1) * sizeof(char *));
			a->su.n_scn--;
			i--;
			break;
		}
	}
	return 0;
}

/* The files a scenario's schedulers, payloads and `file` directives need,
 * resolved now so that a missing one is an error before any VM starts. */
static int files_ok(const struct scenario *s, const char *path)
{
	struct cpio c;
	char msg[1024];
	int ret;

	cpio_init(&c);
	ret = guest_files_add_all(&c, s, NULL, msg, sizeof(msg));
	cpio_free(&c);
	if (ret)
		fprintf(stderr, "%s: %s\n", path, msg);
	return ret;
}

/* Read and check every file (all errors at once), then the names. */
static void load_all(struct suite_args *a, const char *backend)
{
	struct suite *su = &a->su;

	su->scn = calloc((size_t)su->n_scn + 1, sizeof(*su->scn));
	if (!su->scn) {
		a->errors++;
		return;
	}
	for (int i = 0; i < su->n_scn; i++) {
		/* The scenario's own topology must suit the backend only if a
		 * run is to use it. */
		if (scenario_load(su->paths[i], a->own ? backend : NULL, &su->scn[i])) {
			a->errors++;
			continue;
		}
		if (files_ok(&su->scn[i], su->paths[i]))
			a->errors++;
		for (int j = 0; j < i; j++) {
			if (!su->scn[j].name[0] || strcmp(su->scn[i].name, su->scn[j].name))
				continue;
			fprintf(stderr, "%s: scenario '%s' has the name of %s's; a suite's runs are "
				"keyed by scenario name\n", su->paths[i], su->scn[i].name, su->paths[j]);
			a->errors++;
		}
	}
}

/* Keep the scenarios a --filter names; an unused filter is an error. */
static void filter(struct suite_args *a)
{
	struct suite *su = &a->su;
	int kept = 0;

	if (!a->n_filters)
		return;
	for (int f = 0; f < a->n_filters; f++) {
		bool used = false;

		for (int i = 0; i < su->n_scn && !used; i++)
			used = !fnmatch(a->filters[f], su->scn[i].name, 0);
		if (!used) {
			fprintf(stderr, "ktstr-run suite: --filter '%s' matches no scenario\n",
				a->filters[f]);
			a->errors++;
		}
	}
	for (int i = 0; i < su->n_scn; i++) {
		bool keep = false;

		for (int f = 0; f < a->n_filters && !keep; f++)
			keep = !fnmatch(a->filters[f], su->scn[i].name, 0);
		if (!keep) {
			scn_free(&su->scn[i]);
			free(su->paths[i]);
			continue;
		}
		su->scn[kept] = su->scn[i];
		su->paths[kept++] = su->paths[i];
	}
	su->n_scn = kept;
}

/* Each --scheduler's object or binary, resolved and checked now. */
static void scheds_ok(struct suite_args *a)
{
	for (int i = 0; i < a->su.n_sched; i++) {
		const struct suite_sched *k = &a->su.scheds[i];
		char path[4096], msg[1024];
		int bad;

		if (k->eevdf)
			continue;
		if (k->sc.kind == SCN_SCHED_BPF)
			bad = sched_resolve_bpf(k->sc.target, path, sizeof(path), msg,
						sizeof(msg)) ||
			      sched_check_bpf(path, msg, sizeof(msg));
		else
			bad = sched_resolve_exec(k->sc.target, path, sizeof(path), msg,
						 sizeof(msg));
		if (bad) {
			fprintf(stderr, "ktstr-run suite: --scheduler %s: %s\n", k->label, msg);
			a->errors++;
		}
		for (int j = 0; j < i; j++) {
			if (strcmp(k->label, a->su.scheds[j].label))
				continue;
			fprintf(stderr, "ktstr-run suite: two --scheduler rows are named '%s'; give "
				"one of them name=LABEL\n", k->label);
			a->errors++;
		}
	}
}

/* ---- the runs ---- */

static int add_run(struct suite *su, const struct suite_run *r)
{
	struct suite_run *nv;

	if (su->n_runs % 64 == 0) {
		nv = realloc(su->runs, (size_t)(su->n_runs + 64) * sizeof(*nv));
		if (!nv)
			return -1;
		su->runs = nv;
	}
	su->runs[su->n_runs] = *r;
	su->runs[su->n_runs].order = su->n_runs;
	su->n_runs++;
	return 0;
}

/* The runs of scenario s on topology t under scheduler row k (-1: its
 * own), one per repetition: cost, estimate, files' stem, or why skipped. */
static int plan_one(struct suite *su, int s, int t, int k)
{
	const struct scenario *f = &su->scn[s];
	const struct suite_topo *tp = &su->topos[t];
	struct suite_run r = { .scn = s, .topo = t, .sched = k, .t = tp->own ? f->topo : tp->t };
	bool kvm = !strcmp(su->accel, "kvm");
	const struct scenario *rs;
	struct scenario buf;
	char why[1024] = "";
	int n;

	r.memory = f->memory_bytes;
	if (!tp->own && r.memory < scn_topo_memory_floor(&r.t))
		r.memory = scn_topo_memory_floor(&r.t);
	r.rewrite = !tp->own || r.memory != f->memory_bytes || (k >= 0 && !su->scheds[k].eevdf);
	r.cost = suite_run_cost(&r.t, su->lanes.per_vcpu, su->lanes.host);
	r.est_cold_s = suite_estimate_s(scn_run_ns(f), &r.t, kvm, true);
	r.est_s = su->o.cold ? r.est_cold_s : suite_estimate_s(scn_run_ns(f), &r.t, kvm, false);
	if (!backend_topo_check(su->backend, &r.t, why, sizeof(why)) &&
	    !suite_run_scenario(su, &r, &buf, &rs, why, sizeof(why))) {
		why[0] = 0;
		if (rs != f)
			scn_free(&buf);
	}
	snprintf(r.skip, sizeof(r.skip), "%s", why);
	r.state = why[0] ? SUITE_SKIPPED : SUITE_PENDING;
	n = snprintf(r.stem, sizeof(r.stem), "%s.%s.%s", f->name, tp->own ? "own" : tp->label,
		     k < 0 ? SUITE_SCHED_SCENARIO : su->scheds[k].label);
	for (r.repeat = 0; r.repeat < su->repeat; r.repeat++) {
		if (su->repeat > 1)
			snprintf(r.stem + n, sizeof(r.stem) - n, ".r%d", r.repeat + 1);
		if (add_run(su, &r))
			return -1;
	}
	return 0;
}

/* Every scenario x topology x scheduler x repetition. A scenario with
 * schedulers of its own runs once per topology, as written; its own
 * topology, when it is also one of the named ones, once. */
static int plan_runs(struct suite *su)
{
	for (int s = 0; s < su->n_scn; s++) {
		const struct scenario *f = &su->scn[s];

		for (int t = 0; t < su->n_topo; t++) {
			bool dup = false;

			for (int u = 0; u < su->n_topo && su->topos[t].own && !dup; u++)
				dup = !su->topos[u].own &&
				      !memcmp(&su->topos[u].t, &f->topo, sizeof(f->topo));
			if (dup)
				continue;
			if (f->n_scheds && plan_one(su, s, t, -1))
				return -1;
			for (int k = 0; k < su->n_sched && !f->n_scheds; k++)
				if (plan_one(su, s, t, k))
					return -1;
		}
	}
	return 0;
}

/* ---- host CPUs and -j ---- */

/* The host CPUs this process may use, and what a VM costs in them. */
static void lanes_init(struct suite_args *a)
{
	struct suite_lanes *l = &a->su.lanes;
	cpu_set_t set;

	l->host = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE && l->host < (int)(sizeof(l->cpu_ids) /
								   sizeof(l->cpu_ids[0])); c++)
			if (CPU_ISSET(c, &set))
				l->cpu_ids[l->host++] = c;
	}
	if (!l->host)
		l->cpu_ids[l->host++] = 0;
	l->per_vcpu = !strcmp(a->su.accel, "kvm");
}

/* -j: given, or as many VMs as the host's CPUs hold. */
static void lanes_jobs(struct suite_args *a)
{
	struct suite_lanes *l = &a->su.lanes;
	int min_cost = 0;

	for (int i = 0; i < a->su.n_runs; i++) {
		int c = a->su.runs[i].cost;

		if (a->su.runs[i].state == SUITE_PENDING && (!min_cost || c < min_cost))
			min_cost = c;
	}
	l->strict = a->jobs == 0;
	l->jobs = a->jobs ? a->jobs : suite_default_jobs(l->host, min_cost);
}

static void say_lanes(const struct suite *su)
{
	const struct suite_lanes *l = &su->lanes;

	if (!l->strict)
		suite_say(su, "-j %d: up to %d VMs at once on this host's %d CPU%s, not "
			  "pinned (the kernel places them)", l->jobs, l->jobs, l->host,
			  l->host == 1 ? "" : "s");
	else if (!l->per_vcpu)
		suite_say(su, "-j %d: this host gives ktstr-run %d CPU%s; %s runs a VM on one "
			  "host thread (TCG), so %d VM%s at once, each pinned to a CPU of its "
			  "own", l->jobs, l->host, l->host == 1 ? "" : "s", su->backend, l->jobs,
			  l->jobs == 1 ? "" : "s");
	else
		suite_say(su, "-j %d: this host gives ktstr-run %d CPUs; a VM takes one per vCPU "
			  "(KVM), pinned to them, and VMs start while their CPUs are free (a "
			  "topology larger than the host runs alone on all of them)", l->jobs,
			  l->host);
}

/* ---- writing ---- */

static int write_index(const struct suite *su)
{
	char path[4400];
	json_t *j = suite_index_json(su);
	int ret;

	snprintf(path, sizeof(path), "%s/index.json", su->out_dir);
	if (!j) {
		fprintf(stderr, "ktstr-run suite: the index could not be encoded\n");
		return -1;
	}
	ret = run_write_json(path, j);
	json_decref(j);
	return ret;
}

static int junit_of(FILE *f, const void *su)
{
	return suite_junit(f, su);
}

static int mkdirs(const char *dir)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static void remove_temp(const struct suite *su)
{
	static const char *const ext[] = { ".json", ".console.log", ".log" };
	char path[4400];

	for (int i = 0; i < su->n_runs; i++) {
		for (size_t e = 0; e < sizeof(ext) / sizeof(ext[0]); e++) {
			suite_path(su, &su->runs[i], ext[e], path, sizeof(path));
			unlink(path);
		}
	}
	rmdir(su->out_dir);
}

/* ---- the command ---- */

static int parse_args(struct suite_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, 0, 'k' },
		{ "backend", required_argument, 0, 'b' },
		{ "accel", required_argument, 0, 'a' },
		{ "timeout", required_argument, 0, 't' },
		{ "seed", required_argument, 0, 's' },
		{ "append", required_argument, 0, 'A' },
		{ "cold", no_argument, 0, 'C' },
		{ "topology", required_argument, 0, 'T' },
		{ "scheduler", required_argument, 0, 'S' },
		{ "jobs", required_argument, 0, 'j' },
		{ "repeat", required_argument, 0, 'r' },
		{ "budget", required_argument, 0, 'B' },
		{ "filter", required_argument, 0, 'f' },
		{ "fail-fast", no_argument, 0, 'x' },
		{ "list", no_argument, 0, 'L' },
		{ "out", required_argument, 0, 'o' },
		{ "junit", required_argument, 0, 'J' },
		{ "verbose", no_argument, 0, 'v' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct suite *su = &a->su;
	char msg[1024];
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "j:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': su->o.kernel = optarg; break;
		case 'b':
			if (run_check_backend(optarg))
				return 2;
			su->o.backend = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") && strcmp(optarg, "tcg")) {
				fprintf(stderr, "ktstr-run: --accel %s: expected auto, kvm or tcg\n",
					optarg);
				return 2;
			}
			su->o.accel = optarg;
			break;
		case 't':
			if (run_parse_timeout(optarg, &su->o.timeout_ms, msg, sizeof(msg)))
				goto bad;
			break;
		case 's':
			if (run_parse_u64("--seed", optarg, &su->o.seed, msg, sizeof(msg)))
				goto bad;
			break;
		case 'A':
			if (run_check_append(optarg, msg, sizeof(msg)))
				goto bad;
			su->o.append = optarg;
			break;
		case 'C': su->o.cold = 1; break;
		case 'T':
			if (suite_topo_parse(optarg, &su->topos, &su->n_topo, msg, sizeof(msg)))
				goto bad;
			break;
		case 'S': {
			struct suite_sched k, *nv;

			if (suite_sched_parse(optarg, &k, msg, sizeof(msg)))
				goto bad;
			nv = realloc(su->scheds, (size_t)(su->n_sched + 1) * sizeof(*nv));
			if (!nv)
				return 2;
			su->scheds = nv;
			nv[su->n_sched++] = k;
			break;
		}
		case 'j':
			if (run_parse_u64("-j", optarg, &v, msg, sizeof(msg)))
				goto bad;
			if (v < 1 || v > 1024) {
				snprintf(msg, sizeof(msg), "-j %s: expected 1..1024 VMs at once", optarg);
				goto bad;
			}
			a->jobs = (int)v;
			break;
		case 'r':
			if (run_parse_u64("--repeat", optarg, &v, msg, sizeof(msg)))
				goto bad;
			if (v < 1 || v > SUITE_MAX_REPEAT) {
				snprintf(msg, sizeof(msg), "--repeat %s: expected 1..%d", optarg,
					 SUITE_MAX_REPEAT);
				goto bad;
			}
			su->repeat = (int)v;
			break;
		case 'B':
			if (scn_duration_parse(optarg, &a->budget_ns, msg, sizeof(msg)) ||
			    !a->budget_ns) {
				snprintf(msg, sizeof(msg), "--budget %s: expected a duration such as "
					 "90s, 10m (a number and ns, us, ms, s or m), above 0", optarg);
				goto bad;
			}
			break;
		case 'f': {
			char **nv = realloc(a->filters, (size_t)(a->n_filters + 1) * sizeof(*nv));

			if (!nv)
				return 2;
			a->filters = nv;
			nv[a->n_filters++] = optarg;
			break;
		}
		case 'x': a->fail_fast = true; break;
		case 'L': a->list = true; break;
		case 'o': su->out_dir = optarg; a->out_given = true; break;
		case 'J': a->junit = optarg; break;
		case 'v': su->o.verbose++; break;
		case 'q': su->o.quiet = 1; break;
		case 'h': fputs(usage_suite, stdout); return 0;
		default: fputs(usage_suite, stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ktstr-run suite: expected scenario files or directories\n\n%s",
			usage_suite);
		return 2;
	}
	return -1; /* go on */
bad:
	fprintf(stderr, "ktstr-run suite: %s\n", msg);
	return 2;
}

static int by_cost(const void *x, const void *y)
{
	const struct suite_run *a = x, *b = y;

	if (a->cost != b->cost)
		return b->cost - a->cost;
	return a->order - b->order;
}

static void say_plan(const struct suite_args *a)
{
	const struct suite *su = &a->su;
	int run = 0, skip = 0, rows = su->n_sched;
	double est = 0;
	char t[32];

	for (int i = 0; i < su->n_runs; i++) {
		if (su->runs[i].state == SUITE_PENDING) {
			run++;
			est += su->runs[i].est_s * su->runs[i].cost;
		} else {
			skip++;
		}
	}
	suite_fmt_secs(est / (su->lanes.strict ? su->lanes.host : su->lanes.jobs), t, sizeof(t));
	suite_say(su, "suite: %d scenario%s x %d topolog%s x %d scheduler%s x %d = %d runs: "
		  "%d to run (about %s), %d skipped; kernel %s, %s backend (%s)",
		  su->n_scn, su->n_scn == 1 ? "" : "s", su->n_topo, su->n_topo == 1 ? "y" : "ies",
		  rows, rows == 1 ? "" : "s", su->repeat, su->n_runs, run, t, skip,
		  su->kernel->release, su->backend, su->accel);
	for (int i = 0; i < su->n_runs && (!su->o.quiet || a->list); i++) {
		const struct suite_run *r = &su->runs[i];

		if (r->state == SUITE_SKIPPED && r->repeat == 0)
			printf("%-9s %-6s %-20s %-14s %-10s %8s  %s\n", "", "skip", su->scn[r->scn].name,
			       suite_topo_label(su, r), suite_sched_label(su, r), "", r->skip);
	}
	fflush(stdout);
}

static void say_budget(struct suite_args *a)
{
	struct suite *su = &a->su;
	double budget = a->budget_ns / 1e9, cap;
	int usable = su->lanes.per_vcpu ? su->lanes.host :
		     (su->lanes.jobs < su->lanes.host ? su->lanes.jobs : su->lanes.host);
	int before = 0, chosen, scn = 0, topo = 0, sched = 0;
	char b[32], why[128];

	for (int i = 0; i < su->n_runs; i++)
		before += su->runs[i].state == SUITE_PENDING;
	cap = budget * usable;
	suite_fmt_secs(budget, b, sizeof(b));
	snprintf(why, sizeof(why), "left out by --budget %s", b);
	chosen = suite_budget_select(su->runs, su->n_runs, su->n_scn, su->n_topo, su->n_sched,
				     cap, why);
	for (int s = 0; s < su->n_scn; s++)
		for (int i = 0; i < su->n_runs; i++)
			if (su->runs[i].scn == s && su->runs[i].state == SUITE_PENDING) {
				scn++;
				break;
			}
	for (int t = 0; t < su->n_topo; t++)
		for (int i = 0; i < su->n_runs; i++)
			if (su->runs[i].topo == t && su->runs[i].state == SUITE_PENDING) {
				topo++;
				break;
			}
	for (int k = -1; k < su->n_sched; k++)
		for (int i = 0; i < su->n_runs; i++)
			if (su->runs[i].sched == k && su->runs[i].state == SUITE_PENDING) {
				sched++;
				break;
			}
	suite_say(su, "--budget %s on %d CPU%s: %d of %d runs chosen, covering %d "
		  "scenario%s, %d topolog%s and %d scheduler%s; %d left out (listed as "
		  "skipped)", b, usable, usable == 1 ? "" : "s", chosen, before, scn,
		  scn == 1 ? "" : "s", topo, topo == 1 ? "y" : "ies", sched,
		  sched == 1 ? "" : "s", before - chosen);
}

int cmd_suite(int argc, char **argv)
{
	struct suite_args a = { 0 };
	struct suite *su = &a.su;
	struct kernel kernel;
	char why[256], tmp[4096], t[32];
	const char *name;
	double t0;
	int ret;

	su->o = (struct run_opts){ .backend = "auto", .accel = "auto" };
	su->repeat = 1;
	if ((ret = parse_args(&a, argc, argv)) >= 0)
		return ret;
	if (!(name = backend_resolve(su->o.backend, why, sizeof(why)))) {
		fprintf(stderr, "ktstr-run: --backend %s: expected qemu, kvm or auto\n",
			su->o.backend);
		return 2;
	}
	su->backend = name;
	if (!su->n_topo && suite_topo_parse("own", &su->topos, &su->n_topo, tmp, sizeof(tmp)))
		return 2;
	for (int i = 0; i < su->n_topo; i++)
		a.own |= su->topos[i].own;
	if (!su->n_sched) {
		su->scheds = calloc(1, sizeof(*su->scheds));
		if (!su->scheds || suite_sched_parse("eevdf", su->scheds, tmp, sizeof(tmp)))
			return 2;
		su->n_sched = 1;
	}
	if (collect_paths(&a, argc - optind, argv + optind))
		return 2;
	load_all(&a, name);
	filter(&a);
	scheds_ok(&a);
	if (a.errors) {
		fprintf(stderr, "ktstr-run suite: %d error%s; no VM was started\n", a.errors,
			a.errors == 1 ? "" : "s");
		return 2;
	}
	if (!strcmp(su->o.backend, "auto") && !strcmp(name, "qemu"))
		suite_say(su, "backend auto: using qemu because %s", why);
	/* As run says it, once, instead of once per run. */
	if (!strcmp(su->o.backend, "kvm") && !kvm_can_run_linux(tmp, sizeof(tmp)) &&
	    !getenv("KTSTR_FORCE_KVM")) {
		fprintf(stderr, "ktstr-run: --backend kvm cannot work here: %s; use --backend "
			"qemu (or auto)\n", tmp);
		return 3;
	}
	if (run_get_kernel(&su->o, &kernel))
		return 2;
	su->kernel = &kernel;
	if (!strcmp(name, "qemu"))
		su->accel = strcmp(su->o.accel, "auto") ? su->o.accel :
			    kvm_can_run_linux(tmp, sizeof(tmp)) ? "kvm" : "tcg";
	else
		su->accel = "kvm";
	lanes_init(&a);
	if (plan_runs(su)) {
		fprintf(stderr, "ktstr-run suite: out of memory\n");
		return 2;
	}
	lanes_jobs(&a);
	/* Largest first: the big VMs do not wait behind the small ones. */
	qsort(su->runs, (size_t)su->n_runs, sizeof(*su->runs), by_cost);
	if (a.budget_ns)
		say_budget(&a);
	say_plan(&a);
	say_lanes(su);
	if (a.list) {
		for (int i = 0; i < su->n_runs; i++) {
			const struct suite_run *r = &su->runs[i];

			if (r->state == SUITE_PENDING)
				printf("%-9s %-6s %-20s %-14s %-10s %6.1f s  %s\n", "", "run",
				       su->scn[r->scn].name, suite_topo_label(su, r),
				       suite_sched_label(su, r), r->est_s, r->stem);
		}
		return 0;
	}
	if (a.out_given) {
		int r = mkdirs(su->out_dir);

		if (r) {
			fprintf(stderr, "ktstr-run suite: --out %s: %s\n", su->out_dir, strerror(-r));
			return 2;
		}
	} else {
		const char *dir = getenv("TMPDIR");

		snprintf(tmp, sizeof(tmp), "%s/ktstr-suite-XXXXXX", dir && *dir ? dir : "/tmp");
		if (!mkdtemp(tmp)) {
			fprintf(stderr, "ktstr-run suite: %s: %s\n", tmp, strerror(errno));
			return 2;
		}
		su->out_dir = tmp;
	}
	t0 = suite_now();
	suite_dispatch(su, a.fail_fast);
	su->wall_s = suite_now() - t0;
	ret = su->exit_code;
	if (suite_interrupted())
		ret = 130;
	if (a.out_given && write_index(su))
		ret = ret ? ret : 2;
	if (a.junit && run_write_file(a.junit, junit_of, su))
		ret = ret ? ret : 2;
	if (!su->o.quiet) {
		int counts[5] = { 0 };

		for (int i = 0; i < su->n_runs; i++)
			counts[su->runs[i].state]++;
		putchar('\n');
		suite_table(stdout, su);
		suite_fmt_secs(su->wall_s, t, sizeof(t));
		printf("\n%d run%s, %d skipped, %d stopped, in %s; exit %d%s%s\n",
		       counts[SUITE_DONE], counts[SUITE_DONE] == 1 ? "" : "s", counts[SUITE_SKIPPED],
		       counts[SUITE_CANCELLED], t, ret, a.out_given ? "; results in " : "",
		       a.out_given ? su->out_dir : "");
		if (!counts[SUITE_DONE] && !counts[SUITE_CANCELLED])
			printf("nothing ran: every run was skipped\n");
	}
	if (!a.out_given)
		remove_temp(su);
	return ret;
}

int cmd_topology_list(FILE *f, const char *backend)
{
	const struct scn_preset *p;
	int n;

	p = scn_presets(&n);
	for (int i = 0; i < n; i++) {
		const char *names[] = { "kvm", "qemu" };
		char shape[128], nl[32], not[64] = "";
		char msg[512];

		scn_topo_format(&p[i].topo, shape, sizeof(shape));
		scn_shape_format(&p[i].topo, nl, sizeof(nl));
		for (int b = 0; b < 2; b++) {
			if (backend && strcmp(backend, names[b]))
				continue;
			if (backend_topo_check(names[b], &p[i].topo, msg, sizeof(msg)))
				snprintf(not + strlen(not), sizeof(not) - strlen(not), "%s%s",
					 not[0] ? ", " : "  (not on ", names[b]);
		}
		fprintf(f, "%-13s %-36s %3d CPUs  %-10s %s%s%s\n", p[i].name, shape,
			scn_topo_ncpus(&p[i].topo), nl, p[i].what, not, not[0] ? ")" : "");
	}
	return 0;
}

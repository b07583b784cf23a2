// SPDX-License-Identifier: GPL-2.0-only
/* ktstr-run: the command line. Subcommands: run, suite, validate,
 * selftests, topology list, kernel fetch, kernel list, snapshot list,
 * snapshot clear, compare, metrics. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "host/compare.h"
#include "host/run.h"
#include "host/selftests.h"
#include "host/snapshot.h"
#include "host/suite.h"
#include "kernels/kernels.h"

static const char usage_main[] =
	"usage: ktstr-run <command> [options]\n"
	"\n"
	"Boots a Linux kernel in a VM with the topology a scenario asks for, runs the\n"
	"scenario inside it and prints a verdict backed by the workers' numbers.\n"
	"\n"
	"commands:\n"
	"  run [options] FILE.scn   run one scenario (see 'ktstr-run run --help')\n"
	"  suite [options] PATH...  run many scenarios across topologies and\n"
	"                           schedulers, VMs in parallel (see 'ktstr-run\n"
	"                           suite --help')\n"
	"  validate FILE.scn...     parse and check scenario files without booting\n"
	"                           (see 'ktstr-run validate --help')\n"
	"  selftests [options]      build and run the kernel's sched_ext selftests in a\n"
	"                           guest (see 'ktstr-run selftests --help')\n"
	"  topology list            the topology presets of 'suite --topology'\n"
	"  kernel fetch             download the default kernel into the cache\n"
	"  kernel list              list cached kernels\n"
	"  snapshot list            list the snapshots of ready guests in the cache\n"
	"  snapshot clear           remove them\n"
	"  compare BASE NEW         compare two result sets, regressions first\n"
	"                           (see 'ktstr-run compare --help')\n"
	"  metrics                  list the metrics compare judges, with their gates\n"
	"\n"
	"  --version                print the version\n"
	"  --help                   this text\n"
	"\n"
	"exit codes: 0 pass, 1 a check failed, 2 harness or input error,\n"
	"            3 the guest crashed or timed out, 4 inconclusive: only timing\n"
	"            checks failed and the host starved the VM of CPU\n";

static const char usage_run[] =
	"usage: ktstr-run run [options] FILE.scn\n"
	"\n"
	"FILE.scn is read once (a regular file or a pipe such as /dev/stdin, at\n"
	"most 4 MiB) and checked as 'validate' does before anything is prepared.\n"
	"\n"
	"  --kernel K         a bzImage, an ELF vmlinux or a kernel build tree\n"
	"                     (default: the cached default kernel, fetched if missing);\n"
	"                     the build's .config, where found, must build in the\n"
	"                     virtio console and what the run needs (see README)\n"
	"  --backend B        auto (default: the own VMM where this host's KVM can\n"
	"                     run an unmodified kernel, else qemu with a one-line\n"
	"                     notice), kvm (the project's own VMM on raw KVM ioctls;\n"
	"                     refused up front, exit 3, where it cannot work, e.g.\n"
	"                     on kvm_pvm) or qemu. A topology the backend cannot\n"
	"                     build is an error at the topology line, exit 2\n"
	"  --accel A          qemu accelerator: auto (default: KVM when this host's\n"
	"                     KVM can run an unmodified kernel, else TCG), kvm, tcg\n"
	"  --json FILE        write the results as JSON to FILE\n"
	"  --junit FILE       write JUnit XML to FILE (one testcase per check)\n"
	"  --log FILE         kernel console log (default: next to --json as\n"
	"                     NAME.console.log, else SCENARIO.console.log); a pipe\n"
	"                     or /dev/stdout gets it copied when the run ends\n"
	"  --timeout SECONDS  wall-clock limit for the whole VM run, > 0 and at most\n"
	"                     604800 (7 days) (default: 120 s plus three times the\n"
	"                     scenario's run time, which is at most 2 days)\n"
	"  --append ARGS      extra kernel command line (not console=hvc*: hvc0 is the\n"
	"                     report channel; not init= or rdinit=)\n"
	"  --prefault         kvm backend: fault all guest RAM in before boot (huge\n"
	"                     pages are used where the host's THP allows)\n"
	"  --hugepages        kvm backend: guest RAM from the host's 2 MiB hugetlbfs\n"
	"                     pool, reserved and resident before boot (exit 2 with\n"
	"                     the numbers if /proc/sys/vm/nr_hugepages is too small)\n"
	"  --cold             boot the guest even where a snapshot of a ready guest\n"
	"                     would do, and save none (by default a run restores\n"
	"                     the snapshot that fits its kernel, guest-init,\n"
	"                     topology, memory and command line, or saves one\n"
	"                     when its guest is ready; see 'ktstr-run snapshot\n"
	"                     list')\n"
	"  --seed N           seed for random choices in the guest, 0..2^64-1\n"
	"                     (default 0)\n"
	"  --inject-fault F   for testing the harness: after the first step, make\n"
	"                     the guest panic, crash (guest-init segfaults), hang,\n"
	"                     garble a frame, truncate one, or flood the report\n"
	"                     channel with a million small frames\n"
	"  -v, --verbose      print the backend's command line and details\n"
	"  -q, --quiet        no progress lines\n"
	"  -h, --help         this text\n";

static const char usage_validate[] =
	"usage: ktstr-run validate [--backend B] FILE.scn...\n"
	"\n"
	"Reads each file once (a regular file or a pipe, at most 4 MiB) and checks\n"
	"everything 'run' checks before it boots: the syntax, the ops replayed in\n"
	"order, every limit, each work type's options, and the topology against\n"
	"the backend's limits. Errors read FILE:LINE:COL: message.\n"
	"\n"
	"  --backend B   whose topology limits to check: auto (default: the backend\n"
	"                'run' would pick on this host), kvm or qemu\n"
	"  -h, --help    this text\n"
	"\n"
	"exit codes: 0 every file is valid, 2 otherwise\n";

static const char usage_selftests[] =
	"usage: ktstr-run selftests [options]\n"
	"\n"
	"Builds the kernel's own sched_ext selftests (tools/testing/selftests/sched_ext,\n"
	"its runner with every test) for the kernel in use, from that kernel's source,\n"
	"runs them in a guest with the given topology and prints one result per test.\n"
	"The build is cached (~/.cache/ktstr-run/selftests/, keyed by the kernel and\n"
	"the source); the first takes minutes.\n"
	"\n"
	"  --kernel K         the kernel to test (default: the cached default kernel,\n"
	"                     whose source is Debian's linux-source package of its\n"
	"                     version, downloaded into the cache); a build tree is its\n"
	"                     own source, a bzImage or vmlinux needs --source unless\n"
	"                     it lies in a tree\n"
	"  --source TREE      the kernel tree whose selftests to build\n"
	"  --rebuild          build again even where a build is cached\n"
	"  --topology T       the guest's CPUs: numa=N llcs=N cores=N threads=N,\n"
	"                     blanks or commas between (default: " SELFTESTS_TOPOLOGY ")\n"
	"  --memory SIZE      the guest's memory (default " SELFTESTS_MEMORY ")\n"
	"  -t NAME            only the tests whose name holds NAME (the runner's -t);\n"
	"                     a NAME no test has is refused before anything boots\n"
	"  --append ARGS      more kernel command line. With 2 CPUs or more,\n"
	"                     nohz_full= of all but the first is added (the nohz_tick\n"
	"                     test needs one) unless ARGS sets nohz_full= itself\n"
	"  --timeout SECONDS  how long the runner may take (default 1800)\n"
	"  --json FILE        the results as JSON (one entry per test, and the run's)\n"
	"  --junit FILE       JUnit XML, one testcase per test\n"
	"  --log FILE         kernel console log (a regular file; default: beside\n"
	"                     --json, else sched_ext-selftests.console.log); the\n"
	"                     runner's output (64 KiB kept) goes beside it, in\n"
	"                     NAME.payload-selftests.log\n"
	"  --backend B        auto (default), kvm or qemu, as for 'run'\n"
	"  --cold             boot rather than restore a snapshot\n"
	"  -v, -q, -h         verbose, quiet, this text\n"
	"\n"
	"exit codes: 0 every test passed or skipped itself, 1 a test failed or did not\n"
	"            report, 2 harness or build error, 3 the guest crashed or timed out\n";

/* An option's check: nonzero rc means msg says what is wrong, on stderr. */
static bool refused(int rc, const char *msg)
{
	if (rc)
		fprintf(stderr, "ktstr-run: %s\n", msg);
	return rc != 0;
}

static int selftests_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, 0, 'k' },
		{ "source", required_argument, 0, 'S' },
		{ "rebuild", no_argument, 0, 'R' },
		{ "topology", required_argument, 0, 'T' },
		{ "memory", required_argument, 0, 'm' },
		{ "append", required_argument, 0, 'A' },
		{ "timeout", required_argument, 0, 'o' },
		{ "json", required_argument, 0, 'j' },
		{ "junit", required_argument, 0, 'J' },
		{ "log", required_argument, 0, 'l' },
		{ "backend", required_argument, 0, 'b' },
		{ "cold", no_argument, 0, 'C' },
		{ "verbose", no_argument, 0, 'v' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct selftests_opts o = { 0 };
	char msg[256];
	int c;

	while ((c = getopt_long(argc, argv, "t:vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'S': o.source = optarg; break;
		case 'R': o.rebuild = true; break;
		case 'T': o.topology = optarg; break;
		case 'm': o.memory = optarg; break;
		case 't': o.filter = optarg; break;
		case 'A':
			if (refused(run_check_append(optarg, msg, sizeof(msg)), msg))
				return 2;
			o.append = optarg;
			break;
		case 'o':
			if (refused(run_parse_timeout(optarg, &o.timeout_ms, msg, sizeof(msg)),
				    msg))
				return 2;
			break;
		case 'j': o.json = optarg; break;
		case 'J': o.junit = optarg; break;
		case 'l': o.log = optarg; break;
		case 'b':
			if (run_check_backend(optarg))
				return 2;
			o.backend = optarg;
			break;
		case 'C': o.cold = 1; break;
		case 'v': o.verbose++; break;
		case 'q': o.quiet = 1; break;
		case 'h': fputs(usage_selftests, stdout); return 0;
		default: fputs(usage_selftests, stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ktstr-run selftests: unexpected '%s'\n\n%s", argv[optind],
			usage_selftests);
		return 2;
	}
	return cmd_selftests(&o);
}

static const char usage_kernel[] =
	"usage: ktstr-run kernel fetch [--update] | list\n"
	"\n"
	"  fetch   download Debian's sched_ext-enabled cloud kernel (trixie-backports)\n"
	"          into the cache, using a private apt state and the archive of\n"
	"          this machine's own apt sources; extracts the ELF vmlinux.\n"
	"          Once one is cached, fetch only prints it (runs stay on the same\n"
	"          kernel); --update asks the archive for its newest and fetches\n"
	"          that if it is not cached. The newest cached is the default.\n"
	"          Prints the release, then its vmlinuz and vmlinux paths.\n"
	"  list    list cached kernels\n"
	"\n"
	"The cache is $XDG_CACHE_HOME/ktstr-run (default ~/.cache/ktstr-run).\n";

static int run_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel", required_argument, 0, 'k' },
		{ "backend", required_argument, 0, 'b' },
		{ "accel", required_argument, 0, 'a' },
		{ "json", required_argument, 0, 'j' },
		{ "junit", required_argument, 0, 'J' },
		{ "log", required_argument, 0, 'l' },
		{ "timeout", required_argument, 0, 't' },
		{ "append", required_argument, 0, 'A' },
		{ "seed", required_argument, 0, 's' },
		{ "inject-fault", required_argument, 0, 'F' },
		{ "prefault", no_argument, 0, 'P' },
		{ "hugepages", no_argument, 0, 'H' },
		{ "cold", no_argument, 0, 'C' },
		{ "verbose", no_argument, 0, 'v' },
		{ "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct run_opts o = { .backend = "auto", .accel = "auto" };
	char msg[256];
	int c;

	while ((c = getopt_long(argc, argv, "vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'k': o.kernel = optarg; break;
		case 'b':
			if (run_check_backend(optarg))
				return 2;
			o.backend = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "auto") && strcmp(optarg, "kvm") &&
			    strcmp(optarg, "tcg")) {
				fprintf(stderr, "ktstr-run: --accel %s: expected auto, kvm or tcg\n",
					optarg);
				return 2;
			}
			o.accel = optarg;
			break;
		case 'j': o.json = optarg; break;
		case 'J': o.junit = optarg; break;
		case 'l': o.log = optarg; break;
		case 'A':
			if (refused(run_check_append(optarg, msg, sizeof(msg)), msg))
				return 2;
			o.append = optarg;
			break;
		case 't':
			if (refused(run_parse_timeout(optarg, &o.timeout_ms, msg, sizeof(msg)),
				    msg))
				return 2;
			break;
		case 's':
			if (refused(run_parse_u64("--seed", optarg, &o.seed, msg, sizeof(msg)), msg))
				return 2;
			break;
		case 'F':
			if (strcmp(optarg, "panic") && strcmp(optarg, "crash") &&
			    strcmp(optarg, "hang") && strcmp(optarg, "garble") &&
			    strcmp(optarg, "truncate") && strcmp(optarg, "flood")) {
				fprintf(stderr, "ktstr-run: --inject-fault %s: expected panic, crash, hang, garble, truncate or flood\n",
					optarg);
				return 2;
			}
			o.inject = optarg;
			break;
		case 'P': o.prefault = 1; break;
		case 'H': o.hugepages = 1; break;
		case 'C': o.cold = 1; break;
		case 'v': o.verbose++; break;
		case 'q': o.quiet = 1; break;
		case 'h': fputs(usage_run, stdout); return 0;
		default: fputs(usage_run, stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "ktstr-run run: expected exactly one scenario file\n\n%s",
			usage_run);
		return 2;
	}
	o.scenario = argv[optind];
	return cmd_run(&o);
}

static int validate_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backend", required_argument, 0, 'b' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	const char *backend = "auto";
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (run_check_backend(optarg))
				return 2;
			backend = optarg;
			break;
		case 'h': fputs(usage_validate, stdout); return 0;
		default: fputs(usage_validate, stderr); return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ktstr-run validate: expected at least one scenario file\n\n%s",
			usage_validate);
		return 2;
	}
	return cmd_validate(argc - optind, argv + optind, backend);
}

static void kprogress(const char *what, void *ctx)
{
	fprintf(stderr, "[ktstr-run] %s\n", what);
}

static int kernel_main(int argc, char **argv)
{
	struct kernel k;
	char msg[1024];

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_kernel, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "fetch")) {
		bool update = argc == 3 && !strcmp(argv[2], "--update");

		if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
			fputs(usage_kernel, stdout);
			return 0;
		}
		if (argc > 3 || (argc == 3 && !update)) {
			fprintf(stderr, "ktstr-run kernel fetch: unexpected '%s'\n\n%s",
				argv[update ? 3 : 2], usage_kernel);
			return 2;
		}
		if (kernel_fetch_default(&k, update, kprogress, NULL, msg, sizeof(msg))) {
			fprintf(stderr, "ktstr-run: kernel fetch: %s\n", msg);
			return 2;
		}
		printf("%s\n  vmlinuz %s\n  vmlinux %s\n", k.release, k.bzimage, k.vmlinux);
		return 0;
	}
	if (!strcmp(argv[1], "list"))
		return kernel_list() ? 2 : 0;
	fprintf(stderr, "ktstr-run kernel: unknown subcommand '%s'\n\n%s", argv[1],
		usage_kernel);
	return 2;
}

static const char usage_topology[] =
	"usage: ktstr-run topology list [--backend B]\n"
	"\n"
	"The topology presets 'ktstr-run suite --topology' takes, a line each: its\n"
	"name, its shape as the topology directive writes it, its CPU count, the\n"
	"same shape as NnLlCcTt (N nodes, L LLCs per node, C cores per LLC, T\n"
	"threads per core), what it is for, and the backends that cannot build it\n"
	"(--backend kvm or qemu: only that one; by default both are checked).\n";

static int topology_main(int argc, char **argv)
{
	const char *backend = NULL;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_topology, stdout);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[2], "--backend") &&
	    (!strcmp(argv[3], "kvm") || !strcmp(argv[3], "qemu")))
		backend = argv[3];
	else if (argc != 2)
		goto usage;
	if (strcmp(argv[1], "list"))
		goto usage;
	return cmd_topology_list(stdout, backend);
usage:
	fputs(usage_topology, stderr);
	return 2;
}

static const char usage_snapshot[] =
	"usage: ktstr-run snapshot list | clear\n"
	"\n"
	"A qemu run saves a snapshot of its guest when guest-init is ready (booted,\n"
	"mounts and cgroup root done, waiting for the run's plan), keyed by the\n"
	"kernel and guest-init (by content), topology, memory, command line,\n"
	"backend, accelerator and QEMU version; later runs with the same key start\n"
	"from it instead of booting. A snapshot that no longer fits or is damaged\n"
	"is discarded with a notice and the run boots. They live in\n"
	"$XDG_CACHE_HOME/ktstr-run/snapshots (default ~/.cache/...); the 8 most\n"
	"recently used are kept (KTSTR_KEEP_SNAPSHOTS=N to change).\n"
	"\n"
	"  list    each snapshot: its id, when it was last used, its size, its key\n"
	"  clear   remove them all\n";

static int snapshot_main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return snap_list(stdout);
	if (argc == 2 && !strcmp(argv[1], "clear"))
		return snap_clear(stdout);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_snapshot, stdout);
		return 0;
	}
	fputs(usage_snapshot, stderr);
	return 2;
}

static const char usage_compare[] =
	"usage: ktstr-run compare [options] BASE NEW\n"
	"\n"
	"BASE and NEW are each a suite's --out directory (its index.json names the\n"
	"runs), a directory of 'run --json' files, or one results file. Runs are\n"
	"paired by key (scenario, topology, scheduler, kernel release); their\n"
	"repeats are the samples. Every metric of 'ktstr-run metrics' is compared:\n"
	"a regression is worse by more than both its gates (absolute and relative)\n"
	"and, with 3 or more repeats a side, significant by Welch's t-test\n"
	"(p < alpha after Holm's correction over the metrics of the same key); a\n"
	"change past the gates that is not significant is noise.\n"
	"Runs whose verdict is error are left out. When NEW's host starved its VMs\n"
	"of CPU and BASE's did not, a worse change is inconclusive.\n"
	"Prints a table, regressions first.\n"
	"\n"
	"  --threshold RULE   METRIC=ABS,REL% (e.g. wake_p99_us=200,30%), METRIC=off,\n"
	"                     or alpha=P; may be given again; applied after --policy\n"
	"  --policy FILE      rules, one a line, '#' comments (see docs/ci.md)\n"
	"  --match FIELDS     key fields that pair runs, comma-separated (default\n"
	"                     scenario,topology,scheduler,kernel)\n"
	"  --json FILE        write the comparison as JSON (see docs/ci.md)\n"
	"  -h, --help         this text\n"
	"\n"
	"exit codes: 0 no regression, 1 at least one regression, 2 bad usage or\n"
	"            input (an unreadable file, no key in both sets), 4 no\n"
	"            regression but a worse change that is inconclusive\n";

static int compare_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "threshold", required_argument, 0, 't' },
		{ "policy", required_argument, 0, 'p' },
		{ "match", required_argument, 0, 'm' },
		{ "json", required_argument, 0, 'j' },
		{ "help", no_argument, 0, 'h' },
		{ 0 },
	};
	struct compare_opts o = { 0 };
	const char **rules = calloc(argc, sizeof(*rules));
	int c, ret;

	if (!rules)
		return COMPARE_ERROR;
	o.thresholds = rules;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': rules[o.n_thresholds++] = optarg; break;
		case 'p': o.policy = optarg; break;
		case 'm': o.match = optarg; break;
		case 'j': o.json = optarg; break;
		case 'h': fputs(usage_compare, stdout); free(rules); return 0;
		default: fputs(usage_compare, stderr); free(rules); return COMPARE_ERROR;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "ktstr-run compare: expected BASE and NEW\n\n%s", usage_compare);
		free(rules);
		return COMPARE_ERROR;
	}
	o.base = argv[optind];
	o.new_ = argv[optind + 1];
	ret = cmd_compare(&o);
	free(rules);
	return ret;
}

static int metrics_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: ktstr-run metrics\n\nLists the metrics 'compare' judges: unit, "
		     "which way is better,\nwhat a value is per, the default gates, and what "
		     "each measures.");
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "ktstr-run metrics: takes no arguments\n");
		return 2;
	}
	compare_print_metrics(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage_main, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("ktstr-run %s\n", KTSTR_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_main, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "run"))
		return run_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "suite"))
		return cmd_suite(argc - 1, argv + 1);
	if (!strcmp(argv[1], "validate"))
		return validate_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "selftests"))
		return selftests_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "topology"))
		return topology_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "kernel"))
		return kernel_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "snapshot"))
		return snapshot_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "compare"))
		return compare_main(argc - 1, argv + 1);
	if (!strcmp(argv[1], "metrics"))
		return metrics_main(argc - 1, argv + 1);
	fprintf(stderr, "ktstr-run: unknown command '%s'\n\n%s", argv[1], usage_main);
	return 2;
}

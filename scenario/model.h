/* SPDX-License-Identifier: GPL-2.0-only */
/* The in-memory scenario model shared by the host (validation, checks) and
 * guest-init (the op executor). Produced by scenario/parse.c. */
#ifndef KTSTR__SCENARIO_MODEL_H
#define KTSTR__SCENARIO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCN_MAX_CPUS 256
#define SCN_CPU_WORDS (SCN_MAX_CPUS / 64)
#define SCN_MAX_NODES 16
#define SCN_NAME_MAX 64
/* Every limit of a scenario is here, checked by the parser or the
 * validator before anything boots; guest-init and workload/ size their
 * tables from the same numbers. */
#define SCN_MAX_LIVE_CGROUPS 64 /* managed cgroups alive at once */
#define SCN_MAX_WORKERS 1024    /* workers of one 'workers' op */
/* 'workers' ops on one cgroup (or on '-') since its creation or its last
 * stop-workers: each is a worker group the guest keeps until then. */
#define SCN_MAX_WORKER_GROUPS 32
#define SCN_MAX_PAYLOADS 32     /* payloads running at once */
/* payload-run ops over the whole run, repetitions included: the guest
 * keeps a record of each. */
#define SCN_MAX_PAYLOAD_RUNS 1024
#define SCN_MAX_FILE_BYTES (4 << 20) /* a scenario file */
/* Ops in all blocks together: each takes ~4 KiB (struct scn_op) in the
 * host and in the guest, whose memory can be 128M. */
#define SCN_MAX_OPS 10000
#define SCN_MAX_SCHEDULERS 64   /* scheduler directives */
#define SCN_MAX_FILES 64        /* file directives */
#define SCN_FILE_PATH_MAX 1024  /* a file directive's paths, with the NUL */
/* How long guest-init waits for an attached scheduler to be enabled
 * (scheduler ... enable-timeout=DUR): by default 120 s, because an exec=
 * loader with many BPF programs verifies slowly under QEMU TCG with the
 * guest busy (scx_pair, attached under load, was enabled after ~76 s;
 * scx_qmap takes 13-20 s); at most an hour. */
#define SCN_SCHED_ENABLE_TIMEOUT_NS (120ull * 1000000000)
#define SCN_SCHED_ENABLE_TIMEOUT_MAX_NS (3600ull * 1000000000)
/* Taking a scheduler down: an exec= loader gets SIGINT, then SIGKILL after
 * SCN_SCHED_SIGINT_NS; then sched_ext has SCN_SCHED_DISABLE_NS to say
 * "disabled". */
#define SCN_SCHED_SIGINT_NS (3ull * 1000000000)
#define SCN_SCHED_DISABLE_NS (10ull * 1000000000)
/* How long a scenario may run (scn_run_ns): 2 days. The host's default
 * watchdog, 120 s + 3 x this, then stays under its 7-day --timeout cap. */
#define SCN_MAX_RUN_NS (48ull * 3600 * 1000000000)

/* A set of CPUs, one bit per CPU number. */
struct scn_cpumask {
	uint64_t w[SCN_CPU_WORDS];
};

struct scn_topology {
	int numa;    /* NUMA nodes */
	int llcs;    /* LLCs per node */
	int cores;   /* cores per LLC */
	int threads; /* threads per core */
};

/* Where a place in the source file is, for error messages. */
struct scn_loc {
	int line;
	int col;
};

/* A CPU set as written: either explicit or by intent, resolved against the
 * topology by scn_cpuspec_resolve(). */
enum scn_cpuspec_kind {
	SCN_CPUS_NONE = 0,   /* not given */
	SCN_CPUS_LIST,       /* "0-3,6" */
	SCN_CPUS_LLC,        /* "llc:N"  all CPUs of global LLC N */
	SCN_CPUS_NODE,       /* "node:N" all CPUs of NUMA node N */
	SCN_CPUS_FRACTION,   /* "frac:F" the first ceil(F*ncpus) CPUs, 0<F<=1 */
	SCN_CPUS_SHARE,      /* "share:I/N" disjoint part I (0-based) of N */
	SCN_CPUS_OVERLAP,    /* "overlap:I/N" part I of N, widened by one CPU on
			      * each side so neighbouring parts overlap */
	SCN_CPUS_ALL,        /* "all" */
};

struct scn_cpuspec {
	enum scn_cpuspec_kind kind;
	struct scn_cpumask list; /* SCN_CPUS_LIST */
	int index;               /* LLC, node, or share index */
	int parts;               /* share / overlap: N */
	double frac;             /* fraction */
	struct scn_loc loc;      /* where it was written (0:0 = not given) */
};

/* How a cgroup's workers' affinity is set by the "affinity" op. */
enum scn_affinity_kind {
	SCN_AFF_NONE = 0,
	SCN_AFF_CPUS,     /* affinity NAME cpus=SPEC (any cpuspec) */
	SCN_AFF_RANDOM,   /* affinity NAME random=K  a random K-CPU subset */
	SCN_AFF_SINGLE,   /* affinity NAME single[=CPU] one CPU (default: the
			   * first of the cgroup's effective cpuset) */
	SCN_AFF_LLC,      /* affinity NAME llc=N */
	SCN_AFF_SMT_PAIR, /* affinity NAME smt-pair=CORE  the threads of one core */
	SCN_AFF_RESET,    /* affinity NAME reset   all CPUs again */
};

struct scn_affinity {
	enum scn_affinity_kind kind;
	struct scn_cpuspec cpus;
	int n;      /* random: K; single: CPU (-1 = default); llc; smt-pair */
	struct scn_loc loc; /* where the affinity form was written */
};

enum scn_clone_mode { SCN_CLONE_FORK = 0, SCN_CLONE_THREAD };

enum scn_policy {
	SCN_POLICY_NORMAL = 0,
	SCN_POLICY_BATCH,
	SCN_POLICY_IDLE,
	SCN_POLICY_FIFO,
	SCN_POLICY_RR,
	SCN_POLICY_EXT,
};

/* One "key=value" option of a work type that the generic parser does not
 * know; the work type validates it (workload/worktypes.c). */
struct scn_kv {
	char key[32];
	char value[128];
	struct scn_loc loc;
};

#define SCN_MAX_WORK_OPTS 16

struct scn_workers {
	char cgroup[SCN_NAME_MAX]; /* "" = outside every managed cgroup */
	int count;
	char type[32];             /* work type name, see workload/worktypes.h */
	enum scn_clone_mode clone;
	enum scn_policy policy;
	int priority;              /* fifo/rr priority 1..99 */
	int nice;                  /* -20..19 */
	bool nice_set;
	char mempolicy[64];        /* "", "bind:NODES", "interleave:NODES",
				    * "preferred:NODE", "local" */
	int n_opts;
	struct scn_kv opts[SCN_MAX_WORK_OPTS];
	struct scn_loc mempolicy_loc; /* of the mempolicy= value */
};

/* cgroup knobs: 0/empty = not set. */
struct scn_cgroup_knobs {
	struct scn_cpuspec cpus;
	char mems[64];
	int weight;            /* cpu.weight 1..10000 */
	char cpu_max[64];      /* cpu.max "QUOTA PERIOD" or "max" (from max=) */
	int64_t memory_max;    /* bytes, -1 = "max" */
	int64_t memory_high;   /* bytes, -1 = "max" */
	int io_weight;         /* io.weight 1..10000 */
	int64_t pids_max;      /* -1 = "max" */
	bool memory_max_set, memory_high_set, pids_max_set;
	struct scn_loc mems_loc;   /* of the mems= value */
};

enum scn_op_kind {
	SCN_OP_CGROUP = 1,     /* cgroup NAME [knobs]            */
	SCN_OP_REMOVE,         /* remove NAME                    */
	SCN_OP_SET_CPUSET,     /* set-cpuset NAME SPEC           */
	SCN_OP_CLEAR_CPUSET,   /* clear-cpuset NAME              */
	SCN_OP_SWAP_CPUSETS,   /* swap-cpusets A B               */
	SCN_OP_FREEZE,         /* freeze NAME                    */
	SCN_OP_THAW,           /* thaw NAME                      */
	SCN_OP_AFFINITY,       /* affinity NAME ...              */
	SCN_OP_MOVE,           /* move-tasks FROM TO             */
	SCN_OP_WORKERS,        /* workers CGROUP COUNT TYPE ...  */
	SCN_OP_STOP_WORKERS,   /* stop-workers CGROUP            */
	SCN_OP_PAYLOAD_RUN,    /* payload-run ID PATH [args=".."] [cgroup=X] */
	SCN_OP_PAYLOAD_WAIT,   /* payload-wait ID [timeout=DUR]  */
	SCN_OP_PAYLOAD_KILL,   /* payload-kill ID                */
	SCN_OP_SLEEP,          /* sleep DURATION                 */
	SCN_OP_ATTACH,         /* attach SCHED                   */
	SCN_OP_REPLACE,        /* replace SCHED                  */
	SCN_OP_DETACH,         /* detach                         */
};

struct scn_op {
	enum scn_op_kind kind;
	struct scn_loc loc;
	char name[SCN_NAME_MAX];   /* cgroup / payload id / scheduler */
	char name2[SCN_NAME_MAX];  /* second cgroup (swap, move) */
	struct scn_cgroup_knobs knobs;  /* cgroup */
	struct scn_cpuspec cpus;        /* set-cpuset */
	struct scn_affinity affinity;   /* affinity */
	struct scn_workers workers;     /* workers */
	char path[256];            /* payload-run */
	char args[512];            /* payload-run */
	char cgroup[SCN_NAME_MAX]; /* payload-run cgroup= */
	uint64_t duration_ns;      /* sleep; payload-wait timeout (0 = none) */
	/* Where name, name2 and cgroup were written, for messages. For
	 * "workers" and "stop-workers" name is the CGROUP ("" for "-"). */
	struct scn_loc name_loc, name2_loc, cgroup_loc;
};

struct scn_block {
	char name[SCN_NAME_MAX];   /* "backdrop" for the backdrop */
	struct scn_loc loc;
	uint64_t duration_ns;      /* 0 for the backdrop */
	int repeat;                /* >= 1 */
	int n_ops;
	struct scn_op *ops;
};

enum scn_sched_kind { SCN_SCHED_BPF = 1, SCN_SCHED_EXEC };

struct scn_scheduler {
	char name[SCN_NAME_MAX];
	struct scn_loc loc;
	enum scn_sched_kind kind;
	char target[256];          /* bpf=OBJ-or-name, exec=PATH */
	char args[512];            /* exec args="..." */
	bool partial;              /* partial=yes: only SCHED_EXT tasks */
	uint64_t enable_timeout_ns; /* enable-timeout=, SCN_SCHED_ENABLE_TIMEOUT_NS
				     * when not given */
	/* attach=start: attached for the whole run, by an "attach NAME" op
	 * the parser puts before the backdrop's first op (at most one
	 * scheduler of a scenario). */
	bool attach_start;
	struct scn_loc attach_loc; /* of the attach= value */
};

/* "requires ...": what a topology must have for the scenario to make
 * sense on it (0 / false: nothing asked). Checked by scn_validate against
 * s->topo; a suite skips the scenario on a topology that fails it. */
struct scn_requires {
	int cpus;                  /* cpus>=N: CPUs in all */
	int llcs;                  /* llcs>=N: LLCs in all (numa x llcs) */
	int nodes;                 /* nodes>=N: NUMA nodes */
	bool smt;                  /* smt: at least 2 threads per core */
	struct scn_loc cpus_loc, llcs_loc, nodes_loc, smt_loc;
};

/* "file HOST [to=GUEST] [mode=OCTAL]": a host file or directory (copied
 * recursively) put into the guest before the run (host/guest_files.c).
 * The guest ignores the directive: the file is there already. */
struct scn_file {
	struct scn_loc loc;             /* of the directive */
	struct scn_loc host_loc, to_loc, mode_loc; /* of the values (0:0 = not given) */
	char host[SCN_FILE_PATH_MAX];   /* as written; relative to the host's
					 * working directory */
	char to[SCN_FILE_PATH_MAX];     /* absolute guest path; "" = the host
					 * path made absolute */
	int mode;                       /* permission bits of every regular
					 * file; -1 = the host file's own */
};

enum scn_check_kind {
	SCN_CHECK_STARVATION = 1, /* check starvation [max-gap=DUR] [cgroup=X] */
	SCN_CHECK_ISOLATION,      /* check isolation [grace=DUR] [cgroup=X] */
	SCN_CHECK_FAIRNESS,       /* check fairness [max-spread=PCT] [cgroup=X] */
	SCN_CHECK_WEIGHT,         /* check weight [tolerance=PCT] */
	SCN_CHECK_WAKE_LATENCY,   /* check wake-latency [p50=DUR] [p99=DUR] [p999=DUR] [cgroup=X] */
	SCN_CHECK_THROUGHPUT,     /* check throughput min=N [cgroup=X] (work units/s per worker) */
	SCN_CHECK_SCHED_ALIVE,    /* check scheduler alive */
	SCN_CHECK_SCHED_DIES,     /* check scheduler dies [reason=stall|error|...] [name=S] */
};

struct scn_check {
	enum scn_check_kind kind;
	struct scn_loc loc;
	char cgroup[SCN_NAME_MAX];  /* "" = all cgroups */
	uint64_t max_gap_ns;        /* starvation; default 2s */
	double max_spread_pct;      /* fairness; default 25 */
	uint64_t grace_ns;          /* isolation: how long after a cpuset change or
				     * move a worker may still be seen on the old
				     * CPUs; default 250ms */
	double tolerance_pct;       /* weight; default 25 */
	uint64_t p50_ns, p99_ns, p999_ns; /* wake-latency; 0 = not checked */
	double min_rate;            /* throughput */
	char reason[32];            /* scheduler dies */
	char sched[SCN_NAME_MAX];   /* scheduler dies name= */
	struct scn_loc cgroup_loc, sched_loc; /* of the cgroup= / name= values */
};

struct scenario {
	char path[256];            /* file it came from, for messages */
	char name[SCN_NAME_MAX];
	char description[256];
	struct scn_topology topo;  /* default numa=1 llcs=1 cores=2 threads=1 */
	struct scn_loc topo_loc;   /* of the topology directive (0:0 = default) */
	uint64_t memory_bytes;     /* default 512M */
	struct scn_loc memory_loc; /* of the memory directive (0:0 = default) */
	struct scn_requires req;   /* the requires directive (all 0 = none) */
	int n_scheds;
	struct scn_scheduler *scheds;
	int n_files;
	struct scn_file *files;
	struct scn_block backdrop; /* n_ops may be 0 */
	int n_steps;
	struct scn_block *steps;
	int n_checks;
	struct scn_check *checks;
	/* The file's bytes as scn_parse_file read them (NULL after
	 * scn_parse_string): the host ships these to the guest, never a
	 * second read of the path. Freed by scn_free. */
	char *source;
	size_t source_len;
};

/* Error from the parser or validator: "path:line:col: message". */
struct scn_error {
	struct scn_loc loc;
	char msg[512];
};

/* Read a scenario file whole, once: a regular file, or a pipe or FIFO read
 * to its end (a FIFO waits for its writer, as any reader does); at most
 * SCN_MAX_FILE_BYTES. A directory, a device or a socket is refused before
 * it is opened. 0 with *text malloc'd, or -1 with *err filled (line 0). */
int scn_read_file(const char *path, char **text, size_t *len,
		  struct scn_error *err);
/* Parse and validate a whole scenario. Returns 0, or -1 with *err filled
 * (err->loc is the position of the offending token). scn_parse_file reads
 * with scn_read_file and keeps the bytes in out->source. */
int scn_parse_file(const char *path, struct scenario *out, struct scn_error *err);
int scn_parse_string(const char *path, const char *text, size_t len,
		     struct scenario *out, struct scn_error *err);
void scn_free(struct scenario *s);
/* The semantic pass alone (scn_parse_* run it): replays backdrop and steps
 * against s->topo. Call it again after changing s->topo (e.g. a topology
 * given on the command line). Returns 0 or -1 with *err filled. */
int scn_validate(const struct scenario *s, struct scn_error *err);

/* How long the scenario runs at least: the backdrop's sleeps and payload
 * waits, then every step's duration (or its sleeps and waits, if longer)
 * times its repeats; saturates at UINT64_MAX. */
uint64_t scn_run_ns(const struct scenario *s);
/* How long the scenario may wait on its schedulers on top of that: each
 * attach or replace (repeats counted) its scheduler's enable timeout, each
 * replace and detach, and the detach at the end of the run, the time a
 * scheduler gets to go (SCN_SCHED_SIGINT_NS + SCN_SCHED_DISABLE_NS);
 * saturates at UINT64_MAX. The host's default watchdog adds it. */
uint64_t scn_sched_wait_ns(const struct scenario *s);

/* What a suite changes in a scenario for one of its runs. */
struct scn_rewrite {
	const struct scn_topology *topo;   /* NULL: the scenario's own */
	uint64_t memory_bytes;             /* 0: the scenario's own */
	/* Added, with attach=start: attached for the whole run. NULL: none.
	 * Its name must not be one of the scenario's. */
	const struct scn_scheduler *sched;
};

/* s->source (as scn_parse_file read it) rewritten for rw: the topology
 * and memory directives replaced where they are, or added at the end if s
 * has none, and the scheduler directive added at the end, so that every
 * line of the file keeps its number and messages point at the file. *out
 * is malloc'd (NUL-terminated, *len without it). 0, or -1 with msg (a
 * value the language cannot hold, such as a newline in a path). */
int scn_rewrite(const struct scenario *s, const struct scn_rewrite *rw, char **out,
		size_t *len, char *msg, size_t msglen);

/* 0 when path is a guest path a file may be put at: absolute, no empty,
 * "." or ".." component, no trailing '/', not "/" itself, and not on one
 * of the pseudo filesystems guest-init mounts (/proc, /sys, /dev); else -1
 * with msg saying which rule it breaks. */
int scn_guest_path_check(const char *path, char *msg, size_t len);
/* An absolute path with "//", "." and ".." resolved as words (symlinks are
 * not looked at; ".." of "/" is "/"), no trailing '/'. 0, or -1 for a
 * relative path or one that does not fit in len. */
int scn_path_normalize(const char *path, char *out, size_t len);

/* "path:line:col: msg" into buf. */
void scn_error_format(const struct scenario *s, const char *path,
		      const struct scn_error *err, char *buf, size_t len);

int scn_topo_ncpus(const struct scn_topology *t);
/* 0, or -1 with msg filled when a count is out of range or the topology has
 * more than SCN_MAX_CPUS CPUs. */
int scn_topo_check(const struct scn_topology *t, char *msg, size_t len);
/* "numa=1 llcs=1 cores=4 threads=1" */
void scn_topo_format(const struct scn_topology *t, char *buf, size_t len);
/* Whether t has what r asks for: 0, or -1 with msg naming the first
 * requirement t lacks ("requires cpus>=4; topology numa=1 llcs=1 cores=2
 * threads=1 has 2 CPUs") and *loc where it was written. */
int scn_requires_check(const struct scn_requires *r, const struct scn_topology *t,
		       struct scn_loc *loc, char *msg, size_t len);
/* Topology queries for CPU numbers 0..ncpus-1, numbered node-major:
 * cpu = ((node*llcs + llc)*cores + core)*threads + thread. */
int scn_topo_cpu_node(const struct scn_topology *t, int cpu);
int scn_topo_cpu_llc(const struct scn_topology *t, int cpu);   /* global LLC index */
int scn_topo_cpu_core(const struct scn_topology *t, int cpu);  /* global core index */

/* Parse any cpuspec form ("0-3,6", "llc:1", "frac:0.5", ...); the result
 * is not checked against a topology. Returns 0 or -1 with msg filled. */
int scn_cpuspec_parse(const char *s, struct scn_cpuspec *out, char *msg,
		      size_t len);
/* The spec as it would be written ("" for SCN_CPUS_NONE). 0 or -1 when
 * buf is too small. */
int scn_cpuspec_format(const struct scn_cpuspec *spec, char *buf, size_t len);
/* Resolve a cpuspec to a mask (SCN_CPUS_NONE: every CPU). Returns 0 or -1
 * with msg filled ("cpu 9 does not exist in topology ..."). */
int scn_cpuspec_resolve(const struct scn_cpuspec *spec,
			const struct scn_topology *t, struct scn_cpumask *out,
			char *msg, size_t msglen);
/* "0-3,6" ("" for an empty mask). 0, or -1 when buf is too small (buf
 * then holds the ranges that fit). */
int scn_cpumask_format(const struct scn_cpumask *m, char *buf, size_t len);
/* Inverse of scn_cpumask_format; also takes the kernel's cpuset files
 * (trailing newline, "" = empty). 0, or -1 on bad syntax or cpu >=
 * SCN_MAX_CPUS. */
int scn_cpumask_parse(const char *s, struct scn_cpumask *out);
static inline void scn_cpumask_set(struct scn_cpumask *m, int cpu)
{
	m->w[cpu / 64] |= 1ull << (cpu % 64);
}
static inline bool scn_cpumask_test(const struct scn_cpumask *m, int cpu)
{
	return (m->w[cpu / 64] >> (cpu % 64)) & 1;
}
int scn_cpumask_count(const struct scn_cpumask *m);

/* The value grammars of the language, used by the parser and by the work
 * types' options alike (docs/scenario-language.md, Values). */
/* "0-3,6": numbers and ranges, each below max (at most SCN_MAX_CPUS); what
 * names them in msg ("cpu", "node"). Also reads the kernel's list files (a
 * leading blank or trailing newline is fine); "" is the empty set. 0, or
 * -1 with msg filled. */
int scn_list_parse(const char *s, int max, const char *what,
		   struct scn_cpumask *out, char *msg, size_t len);
/* A decimal integer lo..hi (strtol's form: an optional sign, no blanks). 0,
 * or -1 with msg filled. */
int scn_parse_int(const char *s, long lo, long hi, long *out, char *msg,
		  size_t len);
/* "500ms", "1.5s", "2m": a number and one of ns, us, ms, s, m. 0, or -1
 * with msg filled (msg has no location). */
int scn_duration_parse(const char *s, uint64_t *ns, char *msg, size_t len);
/* ns as the shortest exact form: "1.5s", "250ms", "2m". */
void scn_duration_format(uint64_t ns, char *buf, size_t len);
/* "512M": a number and an optional K, M or G. 0 or -1 with msg filled. */
int scn_size_parse(const char *s, int64_t *bytes, char *msg, size_t len);

const char *scn_op_name(enum scn_op_kind k);
const char *scn_check_name(enum scn_check_kind k);

#endif

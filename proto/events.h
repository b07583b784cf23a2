/* SPDX-License-Identifier: GPL-2.0-only */
/* What the guest sends the host, message by message: every event kind and
 * every field of every frame (HELLO, EVENT, ERROR, DONE; REPORT is
 * workload/report.h), defined once for both ends. guest-init builds its
 * frames with these names; the host checks each arriving frame against
 * these tables before anything judges it (host/frames.c). Renaming a kind
 * or a field here is a compile error on both sides, not a check that
 * silently stops matching. libc only. */
#ifndef KTSTR__PROTO_EVENTS_H
#define KTSTR__PROTO_EVENTS_H

#include <stdbool.h>

/* Kinds: X(ID, "wire name"). */
#define PROTO_EVENTS(X)                          \
	X(BACKDROP, "backdrop")                  \
	X(STEP_START, "step_start")              \
	X(STEP_END, "step_end")                  \
	X(CPUSET, "cpuset")                      \
	X(WORKERS, "workers")                    \
	X(AFFINITY, "affinity")                  \
	X(FREEZE, "freeze")                      \
	X(THAW, "thaw")                          \
	X(MOVE_TASKS, "move-tasks")              \
	X(PAYLOAD_START, "payload_start")        \
	X(PAYLOAD_OUTPUT, "payload_output")      \
	X(PAYLOAD_END, "payload_end")            \
	X(SCHED_LOG, "sched_log")                \
	X(SCHED_STATE, "sched_state")            \
	X(SCHED_DIED, "sched_died")              \
	X(SCHED_ATTACH, "sched_attach")          \
	X(SCHED_REPLACE, "sched_replace")        \
	X(SCHED_DETACH, "sched_detach")          \
	X(SCHED_OUTPUT, "sched_output")          \
	X(SCHED_ATTACH_FAILED, "sched_attach_failed") \
	X(SCHED_STEP, "sched_step")

enum proto_event {
#define PROTO_EV_ENUM(id, name) EV_##id,
	PROTO_EVENTS(PROTO_EV_ENUM)
#undef PROTO_EV_ENUM
	EV__COUNT
};

/* Field names. Every event has kind, t_ms (ms since guest-init started) and
 * mono_ns (guest CLOCK_MONOTONIC, when the op began). */
#define EVF_KIND "kind"
#define EVF_T_MS "t_ms"
#define EVF_MONO_NS "mono_ns"
#define EVF_STEP "step"             /* step name */
#define EVF_INDEX "index"           /* step index */
#define EVF_ITERATION "iteration"   /* repeat of the step, from 0 */
#define EVF_DURATION_MS "duration_ms"
#define EVF_CGROUP "cgroup"
#define EVF_CPUS "cpus"             /* a CPU list, "0-3,6" */
#define EVF_COUNT "count"
#define EVF_TYPE "type"
#define EVF_FROM "from"
#define EVF_TO "to"
#define EVF_ID "id"                 /* payload id */
#define EVF_PATH "path"
#define EVF_PID "pid"
#define EVF_TIMED_OUT "timed_out"
#define EVF_KILLED "killed"
#define EVF_EXIT_CODE "exit_code"
#define EVF_SIGNAL "signal"
#define EVF_METRICS "metrics"       /* {name: number} */
#define EVF_NAME "name"             /* scheduler name in the scenario */
#define EVF_STATE "state"           /* /sys/kernel/sched_ext/state */
#define EVF_REASON "reason"
#define EVF_OPS "ops"               /* /sys/kernel/sched_ext/root/ops */
#define EVF_SWITCH_ALL "switch_all"
#define EVF_ENABLE_SEQ "enable_seq"
#define EVF_NR_REJECTED "nr_rejected"
#define EVF_EXIT_KIND "exit_kind"
#define EVF_EXIT_REASON "exit_reason"
#define EVF_SCHED_OPS "sched_ops"
#define EVF_ALIVE_MS "alive_ms"
#define EVF_OUTPUT "output"
#define EVF_TARGET "target"
#define EVF_PARTIAL "partial"
#define EVF_LOAD_MS "load_ms"
#define EVF_FROM_OPS "from_ops"
#define EVF_GAP_MS "gap_ms"
#define EVF_UNLOAD_MS "unload_ms"
#define EVF_PREPARE_MS "prepare_ms"
#define EVF_ATTACH "attach"         /* sched_replace: the attach fields */
#define EVF_STDOUT "stdout"         /* payload_output: what it printed (PF_TEXT) */
#define EVF_STDERR "stderr"
#define EVF_STDOUT_BYTES "stdout_bytes" /* how much it printed, all of it */
#define EVF_STDERR_BYTES "stderr_bytes"
#define EVF_OUTPUT_BYTES "output_bytes" /* sched_output: the same for output */
#define EVF_PHASE "phase"           /* sched_attach_failed: load|attach|exited|timeout */
#define EVF_TAP "tap"               /* payload_end: its stdout read as TAP */

/* payload_end's tap object: the test lines of a TAP (kselftest) stream. */
#define TAPF_PLAN "plan"            /* N of "1..N", absent when none came */
#define TAPF_TESTS "tests"          /* [{n, ok, name, directive, reason}] */
#define TAPF_MORE "more"            /* test lines past the ones in tests */
#define TAPF_BAIL_OUT "bail_out"    /* the reason of a "Bail out!" line */
#define TAPF_SKIP_ALL "skip_all"    /* the reason of a "1..0 # SKIP" plan */
#define TAPF_N "n"                  /* the test's number */
#define TAPF_OK "ok"                /* "ok" (true) or "not ok" (false) */
#define TAPF_NAME "name"            /* the description, without "- " */
#define TAPF_DIRECTIVE "directive"  /* SKIP, TODO, XFAIL, XPASS, error, or "" */
#define TAPF_REASON "reason"        /* the directive's text */

/* HELLO: the guest's facts. */
#define HELLO_KERNEL_RELEASE "kernel_release"
#define HELLO_KERNEL_VERSION "kernel_version"
#define HELLO_CPUS_ONLINE_LIST "cpus_online_list"
#define HELLO_CPUS_ONLINE "cpus_online"
#define HELLO_SCHED_EXT_STATE "sched_ext_state"
#define HELLO_CGROUP_CONTROLLERS "cgroup_controllers"
#define HELLO_NODES_ONLINE_LIST "nodes_online_list"
#define HELLO_CPUS "cpus"           /* [{cpu, node, smt_siblings, ...}] */
#define HELLO_CPU "cpu"
#define HELLO_NODE "node"
#define HELLO_SMT_SIBLINGS "smt_siblings"
#define HELLO_CORE_ID "core_id"
#define HELLO_PACKAGE "package"
#define HELLO_LLC_SIBLINGS "llc_siblings"

/* ERROR: an op or guest-init error. */
#define ERRF_MSG "msg"
#define ERRF_FATAL "fatal"
#define ERRF_T_MS "t_ms"

/* ACK (host -> guest): the host has every frame up to this seq. */
#define ACKF_SEQ "seq"

/* DONE: guest-init finished. */
#define DONEF_STATUS "status"       /* "ok" or "error" */
#define DONEF_OP_FAILURES "op_failures"
#define DONEF_T_MS "t_ms"

enum proto_ftype {
	PF_STR,     /* a string (at most PROTO_STR_MAX bytes kept) */
	PF_TEXT,    /* a program's output (at most PROTO_TEXT_MAX bytes kept) */
	PF_INT,     /* an integer */
	PF_UINT,    /* a non-negative integer */
	PF_NUM,     /* a finite number */
	PF_BOOL,
	PF_CPUS,    /* a string holding a CPU list within SCN_MAX_CPUS */
	PF_METRICS, /* an object of numbers (at most PROTO_METRICS_MAX) */
	PF_OBJECT,  /* an object with the fields in sub */
	PF_OBJARRAY, /* an array (at most PROTO_ARRAY_MAX) of such objects */
};

struct proto_field {
	const char *name;
	enum proto_ftype type;
	bool required;
	const struct proto_field *sub; /* PF_OBJECT, PF_OBJARRAY */
};

#define PROTO_STR_MAX 4096     /* longer strings are cut (at a character) */
/* A PF_TEXT: guest-init sends at most this much of each output stream (the
 * first PROTO_TEXT_HEAD bytes and the end), so the host's cut never takes
 * the end away. */
#define PROTO_TEXT_MAX (64u << 10)
#define PROTO_TEXT_HEAD (16u << 10)
/* TAP: the test lines sent per payload run (the rest are counted in
 * TAPF_MORE), and the bytes kept of a name or reason (guest-side cut). */
#define PROTO_TAP_MAX 1024
#define PROTO_TAP_STR_MAX 160
#define PROTO_METRICS_MAX 256
#define PROTO_ARRAY_MAX 1024   /* entries of a PF_OBJARRAY */

/* The wire name of a kind ("unknown" outside the enum). */
const char *proto_event_name(enum proto_event k);
/* The kind of a wire name, or -1. */
int proto_event_lookup(const char *name);
/* The fields a kind may carry beyond kind/t_ms/mono_ns, ended by a NULL
 * name. Fields not listed are dropped by the host. */
const struct proto_field *proto_event_fields(enum proto_event k);
/* The fields of the other frames, each list ended by a NULL name. */
extern const struct proto_field proto_hello_fields[];
extern const struct proto_field proto_error_fields[];
extern const struct proto_field proto_done_fields[];
extern const struct proto_field proto_ready_fields[];
/* sched_* kinds (the results' scheduler_events). */
bool proto_event_is_sched(enum proto_event k);

#endif

// SPDX-License-Identifier: GPL-2.0-only
/* The event schema tables (see events.h). */
#include <string.h>

#include "proto/events.h"
#include "proto/plan.h"

static const char *const names[EV__COUNT] = {
#define PROTO_EV_NAME(id, name) [EV_##id] = name,
	PROTO_EVENTS(PROTO_EV_NAME)
#undef PROTO_EV_NAME
};

const char *proto_event_name(enum proto_event k)
{
	return (unsigned)k < EV__COUNT ? names[k] : "unknown";
}

int proto_event_lookup(const char *name)
{
	for (int k = 0; k < EV__COUNT; k++)
		if (!strcmp(names[k], name))
			return k;
	return -1;
}

#define REQ(n, t) { n, t, true, NULL }
#define OPT(n, t) { n, t, false, NULL }
#define SUB(n, t, sub) { n, t, false, sub }
#define END { NULL, 0, false, NULL }

static const struct proto_field f_none[] = { END };
static const struct proto_field f_step_start[] = {
	REQ(EVF_STEP, PF_STR), REQ(EVF_INDEX, PF_UINT), REQ(EVF_ITERATION, PF_UINT),
	REQ(EVF_DURATION_MS, PF_NUM), END };
static const struct proto_field f_step_end[] = {
	REQ(EVF_STEP, PF_STR), REQ(EVF_INDEX, PF_UINT), REQ(EVF_ITERATION, PF_UINT), END };
static const struct proto_field f_cgroup_cpus[] = {
	REQ(EVF_CGROUP, PF_STR), REQ(EVF_CPUS, PF_CPUS), END };
static const struct proto_field f_workers[] = {
	REQ(EVF_CGROUP, PF_STR), REQ(EVF_COUNT, PF_UINT), REQ(EVF_TYPE, PF_STR), END };
static const struct proto_field f_cgroup[] = { REQ(EVF_CGROUP, PF_STR), END };
static const struct proto_field f_move[] = {
	REQ(EVF_FROM, PF_STR), REQ(EVF_TO, PF_STR), END };
static const struct proto_field f_payload_start[] = {
	REQ(EVF_ID, PF_STR), REQ(EVF_PATH, PF_STR), REQ(EVF_PID, PF_INT), END };
static const struct proto_field f_payload_output[] = {
	REQ(EVF_ID, PF_STR), REQ(EVF_STDOUT, PF_TEXT), REQ(EVF_STDERR, PF_TEXT),
	REQ(EVF_STDOUT_BYTES, PF_UINT), REQ(EVF_STDERR_BYTES, PF_UINT), END };
static const struct proto_field f_tap_test[] = {
	REQ(TAPF_N, PF_UINT), REQ(TAPF_OK, PF_BOOL), REQ(TAPF_NAME, PF_STR),
	OPT(TAPF_DIRECTIVE, PF_STR), OPT(TAPF_REASON, PF_STR), END };
static const struct proto_field f_tap[] = {
	OPT(TAPF_PLAN, PF_UINT), SUB(TAPF_TESTS, PF_OBJARRAY, f_tap_test),
	OPT(TAPF_MORE, PF_UINT), OPT(TAPF_BAIL_OUT, PF_STR), OPT(TAPF_SKIP_ALL, PF_STR),
	END };
static const struct proto_field f_payload_end[] = {
	REQ(EVF_ID, PF_STR), REQ(EVF_TIMED_OUT, PF_BOOL), REQ(EVF_KILLED, PF_BOOL),
	OPT(EVF_EXIT_CODE, PF_INT), OPT(EVF_SIGNAL, PF_INT), OPT(EVF_METRICS, PF_METRICS),
	SUB(EVF_TAP, PF_OBJECT, f_tap), END };

/* Every sched_* event: what sysfs said when it was sent. */
#define SCHED_COMMON                                                          \
	REQ(EVF_NAME, PF_STR), REQ(EVF_STATE, PF_STR), REQ(EVF_REASON, PF_STR),  \
	OPT(EVF_OPS, PF_STR), OPT(EVF_SWITCH_ALL, PF_INT),                       \
	OPT(EVF_ENABLE_SEQ, PF_INT), OPT(EVF_NR_REJECTED, PF_INT)
#define ATTACH_FIELDS                                                         \
	OPT(EVF_SCHED_OPS, PF_STR), OPT(EVF_TYPE, PF_STR), OPT(EVF_TARGET, PF_STR), \
	OPT(EVF_PARTIAL, PF_BOOL), OPT(EVF_LOAD_MS, PF_NUM)

static const struct proto_field f_attach[] = { ATTACH_FIELDS, END };
static const struct proto_field f_sched[] = { SCHED_COMMON, END };
static const struct proto_field f_sched_died[] = {
	SCHED_COMMON, REQ(EVF_EXIT_KIND, PF_STR), OPT(EVF_EXIT_REASON, PF_STR),
	OPT(EVF_SCHED_OPS, PF_STR), OPT(EVF_ALIVE_MS, PF_NUM), OPT(EVF_OUTPUT, PF_STR),
	END };
static const struct proto_field f_sched_attach[] = { SCHED_COMMON, ATTACH_FIELDS, END };
static const struct proto_field f_sched_replace[] = {
	SCHED_COMMON, OPT(EVF_FROM, PF_STR), OPT(EVF_FROM_OPS, PF_STR),
	OPT(EVF_GAP_MS, PF_NUM), OPT(EVF_UNLOAD_MS, PF_NUM), OPT(EVF_PREPARE_MS, PF_NUM),
	SUB(EVF_ATTACH, PF_OBJECT, f_attach), END };
static const struct proto_field f_sched_detach[] = {
	SCHED_COMMON, OPT(EVF_UNLOAD_MS, PF_NUM), OPT(EVF_EXIT_REASON, PF_STR), END };
static const struct proto_field f_sched_step[] = {
	SCHED_COMMON, OPT(EVF_SCHED_OPS, PF_STR), END };
/* What a scheduler printed while it was up (an exec= loader's stdout and
 * stderr, a bpf= object's libbpf messages), sent when it goes. */
static const struct proto_field f_sched_output[] = {
	SCHED_COMMON, OPT(EVF_TYPE, PF_STR), REQ(EVF_OUTPUT, PF_TEXT),
	REQ(EVF_OUTPUT_BYTES, PF_UINT), END };
/* It never came up: reason says why, phase where (its output in the
 * sched_output event just before). */
static const struct proto_field f_sched_attach_failed[] = {
	SCHED_COMMON, OPT(EVF_TYPE, PF_STR), OPT(EVF_TARGET, PF_STR),
	REQ(EVF_PHASE, PF_STR), OPT(EVF_EXIT_CODE, PF_INT), OPT(EVF_SIGNAL, PF_INT),
	OPT(EVF_LOAD_MS, PF_NUM), END };

static const struct proto_field f_hello_cpu[] = {
	REQ(HELLO_CPU, PF_UINT), OPT(HELLO_NODE, PF_INT), OPT(HELLO_SMT_SIBLINGS, PF_CPUS),
	OPT(HELLO_CORE_ID, PF_STR), OPT(HELLO_PACKAGE, PF_STR),
	OPT(HELLO_LLC_SIBLINGS, PF_CPUS), END };
const struct proto_field proto_hello_fields[] = {
	REQ(HELLO_KERNEL_RELEASE, PF_STR), OPT(HELLO_KERNEL_VERSION, PF_STR),
	OPT(HELLO_CPUS_ONLINE_LIST, PF_CPUS), REQ(HELLO_CPUS_ONLINE, PF_UINT),
	OPT(HELLO_SCHED_EXT_STATE, PF_STR), OPT(HELLO_CGROUP_CONTROLLERS, PF_STR),
	OPT(HELLO_NODES_ONLINE_LIST, PF_STR), SUB(HELLO_CPUS, PF_OBJARRAY, f_hello_cpu),
	END };
const struct proto_field proto_error_fields[] = {
	REQ(ERRF_MSG, PF_STR), OPT(ERRF_FATAL, PF_BOOL), OPT(ERRF_T_MS, PF_NUM), END };
const struct proto_field proto_done_fields[] = {
	REQ(DONEF_STATUS, PF_STR), OPT(DONEF_OP_FAILURES, PF_UINT), OPT(DONEF_T_MS, PF_NUM),
	END };

const struct proto_field proto_ready_fields[] = { REQ(READYF_PLAN, PF_STR), END };

static const struct proto_field *const fields[EV__COUNT] = {
	[EV_BACKDROP] = f_none,
	[EV_STEP_START] = f_step_start,
	[EV_STEP_END] = f_step_end,
	[EV_CPUSET] = f_cgroup_cpus,
	[EV_WORKERS] = f_workers,
	[EV_AFFINITY] = f_cgroup_cpus,
	[EV_FREEZE] = f_cgroup,
	[EV_THAW] = f_cgroup,
	[EV_MOVE_TASKS] = f_move,
	[EV_PAYLOAD_START] = f_payload_start,
	[EV_PAYLOAD_OUTPUT] = f_payload_output,
	[EV_PAYLOAD_END] = f_payload_end,
	[EV_SCHED_LOG] = f_sched,
	[EV_SCHED_STATE] = f_sched,
	[EV_SCHED_DIED] = f_sched_died,
	[EV_SCHED_ATTACH] = f_sched_attach,
	[EV_SCHED_REPLACE] = f_sched_replace,
	[EV_SCHED_DETACH] = f_sched_detach,
	[EV_SCHED_OUTPUT] = f_sched_output,
	[EV_SCHED_ATTACH_FAILED] = f_sched_attach_failed,
	[EV_SCHED_STEP] = f_sched_step,
};

const struct proto_field *proto_event_fields(enum proto_event k)
{
	return (unsigned)k < EV__COUNT && fields[k] ? fields[k] : f_none;
}

bool proto_event_is_sched(enum proto_event k)
{
	return k >= EV_SCHED_LOG && k <= EV_SCHED_STEP;
}

// SPDX-License-Identifier: GPL-2.0-only
/* guest-init: the static PID 1 of the guest. Mounts the pseudo
 * filesystems, reports the guest's facts, runs the scenario and powers the
 * guest off. Everything the host learns travels as frames over /dev/hvc0. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "guest-init/cgroup.h"
#include "guest-init/exec.h"
#include "guest-init/sysinfo.h"
#include "guest-init/transport.h"
#include "guest-init/unpack.h"
#include "lib/file.h"
#include "proto/guest_config.h"
#include "proto/layout.h"
#include "proto/plan.h"
#include "scenario/model.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

static void mount_all(void)
{
	static const struct {
		const char *src, *dst, *type;
	} m[] = {
		{ "proc", "/proc", "proc" },
		{ "sysfs", "/sys", "sysfs" },
		{ "devtmpfs", "/dev", "devtmpfs" },
		{ "tmpfs", "/tmp", "tmpfs" },
		{ "cgroup2", "/sys/fs/cgroup", "cgroup2" },
		{ "debugfs", "/sys/kernel/debug", "debugfs" },
		{ "tracefs", "/sys/kernel/tracing", "tracefs" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		mkdir(m[i].dst, 0755);
		if (mount(m[i].src, m[i].dst, m[i].type, 0, NULL) && errno != EBUSY)
			fprintf(stderr, "guest-init: mount %s: %s\n", m[i].dst,
				strerror(errno));
	}
}

/* The control path must outrun real-time hogs and broken sched_ext
 * schedulers: SCHED_FIFO 99 (sched_ext never manages RT tasks), and children
 * start as SCHED_OTHER. */
static void protect_self(void)
{
	struct sched_param sp = { .sched_priority = 99 };

	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp))
		fprintf(stderr, "guest-init: SCHED_FIFO: %s\n", strerror(errno));
}

static void power_off(void)
{
	sync();
	if (getpid() == 1) {
		reboot(RB_AUTOBOOT);
		for (;;)
			pause();
	}
}

/* Fault injection for the harness's own tests (run.json "inject"): what a
 * broken guest looks like to the host, after the first step's reports. */
static char inject[16];

static void inject_fault(int step, int iteration)
{
	static const char half[] = "{\"kind\":\"torn\"";

	if (!inject[0] || step != 0 || iteration != 0)
		return;
	if (!strcmp(inject, "panic")) {
		write_text("/proc/sysrq-trigger", "c");
	} else if (!strcmp(inject, "crash")) {
		/* A real fault: PID 1 ignores a raised SIGSEGV. */
		volatile int *volatile bad = NULL;
		*bad = 0;
	} else if (!strcmp(inject, "hang")) {
		for (;;)
			pause();
	} else if (!strcmp(inject, "garble")) {
		transport_raw_frame(WIRE_EVENT, "{\"kind\":\"garbled\"}", 20, 1);
	} else if (!strcmp(inject, "truncate")) {
		transport_raw_frame(WIRE_EVENT, half, sizeof(half) - 1, 2);
		power_off();
	} else if (!strcmp(inject, "flood")) {
		/* A million small valid frames, as a runaway scheduler or payload
		 * writing to the report port could send. */
		transport_flood(1000000);
	}
}

static void read_opts(struct exec_opts *o)
{
	json_t *j = json_load_file(GUEST_RUN_OPTS_PATH, 0, NULL);

	o->stop_timeout_ns = 2000000000ull;
	if (!j)
		return;
	o->seed = json_integer_value(json_object_get(j, RUNOPT_SEED));
	snprintf(inject, sizeof(inject), "%s",
		 json_string_value(json_object_get(j, RUNOPT_INJECT)) ?: "");
	o->after_step = inject_fault;
	if (json_object_get(j, RUNOPT_STOP_TIMEOUT_MS))
		o->stop_timeout_ns =
			json_integer_value(json_object_get(j, RUNOPT_STOP_TIMEOUT_MS)) * 1000000ull;
	json_decref(j);
}

/* The kernel options the report channel needs (proto/guest.config):
 * "CONFIG_A and CONFIG_B, and CONFIG_C for --backend kvm". */
static const char *channel_options(char *buf, size_t len)
{
	size_t n = 0;
	int any = 0;

	buf[0] = 0;
	for (int kvm = 0; kvm < 2; kvm++)
		for (size_t i = 0; i < GUEST_CONFIG_N; i++) {
			const struct guest_config_option *c = &guest_config_options[i];

			if (!(c->tags & GUEST_CONFIG_CHANNEL) ||
			    !(c->tags & GUEST_CONFIG_KVM) != !kvm)
				continue;
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s%s",
				      !any ? "" : kvm ? ", and " : " and ", c->name,
				      kvm ? " for --backend kvm" : "");
			any = 1;
		}
	return buf;
}

/* Take the run plan (proto/plan.h): everything before this is the same for
 * every run, and a snapshot holds it; the plan makes the run. */
static int take_plan(char *msg, size_t len)
{
	bool from_initramfs = access(PLAN_INITRAMFS_PATH, F_OK) == 0;
	uint8_t *buf = NULL;
	size_t n = 0;
	int ret, files;

	transport_send(WIRE_READY, json_pack("{s:s}", READYF_PLAN,
					     from_initramfs ? "initramfs" : "channel"));
	if (from_initramfs) {
		ret = read_file(PLAN_INITRAMFS_PATH, PLAN_MAX_BYTES, &buf, &n, NULL);
		if (ret) {
			snprintf(msg, len, "%s: %s", PLAN_INITRAMFS_PATH, strerror(-ret));
			return -1;
		}
		unlink(PLAN_INITRAMFS_PATH);
	} else if (transport_recv_plan(&buf, &n, msg, len)) {
		return -1;
	}
	ret = unpack_cpio(buf, n, "", &files, msg, len);
	free(buf);
	return ret;
}

/* An error that ends the run before it started: told, then power off. */
static int fatal(int code, const char *what)
{
	transport_error(1, "%s", what);
	transport_send(WIRE_DONE, json_pack("{s:s}", DONEF_STATUS, "error"));
	transport_wait_ack(10000);
	power_off();
	return code;
}

int main(int argc, char **argv)
{
	const char *scn_path = argc > 1 ? argv[1] : GUEST_SCENARIO_PATH;
	struct scenario s;
	struct scn_error err;
	struct exec_opts o = { 0 };
	char msg[1024];
	const char *dev;
	int ret, failures;

	if (getpid() == 1)
		mount_all();
	protect_self();
	dev = getenv("KTSTR_TRANSPORT") ?: "/dev/hvc0";
	ret = transport_open(dev);
	if (ret) {
		/* The host recognises GUEST_FATAL_PREFIX as the cause. */
		fprintf(stderr, GUEST_FATAL_PREFIX " no report channel: no virtio port named "
			"%s and %s: %s; the guest kernel needs %s\n", WIRE_PORT_NAME, dev,
			strerror(-ret), channel_options(msg, sizeof(msg)));
		power_off();
		return 3;
	}
	if (cg_setup(msg, sizeof(msg)))
		transport_error(0, "cgroup setup: %s", msg);
	/* Ready. */
	if (argc <= 1 && take_plan(msg, sizeof(msg)))
		return fatal(2, msg);
	transport_send(WIRE_HELLO, sysinfo_collect());
	read_opts(&o);
	if (scn_parse_file(scn_path, &s, &err)) {
		scn_error_format(NULL, scn_path, &err, msg, sizeof(msg));
		return fatal(2, msg);
	}
	failures = exec_scenario(&s, &o);
	transport_send(WIRE_DONE, json_pack("{s:s, s:i, s:f}", DONEF_STATUS, "ok",
					    DONEF_OP_FAILURES, failures, DONEF_T_MS,
					    guest_now_ns() / 1e6));
	/* The host may be behind (a flood of frames to decode): give it time
	 * to take everything before the power goes. */
	if (transport_wait_ack(60000))
		fprintf(stderr, "guest-init: the host did not acknowledge the last frame\n");
	scn_free(&s);
	power_off();
	return 0;
}

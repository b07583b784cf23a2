/* The `run` command (see run.h). */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/backend.h"
#include "host/initramfs.h"
#include "host/kvmcheck.h"
#include "host/output.h"
#include "host/results.h"
#include "host/checks.h"
#include "host/verdict.h"
#include "host/run.h"
#include "kernels/kernels.h"
#include "scenario/model.h"
#include "workload/workload.h"

#define BASE_CMDLINE "console=ttyS0 loglevel=6 8250.nr_uarts=1 reboot=k panic=-1 " \
	"rdinit=/init tsc=reliable no_timer_check mitigations=off random.trust_cpu=on " \
	"cryptomgr.notests numa_balancing=0 i8042.noaux i8042.nomux"

static void progress(const char *line, void *ctx)
{
	const struct run_opts *o = ctx;

	if (!o->quiet)
		fprintf(stderr, "[ktstr-run] %s\n", line);
}

static void kprogress(const char *what, void *ctx)
{
	progress(what, ctx);
}

static int validate_workers(const char *path, const struct scenario *s)
{
	int bad = 0;

	for (int b = -1; b < s->n_steps; b++) {
		const struct scn_block *blk = b < 0 ? &s->backdrop : &s->steps[b];

		for (int i = 0; i < blk->n_ops; i++) {
			const struct scn_op *op = &blk->ops[i];
			char msg[512];
			int opt = -1;

			if (op->kind != SCN_OP_WORKERS)
				continue;
			if (wl_validate(&op->workers, &opt, msg, sizeof(msg)) == 0)
				continue;
			const struct scn_loc *loc = opt >= 0 ? &op->workers.opts[opt].loc : &op->loc;
			fprintf(stderr, "%s:%d:%d: %s\n", path, loc->line, loc->col, msg);
			bad++;
		}
	}
	return bad ? -1 : 0;
}

int scenario_load(const char *path, struct scenario *s)
{
	struct scn_error err;
	char msg[1024];

	if (scn_parse_file(path, s, &err)) {
		scn_error_format(NULL, path, &err, msg, sizeof(msg));
		fprintf(stderr, "%s\n", msg);
		return -1;
	}
	if (validate_workers(path, s)) {
		scn_free(s);
		return -1;
	}
	return 0;
}

int cmd_validate(int n, char **files)
{
	int bad = 0;

	for (int i = 0; i < n; i++) {
		struct scenario s;
		if (scenario_load(files[i], &s)) {
			bad++;
			continue;
		}
		printf("%s: ok (scenario %s, %d CPUs, %d steps, %d checks)\n", files[i],
		       s.name, scn_topo_ncpus(&s.topo), s.n_steps, s.n_checks);
		scn_free(&s);
	}
	return bad ? 2 : 0;
}

static uint64_t scenario_ms(const struct scenario *s)
{
	uint64_t ns = 0;

	for (int i = 0; i < s->n_steps; i++)
		ns += s->steps[i].duration_ns * s->steps[i].repeat;
	return ns / 1000000;
}

static int get_kernel(const struct run_opts *o, struct kernel *k)
{
	char msg[1024];

	if (o->kernel) {
		if (kernel_resolve(o->kernel, k, kprogress, (void *)o, msg, sizeof(msg))) {
			fprintf(stderr, "ktstr-run: --kernel %s: %s\n", o->kernel, msg);
			return -1;
		}
		return 0;
	}
	if (kernel_default_cached(k) == 0)
		return 0;
	progress("the default kernel is not cached yet; fetching it", (void *)o);
	if (kernel_fetch_default(k, false, kprogress, (void *)o, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: fetching the default kernel: %s\n", msg);
		return -1;
	}
	return 0;
}

/* A user's kernel build whose .config lacks what the guest needs fails here,
 * in a moment, instead of after a boot that cannot report. */
static int check_config(const char *o_kernel, const struct kernel *k,
			const struct scenario *s, const char *backend)
{
	struct kernel_option want[8];
	char missing[1536];
	size_t n = 0;
	int ret;

	if (!k->config[0])
		return 0;
	want[n++] = (struct kernel_option){ "CONFIG_BLK_DEV_INITRD", "guest-init comes in an initramfs" };
	want[n++] = (struct kernel_option){ "CONFIG_DEVTMPFS", "/dev for the report channel" };
	want[n++] = (struct kernel_option){ "CONFIG_CGROUPS", "the scenario's cgroups" };
	want[n++] = (struct kernel_option){ "CONFIG_VIRTIO_PCI", "the report channel's device" };
	want[n++] = (struct kernel_option){ "CONFIG_VIRTIO_CONSOLE", "the report channel" };
	if (!strcmp(backend, "kvm"))
		want[n++] = (struct kernel_option){ "CONFIG_PCI_MMCONFIG",
						    "the kvm backend's PCI config space is ECAM only" };
	if (s->n_scheds)
		want[n++] = (struct kernel_option){ "CONFIG_SCHED_CLASS_EXT",
						    "the scenario loads a sched_ext scheduler" };
	ret = kernel_config_lacks(k->config, want, n, missing, sizeof(missing));
	if (ret < 0) {
		fprintf(stderr, "ktstr-run: %s: %s\n", k->config, strerror(-ret));
		return -1;
	}
	if (ret > 0) {
		fprintf(stderr, "ktstr-run: --kernel %s: its %s lacks what the guest needs "
			"built in: %s\n", o_kernel, k->config, missing);
		return -1;
	}
	return 0;
}

static void derive_log(const struct run_opts *o, const struct scenario *s,
		       char *buf, size_t len)
{
	if (o->log) {
		snprintf(buf, len, "%s", o->log);
	} else if (o->json) {
		const char *dot = strrchr(o->json, '.');
		int stem = dot && !strchr(dot, '/') ? (int)(dot - o->json) : (int)strlen(o->json);
		snprintf(buf, len, "%.*s.console.log", stem, o->json);
	} else {
		snprintf(buf, len, "%s.console.log", s->name);
	}
}

static int write_json(const char *path, json_t *j)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_dump_file(j, tmp, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) ||
	    rename(tmp, path)) {
		fprintf(stderr, "ktstr-run: writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_junit(const char *path, const struct scenario *s,
		       const struct run_result *r, const struct verdict *v)
{
	FILE *f = fopen(path, "we");

	if (!f || output_junit(f, s, r, v) | fclose(f)) {
		fprintf(stderr, "ktstr-run: writing %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static struct backend *pick_backend(const struct run_opts *o, char *msg, size_t len)
{
	char why[256];

	if (!strcmp(o->backend, "qemu"))
		return backend_qemu_new();
	if (!strcmp(o->backend, "kvm")) {
		/* Say so up front rather than after a failed boot; the VMM's
		 * own tests still boot on such hosts to prove the error path. */
		if (!kvm_can_run_linux(why, sizeof(why)) && !getenv("KTSTR_FORCE_KVM")) {
			snprintf(msg, len, "--backend kvm cannot work here: %s; use "
				 "--backend qemu (or auto)", why);
			return NULL;
		}
		return backend_kvm_new();
	}
	/* auto: the own VMM wherever KVM can run the kernel, else QEMU. */
	if (kvm_can_run_linux(why, sizeof(why)))
		return backend_kvm_new();
	if (!o->quiet)
		fprintf(stderr, "[ktstr-run] backend auto: using qemu because %s\n", why);
	return backend_qemu_new();
}

int cmd_run(const struct run_opts *o)
{
	struct scenario s;
	struct kernel k;
	struct run_result r;
	struct verdict v;
	struct backend *b = NULL;
	struct initramfs_spec ispec = { 0 };
	struct vm_spec vs = { 0 };
	char guest_init[4096], msg[1024], cmdline[2048], log[4096];
	int initrd_fd = -1, ret = 2;
	size_t initrd_len;
	uint64_t t0, timeout;

	if (scenario_load(o->scenario, &s))
		return 2;
	if (initramfs_find_guest_init(guest_init, sizeof(guest_init), msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: %s\n", msg);
		goto out_scn;
	}
	if (get_kernel(o, &k))
		goto out_scn;
	ispec.guest_init = guest_init;
	ispec.scenario_path = o->scenario;
	ispec.scenario = &s;
	ispec.run_opts = json_pack("{s:I, s:I, s:s}", "seed", (json_int_t)o->seed,
				   "stop_timeout_ms", (json_int_t)2000,
				   "inject", o->inject ? o->inject : "");
	if (initramfs_build(&ispec, &initrd_fd, &initrd_len, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: initramfs: %s\n", msg);
		json_decref(ispec.run_opts);
		goto out_scn;
	}
	json_decref(ispec.run_opts);
	if (!(b = pick_backend(o, msg, sizeof(msg)))) {
		fprintf(stderr, "ktstr-run: %s\n", msg);
		ret = 3;
		goto out_fd;
	}
	if (check_config(o->kernel, &k, &s, b->name))
		goto out_backend;
	if (o->hugepages && strcmp(b->name, "kvm")) {
		fprintf(stderr, "ktstr-run: --hugepages needs the kvm backend; this run would "
			"use %s\n", b->name);
		goto out_backend;
	}
	derive_log(o, &s, log, sizeof(log));
	snprintf(cmdline, sizeof(cmdline), "%s%s%s", BASE_CMDLINE,
		 o->append ? " " : "", o->append ? o->append : "");
	vs.kernel = &k;
	vs.topo = s.topo;
	vs.mem_bytes = s.memory_bytes;
	vs.initrd_fd = initrd_fd;
	vs.initrd_len = initrd_len;
	vs.cmdline = cmdline;
	vs.console_log = log;
	vs.accel = o->accel;
	vs.verbose = o->verbose;
	vs.prefault = o->prefault;
	vs.hugepages = o->hugepages;
	timeout = o->timeout_ms ? o->timeout_ms : 120000 + 3 * scenario_ms(&s);

	results_init(&r, checks_expected_workers(&s));
	snprintf(r.console_log, sizeof(r.console_log), "%s", log);
	if (!o->quiet)
		fprintf(stderr, "[ktstr-run] booting %s (%s) with %d CPUs, %llu MiB, %s backend\n",
			k.release, k.vmlinux[0] ? k.vmlinux : k.bzimage,
			scn_topo_ncpus(&s.topo),
			(unsigned long long)(s.memory_bytes >> 20), b->name);
	t0 = mono_ms();
	if (b->start(b, &vs, msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: %s backend: %s\n", b->name, msg);
		ret = 2;
		results_free(&r);
		goto out_backend;
	}
	collect_run(b, &r, t0, timeout, progress, (void *)o);
	results_read_console_tail(&r, 25);
	verdict_decide(&s, &r, &v);
	struct run_meta meta = { o->scenario, k.vmlinux[0] ? k.vmlinux : k.bzimage,
				 k.release, b->name, b->accel_used };
	output_summary(stdout, &s, &r, &v, &meta);
	if (o->json) {
		json_t *j = results_to_json(&s, &r, &v, &meta);

		if (!j)
			fprintf(stderr, "ktstr-run: the results could not be encoded as JSON\n");
		if ((!j || write_json(o->json, j)) && v.exit_code == 0)
			v.exit_code = 2;
		json_decref(j);
	}
	if (o->junit && write_junit(o->junit, &s, &r, &v) && v.exit_code == 0)
		v.exit_code = 2;
	ret = v.exit_code;
	verdict_free(&v);
	results_free(&r);
out_backend:
	b->destroy(b);
out_fd:
	close(initrd_fd);
out_scn:
	scn_free(&s);
	return ret;
}

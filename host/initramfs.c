// SPDX-License-Identifier: GPL-2.0-only
/* In-memory initramfs builder (see initramfs.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "host/cpio.h"
#include "host/initramfs.h"
#include "host/guest_files.h"
#include "host/install_paths.h"
#include "proto/layout.h"
#include "proto/plan.h"

int initramfs_find_guest_init(char *buf, size_t len, char *msg, size_t msglen)
{
	const char *env = getenv("KTSTR_GUEST_INIT");

	if (env && *env) {
		if (access(env, R_OK)) {
			snprintf(msg, msglen, "KTSTR_GUEST_INIT=%s: %s", env, strerror(errno));
			return -1;
		}
		snprintf(buf, len, "%s", env);
		return 0;
	}
	return install_find(buf, len, "guest-init", KTSTR_INSTALL_LIBEXEC, "guest-init",
			    "build it with ninja, install it with meson install, or set "
			    "KTSTR_GUEST_INIT", msg, msglen);
}

static int to_memfd(const struct cpio *c, int *fd, char *msg, size_t msglen)
{
	size_t off = 0;

	*fd = memfd_create("ktstr-initramfs", MFD_ALLOW_SEALING);
	if (*fd < 0) {
		snprintf(msg, msglen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	while (off < c->len) {
		ssize_t n = write(*fd, c->buf + off, c->len - off);
		if (n <= 0) {
			snprintf(msg, msglen, "writing the initramfs: %s", strerror(errno));
			close(*fd);
			return -1;
		}
		off += n;
	}
	fcntl(*fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	return 0;
}

/* The run plan: the scenario, the run options, the files the run needs. */
static int plan_build(const struct initramfs_spec *s, struct cpio *c, char *msg,
		      size_t msglen)
{
	char *opts = json_dumps(s->run_opts, JSON_COMPACT);
	struct guest_kernel k = { s->kernel_release, s->kernel_config };
	uint64_t mem = s->scenario->memory_bytes;

	/* The bytes the host parsed, not a second read of the path. */
	cpio_add_file(c, GUEST_SCENARIO_NAME, 0644, s->scenario->source,
		      s->scenario->source_len);
	cpio_add_file(c, GUEST_RUN_OPTS_NAME, 0644, opts, opts ? strlen(opts) : 0);
	free(opts);
	if (guest_files_add_all(c, s->scenario, &k, msg, msglen))
		return -1;
	if (cpio_finish(c)) {
		snprintf(msg, msglen, "building the run plan: %s", strerror(-c->error));
		return -1;
	}
	if (mem && c->len > mem / 4) {
		snprintf(msg, msglen, "the run plan (the scenario's files, schedulers and payloads) is "
			 "%.1f MiB; expected at most a quarter of the guest's memory %llu MiB (the guest "
			 "holds it twice while unpacking, in a root file system of half its memory): raise "
			 "'memory' or ship less", c->len / 1048576.0, (unsigned long long)(mem >> 20));
		return -1;
	}
	return 0;
}

int initramfs_build(const struct initramfs_spec *s, struct initramfs *out, char *msg,
		    size_t msglen)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "tmp", "run" };
	struct cpio plan, c;
	int ret = -1, r;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	cpio_init(&plan);
	cpio_init(&c);
	if (plan_build(s, &plan, msg, msglen))
		goto out;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		cpio_add_dir(&c, dirs[i], 0755);
	if ((r = cpio_add_host_file(&c, "init", s->guest_init, 0755))) {
		snprintf(msg, msglen, "guest-init %s: %s", s->guest_init, strerror(-r));
		goto out;
	}
	if (s->plan_in_initramfs)
		cpio_add_file(&c, PLAN_INITRAMFS_NAME, 0600, plan.buf, plan.len);
	if (cpio_finish(&c)) {
		snprintf(msg, msglen, "building the initramfs: %s", strerror(-c.error));
		goto out;
	}
	if (to_memfd(&c, &out->fd, msg, msglen))
		goto out;
	out->len = c.len;
	out->plan = plan.buf;
	out->plan_len = plan.len;
	plan.buf = NULL;
	ret = 0;
out:
	cpio_free(&plan);
	cpio_free(&c);
	return ret;
}

void initramfs_free(struct initramfs *i)
{
	if (i->fd >= 0)
		close(i->fd);
	free(i->plan);
	memset(i, 0, sizeof(*i));
	i->fd = -1;
}

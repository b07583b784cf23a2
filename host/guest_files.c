// SPDX-License-Identifier: GPL-2.0-only
/* What goes where in the guest's initramfs for a scenario (guest_files.h):
 * scheduler objects and binaries, payloads, and what the binaries need. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/elfdeps.h"
#include "host/guest_files.h"
#include "host/sched_files.h"

#define LD_SO_CACHE "/etc/ld.so.cache"

/* Paths already in the archive (files, symlinks and directories). */
struct added {
	char **path;
	size_t n, cap;
};

static bool added_has(const struct added *a, const char *p)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->path[i], p))
			return true;
	return false;
}

static int added_put(struct added *a, const char *p)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		char **np = realloc(a->path, cap * sizeof(*np));

		if (!np)
			return -ENOMEM;
		a->path = np;
		a->cap = cap;
	}
	a->path[a->n] = strdup(p);
	if (!a->path[a->n])
		return -ENOMEM;
	a->n++;
	return 0;
}

static void added_free(struct added *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->path[i]);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

/* The archive's name for a guest path: no leading '/'. */
static const char *rel(const char *path)
{
	return path + (path[0] == '/');
}

/* Add the directories leading to path ("/a/b/c" -> "a", "a/b"). */
static int add_parents(struct cpio *c, struct added *a, const char *path)
{
	char buf[PATH_MAX];
	int r = 0;

	snprintf(buf, sizeof(buf), "%s", rel(path));
	for (char *p = strchr(buf, '/'); p && !r; p = strchr(p + 1, '/')) {
		*p = 0;
		if (!added_has(a, buf)) {
			cpio_add_dir(c, buf, 0755);
			r = added_put(a, buf);
		}
		*p = '/';
	}
	return r;
}

/* guest-init mounts these pseudo filesystems (guest-init/main.c) before it
 * unpacks the run plan: a file cannot be put there. (/tmp is a tmpfs too,
 * but the plan is unpacked into it after the mount, so files there stay.) */
static int check_not_hidden(const char *guest_path, char *msg, size_t len)
{
	static const char *const mounted[] = { "/proc/", "/sys/", "/dev/" };

	for (size_t i = 0; i < sizeof(mounted) / sizeof(mounted[0]); i++) {
		if (strncmp(guest_path, mounted[i], strlen(mounted[i])))
			continue;
		snprintf(msg, len, "%s: under %.*s, a pseudo filesystem in the guest; "
			 "move it elsewhere", guest_path, (int)strlen(mounted[i]) - 1, mounted[i]);
		return -1;
	}
	return 0;
}

/* guest_path gets host_path's content (symlinks followed). */
static int add_file(struct cpio *c, struct added *a, const char *guest_path,
		    const char *host_path, char *msg, size_t len)
{
	int r;

	if (added_has(a, guest_path))
		return 0;
	if (check_not_hidden(guest_path, msg, len))
		return -1;
	r = add_parents(c, a, guest_path);
	if (!r)
		r = cpio_add_host_file(c, rel(guest_path), host_path, 0755);
	if (!r)
		r = added_put(a, guest_path);
	if (r) {
		snprintf(msg, len, "%s: %s", host_path, strerror(-r));
		return -1;
	}
	return 0;
}

static int add_symlink(struct cpio *c, struct added *a, const char *guest_path,
		       const char *target, char *msg, size_t len)
{
	int r;

	if (added_has(a, guest_path))
		return 0;
	if (check_not_hidden(guest_path, msg, len))
		return -1;
	r = add_parents(c, a, guest_path);
	if (!r)
		r = cpio_add_symlink(c, rel(guest_path), target);
	if (!r)
		r = added_put(a, guest_path);
	if (r) {
		snprintf(msg, len, "%s -> %s: %s", guest_path, target, strerror(-r));
		return -1;
	}
	return 0;
}

/* A program the guest runs as `as`: it lies at its real path, `as` is a
 * symlink to it if that differs; then its interpreter, its libraries and,
 * for a dynamic one, the host's ld.so cache (the guest has no ldconfig,
 * and its ld.so reads the cache before the system directories). */
static int add_program(struct cpio *c, struct added *a, const char *as, const char *host,
		       char *msg, size_t len)
{
	struct elfdeps d;
	int ret;

	if (elfdeps_resolve(host, &elfdeps_host, &d, msg, len))
		return -1;
	ret = add_file(c, a, d.path, d.path, msg, len);
	if (!ret && strcmp(as, d.path))
		ret = add_symlink(c, a, as, d.path, msg, len);
	if (!ret && d.interp)
		ret = add_file(c, a, d.interp, d.interp, msg, len);
	for (size_t i = 0; !ret && i < d.n_libs; i++)
		ret = add_file(c, a, d.libs[i], d.libs[i], msg, len);
	if (!ret && d.interp && access(LD_SO_CACHE, R_OK) == 0)
		ret = add_file(c, a, LD_SO_CACHE, LD_SO_CACHE, msg, len);
	elfdeps_free(&d);
	return ret;
}

/* Where guest-init looks for scheduler NAME (guest-init/scx.h). */
static int add_scheduler(struct cpio *c, struct added *a, const struct scn_scheduler *sc,
			 char *msg, size_t len)
{
	char host[PATH_MAX], guest[PATH_MAX];

	if (sc->kind == SCN_SCHED_BPF) {
		if (sched_resolve_bpf(sc->target, host, sizeof(host), msg, len) ||
		    sched_check_bpf(host, msg, len))
			return -1;
		snprintf(guest, sizeof(guest), "/sched/%s.bpf.o", sc->name);
		return add_file(c, a, guest, host, msg, len);
	}
	if (sched_resolve_exec(sc->target, host, sizeof(host), msg, len))
		return -1;
	snprintf(guest, sizeof(guest), "/sched/%s", sc->name);
	return add_program(c, a, guest, host, msg, len);
}

/* A payload binary is run by its host path. */
static int add_payload(struct cpio *c, struct added *a, const struct scn_op *op,
		       char *msg, size_t len)
{
	if (access(op->path, X_OK)) {
		snprintf(msg, len, "%s", strerror(errno));
		return -1;
	}
	return add_program(c, a, op->path, op->path, msg, len);
}

static int add_payloads(struct cpio *c, struct added *a, const struct scenario *s,
			char *msg, size_t len)
{
	char why[2048];

	for (int b = -1; b < s->n_steps; b++) {
		const struct scn_block *blk = b < 0 ? &s->backdrop : &s->steps[b];

		for (int i = 0; i < blk->n_ops; i++) {
			const struct scn_op *op = &blk->ops[i];

			if (op->kind != SCN_OP_PAYLOAD_RUN ||
			    !add_payload(c, a, op, why, sizeof(why)))
				continue;
			snprintf(msg, len, "%s:%d:%d: payload '%s' (%s): %s", s->path,
				 op->loc.line, op->loc.col, op->name, op->path, why);
			return -1;
		}
	}
	return 0;
}

int guest_files_add_all(struct cpio *c, const struct scenario *s, char *msg,
			size_t len)
{
	struct added a = { 0 };
	char why[2048];
	int ret = 0;

	for (int i = 0; i < s->n_scheds && !ret; i++) {
		const struct scn_scheduler *sc = &s->scheds[i];

		if (add_scheduler(c, &a, sc, why, sizeof(why))) {
			snprintf(msg, len, "%s:%d:%d: scheduler '%s' (%s=%s): %s", s->path,
				 sc->loc.line, sc->loc.col, sc->name,
				 sc->kind == SCN_SCHED_BPF ? "bpf" : "exec", sc->target, why);
			ret = -1;
		}
	}
	if (!ret)
		ret = add_payloads(c, &a, s, msg, len);
	added_free(&a);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/* What goes where in the guest for a run (guest_files.h): scheduler
 * objects and binaries, payloads and what the binaries need, the files
 * and directories of `file` directives, and the kernel's config. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <search.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/elfdeps.h"
#include "host/guest_files.h"
#include "host/sched_files.h"
#include "proto/layout.h"
#include "proto/plan.h"

#define LD_SO_CACHE "/etc/ld.so.cache"

/* Paths already in the archive, and what each is: a directory, or a file
 * or symlink with its source (the host file, or the link's target), so
 * that the same thing staged twice is one entry and two different things
 * at one path are an error rather than a silent choice. A tree: a
 * directory shipped whole can hold many thousands of paths. */
enum entry_kind { ENT_DIR, ENT_FILE, ENT_LINK };

struct staged {
	enum entry_kind kind;
	char *src;         /* NULL for a directory */
	char path[];
};

struct added {
	void *root;        /* tsearch tree of struct staged, by path */
	uint64_t file_bytes; /* of `file` directives, against GUEST_FILES_MAX_BYTES */
	size_t file_entries; /* and GUEST_FILES_MAX_ENTRIES */
};

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct staged *)a)->path, ((const struct staged *)b)->path);
}

static struct staged *added_get(const struct added *a, const char *p)
{
	size_t n = strlen(p);
	struct staged *key = malloc(sizeof(*key) + n + 1);
	void *hit;

	if (!key)
		return NULL;
	memcpy(key->path, p, n + 1);
	hit = tfind(key, &a->root, entry_cmp);
	free(key);
	return hit ? *(struct staged **)hit : NULL;
}

static int added_put(struct added *a, const char *p, enum entry_kind kind, const char *src)
{
	size_t n = strlen(p);
	struct staged *e = malloc(sizeof(*e) + n + 1);

	if (!e)
		return -ENOMEM;
	e->kind = kind;
	e->src = src ? strdup(src) : NULL;
	memcpy(e->path, p, n + 1);
	if ((src && !e->src) || !tsearch(e, &a->root, entry_cmp)) {
		free(e->src);
		free(e);
		return -ENOMEM;
	}
	return 0;
}

static void entry_free(void *p)
{
	struct staged *e = p;

	free(e->src);
	free(e);
}

static void added_free(struct added *a)
{
	tdestroy(a->root, entry_free);
	memset(a, 0, sizeof(*a));
}

/* The archive's name for a guest path: no leading '/'. */
static const char *rel(const char *path)
{
	return path + (path[0] == '/');
}

static const char *kind_name(enum entry_kind k)
{
	return k == ENT_DIR ? "a directory" : k == ENT_FILE ? "the file" : "a symlink to";
}

/* Room for guest path p, which holds kind from src: 1 if it is there
 * already (the same thing), 0 if it is free, -1 with msg if something
 * else is there. */
static int claim(const struct added *a, const char *p, enum entry_kind kind, const char *src,
		 char *msg, size_t len)
{
	const struct staged *e = added_get(a, rel(p));

	if (!e)
		return 0;
	if (e->kind == kind && (kind == ENT_DIR || !strcmp(e->src, src)))
		return 1;
	snprintf(msg, len, "/%s is in the guest already as %s%s%s; expected %s%s%s there",
		 rel(p), kind_name(e->kind), e->src ? " " : "", e->src ? e->src : "",
		 kind_name(kind), src ? " " : "", src ? src : "");
	return -1;
}

/* Add the directories leading to path ("/a/b/c" -> "a", "a/b"). */
static int add_parents(struct cpio *c, struct added *a, const char *path, char *msg,
		       size_t len)
{
	char buf[PATH_MAX];
	int r = 0;

	snprintf(buf, sizeof(buf), "%s", rel(path));
	for (char *p = strchr(buf, '/'); p && r >= 0; p = strchr(p + 1, '/')) {
		*p = 0;
		r = claim(a, buf, ENT_DIR, NULL, msg, len);
		if (r == 0) {
			cpio_add_dir(c, buf, 0755);
			if ((r = added_put(a, buf, ENT_DIR, NULL)))
				snprintf(msg, len, "%s", strerror(-r));
		}
		*p = '/';
	}
	return r < 0 ? -1 : 0;
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

/* One entry at guest_path: a host file's content (symlinks followed) with
 * mode, a symlink to target, or a directory with mode. */
static int add_entry(struct cpio *c, struct added *a, const char *guest_path,
		     enum entry_kind kind, const char *src, mode_t mode, char *msg, size_t len)
{
	int r;

	if (check_not_hidden(guest_path, msg, len))
		return -1;
	r = claim(a, guest_path, kind, src, msg, len);
	if (r)
		return r < 0 ? -1 : 0;
	if (add_parents(c, a, guest_path, msg, len))
		return -1;
	if (kind == ENT_FILE)
		r = cpio_add_host_file(c, rel(guest_path), src, mode);
	else if (kind == ENT_LINK)
		r = cpio_add_symlink(c, rel(guest_path), src);
	else
		r = cpio_add_dir(c, rel(guest_path), mode);
	if (!r)
		r = added_put(a, rel(guest_path), kind, src);
	if (r) {
		if (kind == ENT_LINK)
			snprintf(msg, len, "%s -> %s: %s", guest_path, src, strerror(-r));
		else
			snprintf(msg, len, "%s: %s", src ? src : guest_path, strerror(-r));
		return -1;
	}
	return 0;
}

static int add_file(struct cpio *c, struct added *a, const char *guest_path,
		    const char *host_path, char *msg, size_t len)
{
	return add_entry(c, a, guest_path, ENT_FILE, host_path, 0755, msg, len);
}

static int add_symlink(struct cpio *c, struct added *a, const char *guest_path,
		       const char *target, char *msg, size_t len)
{
	return add_entry(c, a, guest_path, ENT_LINK, target, 0777, msg, len);
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

/* What one `file` directive is staging, for its messages and bounds. */
struct file_job {
	struct cpio *c;
	struct added *a;
	const struct scn_file *f;
	char *msg;
	size_t len;
};

static const char *type_name(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : S_ISCHR(m) ?
	       "a character device" : S_ISBLK(m) ? "a block device" : "not a regular file";
}

static int count_entry(struct file_job *j, const char *host, uint64_t bytes)
{
	struct added *a = j->a;

	if (++a->file_entries > GUEST_FILES_MAX_ENTRIES) {
		snprintf(j->msg, j->len, "'%s' is entry %zu of the file directives; expected at "
			 "most %d files, directories and symlinks in all", host, a->file_entries,
			 GUEST_FILES_MAX_ENTRIES);
		return -1;
	}
	if (bytes > GUEST_FILES_MAX_BYTES - a->file_bytes) {
		snprintf(j->msg, j->len, "'%s' (%llu bytes) brings the file directives to %llu "
			 "bytes; expected at most %llu (%u MiB)", host, (unsigned long long)bytes,
			 (unsigned long long)(a->file_bytes + bytes),
			 (unsigned long long)GUEST_FILES_MAX_BYTES, GUEST_FILES_MAX_BYTES >> 20);
		return -1;
	}
	a->file_bytes += bytes;
	return 0;
}

static int skip_dots(const struct dirent *d)
{
	return strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
}

/* host (lstat'ed into st) to guest: a file, a symlink kept as one, or a
 * directory and everything in it, in name order. */
static int stage_tree(struct file_job *j, const char *host, const char *guest,
		      const struct stat *st, int depth)
{
	char target[PATH_MAX], h[PATH_MAX], g[PATH_MAX];
	struct dirent **names;
	int n, ret = 0;
	ssize_t tl;

	if (count_entry(j, host, S_ISREG(st->st_mode) ? (uint64_t)st->st_size : 0))
		return -1;
	if (S_ISREG(st->st_mode))
		return add_entry(j->c, j->a, guest, ENT_FILE, host,
				 j->f->mode >= 0 ? (mode_t)j->f->mode : st->st_mode & 07777,
				 j->msg, j->len);
	if (S_ISLNK(st->st_mode)) {
		tl = readlink(host, target, sizeof(target) - 1);
		if (tl <= 0) {
			snprintf(j->msg, j->len, "'%s': %s", host,
				 tl < 0 ? strerror(errno) : "empty link");
			return -1;
		}
		target[tl] = 0;
		return add_symlink(j->c, j->a, guest, target, j->msg, j->len);
	}
	if (!S_ISDIR(st->st_mode)) {
		snprintf(j->msg, j->len, "'%s' is %s; expected a regular file, a directory or a "
			 "symlink", host, type_name(st->st_mode));
		return -1;
	}
	if (depth >= GUEST_FILES_MAX_DEPTH) {
		snprintf(j->msg, j->len, "'%s' is %d directories deep; expected at most %d", host,
			 depth, GUEST_FILES_MAX_DEPTH);
		return -1;
	}
	if (add_entry(j->c, j->a, guest, ENT_DIR, NULL, st->st_mode & 07777, j->msg, j->len))
		return -1;
	n = scandir(host, &names, skip_dots, alphasort);
	if (n < 0) {
		snprintf(j->msg, j->len, "'%s': %s", host, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct stat cst;

		const char *name = names[i]->d_name;

		if (!ret && ((size_t)snprintf(h, sizeof(h), "%s/%s", host, name) >= sizeof(h) ||
			     (size_t)snprintf(g, sizeof(g), "%s/%s", guest, name) >= PLAN_MAX_NAME)) {
			snprintf(j->msg, j->len, "'%s/%s': path too long", host, names[i]->d_name);
			ret = -1;
		}
		if (!ret && lstat(h, &cst)) {
			snprintf(j->msg, j->len, "'%s': %s", h, strerror(errno));
			ret = -1;
		}
		if (!ret)
			ret = stage_tree(j, h, g, &cst, depth + 1);
		free(names[i]);
	}
	free(names);
	return ret;
}

/* Where a directive's file goes: to=, or the host path made absolute. Not
 * a name the run plan itself uses. */
static int file_guest_path(const struct scn_file *f, char *out, size_t outlen, char *msg,
			   size_t len)
{
	static const char *const plan_own[] = { "/init", GUEST_SCENARIO_PATH,
						GUEST_RUN_OPTS_PATH, PLAN_INITRAMFS_PATH };
	char abs[PATH_MAX + SCN_FILE_PATH_MAX + 2], cwd[PATH_MAX];

	if (f->to[0]) {
		snprintf(abs, sizeof(abs), "%s", f->to);
	} else if (f->host[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", f->host);
	} else {
		if (!getcwd(cwd, sizeof(cwd))) {
			snprintf(msg, len, "the working directory: %s", strerror(errno));
			return -1;
		}
		snprintf(abs, sizeof(abs), "%s/%s", cwd, f->host);
	}
	if (scn_path_normalize(abs, out, outlen) || strlen(out) >= PLAN_MAX_NAME) {
		snprintf(msg, len, "guest path '%.1000s...' is too long; expected at most %d bytes", abs,
			 PLAN_MAX_NAME - 1);
		return -1;
	}
	if (scn_guest_path_check(out, msg, len))
		return -1;
	for (size_t i = 0; i < sizeof(plan_own) / sizeof(plan_own[0]); i++) {
		if (strcmp(out, plan_own[i]))
			continue;
		snprintf(msg, len, "guest path '%.1000s' is the run's own (guest-init, the scenario, "
			 "the run options or the plan); expected another path", out);
		return -1;
	}
	return 0;
}

static int add_file_directive(struct cpio *c, struct added *a, const struct scn_file *f,
			      char *msg, size_t len)
{
	struct file_job j = { c, a, f, msg, len };
	char guest[PATH_MAX], host[PATH_MAX];
	struct stat st;

	if (file_guest_path(f, guest, sizeof(guest), msg, len))
		return -1;
	/* The named path itself is followed if it is a symlink (and named by
	 * its real path, so that the same file named twice, or also staged
	 * as a program or library, is one thing); symlinks in a directory
	 * are copied as symlinks. */
	if (!realpath(f->host, host) || stat(host, &st)) {
		snprintf(msg, len, "%s", strerror(errno));
		return -1;
	}
	return stage_tree(&j, host, guest, &st, 0);
}

static int add_file_directives(struct cpio *c, struct added *a, const struct scenario *s,
			       char *msg, size_t len)
{
	char why[2048];

	for (int i = 0; i < s->n_files; i++) {
		const struct scn_file *f = &s->files[i];

		if (!add_file_directive(c, a, f, why, sizeof(why)))
			continue;
		snprintf(msg, len, "%s:%d:%d: file '%s': %s", s->path, f->host_loc.line,
			 f->host_loc.col, f->host, why);
		return -1;
	}
	return 0;
}

/* /boot/config-RELEASE, where libbpf looks for the running kernel's
 * configuration (CONFIG_* externs of BPF programs), unless a `file`
 * directive put one there. */
static int add_kernel_config(struct cpio *c, struct added *a, const struct guest_kernel *k,
			     char *msg, size_t len)
{
	char guest[PATH_MAX];
	struct stat st;

	/* Without a release nobody can tell where libbpf would look. */
	if (!k || !k->config || !k->config[0] || !k->release || !k->release[0])
		return 0;
	if (strchr(k->release, '/') ||
	    !strcmp(k->release, ".") || !strcmp(k->release, "..") ||
	    strlen(k->release) > NAME_MAX - strlen("config-")) {
		snprintf(msg, len, "kernel release '%s' cannot name /boot/config-RELEASE for %s",
			 k->release ? k->release : "", k->config);
		return -1;
	}
	snprintf(guest, sizeof(guest), "/boot/config-%s", k->release);
	if (added_get(a, rel(guest)))
		return 0;
	if (stat(k->config, &st)) {
		snprintf(msg, len, "the kernel's config %s: %s", k->config, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, len, "the kernel's config %s: %s; expected a regular file", k->config,
			 type_name(st.st_mode));
		return -1;
	}
	return add_entry(c, a, guest, ENT_FILE, k->config, 0644, msg, len);
}

int guest_files_add_all(struct cpio *c, const struct scenario *s, const struct guest_kernel *k,
			char *msg, size_t len)
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
	if (!ret)
		ret = add_file_directives(c, &a, s, msg, len);
	if (!ret)
		ret = add_kernel_config(c, &a, k, msg, len);
	added_free(&a);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Resolves a --kernel argument: a bzImage (its vmlinux is extracted once
 * into <cache>/extracted/<content hash>/), an ELF vmlinux, or a kernel
 * build tree. Anything else is refused with what it is and why; nothing
 * that is not a checked kernel enters the cache. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernels/internal.h"

static int use_vmlinux(const char *path, struct kernel *out, char *msg, size_t msglen)
{
	struct vmlinux_info vi;

	if (vmlinux_inspect(path, &vi, msg, msglen))
		return -1;
	snprintf(out->vmlinux, sizeof(out->vmlinux), "%s", path);
	snprintf(out->release, sizeof(out->release), "%s", vi.release);
	out->has_btf = vi.has_btf;
	out->has_pvh = vi.has_pvh;
	return 0;
}

struct extracted {
	char name[256];
	uint64_t used; /* the mtime of its OK file (ns): set at extraction and each use */
};

static int newest_first(const void *a, const void *b)
{
	const struct extracted *x = a, *y = b;

	return (x->used < y->used) - (x->used > y->used);
}

/* How many extracted vmlinux files to keep ($KTSTR_KEEP_EXTRACTED). */
static size_t keep_extracted(void)
{
	const char *e = getenv("KTSTR_KEEP_EXTRACTED");
	char *end;
	long n = e && *e ? strtol(e, &end, 10) : -1;

	return n >= 1 && !*end ? (size_t)n : KERNEL_KEEP_EXTRACTED;
}

#define WORK_PREFIX "tmp-"

/* Every bzImage given to --kernel leaves its vmlinux (tens to hundreds of
 * MB) in <cache>/extracted/: keep the most recently used few and remove the
 * rest, and leftovers of extractions that died an hour or more ago (work
 * directories, entries without OK). `self` (just extracted) is never
 * removed. */
static void prune_extracted(const char *root, const char *self)
{
	struct extracted *e = NULL;
	size_t n = 0, cap = 0, keep = keep_extracted();
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d = opendir(root);

	while (d && (de = readdir(d))) {
		char p[4600];
		struct stat st;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, self))
			continue;
		snprintf(p, sizeof(p), "%s/%s/OK", root, de->d_name);
		if (!strncmp(de->d_name, WORK_PREFIX, strlen(WORK_PREFIX)) || stat(p, &st)) {
			snprintf(p, sizeof(p), "%s/%s", root, de->d_name);
			if (!stat(p, &st) && now - st.st_mtime >= 3600)
				krm_rf(p);
			continue;
		}
		if (n == cap) {
			struct extracted *g = realloc(e, (cap = cap ? 2 * cap : 16) * sizeof(*e));

			if (!g)
				break;
			e = g;
		}
		snprintf(e[n].name, sizeof(e[n].name), "%s", de->d_name);
		e[n++].used = st.st_mtim.tv_sec * 1000000000ull + st.st_mtim.tv_nsec;
	}
	if (d)
		closedir(d);
	if (n) /* qsort's base may not be NULL, even for 0 entries */
		qsort(e, n, sizeof(*e), newest_first);
	for (size_t i = keep > 0 ? keep - 1 : 0; i < n; i++) {
		char p[4600];

		snprintf(p, sizeof(p), "%s/%s", root, e[i].name);
		krm_rf(p);
	}
	free(e);
}

/* A cache entry is used only if it is marked OK and still a kernel. */
static bool entry_ok(const char *dir, struct vmlinux_info *vi)
{
	char p[4300];

	snprintf(p, sizeof(p), "%s/OK", dir);
	if (!kfile_exists(p))
		return false;
	snprintf(p, sizeof(p), "%s/vmlinux", dir);
	return kvmlinux_inspect(p, vi, NULL, 0) == 0;
}

/* Extract into work/, check the result is a kernel, mark it OK. */
static int extract_checked(const char *bz, const uint8_t *img, size_t len,
			   const char *work, struct vmlinux_info *vi,
			   kernel_progress_fn progress, void *ctx,
			   char *msg, size_t msglen)
{
	char p[4300], why[512];

	snprintf(p, sizeof(p), "%s/vmlinux", work);
	if (kbzimage_extract(bz, img, len, p, progress, ctx, msg, msglen))
		return -1;
	if (kvmlinux_inspect(p, vi, why, sizeof(why)))
		return errf(msg, msglen, "'%s': the vmlinux in its payload is %s", bz, why);
	snprintf(p, sizeof(p), "%s/OK", work);
	return kwrite_str(p, bz, msg, msglen);
}

/* Rename the finished work/ to dir in one step. If dir exists, another
 * ktstr-run made it meanwhile (used as is) or it is a leftover (replaced). */
static int publish(const char *work, const char *dir, char *msg, size_t msglen)
{
	struct vmlinux_info theirs;

	if (rename(work, dir) == 0)
		return 0;
	if (errno != EEXIST && errno != ENOTEMPTY)
		return errf(msg, msglen, "renaming '%s' to '%s': %s", work, dir, strerror(errno));
	if (entry_ok(dir, &theirs))
		return 0;
	krm_rf(dir);
	if (rename(work, dir) < 0)
		return errf(msg, msglen, "renaming '%s' to '%s': %s", work, dir, strerror(errno));
	return 0;
}

/* <cache>/extracted/<hash>-<size>/vmlinux, extracted on first use from the
 * very bytes that were hashed. The entry is made in a work directory and
 * renamed into place once its vmlinux is checked, so a failed or refused
 * extraction leaves nothing behind. */
static int cached_vmlinux(const char *bz, const uint8_t *img, size_t len,
			  char *vml, size_t vlen, struct vmlinux_info *vi,
			  kernel_progress_fn progress, void *ctx, char *msg, size_t msglen)
{
	char root[4096], name[64], dir[4200], work[4200];
	int ret;

	if (kcache_path(root, sizeof(root), msg, msglen, "extracted") ||
	    kmkdir_p(root, msg, msglen))
		return -1;
	snprintf(name, sizeof(name), "%016llx-%zu", (unsigned long long)khash(img, len), len);
	snprintf(dir, sizeof(dir), "%s/%s", root, name);
	if ((size_t)snprintf(vml, vlen, "%s/vmlinux", dir) >= vlen)
		return errf(msg, msglen, "'%s/vmlinux': path too long", dir);
	if (entry_ok(dir, vi)) {
		char ok[4300];

		snprintf(ok, sizeof(ok), "%s/OK", dir);
		utimensat(AT_FDCWD, ok, NULL, 0); /* used now: pruned last */
		return 0;
	}
	snprintf(work, sizeof(work), "%s/" WORK_PREFIX "XXXXXX", root);
	if (!mkdtemp(work))
		return errf(msg, msglen, "creating a directory in '%s': %s", root, strerror(errno));
	ret = extract_checked(bz, img, len, work, vi, progress, ctx, msg, msglen);
	if (!ret)
		ret = publish(work, dir, msg, msglen);
	krm_rf(work);
	if (ret)
		return -1;
	prune_extracted(root, name);
	return 0;
}

/* The bzImage is read once: what is hashed is what is extracted, however
 * the file changes meanwhile. */
static int use_bzimage(const char *path, struct kernel *out,
		       kernel_progress_fn progress, void *ctx,
		       char *msg, size_t msglen)
{
	struct bzimage_info bi;
	struct vmlinux_info vi;
	char why[512];
	uint8_t *img;
	size_t len;
	int ret;

	if (kread_file(path, KERNEL_MAX_IMAGE, &img, &len, msg, msglen))
		return -1;
	if (bzimage_inspect(img, len, &bi, why, sizeof(why))) {
		free(img);
		return errf(msg, msglen, "'%s': not a usable bzImage: %s", path, why);
	}
	ret = cached_vmlinux(path, img, len, out->vmlinux, sizeof(out->vmlinux), &vi,
			     progress, ctx, msg, msglen);
	free(img);
	if (ret)
		return -1;
	snprintf(out->release, sizeof(out->release), "%s", vi.release);
	out->has_btf = vi.has_btf;
	out->has_pvh = vi.has_pvh;
	snprintf(out->bzimage, sizeof(out->bzimage), "%s", path);
	return 0;
}

static int resolve_file(const char *path, struct kernel *out,
			kernel_progress_fn progress, void *ctx,
			char *msg, size_t msglen)
{
	uint8_t head[0x210] = { 0 };
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return errf(msg, msglen, "'%s': %s", path, strerror(errno));
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	if (n < 0)
		return errf(msg, msglen, "'%s': %s", path, strerror(errno));
	if (n >= 0x206 && !memcmp(head + 0x202, "HdrS", 4))
		return use_bzimage(path, out, progress, ctx, msg, msglen);
	if (n >= 4 && !memcmp(head, "\x7f" "ELF", 4))
		return use_vmlinux(path, out, msg, msglen);
	return errf(msg, msglen,
		    "'%s': not a kernel: no bzImage setup header (no 'HdrS' magic at 0x202) and not an ELF file",
		    path);
}

/* A build tree: vmlinux (with symbols) preferred, bzImage kept for QEMU. */
static int resolve_tree(const char *dir, struct kernel *out,
			kernel_progress_fn progress, void *ctx,
			char *msg, size_t msglen)
{
	char bz[4200], vml[4200], why[512];
	struct bzimage_info bi;
	bool has_bz, has_vml;
	uint8_t *img;
	size_t len;
	int ret;

	snprintf(bz, sizeof(bz), "%s/arch/x86/boot/bzImage", dir);
	snprintf(vml, sizeof(vml), "%s/vmlinux", dir);
	has_bz = kfile_exists(bz);
	has_vml = kfile_exists(vml);
	if (!has_bz && !has_vml)
		return errf(msg, msglen,
			    "'%s': a directory but not a built kernel tree: neither arch/x86/boot/bzImage nor vmlinux exists (build it first, or pass a bzImage or vmlinux file)",
			    dir);
	if (!has_vml)
		return use_bzimage(bz, out, progress, ctx, msg, msglen);
	if (use_vmlinux(vml, out, msg, msglen))
		return -1;
	if (!has_bz)
		return 0;
	if (kread_file(bz, KERNEL_MAX_IMAGE, &img, &len, msg, msglen))
		return -1;
	ret = bzimage_inspect(img, len, &bi, why, sizeof(why));
	free(img);
	if (ret)
		return errf(msg, msglen, "'%s': not a usable bzImage: %s", bz, why);
	snprintf(out->bzimage, sizeof(out->bzimage), "%.4095s", bz);
	return 0;
}

/* The build's .config: in a tree, beside a vmlinux, or at the top of the
 * tree holding arch/x86/boot/bzImage; a regular file (or a link to one). */
static void find_config(const char *path, bool dir, char *out, size_t len)
{
	static const char boot[] = "/arch/x86/boot/bzImage";
	char top[PATH_MAX];
	size_t n = strlen(path), b = sizeof(boot) - 1;
	struct stat st;

	snprintf(top, sizeof(top), "%s", path);
	if (!dir) {
		if (n > b && !strcmp(path + n - b, boot))
			top[n - b] = '\0';
		else if (strrchr(top, '/'))
			*strrchr(top, '/') = '\0';
	}
	snprintf(out, len, "%.4000s/.config", top);
	if (stat(out, &st) < 0 || !S_ISREG(st.st_mode))
		out[0] = '\0';
}

int kernel_resolve(const char *arg, struct kernel *out,
		   kernel_progress_fn progress, void *ctx,
		   char *msg, size_t msglen)
{
	char path[PATH_MAX];
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (!arg || !*arg)
		return errf(msg, msglen, "empty kernel path");
	if (!realpath(arg, path) || stat(path, &st) < 0)
		return errf(msg, msglen, "'%s': %s", arg, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (resolve_tree(path, out, progress, ctx, msg, msglen))
			return -1;
	} else if (!S_ISREG(st.st_mode)) {
		return errf(msg, msglen, "'%s': not a kernel: not a regular file or a directory", arg);
	} else if (resolve_file(path, out, progress, ctx, msg, msglen)) {
		return -1;
	}
	find_config(path, S_ISDIR(st.st_mode), out->config, sizeof(out->config));
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* kernel_resolve on bzImages, vmlinux files, build trees and things that
 * are not kernels (each must fail fast with the file named). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "kernels/kernels.h"

TestSuite(resolve, .init = fx_suite_init, .fini = fx_suite_fini, .timeout = 60);

static void write_bzimage(const char *path)
{
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true), len;
	uint8_t *img = fx_bzimage("zstd", elf, n, &len);

	fx_write(path, img, len);
	free(img);
}

static void resolve_ok(const char *path, struct kernel *k)
{
	char msg[512] = "";

	cr_assert_eq(kernel_resolve(path, k, NULL, NULL, msg, sizeof(msg)), 0, "%s: %s", path, msg);
}

/* mkdir -p fx_dir/rel. */
static void mkdirs(const char *rel)
{
	char p[600];
	size_t top = strlen(fx_dir);

	snprintf(p, sizeof(p), "%s/%s", fx_dir, rel);
	for (char *s = strchr(p + top + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	cr_assert_eq(mkdir(p, 0755), 0, "%s", p);
}

Test(resolve, random_file_fails_fast)
{
	char path[512], msg[512] = "", junk[8192];
	struct kernel k;
	clock_t t0 = clock();

	srand(1);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = rand();
	snprintf(path, sizeof(path), "%s/random.bin", fx_dir);
	fx_write(path, junk, sizeof(junk));
	cr_assert_eq(kernel_resolve(path, &k, NULL, NULL, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "random.bin"), "msg: %s", msg);
	cr_expect(strstr(msg, "not a kernel"), "msg: %s", msg);
	cr_expect(strstr(msg, "HdrS"), "msg: %s", msg);
	cr_expect_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 1.0);
}

Test(resolve, directory_without_kernel)
{
	char msg[512] = "";
	struct kernel k;

	cr_assert_eq(kernel_resolve(fx_dir, &k, NULL, NULL, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, fx_dir), "msg: %s", msg);
	cr_expect(strstr(msg, "arch/x86/boot/bzImage"), "msg: %s", msg);
}

Test(resolve, missing_path_and_fifo)
{
	char path[512], msg[512] = "";
	struct kernel k;

	snprintf(path, sizeof(path), "%s/nope", fx_dir);
	cr_assert_eq(kernel_resolve(path, &k, NULL, NULL, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "nope"), "msg: %s", msg);
	snprintf(path, sizeof(path), "%s/fifo", fx_dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(kernel_resolve(path, &k, NULL, NULL, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "not a regular file"), "msg: %s", msg);
	cr_assert_eq(kernel_resolve("/dev/null", &k, NULL, NULL, msg, sizeof(msg)), -1);
}

Test(resolve, elf_vmlinux)
{
	char path[512], msg[512] = "";
	struct kernel k;

	snprintf(path, sizeof(path), "%s/vmlinux", fx_dir);
	fx_write_elf(path, true, true);
	resolve_ok(path, &k);
	cr_expect_str_eq(k.vmlinux, path);
	cr_expect_str_eq(k.bzimage, "");
	cr_expect_str_eq(k.release, FX_RELEASE);
	cr_expect(k.has_btf && k.has_pvh);
	cr_assert_eq(kernel_resolve("/proc/self/exe", &k, NULL, NULL, msg, sizeof(msg)), -1);
}

Test(resolve, bzimage_extracts_once_into_cache)
{
	char path[512], first[4096];
	struct kernel k;
	struct stat st1, st2;

	snprintf(path, sizeof(path), "%s/bzImage", fx_dir);
	write_bzimage(path);
	resolve_ok(path, &k);
	cr_expect_str_eq(k.bzimage, path);
	cr_expect(strstr(k.vmlinux, "/cache/ktstr-run/extracted/"), "vmlinux: %s", k.vmlinux);
	cr_expect_str_eq(k.release, FX_RELEASE);
	cr_expect(k.has_btf && k.has_pvh);
	snprintf(first, sizeof(first), "%s", k.vmlinux);
	cr_assert_eq(stat(first, &st1), 0);
	resolve_ok(path, &k);
	cr_expect_str_eq(k.vmlinux, first);
	cr_assert_eq(stat(first, &st2), 0);
	cr_expect_eq(st1.st_ino, st2.st_ino, "the cached vmlinux was extracted again");
}

Test(resolve, build_tree)
{
	char tree[512], p[600], vml[4096], bz[4096];
	struct kernel k;

	snprintf(tree, sizeof(tree), "%s/linux", fx_dir);
	mkdirs("linux/arch/x86/boot");
	snprintf(p, sizeof(p), "%s/arch/x86/boot/bzImage", tree);
	write_bzimage(p);
	/* bzImage only: the vmlinux comes from the payload. */
	resolve_ok(tree, &k);
	cr_expect_str_eq(k.bzimage, p);
	cr_expect(strstr(k.vmlinux, "/extracted/"), "vmlinux: %s", k.vmlinux);
	/* With the tree's own vmlinux, that one is used. */
	snprintf(p, sizeof(p), "%s/vmlinux", tree);
	fx_write_elf(p, true, true);
	resolve_ok(tree, &k);
	cr_expect_str_eq(k.vmlinux, p);
	cr_expect(strstr(k.bzimage, "arch/x86/boot/bzImage"), "bzimage: %s", k.bzimage);
	cr_expect_str_eq(k.release, FX_RELEASE);
	cr_expect_str_eq(k.config, "", "no .config, none named");
	/* The tree's .config is found from the tree, its vmlinux and its bzImage. */
	snprintf(p, sizeof(p), "%s/.config", tree);
	fx_write(p, "CONFIG_X=y\n", 11);
	resolve_ok(tree, &k);
	cr_expect_str_eq(k.config, p);
	snprintf(vml, sizeof(vml), "%s", k.vmlinux);
	snprintf(bz, sizeof(bz), "%s", k.bzimage);
	resolve_ok(vml, &k);
	cr_expect_str_eq(k.config, p);
	resolve_ok(bz, &k);
	cr_expect_str_eq(k.config, p);
}

static void resolve_bz(const char *comp, char *vml, size_t len)
{
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true), blen;
	uint8_t *img = fx_bzimage(comp, elf, n, &blen);
	char path[512];
	struct kernel k;

	snprintf(path, sizeof(path), "%s/bzImage-%s", fx_dir, comp);
	fx_write(path, img, blen);
	free(img);
	resolve_ok(path, &k);
	snprintf(vml, len, "%s", k.vmlinux);
}

/* Each bzImage leaves a vmlinux in the cache: the least recently used go
 * once there are more than $KTSTR_KEEP_EXTRACTED. */
Test(resolve, extracted_cache_keeps_the_most_recently_used)
{
	char a[4096], b[4096], c[4096], again[4096];

	setenv("KTSTR_KEEP_EXTRACTED", "2", 1);
	resolve_bz("zstd", a, sizeof(a));
	resolve_bz("gzip", b, sizeof(b));
	cr_expect(access(a, F_OK) == 0 && access(b, F_OK) == 0, "two fit");
	resolve_bz("zstd", again, sizeof(again)); /* a is used again: b is older */
	cr_expect_str_eq(again, a);
	resolve_bz("xz", c, sizeof(c));
	cr_expect(access(c, F_OK) == 0, "the new one stays");
	cr_expect(access(a, F_OK) == 0, "the recently used one stays");
	cr_expect(access(b, F_OK) != 0, "the least recently used one is gone: %s", b);
	unsetenv("KTSTR_KEEP_EXTRACTED");
}

/* What <cache>/extracted/ holds, in one string ("" if empty or absent). */
static void extracted_entries(char *buf, size_t len)
{
	char root[512];
	struct dirent *de;
	DIR *d;

	snprintf(root, sizeof(root), "%s/cache/ktstr-run/extracted", fx_dir);
	buf[0] = '\0';
	d = opendir(root);
	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s ", de->d_name);
	if (d)
		closedir(d);
}

static void write_bz_of(const char *path, const uint8_t *payload, size_t n)
{
	size_t len;
	uint8_t *img = fx_bzimage("zstd", payload, n, &len);

	fx_write(path, img, len);
	free(img);
}

/* A payload that is an x86-64 ELF executable but no kernel: refused, and
 * the cache keeps nothing of it (it used to keep it for good, marked OK). */
Test(resolve, payload_that_is_not_a_kernel_is_not_cached)
{
	char path[512], msg[512] = "", left[1024];
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true);
	struct kernel k;

	memcpy(memmem(elf, n, "Linux version", 13), "Linux Version", 13);
	snprintf(path, sizeof(path), "%s/bzImage", fx_dir);
	write_bz_of(path, elf, n);
	cr_assert_eq(kernel_resolve(path, &k, NULL, NULL, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, path) && strstr(msg, "not a Linux kernel"), "msg: %s", msg);
	extracted_entries(left, sizeof(left));
	cr_expect_str_eq(left, "", "the cache kept: %s", left);
}

Test(resolve, failed_extraction_leaves_nothing_in_the_cache)
{
	char path[512], msg[512] = "", left[1024];
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true), len;
	uint8_t *img = fx_bzimage("zstd", elf, n, &len);
	struct kernel k;

	img[len - 10] ^= 0xff; /* inside the last block: corrupt, not truncated */
	snprintf(path, sizeof(path), "%s/bzImage", fx_dir);
	fx_write(path, img, len);
	free(img);
	cr_assert_eq(kernel_resolve(path, &k, NULL, NULL, msg, sizeof(msg)), -1);
	extracted_entries(left, sizeof(left));
	cr_expect_str_eq(left, "", "the cache kept: %s (msg: %s)", left, msg);
}

/* An entry marked OK whose vmlinux is not a kernel (left by an older
 * ktstr-run, or damaged) is not trusted: it is extracted again. */
Test(resolve, cached_entry_that_is_not_a_kernel_is_made_again)
{
	char path[512], vml[4096];
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true);
	struct kernel k;

	snprintf(path, sizeof(path), "%s/bzImage", fx_dir);
	write_bzimage(path);
	resolve_ok(path, &k);
	snprintf(vml, sizeof(vml), "%s", k.vmlinux);
	memcpy(memmem(elf, n, "Linux version", 13), "Linux Version", 13);
	fx_write(vml, elf, n);
	resolve_ok(path, &k);
	cr_expect_str_eq(k.vmlinux, vml);
	cr_expect_str_eq(k.release, FX_RELEASE);
}

static void truncate_it(const char *what, void *ctx)
{
	(void)what;
	cr_assert_eq(truncate(ctx, 0), 0);
}

/* The bzImage is read once: hashed and extracted from the same bytes, so
 * a file truncated (or rewritten) meanwhile changes nothing. It was
 * mapped twice, and a truncation raised SIGBUS. */
Test(resolve, bzimage_truncated_during_extraction)
{
	char path[512], msg[512] = "";
	struct kernel k;

	snprintf(path, sizeof(path), "%s/bzImage", fx_dir);
	write_bzimage(path);
	cr_assert_eq(kernel_resolve(path, &k, truncate_it, path, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_str_eq(k.release, FX_RELEASE);
	cr_expect(k.has_btf && k.has_pvh);
}

/* A work directory of an extraction that died (even one that got as far
 * as its OK marker) is never taken for an entry, and goes after an hour. */
Test(resolve, dead_work_directory_is_pruned)
{
	char work[512], p[600], vml[4096];
	struct timespec old[2] = { { time(NULL) - 7200, 0 }, { time(NULL) - 7200, 0 } };

	snprintf(work, sizeof(work), "%s/cache/ktstr-run/extracted/tmp-dead01", fx_dir);
	mkdirs("cache/ktstr-run/extracted");
	cr_assert_eq(mkdir(work, 0755), 0);
	snprintf(p, sizeof(p), "%s/OK", work);
	fx_write(p, "x", 1);
	utimensat(AT_FDCWD, p, old, 0);
	utimensat(AT_FDCWD, work, old, 0);
	resolve_bz("zstd", vml, sizeof(vml));
	cr_expect_neq(access(work, F_OK), 0, "%s is still there", work);
}

/* A .config that is not a regular file is not the build's .config. */
Test(resolve, config_that_is_a_device_is_not_used)
{
	char p[600];
	struct kernel k;

	snprintf(p, sizeof(p), "%s/vmlinux", fx_dir);
	fx_write_elf(p, true, true);
	snprintf(p, sizeof(p), "%s/.config", fx_dir);
	cr_assert_eq(symlink("/dev/zero", p), 0);
	resolve_ok(fx_dir, &k);
	cr_expect_str_eq(k.config, "");
}

// SPDX-License-Identifier: GPL-2.0-only
/* bzimage_inspect and bzimage_extract_vmlinux on synthetic bzImages. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixtures.h"
#include "kernels/kernels.h"

TestSuite(bzimage, .init = fx_suite_init, .fini = fx_suite_fini, .timeout = 60);

static uint8_t *image(const char *comp, size_t *len)
{
	uint8_t elf[4096];
	size_t n = fx_elf(elf, true, true);

	return fx_bzimage(comp, elf, n, len);
}

/* The ELF under zstd in a bzImage whose size trailer says size (0: the
 * ELF's own size) and whose header says init_size. */
static uint8_t *image_claiming(uint32_t size, uint32_t init_size, size_t *len)
{
	uint8_t elf[4096], c[8192];
	size_t n = fx_elf(elf, true, true);
	size_t clen = fx_compress("zstd", elf, n, c, sizeof(c));

	return fx_bzimage_wrap(c, clen, true, size ? size : n, init_size, len);
}

/* bzimage_inspect refuses img, saying words. */
static void inspect_refused(const uint8_t *img, size_t len, const char *words)
{
	struct bzimage_info bi;
	char msg[256] = "";

	cr_assert_eq(bzimage_inspect(img, len, &bi, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, words), "msg: %s", msg);
}

Test(bzimage, inspect_each_compression)
{
	static const char *const comps[] = { "zstd", "gzip", "xz" };

	for (int i = 0; i < 3; i++) {
		struct bzimage_info bi;
		char msg[256] = "";
		size_t len;
		uint8_t *img = image(comps[i], &len);

		cr_assert_eq(bzimage_inspect(img, len, &bi, msg, sizeof(msg)), 0,
			     "%s: %s", comps[i], msg);
		cr_expect_eq(bi.version, 0x020f);
		cr_expect_eq(bi.setup_size, 1024);
		cr_expect_eq(bi.payload_offset, 0x100);
		cr_expect_str_eq(bi.compression, comps[i]);
		cr_expect_str_eq(bi.version_string, FX_RELEASE " (test@ktstr) #1");
		free(img);
	}
}

Test(bzimage, truncated_file)
{
	size_t len;
	uint8_t *img = image("zstd", &len);

	inspect_refused(img, len - 10, "truncated");
	inspect_refused(img, 300, "too short");
	free(img);
}

Test(bzimage, wrong_magic)
{
	size_t len;
	uint8_t *img = image("zstd", &len);

	memcpy(img + 0x202, "HdrX", 4);
	inspect_refused(img, len, "HdrS");
	free(img);
}

Test(bzimage, random_bytes)
{
	static uint8_t junk[65536];

	srand(42);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = rand();
	inspect_refused(junk, sizeof(junk), "HdrS");
	/* A header that claims a payload far beyond the end of the file. */
	memcpy(junk + 0x202, "HdrS", 4);
	junk[0x206] = 0x0f, junk[0x207] = 0x02, junk[0x211] = 1;
	junk[0x1fe] = 0x55, junk[0x1ff] = 0xaa, junk[0x1f1] = 4;
	memset(junk + 0x24c, 0xff, 4);
	inspect_refused(junk, sizeof(junk), "truncated or corrupt");
}

/* Writes img as dir/bzImage and extracts it to dir/vmlinux; with fsize,
 * the process may write no file bigger than that (a guard: writing more
 * fails with EFBIG instead of filling the disk). */
static int extract(const uint8_t *img, size_t len, size_t fsize, char *msg, size_t msglen)
{
	char bz[512], out[512];
	int ret;

	snprintf(bz, sizeof(bz), "%s/bzImage", fx_dir);
	snprintf(out, sizeof(out), "%s/vmlinux", fx_dir);
	fx_write(bz, img, len);
	if (fsize) {
		signal(SIGXFSZ, SIG_IGN);
		cr_assert_eq(setrlimit(RLIMIT_FSIZE, &(struct rlimit){ fsize, fsize }), 0);
	}
	ret = bzimage_extract_vmlinux(bz, out, NULL, NULL, msg, msglen);
	if (ret)
		cr_expect_neq(access(out, F_OK), 0, "a refused payload left %s", out);
	return ret;
}

/* Payload bigger than the 1 MiB decompression chunk: the ELF, then noise. */
static uint8_t *big_payload(size_t *n)
{
	size_t len = 3u << 20;
	uint8_t *p = malloc(len);

	fx_elf(p, true, true);
	srand(7);
	for (size_t i = 4096; i < len; i++)
		p[i] = (i & 64) ? rand() : (uint8_t)i;
	*n = len;
	return p;
}

static void round_trip(const char *comp)
{
	char bz[512], out[512], msg[512] = "";
	size_t plen, len;
	uint8_t *payload = big_payload(&plen);
	uint8_t *img = fx_bzimage(comp, payload, plen, &len);
	struct stat st;
	FILE *f;
	uint8_t *got;

	snprintf(bz, sizeof(bz), "%s/bzImage-%s", fx_dir, comp);
	snprintf(out, sizeof(out), "%s/vmlinux-%s", fx_dir, comp);
	fx_write(bz, img, len);
	cr_assert_eq(bzimage_extract_vmlinux(bz, out, NULL, NULL, msg, sizeof(msg)), 0,
		     "%s: %s", comp, msg);
	cr_assert_eq(stat(out, &st), 0);
	cr_assert_eq((size_t)st.st_size, plen, "%s: %zu bytes, want %zu", comp,
		     (size_t)st.st_size, plen);
	got = malloc(plen);
	f = fopen(out, "rb");
	cr_assert(f && fread(got, 1, plen, f) == plen);
	fclose(f);
	cr_expect(!memcmp(got, payload, plen), "%s: content differs", comp);
	free(got);
	free(img);
	free(payload);
}

Test(bzimage, extract_zstd)
{
	round_trip("zstd");
}

Test(bzimage, extract_gzip)
{
	round_trip("gzip");
}

Test(bzimage, extract_xz)
{
	round_trip("xz");
}

static void progress(const char *what, void *ctx)
{
	snprintf(ctx, 256, "%s", what);
}

Test(bzimage, extract_reports_progress)
{
	char bz[512], out[512], msg[256] = "", seen[256] = "";
	size_t len;
	uint8_t *img = image("zstd", &len);

	snprintf(bz, sizeof(bz), "%s/bzImage", fx_dir);
	snprintf(out, sizeof(out), "%s/vmlinux", fx_dir);
	fx_write(bz, img, len);
	cr_assert_eq(bzimage_extract_vmlinux(bz, out, progress, seen, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_expect(strstr(seen, "extracting vmlinux"), "progress: %s", seen);
	free(img);
}

Test(bzimage, corrupt_payload_leaves_no_output)
{
	char bz[512], msg[512] = "";
	size_t plen, len;
	uint8_t *payload = big_payload(&plen);
	uint8_t *img = fx_bzimage("zstd", payload, plen, &len);

	/* The frame header descriptor, with its reserved bit set. */
	img[1024 + 0x100 + 4] = 0xff;
	cr_assert_eq(extract(img, len, 0, msg, sizeof(msg)), -1);
	snprintf(bz, sizeof(bz), "%s/bzImage", fx_dir);
	cr_expect(strstr(msg, bz), "msg names the file: %s", msg);
	free(img);
	free(payload);
}

Test(bzimage, size_trailer_mismatch)
{
	char msg[512] = "";
	size_t len;
	uint8_t *img = image("zstd", &len);

	img[len - 4] ^= 1;
	cr_assert_eq(extract(img, len, 0, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "trailer"), "msg: %s", msg);
	free(img);
}

Test(bzimage, extract_lzma)
{
	round_trip("lzma");
}

/* An lzma header asking for a dictionary of almost 4 GiB: refused before
 * liblzma allocates it (the kernel's lzma -9 uses 64 MiB). */
Test(bzimage, lzma_4gib_dictionary_is_refused)
{
	uint8_t elf[4096], c[8192];
	size_t n = fx_elf(elf, true, true), clen, len;
	uint8_t *img;
	char msg[512] = "";

	clen = fx_compress("lzma", elf, n, c, sizeof(c));
	cr_assert_gt(clen, 13);
	memcpy(c + 1, "\x00\x00\xff\xff", 4); /* dict_size 0xffff0000 */
	img = fx_bzimage_wrap(c, clen, true, n, fx_init_size(n), &len);
	cr_assert_eq(extract(img, len, 0, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "dictionary"), "msg: %s", msg);
	cr_expect(strstr(msg, "4096 MiB") && strstr(msg, "128 MiB"), "msg names need and limit: %s", msg);
	free(img);
}

/* A zstd frame whose window is 2 GiB: refused (the kernel's zstd -22
 * uses 2^27 = 128 MiB). */
Test(bzimage, zstd_2gib_window_is_refused)
{
	uint8_t elf[4096], c[8192] = { 0x28, 0xb5, 0x2f, 0xfd,
				       0x00,           /* no checksum, no content size */
				       (31 - 10) << 3 }; /* window 2^31 */
	size_t n = fx_elf(elf, true, true), len;
	uint32_t bh = 1 | (uint32_t)n << 3;            /* last, raw, n bytes */
	uint8_t *img;
	char msg[512] = "";

	memcpy(c + 6, &bh, 3);
	memcpy(c + 9, elf, n);
	img = fx_bzimage_wrap(c, 9 + n, true, n, fx_init_size(n), &len);
	cr_assert_eq(extract(img, len, 0, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "window") && strstr(msg, "128 MiB"), "msg: %s", msg);
	free(img);
}

/* 32 MiB of zeros behind a small header: not an ELF, which is seen in the
 * first bytes, not after writing it all. */
Test(bzimage, non_elf_output_stops_at_the_first_bytes)
{
	size_t plen = 32u << 20, clen, len;
	uint8_t *zeros = calloc(1, plen), *c = malloc(1u << 20), *img;
	char msg[512] = "";

	clen = fx_compress("zstd", zeros, plen, c, 1u << 20);
	cr_assert_gt(clen, 0);
	img = fx_bzimage_wrap(c, clen, true, plen, fx_init_size(plen), &len);
	cr_assert_eq(extract(img, len, 1u << 20, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "not an ELF"), "msg: %s", msg);
	free(img);
	free(c);
	free(zeros);
}

/* An ELF header, then 32 MiB of zeros, but a trailer saying 4096 bytes:
 * refused once the output passes 4096 bytes. */
Test(bzimage, output_beyond_the_trailer_is_refused_at_once)
{
	size_t plen = 32u << 20, clen, len;
	uint8_t *p = calloc(1, plen), *c = malloc(1u << 20), *img;
	char msg[512] = "";

	fx_elf(p, true, true);
	clen = fx_compress("zstd", p, plen, c, 1u << 20);
	cr_assert_gt(clen, 0);
	img = fx_bzimage_wrap(c, clen, true, 4096, fx_init_size(4096), &len);
	cr_assert_eq(extract(img, len, 1u << 20, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "more than") && strstr(msg, "4096 bytes") && strstr(msg, "trailer"),
		  "msg: %s", msg);
	free(img);
	free(c);
	free(p);
}

/* A kernel decompresses itself inside init_size: a trailer beyond it is a
 * lie, refused before decompressing. */
Test(bzimage, trailer_beyond_init_size_is_refused)
{
	size_t len;
	uint8_t *img = image_claiming(0, 1024, &len);
	char msg[512] = "";
	struct bzimage_info bi;

	cr_assert_eq(bzimage_inspect(img, len, &bi, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(bi.init_size, 1024);
	cr_assert_eq(extract(img, len, 0, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "init_size") && strstr(msg, "1024"), "msg: %s", msg);
	free(img);
}

/* No kernel is over 1 GiB (x86-64's KERNEL_IMAGE_SIZE), whatever the
 * header says. */
Test(bzimage, trailer_beyond_1gib_is_refused)
{
	size_t len;
	uint8_t *img = image_claiming(0x50000000u, 0xf0000000u, &len);
	char msg[512] = "";

	cr_assert_eq(extract(img, len, 0, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "1342177280") && strstr(msg, "1 GiB"), "msg: %s", msg);
	free(img);
}

/* A dictionary bigger than the whole output (1 MiB for 1.3 kB) is cut to
 * the output's size; the payload decodes the same. */
Test(bzimage, lzma_dictionary_beyond_the_output_decodes)
{
	char bz[512], out[512], msg[512] = "";
	uint8_t elf[4096], got[4096];
	size_t n = fx_elf(elf, true, true), len;
	uint8_t *img = fx_bzimage("lzma", elf, n, &len);
	FILE *f;

	snprintf(bz, sizeof(bz), "%s/bzImage", fx_dir);
	snprintf(out, sizeof(out), "%s/vmlinux", fx_dir);
	fx_write(bz, img, len);
	cr_assert_eq(bzimage_extract_vmlinux(bz, out, NULL, NULL, msg, sizeof(msg)), 0, "%s", msg);
	f = fopen(out, "rb");
	cr_assert(f && fread(got, 1, sizeof(got), f) == n);
	fclose(f);
	cr_expect(!memcmp(got, elf, n));
	free(img);
}

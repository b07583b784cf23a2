// SPDX-License-Identifier: GPL-2.0-only
/* The x86 bzImage: setup header checks (Documentation/arch/x86/boot.rst)
 * and decompression of the payload into the ELF vmlinux. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/internal.h"

#define OFF_SETUP_SECTS 0x1f1
#define OFF_BOOT_FLAG 0x1fe
#define OFF_HEADER 0x202
#define OFF_VERSION 0x206
#define OFF_KERNEL_VERSION 0x20e
#define OFF_LOADFLAGS 0x211
#define OFF_PAYLOAD_OFFSET 0x248
#define OFF_PAYLOAD_LENGTH 0x24c
#define HDR_END 0x250
#define OFF_INIT_SIZE 0x260 /* protocol 2.10+, inside the setup (>= 1024 bytes) */

static uint16_t le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static const char *payload_kind(const uint8_t *p, size_t n)
{
	static const struct {
		const char *name;
		uint8_t magic[6];
		size_t len;
	} kinds[] = {
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
		{ "gzip", { 0x1f, 0x8b }, 2 },
		{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
		{ "lzma", { 0x5d, 0, 0 }, 3 },
		{ "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4 },
		{ "bzip2", { 'B', 'Z', 'h' }, 3 },
		{ "lzo", { 0x89, 'L', 'Z', 'O' }, 4 },
		{ "none", { 0x7f, 'E', 'L', 'F' }, 4 },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (n >= kinds[i].len && !memcmp(p, kinds[i].magic, kinds[i].len))
			return kinds[i].name;
	return "?";
}

/* The NUL-terminated version string the kernel_version field points to. */
static void version_string(const uint8_t *img, struct bzimage_info *info)
{
	uint16_t ptr = le16(img + OFF_KERNEL_VERSION);
	size_t off = (size_t)ptr + 0x200, i;

	info->version_string[0] = '\0';
	if (!ptr || off >= info->setup_size)
		return;
	for (i = 0; i + 1 < sizeof(info->version_string) &&
		    off + i < info->setup_size && img[off + i]; i++)
		info->version_string[i] = img[off + i] >= 0x20 && img[off + i] < 0x7f ?
					  img[off + i] : '?';
	info->version_string[i] = '\0';
}

int bzimage_inspect(const uint8_t *img, size_t len, struct bzimage_info *info,
		    char *msg, size_t msglen)
{
	uint8_t sects;
	uint64_t end;

	memset(info, 0, sizeof(*info));
	if (len < HDR_END)
		return errf(msg, msglen, "too short for a bzImage (%zu bytes, the setup header alone needs %u)",
			    len, HDR_END);
	if (memcmp(img + OFF_HEADER, "HdrS", 4))
		return errf(msg, msglen, "no bzImage setup header (no 'HdrS' magic at 0x202)");
	info->version = le16(img + OFF_VERSION);
	if (info->version < 0x0208)
		return errf(msg, msglen, "boot protocol %u.%02u is too old (2.08 or later is needed for the payload fields)",
			    info->version >> 8, info->version & 0xff);
	if (le16(img + OFF_BOOT_FLAG) != 0xaa55)
		return errf(msg, msglen, "bad boot_flag 0x%04x at 0x1fe (expected 0xaa55)",
			    le16(img + OFF_BOOT_FLAG));
	if (!(img[OFF_LOADFLAGS] & 1))
		return errf(msg, msglen, "not a bzImage (loadflags LOADED_HIGH clear: a zImage)");
	sects = img[OFF_SETUP_SECTS] ? img[OFF_SETUP_SECTS] : 4;
	info->setup_size = (sects + 1u) * 512;
	info->payload_offset = le32(img + OFF_PAYLOAD_OFFSET);
	info->payload_length = le32(img + OFF_PAYLOAD_LENGTH);
	if (info->setup_size > len)
		return errf(msg, msglen, "truncated: setup of %u bytes but the file has %zu",
			    info->setup_size, len);
	if (info->version >= 0x020a)
		info->init_size = le32(img + OFF_INIT_SIZE);
	version_string(img, info);
	end = (uint64_t)info->setup_size + info->payload_offset + info->payload_length;
	if (info->payload_length < 8 || end > len)
		return errf(msg, msglen, "truncated or corrupt: payload at 0x%llx+%u bytes ends at %llu but the file has %zu bytes",
			    (unsigned long long)info->setup_size + info->payload_offset,
			    info->payload_length, (unsigned long long)end, len);
	snprintf(info->compression, sizeof(info->compression), "%s",
		 payload_kind(img + info->setup_size + info->payload_offset,
			      info->payload_length));
	return 0;
}

/* The first bytes of the output: refused unless an x86-64 vmlinux starts
 * there, before anything is written. */
static int payload_head(const uint8_t *p, size_t n, char *msg, size_t msglen)
{
	char why[256];

	if (vmlinux_check_header(p, n, why, sizeof(why)))
		return errf(msg, msglen, "the decompressed payload is not an x86-64 vmlinux: %s", why);
	return 0;
}

/* The payload's decompressed size: its size trailer (gzip's own ISIZE is
 * the same 4 bytes), which the kernel build appends. The kernel
 * decompresses itself inside init_size, so a trailer beyond it is a lie;
 * either beyond KERNEL_MAX_IMAGE is no kernel. */
static int payload_size(const uint8_t *p, const struct bzimage_info *bi,
			uint32_t *size, char *msg, size_t msglen)
{
	*size = le32(p + bi->payload_length - 4);
	if (*size > KERNEL_MAX_IMAGE)
		return errf(msg, msglen, "the payload's size trailer says %u bytes, more than a kernel can be (1 GiB)",
			    *size);
	if (bi->version >= 0x020a && *size > bi->init_size)
		return errf(msg, msglen, "the payload's size trailer says %u bytes, more than the setup header's init_size (%u) the kernel decompresses itself in",
			    *size, bi->init_size);
	return 0;
}

/* Decompress into fd, no more than the size trailer gives. */
static int extract_to(const uint8_t *img, const struct bzimage_info *bi, int fd,
		      kernel_progress_fn progress, void *ctx,
		      char *msg, size_t msglen)
{
	const uint8_t *p = img + bi->setup_size + bi->payload_offset;
	size_t n = bi->payload_length;
	bool is_none = !strcmp(bi->compression, "none");
	struct kdecomp_to to = { .fd = fd, .head = payload_head };
	uint32_t want = n;
	uint64_t got;
	char hs[32];

	if (!strcmp(bi->compression, "?"))
		return errf(msg, msglen, "unknown payload format (it starts %02x %02x %02x %02x; zstd, gzip, xz and lzma are supported)",
			    p[0], p[1], p[2], p[3]);
	if (!is_none && payload_size(p, bi, &want, msg, msglen))
		return -1;
	to.max = want;
	to.max_what = is_none ? "the payload holds" : "its size trailer gives";
	khuman_size(want, hs, sizeof(hs));
	kprog(progress, ctx, "extracting vmlinux (%s, %s payload)", hs, bi->compression);
	/* gzip's own trailer is those 4 bytes; other formats get them appended
	 * after the stream, which zstd would misread as a new frame. */
	if (strcmp(bi->compression, "gzip") && !is_none)
		n -= 4;
	if (kdecompress(bi->compression, p, n, &to, &got, msg, msglen))
		return -1;
	if (got != want)
		return errf(msg, msglen, "payload decompressed to %llu bytes but its trailer says %u",
			    (unsigned long long)got, want);
	return 0;
}

int kbzimage_extract(const char *name, const uint8_t *img, size_t len,
		     const char *out_path, kernel_progress_fn progress, void *ctx,
		     char *msg, size_t msglen)
{
	struct bzimage_info bi;
	char tmp[4200], why[512];
	int fd;

	if (bzimage_inspect(img, len, &bi, why, sizeof(why)))
		return errf(msg, msglen, "'%s': %s", name, why);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", out_path, (int)getpid());
	unlink(tmp); /* a leftover of a dead process with our pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errf(msg, msglen, "creating '%s': %s", tmp, strerror(errno));
	if (extract_to(img, &bi, fd, progress, ctx, why, sizeof(why))) {
		errf(msg, msglen, "'%s': %s", name, why);
		close(fd);
		goto err_unlink;
	}
	if (close(fd) < 0) {
		errf(msg, msglen, "writing '%s': %s", tmp, strerror(errno));
		goto err_unlink;
	}
	if (rename(tmp, out_path) < 0) {
		errf(msg, msglen, "renaming to '%s': %s", out_path, strerror(errno));
		goto err_unlink;
	}
	return 0;
err_unlink:
	unlink(tmp);
	return -1;
}

int bzimage_extract_vmlinux(const char *bzimage_path, const char *out_path,
			    kernel_progress_fn progress, void *ctx,
			    char *msg, size_t msglen)
{
	uint8_t *img;
	size_t len;
	int ret;

	if (kread_file(bzimage_path, KERNEL_MAX_IMAGE, &img, &len, msg, msglen))
		return -1;
	ret = kbzimage_extract(bzimage_path, img, len, out_path, progress, ctx, msg, msglen);
	free(img);
	return ret;
}

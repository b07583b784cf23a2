/* SPDX-License-Identifier: GPL-2.0-only */
/* What the kernels/ files share and the public API does not show, by the
 * file that defines it. Calls run one way, no file reaches back up:
 * fetch.c -> apt.c -> apt_sources.c -> debver.c; fetch.c, resolve.c ->
 * cache.c, bzimage.c, vmlinux.c; cache.c -> vmlinux.c, debver.c;
 * bzimage.c -> decompress.c, vmlinux.c; all of them -> util.c, which
 * calls nothing of ours. */
#ifndef KTSTR__KERNELS_INTERNAL_H
#define KTSTR__KERNELS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernels/kernels.h"
#include "lib/err.h"
#include "lib/file.h"

/* --- util.c: messages, files, child processes --- */

void kprog(kernel_progress_fn progress, void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "13.6 MB" */
void khuman_size(uint64_t bytes, char *buf, size_t len);

/* A whole file of at most max bytes (lib/file.h: regular files and FIFOs,
 * read once), read into *buf (malloc'd, *len bytes). Read, not mapped: the
 * caller keeps what it read however the file changes. An empty file is
 * refused. 0 or -1 with msg. */
int kread_file(const char *path, size_t max, uint8_t **buf, size_t *len,
	       char *msg, size_t msglen);

int kmkdir_p(const char *path, char *msg, size_t msglen);
int krm_rf(const char *path);
bool kfile_exists(const char *path);
/* Copy src to dst through dst.tmp + rename. */
int kcopy_file(const char *src, const char *dst, char *msg, size_t msglen);
/* Write a string to path through path.tmp + rename. */
int kwrite_str(const char *path, const char *s, char *msg, size_t msglen);
/* The next line of f into buf (newline kept); false at the end. A line
 * longer than buf is consumed whole and reported by *too_long, never
 * split into pieces that would read as lines of their own. */
bool kgetline(FILE *f, char *buf, size_t len, bool *too_long);
/* FNV-1a 64 over the whole buffer: the extracted-vmlinux cache key. */
uint64_t khash(const uint8_t *p, size_t len);

/* Run argv (argv[0] looked up in PATH) in cwd (NULL: ours). stdout is
 * returned in *out (malloc'd, NUL-terminated; NULL to discard); the tail of
 * stderr in err. Returns the exit status, or -1 if it could not run. */
int krun(char *const argv[], const char *cwd, char **out,
	 char *err, size_t errlen);

/* --- decompress.c --- */

/* The largest window a kernel build's compressor uses (zstd -22 --ultra:
 * 2^27; lzma -9: 64 MiB; xz: 32 MiB); a payload asking for more is
 * refused before the decoder allocates it. */
#define KDECOMP_MAX_WINDOW (128u << 20)
/* How many bytes of the output `head` sees before any is written. */
#define KDECOMP_HEAD 64

/* Where kdecompress writes: fd, at most max bytes (more is refused as "more
 * than the <max> bytes <max_what>"); head, if set, sees the first
 * KDECOMP_HEAD bytes (all of them if the output is shorter) before any
 * byte is written and may refuse them (-1 with msg). */
struct kdecomp_to {
	int fd;
	uint64_t max;
	const char *max_what;
	int (*head)(const uint8_t *p, size_t n, char *msg, size_t msglen);
};

/* Decompress one compressed stream ("zstd", "gzip", "xz", "lzma", or
 * "none": a copy) from in to `to`; stops at the end of the first stream
 * and ignores what follows. *outlen gets the bytes accepted. Returns 0 or
 * -1 with msg. */
int kdecompress(const char *comp, const uint8_t *in, size_t inlen,
		const struct kdecomp_to *to, uint64_t *outlen,
		char *msg, size_t msglen);

/* --- bzimage.c, vmlinux.c --- */

/* bzimage_extract_vmlinux on an image already read; name (its file)
 * begins the messages. */
int kbzimage_extract(const char *name, const uint8_t *img, size_t len,
		     const char *out_path, kernel_progress_fn progress, void *ctx,
		     char *msg, size_t msglen);
/* vmlinux_inspect with the reason alone in why, not after the path. */
int kvmlinux_inspect(const char *path, struct vmlinux_info *info,
		     char *why, size_t whylen);

/* --- debver.c --- */

/* Debian version comparison (dpkg semantics): <0, 0, >0. */
int deb_vercmp(const char *a, const char *b);

/* --- fetch.c --- */

/* The .config of release rel in Debian package deb (usr/lib/modules/<rel>/
 * config, or boot/config-<rel> of older packages), unpacked under work
 * and copied to out (through out.tmp). 0; -ENOENT with msg if deb holds
 * neither; -1 with msg on failure. */
int kdeb_config(const char *deb, const char *rel, const char *work, const char *out,
		char *msg, size_t msglen);

/* --- cache.c --- */

/* <cache>/<fmt...>, the cache directory made if missing. 0 or -1 with msg. */
int kcache_path(char *buf, size_t len, char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Fill out from <cache>/kernels/<rel>/ if it holds a complete kernel. */
int kcache_load(const char *reldir, struct kernel *out);

#endif

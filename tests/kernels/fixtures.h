/* SPDX-License-Identifier: GPL-2.0-only */
/* Synthetic kernels for the kernels/ tests: a tiny x86-64 ELF "vmlinux"
 * and bzImages wrapping it in a zstd, gzip or xz payload. */
#ifndef KTSTR__TESTS_KERNELS_FIXTURES_H
#define KTSTR__TESTS_KERNELS_FIXTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FX_RELEASE "6.99.0-ktstr-test"
#define FX_PVH_ENTRY 0x01000160u

/* Writes the ELF into buf (at least 4096 bytes); returns its size. */
size_t fx_elf(uint8_t *buf, bool btf, bool pvh);

/* fx_elf's ELF written to path. */
void fx_write_elf(const char *path, bool btf, bool pvh);

/* A bzImage around payload compressed with comp ("zstd", "gzip", "xz",
 * "lzma"); malloc'd, size in *len. The kernel build's 4-byte size trailer
 * is appended (gzip carries it in its own trailer); init_size is
 * fx_init_size(plen). */
uint8_t *fx_bzimage(const char *comp, const uint8_t *payload, size_t plen,
		    size_t *len);
/* comp's compression of in into out; its size, 0 if it failed. */
size_t fx_compress(const char *comp, const uint8_t *in, size_t n,
		   uint8_t *out, size_t cap);
/* A bzImage around an already compressed payload: `size` is appended as
 * the size trailer if trailer is set; the header says init_size. */
uint8_t *fx_bzimage_wrap(const uint8_t *cpayload, size_t clen, bool trailer,
			 uint32_t size, uint32_t init_size, size_t *len);
/* The init_size a kernel build gives a payload of plen bytes. */
uint32_t fx_init_size(size_t plen);

/* A fresh directory under /tmp; XDG_CACHE_HOME points into it. */
void fx_tmpdir(char *buf, size_t len);
void fx_rm_rf(const char *path);
/* A suite's .init and .fini: fx_dir is a fresh fx_tmpdir for each test. */
extern char fx_dir[256];
void fx_suite_init(void);
void fx_suite_fini(void);
void fx_write(const char *path, const void *p, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* Where guest kernels come from: the default kernel cache (fetched with
 * apt-get download), user bzImage / vmlinux files and kernel build trees. */
#ifndef KTSTR__KERNELS_KERNELS_H
#define KTSTR__KERNELS_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A kernel ready to boot. Paths are absolute. */
struct kernel {
	char release[128];   /* "7.3.4+deb13-cloud-amd64", or from the image */
	char bzimage[4096];  /* "" if none (a bare vmlinux was given) */
	char vmlinux[4096];  /* ELF vmlinux (PVH entry), "" if not available */
	char modules_deb[4096]; /* default kernel only: the modules package */
	char config[4096];   /* the build's .config if known: a build tree's,
				the one beside a given file, or the default
				kernel's from its package; "" if none */
	bool has_btf;        /* the vmlinux has a .BTF section */
	bool has_pvh;        /* the vmlinux has the Xen PVH entry note */
};

/* Progress callback for long work (download, decompression). */
typedef void (*kernel_progress_fn)(const char *what, void *ctx);

/* $XDG_CACHE_HOME/ktstr-run, else $HOME/.cache/ktstr-run, else the passwd
 * entry's home; created on demand. With none of them, refused (no shared
 * fallback). Returns 0 or -1 with msg. */
int kernel_cache_dir(char *buf, size_t len, char *msg, size_t msglen);

/* Fetch the default kernel and its .config into the cache (no-op if
 * present and valid, but for a .config missing from the cache, which is
 * fetched or said to be missing; with update, ask the archive for its
 * newest and fetch that unless it is cached already: the newest cached
 * release is the default). Uses a private apt state directory; the
 * archive address comes from the machine's own apt sources. */
int kernel_fetch_default(struct kernel *out, bool update, kernel_progress_fn progress,
			 void *ctx, char *msg, size_t msglen);

/* The default kernel if cached. Returns 0, or -ENOENT if not cached. */
int kernel_default_cached(struct kernel *out);

/* The .config of the cached default kernel k into k->config: kept at
 * <cache>/kernels/<REL>/config by the fetch (from linux-base-<REL>, or
 * linux-image-<REL> for older kernels). A kernel cached without one gets
 * it now, from its cached package or the archive (about a megabyte); a
 * failed try is remembered and, unless ask_archive, not repeated (the
 * next 'kernel fetch' repeats it). 0, or -1 with msg. */
int kernel_default_config(struct kernel *k, bool ask_archive, kernel_progress_fn progress,
			  void *ctx, char *msg, size_t msglen);

/* Resolve a user --kernel argument: a bzImage, an ELF vmlinux, or a kernel
 * build tree (arch/x86/boot/bzImage + vmlinux). Checks the files really are
 * kernels. Returns 0 or -1 with msg filled (what the file is, why it is not
 * usable). An extracted vmlinux is cached by content hash; the cache keeps
 * the KERNEL_KEEP_EXTRACTED most recently used ($KTSTR_KEEP_EXTRACTED). */
#define KERNEL_KEEP_EXTRACTED 4
int kernel_resolve(const char *arg, struct kernel *out,
		   kernel_progress_fn progress, void *ctx,
		   char *msg, size_t msglen);

/* A kernel option a run needs built in, and what for. */
struct kernel_option {
	const char *name; /* "CONFIG_VIRTIO_CONSOLE" */
	const char *why;  /* "the report channel" */
};

/* How many of want[] the .config at `config` does not set to y (a module
 * counts as missing: the guest loads no modules); out lists them with why.
 * -errno if the file cannot be read. */
int kernel_config_lacks(const char *config, const struct kernel_option *want, size_t n,
			char *out, size_t len);

/* List cached kernels to stdout. */
int kernel_list(void);

/* --- lower level, unit tested --- */

/* The most a kernel image can span on x86-64 (KERNEL_IMAGE_SIZE with
 * KASLR): no bzImage or decompressed payload is accepted beyond it. */
#define KERNEL_MAX_IMAGE (1u << 30)

/* Inspect a bzImage: setup header sanity, version, payload location.
 * Returns 0 or -1 with msg. */
struct bzimage_info {
	uint16_t version;         /* boot protocol */
	uint32_t setup_size;      /* bytes of real-mode setup */
	uint32_t init_size;       /* memory the kernel decompresses itself in
				     (protocol 2.10+; 0 before) */
	uint32_t payload_offset;  /* from start of protected-mode code */
	uint32_t payload_length;
	char compression[8];      /* "zstd", "gzip", "xz", "lzma", "lz4", "none", "?" */
	char version_string[256]; /* "7.3.4+deb13-cloud-amd64 (...)" */
};
int bzimage_inspect(const uint8_t *img, size_t len, struct bzimage_info *info,
		    char *msg, size_t msglen);

/* Decompress the bzImage payload into an ELF vmlinux at out_path (through
 * a temporary file; nothing is left on failure). The output must be an
 * x86-64 ELF executable from its first bytes on, and no longer than the
 * payload's size trailer, which must fit in init_size and KERNEL_MAX_IMAGE;
 * the decoder may use 128 MiB. Returns 0 or -1 with msg. */
int bzimage_extract_vmlinux(const char *bzimage_path, const char *out_path,
			    kernel_progress_fn progress, void *ctx,
			    char *msg, size_t msglen);

/* Inspect an ELF vmlinux: is it x86-64 ELF, has .BTF, PVH note, release
 * string ("Linux version X ..."). Returns 0 or -1 with msg. */
struct vmlinux_info {
	bool has_btf;
	bool has_pvh;
	uint32_t pvh_entry;
	char release[128];
};
int vmlinux_inspect(const char *path, struct vmlinux_info *info,
		    char *msg, size_t msglen);
/* The ELF header check alone, on the first n bytes of a file (64 are
 * needed): an x86-64 ELF64 executable. Returns 0 or -1 with msg. */
int vmlinux_check_header(const uint8_t *p, size_t n, char *msg, size_t msglen);

#endif

/* SPDX-License-Identifier: GPL-2.0-only */
/* The own VMM's snapshot file: a versioned container of tagged sections
 * (each layer writes its own: the floor its vCPUs, clock and irqchip, the
 * devices theirs, the board its shape) and guest RAM, of which only the
 * pages that hold data are stored, page-aligned, so that a restore maps them
 * copy-on-write. The file is read back later, and perhaps damaged or made by
 * another build: the reader checks every size, offset and count against the
 * file before anything uses it.
 *
 * Layout: struct vsnap_hdr; meta_size bytes of sections, each a struct
 * vsnap_sec then its bytes, padded to 8; zeros up to data_off (a page
 * boundary); data_size bytes of RAM pages. The section "RAMX" lists where the
 * pages go (struct vmm_ram_extent, offsets relative to data_off). */
#ifndef KTSTR__VMM_SNAPFILE_H
#define KTSTR__VMM_SNAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSNAP_MAGIC		"KTSTRVMS"
#define VSNAP_VERSION		1
#define VSNAP_PAGE		4096ull
#define VSNAP_MAX_META		(64ull << 20)	/* sections, all together */
#define VSNAP_MAX_SECTIONS	65536
#define VSNAP_MAX_EXTENTS	65536		/* each one mapping at restore */

struct vsnap_hdr {
	char magic[8];		/* VSNAP_MAGIC */
	uint32_t version;	/* VSNAP_VERSION */
	uint32_t hdr_size;	/* sizeof(struct vsnap_hdr) */
	uint64_t meta_size;	/* the sections, right after this header */
	uint64_t meta_hash;	/* FNV-1a 64 of those bytes */
	uint64_t data_off;	/* RAM pages: page-aligned, after the sections */
	uint64_t data_size;	/* a multiple of VSNAP_PAGE */
	uint64_t file_size;	/* data_off + data_size: the whole file */
	uint64_t reserved;
};
_Static_assert(sizeof(struct vsnap_hdr) == 64, "vsnap_hdr");

struct vsnap_sec {
	char tag[4];		/* e.g. "REGS" */
	uint32_t id;		/* which one: a vCPU index, a PCI slot, 0 */
	uint64_t size;		/* bytes that follow (then padding to 8) */
};
_Static_assert(sizeof(struct vsnap_sec) == 16, "vsnap_sec");

/* npages guest pages from page `page` of RAM region `region` are the file's
 * bytes at data_off + off. */
struct vmm_ram_extent {
	uint32_t region;
	uint32_t flags;		/* 0 */
	uint64_t page;
	uint64_t npages;
	uint64_t off;
};
_Static_assert(sizeof(struct vmm_ram_extent) == 32, "vmm_ram_extent");

/* Writing: sections collect in memory (vsnap_put); vsnap_write_file then
 * writes the file with the RAM pages. An allocation that fails is
 * remembered and reported there. */
struct vsnap_writer {
	uint8_t *meta;
	size_t len, cap;
	bool oom;
};

void vsnap_put(struct vsnap_writer *w, const char tag[4], uint32_t id, const void *data,
	       uint64_t size);
/* Write path (created, must not exist) with the sections and, for extent i,
 * the bytes at ram[ext[i].region] + ext[i].page * VSNAP_PAGE; the RAMX section
 * is added here. 0 or -1 with msg. */
int vsnap_write_file(struct vsnap_writer *w, const char *path, uint8_t *const *ram,
		     struct vmm_ram_extent *ext, uint32_t n_ext, char *msg, size_t len);
void vsnap_writer_free(struct vsnap_writer *w);

/* Reading. */
struct vsnap_ent {
	char tag[4];
	uint32_t id;
	uint64_t off, size;	/* within meta */
};

struct vsnap_reader {
	int fd;			/* the file, for the RAM pages; owned */
	uint64_t file_size, data_off, data_size;
	uint8_t *meta;
	uint64_t meta_size;
	struct vsnap_ent *ents;
	uint32_t n;
	const struct vmm_ram_extent *ext;	/* RAMX, checked against the file */
	uint32_t n_ext;
};

/* Open and check path (or, vsnap_read_fd, the file fd, which the reader
 * then owns): the header, the sections' hash and bounds (no two with the
 * same tag and id), and the RAM extents (sorted, disjoint, each inside the
 * data). Their regions' sizes are checked later (vmm_ram_check). 0 or -1
 * with msg naming what is wrong, where; vsnap_close after either. */
int vsnap_open(struct vsnap_reader *r, const char *path, char *msg, size_t len);
int vsnap_read_fd(struct vsnap_reader *r, int fd, char *msg, size_t len);
void vsnap_close(struct vsnap_reader *r);
/* A section's bytes and size, or NULL when there is none. */
const void *vsnap_find(const struct vsnap_reader *r, const char tag[4], uint32_t id,
		       uint64_t *size);
/* Copy section (tag, id) into buf, which it must fill exactly: 0, or -1 with
 * msg ("snapshot section REGS 3: 100 bytes, expected 144", or missing). */
int vsnap_get(const struct vsnap_reader *r, const char tag[4], uint32_t id, void *buf,
	      uint64_t size, char *msg, size_t len);
/* The extents against RAM regions of these sizes (bytes): each inside its
 * region. 0 or -1 with msg. */
int vmm_ram_check(const struct vmm_ram_extent *ext, uint32_t n, const uint64_t *region_size,
		  int n_regions, char *msg, size_t len);

#endif

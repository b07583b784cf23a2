// SPDX-License-Identifier: GPL-2.0-only
/* The snapshot container (see snapfile.h): writing the sections and the RAM
 * pages, and reading them back with every bound checked. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/vmm/snapfile.h"
#include "lib/err.h"

static uint64_t fnv1a(const uint8_t *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t pad8(uint64_t n)
{
	return (n + 7) & ~7ull;
}

void vsnap_put(struct vsnap_writer *w, const char tag[4], uint32_t id, const void *data,
	       uint64_t size)
{
	struct vsnap_sec s = { .id = id, .size = size };
	uint64_t need = sizeof(s) + pad8(size);

	if (w->oom)
		return;
	if (size > VSNAP_MAX_META || w->len + need > VSNAP_MAX_META) {
		w->oom = true;
		return;
	}
	if (w->len + need > w->cap) {
		size_t cap = w->cap ? w->cap : 65536;
		uint8_t *nb;

		while (cap < w->len + need)
			cap *= 2;
		nb = realloc(w->meta, cap);
		if (!nb) {
			w->oom = true;
			return;
		}
		w->meta = nb;
		w->cap = cap;
	}
	memcpy(s.tag, tag, 4);
	memcpy(w->meta + w->len, &s, sizeof(s));
	if (size)
		memcpy(w->meta + w->len + sizeof(s), data, size);
	memset(w->meta + w->len + sizeof(s) + size, 0, pad8(size) - size);
	w->len += need;
}

void vsnap_writer_free(struct vsnap_writer *w)
{
	free(w->meta);
	memset(w, 0, sizeof(*w));
}

/* All of n bytes at off, in pieces of at most 1 GiB: 0 or -errno (-EIO at
 * the end of the file). */
static int pio_all(int fd, uint8_t *p, uint64_t n, uint64_t off, bool write)
{
	while (n) {
		size_t chunk = n > (1u << 30) ? (1u << 30) : n;
		ssize_t k = write ? pwrite(fd, p, chunk, (off_t)off) :
			    pread(fd, p, chunk, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		n -= k;
		off += k;
	}
	return 0;
}

static int pwrite_all(int fd, const void *buf, uint64_t n, uint64_t off)
{
	return pio_all(fd, (uint8_t *)buf, n, off, true);
}

int vsnap_write_file(struct vsnap_writer *w, const char *path, uint8_t *const *ram,
		     struct vmm_ram_extent *ext, uint32_t n_ext, char *msg, size_t len)
{
	struct vsnap_hdr h = { .version = VSNAP_VERSION, .hdr_size = sizeof(h) };
	uint64_t data = 0;
	int fd, err = 0;

	for (uint32_t i = 0; i < n_ext; i++) {
		ext[i].off = data;
		data += ext[i].npages * VSNAP_PAGE;
	}
	vsnap_put(w, "RAMX", 0, ext, (uint64_t)n_ext * sizeof(*ext));
	if (w->oom)
		return errf(msg, len, "snapshot: out of memory (or over %llu MiB of state)",
			    (unsigned long long)(VSNAP_MAX_META >> 20));
	memcpy(h.magic, VSNAP_MAGIC, 8);
	h.meta_size = w->len;
	h.meta_hash = fnv1a(w->meta, w->len);
	h.data_off = (sizeof(h) + w->len + VSNAP_PAGE - 1) & ~(VSNAP_PAGE - 1);
	h.data_size = data;
	h.file_size = h.data_off + data;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errf(msg, len, "%s: %s", path, strerror(errno));
	err = pwrite_all(fd, &h, sizeof(h), 0) ?:
	      pwrite_all(fd, w->meta, w->len, sizeof(h));
	for (uint32_t i = 0; i < n_ext && !err; i++)
		err = pwrite_all(fd, ram[ext[i].region] + ext[i].page * VSNAP_PAGE,
				 ext[i].npages * VSNAP_PAGE, h.data_off + ext[i].off);
	if (!err && ftruncate(fd, (off_t)h.file_size))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (err) {
		unlink(path);
		return errf(msg, len, "%s: %s", path, strerror(-err));
	}
	return 0;
}

static int pread_all(int fd, void *buf, uint64_t n, uint64_t off)
{
	return pio_all(fd, buf, n, off, false);
}

static int check_hdr(const struct vsnap_hdr *h, uint64_t size, char *msg, size_t len)
{
	if (memcmp(h->magic, VSNAP_MAGIC, 8))
		return errf(msg, len, "not an own-VMM snapshot (no %s magic)", VSNAP_MAGIC);
	if (h->version != VSNAP_VERSION)
		return errf(msg, len, "snapshot format version %u; this ktstr-run reads %u",
			    h->version, VSNAP_VERSION);
	if (h->hdr_size != sizeof(*h))
		return errf(msg, len, "snapshot header of %u bytes, expected %zu", h->hdr_size,
			    sizeof(*h));
	if (h->meta_size > VSNAP_MAX_META || h->meta_size % 8)
		return errf(msg, len, "snapshot sections of %llu bytes: a multiple of 8 up to "
			    "%llu expected", (unsigned long long)h->meta_size,
			    (unsigned long long)VSNAP_MAX_META);
	if (h->data_off % VSNAP_PAGE || h->data_off < sizeof(*h) + h->meta_size)
		return errf(msg, len, "snapshot RAM at offset %llu: page-aligned and after the "
			    "%llu bytes of sections expected", (unsigned long long)h->data_off,
			    (unsigned long long)h->meta_size);
	if (h->file_size != size || h->data_off > size || h->data_size != size - h->data_off ||
	    h->data_size % VSNAP_PAGE)
		return errf(msg, len, "snapshot of %llu bytes says it has %llu (RAM %llu at %llu): "
			    "truncated or damaged", (unsigned long long)size,
			    (unsigned long long)h->file_size, (unsigned long long)h->data_size,
			    (unsigned long long)h->data_off);
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct vsnap_ent *x = a, *y = b;
	int c = memcmp(x->tag, y->tag, 4);

	return c ? c : x->id < y->id ? -1 : x->id > y->id;
}

/* The sections in meta: bounds, count, no duplicate; sorted for lookup. */
static int index_sections(struct vsnap_reader *r, char *msg, size_t len)
{
	uint64_t off = 0;
	uint32_t cap = 0;

	while (off < r->meta_size) {
		struct vsnap_sec s;
		struct vsnap_ent *e;

		if (r->meta_size - off < sizeof(s))
			return errf(msg, len, "snapshot section header at %llu runs past the "
				    "sections' end", (unsigned long long)off);
		memcpy(&s, r->meta + off, sizeof(s));
		if (s.size > r->meta_size - off - sizeof(s))
			return errf(msg, len, "snapshot section %.4s %u: %llu bytes, only %llu left",
				    s.tag, s.id, (unsigned long long)s.size,
				    (unsigned long long)(r->meta_size - off - sizeof(s)));
		if (r->n >= VSNAP_MAX_SECTIONS)
			return errf(msg, len, "snapshot has over %d sections", VSNAP_MAX_SECTIONS);
		if (r->n == cap) {
			struct vsnap_ent *ne;

			cap = cap ? cap * 2 : 64;
			ne = realloc(r->ents, cap * sizeof(*ne));
			if (!ne)
				return errf(msg, len, "snapshot: out of memory");
			r->ents = ne;
		}
		e = &r->ents[r->n++];
		memcpy(e->tag, s.tag, 4);
		e->id = s.id;
		e->off = off + sizeof(s);
		e->size = s.size;
		off += sizeof(s) + pad8(s.size);	/* <= meta_size: both multiples of 8 */
	}
	if (r->n)
		qsort(r->ents, r->n, sizeof(*r->ents), ent_cmp);
	for (uint32_t i = 1; i < r->n; i++)
		if (!ent_cmp(&r->ents[i - 1], &r->ents[i]))
			return errf(msg, len, "snapshot section %.4s %u appears twice",
				    r->ents[i].tag, r->ents[i].id);
	return 0;
}

/* RAMX: sorted by (region, page), disjoint, each inside the data. */
static int check_extents(struct vsnap_reader *r, char *msg, size_t len)
{
	uint64_t size, data_pages = r->data_size / VSNAP_PAGE;
	const struct vmm_ram_extent *e = vsnap_find(r, "RAMX", 0, &size);

	if (!e)
		return errf(msg, len, "snapshot has no RAM section (RAMX)");
	if (size % sizeof(*e) || size / sizeof(*e) > VSNAP_MAX_EXTENTS)
		return errf(msg, len, "snapshot RAM section of %llu bytes: a multiple of %zu, at "
			    "most %d extents expected", (unsigned long long)size, sizeof(*e),
			    VSNAP_MAX_EXTENTS);
	r->ext = e;
	r->n_ext = size / sizeof(*e);
	for (uint32_t i = 0; i < r->n_ext; i++) {
		if (e[i].flags || !e[i].npages || e[i].off % VSNAP_PAGE ||
		    e[i].npages > data_pages || e[i].off / VSNAP_PAGE > data_pages - e[i].npages ||
		    e[i].page > UINT64_MAX / VSNAP_PAGE - e[i].npages)
			return errf(msg, len, "snapshot RAM extent %u (region %u, page %llu, %llu "
				    "pages at %llu) lies outside the file's %llu pages of RAM", i,
				    e[i].region, (unsigned long long)e[i].page,
				    (unsigned long long)e[i].npages, (unsigned long long)e[i].off,
				    (unsigned long long)data_pages);
		if (i && (e[i].region < e[i - 1].region ||
			  (e[i].region == e[i - 1].region &&
			   e[i].page < e[i - 1].page + e[i - 1].npages)))
			return errf(msg, len, "snapshot RAM extent %u (region %u, page %llu) is not "
				    "after extent %u", i, e[i].region, (unsigned long long)e[i].page,
				    i - 1);
	}
	return 0;
}

int vsnap_read_fd(struct vsnap_reader *r, int fd, char *msg, size_t len)
{
	struct vsnap_hdr h;
	struct stat st;
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return errf(msg, len, "snapshot: not a regular file");
	if ((uint64_t)st.st_size < sizeof(h))
		return errf(msg, len, "snapshot of %lld bytes: shorter than its header",
			    (long long)st.st_size);
	err = pread_all(fd, &h, sizeof(h), 0);
	if (err)
		return errf(msg, len, "snapshot header: %s", strerror(-err));
	if (check_hdr(&h, (uint64_t)st.st_size, msg, len))
		return -1;
	r->file_size = h.file_size;
	r->data_off = h.data_off;
	r->data_size = h.data_size;
	r->meta_size = h.meta_size;
	r->meta = malloc(h.meta_size ? h.meta_size : 1);
	if (!r->meta)
		return errf(msg, len, "snapshot: out of memory for %llu bytes of sections",
			    (unsigned long long)h.meta_size);
	err = pread_all(fd, r->meta, h.meta_size, sizeof(h));
	if (err)
		return errf(msg, len, "snapshot sections: %s", strerror(-err));
	if (fnv1a(r->meta, h.meta_size) != h.meta_hash)
		return errf(msg, len, "snapshot sections do not match their hash (damaged)");
	return index_sections(r, msg, len) ?: check_extents(r, msg, len);
}

int vsnap_open(struct vsnap_reader *r, const char *path, char *msg, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char why[512];

	if (fd < 0) {
		memset(r, 0, sizeof(*r));
		r->fd = -1;
		return errf(msg, len, "%s: %s", path, strerror(errno));
	}
	if (vsnap_read_fd(r, fd, why, sizeof(why)))
		return errf(msg, len, "%s: %s", path, why);
	return 0;
}

void vsnap_close(struct vsnap_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->meta);
	free(r->ents);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

const void *vsnap_find(const struct vsnap_reader *r, const char tag[4], uint32_t id,
		       uint64_t *size)
{
	struct vsnap_ent key = { .id = id };
	const struct vsnap_ent *e;

	memcpy(key.tag, tag, 4);
	e = r->n ? bsearch(&key, r->ents, r->n, sizeof(*e), ent_cmp) : NULL;
	if (!e)
		return NULL;
	*size = e->size;
	return r->meta + e->off;
}

int vsnap_get(const struct vsnap_reader *r, const char tag[4], uint32_t id, void *buf,
	      uint64_t size, char *msg, size_t len)
{
	uint64_t got;
	const void *p = vsnap_find(r, tag, id, &got);

	if (!p)
		return errf(msg, len, "snapshot has no section %.4s %u", tag, id);
	if (got != size)
		return errf(msg, len, "snapshot section %.4s %u: %llu bytes, expected %llu", tag,
			    id, (unsigned long long)got, (unsigned long long)size);
	memcpy(buf, p, size);
	return 0;
}

int vmm_ram_check(const struct vmm_ram_extent *ext, uint32_t n, const uint64_t *region_size,
		  int n_regions, char *msg, size_t len)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct vmm_ram_extent *e = &ext[i];
		uint64_t pages = e->region < (uint32_t)n_regions ?
				 region_size[e->region] / VSNAP_PAGE : 0;

		if (e->region >= (uint32_t)n_regions || e->npages > pages ||
		    e->page > pages - e->npages)
			return errf(msg, len, "snapshot RAM extent %u (region %u, pages %llu+%llu) "
				    "lies outside this VM's RAM (%d regions%s)", i, e->region,
				    (unsigned long long)e->page, (unsigned long long)e->npages,
				    n_regions, e->region < (uint32_t)n_regions ? ", that one smaller" : "");
	}
	return 0;
}

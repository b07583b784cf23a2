// SPDX-License-Identifier: GPL-2.0-only
/* The shared libraries an x86-64 ELF executable needs (elfdeps.h), found
 * the way glibc's ld.so finds them; files read with libelf. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/elfdeps.h"
#include "lib/err.h"

#define MAX_OBJS 1024	/* libraries in one closure */
#define MAX_NEEDED 1024	/* DT_NEEDED entries of one object */
#define MAX_CACHE (64u << 20)

/* What Debian's ld.so puts for $LIB and $PLATFORM (LD_DEBUG=libs shows it). */
#define DST_LIB "lib/x86_64-linux-gnu"
#define DST_PLATFORM "x86_64"

/* The ld.so cache (glibc's dl-cache.h): an optional old-format part, then
 * the new-format header and its entries; string offsets count from the
 * new-format header. */
#define CACHE_OLD_MAGIC "ld.so-1.7.0"
#define CACHE_OLD_HDR 16
#define CACHE_OLD_ENTRY 12
#define CACHE_MAGIC "glibc-ld.so.cache1.1"
#define CACHE_HDR 48
#define CACHE_ENTRY 24
#define CACHE_LIBC6 0x0003
#define CACHE_X8664 0x0300

const char *const elfdeps_sys_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", NULL,
};

const struct elfdeps_opts elfdeps_host = {
	.cache = "/etc/ld.so.cache",
	.sys_dirs = elfdeps_sys_dirs,
};

/* One loaded object, as ld.so keeps it (its link_map). */
struct obj {
	char *path;			/* as ld.so opens it: the guest's path */
	char *soname, *rpath, *runpath;	/* NULL when absent */
	char **needed;
	size_t n_needed;
	char **names;			/* the DT_NEEDED names it was loaded for */
	size_t n_names;
	bool nodeflib;			/* DF_1_NODEFLIB */
	bool is_interp;
	long loader;			/* the object whose DT_NEEDED loaded it; -1: none */
};

struct cache {
	uint8_t *buf;
	size_t size, base;	/* base: the new-format header */
	uint32_t nlibs;
};

struct resolver {
	const struct elfdeps_opts *o;
	const char *binary;	/* as the caller named it, for messages */
	struct obj *objs;
	size_t n, cap;
	struct cache cache;
	int cache_state;	/* 0: not loaded yet, 1: loaded, -1: unusable */
	char cache_why[256];
	char skipped[PATH_MAX + 128];	/* a candidate of another class or machine */
	char *msg;
	size_t len;
};

/* An open ELF file. */
struct elf_file {
	int fd;
	Elf *e;
	uint64_t size;
	GElf_Ehdr eh;
	size_t phnum;
};

enum { HDR_OK = 0, HDR_OTHER = 1 };

/* [off, off + n) inside a file of size bytes (no overflow). */
static bool in_file(uint64_t off, uint64_t n, uint64_t size)
{
	return off <= size && n <= size - off;
}

/* count entries of entsize bytes from off inside the file. */
static bool table_in_file(uint64_t off, uint64_t count, uint64_t entsize, uint64_t size)
{
	return off <= size && count <= (size - off) / entsize;
}

static int host_path(const struct elfdeps_opts *o, const char *path, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s%s", o->root ? o->root : "", path);

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* Remove "//", "." and ".." from an absolute path ("/a/b/../c" -> "/a/c"):
 * every directory in the guest is a real one, so this is where the guest's
 * kernel lands. -1 when in is relative or out too short. */
static int normalize(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	if (in[0] != '/' || outlen < 2)
		return -1;
	for (const char *p = in; *p;) {
		const char *s;
		size_t l;

		while (*p == '/')
			p++;
		for (s = p; *p && *p != '/'; p++)
			;
		l = p - s;
		if (!l || (l == 1 && s[0] == '.'))
			continue;
		if (l == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 0 && out[--n] != '/')
				;
			continue;
		}
		if (n + 1 + l >= outlen)
			return -1;
		out[n++] = '/';
		memcpy(out + n, s, l);
		n += l;
	}
	if (!n)
		out[n++] = '/';
	out[n] = 0;
	return 0;
}

static void dir_of(const char *path, char *out, size_t outlen)
{
	const char *slash = strrchr(path, '/');
	size_t l = slash && slash != path ? (size_t)(slash - path) : 1;

	snprintf(out, outlen, "%.*s", (int)l, path);
}

/* The length of $NAME or ${NAME} at s (s[0] == '$'), 0 if s is not it. */
static size_t dst_len(const char *s, const char *name)
{
	size_t n = strlen(name);

	if (s[1] == '{')
		return !strncmp(s + 2, name, n) && s[2 + n] == '}' ? n + 3 : 0;
	return !strncmp(s + 1, name, n) && (!s[1 + n] || s[1 + n] == '/') ? n + 1 : 0;
}

/* Expand $ORIGIN, $LIB and $PLATFORM in a search-path element or a
 * DT_NEEDED name; another '$' stays as it is (as in ld.so). */
static int expand(const char *in, const char *origin, char *out, size_t outlen)
{
	size_t n = 0;

	for (const char *p = in; *p;) {
		const char *rep = NULL;
		size_t l = 0, rl;

		if (*p == '$') {
			if ((l = dst_len(p, "ORIGIN")))
				rep = origin;
			else if ((l = dst_len(p, "LIB")))
				rep = DST_LIB;
			else if ((l = dst_len(p, "PLATFORM")))
				rep = DST_PLATFORM;
		}
		if (!rep) {
			rep = p;
			rl = l = 1;
		} else {
			rl = strlen(rep);
		}
		if (n + rl >= outlen)
			return -1;
		memcpy(out + n, rep, rl);
		n += rl;
		p += l;
	}
	out[n] = 0;
	return 0;
}

/* --- reading one ELF file --- */

static void elf_close(struct elf_file *f)
{
	if (f->e)
		elf_end(f->e);
	if (f->fd >= 0)
		close(f->fd);
	f->e = NULL;
	f->fd = -1;
}

/* Open path (under o->root) for libelf. 0, or a negative errno with msg. */
static int elf_open(const struct elfdeps_opts *o, const char *label, const char *path,
		    struct elf_file *f, char *msg, size_t len)
{
	char hp[PATH_MAX];
	unsigned char id[EI_NIDENT] = "";
	size_t need;
	struct stat st;
	int err;

	f->e = NULL;
	f->fd = -1;
	if (host_path(o, path, hp, sizeof(hp))) {
		errf(msg, len, "%s: path too long", label);
		return -ENAMETOOLONG;
	}
	f->fd = open(hp, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		err = errno;
		errf(msg, len, "%s: %s", label, strerror(err));
		return -err;
	}
	if (fstat(f->fd, &st) || !S_ISREG(st.st_mode)) {
		errf(msg, len, "%s: not a regular file", label);
		elf_close(f);
		return -EINVAL;
	}
	f->size = st.st_size;
	if (pread(f->fd, id, sizeof(id), 0) < SELFMAG || memcmp(id, ELFMAG, SELFMAG)) {
		errf(msg, len, "%s: not an ELF file%s", label,
		     !memcmp(id, "#!", 2) ? " (a #! script)" : "");
		elf_close(f);
		return -ENOEXEC;
	}
	need = id[EI_CLASS] == ELFCLASS32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
	if (f->size < need) {
		errf(msg, len, "%s: ELF header truncated (%llu of %zu bytes)", label,
		     (unsigned long long)f->size, need);
		elf_close(f);
		return -ENOEXEC;
	}
	f->e = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->e || elf_kind(f->e) != ELF_K_ELF) {
		const char *why = elf_errmsg(0);

		errf(msg, len, "%s: libelf cannot read it (%llu bytes)%s%s", label,
		     (unsigned long long)f->size, why ? ": " : "", why ? why : "");
		elf_close(f);
		return -ENOEXEC;
	}
	return 0;
}

/* Class, byte order and machine (HDR_OTHER when they are not x86-64's:
 * ld.so skips such a library), then version and type. */
static int check_header(struct elf_file *f, const char *label, char *msg, size_t len)
{
	size_t n = 0;
	const char *id = elf_getident(f->e, &n);

	if (!id || n < EI_NIDENT)
		return errf(msg, len, "%s: ELF identification unreadable: %s", label,
			    elf_errmsg(-1));
	if (id[EI_CLASS] != ELFCLASS64) {
		if (id[EI_CLASS] == ELFCLASS32)
			errf(msg, len, "%s: a 32-bit ELF file (ELFCLASS32); the guest runs "
			     "x86-64 ones (ELFCLASS64)", label);
		else
			errf(msg, len, "%s: ELF class %u, not ELFCLASS64", label,
			     (unsigned)(uint8_t)id[EI_CLASS]);
		return HDR_OTHER;
	}
	if (id[EI_DATA] != ELFDATA2LSB) {
		errf(msg, len, "%s: ELF byte order %u, not little-endian (ELFDATA2LSB)", label,
		     (unsigned)(uint8_t)id[EI_DATA]);
		return HDR_OTHER;
	}
	if (!gelf_getehdr(f->e, &f->eh))
		return errf(msg, len, "%s: ELF header unreadable: %s", label, elf_errmsg(-1));
	if (f->eh.e_machine != EM_X86_64) {
		errf(msg, len, "%s: an ELF file for machine %u, not x86-64 (EM_X86_64, 62)",
		     label, f->eh.e_machine);
		return HDR_OTHER;
	}
	if (id[EI_VERSION] != EV_CURRENT || f->eh.e_version != EV_CURRENT)
		return errf(msg, len, "%s: ELF version %u, not EV_CURRENT (1)", label,
			    (unsigned)f->eh.e_version);
	if (f->eh.e_type != ET_EXEC && f->eh.e_type != ET_DYN)
		return errf(msg, len, "%s: ELF type %u is neither an executable (ET_EXEC) "
			    "nor a shared object (ET_DYN)", label, f->eh.e_type);
	return HDR_OK;
}

/* The program and section header tables lie inside the file. */
static int check_tables(struct elf_file *f, const char *label, char *msg, size_t len)
{
	const GElf_Ehdr *eh = &f->eh;
	size_t shnum = eh->e_shnum;

	/* PN_XNUM: the count is in section 0 (libelf reads it). */
	f->phnum = eh->e_phnum;
	if (eh->e_phnum == PN_XNUM && elf_getphdrnum(f->e, &f->phnum))
		return errf(msg, len, "%s: program header count unreadable: %s", label,
			    elf_errmsg(-1));
	if (!f->phnum)
		return errf(msg, len, "%s: no program headers", label);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return errf(msg, len, "%s: program header size %u, not %zu", label,
			    eh->e_phentsize, sizeof(Elf64_Phdr));
	if (!table_in_file(eh->e_phoff, f->phnum, sizeof(Elf64_Phdr), f->size))
		return errf(msg, len, "%s: program header table (offset %#llx, %zu entries) "
			    "lies outside the file (%llu bytes)", label,
			    (unsigned long long)eh->e_phoff, f->phnum,
			    (unsigned long long)f->size);
	if (!eh->e_shoff)
		return 0;
	if (!shnum && elf_getshdrnum(f->e, &shnum))
		return errf(msg, len, "%s: section count unreadable: %s", label, elf_errmsg(-1));
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return errf(msg, len, "%s: section header size %u, not %zu", label,
			    eh->e_shentsize, sizeof(Elf64_Shdr));
	/* e_shnum 0 with an e_shoff: the count is in section 0, which must be there. */
	if (!table_in_file(eh->e_shoff, shnum ? shnum : 1, sizeof(Elf64_Shdr), f->size))
		return errf(msg, len, "%s: section header table (offset %#llx, %zu entries) "
			    "lies outside the file (%llu bytes): truncated?", label,
			    (unsigned long long)eh->e_shoff, shnum,
			    (unsigned long long)f->size);
	return 0;
}

static int read_interp(struct elf_file *f, const GElf_Phdr *ph, const char *label,
		       char *out, size_t outlen, char *msg, size_t len)
{
	Elf_Data *d;
	const char *s;

	if (!in_file(ph->p_offset, ph->p_filesz, f->size))
		return errf(msg, len, "%s: PT_INTERP (offset %#llx, %#llx bytes) lies outside "
			    "the file (%llu bytes)", label, (unsigned long long)ph->p_offset,
			    (unsigned long long)ph->p_filesz, (unsigned long long)f->size);
	/* The kernel's limits (binfmt_elf). */
	if (ph->p_filesz < 2 || ph->p_filesz > PATH_MAX)
		return errf(msg, len, "%s: PT_INTERP of %llu bytes (2 to %d)", label,
			    (unsigned long long)ph->p_filesz, PATH_MAX);
	d = elf_getdata_rawchunk(f->e, ph->p_offset, ph->p_filesz, ELF_T_BYTE);
	if (!d || d->d_size != ph->p_filesz)
		return errf(msg, len, "%s: PT_INTERP unreadable: %s", label, elf_errmsg(-1));
	s = d->d_buf;
	if (s[ph->p_filesz - 1])
		return errf(msg, len, "%s: PT_INTERP is not NUL-terminated", label);
	if (normalize(s, out, outlen) || !strcmp(out, "/"))
		return errf(msg, len, "%s: PT_INTERP \"%.64s\" is not the absolute path of a file",
			    label, s);
	return 0;
}

/* The file content of DT_STRTAB (a virtual address) and DT_STRSZ. */
static Elf_Data *strtab_data(struct elf_file *f, uint64_t vaddr, uint64_t sz, const char *label,
			     char *msg, size_t len)
{
	Elf_Data *d;

	if (!sz) {
		errf(msg, len, "%s: DT_STRSZ is 0", label);
		return NULL;
	}
	for (size_t i = 0; i < f->phnum; i++) {
		GElf_Phdr ph;
		uint64_t rel;

		if (!gelf_getphdr(f->e, i, &ph) || ph.p_type != PT_LOAD || vaddr < ph.p_vaddr ||
		    vaddr - ph.p_vaddr >= ph.p_filesz)
			continue;
		rel = vaddr - ph.p_vaddr;
		if (sz > ph.p_filesz - rel) {
			errf(msg, len, "%s: DT_STRTAB %#llx with DT_STRSZ %#llx runs past the end "
			     "of its segment's file content", label, (unsigned long long)vaddr,
			     (unsigned long long)sz);
			return NULL;
		}
		/* The segment lies inside the file (read_elf checked it). */
		d = elf_getdata_rawchunk(f->e, ph.p_offset + rel, sz, ELF_T_BYTE);
		if (!d || d->d_size != sz)
			errf(msg, len, "%s: dynamic string table unreadable: %s", label,
			     elf_errmsg(-1));
		return d;
	}
	errf(msg, len, "%s: DT_STRTAB %#llx lies in no PT_LOAD segment's file content", label,
	     (unsigned long long)vaddr);
	return NULL;
}

/* The string at off in the dynamic string table. */
static int dyn_str(Elf_Data *st, uint64_t off, const char *label, const char *tag, char **out,
		   char *msg, size_t len)
{
	const char *s = st->d_buf, *end;

	if (off >= st->d_size)
		return errf(msg, len, "%s: %s string offset %#llx is past the end of the string "
			    "table (DT_STRSZ %#zx)", label, tag, (unsigned long long)off,
			    st->d_size);
	end = memchr(s + off, 0, st->d_size - off);
	if (!end)
		return errf(msg, len, "%s: %s string at %#llx runs past the end of the string "
			    "table (DT_STRSZ %#zx)", label, tag, (unsigned long long)off,
			    st->d_size);
	if (end - (s + off) >= PATH_MAX)
		return errf(msg, len, "%s: %s string at %#llx is longer than %d bytes", label, tag,
			    (unsigned long long)off, PATH_MAX - 1);
	*out = strdup(s + off);
	return *out ? 0 : errf(msg, len, "%s: out of memory", label);
}

/* What ld.so takes from PT_DYNAMIC: DT_NEEDED, DT_SONAME, DT_RPATH,
 * DT_RUNPATH (the last of each, as ld.so), DF_1_NODEFLIB. */
static int read_dynamic(struct elf_file *f, const GElf_Phdr *ph, const char *label,
			struct obj *ob, char *msg, size_t len)
{
	enum { STRTAB = 1, STRSZ = 2, SONAME = 4, RPATH = 8, RUNPATH = 16 };
	uint64_t strtab = 0, strsz = 0, soname = 0, rpath = 0, runpath = 0;
	size_t ent = sizeof(Elf64_Dyn), n, n_needed = 0;
	unsigned has = 0;
	Elf_Data *dd, *st;
	GElf_Dyn dyn;

	if (!in_file(ph->p_offset, ph->p_filesz, f->size))
		return errf(msg, len, "%s: PT_DYNAMIC (offset %#llx, %#llx bytes) lies outside "
			    "the file (%llu bytes)", label, (unsigned long long)ph->p_offset,
			    (unsigned long long)ph->p_filesz, (unsigned long long)f->size);
	n = ph->p_filesz / ent;
	if (!n)
		return 0;
	dd = elf_getdata_rawchunk(f->e, ph->p_offset, n * ent, ELF_T_DYN);
	if (!dd)
		return errf(msg, len, "%s: PT_DYNAMIC unreadable: %s", label, elf_errmsg(-1));
	for (size_t i = 0; i < n && gelf_getdyn(dd, i, &dyn) && dyn.d_tag != DT_NULL; i++) {
		switch (dyn.d_tag) {
		case DT_NEEDED: n_needed++; break;
		case DT_STRTAB: strtab = dyn.d_un.d_ptr; has |= STRTAB; break;
		case DT_STRSZ: strsz = dyn.d_un.d_val; has |= STRSZ; break;
		case DT_SONAME: soname = dyn.d_un.d_val; has |= SONAME; break;
		case DT_RPATH: rpath = dyn.d_un.d_val; has |= RPATH; break;
		case DT_RUNPATH: runpath = dyn.d_un.d_val; has |= RUNPATH; break;
		case DT_FLAGS_1: ob->nodeflib = dyn.d_un.d_val & DF_1_NODEFLIB; break;
		}
	}
	if (!n_needed && !(has & (SONAME | RPATH | RUNPATH)))
		return 0;
	if (n_needed > MAX_NEEDED)
		return errf(msg, len, "%s: %zu DT_NEEDED entries (at most %d)", label, n_needed,
			    MAX_NEEDED);
	if ((has & (STRTAB | STRSZ)) != (STRTAB | STRSZ))
		return errf(msg, len, "%s: dynamic section without DT_STRTAB or DT_STRSZ", label);
	st = strtab_data(f, strtab, strsz, label, msg, len);
	if (!st)
		return -1;
	if (((has & SONAME) && dyn_str(st, soname, label, "DT_SONAME", &ob->soname, msg, len)) ||
	    ((has & RPATH) && dyn_str(st, rpath, label, "DT_RPATH", &ob->rpath, msg, len)) ||
	    ((has & RUNPATH) && dyn_str(st, runpath, label, "DT_RUNPATH", &ob->runpath, msg, len)))
		return -1;
	ob->needed = calloc(n_needed ? n_needed : 1, sizeof(*ob->needed));
	if (!ob->needed)
		return errf(msg, len, "%s: out of memory", label);
	for (size_t i = 0; ob->n_needed < n_needed && gelf_getdyn(dd, i, &dyn); i++) {
		if (dyn.d_tag != DT_NEEDED)
			continue;
		if (dyn_str(st, dyn.d_un.d_val, label, "DT_NEEDED", &ob->needed[ob->n_needed],
			    msg, len))
			return -1;
		if (!ob->needed[ob->n_needed++][0])
			return errf(msg, len, "%s: empty DT_NEEDED name", label);
	}
	return 0;
}

/* Read what ld.so takes from path into ob; interp (when not NULL) gets
 * PT_INTERP or "". 0 or -1 with msg. */
static int read_elf(const struct elfdeps_opts *o, const char *label, const char *path,
		    struct obj *ob, char *interp, size_t interplen, char *msg, size_t len)
{
	GElf_Phdr ph, dyn = { 0 }, in = { 0 };
	struct elf_file f;
	bool has_dyn = false, has_interp = false;
	int ret = -1;

	if (interp)
		interp[0] = 0;
	if (elf_open(o, label, path, &f, msg, len))
		return -1;
	if (check_header(&f, label, msg, len) || check_tables(&f, label, msg, len))
		goto out;
	for (size_t i = 0; i < f.phnum; i++) {
		if (!gelf_getphdr(f.e, i, &ph)) {
			errf(msg, len, "%s: program header %zu unreadable: %s", label, i,
			     elf_errmsg(-1));
			goto out;
		}
		if (ph.p_type == PT_LOAD && !in_file(ph.p_offset, ph.p_filesz, f.size)) {
			errf(msg, len, "%s: segment %zu (PT_LOAD, offset %#llx, %#llx bytes) lies "
			     "outside the file (%llu bytes): truncated?", label, i,
			     (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz,
			     (unsigned long long)f.size);
			goto out;
		}
		if ((ph.p_type == PT_DYNAMIC && has_dyn) ||
		    (ph.p_type == PT_INTERP && has_interp)) {
			errf(msg, len, "%s: two %s segments", label,
			     ph.p_type == PT_DYNAMIC ? "PT_DYNAMIC" : "PT_INTERP");
			goto out;
		}
		if (ph.p_type == PT_DYNAMIC) {
			dyn = ph;
			has_dyn = true;
		} else if (ph.p_type == PT_INTERP) {
			in = ph;
			has_interp = true;
		}
	}
	if (interp && has_interp && read_interp(&f, &in, label, interp, interplen, msg, len))
		goto out;
	ret = has_dyn ? read_dynamic(&f, &dyn, label, ob, msg, len) : 0;
out:
	elf_close(&f);
	return ret;
}

static void obj_free(struct obj *ob)
{
	for (size_t i = 0; i < ob->n_needed; i++)
		free(ob->needed[i]);
	for (size_t i = 0; i < ob->n_names; i++)
		free(ob->names[i]);
	free(ob->needed);
	free(ob->names);
	free(ob->path);
	free(ob->soname);
	free(ob->rpath);
	free(ob->runpath);
	memset(ob, 0, sizeof(*ob));
}

/* --- the ld.so cache --- */

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int cache_load(const struct elfdeps_opts *o, struct cache *c, char *msg, size_t len)
{
	char hp[PATH_MAX];
	struct stat st;
	size_t got = 0;
	uint32_t nold;
	int fd;

	memset(c, 0, sizeof(*c));
	if (!o->cache)
		return errf(msg, len, "no ld.so cache");
	if (host_path(o, o->cache, hp, sizeof(hp)))
		return errf(msg, len, "%s: path too long", o->cache);
	fd = open(hp, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > MAX_CACHE) {
		errf(msg, len, "%s: %s", o->cache, fd < 0 ? strerror(errno) :
		     !S_ISREG(st.st_mode) ? "not a regular file" : "larger than 64 MiB");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c->size = st.st_size;
	c->buf = malloc(c->size ? c->size : 1);
	while (c->buf && got < c->size) {
		ssize_t n = read(fd, c->buf + got, c->size - got);

		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (!c->buf || got != c->size) {
		errf(msg, len, "%s: %s", o->cache, c->buf ? "short read" : "out of memory");
		goto err;
	}
	if (c->size >= CACHE_OLD_HDR && !memcmp(c->buf, CACHE_OLD_MAGIC, strlen(CACHE_OLD_MAGIC))) {
		nold = rd32(c->buf + 12);
		if (nold > (c->size - CACHE_OLD_HDR) / CACHE_OLD_ENTRY) {
			errf(msg, len, "%s: %u old-format entries run past the end of the file "
			     "(%zu bytes)", o->cache, nold, c->size);
			goto err;
		}
		c->base = (CACHE_OLD_HDR + (size_t)nold * CACHE_OLD_ENTRY + 7) & ~(size_t)7;
	}
	if (c->base > c->size || c->size - c->base < CACHE_HDR ||
	    memcmp(c->buf + c->base, CACHE_MAGIC, strlen(CACHE_MAGIC))) {
		errf(msg, len, "%s: no \"%s\" header at offset %zu", o->cache, CACHE_MAGIC,
		     c->base);
		goto err;
	}
	/* Byte order: 0 unknown (older ldconfig), 2 little-endian. */
	if (c->buf[c->base + 28] != 0 && c->buf[c->base + 28] != 2) {
		errf(msg, len, "%s: byte order %u, not little-endian", o->cache,
		     c->buf[c->base + 28]);
		goto err;
	}
	c->nlibs = rd32(c->buf + c->base + 20);
	if (c->nlibs > (c->size - c->base - CACHE_HDR) / CACHE_ENTRY) {
		errf(msg, len, "%s: %u entries run past the end of the file (%zu bytes)",
		     o->cache, c->nlibs, c->size);
		goto err;
	}
	return 0;
err:
	free(c->buf);
	memset(c, 0, sizeof(*c));
	return -1;
}

/* The NUL-terminated string at off from the new-format header, or NULL. */
static const char *cache_str(const struct cache *c, uint32_t off)
{
	size_t pos = c->base + off;

	if (pos >= c->size || !memchr(c->buf + pos, 0, c->size - pos))
		return NULL;
	return (const char *)c->buf + pos;
}

/* x86-64's ld.so takes the entries tagged libc6,x86-64 (its
 * _dl_cache_check_flags); an entry with hwcap bits is for a glibc-hwcaps
 * subdirectory. */
static const char *cache_lookup(const struct cache *c, const char *name)
{
	for (uint32_t i = 0; i < c->nlibs; i++) {
		const uint8_t *e = c->buf + c->base + CACHE_HDR + (size_t)i * CACHE_ENTRY;
		uint32_t flags = rd32(e);
		const char *k, *v;

		if (flags != (CACHE_LIBC6 | CACHE_X8664) || rd64(e + 16))
			continue;
		k = cache_str(c, rd32(e + 4));
		if (!k || strcmp(k, name))
			continue;
		v = cache_str(c, rd32(e + 8));
		if (v && v[0] == '/')
			return v;
	}
	return NULL;
}

int elfdeps_cache_find(const struct elfdeps_opts *o, const char *name, char *out,
		       size_t outlen, char *msg, size_t len)
{
	struct cache c;
	const char *v;

	if (cache_load(o ? o : &elfdeps_host, &c, msg, len))
		return -1;
	v = cache_lookup(&c, name);
	if (v)
		snprintf(out, outlen, "%s", v);
	free(c.buf);
	return v ? 1 : 0;
}

/* --- the search --- */

static const char *const *sys_dirs(const struct resolver *r)
{
	return r->o->sys_dirs ? r->o->sys_dirs : elfdeps_sys_dirs;
}

static const char *label_of(const struct resolver *r, size_t i)
{
	return i ? r->objs[i].path : r->binary;
}

/* A candidate: 1 when path is there and is an x86-64 ELF (out = path), 0
 * when it is not there or of another class or machine (ld.so goes on to
 * the next one), -1 with msg when it is broken. */
static int try_file(struct resolver *r, const char *path, char *out, size_t outlen)
{
	struct elf_file f;
	char why[PATH_MAX + 128];
	int ret = elf_open(r->o, path, path, &f, why, sizeof(why));

	if (ret == -ENOENT || ret == -ENOTDIR || ret == -EACCES || ret == -ENAMETOOLONG)
		return 0;
	if (!ret) {
		ret = check_header(&f, path, why, sizeof(why));
		elf_close(&f);
	}
	if (ret == HDR_OTHER) {
		if (!r->skipped[0])
			snprintf(r->skipped, sizeof(r->skipped), "%s", why);
		return 0;
	}
	if (ret)
		return errf(r->msg, r->len, "%s", why);
	snprintf(out, outlen, "%s", path);
	return 1;
}

static int try_dir(struct resolver *r, const char *dir, const char *name, char *out,
		   size_t outlen)
{
	char joined[PATH_MAX], path[PATH_MAX];
	int n = snprintf(joined, sizeof(joined), "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= sizeof(joined) || normalize(joined, path, sizeof(path)))
		return 0;
	return try_file(r, path, out, outlen);
}

/* name in each directory of owner's ':' list (its DT_RPATH or DT_RUNPATH).
 * An empty or relative element (the guest's working directory) is not
 * searched. */
static int search_list(struct resolver *r, const char *list, const struct obj *owner,
		       const char *name, char *out, size_t outlen)
{
	char origin[PATH_MAX], dir[PATH_MAX], *copy = strdup(list), *p = copy, *el;
	int ret = 0;

	if (!copy)
		return errf(r->msg, r->len, "out of memory");
	dir_of(owner->path, origin, sizeof(origin));
	while (!ret && (el = strsep(&p, ":")))
		if (*el && !expand(el, origin, dir, sizeof(dir)) && dir[0] == '/')
			ret = try_dir(r, dir, name, out, outlen);
	free(copy);
	return ret;
}

static bool in_sys_dir(const struct resolver *r, const char *path)
{
	for (const char *const *d = sys_dirs(r); *d; d++) {
		size_t l = strlen(*d);

		if (!strncmp(path, *d, l) && path[l] == '/')
			return true;
	}
	return false;
}

static int search_cache(struct resolver *r, const char *name, bool nodeflib, char *out,
			size_t outlen)
{
	char path[PATH_MAX];
	const char *v;

	if (!r->cache_state)
		r->cache_state = cache_load(r->o, &r->cache, r->cache_why,
					    sizeof(r->cache_why)) ? -1 : 1;
	if (r->cache_state < 0)
		return 0;
	v = cache_lookup(&r->cache, name);
	/* Under DF_1_NODEFLIB ld.so takes no cache entry in a system directory. */
	if (!v || normalize(v, path, sizeof(path)) || (nodeflib && in_sys_dir(r, path)))
		return 0;
	return try_file(r, path, out, outlen);
}

/* "X needs NAME, not found in A, B or C (skipped ...; why)". */
static int not_found(struct resolver *r, size_t li, const char *name)
{
	const struct obj *l = &r->objs[li];
	char where[5][PATH_MAX / 2], sys[512] = "", all[4096] = "", hint[PATH_MAX + 64] = "";
	char tail[sizeof(r->skipped) + sizeof(hint) + 16] = "";
	size_t nw = 0, off = 0;

	for (long k = li; !l->runpath && k >= 0; k = r->objs[k].loader) {
		const struct obj *a = &r->objs[k];

		if (a->rpath && !a->runpath && nw < 2)
			snprintf(where[nw++], sizeof(where[0]), "RPATH %s%s%s", a->rpath,
				 (size_t)k == li ? "" : " of ", (size_t)k == li ? "" : label_of(r, k));
		else if (a->runpath && !hint[0])
			snprintf(hint, sizeof(hint), "; the RUNPATH of %.*s serves its own "
				 "DT_NEEDED only", PATH_MAX, label_of(r, k));
	}
	if (l->runpath)
		snprintf(where[nw++], sizeof(where[0]), "RUNPATH %s", l->runpath);
	if (r->cache_state > 0)
		snprintf(where[nw++], sizeof(where[0]), "the ld.so cache %s", r->o->cache);
	else if (r->o->cache)
		snprintf(where[nw++], sizeof(where[0]), "the ld.so cache (%s)", r->cache_why);
	if (!l->nodeflib) {
		for (const char *const *d = sys_dirs(r); *d && off < sizeof(sys); d++)
			off += snprintf(sys + off, sizeof(sys) - off, "%s%s", off ? ":" : "", *d);
		snprintf(where[nw++], sizeof(where[0]), "the system directories %s", sys);
	} else {
		off = strlen(hint);
		snprintf(hint + off, sizeof(hint) - off, "; DF_1_NODEFLIB: no system directory");
		off = 0;
	}
	if (!nw)
		snprintf(where[nw++], sizeof(where[0]), "any directory");
	off = 0;
	for (size_t i = 0; i < nw && off < sizeof(all); i++)
		off += snprintf(all + off, sizeof(all) - off, "%s%s",
				!i ? "" : i + 1 < nw ? ", " : " or ", where[i]);
	if (r->skipped[0] || hint[0])
		snprintf(tail, sizeof(tail), " (%s%s%s)", r->skipped[0] ? "skipped " : "",
			 r->skipped, r->skipped[0] || !hint[0] ? hint : hint + 2);
	return errf(r->msg, r->len, "%s needs %s, not found in %s%s", label_of(r, li), name, all,
		    tail);
}

/* Where ld.so finds name for objs[li]. 0 with out, or -1 with msg. */
static int find_lib(struct resolver *r, size_t li, const char *name, char *out, size_t outlen)
{
	const struct obj *l = &r->objs[li];
	int ret = 0;

	r->skipped[0] = 0;
	if (strchr(name, '/')) {
		char origin[PATH_MAX], exp[PATH_MAX], path[PATH_MAX];

		dir_of(l->path, origin, sizeof(origin));
		if (expand(name, origin, exp, sizeof(exp)) || normalize(exp, path, sizeof(path)))
			return errf(r->msg, r->len, "%s needs %s: not an absolute path (the guest's "
				    "loader would look for it from its working directory)",
				    label_of(r, li), name);
		ret = try_file(r, path, out, outlen);
		if (!ret)
			errf(r->msg, r->len, "%s needs %s: %s", label_of(r, li), name,
			     r->skipped[0] ? r->skipped : "no such file");
		return ret > 0 ? 0 : -1;
	}
	/* DT_RPATH of the object and of the ones that loaded it, up to the
	 * executable; none when the object has a DT_RUNPATH. */
	if (!l->runpath)
		for (long k = li; !ret && k >= 0; k = r->objs[k].loader)
			if (r->objs[k].rpath && !r->objs[k].runpath)
				ret = search_list(r, r->objs[k].rpath, &r->objs[k], name, out,
						  outlen);
	if (!ret && l->runpath)
		ret = search_list(r, l->runpath, l, name, out, outlen);
	if (!ret)
		ret = search_cache(r, name, l->nodeflib, out, outlen);
	for (const char *const *d = sys_dirs(r); !ret && !l->nodeflib && *d; d++)
		ret = try_dir(r, *d, name, out, outlen);
	if (!ret)
		return not_found(r, li, name);
	return ret > 0 ? 0 : -1;
}

static long find_loaded(const struct resolver *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct obj *ob = &r->objs[i];

		if (!strcmp(ob->path, name) || (ob->soname && !strcmp(ob->soname, name)))
			return i;
		for (size_t k = 0; k < ob->n_names; k++)
			if (!strcmp(ob->names[k], name))
				return i;
	}
	return -1;
}

static int add_name(struct resolver *r, struct obj *ob, const char *name)
{
	char **nn = realloc(ob->names, (ob->n_names + 1) * sizeof(*nn));

	if (!nn || !(nn[ob->n_names] = strdup(name))) {
		if (nn)
			ob->names = nn;
		return errf(r->msg, r->len, "out of memory");
	}
	ob->names = nn;
	ob->n_names++;
	return 0;
}

/* Append an object read from path (loaded for loader; the label names it
 * in messages). */
static int add_obj(struct resolver *r, const char *path, long loader, bool is_interp,
		   const char *label, char *interp, size_t interplen)
{
	struct obj ob = { .loader = loader, .is_interp = is_interp };

	if (r->n == MAX_OBJS)
		return errf(r->msg, r->len, "%s: more than %d shared libraries", r->binary,
			    MAX_OBJS);
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct obj *no = realloc(r->objs, cap * sizeof(*no));

		if (!no)
			return errf(r->msg, r->len, "out of memory");
		r->objs = no;
		r->cap = cap;
	}
	ob.path = strdup(path);
	if (!ob.path || read_elf(r->o, label, path, &ob, interp, interplen, r->msg, r->len)) {
		if (!ob.path)
			errf(r->msg, r->len, "out of memory");
		obj_free(&ob);
		return -1;
	}
	r->objs[r->n++] = ob;
	return 0;
}

/* The binary's real path under o->root, the root left out. */
static int real_path(const struct elfdeps_opts *o, const char *binary, char *out, size_t outlen,
		     char *msg, size_t len)
{
	char hp[PATH_MAX], *res, *root = NULL;
	size_t l = 0;
	int ret = -1;

	if (o->root && *o->root && binary[0] != '/')
		return errf(msg, len, "%s: not an absolute path (under root %s)", binary, o->root);
	if (host_path(o, binary, hp, sizeof(hp)))
		return errf(msg, len, "%s: path too long", binary);
	res = realpath(hp, NULL);
	if (!res)
		return errf(msg, len, "%s: %s", binary, strerror(errno));
	if (o->root && *o->root) {
		root = realpath(o->root, NULL);
		l = root ? strlen(root) : 0;
		if (!root || strncmp(res, root, l) || res[l] != '/') {
			errf(msg, len, "%s: its real path %s is outside the root %s", binary, res,
			     o->root);
			goto out;
		}
	}
	if (strlen(res + l) >= outlen) {
		errf(msg, len, "%s: path too long", binary);
		goto out;
	}
	memcpy(out, res + l, strlen(res + l) + 1);
	ret = 0;
out:
	free(res);
	free(root);
	return ret;
}

static int collect(struct resolver *r, struct elfdeps *d, const char *interp)
{
	d->libs = calloc(r->n, sizeof(*d->libs));
	if (!d->libs || !(d->path = strdup(r->objs[0].path)) ||
	    (interp[0] && !(d->interp = strdup(interp))))
		return errf(r->msg, r->len, "out of memory");
	for (size_t i = 1; i < r->n; i++) {
		if (r->objs[i].is_interp)
			continue;
		d->libs[d->n_libs] = strdup(r->objs[i].path);
		if (!d->libs[d->n_libs++])
			return errf(r->msg, r->len, "out of memory");
	}
	return 0;
}

/* Prefix r->msg with context: "A SEP B: what it said". */
static int wrap(struct resolver *r, const char *a, const char *sep, const char *b)
{
	char why[PATH_MAX + 256];

	snprintf(why, sizeof(why), "%s", r->msg);
	return errf(r->msg, r->len, "%s%s%s: %s", a, sep, b, why);
}

/* Breadth-first, as ld.so maps them: each object's DT_NEEDED in order. */
static int load_all(struct resolver *r)
{
	char lib[PATH_MAX];

	for (size_t i = 0; i < r->n; i++) {
		if (r->objs[i].is_interp)
			continue;
		for (size_t k = 0; k < r->objs[i].n_needed; k++) {
			const char *name = r->objs[i].needed[k];
			long have;

			if (find_loaded(r, name) >= 0)
				continue;
			if (find_lib(r, i, name, lib, sizeof(lib)))
				return -1;
			/* Found under another name: the same object, ld.so sees. */
			have = find_loaded(r, lib);
			if (have >= 0) {
				if (add_name(r, &r->objs[have], name))
					return -1;
				continue;
			}
			if (add_obj(r, lib, i, false, lib, NULL, 0) ||
			    add_name(r, &r->objs[r->n - 1], name))
				return wrap(r, label_of(r, i), " needs ", name);
		}
	}
	return 0;
}

int elfdeps_resolve(const char *binary, const struct elfdeps_opts *o, struct elfdeps *d,
		    char *msg, size_t len)
{
	struct resolver r = { .o = o ? o : &elfdeps_host, .binary = binary, .msg = msg,
			      .len = len };
	char real[PATH_MAX], interp[PATH_MAX];
	int ret = -1;

	memset(d, 0, sizeof(*d));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return errf(msg, len, "libelf: %s", elf_errmsg(-1));
	if (real_path(r.o, binary, real, sizeof(real), msg, len))
		return -1;
	if (add_obj(&r, real, -1, false, binary, interp, sizeof(interp)))
		goto out;
	/* ld.so is there first, under its PT_INTERP path and its DT_SONAME. */
	if (interp[0] && add_obj(&r, interp, -1, true, interp, NULL, 0)) {
		wrap(&r, binary, ": interpreter (PT_INTERP)", "");
		goto out;
	}
	if (load_all(&r) || collect(&r, d, interp))
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < r.n; i++)
		obj_free(&r.objs[i]);
	free(r.objs);
	free(r.cache.buf);
	if (ret)
		elfdeps_free(d);
	return ret;
}

void elfdeps_free(struct elfdeps *d)
{
	for (size_t i = 0; i < d->n_libs; i++)
		free(d->libs[i]);
	free(d->libs);
	free(d->path);
	free(d->interp);
	memset(d, 0, sizeof(*d));
}

// SPDX-License-Identifier: GPL-2.0-only
/* ELF vmlinux inspection: x86-64 ELF64 executable, .BTF section, the Xen
 * PVH entry note and the "Linux version" release string. The file is read,
 * not mapped (a file truncated meanwhile reads short instead of raising
 * SIGBUS); every offset and size from it is checked against the file, and
 * what is read into memory is bounded whatever the headers say. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/internal.h"

#ifndef XEN_ELFNOTE_PHYS32_ENTRY
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#endif

/* Real ones are a few hundred bytes; larger ones are not looked into. */
#define MAX_SHSTRTAB (1u << 20)
#define MAX_NOTES (64u << 10)
/* The release string is looked for in windows of this size. */
#define SCAN_CHUNK (1u << 20)

struct elf_file {
	int fd;
	uint64_t size;
	Elf64_Ehdr eh;
};

static bool in_file(const struct elf_file *f, uint64_t off, uint64_t size)
{
	return off <= f->size && size <= f->size - off;
}

/* n bytes at off, all inside the file; a short read (the file shrank) is a
 * failure. */
static bool rd(const struct elf_file *f, uint64_t off, void *buf, size_t n)
{
	uint8_t *p = buf;

	if (!in_file(f, off, n))
		return false;
	while (n) {
		ssize_t r = pread(f->fd, p, n, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		off += r;
		n -= r;
	}
	return true;
}

/* A table of num entries of `entsize` bytes at off, read whole (at most
 * 65535 entries: the count is 16 bits). NULL if it is not in the file. */
static void *rd_table(const struct elf_file *f, uint64_t off, unsigned num, size_t entsize)
{
	size_t n = (size_t)num * entsize;
	void *t;

	if (!off || !num || !in_file(f, off, n) || !(t = malloc(n)))
		return NULL;
	if (!rd(f, off, t, n)) {
		free(t);
		return NULL;
	}
	return t;
}

int vmlinux_check_header(const uint8_t *p, size_t n, char *msg, size_t msglen)
{
	Elf64_Ehdr eh;

	if (n < SELFMAG || memcmp(p, ELFMAG, SELFMAG)) {
		uint8_t b[4] = { 0 };

		memcpy(b, p, n < 4 ? n : 4);
		return errf(msg, msglen, "not an ELF file (it starts %02x %02x %02x %02x)",
			    b[0], b[1], b[2], b[3]);
	}
	if (n < sizeof(eh))
		return errf(msg, msglen, "truncated ELF header (%zu bytes of %zu)", n, sizeof(eh));
	memcpy(&eh, p, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return errf(msg, msglen, "not a 64-bit little-endian ELF (an x86-64 vmlinux is)");
	if (eh.e_machine != EM_X86_64)
		return errf(msg, msglen, "ELF for machine %u, not x86-64", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return errf(msg, msglen, "ELF %s, not an executable like vmlinux",
			    eh.e_type == ET_DYN ? "shared object or PIE program" :
			    eh.e_type == ET_REL ? "object file" :
			    eh.e_type == ET_CORE ? "core dump" : "of unknown type");
	return 0;
}

static bool has_section(const struct elf_file *f, const char *want)
{
	const Elf64_Ehdr *eh = &f->eh;
	size_t wl = strlen(want) + 1;
	Elf64_Shdr *sh, strs;
	char *names = NULL;
	bool found = false;

	if (eh->e_shentsize != sizeof(*sh) || eh->e_shstrndx >= eh->e_shnum)
		return false;
	sh = rd_table(f, eh->e_shoff, eh->e_shnum, sizeof(*sh));
	if (!sh)
		return false;
	strs = sh[eh->e_shstrndx];
	if (strs.sh_size <= MAX_SHSTRTAB && (names = malloc(strs.sh_size + 1)) &&
	    rd(f, strs.sh_offset, names, strs.sh_size)) {
		for (unsigned i = 0; i < eh->e_shnum && !found; i++) {
			uint64_t n = sh[i].sh_name;

			found = n < strs.sh_size && strs.sh_size - n >= wl &&
				!memcmp(names + n, want, wl);
		}
	}
	free(names);
	free(sh);
	return found;
}

/* Walk the notes of one PT_NOTE segment looking for Xen PHYS32_ENTRY. */
static bool find_pvh(const uint8_t *p, uint64_t len, uint32_t *entry)
{
	uint64_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		uint64_t name_off, desc_off, next;

		memcpy(&nh, p + off, sizeof(nh));
		name_off = off + sizeof(nh);
		desc_off = name_off + ((nh.n_namesz + 3ull) & ~3ull);
		next = desc_off + ((nh.n_descsz + 3ull) & ~3ull);
		if (next > len)
			return false;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 &&
		    !memcmp(p + name_off, "Xen", 4) && nh.n_descsz >= 4) {
			memcpy(entry, p + desc_off, 4);
			return true;
		}
		off = next;
	}
	return false;
}

static bool has_pvh(const struct elf_file *f, uint32_t *entry)
{
	const Elf64_Ehdr *eh = &f->eh;
	Elf64_Phdr *ph;
	bool found = false;

	if (eh->e_phentsize != sizeof(*ph))
		return false;
	ph = rd_table(f, eh->e_phoff, eh->e_phnum, sizeof(*ph));
	for (unsigned i = 0; ph && i < eh->e_phnum && !found; i++) {
		uint64_t n = ph[i].p_filesz < MAX_NOTES ? ph[i].p_filesz : MAX_NOTES;
		uint8_t *notes;

		if (ph[i].p_type != PT_NOTE || !n || !in_file(f, ph[i].p_offset, ph[i].p_filesz) ||
		    !(notes = malloc(n)))
			continue;
		found = rd(f, ph[i].p_offset, notes, n) && find_pvh(notes, n, entry);
		free(notes);
	}
	free(ph);
	return found;
}

/* The first "Linux version X" with X starting with a digit, read in
 * windows of SCAN_CHUNK that overlap by the longest match, so a match that
 * starts in a window is whole in it. */
static bool find_release(const struct elf_file *f, char *buf, size_t len)
{
	static const char tag[] = "Linux version ";
	const size_t tl = sizeof(tag) - 1, over = tl + len;
	uint8_t *w = malloc(f->size < SCAN_CHUNK + over ? f->size : SCAN_CHUNK + over);
	bool found = false;

	for (uint64_t off = 0; w && off < f->size && !found; off += SCAN_CHUNK) {
		uint64_t left = f->size - off;
		size_t n = left < SCAN_CHUNK + over ? left : SCAN_CHUNK + over;
		size_t starts = n < SCAN_CHUNK ? n : SCAN_CHUNK;
		const uint8_t *p = w, *end = w + n;

		if (!rd(f, off, w, n))
			break;
		while ((p = memmem(p, end - p, tag, tl)) && p < w + starts) {
			const uint8_t *r = p + tl;
			size_t i = 0;

			p = r;
			if (r >= end || *r < '0' || *r > '9')
				continue;
			while (r + i < end && i + 1 < len && r[i] > ' ' && r[i] < 0x7f)
				i++;
			memcpy(buf, r, i);
			buf[i] = '\0';
			found = true;
			break;
		}
	}
	free(w);
	return found;
}

/* The checks on an open regular file. */
static int inspect(struct elf_file *f, struct vmlinux_info *info, char *why, size_t whylen)
{
	uint8_t head[sizeof(Elf64_Ehdr)];
	size_t n = f->size < sizeof(head) ? f->size : sizeof(head);

	char what[200];

	if (!rd(f, 0, head, n))
		return errf(why, whylen, "cannot read its header (it shrank while being read)");
	if (vmlinux_check_header(head, n, what, sizeof(what)))
		return errf(why, whylen, "not a kernel: %s", what);
	memcpy(&f->eh, head, sizeof(f->eh));
	if (!find_release(f, info->release, sizeof(info->release)))
		return errf(why, whylen, "x86-64 ELF but not a Linux kernel (no 'Linux version' string)");
	info->has_btf = has_section(f, ".BTF");
	info->has_pvh = has_pvh(f, &info->pvh_entry);
	return 0;
}

int kvmlinux_inspect(const char *path, struct vmlinux_info *info,
		     char *why, size_t whylen)
{
	struct elf_file f;
	struct stat st;
	int ret;

	memset(info, 0, sizeof(*info));
	f.fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (f.fd < 0)
		return errf(why, whylen, "%s", strerror(errno));
	if (fstat(f.fd, &st) < 0) {
		ret = errno;
		close(f.fd);
		return errf(why, whylen, "%s", strerror(ret));
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(f.fd);
		return errf(why, whylen, "not a kernel: %s",
			    S_ISREG(st.st_mode) ? "empty file" : "not a regular file");
	}
	f.size = st.st_size;
	ret = inspect(&f, info, why, whylen);
	close(f.fd);
	return ret;
}

int vmlinux_inspect(const char *path, struct vmlinux_info *info,
		    char *msg, size_t msglen)
{
	char why[256];

	if (kvmlinux_inspect(path, info, why, sizeof(why)))
		return errf(msg, msglen, "'%s': %s", path, why);
	return 0;
}

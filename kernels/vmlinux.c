/* ELF vmlinux inspection: x86-64 ELF64 executable, .BTF section, the Xen
 * PVH entry note and the "Linux version" release string. Every offset read
 * from the file is bounds-checked against the mapping. */
#include <elf.h>
#include <stdio.h>
#include <string.h>

#include "kernels/internal.h"

#ifndef XEN_ELFNOTE_PHYS32_ENTRY
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#endif

static bool in_file(const struct kmap *m, uint64_t off, uint64_t size)
{
	return off <= m->len && size <= m->len - off;
}

int vmlinux_check_header(const uint8_t *p, size_t n, char *msg, size_t msglen)
{
	Elf64_Ehdr eh;

	if (n < SELFMAG || memcmp(p, ELFMAG, SELFMAG)) {
		uint8_t b[4] = { 0 };

		memcpy(b, p, n < 4 ? n : 4);
		return kmsg(msg, msglen, "not an ELF file (it starts %02x %02x %02x %02x)",
			    b[0], b[1], b[2], b[3]);
	}
	if (n < sizeof(eh))
		return kmsg(msg, msglen, "truncated ELF header (%zu bytes of %zu)", n, sizeof(eh));
	memcpy(&eh, p, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return kmsg(msg, msglen, "not a 64-bit little-endian ELF (an x86-64 vmlinux is)");
	if (eh.e_machine != EM_X86_64)
		return kmsg(msg, msglen, "ELF for machine %u, not x86-64", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		return kmsg(msg, msglen, "ELF %s, not an executable like vmlinux",
			    eh.e_type == ET_DYN ? "shared object or PIE program" :
			    eh.e_type == ET_REL ? "object file" :
			    eh.e_type == ET_CORE ? "core dump" : "of unknown type");
	return 0;
}

static bool has_section(const struct kmap *m, const char *want)
{
	const Elf64_Ehdr *eh = (const void *)m->p;
	const Elf64_Shdr *sh, *strs;

	if (!eh->e_shoff || eh->e_shentsize != sizeof(*sh) ||
	    !in_file(m, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*sh)) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return false;
	sh = (const void *)(m->p + eh->e_shoff);
	strs = &sh[eh->e_shstrndx];
	if (!in_file(m, strs->sh_offset, strs->sh_size))
		return false;
	for (unsigned i = 0; i < eh->e_shnum; i++) {
		uint64_t n = sh[i].sh_name;
		size_t wl = strlen(want) + 1;

		if (n < strs->sh_size && strs->sh_size - n >= wl &&
		    !memcmp(m->p + strs->sh_offset + n, want, wl))
			return true;
	}
	return false;
}

/* Walk the notes of one PT_NOTE segment looking for Xen PHYS32_ENTRY. */
static bool find_pvh(const uint8_t *p, uint64_t len, uint32_t *entry)
{
	uint64_t off = 0;

	while (len - off >= sizeof(Elf64_Nhdr)) {
		const Elf64_Nhdr *nh = (const void *)(p + off);
		uint64_t name_off = off + sizeof(*nh);
		uint64_t desc_off = name_off + ((nh->n_namesz + 3ull) & ~3ull);
		uint64_t next = desc_off + ((nh->n_descsz + 3ull) & ~3ull);

		if (next > len)
			return false;
		if (nh->n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh->n_namesz == 4 &&
		    !memcmp(p + name_off, "Xen", 4) && nh->n_descsz >= 4) {
			memcpy(entry, p + desc_off, 4);
			return true;
		}
		off = next;
	}
	return false;
}

static bool has_pvh(const struct kmap *m, uint32_t *entry)
{
	const Elf64_Ehdr *eh = (const void *)m->p;
	const Elf64_Phdr *ph;

	if (!eh->e_phoff || eh->e_phentsize != sizeof(*ph) ||
	    !in_file(m, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(*ph)))
		return false;
	ph = (const void *)(m->p + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE || !in_file(m, ph[i].p_offset, ph[i].p_filesz))
			continue;
		if (find_pvh(m->p + ph[i].p_offset, ph[i].p_filesz, entry))
			return true;
	}
	return false;
}

/* The first "Linux version X" with X starting with a digit. */
static bool find_release(const struct kmap *m, char *buf, size_t len)
{
	static const char tag[] = "Linux version ";
	const uint8_t *p = m->p, *end = m->p + m->len;

	while ((p = memmem(p, end - p, tag, sizeof(tag) - 1))) {
		const uint8_t *r = p + sizeof(tag) - 1;
		size_t i = 0;

		p = r;
		if (r >= end || *r < '0' || *r > '9')
			continue;
		while (r + i < end && i + 1 < len && r[i] > ' ' && r[i] < 0x7f)
			i++;
		memcpy(buf, r, i);
		buf[i] = '\0';
		return true;
	}
	return false;
}

int vmlinux_inspect(const char *path, struct vmlinux_info *info,
		    char *msg, size_t msglen)
{
	char why[256];
	struct kmap m;

	memset(info, 0, sizeof(*info));
	if (kmap_open(path, &m, msg, msglen))
		return -1;
	if (vmlinux_check_header(m.p, m.len, why, sizeof(why))) {
		kmap_close(&m);
		return kmsg(msg, msglen, "'%s': not a kernel: %s", path, why);
	}
	if (!find_release(&m, info->release, sizeof(info->release))) {
		kmap_close(&m);
		return kmsg(msg, msglen, "'%s': x86-64 ELF but not a Linux kernel (no 'Linux version' string)",
			    path);
	}
	info->has_btf = has_section(&m, ".BTF");
	info->has_pvh = has_pvh(&m, &info->pvh_entry);
	kmap_close(&m);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Builds the synthetic ELF and bzImage fixtures (see fixtures.h). */
#include <elf.h>
#include <ftw.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "fixtures.h"

struct fx_note {
	Elf64_Nhdr nh;
	char name[4];
	uint32_t desc;
};

static const char shstr[] = "\0.BTF\0.shstrtab\0.text\0";
#define SH_BTF 1
#define SH_SHSTRTAB 6
#define SH_TEXT 16

size_t fx_elf(uint8_t *buf, bool btf, bool pvh)
{
	static const char banner[] = "Linux version " FX_RELEASE " (test@ktstr) #1 SMP";
	Elf64_Ehdr *eh = (void *)buf;
	Elf64_Phdr *ph = (void *)(buf + 64);
	struct fx_note *note = (void *)(buf + 256);
	Elf64_Shdr *sh = (void *)(buf + 1024);
	size_t off_banner = 512, off_btf = 768, off_str = 896;

	memset(buf, 0, 4096);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x1000000;
	eh->e_phoff = 64;
	eh->e_shoff = 1024;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	eh->e_shentsize = sizeof(*sh);
	eh->e_shnum = 4;
	eh->e_shstrndx = 2;

	ph->p_type = PT_NOTE;
	ph->p_offset = 256;
	ph->p_filesz = sizeof(*note);
	note->nh.n_namesz = 4;
	note->nh.n_descsz = 4;
	note->nh.n_type = pvh ? 18 : 17;
	memcpy(note->name, "Xen", 4);
	note->desc = FX_PVH_ENTRY;

	memcpy(buf + off_banner, banner, sizeof(banner));
	memcpy(buf + off_btf, "\x9f\xeb\x01\x00", 4);
	memcpy(buf + off_str, shstr, sizeof(shstr));
	sh[1].sh_name = btf ? SH_BTF : SH_TEXT;
	sh[1].sh_type = SHT_PROGBITS;
	sh[1].sh_offset = off_btf;
	sh[1].sh_size = 64;
	sh[2].sh_name = SH_SHSTRTAB;
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = off_str;
	sh[2].sh_size = sizeof(shstr);
	sh[3].sh_name = SH_TEXT;
	sh[3].sh_type = SHT_PROGBITS;
	sh[3].sh_offset = off_banner;
	sh[3].sh_size = 128;
	return 1024 + 4 * sizeof(*sh);
}

size_t fx_compress(const char *comp, const uint8_t *in, size_t n,
		   uint8_t *out, size_t cap)
{
	if (!strcmp(comp, "zstd")) {
		size_t r = ZSTD_compress(out, cap, in, n, 19);

		return ZSTD_isError(r) ? 0 : r;
	}
	if (!strcmp(comp, "gzip")) {
		z_stream zs = { 0 };
		size_t r;

		deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (Bytef *)in;
		zs.avail_in = n;
		zs.next_out = out;
		zs.avail_out = cap;
		deflate(&zs, Z_FINISH);
		r = cap - zs.avail_out;
		deflateEnd(&zs);
		return r;
	}
	if (!strcmp(comp, "xz")) {
		lzma_options_lzma opt;
		lzma_filter f[2] = { { LZMA_FILTER_LZMA2, &opt }, { LZMA_VLI_UNKNOWN, NULL } };
		size_t pos = 0;

		/* The kernel's xz uses 32 MiB; small keeps the fuzz seeds cheap. */
		lzma_lzma_preset(&opt, 6);
		opt.dict_size = 64u << 10;
		if (lzma_stream_buffer_encode(f, LZMA_CHECK_CRC32, NULL, in, n,
					      out, &pos, cap) != LZMA_OK)
			return 0;
		return pos;
	}
	if (!strcmp(comp, "lzma")) {
		lzma_stream ls = LZMA_STREAM_INIT;
		lzma_options_lzma opt;
		size_t r;

		/* lzma -9 as the kernel build runs it, with a 1 MiB dictionary. */
		lzma_lzma_preset(&opt, 9);
		opt.dict_size = 1u << 20;
		if (lzma_alone_encoder(&ls, &opt) != LZMA_OK)
			return 0;
		ls.next_in = in;
		ls.avail_in = n;
		ls.next_out = out;
		ls.avail_out = cap;
		r = lzma_code(&ls, LZMA_FINISH) == LZMA_STREAM_END ? cap - ls.avail_out : 0;
		lzma_end(&ls);
		return r;
	}
	return 0;
}

uint8_t *fx_bzimage_wrap(const uint8_t *cpayload, size_t clen, bool trailer,
			 uint32_t size, uint32_t init_size, size_t *len)
{
	const size_t setup = 2 * 512, pad = 0x100;
	uint8_t *img = calloc(1, setup + pad + clen + 4);
	uint8_t *p = img + setup + pad;
	uint32_t total;

	memcpy(p, cpayload, clen);
	if (trailer) {
		memcpy(p + clen, &size, 4);
		clen += 4;
	}
	total = clen;
	img[0x1f1] = 1;                 /* setup_sects: 1 + boot sector */
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f;              /* boot protocol 2.15 */
	img[0x207] = 0x02;
	img[0x20e] = 0x00;              /* kernel_version: 0x300 - 0x200 */
	img[0x20f] = 0x01;
	img[0x211] = 0x01;              /* LOADED_HIGH */
	memcpy(img + 0x300, FX_RELEASE " (test@ktstr) #1", sizeof(FX_RELEASE " (test@ktstr) #1"));
	memcpy(img + 0x248, &(uint32_t){ pad }, 4);
	memcpy(img + 0x24c, &total, 4);
	memcpy(img + 0x260, &init_size, 4);
	*len = setup + pad + clen;
	return img;
}

uint32_t fx_init_size(size_t plen)
{
	/* header.S: at least the decompressed size plus extra room, paged. */
	return (plen + (plen >> 8) + 65536 + 4095) & ~4095u;
}

uint8_t *fx_bzimage(const char *comp, const uint8_t *payload, size_t plen,
		    size_t *len)
{
	size_t cap = plen + 65536, clen;
	uint8_t *c = malloc(cap), *img;

	clen = fx_compress(comp, payload, plen, c, cap);
	if (!clen)
		abort();
	img = fx_bzimage_wrap(c, clen, strcmp(comp, "gzip") != 0, plen,
			      fx_init_size(plen), len);
	free(c);
	return img;
}

void fx_tmpdir(char *buf, size_t len)
{
	char cache[4200];

	snprintf(buf, len, "/tmp/ktstr-kernels-test-XXXXXX");
	if (!mkdtemp(buf))
		abort();
	snprintf(cache, sizeof(cache), "%s/cache", buf);
	setenv("XDG_CACHE_HOME", cache, 1);
}

void fx_write(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

void fx_write_elf(const char *path, bool btf, bool pvh)
{
	uint8_t elf[4096];
	size_t n = fx_elf(elf, btf, pvh);

	fx_write(path, elf, n);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

void fx_rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char fx_dir[256];

void fx_suite_init(void)
{
	fx_tmpdir(fx_dir, sizeof(fx_dir));
}

void fx_suite_fini(void)
{
	fx_rm_rf(fx_dir);
}

// SPDX-License-Identifier: GPL-2.0-only
/* The 64-bit boot protocol into a bzImage (Documentation/arch/x86/boot.rst):
 * copy the protected-mode part to 1 MiB, fill the zero page with the setup
 * header, command line, initrd, RSDP and e820, and enter at +0x200. */
#include <asm/bootparam.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/arch/x86/boot.h"
#include "host/arch/x86/layout.h"

_Static_assert(sizeof(struct boot_params) == 4096, "zero page");
_Static_assert(sizeof(struct boot_e820_entry) == 20, "e820 entry");

static int check_header(const uint8_t *img, size_t size, struct setup_header *h,
			char *msg, size_t len)
{
	if (size < 0x250) {
		snprintf(msg, len, "too small for a bzImage");
		return -1;
	}
	memcpy(h, img + 0x1f1, sizeof(*h));
	if (h->boot_flag != 0xaa55 || h->header != 0x53726448) {
		snprintf(msg, len, "not a bzImage (no HdrS setup header)");
		return -1;
	}
	if (h->version < 0x020c || !(h->xloadflags & XLF_KERNEL_64)) {
		snprintf(msg, len, "boot protocol %x.%02x without the 64-bit entry "
			 "(needs 2.12 and XLF_KERNEL_64)", h->version >> 8, h->version & 0xff);
		return -1;
	}
	return 0;
}

static int fill_zero_page(const struct guestmem *gm, const uint8_t *img,
			  const struct x86_boot_args *a, uint64_t initrd,
			  char *msg, size_t len)
{
	struct boot_params *bp = gm_ptr(gm, X86_ZERO_PAGE, sizeof(*bp));
	struct x86_e820 map[8];
	size_t hdr_end = 0x202 + img[0x201];
	int n = x86_e820_build(a, map, 8);

	if (!bp || hdr_end > sizeof(*bp)) {
		snprintf(msg, len, "zero page does not fit");
		return -1;
	}
	memset(bp, 0, sizeof(*bp));
	memcpy((uint8_t *)bp + 0x1f1, img + 0x1f1, hdr_end - 0x1f1);
	bp->hdr.type_of_loader = 0xff;
	bp->hdr.cmd_line_ptr = X86_CMDLINE;
	bp->hdr.ramdisk_image = initrd;
	bp->hdr.ramdisk_size = initrd ? a->initrd_len : 0;
	bp->ext_ramdisk_image = initrd >> 32;
	bp->acpi_rsdp_addr = a->rsdp;
	for (int i = 0; i < n; i++) {
		bp->e820_table[i].addr = map[i].addr;
		bp->e820_table[i].size = map[i].size;
		bp->e820_table[i].type = map[i].type;
	}
	bp->e820_entries = n;
	return 0;
}

int x86_boot_bzimage(const struct guestmem *gm, const char *bzimage,
		     const struct x86_boot_args *a, struct x86_entry *e,
		     char *msg, size_t len)
{
	struct setup_header h;
	char why[512];
	size_t size, setup;
	uint8_t *img = x86_map_file(bzimage, &size, why, sizeof(why)), *dst;
	uint64_t initrd, kend;
	int ret = -1;

	if (!img) {
		snprintf(msg, len, "%s", why);
		return -1;
	}
	if (check_header(img, size, &h, why, sizeof(why))) {
		snprintf(msg, len, "%s: %s", bzimage, why);
		goto out;
	}
	setup = ((h.setup_sects ? h.setup_sects : 4) + 1) * 512;
	dst = setup < size ? gm_ptr(gm, X86_HIMEM, size - setup) : NULL;
	if (!dst) {
		snprintf(msg, len, "%s: the kernel does not fit in guest RAM", bzimage);
		goto out;
	}
	x86_copy_to_guest(dst, img + setup, size - setup);
	/* The decompressor runs at LOAD_PHYSICAL_ADDR (pref_address) and needs
	 * init_size bytes there: keep the initrd above that. */
	kend = (h.pref_address > X86_HIMEM ? h.pref_address : X86_HIMEM) + h.init_size;
	if (x86_load_cmdline(gm, a->cmdline, h.cmdline_size + 1, msg, len) ||
	    x86_load_initrd(gm, a, kend, (uint64_t)h.initrd_addr_max + 1, &initrd,
			    msg, len) ||
	    fill_zero_page(gm, img, a, initrd, msg, len))
		goto out;
	e->mode = X86_ENTRY_LINUX64;
	e->rip = X86_HIMEM + X86_BZ_ENTRY64_OFF;
	e->rsi = X86_ZERO_PAGE;
	e->rbx = 0;
	ret = 0;
out:
	x86_unmap_file(img, size);
	return ret;
}

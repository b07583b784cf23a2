// SPDX-License-Identifier: GPL-2.0-only
/* The own VMM's snapshot file without KVM: the container round-trips its
 * sections and RAM pages, and refuses a file that is damaged, truncated, of
 * another version, with a section twice or RAM extents out of order or past
 * the RAM; the devices' state (UART, PCI config, virtio-pci, the console's
 * pending host bytes) round-trips through it into fresh devices, and a state
 * no guest could have made (a read-only config byte changed, a ring outside
 * RAM, features never offered) is refused. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host/dev/pci.h"
#include "host/dev/serial8250.h"
#include "host/dev/virtio_console.h"
#include "host/vmm/snapfile.h"
#include "host/vmm/vmm.h"
#include "tests/vmm/no_kvm.h"

#define ECAM	0xe0000000u
#define MMIO	0xc0000000u
#define IO	0x6000u
#define COM1	0x3f8u
#define SLOT	1u

static char path[64];

static void tmp_path(void)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/ktstr-snapfile-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(path);	/* vsnap_write_file creates it */
}

static void cleanup(void)
{
	if (path[0])
		unlink(path);
}

TestSuite(snapfile, .init = tmp_path, .fini = cleanup, .timeout = 20);

static uint8_t lo[64 << 10] __attribute__((aligned(4096)));
static uint8_t hi[16 << 10] __attribute__((aligned(4096)));

/* Two sections and RAM pages: lo pages 2-3 and hi page 1. */
static void write_sample(struct vmm_ram_extent *ext, uint32_t n)
{
	struct vsnap_writer w = { 0 };
	uint8_t *ram[2] = { lo, hi };
	char msg[512];

	memset(lo + 2 * 4096, 0xa5, 2 * 4096);
	memset(hi + 4096, 0x5a, 4096);
	vsnap_put(&w, "ABCD", 0, "xyz", 3);
	vsnap_put(&w, "EFGH", 7, "0123456789abcdef", 16);
	cr_assert_eq(vsnap_write_file(&w, path, ram, ext, n, msg, sizeof(msg)), 0, "%s", msg);
	vsnap_writer_free(&w);
}

static void write_good(void)
{
	struct vmm_ram_extent ext[2] = {
		{ .region = 0, .page = 2, .npages = 2 }, { .region = 1, .page = 1, .npages = 1 },
	};

	write_sample(ext, 2);
}

/* Open path, expecting failure with a message containing want. */
static void expect_refused(const char *want)
{
	struct vsnap_reader r;
	char msg[512] = "";

	cr_expect_neq(vsnap_open(&r, path, msg, sizeof(msg)), 0, "accepted");
	cr_expect(strstr(msg, want), "message '%s' lacks '%s'", msg, want);
	vsnap_close(&r);
}

static void patch(uint64_t off, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY);

	cr_assert_geq(fd, 0);
	cr_assert_eq(pwrite(fd, p, n, off), (ssize_t)n);
	close(fd);
}

Test(snapfile, sections_and_ram_round_trip)
{
	struct vsnap_reader r;
	uint64_t size, regions[2] = { sizeof(lo), sizeof(hi) };
	const char *p;
	uint8_t page[4096];
	char msg[512];

	write_good();
	cr_assert_eq(vsnap_open(&r, path, msg, sizeof(msg)), 0, "%s", msg);
	p = vsnap_find(&r, "ABCD", 0, &size);
	cr_assert_not_null(p);
	cr_expect_eq(size, 3);
	cr_expect_eq(memcmp(p, "xyz", 3), 0);
	p = vsnap_find(&r, "EFGH", 7, &size);
	cr_assert_not_null(p);
	cr_expect_eq(memcmp(p, "0123456789abcdef", 16), 0);
	cr_expect_null(vsnap_find(&r, "EFGH", 6, &size));
	cr_expect_neq(vsnap_get(&r, "EFGH", 7, page, 15, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "16 bytes, expected 15"), "%s", msg);
	cr_assert_eq(r.n_ext, 2);
	cr_expect_eq(r.data_off % 4096, 0);
	cr_expect_eq(r.data_size, 3 * 4096);
	cr_expect_eq(vmm_ram_check(r.ext, r.n_ext, regions, 2, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(pread(r.fd, page, 4096, r.data_off + r.ext[1].off), 4096);
	cr_expect_eq(page[0], 0x5a, "hi page 1 at its extent's offset");
	cr_assert_eq(pread(r.fd, page, 4096, r.data_off + r.ext[0].off + 4096), 4096);
	cr_expect_eq(page[4095], 0xa5);
	vsnap_close(&r);
}

Test(snapfile, damaged_sections_are_refused)
{
	uint8_t x = 'Q';

	write_good();
	patch(sizeof(struct vsnap_hdr) + sizeof(struct vsnap_sec) + 1, &x, 1);
	expect_refused("damaged");
}

Test(snapfile, truncated_file_is_refused)
{
	write_good();
	cr_assert_eq(truncate(path, 4096 * 2), 0);
	expect_refused("truncated");
}

Test(snapfile, other_version_is_refused)
{
	uint32_t v = VSNAP_VERSION + 1;

	write_good();
	patch(8, &v, 4);
	expect_refused("format version");
}

Test(snapfile, section_twice_is_refused)
{
	struct vsnap_writer w = { 0 };
	char msg[512];

	vsnap_put(&w, "ABCD", 1, "a", 1);
	vsnap_put(&w, "ABCD", 1, "b", 1);
	cr_assert_eq(vsnap_write_file(&w, path, NULL, NULL, 0, msg, sizeof(msg)), 0, "%s", msg);
	vsnap_writer_free(&w);
	expect_refused("appears twice");
}

Test(snapfile, overlapping_extents_are_refused)
{
	struct vmm_ram_extent ext[2] = {
		{ .region = 0, .page = 2, .npages = 2 }, { .region = 0, .page = 3, .npages = 1 },
	};

	write_sample(ext, 2);
	expect_refused("is not after extent 0");
}

Test(snapfile, extent_past_the_ram_is_refused)
{
	struct vsnap_reader r;
	uint64_t regions[2] = { sizeof(lo), 4096 };	/* hi smaller than the file says */
	char msg[512];

	write_good();
	cr_assert_eq(vsnap_open(&r, path, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_neq(vmm_ram_check(r.ext, r.n_ext, regions, 2, msg, sizeof(msg)), 0);
	cr_expect(strstr(msg, "outside this VM's RAM"), "%s", msg);
	cr_expect_neq(vmm_ram_check(r.ext, r.n_ext, regions, 1, msg, sizeof(msg)), 0,
		      "an extent in a region this VM lacks");
	vsnap_close(&r);
}

/* The devices as backend_kvm sets them up, on a VM without KVM. */
struct board {
	struct vmm vm;
	struct serial8250 com1;
	struct pci_bus bus;
	struct virtio_console con;
	int sv[2];
};

static uint8_t ram[1 << 20] __attribute__((aligned(4096)));

static void board_up(struct board *b)
{
	memset(b, 0, sizeof(*b));
	vm_without_kvm(&b->vm);
	cr_assert_eq(gm_add(&b->vm.gm, 0, sizeof(ram), ram), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b->sv), 0);
	cr_assert_eq(serial8250_init(&b->com1, &b->vm, COM1, 4, -1), 0);
	cr_assert_eq(pci_init(&b->bus, &b->vm, NULL, ECAM, MMIO, 0x10000000, IO, 0x1000), 0);
	cr_assert_eq(virtio_console_init(&b->con, &b->vm, b->sv[1], b->sv[1], MMIO, IO), 0);
	cr_assert_eq(pci_add(&b->bus, SLOT, &b->con.vp.pci), 0);
}

static void board_down(struct board *b)
{
	pci_destroy(&b->bus);
	close(b->sv[0]);
	close(b->sv[1]);
	pthread_mutex_destroy(&b->vm.bus.lock);
}

static void io(struct board *b, uint32_t port, uint32_t v, int len)
{
	iotrap_dispatch(&b->vm.bus, &b->vm.bus.pio, port, (uint8_t *)&v, len, true);
}

/* A driver's probe: both queues, an MSI-X entry; the UART's line set. */
static void drive(struct board *b)
{
	uint32_t v = 0x7, msix[4] = { 0xfee00000, 0, 0x41, 0 };

	iotrap_dispatch(&b->vm.bus, &b->vm.bus.mmio, ECAM + (SLOT << 15) + 4, (uint8_t *)&v, 2,
			true);
	io(b, IO + 20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	io(b, IO + 8, 1, 4);
	io(b, IO + 12, 1, 4);
	io(b, IO + 20, 0xb, 1);
	for (int q = 0; q < 2; q++) {
		io(b, IO + 22, q, 2);
		io(b, IO + 26, q, 2);	/* MSI-X vector q */
		io(b, IO + 32, 0x1000 + q * 0x3000, 4);
		io(b, IO + 40, 0x2000 + q * 0x3000, 4);
		io(b, IO + 48, 0x3000 + q * 0x3000, 4);
		io(b, IO + 28, 1, 2);
	}
	io(b, IO + 20, 0xf, 1);
	iotrap_dispatch(&b->vm.bus, &b->vm.bus.mmio, MMIO + 16, (uint8_t *)msix, 16, true);
	io(b, COM1 + 3, 0x03, 1);	/* LCR: 8n1 */
	io(b, COM1 + 1, 0x02, 1);	/* IER: THRI */
}

static void save_board(struct board *b)
{
	struct vsnap_writer w = { 0 };
	char msg[512];

	serial8250_save(&b->com1, &w, 0);
	pci_save(&b->bus, &w);
	virtio_console_save(&b->con, &w, SLOT);
	cr_assert_eq(vsnap_write_file(&w, path, NULL, NULL, 0, msg, sizeof(msg)), 0, "%s", msg);
	vsnap_writer_free(&w);
}

/* Load path into b: 0, or -1 with msg. */
static int load_board(struct board *b, char *msg, size_t len)
{
	struct vsnap_reader r;
	int err;

	cr_assert_eq(vsnap_open(&r, path, msg, len), 0, "%s", msg);
	err = serial8250_load(&b->com1, &r, 0, msg, len) ?: pci_load(&b->bus, &r, msg, len) ?:
	      virtio_console_load(&b->con, &r, SLOT, msg, len);
	vsnap_close(&r);
	return err;
}

Test(snapfile, devices_round_trip)
{
	static struct board a, b;
	char msg[512];

	board_up(&a);
	drive(&a);
	cr_assert_eq(write(a.sv[0], "pending", 7), 7);
	cr_expect_eq(virtio_console_rx(&a.con), VCON_RX_BLOCKED, "no receive buffer offered");
	save_board(&a);
	board_up(&b);
	cr_assert_eq(load_board(&b, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect_eq(memcmp(b.con.vp.pci.cfg, a.con.vp.pci.cfg, 256), 0);
	cr_expect_eq(memcmp(b.con.vp.pci.shadow, a.con.vp.pci.cfg, 256), 0, "the ECAM copy");
	cr_expect_eq(b.con.vp.status, 0xf);
	cr_expect_eq(b.con.vp.gfeatures, a.con.vp.gfeatures);
	for (int q = 0; q < 2; q++) {
		cr_expect(b.con.vp.vq[q].ready);
		cr_expect_eq(b.con.vp.vq[q].desc, a.con.vp.vq[q].desc);
		cr_expect_eq(b.con.vp.vq[q].used, a.con.vp.vq[q].used);
		cr_expect_eq(b.con.vp.vq[q].size, a.con.vp.vq[q].size);
		cr_expect_eq(b.con.vp.vq[q].msix_vector, q);
	}
	cr_expect_eq(memcmp(b.con.vp.msix, a.con.vp.msix, sizeof(a.con.vp.msix)), 0);
	cr_expect_eq(b.con.rx_len - b.con.rx_off, 7);
	cr_expect_eq(memcmp(b.con.rx_buf + b.con.rx_off, "pending", 7), 0);
	cr_expect_eq(b.com1.lcr, 0x03);
	cr_expect_eq(b.com1.ier, 0x02);
	board_down(&a);
	board_down(&b);
}

/* Save a driven board, change its state with f, and expect the load to
 * refuse it with want in the message. */
static void refused_after(void (*f)(struct board *), const char *want)
{
	static struct board a, b;
	char msg[512] = "";

	board_up(&a);
	drive(&a);
	f(&a);
	save_board(&a);
	board_up(&b);
	cr_expect_neq(load_board(&b, msg, sizeof(msg)), 0, "accepted");
	cr_expect(strstr(msg, want), "message '%s' lacks '%s'", msg, want);
	board_down(&a);
	board_down(&b);
}

static void change_device_id(struct board *b)
{
	b->con.vp.pci.cfg[2] ^= 1;
}

static void ring_past_ram(struct board *b)
{
	b->con.vp.vq[1].used = sizeof(ram) - 8;
}

static void features_not_offered(struct board *b)
{
	b->con.vp.gfeatures |= 1ull << 40;
}

static void vector_out_of_range(struct board *b)
{
	b->con.vp.vq[0].msix_vector = VP_MSIX;
}

Test(snapfile, read_only_config_byte_is_refused)
{
	refused_after(change_device_id, "read-only");
}

Test(snapfile, ring_outside_ram_is_refused)
{
	refused_after(ring_past_ram, "not inside guest RAM");
}

Test(snapfile, features_never_offered_are_refused)
{
	refused_after(features_not_offered, "offered");
}

Test(snapfile, vector_out_of_range_is_refused)
{
	refused_after(vector_out_of_range, "vector");
}

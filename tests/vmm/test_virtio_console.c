// SPDX-License-Identifier: GPL-2.0-only
/* virtio-console as the guest drives it through the I/O dispatch: a buffer
 * offered on the transmit queue reaches the report socket; a hostile ring
 * (the used ring over the avail ring) costs at most a ring's worth of work per
 * notify; nothing is served once the VM ends; a write blocked on a full
 * socket gives up when the VM ends. The receive queue: host bytes land in the
 * guest's writable buffers only, split over buffers, wait for a buffer when
 * there is none, and a chain outside RAM is refused; the receive thread
 * delivers without a kick. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/dev/pci.h"
#include "host/dev/virtio_console.h"
#include "host/vmm/vmm.h"
#include "tests/vmm/blocked.h"
#include "tests/vmm/no_kvm.h"

#define ECAM	0xe0000000u
#define MMIO	0xc0000000u
#define IO	0x6000u
#define SLOT	1u
#define RXQ	0
#define TXQ	1
#define QSIZE	256	/* the console's queue_max */
#define RXSIZE	VP_SMALL_QUEUE_MAX	/* the receive queue's */
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define RDESC	0x4000
#define RAVAIL	0x5000
#define RUSED	0x6000
#define BUF	0x10000

static struct vmm vm;
static struct pci_bus bus;
static struct virtio_console con;
static uint8_t ram[1 << 20];
static int sv[2];	/* the host's end, the device's end */

static void setup(void)
{
	vm_without_kvm(&vm);
	memset(ram, 0, sizeof(ram));
	cr_assert_eq(gm_add(&vm.gm, 0, sizeof(ram), ram), 0);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);	/* as backend_kvm opens it */
	cr_assert_eq(pci_init(&bus, &vm, NULL, ECAM, MMIO, 0x10000000, IO, 0x1000), 0);
	cr_assert_eq(virtio_console_init(&con, &vm, sv[1], sv[1], MMIO, IO), 0);
	cr_assert_eq(pci_add(&bus, SLOT, &con.vp.pci), 0);
}

static void teardown(void)
{
	virtio_console_stop(&con);
	pci_destroy(&bus);
	close(sv[0]);
	close(sv[1]);
	if (vm.exit_efd >= 0)
		close(vm.exit_efd);
	pthread_mutex_destroy(&vm.bus.lock);
}

TestSuite(console, .init = setup, .fini = teardown, .timeout = 20);

static void io_write(uint32_t port, uint32_t v, int len)
{
	iotrap_dispatch(&vm.bus, &vm.bus.pio, port, (uint8_t *)&v, len, true);
}

static void cfg_write(int off, uint32_t v, int len)
{
	iotrap_dispatch(&vm.bus, &vm.bus.mmio, ECAM + (SLOT << 15) + off, (uint8_t *)&v, len,
			true);
}

static void common_write(uint32_t off, uint32_t v, int len)
{
	io_write(IO + VP_COMMON + off, v, len);
}

static uint16_t common_read16(uint32_t off)
{
	uint16_t v = 0;

	iotrap_dispatch(&vm.bus, &vm.bus.pio, IO + VP_COMMON + off, (uint8_t *)&v, 2, false);
	return v;
}

static void enable_queue(int q, uint64_t desc, uint64_t avail, uint64_t used)
{
	common_write(22, q, 2);
	common_write(32, desc, 4);
	common_write(40, avail, 4);
	common_write(48, used, 4);
	common_write(28, 1, 2);
	cr_assert_eq(common_read16(28), 1, "queue %d enabled", q);
}

/* The driver's probe as Linux does it, the receive queue at RDESC, RAVAIL,
 * RUSED, the transmit queue at DESC, AVAIL, USED. */
static void driver_probe(void)
{
	cfg_write(0x04, 0x1, 2);	/* I/O decode */
	common_write(20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	common_write(8, 1, 4);		/* driver features, high word: VERSION_1 */
	common_write(12, 1, 4);
	common_write(20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_FEATURES_OK, 1);
	common_write(22, RXQ, 2);
	cr_assert_eq(common_read16(24), RXSIZE, "the receive queue is small");
	enable_queue(RXQ, RDESC, RAVAIL, RUSED);
	enable_queue(TXQ, DESC, AVAIL, USED);
	common_write(20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK, 1);
}

static void offer(uint16_t id, uint64_t addr, uint32_t len)
{
	struct vring_desc d = { addr, len, 0, 0 };
	struct vring_avail *av = (void *)(ram + AVAIL);

	memcpy(ram + DESC + 16 * id, &d, 16);
	av->ring[av->idx % QSIZE] = id;
	av->idx++;
}

static void notify(void)
{
	io_write(IO + VP_NOTIFY + TXQ * VP_NOTIFY_MULT, TXQ, 2);
}

Test(console, transmits_a_buffer)
{
	char got[16] = "";

	driver_probe();
	memcpy(ram + BUF, "hello", 5);
	offer(0, BUF, 5);
	notify();
	cr_expect_eq(((struct vring_used *)(ram + USED))->idx, 1);
	cr_assert_eq(read(sv[0], got, sizeof(got)), 5);
	cr_expect_str_eq(got, "hello");
	cr_expect_eq(con.bytes, 5);
}

/* Rings that slipped past the checks (set here directly): every used
 * entry the device returns raises avail->idx too. The notify must still end,
 * after at most a ring's worth of chains. */
Test(console, used_ring_over_avail_ring_is_bounded)
{
	struct vring_avail *av = (void *)(ram + AVAIL);

	driver_probe();
	con.vp.vq[TXQ].used = AVAIL;
	memcpy(ram + BUF, "x", 1);
	offer(0, BUF, 1);
	av->ring[1] = 0;	/* where the used entry's id lands, next offered */
	notify();
	cr_expect_leq(con.bytes, QSIZE, "%llu chains in one notify",
		      (unsigned long long)con.bytes);
}

/* Another vCPU could keep offering as fast as the device returns; one notify
 * serves at most a ring's worth, the next notify the rest. */
Test(console, one_ring_per_notify)
{
	struct vring_avail *av = (void *)(ram + AVAIL);

	driver_probe();
	memcpy(ram + BUF, "y", 1);
	for (int i = 0; i < QSIZE; i++)
		offer(i, BUF, 1);
	notify();
	cr_expect_eq(con.bytes, QSIZE);
	cr_expect_eq(av->idx, QSIZE);
}

Test(console, nothing_after_the_end)
{
	driver_probe();
	memcpy(ram + BUF, "z", 1);
	offer(0, BUF, 1);
	vmm_end(&vm, VMM_END_STOPPED, "test");
	notify();
	cr_expect_eq(con.bytes, 0);
	cr_expect_eq(((struct vring_used *)(ram + USED))->idx, 0);
}

/* Nobody reads the report socket: the vCPU waits in the device for room,
 * and stops waiting when the VM ends (the watchdog's kill). */
Test(console, blocked_write_ends_with_the_vm)
{
	struct blocked b;
	int small = 4096;

	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	driver_probe();
	offer(0, BUF, 256 << 10);
	blocked_start(&b, notify, "the pipe is full: it waits");
	blocked_end_vm(&b, &vm, "the device");
	cr_expect_lt(con.bytes, 256 << 10);
}

/* The receive queue: descriptor id -> RAM [addr, +len), device-writable
 * unless readable. */
static void rx_offer(uint16_t id, uint64_t addr, uint32_t len, bool readable)
{
	struct vring_desc d = { addr, len, readable ? 0 : VRING_DESC_F_WRITE, 0 };
	struct vring_avail *av = (void *)(ram + RAVAIL);

	memcpy(ram + RDESC + 16 * id, &d, 16);
	av->ring[av->idx % RXSIZE] = id;
	av->idx++;
}

static void rx_kick(void)
{
	io_write(IO + VP_NOTIFY + RXQ * VP_NOTIFY_MULT, RXQ, 2);
}

static struct vring_used *rx_used(void)
{
	return (void *)(ram + RUSED);
}

static void host_sends(const char *s)
{
	cr_assert_eq(write(sv[0], s, strlen(s)), (ssize_t)strlen(s));
}

Test(console, receives_host_bytes_over_buffers)
{
	driver_probe();
	rx_offer(0, BUF, 4, false);
	rx_offer(1, BUF + 0x100, 4, false);
	host_sends("abcdef");
	rx_kick();
	cr_assert_eq(rx_used()->idx, 2);
	cr_expect_eq(rx_used()->ring[0].id, 0);
	cr_expect_eq(rx_used()->ring[0].len, 4);
	cr_expect_eq(rx_used()->ring[1].id, 1);
	cr_expect_eq(rx_used()->ring[1].len, 2);
	cr_expect_eq(memcmp(ram + BUF, "abcd", 4), 0);
	cr_expect_eq(memcmp(ram + BUF + 0x100, "ef", 2), 0);
	cr_expect_eq(con.rx_bytes, 6);
	cr_expect_eq(con.rx_state, VCON_RX_IDLE, "all taken: waits for the host");
}

Test(console, host_bytes_wait_for_a_buffer)
{
	driver_probe();
	host_sends("late");
	rx_kick();
	cr_expect_eq(rx_used()->idx, 0);
	cr_expect_eq(virtio_console_rx(&con), VCON_RX_BLOCKED);
	rx_offer(0, BUF, 64, false);
	rx_kick();
	cr_assert_eq(rx_used()->idx, 1);
	cr_expect_eq(rx_used()->ring[0].len, 4);
	cr_expect_eq(memcmp(ram + BUF, "late", 4), 0);
}

/* A buffer the driver marked readable is the device's to read, not to
 * write: it comes back empty and untouched. */
Test(console, readable_buffer_is_not_written)
{
	driver_probe();
	memset(ram + BUF, 'x', 8);
	rx_offer(0, BUF, 8, true);
	host_sends("data");
	rx_kick();
	cr_assert_eq(rx_used()->idx, 1);
	cr_expect_eq(rx_used()->ring[0].len, 0);
	cr_expect_eq(memcmp(ram + BUF, "xxxxxxxx", 8), 0);
}

/* A buffer that runs past guest RAM: nothing written, the device asks for a
 * reset, and serves the queue no more. */
Test(console, buffer_outside_ram_is_refused)
{
	driver_probe();
	rx_offer(0, sizeof(ram) - 2, 16, false);
	host_sends("0123456789abcdef");
	rx_kick();
	cr_expect_eq(rx_used()->idx, 0);
	cr_expect(con.vp.status & VIRTIO_CONFIG_S_NEEDS_RESET);
	rx_offer(1, BUF, 16, false);
	rx_kick();
	cr_expect_eq(rx_used()->idx, 0, "a device that needs reset serves nothing");
}

Test(console, receives_nothing_after_the_end)
{
	driver_probe();
	rx_offer(0, BUF, 16, false);
	host_sends("gone");
	vmm_end(&vm, VMM_END_STOPPED, "test");
	cr_expect_eq(virtio_console_rx(&con), VCON_RX_EOF);
	cr_expect_eq(rx_used()->idx, 0);
}

/* The receive thread: host bytes reach an offered buffer without a kick,
 * and the thread ends with the VM. */
Test(console, thread_delivers_without_a_kick)
{
	struct timespec ts = { 0, 1000 * 1000 };

	vm.exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	driver_probe();
	rx_offer(0, BUF, 64, false);
	cr_assert_eq(virtio_console_start(&con), 0);
	host_sends("plan");
	for (int i = 0; i < 5000 && !__atomic_load_n(&rx_used()->idx, __ATOMIC_ACQUIRE); i++)
		nanosleep(&ts, NULL);
	cr_assert_eq(__atomic_load_n(&rx_used()->idx, __ATOMIC_ACQUIRE), 1,
		     "the thread did not deliver");
	cr_expect_eq(memcmp(ram + BUF, "plan", 4), 0);
	vmm_end(&vm, VMM_END_STOPPED, "test");
	virtio_console_stop(&con);
	cr_expect_not(con.rx_on);
}

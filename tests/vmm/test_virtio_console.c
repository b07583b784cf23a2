// SPDX-License-Identifier: GPL-2.0-only
/* virtio-console as the guest drives it through the I/O dispatch: a buffer
 * offered on the transmit queue reaches the report pipe; a hostile ring (the
 * used ring over the avail ring) costs at most a ring's worth of work per
 * notify; nothing is served once the VM ends; a write blocked on a full pipe
 * gives up when the VM ends. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/dev/pci.h"
#include "host/dev/virtio_console.h"
#include "host/vmm/vmm.h"

#define ECAM	0xe0000000u
#define MMIO	0xc0000000u
#define IO	0x6000u
#define SLOT	1u
#define TXQ	1
#define QSIZE	256	/* the console's queue_max */
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define BUF	0x10000

static struct vmm vm;
static struct pci_bus bus;
static struct virtio_console con;
static uint8_t ram[1 << 20];
static int pipe_fd[2];

static void setup(void)
{
	memset(&vm, 0, sizeof(vm));
	memset(ram, 0, sizeof(ram));
	vm.vm_fd = vm.kvm_fd = vm.exit_efd = -1;
	vm.cfg.log_fd = -1;
	iotrap_bus_init(&vm.bus, -1);
	cr_assert_eq(gm_add(&vm.gm, 0, sizeof(ram), ram), 0);
	cr_assert_eq(pipe2(pipe_fd, O_CLOEXEC), 0);
	fcntl(pipe_fd[1], F_SETFL, O_NONBLOCK);	/* as backend_kvm opens it */
	cr_assert_eq(pci_init(&bus, &vm, NULL, ECAM, MMIO, 0x10000000, IO, 0x1000), 0);
	cr_assert_eq(virtio_console_init(&con, &vm, pipe_fd[1], MMIO, IO), 0);
	cr_assert_eq(pci_add(&bus, SLOT, &con.vp.pci), 0);
}

static void teardown(void)
{
	pci_destroy(&bus);
	close(pipe_fd[0]);
	close(pipe_fd[1]);
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

/* The driver's probe as Linux does it, the transmit queue at DESC, AVAIL,
 * USED. */
static void driver_probe(void)
{
	cfg_write(0x04, 0x1, 2);	/* I/O decode */
	common_write(20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
	common_write(8, 1, 4);		/* driver features, high word: VERSION_1 */
	common_write(12, 1, 4);
	common_write(20, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER |
		     VIRTIO_CONFIG_S_FEATURES_OK, 1);
	common_write(22, TXQ, 2);
	common_write(32, DESC, 4);
	common_write(40, AVAIL, 4);
	common_write(48, USED, 4);
	common_write(28, 1, 2);
	cr_assert_eq(common_read16(28), 1, "transmit queue enabled");
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
	cr_assert_eq(read(pipe_fd[0], got, sizeof(got)), 5);
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

static void *notify_thread(void *arg)
{
	bool *done = arg;

	notify();
	__atomic_store_n(done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Nobody reads the report pipe: the vCPU waits in the device for room, and
 * stops waiting when the VM ends (the watchdog's kill). */
Test(console, blocked_write_ends_with_the_vm)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	pthread_t t;
	bool done = false;

	fcntl(pipe_fd[1], F_SETPIPE_SZ, 4096);
	driver_probe();
	offer(0, BUF, 256 << 10);
	cr_assert_eq(pthread_create(&t, NULL, notify_thread, &done), 0);
	nanosleep(&ts, NULL);
	cr_expect_not(__atomic_load_n(&done, __ATOMIC_ACQUIRE), "the pipe is full: it waits");
	vmm_end(&vm, VMM_END_STOPPED, "killed by the test");
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	cr_assert_eq(pthread_timedjoin_np(t, NULL, &ts), 0, "the device did not give up");
	cr_expect_lt(con.bytes, 256 << 10);
}

// SPDX-License-Identifier: GPL-2.0-only
/* COM1 and the i8042 through the port dispatch: a line reaches the console
 * log, "Kernel panic" is noticed and makes the i8042 reset a panic, and a
 * log nobody reads (a full FIFO) holds the vCPU only until the VM ends. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "host/arch/x86/layout.h"
#include "host/dev/i8042.h"
#include "host/dev/serial8250.h"
#include "host/vmm/vmm.h"
#include "tests/vmm/blocked.h"
#include "tests/vmm/no_kvm.h"

static struct vmm vm;
static struct serial8250 com1;
static int log_pipe[2];

static void setup(void)
{
	vm_without_kvm(&vm);
	cr_assert_eq(pipe2(log_pipe, O_CLOEXEC), 0);
	fcntl(log_pipe[1], F_SETFL, O_NONBLOCK);	/* as backend_kvm opens the log */
	cr_assert_eq(serial8250_init(&com1, &vm, X86_COM1_PORT, X86_COM1_IRQ, log_pipe[1]), 0);
	cr_assert_eq(i8042_init(&vm), 0);
}

static void teardown(void)
{
	close(log_pipe[0]);
	close(log_pipe[1]);
	pthread_mutex_destroy(&vm.bus.lock);
}

TestSuite(serial, .init = setup, .fini = teardown, .timeout = 20);

static void out(uint16_t port, uint8_t v)
{
	iotrap_dispatch(&vm.bus, &vm.bus.pio, port, &v, 1, true);
}

static void puts_com1(const char *s)
{
	while (*s)
		out(X86_COM1_PORT, *s++);
}

Test(serial, line_reaches_the_log)
{
	struct pollfd p = { log_pipe[0], POLLIN, 0 };
	char got[64] = "";

	puts_com1("hello");
	cr_expect_eq(poll(&p, 1, 0), 0, "a line goes out whole");
	puts_com1("\n");
	cr_assert_eq(read(log_pipe[0], got, sizeof(got)), 6);
	cr_expect_str_eq(got, "hello\n");
}

Test(serial, panic_then_reset_is_a_panic)
{
	puts_com1("Kernel panic - not syncing: test\n");
	cr_expect(atomic_load(&vm.panic_seen));
	out(I8042_CMD_PORT, 0xfe);
	cr_expect_eq(atomic_load(&vm.end), VMM_END_PANIC);
}

static void print_16k(void)
{
	char line[1024];

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	for (int i = 0; i < 16; i++)
		puts_com1(line);	/* 16 KiB, more than the pipe holds */
	puts_com1("\n");
}

Test(serial, full_log_waits_until_the_end)
{
	struct blocked b;
	char buf[4096];
	ssize_t n, got = 0;

	fcntl(log_pipe[1], F_SETPIPE_SZ, 4096);
	blocked_start(&b, print_16k, "the log is full: it waits");
	fcntl(log_pipe[0], F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 50 && got < 8192; i++) {
		struct pollfd p = { log_pipe[0], POLLIN, 0 };

		poll(&p, 1, 100);
		n = read(log_pipe[0], buf, sizeof(buf));
		got += n > 0 ? n : 0;
	}
	cr_expect_geq(got, 8192, "nothing dropped while the VM runs");
	blocked_end_vm(&b, &vm, "COM1");
}

// SPDX-License-Identifier: GPL-2.0-only
/* i8042 reset line and the other legacy ports Linux pokes at boot
 * (see i8042.h). Status reads 0 so the kernel's kb_wait() returns at once. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "host/dev/i8042.h"
#include "host/vmm/vmm.h"

#define I8042_CMD_RESET 0xfe

static void i8042_io(void *ctx, uint64_t addr, uint8_t *data, uint32_t len,
		     bool is_write)
{
	struct vmm *vm = ctx;

	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	if (addr != I8042_CMD_PORT || data[0] != I8042_CMD_RESET)
		return;
	if (atomic_load(&vm->panic_seen))
		vmm_end(vm, VMM_END_PANIC, "guest kernel panic (console says \"Kernel "
			"panic\"), then reset");
	else
		vmm_end(vm, VMM_END_RESET, "guest reset through the i8042");
}

/* Port 0x80 (POST codes, io_delay): accept and drop, quietly. */
static void sink_io(void *ctx, uint64_t addr, uint8_t *data, uint32_t len, bool is_write)
{
	if (!is_write)
		memset(data, 0xff, len);
}

int i8042_init(struct vmm *vm)
{
	return iotrap_register(&vm->bus.pio, I8042_DATA_PORT, 1, i8042_io, vm) ?:
	       iotrap_register(&vm->bus.pio, I8042_CMD_PORT, 1, i8042_io, vm) ?:
	       iotrap_register(&vm->bus.pio, I8042_POST_PORT, 1, sink_io, vm);
}

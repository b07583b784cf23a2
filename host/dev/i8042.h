/* SPDX-License-Identifier: GPL-2.0-only */
/* Minimal i8042 keyboard controller: the guest's `reboot=k` writes 0xFE to
 * port 0x64, which ends the VM (a panic with panic=-1 takes the same path). */
#ifndef KTSTR__DEV_I8042_H
#define KTSTR__DEV_I8042_H

struct vmm;

/* The PC's fixed ports: the controller's data and command registers, and
 * the POST-code port, taken here as well. */
#define I8042_DATA_PORT		0x60
#define I8042_CMD_PORT		0x64
#define I8042_POST_PORT		0x80

int i8042_init(struct vmm *vm);

#endif

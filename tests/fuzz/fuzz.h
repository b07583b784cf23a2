/* SPDX-License-Identifier: GPL-2.0-only */
/* The entry point every fuzz target defines: libFuzzer's, also driven by
 * replay.c over the checked-in corpora in the ordinary test builds. */
#ifndef KTSTR__TESTS_FUZZ_H
#define KTSTR__TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

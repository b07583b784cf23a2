// SPDX-License-Identifier: GPL-2.0-only
/* Tests for collect.c's results_read_console_tail and the verdict of a run
 * that did not finish: what the user is told comes from the guest's console. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/verdict.h"

static struct run_result r;
static struct scenario s;

static void console(const char *text)
{
	FILE *f;

	results_init(&r, 0);
	snprintf(r.console_log, sizeof(r.console_log), "/tmp/ktstr-console-test-XXXXXX");
	close(mkstemp(r.console_log));
	f = fopen(r.console_log, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
	results_read_console_tail(&r, 3);
	unlink(r.console_log);
}

static void fini(void)
{
	results_free(&r);
}

TestSuite(console, .fini = fini);

Test(console, quiet_log_keeps_the_last_lines)
{
	console("a\nb\nc\nd\ne\n\n");
	cr_expect_str_eq(r.console_tail, "c\nd\ne");
	cr_expect_str_eq(r.crash_line, "");
}

Test(console, panic_is_the_crash_line_and_the_tail_starts_before_it)
{
	console("boot 1\nboot 2\nboot 3\nboot 4\n"
		"[    2.5] BUG: kernel NULL pointer dereference\n"
		"[    2.6] Kernel panic - not syncing: Fatal exception   \n"
		"after\n");
	cr_expect(strstr(r.crash_line, "Kernel panic - not syncing: Fatal exception"),
		  "%s", r.crash_line);
	cr_expect_eq(r.crash_line[strlen(r.crash_line) - 1], 'n', "trailing blanks dropped");
	cr_expect(!strncmp(r.console_tail, "boot 2\n", 7), "%s", r.console_tail);
}

/* A guest kernel without a usable virtio-console: guest-init says why and
 * powers off; the verdict carries its words, not just "stopped". */
Test(console, guest_init_fatal_names_the_cause)
{
	struct verdict v;

	console("[    1.0] Run /init as init process\n"
		"guest-init: fatal: no report channel: no virtio port named ktstr.report "
		"and /dev/hvc0: No such file or directory; the guest kernel needs "
		"CONFIG_VIRTIO_CONSOLE and CONFIG_VIRTIO_PCI, and CONFIG_PCI_MMCONFIG for "
		"--backend kvm\n"
		"[    6.1] reboot: Power down\n");
	cr_expect(!strncmp(r.crash_line, "guest-init: fatal: no report channel", 36), "%s",
		  r.crash_line);
	r.end = VM_END_RESET;
	snprintf(r.end_msg, sizeof(r.end_msg), "the guest powered off");
	verdict_decide(&s, &r, &v);
	cr_expect_eq(v.exit_code, 3);
	cr_expect(strstr(v.reason, "CONFIG_PCI_MMCONFIG"), "%s", v.reason);
	cr_expect(strstr(v.reason, "0 worker reports kept"), "%s", v.reason);
	verdict_free(&v);
}

// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the initramfs builder: the scenario it ships is the bytes
 * the host read and parsed, whatever the path does afterwards. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "host/initramfs.h"
#include "tests/scenario/parse_pipe.h"
#include "tests/tmpdir.h"

static const char text[] = "scenario once \"read once\"\nstep s 1s\n  cgroup a\n";

static char init[128];

static void setup(void)
{
	FILE *f;

	test_dir_init();
	snprintf(init, sizeof(init), "%s/init", test_dir);
	f = fopen(init, "w");
	cr_assert_not_null(f);
	fputs("#!/bin/true\n", f);
	fclose(f);
}

TestSuite(initramfs, .init = setup, .fini = test_dir_fini);

static unsigned hex8(const char *p)
{
	char b[9];

	memcpy(b, p, 8);
	b[8] = 0;
	return (unsigned)strtoul(b, NULL, 16);
}

/* The data of entry `name` in a newc archive, or NULL. */
static const char *entry(const char *a, size_t len, const char *name, size_t *n)
{
	size_t off = 0;

	while (off + 110 <= len && !memcmp(a + off, "070701", 6)) {
		unsigned fsize = hex8(a + off + 54), nsize = hex8(a + off + 94);
		const char *nm = a + off + 110;
		size_t data = (off + 110 + nsize + 3) & ~(size_t)3;

		if (!strcmp(nm, name)) {
			*n = fsize;
			return a + data;
		}
		off = (data + fsize + 3) & ~(size_t)3;
	}
	return NULL;
}

/* Build the initramfs and run plan for s and return the plan's
 * scenario.scn bytes (malloc'd). With in_initramfs, the plan must be the
 * initramfs's plan.cpio; either way the initramfs itself holds no
 * scenario. */
static char *shipped_as(const struct scenario *s, size_t *n, bool in_initramfs)
{
	struct initramfs_spec spec = { .guest_init = init, .scenario = s,
				       .plan_in_initramfs = in_initramfs };
	struct initramfs ird;
	char msg[512], *a, *out;
	const char *e, *p;
	size_t len, plen;

	spec.run_opts = json_pack("{s:i}", "seed", 0);
	cr_assert_eq(initramfs_build(&spec, &ird, msg, sizeof(msg)), 0, "%s", msg);
	json_decref(spec.run_opts);
	len = ird.len;
	a = mmap(NULL, len, PROT_READ, MAP_SHARED, ird.fd, 0);
	cr_assert_neq(a, MAP_FAILED);
	cr_assert_null(entry(a, len, "scenario.scn", n), "the scenario is in the plan only");
	cr_assert_not_null(entry(a, len, "init", n), "guest-init is /init");
	p = entry(a, len, "plan.cpio", &plen);
	if (in_initramfs) {
		cr_assert_not_null(p, "no plan.cpio in the initramfs");
		cr_assert_eq(plen, ird.plan_len);
		cr_assert_eq(memcmp(p, ird.plan, plen), 0);
	} else {
		cr_assert_null(p, "the plan goes over the channel");
	}
	e = entry((const char *)ird.plan, ird.plan_len, "scenario.scn", n);
	cr_assert_not_null(e, "no scenario.scn in the run plan");
	cr_assert_not_null(entry((const char *)ird.plan, ird.plan_len, "run.json", &plen));
	out = malloc(*n + 1);
	memcpy(out, e, *n);
	out[*n] = 0;
	munmap(a, len);
	initramfs_free(&ird);
	return out;
}

static char *shipped(const struct scenario *s, size_t *n)
{
	char *a = shipped_as(s, n, false), *b;
	size_t m;

	b = shipped_as(s, &m, true);
	cr_assert_eq(m, *n);
	cr_assert_str_eq(a, b);
	free(b);
	return a;
}

Test(initramfs, ships_what_was_parsed_from_a_pipe)
{
	struct scenario s;
	char *got;
	size_t n;

	parse_from_pipe(text, &s);
	got = shipped(&s, &n);
	cr_expect_eq(n, strlen(text));
	cr_expect_str_eq(got, text);
	free(got);
	scn_free(&s);
}

Test(initramfs, ships_what_was_parsed_not_a_later_edit)
{
	struct scenario s;
	struct scn_error err;
	char path[160], *got;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/s.scn", test_dir);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	cr_assert_eq(scn_parse_file(path, &s, &err), 0, "%s", err.msg);
	f = fopen(path, "w");
	fputs("scenario edited\n  this is not valid\n", f);
	fclose(f);
	got = shipped(&s, &n);
	cr_expect_str_eq(got, text);
	free(got);
	scn_free(&s);
}

/* A plan the guest could not hold is refused before boot, naming its size
 * and the memory; 128M takes a plan of 32 MiB at most. */
Test(initramfs, plan_larger_than_a_quarter_of_memory_is_refused)
{
	struct initramfs_spec spec = { .guest_init = init };
	struct scenario s;
	struct scn_error err;
	struct initramfs ird;
	char cmd[256], scn[512], msg[1024];

	snprintf(cmd, sizeof(cmd), "head -c 33M /dev/urandom >%s/big", test_dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(scn, sizeof(scn), "scenario big\nmemory 128M\nfile %s/big to=/opt/big\n", test_dir);
	cr_assert_eq(scn_parse_string("t.scn", scn, strlen(scn), &s, &err), 0, "%s", err.msg);
	s.source = strdup(scn);
	s.source_len = strlen(scn);
	spec.scenario = &s;
	spec.run_opts = json_pack("{s:i}", "seed", 0);
	cr_assert_eq(initramfs_build(&spec, &ird, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "the run plan (the scenario's files, schedulers and payloads) is 33.0 MiB; "
			 "expected at most a quarter of the guest's memory 128 MiB"), "%s", msg);
	initramfs_free(&ird);
	s.memory_bytes = 256ull << 20;
	cr_assert_eq(initramfs_build(&spec, &ird, msg, sizeof(msg)), 0, "%s", msg);
	initramfs_free(&ird);
	json_decref(spec.run_opts);
	scn_free(&s);
}

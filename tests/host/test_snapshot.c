// SPDX-License-Identifier: GPL-2.0-only
/* Tests for host/snapshot.c: keys follow content, not paths; a snapshot
 * that is truncated, corrupt, of another format or another key is
 * discarded with a reason; the store keeps the most recently used. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "host/snapshot.h"
#include "tests/host/snap_fixture.h"

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

static void setup(void)
{
	snap_fixture_init();
	unsetenv("KTSTR_KEEP_SNAPSHOTS");
}

static void teardown(void)
{
	char cmd[4300];

	chmod(root, 0755);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", root, root);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(snapshot, .init = setup, .fini = teardown);

static void key(struct snap_key *k)
{
	char msg[512];

	cr_assert_eq(snap_key_make(k, &vs, "qemu", "tcg", NULL, gpath, msg, sizeof(msg)), 0,
		     "%s", msg);
}

/* A snapshot of key k whose state file holds text. */
static void store(const struct snap_key *k, const char *text)
{
	struct snap s;
	char msg[512];

	cr_assert_eq(snap_begin(k, &s, msg, sizeof(msg)), 0, "%s", msg);
	write_text(s.state, text);
	cr_assert_eq(snap_commit(k, &s, msg, sizeof(msg)), 0, "%s", msg);
}

Test(snapshot, the_key_follows_content_topology_and_command_line)
{
	struct snap_key a, b;
	char other[1024];

	key(&a);
	key(&b);
	cr_assert_str_eq(a.id, b.id);
	/* The same kernel at another path: the same key. */
	snprintf(other, sizeof(other), "%s/copy-of-vmlinux", root);
	write_text(other, "a kernel image");
	snprintf(kern.vmlinux, sizeof(kern.vmlinux), "%s", other);
	key(&b);
	cr_assert_str_eq(a.id, b.id);
	write_text(other, "another kernel image");
	key(&b);
	cr_assert_str_neq(a.id, b.id, "a kernel's content is in the key");
	snprintf(kern.vmlinux, sizeof(kern.vmlinux), "%s", kpath);
	vs.topo.cores = 4;
	key(&b);
	cr_assert_str_neq(a.id, b.id, "the topology is in the key");
	vs.topo.cores = 2;
	vs.cmdline = "console=ttyS0 quiet";
	key(&b);
	cr_assert_str_neq(a.id, b.id, "the command line is in the key");
}

Test(snapshot, stored_and_found)
{
	struct snap_key k;
	struct snap s;
	char msg[512] = "";

	key(&k);
	cr_assert_eq(snap_find(&k, &s, msg, sizeof(msg)), SNAP_NONE);
	store(&k, "machine state");
	cr_assert_eq(snap_find(&k, &s, msg, sizeof(msg)), SNAP_FOUND, "%s", msg);
	cr_assert(strstr(s.state, k.id), "%s", s.state);
}

/* A snapshot stored, found and checked whole once, as a restore does. */
static void stored_and_checked(struct snap_key *k, struct snap *s)
{
	char msg[512] = "";

	key(k);
	store(k, "machine state, all of it");
	cr_assert_eq(snap_find(k, s, msg, sizeof(msg)), SNAP_FOUND);
	cr_assert_eq(snap_verify(s, msg, sizeof(msg)), 0, "%s", msg);
}

static void damaged(void (*damage)(const struct snap *s), const char *why)
{
	struct snap_key k;
	struct snap s;
	char msg[512] = "";

	/* Damaged within the same clock tick as the check: the check's memo
	 * must not vouch for the new content. */
	stored_and_checked(&k, &s);
	damage(&s);
	/* The state's digest is checked while the backend loads it. */
	if (snap_find(&k, &s, msg, sizeof(msg)) == SNAP_FOUND) {
		cr_assert_eq(snap_verify(&s, msg, sizeof(msg)), -1, "damage not seen");
	} else {
		cr_assert(strstr(msg, k.id), "%s", msg);
	}
	cr_assert(strstr(msg, why), "%s", msg);
	cr_assert_eq(access(s.dir, F_OK), -1, "a discarded snapshot is removed");
	cr_assert_eq(snap_find(&k, &s, msg, sizeof(msg)), SNAP_NONE);
}

static void truncate_state(const struct snap *s)
{
	cr_assert_eq(truncate(s->state, 5), 0);
}

static void flip_a_byte(const struct snap *s)
{
	write_text(s->state, "machine state, all of iT");
}

static void other_key(const struct snap *s)
{
	char meta[4900], cmd[9900];

	snprintf(meta, sizeof(meta), "%s/meta.json", s->dir);
	snprintf(cmd, sizeof(cmd), "sed -i 's/cores=2/cores=9/' %s", meta);
	cr_assert_eq(system(cmd), 0);
}

static void other_format(const struct snap *s)
{
	char meta[4900], cmd[9900];

	snprintf(meta, sizeof(meta), "%s/meta.json", s->dir);
	snprintf(cmd, sizeof(cmd), "sed -i 's/\"format\": 1/\"format\": 7/' %s", meta);
	cr_assert_eq(system(cmd), 0);
}

/* The memo files in a snapshot's directory. */
static int memos(const struct snap *s)
{
	char cmd[4600];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c '^memo-'", s->dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

Test(snapshot, a_checked_state_is_not_read_again_until_it_changes)
{
	struct snap_key k;
	struct snap s;
	char msg[512] = "";

	stored_and_checked(&k, &s);
	cr_assert_eq(memos(&s), 0, "a state written under 2 s ago is not remembered");
	nanosleep(&(struct timespec){ .tv_sec = 2, .tv_nsec = 100000000 }, NULL);
	cr_assert_eq(snap_verify(&s, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(memos(&s), 1, "a settled state's check is remembered");
	cr_assert_eq(snap_verify(&s, msg, sizeof(msg)), 0, "from the memo: %s", msg);
	cr_assert_eq(memos(&s), 1);
	/* Changed: its identity (change time) is another; read again. */
	flip_a_byte(&s);
	cr_assert_eq(snap_verify(&s, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "digest does not match (corrupt)"), "%s", msg);
}

Test(snapshot, truncated_is_discarded)
{
	damaged(truncate_state, "truncated");
}

Test(snapshot, a_flipped_byte_is_discarded)
{
	damaged(flip_a_byte, "digest does not match (corrupt)");
}

Test(snapshot, another_key_is_discarded)
{
	damaged(other_key, "key does not match");
}

Test(snapshot, another_format_is_discarded)
{
	damaged(other_format, "format 7, this ktstr-run writes 1");
}

Test(snapshot, a_store_that_cannot_be_written_says_why)
{
	struct snap_key k;
	struct snap s;
	char msg[512] = "", store_dir[4300];

	if (geteuid() == 0)
		cr_skip_test("root writes anywhere");
	key(&k);
	snprintf(store_dir, sizeof(store_dir), "%s/cache/ktstr-run/snapshots", root);
	store(&k, "x");
	chmod(store_dir, 0500);
	cr_assert_eq(snap_begin(&k, &s, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "Permission denied"), "%s", msg);
	chmod(store_dir, 0700);
}

Test(snapshot, keeps_the_most_recently_used)
{
	struct snap_key k[3];
	struct snap s;
	char msg[512];

	setenv("KTSTR_KEEP_SNAPSHOTS", "2", 1);
	for (int i = 0; i < 3; i++) {
		vs.topo.cores = i + 1;
		key(&k[i]);
		store(&k[i], "state");
		usleep(20000);
		if (i == 1) {
			/* Use the first again: the second is now the oldest. */
			cr_assert_eq(snap_find(&k[0], &s, msg, sizeof(msg)), SNAP_FOUND);
			usleep(20000);
		}
	}
	cr_assert_eq(snap_find(&k[0], &s, msg, sizeof(msg)), SNAP_FOUND);
	cr_assert_eq(snap_find(&k[1], &s, msg, sizeof(msg)), SNAP_NONE);
	cr_assert_eq(snap_find(&k[2], &s, msg, sizeof(msg)), SNAP_FOUND);
}

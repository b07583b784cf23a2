// SPDX-License-Identifier: GPL-2.0-only
/* What the suite's parallel runs ask of the snapshot store (host/
 * snapshot.c): processes that boot the same VM shape at once all save it
 * (the first rename wins, the others' copies are dropped, every commit
 * succeeds), while others look it up and check it, and the store ends
 * with one good snapshot and no temporary directory. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/snapshot.h"
#include "tests/host/snap_fixture.h"

static char store[1200];

static void setup(void)
{
	snap_fixture_init();
	setenv("KTSTR_KEEP_SNAPSHOTS", "2", 1);
	snprintf(store, sizeof(store), "%s/cache/ktstr-run/snapshots", root);
}

static void teardown(void)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	(void)!system(cmd);
	unsetenv("KTSTR_KEEP_SNAPSHOTS");
}

TestSuite(suite_snapshots, .init = setup, .fini = teardown);

/* A child: save the key's snapshot (state: 256 KiB of its byte) rounds
 * times, or look it up and verify it; exit 0 if every step went right. */
static int saver(const struct snap_key *k, int rounds, char byte)
{
	static char state[256 << 10];
	char msg[512];

	memset(state, byte, sizeof(state));
	for (int i = 0; i < rounds; i++) {
		struct snap s;

		if (snap_begin(k, &s, msg, sizeof(msg)))
			return 1;
		write_file(s.state, state, sizeof(state));
		if (snap_commit(k, &s, msg, sizeof(msg))) {
			fprintf(stderr, "commit: %s\n", msg);
			return 2;
		}
	}
	return 0;
}

static int reader(const struct snap_key *k, int rounds)
{
	char msg[512];

	for (int i = 0; i < rounds; i++) {
		struct snap s;

		/* Absent before the first commit; once there, always whole. */
		if (snap_find(k, &s, msg, sizeof(msg)) == SNAP_FOUND &&
		    snap_verify(&s, msg, sizeof(msg))) {
			fprintf(stderr, "verify: %s\n", msg);
			return 3;
		}
	}
	return 0;
}

Test(suite_snapshots, same_key_saved_and_read_at_once)
{
	struct snap_key k, other;
	struct vm_spec vs2 = vs;
	pid_t pid[8];
	struct dirent *e;
	char msg[512];
	struct snap s;
	DIR *d;
	int n = 0;

	cr_assert_eq(snap_key_make(&k, &vs, "qemu", "tcg", NULL, gpath, msg, sizeof(msg)), 0);
	vs2.topo.cores = 4;
	cr_assert_eq(snap_key_make(&other, &vs2, "qemu", "tcg", NULL, gpath, msg, sizeof(msg)), 0);
	for (int i = 0; i < 8; i++) {
		pid[i] = fork();
		cr_assert_geq(pid[i], 0);
		if (pid[i] == 0)
			_exit(i < 4 ? saver(&k, 20, 'a' + i) : i < 7 ? reader(&k, 200) :
			      saver(&other, 20, 'z'));
	}
	for (int i = 0; i < 8; i++) {
		int status;

		cr_assert_eq(waitpid(pid[i], &status, 0), pid[i]);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d: status %d", i,
			  status);
	}
	cr_assert_eq(snap_find(&k, &s, msg, sizeof(msg)), SNAP_FOUND, "%s", msg);
	cr_expect_eq(snap_verify(&s, msg, sizeof(msg)), 0, "%s", msg);
	d = opendir(store);
	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		cr_expect(strncmp(e->d_name, "tmp-", 4) && !strstr(e->d_name, ".tmp"),
			  "left behind: %s", e->d_name);
		n += strncmp(e->d_name, "memo-", 5) != 0; /* digests of the kernel, guest-init */
	}
	closedir(d);
	cr_expect_eq(n, 2, "the two keys' snapshots, %d entries", n);
}

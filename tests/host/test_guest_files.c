// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the initramfs staging of a scenario's binaries
 * (host/guest_files.c): what lands where, read back with the cpio tool. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/guest_files.h"

static char dir[256];

/* Not under /tmp (the guest mounts a tmpfs over it): in the working
 * directory, the build tree. */
static void setup(void)
{
	char tmpl[] = "ktstr-guest-files-XXXXXX", real[PATH_MAX];

	cr_assert_not_null(mkdtemp(tmpl));
	cr_assert_not_null(realpath(tmpl, real));
	cr_assert_lt(strlen(real), sizeof(dir));
	strcpy(dir, real);
	if (!strncmp(dir, "/tmp/", 5))
		cr_skip_test("the build tree is under /tmp");
}

/* A directory under /tmp, for the test that needs one. */
static char tmp[] = "/tmp/ktstr-guest-files-XXXXXX";
static bool tmp_made;

static void teardown(void)
{
	char cmd[sizeof(dir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	if (tmp_made) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		cr_assert_eq(system(cmd), 0);
	}
}

TestSuite(guest_files, .init = setup, .fini = teardown);

/* dir/bin/prog (RUNPATH $ORIGIN/../lib) needing dir/lib/libt.so.1, and
 * dir/plink -> bin/prog. */
static void build(void)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "cd %s && mkdir lib bin && printf 'int t(int x) { return x + 1; }\\n' >t.c && "
		 "cc -shared -fPIC -o lib/libt.so.1.0 -Wl,-soname,libt.so.1 t.c && "
		 "ln -s libt.so.1.0 lib/libt.so.1 && ln -s libt.so.1 lib/libt.so && "
		 "printf 'int t(int);\\nint main(int c, char **v) { return t(c) != 2; }\\n' >m.c && "
		 "cc -o bin/prog m.c -Llib -lt '-Wl,-rpath,$ORIGIN/../lib' && ln -s bin/prog plink",
		 dir);
	cr_assert_eq(system(cmd), 0);
}

static int stage(const char *text, struct cpio *c, char *msg, size_t len)
{
	struct scenario s;
	struct scn_error err;
	int ret;

	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0, "%s", err.msg);
	cpio_init(c);
	ret = guest_files_add_all(c, &s, msg, len);
	scn_free(&s);
	return ret;
}

/* Extract the archive into dir/out. */
static void extract(struct cpio *c)
{
	char path[PATH_MAX], cmd[PATH_MAX + 128];
	FILE *f;

	cr_assert_eq(cpio_finish(c), 0);
	snprintf(path, sizeof(path), "%s/a.cpio", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(c->buf, 1, c->len, f), c->len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && mkdir out && cd out && cpio -idm --quiet < ../a.cpio",
		 dir);
	cr_assert_eq(system(cmd), 0);
}

static void want_file(const char *guest)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/out%s", dir, guest);
	cr_assert_eq(lstat(path, &st), 0, "%s is in the archive", guest);
	cr_assert(S_ISREG(st.st_mode), "%s is a file", guest);
}

static void want_link(const char *guest, const char *target)
{
	char path[PATH_MAX], buf[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/out%s", dir, guest);
	n = readlink(path, buf, sizeof(buf) - 1);
	cr_assert_gt(n, 0, "%s is a symlink", guest);
	buf[n] = 0;
	cr_assert_str_eq(buf, target, "%s", guest);
}

Test(guest_files, exec_binary_at_its_real_path_with_libraries)
{
	char text[3 * PATH_MAX], msg[2048], path[PATH_MAX], prog[PATH_MAX];
	struct cpio c;

	build();
	snprintf(prog, sizeof(prog), "%s/bin/prog", dir);
	snprintf(text, sizeof(text), "scenario t \"x\"\n"
		 "scheduler s exec=%s\n"
		 "step a 1s\n"
		 "  attach s\n"
		 "  payload-run p %s/plink\n"
		 "  payload-run q %s\n", prog, dir, prog);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), 0, "%s", msg);
	extract(&c);
	/* $ORIGIN/../lib of the binary's real path is where its library is. */
	want_file(prog);
	want_link("/sched/s", prog);
	snprintf(path, sizeof(path), "%s/plink", dir);
	want_link(path, prog);
	snprintf(path, sizeof(path), "%s/lib/libt.so.1", dir);
	want_file(path);
	want_file("/lib/x86_64-linux-gnu/libc.so.6");
	want_file("/lib64/ld-linux-x86-64.so.2");
	want_file("/etc/ld.so.cache");
	snprintf(path, sizeof(path), "%s/out/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", dir);
	cr_assert_neq(access(path, F_OK), 0, "the interpreter once, under PT_INTERP");
	cpio_free(&c);
}

Test(guest_files, missing_library_names_the_scheduler)
{
	char text[2048], msg[2048], cmd[512], want[1024];
	struct cpio c;

	build();
	snprintf(cmd, sizeof(cmd), "rm %s/lib/libt.so*", dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(text, sizeof(text), "scenario t \"x\"\n"
		 "scheduler s exec=%s/plink\n"
		 "step a 1s\n"
		 "  attach s\n", dir);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "t.scn:2:1: scheduler 's' (exec=%s/plink): %s/plink needs "
		 "libt.so.1, not found in RUNPATH $ORIGIN/../lib, the ld.so cache", dir, dir);
	cr_assert(strstr(msg, want), "%s", msg);
	cpio_free(&c);
}

/* The run plan is unpacked after guest-init mounts its tmpfs on /tmp, so
 * a payload built under /tmp lands there and stays visible. */
Test(guest_files, payload_under_tmp_is_staged)
{
	char text[1024], msg[2048], cmd[256], name[300];
	struct cpio c;

	cr_assert_not_null(mkdtemp(tmp));
	tmp_made = true;
	snprintf(cmd, sizeof(cmd), "cp /bin/true %s/", tmp);
	cr_assert_eq(system(cmd), 0);
	snprintf(text, sizeof(text), "scenario t \"x\"\n"
		 "step a 1s\n"
		 "  payload-run p %s/true\n", tmp);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), 0, "%s", msg);
	snprintf(name, sizeof(name), "%s/true", tmp + 1);
	cr_assert_not_null(memmem(c.buf, c.len, name, strlen(name) + 1), "%s not staged", name);
	cpio_free(&c);
}

Test(guest_files, payload_under_dev_refused)
{
	char text[1024], msg[2048], want[512];
	char path[] = "/dev/shm/ktstr-guest-files-XXXXXX", cmd[256];
	struct cpio c;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "cp /bin/true %s && chmod 755 %s", path, path);
	cr_assert_eq(system(cmd), 0);
	if (access(path, X_OK)) {
		unlink(path);
		cr_skip_test("/dev/shm is mounted noexec here");
	}
	snprintf(text, sizeof(text), "scenario t \"x\"\n"
		 "step a 1s\n"
		 "  payload-run p %s\n", path);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), -1);
	unlink(path);
	snprintf(want, sizeof(want), "t.scn:3:3: payload 'p' (%s): %s: under /dev, a pseudo "
		 "filesystem in the guest; move it elsewhere", path, path);
	cr_assert_str_eq(msg, want);
	cpio_free(&c);
}

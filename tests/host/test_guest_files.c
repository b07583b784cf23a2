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
#include "tests/tmpdir.h"

static char dir[256];

/* Not under /tmp (the guest mounts a tmpfs over it): in the working
 * directory, the build tree. */
static void setup(void)
{
	char tmpl[] = "ktstr-guest-files-XXXXXX";

	make_real_dir(tmpl, dir, sizeof(dir));
	if (!strncmp(dir, "/tmp/", 5))
		cr_skip_test("the build tree is under /tmp");
}

/* A directory under /tmp, for the test that needs one. */
static char tmp[] = "/tmp/ktstr-guest-files-XXXXXX";
static bool tmp_made;

static void teardown(void)
{
	remove_tree(dir);
	if (tmp_made)
		remove_tree(tmp);
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

/* The files of scenario text (and the kernel k's config, if k) staged
 * into c. */
static int stage_k(const char *text, const struct guest_kernel *k, struct cpio *c, char *msg,
		   size_t len)
{
	struct scenario s;
	struct scn_error err;
	int ret;

	cr_assert_eq(scn_parse_string("t.scn", text, strlen(text), &s, &err), 0, "%s", err.msg);
	cpio_init(c);
	ret = guest_files_add_all(c, &s, k, msg, len);
	scn_free(&s);
	return ret;
}

static int stage(const char *text, struct cpio *c, char *msg, size_t len)
{
	return stage_k(text, NULL, c, msg, len);
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

/* file directives ---------------------------------------------------------- */

/* A shell command with $D the test's directory. */
static void sh(const char *cmd)
{
	setenv("D", dir, 1);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* tmpl with every '@' replaced by the test's directory, appended to out. */
static void append_at(char *out, size_t len, const char *tmpl)
{
	for (const char *p = tmpl; *p; p++) {
		size_t n = strlen(out);

		if (*p == '@')
			snprintf(out + n, len - n, "%s", dir);
		else if (n + 1 < len)
			out[n] = *p, out[n + 1] = 0;
	}
}

static mode_t mode_of(const char *guest)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/out%s", dir, guest);
	cr_assert_eq(lstat(path, &st), 0, "%s is in the archive", guest);
	return st.st_mode;
}

static void want_content(const char *guest, const char *text)
{
	char path[PATH_MAX], buf[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/out%s", dir, guest);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", guest);
	cr_assert_not_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	cr_expect_str_eq(buf, text, "%s", guest);
}

/* A tree: d/a (0640), d/bin/run (0755), d/sub/deep/x, d/link -> a,
 * d/empty/. */
static void tree(void)
{
	sh("cd $D && mkdir -p d/bin d/sub/deep d/empty && echo a >d/a && chmod 640 d/a && "
	   "echo run >d/bin/run && chmod 755 d/bin/run && echo x >d/sub/deep/x && "
	   "ln -s a d/link");
}

Test(guest_files, file_directive_copies_a_directory_whole)
{
	char text[2048], msg[2048];
	struct cpio c;

	tree();
	snprintf(text, sizeof(text), "scenario t \"x\"\n"
		 "file %s/d to=/opt/t\n"
		 "file %s/d/a to=/etc/one mode=600\n"
		 "file %s/d/sub mode=0444\n", dir, dir, dir);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), 0, "%s", msg);
	extract(&c);
	want_content("/opt/t/a", "a\n");
	cr_expect_eq(mode_of("/opt/t/a") & 07777, 0640, "the host's mode kept");
	cr_expect_eq(mode_of("/opt/t/bin/run") & 07777, 0755);
	want_content("/opt/t/sub/deep/x", "x\n");
	want_link("/opt/t/link", "a");
	cr_expect(S_ISDIR(mode_of("/opt/t/empty")), "an empty directory too");
	cr_expect_eq(mode_of("/etc/one") & 07777, 0600, "mode= wins");
	want_content("/etc/one", "a\n");
	{
		char guest[PATH_MAX];

		/* Without to=: the host path; mode= on every file of a tree. */
		snprintf(guest, sizeof(guest), "%s/d/sub/deep/x", dir);
		want_content(guest, "x\n");
		cr_expect_eq(mode_of(guest) & 07777, 0444);
	}
	cpio_free(&c);
}

Test(guest_files, file_directive_relative_path_lands_at_its_absolute_path)
{
	char text[2048], msg[2048], cwd[PATH_MAX], guest[2 * PATH_MAX];
	struct cpio c;

	tree();
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_eq(chdir(dir), 0);
	snprintf(text, sizeof(text), "scenario t \"x\"\nfile ./d/../d/a\n");
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(chdir(cwd), 0);
	extract(&c);
	snprintf(guest, sizeof(guest), "%s/d/a", dir);
	want_content(guest, "a\n");
	cpio_free(&c);
}

Test(guest_files, file_directive_missing_names_line_and_column)
{
	char text[1024], msg[2048], want[1024];
	struct cpio c;

	snprintf(text, sizeof(text), "scenario t \"x\"\n# a comment\nfile   %s/nope to=/x\n", dir);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "t.scn:3:8: file '%s/nope': No such file or directory", dir);
	cr_assert_str_eq(msg, want);
	cpio_free(&c);
}

Test(guest_files, file_directive_refuses_what_it_cannot_ship)
{
	static const struct {
		const char *lines, *want;
	} bad[] = {
		/* A FIFO (or device, socket) in a tree, named. */
		{ "file @/ff to=/opt/d\n", "/ff/fifo' is a FIFO; expected a regular file, a directory or a symlink" },
		/* Two different things at one guest path. */
		{ "file @/d/a to=/x\nfile @/d/bin/run to=/x\n", "/x is in the guest already as the file " },
		{ "file @/d/a to=/opt/f\nfile @/d to=/opt/f/g\n", "/opt/f is in the guest already as the file " },
		/* The run's own names. */
		{ "file @/d/a to=/run.json\n", "guest path '/run.json' is the run's own" },
		{ "file @/d/a to=/init\n", "guest path '/init' is the run's own" },
	};

	tree();
	sh("mkdir $D/ff && touch $D/ff/a && mkfifo $D/ff/fifo");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[2048] = "scenario t \"x\"\n", msg[2048];
		struct cpio c;

		append_at(text, sizeof(text), bad[i].lines);
		cr_expect_eq(stage(text, &c, msg, sizeof(msg)), -1, "%s", bad[i].lines);
		cr_expect(strstr(msg, bad[i].want), "%s\ngot: %s", bad[i].want, msg);
		cpio_free(&c);
	}
}

Test(guest_files, file_directive_same_file_twice_is_one_entry)
{
	char text[2048], msg[2048];
	struct cpio c;

	tree();
	/* Spelled another way, or through a symlink: still the same file. */
	snprintf(text, sizeof(text), "scenario t \"x\"\nfile %s/d/a to=/x\nfile %s/d to=/opt/d\n"
		 "file %s/d/sub/../a to=/x\nfile %s/d/link to=/x\n", dir, dir, dir, dir);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), 0, "%s", msg);
	cpio_free(&c);
}

Test(guest_files, file_directive_bounds)
{
	char text[1024], msg[2048];
	struct cpio c;

	/* Bytes: checked from the size, before anything is read. */
	sh("cd $D && mkdir big && truncate -s 200M big/a && truncate -s 57M big/b");
	snprintf(text, sizeof(text), "scenario t \"x\"\nfile %s/big to=/big\n", dir);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "/big/b' (59768832 bytes) brings the file directives to 269484032 "
			 "bytes; expected at most 268435456 (256 MiB)"), "%s", msg);
	cpio_free(&c);
	/* Entries: 16384 at most, directories and symlinks counted. */
	sh("cd $D && mkdir many && cd many && seq 1 16384 | xargs touch");
	snprintf(text, sizeof(text), "scenario t \"x\"\nfile %s/many to=/many\n", dir);
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "is entry 16385 of the file directives; expected at most 16384"),
		  "%s", msg);
	cpio_free(&c);
	sh("rm $D/many/1");
	cr_assert_eq(stage(text, &c, msg, sizeof(msg)), 0, "%s", msg);
	cpio_free(&c);
}

/* The kernel's config ------------------------------------------------------- */

/* A kernel of release rel whose config, dir/config, holds the one line. */
static struct guest_kernel kernel_with_config(const char *rel, const char *line)
{
	static char cfg[PATH_MAX];
	FILE *f;

	snprintf(cfg, sizeof(cfg), "%s/config", dir);
	f = fopen(cfg, "w");
	cr_assert_not_null(f, "%s", cfg);
	fprintf(f, "%s\n", line);
	fclose(f);
	return (struct guest_kernel){ rel, cfg };
}

Test(guest_files, kernel_config_at_boot_config_release)
{
	struct guest_kernel k = kernel_with_config("7.3.4+deb13-cloud-amd64",
						   "CONFIG_SCHED_CLASS_EXT=y");
	char msg[2048];
	struct cpio c;

	cr_assert_eq(stage_k("scenario t\n", &k, &c, msg, sizeof(msg)), 0, "%s", msg);
	extract(&c);
	want_content("/boot/config-7.3.4+deb13-cloud-amd64", "CONFIG_SCHED_CLASS_EXT=y\n");
	cr_expect_eq(mode_of("/boot/config-7.3.4+deb13-cloud-amd64") & 07777, 0644);
	cpio_free(&c);
}

Test(guest_files, kernel_config_a_file_directive_wins)
{
	struct guest_kernel k = kernel_with_config("6.1.0", "CONFIG_A=y");
	char msg[2048], text[1024];
	struct cpio c;

	sh("echo CONFIG_MINE=y >$D/mine");
	snprintf(text, sizeof(text), "scenario t\nfile %s/mine to=/boot/config-6.1.0\n", dir);
	cr_assert_eq(stage_k(text, &k, &c, msg, sizeof(msg)), 0, "%s", msg);
	extract(&c);
	want_content("/boot/config-6.1.0", "CONFIG_MINE=y\n");
	cpio_free(&c);
}

Test(guest_files, kernel_config_needs_a_release_that_names_a_file)
{
	struct guest_kernel k = kernel_with_config("", "CONFIG_A=y");
	char msg[2048];
	struct cpio c;

	cr_assert_eq(stage_k("scenario t\n", &k, &c, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect(!c.buf || !memmem(c.buf, c.len, "boot/config", 11), "no release: nothing shipped");
	cpio_free(&c);
	k.release = "../../etc/x";
	cr_assert_eq(stage_k("scenario t\n", &k, &c, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "kernel release '../../etc/x' cannot name /boot/config-RELEASE"),
		  "%s", msg);
	cpio_free(&c);
	k.release = "6.1.0";
	k.config = dir;
	cr_assert_eq(stage_k("scenario t\n", &k, &c, msg, sizeof(msg)), -1);
	cr_expect(strstr(msg, "not a regular file; expected a regular file"), "%s", msg);
	cpio_free(&c);
}

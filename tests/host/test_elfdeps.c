// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for the shared-library resolver (host/elfdeps.c): system
 * binaries checked against ldd, programs built here with RUNPATH, RPATH
 * and $ORIGIN, missing and wrong-class libraries, the ld.so cache, and
 * truncated or foreign files refused without reading out of bounds (the
 * ASan build checks that part). */
#include <criterion/criterion.h>
#include <elf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/elfdeps.h"
#include "tests/tmpdir.h"

static char dir[256];
static char msg[4096];

static void setup(void)
{
	char tmpl[] = "/tmp/ktstr-elfdeps-XXXXXX";

	/* The real path: what the resolver reports ($ORIGIN). */
	make_real_dir(tmpl, dir, sizeof(dir));
}

static void teardown(void)
{
	remove_tree(dir);
}

TestSuite(elfdeps, .init = setup, .fini = teardown);

__attribute__((format(printf, 1, 2)))
static void sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(system(cmd), 0, "failed: %s", cmd);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

static size_t read_file(const char *path, void *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, cap, f);
	fclose(f);
	cr_assert_lt(n, cap, "%s is larger than the test's buffer", path);
	return n;
}

/* dir/lib/libt.so.1.0 with SONAME libt.so.1 (and the symlinks libt.so.1
 * and libt.so, as ldconfig and a -dev package make them). */
static void build_libt(void)
{
	sh("mkdir -p %s/lib %s/bin && cd %s && printf 'int t(int x) { return x + 1; }\\n' >t.c && "
	   "cc -shared -fPIC -o lib/libt.so.1.0 -Wl,-soname,libt.so.1 t.c && "
	   "ln -s libt.so.1.0 lib/libt.so.1 && ln -s libt.so.1 lib/libt.so", dir, dir, dir);
}

/* dir/bin/NAME, calling t() from libt, linked with extra flags. */
static void build_prog(const char *name, const char *flags)
{
	sh("cd %s && printf 'int t(int);\\nint main(int c, char **v) { return t(c) != 2; }\\n' "
	   ">m.c && cc -o bin/%s m.c -Llib -lt %s", dir, name, flags);
}

static bool has_lib(const struct elfdeps *d, const char *path)
{
	for (size_t i = 0; i < d->n_libs; i++)
		if (!strcmp(d->libs[i], path))
			return true;
	return false;
}

/* "/a/b/../c" -> "/a/c", as the guest's kernel walks it. */
static void lexical(char *p)
{
	char *dd;

	while ((dd = strstr(p, "/../"))) {
		char *up = dd;

		while (up > p && *--up != '/')
			;
		memmove(up, dd + 3, strlen(dd + 3) + 1);
	}
}

/* The libraries ldd (the real loader) maps for path, "=> PATH" lines
 * (lexically normalized). */
static size_t ldd_libs(const char *path, char out[][PATH_MAX], size_t max)
{
	char cmd[PATH_MAX + 64], line[PATH_MAX + 64];
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "env -u LD_LIBRARY_PATH -u LD_PRELOAD ldd '%s'", path);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p)) {
		char *arrow = strstr(line, "=> /");

		if (!arrow || n == max)
			continue;
		snprintf(out[n], PATH_MAX, "%s", arrow + 3);
		out[n][strcspn(out[n], " (\n")] = 0;
		lexical(out[n++]);
	}
	pclose(p);
	return n;
}

/* The resolver finds what ldd finds, in the same order. */
static void same_as_ldd(const char *path, const struct elfdeps *d)
{
	char want[64][PATH_MAX];
	size_t n = ldd_libs(path, want, 64);

	cr_assert_eq(d->n_libs, n, "%s: %zu libraries, ldd says %zu", path, d->n_libs, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_str_eq(d->libs[i], want[i], "%s: library %zu", path, i);
}

Test(elfdeps, system_binaries_match_ldd)
{
	static const char *const bins[] = { "/bin/sh", "/bin/ls", "/usr/bin/python3" };
	char real[PATH_MAX];
	struct elfdeps d;

	for (size_t i = 0; i < sizeof(bins) / sizeof(bins[0]); i++) {
		if (access(bins[i], X_OK))
			continue;
		cr_assert_eq(elfdeps_resolve(bins[i], &elfdeps_host, &d, msg, sizeof(msg)), 0,
			     "%s", msg);
		cr_assert_not_null(realpath(bins[i], real));
		cr_assert_str_eq(d.path, real);
		cr_assert_not_null(d.interp, "%s is dynamic", bins[i]);
		cr_assert_eq(access(d.interp, R_OK), 0, "%s", d.interp);
		same_as_ldd(bins[i], &d);
		/* libc's DT_NEEDED ld-linux-x86-64.so.2 is the interpreter (its
		 * SONAME): not a second copy. */
		for (size_t k = 0; k < d.n_libs; k++)
			cr_assert_null(strstr(d.libs[k], "ld-linux"), "%s", d.libs[k]);
		elfdeps_free(&d);
	}
	cr_assert_eq(elfdeps_resolve("/bin/sh", NULL, &d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert(d.n_libs >= 1 && strstr(d.libs[d.n_libs - 1], "/libc.so.6"),
		  "/bin/sh needs libc.so.6");
	elfdeps_free(&d);
}

Test(elfdeps, runpath_origin_and_soname_path)
{
	char path[PATH_MAX], want[PATH_MAX], link[PATH_MAX];
	struct elfdeps d;

	build_libt();
	build_prog("prog", "-Wl,--enable-new-dtags '-Wl,-rpath,$ORIGIN/../lib'");
	snprintf(path, sizeof(path), "%s/bin/prog", dir);
	sh("%s", path);	/* it runs here */
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(d.path, path);
	/* The SONAME path, as the loader opens it, not libt.so.1.0. */
	snprintf(want, sizeof(want), "%s/lib/libt.so.1", dir);
	cr_assert_str_eq(d.libs[0], want);
	same_as_ldd(path, &d);
	elfdeps_free(&d);

	/* Through a symlink: $ORIGIN is the real binary's directory. */
	snprintf(link, sizeof(link), "%s/prog-link", dir);
	cr_assert_eq(symlink(path, link), 0);
	cr_assert_eq(elfdeps_resolve(link, NULL, &d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(d.path, path);
	cr_assert_str_eq(d.libs[0], want);
	elfdeps_free(&d);
}

Test(elfdeps, lib_and_platform_tokens)
{
	char path[PATH_MAX], want[2 * PATH_MAX];
	struct elfdeps d;

	build_libt();
	build_prog("prog", "'-Wl,-rpath,/nonexistent:$ORIGIN/../${PLATFORM}/$LIB'");
	sh("cd %s && mkdir -p x86_64/lib/x86_64-linux-gnu && "
	   "mv lib/libt.so.1.0 x86_64/lib/x86_64-linux-gnu/libt.so.1 && rm lib/libt.so*", dir);
	snprintf(path, sizeof(path), "%s/bin/prog", dir);
	sh("%s", path);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), 0, "%s", msg);
	snprintf(want, sizeof(want), "%s/x86_64/lib/x86_64-linux-gnu/libt.so.1", dir);
	cr_assert_str_eq(d.libs[0], want);
	same_as_ldd(path, &d);
	elfdeps_free(&d);
}

/* libu needs libt and has no search path of its own: the program's
 * DT_RPATH serves it (transitive), its DT_RUNPATH does not. */
Test(elfdeps, rpath_transitive_runpath_not)
{
	char path[PATH_MAX], want[2 * PATH_MAX];
	struct elfdeps d;

	build_libt();
	sh("cd %s && printf 'int t(int);\\nint u(int x) { return t(x); }\\n' >u.c && "
	   "cc -shared -fPIC -o lib/libu.so -Wl,-soname,libu.so u.c -Llib -lt && "
	   "printf 'int u(int);\\nint main(int c, char **v) { return u(c) != 2; }\\n' >mu.c && "
	   "cc -o bin/rpath mu.c -Llib -lu -Wl,-rpath-link,lib -Wl,--disable-new-dtags "
	   "'-Wl,-rpath,$ORIGIN/../lib' && "
	   "cc -o bin/runpath mu.c -Llib -lu -Wl,-rpath-link,lib -Wl,--enable-new-dtags "
	   "'-Wl,-rpath,$ORIGIN/../lib'", dir);

	snprintf(path, sizeof(path), "%s/bin/rpath", dir);
	sh("%s", path);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(d.n_libs, 3, "libu, libc, libt");
	snprintf(want, sizeof(want), "%s/lib/libt.so.1", dir);
	cr_assert(has_lib(&d, want));
	same_as_ldd(path, &d);
	elfdeps_free(&d);

	snprintf(path, sizeof(path), "%s/bin/runpath", dir);
	cr_assert_neq(system(path), 0, "the real loader does not find libt either");
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s/lib/libu.so needs libt.so.1, not found in the ld.so "
		 "cache /etc/ld.so.cache or the system directories /lib/x86_64-linux-gnu:", dir);
	cr_assert(strstr(msg, want), "%s", msg);
	snprintf(want, sizeof(want), "/usr/lib (the RUNPATH of %s serves its own DT_NEEDED only)",
		 path);
	cr_assert(strstr(msg, want), "%s", msg);
}

Test(elfdeps, missing_library_is_named)
{
	char path[PATH_MAX], want[2 * PATH_MAX];
	struct elfdeps d;

	build_libt();
	build_prog("prog", "'-Wl,-rpath,/nonexistent/a:$ORIGIN/../lib'");
	sh("rm %s/lib/libt.so*", dir);
	snprintf(path, sizeof(path), "%s/bin/prog", dir);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "%s needs libt.so.1, not found in RUNPATH "
		 "/nonexistent/a:$ORIGIN/../lib, the ld.so cache /etc/ld.so.cache or the system "
		 "directories /lib/x86_64-linux-gnu:", path);
	cr_assert(strstr(msg, want), "%s", msg);
	cr_assert_null(d.libs);
}

Test(elfdeps, static_binary_needs_nothing)
{
	char path[PATH_MAX];
	struct elfdeps d;

	sh("cd %s && printf 'void _start(void) { __asm__ volatile(\"mov $60, %%%%eax; "
	   "xor %%%%edi, %%%%edi; syscall\"); }\\n' >s.c && cc -static -nostdlib -o s s.c && ./s",
	   dir);
	snprintf(path, sizeof(path), "%s/s", dir);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_null(d.interp);
	cr_assert_eq(d.n_libs, 0);
	elfdeps_free(&d);
}

/* A 32-bit x86 ELF header (no segments), padded to 512 bytes: ld.so
 * reads more than 52 before it looks at the class. */
static void write_elf32(const char *path)
{
	union {
		Elf32_Ehdr eh;
		uint8_t pad[512];
	} img = { .eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = ET_DYN, .e_machine = EM_386, .e_version = EV_CURRENT,
		.e_ehsize = sizeof(Elf32_Ehdr),
	} };

	write_file(path, &img, sizeof(img));
}

Test(elfdeps, foreign_files_refused)
{
	char path[PATH_MAX];
	struct elfdeps d;

	snprintf(path, sizeof(path), "%s/x32", dir);
	write_elf32(path);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "a 32-bit ELF file (ELFCLASS32)"), "%s", msg);

	snprintf(path, sizeof(path), "%s/text", dir);
	write_file(path, "hello\n", 6);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "text: not an ELF file"), "%s", msg);

	snprintf(path, sizeof(path), "%s/script", dir);
	write_file(path, "#!/bin/sh\n", 10);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "not an ELF file (a #! script)"), "%s", msg);

	cr_assert_eq(elfdeps_resolve("/nonexistent/x", NULL, &d, msg, sizeof(msg)), -1);
	cr_assert_str_eq(msg, "/nonexistent/x: No such file or directory");
	cr_assert_eq(elfdeps_resolve(dir, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "not a regular file"), "%s", msg);
}

/* ld.so skips a library of another class and goes on searching. */
Test(elfdeps, wrong_class_library_skipped)
{
	char path[PATH_MAX], want[2 * PATH_MAX];
	struct elfdeps d;

	build_libt();
	sh("mkdir -p %s/lib32", dir);
	snprintf(path, sizeof(path), "%s/lib32/libt.so.1", dir);
	write_elf32(path);
	build_prog("prog", "'-Wl,-rpath,$ORIGIN/../lib32:$ORIGIN/../lib'");
	snprintf(path, sizeof(path), "%s/bin/prog", dir);
	sh("%s", path);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), 0, "%s", msg);
	snprintf(want, sizeof(want), "%s/lib/libt.so.1", dir);
	cr_assert_str_eq(d.libs[0], want);
	elfdeps_free(&d);

	sh("rm %s/lib/libt.so*", dir);
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	snprintf(want, sizeof(want), "(skipped %s/lib32/libt.so.1: a 32-bit ELF file", dir);
	cr_assert(strstr(msg, want), "%s", msg);
}

/* A tiny ld.so cache (glibc's dl-cache.h, new format, optionally after an
 * old-format part): entries of (flags, key, value, hwcap). */
struct centry {
	int32_t flags;
	const char *key, *value;
	uint64_t hwcap;
};

static size_t make_cache(uint8_t *buf, size_t cap, const struct centry *e, uint32_t n, bool old)
{
	size_t base = 0, strs, pos;
	uint8_t two = 2;

	memset(buf, 0, cap);
	if (old) {
		uint32_t one = 1;

		memcpy(buf, "ld.so-1.7.0", 11);
		memcpy(buf + 12, &one, 4);
		base = 32;	/* 16 + 12, 8-aligned */
	}
	memcpy(buf + base, "glibc-ld.so.cache1.1", 20);
	memcpy(buf + base + 20, &n, 4);
	memcpy(buf + base + 28, &two, 1);
	strs = 48 + 24 * (size_t)n;
	pos = strs;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t *ent = buf + base + 48 + 24 * i;
		uint32_t k = pos, v;

		cr_assert_lt(base + pos + strlen(e[i].key) + strlen(e[i].value) + 2, cap);
		strcpy((char *)buf + base + pos, e[i].key);
		pos += strlen(e[i].key) + 1;
		v = pos;
		strcpy((char *)buf + base + pos, e[i].value);
		pos += strlen(e[i].value) + 1;
		memcpy(ent, &e[i].flags, 4);
		memcpy(ent + 4, &k, 4);
		memcpy(ent + 8, &v, 4);
		memcpy(ent + 16, &e[i].hwcap, 8);
	}
	return base + pos;
}

Test(elfdeps, cache_lookup)
{
	static const struct centry e[] = {
		{ 0x0003, "libc.so.6", "/lib32/libc.so.6", 0 },
		{ 0x0303, "libt.so.1", "/hw/libt.so.1", 1ull << 62 },
		{ 0x0303, "libt.so.1", "/opt/t/libt.so.1", 0 },
		{ 0x0303, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0 },
	};
	struct elfdeps_opts o = { .root = dir, .cache = "/ld.so.cache" };
	uint8_t buf[1024];
	char out[PATH_MAX], path[PATH_MAX];
	size_t n;

	snprintf(path, sizeof(path), "%s/ld.so.cache", dir);
	for (int old = 0; old < 2; old++) {
		n = make_cache(buf, sizeof(buf), e, 4, old);
		write_file(path, buf, n);
		cr_assert_eq(elfdeps_cache_find(&o, "libc.so.6", out, sizeof(out), msg,
						sizeof(msg)), 1, "%s", msg);
		cr_assert_str_eq(out, "/lib/x86_64-linux-gnu/libc.so.6", "the x86-64 entry");
		cr_assert_eq(elfdeps_cache_find(&o, "libt.so.1", out, sizeof(out), msg,
						sizeof(msg)), 1);
		cr_assert_str_eq(out, "/opt/t/libt.so.1", "not the glibc-hwcaps entry");
		cr_assert_eq(elfdeps_cache_find(&o, "libz.so.1", out, sizeof(out), msg,
						sizeof(msg)), 0);
	}

	/* The real one agrees with ldconfig -p on libc. */
	if (access("/etc/ld.so.cache", R_OK) == 0) {
		cr_assert_eq(elfdeps_cache_find(NULL, "libc.so.6", out, sizeof(out), msg,
						sizeof(msg)), 1, "%s", msg);
		cr_assert(strstr(out, "/libc.so.6"), "%s", out);
	}

	/* Broken caches: what is wrong, and where. */
	n = make_cache(buf, sizeof(buf), e, 4, false);
	buf[20] = 200;	/* nlibs */
	write_file(path, buf, n);
	cr_assert_eq(elfdeps_cache_find(&o, "libc.so.6", out, sizeof(out), msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "/ld.so.cache: 200 entries run past the end of the file ("),
		  "%s", msg);
	write_file(path, buf, 40);
	cr_assert_eq(elfdeps_cache_find(&o, "libc.so.6", out, sizeof(out), msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "no \"glibc-ld.so.cache1.1\" header at offset 0"), "%s", msg);
	n = make_cache(buf, sizeof(buf), e, 4, false);
	memset(buf + 48 + 4, 0xff, 4);	/* the first key: past the end */
	write_file(path, buf, n);
	cr_assert_eq(elfdeps_cache_find(&o, "libc.so.6", out, sizeof(out), msg,
					sizeof(msg)), 1, "a bad entry is skipped");
	n = make_cache(buf, sizeof(buf), e, 4, true);
	memset(buf + 12, 0xff, 4);	/* old-format count */
	write_file(path, buf, n);
	cr_assert_eq(elfdeps_cache_find(&o, "libc.so.6", out, sizeof(out), msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "old-format entries run past the end"), "%s", msg);
}

/* In a tree under opts.root: the cache serves a program without a search
 * path; under DF_1_NODEFLIB (of the object that needs the library) only a
 * cache entry outside the system directories does. */
Test(elfdeps, cache_and_nodeflib_under_root)
{
	static const char *const sys[] = { "/usr/lib", NULL };
	struct elfdeps_opts o = { .root = dir, .cache = "/etc/ld.so.cache", .sys_dirs = sys };
	struct centry e = { 0x0303, "libt.so.1", "/opt/t/libt.so.1", 0 };
	uint8_t buf[256];
	char path[PATH_MAX];
	struct elfdeps d;

	build_libt();
	build_prog("prog", "");
	sh("cd %s && printf 'int t(int);\nint n(int x) { return t(x); }\n' >n.c && "
	   "cc -shared -fPIC -o lib/libn.so -Wl,-soname,libn.so -Wl,-z,nodefaultlib n.c -Llib -lt && "
	   "printf 'int n(int);\nint main(int c, char **v) { return n(c) != 2; }\n' >mn.c && "
	   "cc -o bin/progn mn.c -Llib -ln -Wl,-rpath-link,lib '-Wl,-rpath,$ORIGIN/../lib' && "
	   "mkdir -p etc opt/t usr/lib lib64 && cp lib/libt.so.1.0 opt/t/libt.so.1 && "
	   "cp lib/libt.so.1.0 usr/lib/libt.so.1 && cp /lib/x86_64-linux-gnu/libc.so.6 usr/lib/ && "
	   "cp -L /lib64/ld-linux-x86-64.so.2 lib64/ && rm lib/libt.so*", dir);
	snprintf(path, sizeof(path), "%s/etc/ld.so.cache", dir);
	write_file(path, buf, make_cache(buf, sizeof(buf), &e, 1, false));

	cr_assert_eq(elfdeps_resolve("/bin/prog", &o, &d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(d.path, "/bin/prog", "reported without the root");
	cr_assert_str_eq(d.interp, "/lib64/ld-linux-x86-64.so.2");
	cr_assert_eq(d.n_libs, 2);
	cr_assert_str_eq(d.libs[0], "/opt/t/libt.so.1");
	cr_assert_str_eq(d.libs[1], "/usr/lib/libc.so.6");
	elfdeps_free(&d);

	cr_assert_eq(elfdeps_resolve("/bin/progn", &o, &d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(d.libs[2], "/opt/t/libt.so.1");
	elfdeps_free(&d);

	e.value = "/usr/lib/libt.so.1";
	write_file(path, buf, make_cache(buf, sizeof(buf), &e, 1, false));
	cr_assert_eq(elfdeps_resolve("/bin/prog", &o, &d, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(d.libs[0], "/usr/lib/libt.so.1");
	elfdeps_free(&d);
	cr_assert_eq(elfdeps_resolve("/bin/progn", &o, &d, msg, sizeof(msg)), -1);
	cr_assert_str_eq(msg, "/lib/libn.so needs libt.so.1, not found in the ld.so cache "
			 "/etc/ld.so.cache (the RUNPATH of /bin/progn serves its own DT_NEEDED "
			 "only; DF_1_NODEFLIB: no system directory)");

	sh("ln -s /bin %s/escape", dir);
	cr_assert_eq(elfdeps_resolve("/escape/sh", &o, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "/escape/sh: its real path /") && strstr(msg, "is outside the root"),
		  "%s", msg);
}

/* Cut the file at each point, and refuse every cut: never read out of
 * bounds (ASan), never accept a file whose loaded parts are missing. */
static void cuts_refused(const char *name, const uint8_t *img, size_t size, const size_t *cuts,
			 size_t n)
{
	char path[PATH_MAX];
	struct elfdeps d;

	snprintf(path, sizeof(path), "%s/%.64s", dir, name);
	for (size_t i = 0; i < n; i++) {
		if (cuts[i] >= size)
			continue;
		write_file(path, img, cuts[i]);
		msg[0] = 0;
		cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1,
			     "%s cut at %zu of %zu bytes accepted", name, cuts[i], size);
		cr_assert_neq(msg[0], 0);
	}
}

static void add_cut(size_t *cuts, size_t *n, uint64_t at)
{
	if (at < SIZE_MAX / 2 && *n < 4096) {
		cuts[(*n)++] = at;
		if (at)
			cuts[(*n)++] = at - 1;
		cuts[(*n)++] = at + 1;
	}
}

Test(elfdeps, truncated_files_refused)
{
	static uint8_t img[1 << 20];
	static size_t cuts[4096];
	char path[PATH_MAX];
	size_t size, n = 0, end_load = 0;
	Elf64_Ehdr eh;

	build_libt();
	build_prog("prog", "'-Wl,-rpath,$ORIGIN/../lib'");
	snprintf(path, sizeof(path), "%s/bin/prog", dir);
	size = read_file(path, img, sizeof(img));
	memcpy(&eh, img, sizeof(eh));
	/* Every boundary of the headers, tables and segments... */
	for (size_t at = 0; at <= 64; at++)
		add_cut(cuts, &n, at);
	add_cut(cuts, &n, eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr));
	add_cut(cuts, &n, eh.e_shoff);
	add_cut(cuts, &n, eh.e_shoff + eh.e_shnum * sizeof(Elf64_Shdr));
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		add_cut(cuts, &n, ph.p_offset);
		add_cut(cuts, &n, ph.p_offset + ph.p_filesz / 2);
		add_cut(cuts, &n, ph.p_offset + ph.p_filesz);
		if (ph.p_type == PT_LOAD && ph.p_offset + ph.p_filesz > end_load)
			end_load = ph.p_offset + ph.p_filesz;
	}
	/* ...and a sweep. */
	for (size_t at = 0; at < size; at += 61)
		add_cut(cuts, &n, at);
	cuts_refused("cut", img, size, cuts, n);

	/* Without section headers (as sstrip leaves it), the segments show
	 * a cut; after the last PT_LOAD nothing the loader reads is missing. */
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	eh.e_shstrndx = 0;
	memcpy(img, &eh, sizeof(eh));
	for (size_t i = 0; i < n; i++)
		if (cuts[i] >= end_load)
			cuts[i] = 0;
	cuts_refused("cut-nosections", img, end_load, cuts, n);
}

Test(elfdeps, hand_made_headers_refused)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[2];
		char pad[256];
	} img;
	char path[PATH_MAX];
	struct elfdeps d;

	snprintf(path, sizeof(path), "%s/h", dir);
	memset(&img, 0, sizeof(img));
	memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_DYN;
	img.eh.e_machine = EM_X86_64;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_phoff = sizeof(Elf64_Ehdr);
	img.eh.e_phentsize = sizeof(Elf64_Phdr);
	img.eh.e_phnum = 2;
	img.ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_filesz = sizeof(img) };

	/* e_phoff + e_phnum * 56 wraps around 2^64. */
	img.eh.e_phoff = -(uint64_t)(2 * sizeof(Elf64_Phdr));
	write_file(path, &img, sizeof(img));
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "program header table (offset 0xffffffffffffff90, 2 entries) lies "
			  "outside the file"), "%s", msg);
	img.eh.e_phoff = sizeof(Elf64_Ehdr);

	/* PT_INTERP whose offset + size wraps. */
	img.ph[1] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = -(uint64_t)4096,
				  .p_filesz = 4096 + 16 };
	write_file(path, &img, sizeof(img));
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "PT_INTERP (offset 0xfffffffffffff000, 0x1010 bytes) lies outside "
			  "the file"), "%s", msg);

	/* PT_INTERP not NUL-terminated, then relative. */
	img.ph[1] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = 200, .p_filesz = 4 };
	memcpy((char *)&img + 200, "/abc", 4);
	write_file(path, &img, sizeof(img));
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "PT_INTERP is not NUL-terminated"), "%s", msg);
	memcpy((char *)&img + 200, "ab\0", 4);
	write_file(path, &img, sizeof(img));
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "PT_INTERP \"ab\" is not the absolute path"), "%s", msg);

	/* PT_DYNAMIC whose offset + size wraps. */
	img.ph[1] = (Elf64_Phdr){ .p_type = PT_DYNAMIC, .p_offset = -(uint64_t)16,
				  .p_filesz = 32 };
	write_file(path, &img, sizeof(img));
	cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
	cr_assert(strstr(msg, "PT_DYNAMIC (offset 0xfffffffffffffff0, 0x20 bytes) lies outside"),
		  "%s", msg);

	/* DT_NEEDED string offset past DT_STRSZ (and one that wraps). */
	{
		Elf64_Dyn dyn[] = {
			{ DT_STRTAB, { 240 } }, { DT_STRSZ, { 16 } },
			{ DT_NEEDED, { -(uint64_t)200 } }, { DT_NULL, { 0 } },
		};

		memcpy((char *)&img + 176, dyn, sizeof(dyn));
		memcpy((char *)&img + 240, "libc.so.6", 10);
		img.ph[1] = (Elf64_Phdr){ .p_type = PT_DYNAMIC, .p_offset = 176,
					  .p_filesz = sizeof(dyn) };
		write_file(path, &img, sizeof(img));
		cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
		cr_assert(strstr(msg, "DT_NEEDED string offset 0xffffffffffffff38 is past the end "
				  "of the string table (DT_STRSZ 0x10)"), "%s", msg);
		/* DT_STRSZ running past its segment. */
		dyn[1].d_un.d_val = 1000;
		memcpy((char *)&img + 176, dyn, sizeof(dyn));
		write_file(path, &img, sizeof(img));
		cr_assert_eq(elfdeps_resolve(path, NULL, &d, msg, sizeof(msg)), -1);
		cr_assert(strstr(msg, "DT_STRTAB 0xf0 with DT_STRSZ 0x3e8 runs past the end"),
			  "%s", msg);
	}
}

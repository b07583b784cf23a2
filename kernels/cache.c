// SPDX-License-Identifier: GPL-2.0-only
/* The kernel cache: its directory, loading a cached default kernel, picking
 * the newest one and listing them. Layout:
 * <cache>/kernels/<REL>/{vmlinuz,vmlinux,config,release,modules.deb,OK}
 * (config.missing: why the config could not be had). */
#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels/internal.h"
#include "lib/file.h"

int kernel_cache_dir(char *buf, size_t len, char *msg, size_t msglen)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	/* No shared fallback such as /tmp: whoever made it first would choose
	 * the kernels we boot. */
	if (!home || *home != '/') {
		struct passwd *pw = getpwuid(getuid());

		home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
	}
	if (xdg && *xdg == '/')
		n = snprintf(buf, len, "%s/ktstr-run", xdg);
	else if (home)
		n = snprintf(buf, len, "%s/.cache/ktstr-run", home);
	else
		return errf(msg, msglen,
			    "no cache directory: neither XDG_CACHE_HOME nor HOME is set (to an absolute path) and uid %u has no home in the passwd database; set XDG_CACHE_HOME to a directory of your own",
			    (unsigned)getuid());
	if (n < 0 || (size_t)n >= len)
		return errf(msg, msglen, "cache directory '%s/...': path too long",
			    xdg && *xdg == '/' ? xdg : home);
	return kmkdir_p(buf, msg, msglen);
}

int kcache_path(char *buf, size_t len, char *msg, size_t msglen, const char *fmt, ...)
{
	char dir[4096];
	char rest[4096];
	va_list ap;
	int n;

	if (kernel_cache_dir(dir, sizeof(dir), msg, msglen))
		return -1;
	va_start(ap, fmt);
	vsnprintf(rest, sizeof(rest), fmt, ap);
	va_end(ap);
	n = snprintf(buf, len, "%s/%s", dir, rest);
	if (n < 0 || (size_t)n >= len)
		return errf(msg, msglen, "'%s/%s': path too long", dir, rest);
	return 0;
}

static void sub(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%.4000s/%s", dir, name);
}

int kcache_load(const char *reldir, struct kernel *out)
{
	struct vmlinux_info vi;
	char p[4200];

	memset(out, 0, sizeof(*out));
	sub(p, sizeof(p), reldir, "OK");
	if (!kfile_exists(p))
		return -ENOENT;
	sub(p, sizeof(p), reldir, "release");
	if (read_text(p, out->release, sizeof(out->release)) || !out->release[0])
		return -ENOENT;
	sub(out->bzimage, sizeof(out->bzimage), reldir, "vmlinuz");
	sub(out->vmlinux, sizeof(out->vmlinux), reldir, "vmlinux");
	sub(out->modules_deb, sizeof(out->modules_deb), reldir, "modules.deb");
	if (!kfile_exists(out->bzimage) || !kfile_exists(out->vmlinux))
		return -ENOENT;
	if (!kfile_exists(out->modules_deb))
		out->modules_deb[0] = '\0';
	sub(out->config, sizeof(out->config), reldir, "config");
	if (!kfile_exists(out->config))
		out->config[0] = '\0';
	if (vmlinux_inspect(out->vmlinux, &vi, NULL, 0))
		return -ENOENT;
	out->has_btf = vi.has_btf;
	out->has_pvh = vi.has_pvh;
	return 0;
}

/* The newest <REL> (by Debian version order) with an OK marker. */
static int newest_release(const char *kdir, char *rel, size_t len)
{
	struct dirent *de;
	char p[4400];
	DIR *d = opendir(kdir);

	rel[0] = '\0';
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s/OK", kdir, de->d_name);
		if (!kfile_exists(p))
			continue;
		if (!rel[0] || deb_vercmp(de->d_name, rel) > 0)
			snprintf(rel, len, "%s", de->d_name);
	}
	closedir(d);
	return rel[0] ? 0 : -ENOENT;
}

int kernel_default_cached(struct kernel *out)
{
	char kdir[4096], rel[256], dir[4400];

	if (kcache_path(kdir, sizeof(kdir), NULL, 0, "kernels"))
		return -ENOENT;
	if (newest_release(kdir, rel, sizeof(rel)))
		return -ENOENT;
	snprintf(dir, sizeof(dir), "%s/%s", kdir, rel);
	return kcache_load(dir, out);
}

static void list_one(const char *kdir, const char *name)
{
	char dir[4400], p[4500], rel[256] = "", size[32] = "?";
	struct stat st;
	bool ok, vml;

	snprintf(dir, sizeof(dir), "%s/%s", kdir, name);
	snprintf(p, sizeof(p), "%s/OK", dir);
	ok = kfile_exists(p);
	snprintf(p, sizeof(p), "%s/release", dir);
	if (read_text(p, rel, sizeof(rel)) || !rel[0])
		snprintf(rel, sizeof(rel), "%s", name);
	snprintf(p, sizeof(p), "%s/vmlinuz", dir);
	if (stat(p, &st) == 0)
		khuman_size(st.st_size, size, sizeof(size));
	snprintf(p, sizeof(p), "%s/vmlinux", dir);
	vml = kfile_exists(p);
	printf("%-36s vmlinuz %-9s vmlinux %-13s %s%s\n", rel, size,
	       vml ? "extracted" : "not extracted", dir,
	       ok ? "" : "  (incomplete: run 'ktstr-run kernel fetch')");
}

int kernel_list(void)
{
	char kdir[4096], msg[512];
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (kcache_path(kdir, sizeof(kdir), msg, sizeof(msg), "kernels")) {
		fprintf(stderr, "ktstr-run: %s\n", msg);
		return -1;
	}
	d = opendir(kdir);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		list_one(kdir, de->d_name);
		n++;
	}
	if (d)
		closedir(d);
	if (!n)
		printf("no kernels cached in %s; run 'ktstr-run kernel fetch'\n", kdir);
	return 0;
}

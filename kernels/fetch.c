// SPDX-License-Identifier: GPL-2.0-only
/* Fetches the default kernel (Debian's sched_ext-enabled cloud kernel from
 * trixie-backports) into the cache with apt-get download, and its .config.
 * Files are written under temporary names and the OK marker last, so an
 * interrupted fetch never leaves a cache entry that looks complete. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "kernels/apt.h"
#include "kernels/internal.h"
#include "lib/file.h"

#define META_PKG "linux-image-cloud-amd64"

struct fetch_plan {
	char rel[128];
	struct apt_pkg binary;  /* holds vmlinuz */
	struct apt_pkg modules; /* holds the modules (may be the same package) */
	struct apt_pkg config;  /* holds the .config (may be the same package) */
};

static int show_dep(struct apt_state *a, const struct apt_pkg *from,
		    const char *prefix, struct apt_pkg *out,
		    char *msg, size_t msglen)
{
	char name[256];

	if (apt_find_dep(from->depends, prefix, NULL, name, sizeof(name))) {
		*out = *from;
		return 0;
	}
	return apt_show(a, name, out, msg, msglen);
}

/* linux-image-cloud-amd64 -> linux-image-<REL> -> linux-{binary,modules,base}-<REL>
 * (older kernels ship all of it inside linux-image-<REL>). */
static int plan(struct apt_state *a, struct fetch_plan *p, char *msg, size_t msglen)
{
	struct apt_pkg meta, image;
	char name[256];

	if (apt_show(a, META_PKG, &meta, msg, msglen))
		return -1;
	if (apt_find_dep(meta.depends, "linux-image-", META_PKG, name, sizeof(name)))
		return errf(msg, msglen, "%s %s depends on no linux-image-<release> package (Depends: %s)",
			    META_PKG, meta.version, meta.depends);
	snprintf(p->rel, sizeof(p->rel), "%.127s", name + strlen("linux-image-"));
	if (apt_show(a, name, &image, msg, msglen))
		return -1;
	if (show_dep(a, &image, "linux-binary-", &p->binary, msg, msglen) ||
	    show_dep(a, &image, "linux-base-", &p->config, msg, msglen))
		return -1;
	return show_dep(a, &image, "linux-modules-", &p->modules, msg, msglen);
}

static int download(struct apt_state *a, const struct apt_pkg *pkg,
		    const char *dir, char *path, size_t len,
		    kernel_progress_fn progress, void *ctx, char *msg, size_t msglen)
{
	char hs[32];

	khuman_size(pkg->size, hs, sizeof(hs));
	kprog(progress, ctx, "downloading %s %s (%s)", pkg->name, pkg->version, hs);
	return apt_download(a, pkg, dir, path, len, msg, msglen);
}

static int unpack_vmlinuz(const char *deb, const char *work, const char *rel,
			  char *vmlinuz, size_t len, char *msg, size_t msglen)
{
	char x[4500], err[1024];
	char *argv[] = { "dpkg-deb", "-x", (char *)deb, x, NULL };
	int rc;

	snprintf(x, sizeof(x), "%s/x", work);
	rc = krun(argv, NULL, NULL, err, sizeof(err));
	if (rc)
		return errf(msg, msglen, "dpkg-deb -x %s failed (exit %d): %s", deb, rc, err);
	snprintf(vmlinuz, len, "%.4000s/usr/lib/modules/%s/vmlinuz", x, rel);
	if (kfile_exists(vmlinuz))
		return 0;
	snprintf(vmlinuz, len, "%.4000s/boot/vmlinuz-%s", x, rel);
	if (kfile_exists(vmlinuz))
		return 0;
	return errf(msg, msglen, "%s has neither usr/lib/modules/%s/vmlinuz nor boot/vmlinuz-%s",
		    deb, rel, rel);
}

static void sub(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%.4000s/%s", dir, name);
}

int kdeb_config(const char *deb, const char *rel, const char *work, const char *out,
		char *msg, size_t msglen)
{
	char x[4300], cfg[4600], err[1024];
	char *argv[] = { "dpkg-deb", "-x", (char *)deb, x, NULL };
	static int seq;
	int rc;

	snprintf(x, sizeof(x), "%.4000s/config-%d", work, seq++);
	rc = krun(argv, NULL, NULL, err, sizeof(err));
	if (rc) {
		krm_rf(x);
		return errf(msg, msglen, "dpkg-deb -x %s failed (exit %d): %s", deb, rc, err);
	}
	/* 7.x: linux-base-<REL>; before: linux-image-<REL>. */
	snprintf(cfg, sizeof(cfg), "%s/usr/lib/modules/%s/config", x, rel);
	if (!kfile_exists(cfg))
		snprintf(cfg, sizeof(cfg), "%s/boot/config-%s", x, rel);
	if (!kfile_exists(cfg)) {
		krm_rf(x);
		errf(msg, msglen, "%s has neither usr/lib/modules/%s/config nor boot/config-%s",
		     deb, rel, rel);
		return -ENOENT;
	}
	rc = kcopy_file(cfg, out, msg, msglen);
	krm_rf(x);
	return rc ? -1 : 0;
}

/* Why the last try to get a cached kernel's config failed: a run does not
 * ask the archive again ('kernel fetch' does). */
#define CONFIG_MISSING "config.missing"

/* <reldir>/config from pkg (downloaded into work unless it is the package
 * at have). 0, or -1 with msg. */
static int install_config(struct apt_state *a, const struct apt_pkg *pkg, const char *have,
			  const char *have_name, const char *rel, const char *work,
			  const char *reldir, kernel_progress_fn progress, void *ctx,
			  char *msg, size_t msglen)
{
	char deb[4400], dst[4400];

	sub(dst, sizeof(dst), reldir, "config");
	if (have && !strcmp(pkg->name, have_name))
		snprintf(deb, sizeof(deb), "%s", have);
	else if (download(a, pkg, work, deb, sizeof(deb), progress, ctx, msg, msglen))
		return -1;
	if (kdeb_config(deb, rel, work, dst, msg, msglen))
		return -1;
	sub(dst, sizeof(dst), reldir, CONFIG_MISSING);
	unlink(dst);
	return 0;
}

/* Download, unpack and write <reldir>/{vmlinuz,vmlinux,config,modules.deb,
 * release}, then OK once the vmlinux is checked to be a kernel. */
static int install(struct apt_state *a, const struct fetch_plan *p,
		   const char *work, const char *reldir,
		   kernel_progress_fn progress, void *ctx, char *msg, size_t msglen)
{
	char bin[4400], mod[4400], vmlinuz[4400], dst[4400], ok[512];
	struct vmlinux_info vi;

	sub(dst, sizeof(dst), reldir, "OK");
	unlink(dst);
	if (download(a, &p->binary, work, bin, sizeof(bin), progress, ctx, msg, msglen))
		return -1;
	if (strcmp(p->modules.name, p->binary.name)) {
		if (download(a, &p->modules, work, mod, sizeof(mod), progress, ctx, msg, msglen))
			return -1;
	} else {
		snprintf(mod, sizeof(mod), "%s", bin);
	}
	if (unpack_vmlinuz(bin, work, p->rel, vmlinuz, sizeof(vmlinuz), msg, msglen))
		return -1;
	if (install_config(a, &p->config, bin, p->binary.name, p->rel, work, reldir, progress,
			   ctx, msg, msglen))
		return -1;
	sub(dst, sizeof(dst), reldir, "vmlinuz");
	if (kcopy_file(vmlinuz, dst, msg, msglen))
		return -1;
	sub(vmlinuz, sizeof(vmlinuz), reldir, "vmlinux");
	if (bzimage_extract_vmlinux(dst, vmlinuz, progress, ctx, msg, msglen) ||
	    vmlinux_inspect(vmlinuz, &vi, msg, msglen))
		return -1;
	sub(dst, sizeof(dst), reldir, "modules.deb");
	if (kcopy_file(mod, dst, msg, msglen))
		return -1;
	sub(dst, sizeof(dst), reldir, "release");
	if (kwrite_str(dst, p->rel, msg, msglen))
		return -1;
	snprintf(ok, sizeof(ok), "%s %s\n", p->binary.name, p->binary.version);
	sub(dst, sizeof(dst), reldir, "OK");
	return kwrite_str(dst, ok, msg, msglen);
}

/* Work directories of fetches that were interrupted; we hold the lock, so
 * none of them is in use. */
static void remove_stale_work(const char *kdir)
{
	char p[4400];
	struct dirent *de;
	DIR *d = opendir(kdir);

	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, ".work-", 6))
			continue;
		snprintf(p, sizeof(p), "%.4000s/%s", kdir, de->d_name);
		krm_rf(p);
	}
	if (d)
		closedir(d);
}

/* Everything after the lock: find the archive, resolve, download, install. */
static int fetch_locked(const char *cache, struct kernel *out,
			kernel_progress_fn progress, void *ctx,
			char *msg, size_t msglen)
{
	struct apt_source src;
	struct fetch_plan p;
	struct apt_state a;
	char root[4400], work[4400], reldir[4400];
	int ret;

	if (apt_debian_source("/etc/apt", &src, msg, msglen))
		return -1;
	snprintf(root, sizeof(root), "%s/apt", cache);
	if (apt_state_init(&a, root, &src, msg, msglen))
		return -1;
	kprog(progress, ctx, "updating package lists for trixie, trixie-backports (private apt state in %s)",
	      root);
	if (apt_update(&a, msg, msglen) || plan(&a, &p, msg, msglen))
		return -1;
	snprintf(reldir, sizeof(reldir), "%s/kernels/%s", cache, p.rel);
	if (kcache_load(reldir, out) == 0) {
		kprog(progress, ctx, "%s is the archive's newest and is cached already", p.rel);
		return 0;
	}
	snprintf(work, sizeof(work), "%s/kernels", cache);
	remove_stale_work(work);
	snprintf(work, sizeof(work), "%s/kernels/.work-%d", cache, (int)getpid());
	if (kmkdir_p(reldir, msg, msglen) || kmkdir_p(work, msg, msglen))
		return -1;
	ret = install(&a, &p, work, reldir, progress, ctx, msg, msglen);
	krm_rf(work);
	if (ret)
		return -1;
	if (kcache_load(reldir, out))
		return errf(msg, msglen, "%s: fetched but the cache entry does not load (vmlinux unreadable?)",
			    reldir);
	return 0;
}

/* The kernels/ lock: one fetch at a time. An fd to close, or -1 with msg. */
static int lock_kernels(const char *cache, kernel_progress_fn progress, void *ctx,
			char *msg, size_t msglen)
{
	char lock[4200];
	int fd;

	snprintf(lock, sizeof(lock), "%s/kernels", cache);
	if (kmkdir_p(lock, msg, msglen))
		return -1;
	snprintf(lock, sizeof(lock), "%s/kernels/.lock", cache);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return errf(msg, msglen, "'%s': %s", lock, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		kprog(progress, ctx, "waiting for another ktstr-run fetching the kernel (%s)", lock);
		flock(fd, LOCK_EX);
	}
	return fd;
}

/* The cached modules package, when it is the one linux-image-<REL> of an
 * older kernel that holds everything, config included. */
static bool modules_deb_is_image(const char *deb)
{
	char *argv[] = { "dpkg-deb", "-f", (char *)deb, "Package", NULL };
	char *out = NULL, err[256];
	bool yes;

	if (krun(argv, NULL, &out, err, sizeof(err))) {
		free(out);
		return false;
	}
	yes = !strncmp(out, "linux-image-", 12);
	free(out);
	return yes;
}

/* Under the lock: the config of cached kernel k into <reldir>/config, from
 * its cached package or the archive (the package that holds it, as at
 * fetch). */
static int config_locked(const char *cache, const struct kernel *k, const char *reldir,
			 kernel_progress_fn progress, void *ctx, char *msg, size_t msglen)
{
	char root[4400], work[4400], name[300], dst[4400];
	struct apt_pkg image, pkg;
	struct apt_source src;
	struct apt_state a;
	int ret = -1;

	snprintf(work, sizeof(work), "%s/kernels/.work-%d", cache, (int)getpid());
	if (kmkdir_p(work, msg, msglen))
		return -1;
	sub(dst, sizeof(dst), reldir, "config");
	if (k->modules_deb[0] && modules_deb_is_image(k->modules_deb) &&
	    kdeb_config(k->modules_deb, k->release, work, dst, msg, msglen) == 0) {
		ret = 0;
		goto out;
	}
	snprintf(name, sizeof(name), "linux-image-%s", k->release);
	snprintf(root, sizeof(root), "%s/apt", cache);
	if (apt_debian_source("/etc/apt", &src, msg, msglen) ||
	    apt_state_init(&a, root, &src, msg, msglen))
		goto out;
	if (apt_show(&a, name, &image, msg, msglen)) {
		kprog(progress, ctx, "updating package lists (private apt state in %s)", root);
		if (apt_update(&a, msg, msglen) || apt_show(&a, name, &image, msg, msglen))
			goto out;
	}
	if (show_dep(&a, &image, "linux-base-", &pkg, msg, msglen))
		goto out;
	ret = install_config(&a, &pkg, NULL, "", k->release, work, reldir, progress, ctx,
			     msg, msglen);
out:
	krm_rf(work);
	return ret;
}

int kernel_default_config(struct kernel *k, bool ask_archive, kernel_progress_fn progress,
			  void *ctx, char *msg, size_t msglen)
{
	char cache[4096], reldir[4400], p[4500], why[1024];
	int fd, ret;

	if (kernel_cache_dir(cache, sizeof(cache), msg, msglen))
		return -1;
	snprintf(reldir, sizeof(reldir), "%s/kernels/%s", cache, k->release);
	sub(p, sizeof(p), reldir, "config");
	if (kfile_exists(p))
		goto found;
	sub(p, sizeof(p), reldir, CONFIG_MISSING);
	if (!ask_archive && read_text(p, why, sizeof(why)) == 0)
		return errf(msg, msglen,
			    "%s (from an earlier try; 'ktstr-run kernel fetch' tries again)", why);
	if ((fd = lock_kernels(cache, progress, ctx, msg, msglen)) < 0)
		return -1;
	sub(p, sizeof(p), reldir, "config");
	kprog(progress, ctx, "getting the .config of %s (it was cached without one)", k->release);
	ret = kfile_exists(p) ? 0 :
	      config_locked(cache, k, reldir, progress, ctx, msg, msglen);
	if (ret) {
		sub(p, sizeof(p), reldir, CONFIG_MISSING);
		kwrite_str(p, msg, why, sizeof(why));
	}
	close(fd);
	if (ret)
		return -1;
	sub(p, sizeof(p), reldir, "config");
found:
	snprintf(k->config, sizeof(k->config), "%.4095s", p);
	return 0;
}

int kernel_fetch_default(struct kernel *out, bool update, kernel_progress_fn progress,
			 void *ctx, char *msg, size_t msglen)
{
	char cache[4096], why[1024];
	int fd, ret;

	if (!update && kernel_default_cached(out) == 0)
		goto config;
	if (kernel_cache_dir(cache, sizeof(cache), msg, msglen))
		return -1;
	if ((fd = lock_kernels(cache, progress, ctx, msg, msglen)) < 0)
		return -1;
	/* Another process may have finished the fetch while we waited. */
	ret = !update && kernel_default_cached(out) == 0 ? 0 :
	      fetch_locked(cache, out, progress, ctx, msg, msglen);
	close(fd);
	if (ret)
		return ret;
config:
	/* A kernel cached before its config was kept gets it now; without it
	 * the kernel still boots (BPF programs with CONFIG_* externs will not
	 * load), so that is said, not refused. */
	if (!out->config[0] && kernel_default_config(out, true, progress, ctx, why, sizeof(why)))
		kprog(progress, ctx, "no .config for %s: %s", out->release, why);
	return 0;
}

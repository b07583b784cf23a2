/* SPDX-License-Identifier: GPL-2.0-only */
/* The private apt state used to download the default kernel packages:
 * archive discovery from the machine's apt sources, apt-cache parsing. */
#ifndef KTSTR__KERNELS_APT_H
#define KTSTR__KERNELS_APT_H

#include <stddef.h>
#include <stdint.h>

struct apt_source {
	char uri[1024];     /* the archive serving Debian main */
	char keyring[1024]; /* its Signed-By file */
};

/* Find the Debian archive among the sources under etc_apt (normally
 * "/etc/apt"): sources.list, then sources.list.d/ *.list and *.sources in
 * name order; the first "deb" entry with a Debian release suite (not
 * -security). Returns 0 or -1 with msg. */
int apt_debian_source(const char *etc_apt, struct apt_source *src,
		      char *msg, size_t msglen);

struct apt_pkg {
	char name[256];
	char version[128];
	char depends[4096];
	uint64_t size;
};

/* From "apt-cache show" output, the stanza of pkg with the highest
 * Version. Returns 0 or -ENOENT. */
int apt_pick_newest(const char *show, const char *pkg, struct apt_pkg *out);

/* The first dependency in a Depends value starting with prefix (and not
 * equal to exclude); the package name is copied to buf. 0 or -ENOENT. */
int apt_find_dep(const char *depends, const char *prefix, const char *exclude,
		 char *buf, size_t len);

struct apt_state {
	char root[4096];
};

/* Write root/{etc,state,cache} for suites trixie trixie-backports. */
int apt_state_init(struct apt_state *a, const char *root,
		   const struct apt_source *src, char *msg, size_t msglen);
int apt_update(struct apt_state *a, char *msg, size_t msglen);
int apt_show(struct apt_state *a, const char *pkg, struct apt_pkg *out,
	     char *msg, size_t msglen);
/* Download name=version into dir; the .deb path goes to path. */
int apt_download(struct apt_state *a, const struct apt_pkg *pkg,
		 const char *dir, char *path, size_t pathlen,
		 char *msg, size_t msglen);

#endif

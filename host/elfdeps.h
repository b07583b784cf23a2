/* SPDX-License-Identifier: GPL-2.0-only */
/* The shared libraries an x86-64 ELF executable needs, found the way
 * glibc's ld.so will find them in the guest (ld.so(8)); read with libelf,
 * every offset, size and count from a file checked against that file. */
#ifndef KTSTR__HOST_ELFDEPS_H
#define KTSTR__HOST_ELFDEPS_H

#include <stddef.h>

/* Where the lookups happen. */
struct elfdeps_opts {
	/* Prefix of every file opened (NULL or "": the host's /). The paths
	 * reported leave it out: they are the guest's paths. Tests and the
	 * fuzz target confine the lookups to a temporary tree with it. */
	const char *root;
	/* The ld.so cache to consult (under root); NULL: none. */
	const char *cache;
	/* The system directories, searched last; NULL-terminated. NULL:
	 * elfdeps_sys_dirs. */
	const char *const *sys_dirs;
};

/* Debian's multiarch directories, then the lib64 ones of other
 * distributions, then /lib and /usr/lib. */
extern const char *const elfdeps_sys_dirs[];
/* The host: /, /etc/ld.so.cache, elfdeps_sys_dirs. */
extern const struct elfdeps_opts elfdeps_host;

struct elfdeps {
	/* The binary's real path (symlinks resolved, absolute): where it must
	 * lie in the guest for its $ORIGIN to mean what it means here. */
	char *path;
	/* Its PT_INTERP, or NULL (a static binary). */
	char *interp;
	/* Every library ld.so maps, in the order it maps them, each once, by
	 * the path it opens (a SONAME symlink stays that path). */
	char **libs;
	size_t n_libs;
};

/* Resolve the dependencies of binary (a path; absolute when o->root is
 * set): PT_INTERP; DT_NEEDED breadth-first, a name already loaded (or the
 * interpreter's DT_SONAME) not again; each name searched in DT_RPATH (of
 * the object and of the objects that loaded it, each only without a
 * DT_RUNPATH), the object's own DT_RUNPATH, o->cache and o->sys_dirs (under
 * DF_1_NODEFLIB neither the system directories nor a cache entry in one);
 * $ORIGIN, $LIB and $PLATFORM expanded as Debian's ld.so does.
 * LD_LIBRARY_PATH is not used: the guest's loader runs without it. A
 * library of another class or machine is skipped like ld.so skips it.
 * Returns 0 with *d filled (free it with elfdeps_free), or -1 with msg
 * naming the file and what is wrong with it, or what was searched for a
 * missing library. */
int elfdeps_resolve(const char *binary, const struct elfdeps_opts *o,
		    struct elfdeps *d, char *msg, size_t len);
void elfdeps_free(struct elfdeps *d);

/* Look name up in o->cache as x86-64's ld.so does (entries tagged
 * libc6,x86-64; none for a glibc-hwcaps subdirectory). Returns 1 with its path in out,
 * 0 when the cache has no such entry, -1 with msg when the cache cannot be
 * used (missing, malformed: what is wrong and where). */
int elfdeps_cache_find(const struct elfdeps_opts *o, const char *name, char *out,
		       size_t outlen, char *msg, size_t len);

#endif

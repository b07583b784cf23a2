// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz target: a file given as --kernel FILE, through kernel_resolve as a
 * run does it: bzImage header inspection, payload decompression (zstd,
 * gzip, xz, lzma, none) into the extracted-vmlinux cache, ELF vmlinux
 * inspection. Each input gets a fresh temporary directory (the file and
 * XDG_CACHE_HOME), removed before returning. Checks what must hold: a
 * refused kernel leaves nothing in the cache, an accepted one is a kernel. */
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kernels/kernels.h"
#include "tests/fuzz/fuzz.h"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

/* tmpfs if there is one: a cache entry is fsync'ed, which costs
 * milliseconds on a disk. */
static const char *tmp_root(void)
{
	const char *t = getenv("TMPDIR");

	if (t && *t == '/')
		return t;
	return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
}

/* Nothing but directories in dir (a refused kernel may leave the empty
 * extracted/ folder, nothing in it). */
static int count_files(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return flag == FTW_F || flag == FTW_SL || flag == FTW_NS;
}

static void write_input(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wbe");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;
	char dir[256], path[300], cache[300], msg[1024];
	struct vmlinux_info vi;
	struct kernel k;

	if (!once) {
		/* A payload may claim up to 1 GiB: no file of ours gets that far. */
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &(struct rlimit){ 64u << 20, 64u << 20 });
		once = true;
	}
	snprintf(dir, sizeof(dir), "%s/ktstr-fuzz-kernel-XXXXXX", tmp_root());
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/kernel", dir);
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	write_input(path, data, size);
	setenv("XDG_CACHE_HOME", cache, 1);
	if (kernel_resolve(path, &k, NULL, NULL, msg, sizeof(msg)) == 0) {
		if (vmlinux_inspect(k.vmlinux, &vi, msg, sizeof(msg)) || !k.release[0])
			abort(); /* accepted, but not a kernel */
	} else if (nftw(cache, count_files, 16, FTW_PHYS) > 0) {
		abort(); /* refused, but something is left in the cache */
	}
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

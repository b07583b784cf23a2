// SPDX-License-Identifier: GPL-2.0-only
/* I/O work types on files under dir= (default /tmp): io-sync-write,
 * io-rand-read, io-convoy (every worker serialised on one locked file).
 * Time blocked in I/O is not counted as a scheduling gap. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "workload/types.h"

static int open_tmp(struct wl_worker *w, const char *tag, int *fd)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/ktstr-%s-%d-%d", wl_opt_str(w, "dir"), tag,
		 w->pid, w->tid);
	*fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (*fd < 0)
		return wl_fail(w, WL_EXIT_SETUP, "cannot create %s: %s", path, strerror(errno));
	unlink(path);
	return 0;
}

static int check_bs(struct wl_worker *w, size_t bs, size_t size, char **buf)
{
	if (!bs || bs > size)
		return wl_fail(w, WL_EXIT_SETUP, "bs=%zu must be 1..size (%zu)", bs, size);
	*buf = malloc(bs);
	if (!*buf)
		return wl_fail(w, WL_EXIT_SETUP, "out of memory");
	memset(*buf, 0x5a, bs);
	return 0;
}

static int run_io_sync_write(struct wl_worker *w)
{
	size_t bs = wl_opt(w, "bs"), size = wl_opt(w, "size"), off = 0;
	bool sync = wl_opt(w, "fsync");
	uint64_t t = wl_now();
	char *buf;
	int fd, rc;

	if ((rc = check_bs(w, bs, size, &buf)) || (rc = open_tmp(w, "write", &fd)))
		return rc;
	while (!wl_stopping(w)) {
		ssize_t n;

		wm_block(w);
		n = pwrite(fd, buf, bs, off);
		if (n > 0 && sync)
			fdatasync(fd);
		wm_woke(w, 0);
		if (n < 0 && errno != EINTR) {
			rc = wl_fail(w, WL_EXIT_SETUP, "write: %s", strerror(errno));
			break;
		}
		off = off + bs + bs > size ? 0 : off + bs;
		t = wm_iter(w, t, n > 0 ? n : 0);
	}
	close(fd);
	free(buf);
	return rc;
}

static int run_io_rand_read(struct wl_worker *w)
{
	size_t bs = wl_opt(w, "bs"), size = wl_opt(w, "size"), blocks;
	uint64_t t, reads = 0;
	char *buf;
	int fd, rc;

	if ((rc = check_bs(w, bs, size, &buf)) || (rc = open_tmp(w, "read", &fd)))
		return rc;
	blocks = size / bs;
	for (size_t b = 0; b < blocks && !wl_stopping(w); b++)
		if (pwrite(fd, buf, bs, b * bs) != (ssize_t)bs) {
			rc = wl_fail(w, WL_EXIT_SETUP, "filling the file: %s", strerror(errno));
			goto out;
		}
	fdatasync(fd);
	t = wl_now();
	while (!wl_stopping(w)) {
		ssize_t n;

		/* Drop the cache now and then so reads reach the device. */
		wm_block(w);
		if (++reads % 64 == 0)
			posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		n = pread(fd, buf, bs, (wl_rand(&w->m.rng) % blocks) * bs);
		wm_woke(w, 0);
		t = wm_iter(w, t, n > 0 ? n : 0);
	}
out:
	close(fd);
	free(buf);
	return rc;
}

static const struct wl_opt_def write_opts[] = {
	{ "bs", WL_OPT_SIZE, "4K", "bytes per write" },
	{ "size", WL_OPT_SIZE, "8M", "file size; writes wrap around" },
	{ "fsync", WL_OPT_BOOL, "yes", "fdatasync after every write" },
	{ "dir", WL_OPT_STR, "/tmp", "directory for the file" },
	{ NULL },
};

const struct wl_type wl_type_io_sync_write = {
	.name = "io-sync-write", .summary = "sequential writes, each followed by fdatasync",
	.opts = write_opts, .min_count = 1, .multiple = 1, .run = run_io_sync_write,
};

static const struct wl_opt_def read_opts[] = {
	{ "bs", WL_OPT_SIZE, "4K", "bytes per read" },
	{ "size", WL_OPT_SIZE, "8M", "file size" },
	{ "dir", WL_OPT_STR, "/tmp", "directory for the file" },
	{ NULL },
};

const struct wl_type wl_type_io_rand_read = {
	.name = "io-rand-read", .summary = "random block reads from a private file",
	.opts = read_opts, .min_count = 1, .multiple = 1, .run = run_io_rand_read,
};

/* io-convoy: one file for the whole group, created by the parent. */
struct convoy {
	char path[256];
	uint64_t released_ns;
};

static size_t convoy_shared(int count)
{
	return sizeof(struct convoy);
}

static int convoy_init(void *shared, int count, const struct wl_optval *o,
		       const char *cgroup_dir, char *msg, size_t len)
{
	static int seq;
	struct convoy *c = shared;
	int fd;

	/* o[3] is dir= (see convoy_opts). */
	snprintf(c->path, sizeof(c->path), "%s/ktstr-convoy-%d-%d", o[3].s, getpid(), seq++);
	fd = open(c->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(msg, len, "io-convoy: cannot create %s: %s", c->path, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

static void convoy_fini(void *shared, int count)
{
	unlink(((struct convoy *)shared)->path);
}

static int run_io_convoy(struct wl_worker *w)
{
	struct convoy *c = w->shared;
	size_t bs = wl_opt(w, "bs"), size = wl_opt(w, "size");
	uint64_t t = wl_now();
	char *buf;
	int fd, rc;

	if ((rc = check_bs(w, bs, size, &buf)))
		return rc;
	fd = open(c->path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return wl_fail(w, WL_EXIT_SETUP, "cannot open %s: %s", c->path, strerror(errno));
	}
	while (!wl_stopping(w)) {
		ssize_t n;

		wm_block(w);
		if (flock(fd, LOCK_EX)) { /* EINTR: stop was asked */
			wm_woke(w, 0);
			continue;
		}
		wm_woke(w, __atomic_load_n(&c->released_ns, __ATOMIC_ACQUIRE));
		n = pwrite(fd, buf, bs, (wl_rand(&w->m.rng) % (size / bs)) * bs);
		fdatasync(fd);
		__atomic_store_n(&c->released_ns, wl_now(), __ATOMIC_RELEASE);
		flock(fd, LOCK_UN);
		wl_compute(wl_opt(w, "work"));
		t = wm_iter(w, t, n > 0 ? n : 0);
	}
	close(fd);
	free(buf);
	return 0;
}

static const struct wl_opt_def convoy_opts[] = {
	{ "bs", WL_OPT_SIZE, "4K", "bytes per write" },
	{ "size", WL_OPT_SIZE, "4M", "file size" },
	{ "work", WL_OPT_INT, "1000", "compute rounds outside the lock" },
	{ "dir", WL_OPT_STR, "/tmp", "directory for the shared file" },
	{ NULL },
};

const struct wl_type wl_type_io_convoy = {
	.name = "io-convoy",
	.summary = "all workers take turns on one locked file: write, fdatasync, unlock",
	.opts = convoy_opts, .min_count = 1, .multiple = 1,
	.shared_size = convoy_shared, .group_init = convoy_init,
	.group_fini = convoy_fini, .run = run_io_convoy,
};

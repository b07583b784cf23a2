// SPDX-License-Identifier: GPL-2.0-only
/* Small file, message and child-process helpers for kernels/;
 * nothing here knows the cache layout. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernels/internal.h"

void kprog(kernel_progress_fn progress, void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!progress)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	progress(buf, ctx);
}

void khuman_size(uint64_t bytes, char *buf, size_t len)
{
	if (bytes >= 1000000)
		snprintf(buf, len, "%.1f MB", bytes / 1e6);
	else if (bytes >= 1000)
		snprintf(buf, len, "%.1f kB", bytes / 1e3);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
}

int kread_file(const char *path, size_t max, uint8_t **buf, size_t *len,
	       char *msg, size_t msglen)
{
	mode_t mode = 0;
	int r = read_file(path, max, buf, len, &mode);

	if (r == -EFBIG)
		return errf(msg, msglen, "'%s': over the %zu MiB limit", path, max >> 20);
	if (r == -EINVAL)
		return errf(msg, msglen, "'%s': %s, not a regular file", path, file_kind(mode));
	if (r < 0)
		return errf(msg, msglen, "'%s': %s", path, strerror(-r));
	if (!*len) {
		free(*buf);
		*buf = NULL;
		return errf(msg, msglen, "'%s': empty file", path);
	}
	return 0;
}

int kmkdir_p(const char *path, char *msg, size_t msglen)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return errf(msg, msglen, "'%s': path too long", path);
	memcpy(buf, path, n + 1);
	for (char *s = buf + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return errf(msg, msglen, "creating '%s': %s", buf, strerror(errno));
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path) < 0 ? -errno : 0;
}

int krm_rf(const char *path)
{
	if (!kfile_exists(path))
		return 0;
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

bool kfile_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= w;
	}
	return 0;
}

int kcopy_file(const char *src, const char *dst, char *msg, size_t msglen)
{
	size_t bufsz = 1u << 20;
	uint8_t *buf = malloc(bufsz);
	int in = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK), out = -1;
	char tmp[4200];
	ssize_t n = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", dst);
	if (!buf || in < 0) {
		errf(msg, msglen, "'%s': %s", src, buf ? strerror(errno) : "out of memory");
		goto err;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		errf(msg, msglen, "creating '%s': %s", tmp, strerror(errno));
		goto err;
	}
	while ((n = read(in, buf, bufsz)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write_all(out, buf, n))
			break;
	if (n != 0 || fsync(out)) {
		errf(msg, msglen, "copying '%s' to '%s': %s", src, tmp, strerror(errno));
		goto err_unlink;
	}
	if (close(out)) {
		out = -1;
		errf(msg, msglen, "writing '%s': %s", tmp, strerror(errno));
		goto err_unlink;
	}
	out = -1;
	if (rename(tmp, dst) < 0) {
		errf(msg, msglen, "renaming to '%s': %s", dst, strerror(errno));
		goto err_unlink;
	}
	close(in);
	free(buf);
	return 0;
err_unlink:
	unlink(tmp);
err:
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	free(buf);
	return -1;
}

int kwrite_str(const char *path, const char *s, char *msg, size_t msglen)
{
	char tmp[4200];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errf(msg, msglen, "creating '%s': %s", tmp, strerror(errno));
	if (write_all(fd, s, strlen(s)) || fsync(fd) || close(fd)) {
		unlink(tmp);
		return errf(msg, msglen, "writing '%s': %s", tmp, strerror(errno));
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return errf(msg, msglen, "renaming to '%s': %s", path, strerror(errno));
	}
	return 0;
}

bool kgetline(FILE *f, char *buf, size_t len, bool *too_long)
{
	size_t n;
	int c;

	*too_long = false;
	if (!fgets(buf, len, f))
		return false;
	n = strlen(buf);
	if (n + 1 < len || buf[n - 1] == '\n')
		return true;
	c = getc(f);
	if (c == '\n' || c == EOF)
		return true; /* it just fit */
	*too_long = true;
	while ((c = getc(f)) != EOF && c != '\n')
		;
	return true;
}

uint64_t khash(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* --- child processes --- */

struct sink {
	char *buf;
	size_t len, cap;
};

static void sink_add(struct sink *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = (s->cap ? s->cap * 2 : 4096) + n;
		char *b = realloc(s->buf, cap);

		if (!b)
			return;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
}

static void child_exec(char *const argv[], const char *cwd, int out, int err)
{
	int devnull = open("/dev/null", O_RDONLY);

	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(out, 1);
	dup2(err, 2);
	if (cwd && chdir(cwd) < 0) {
		dprintf(2, "chdir '%s': %s\n", cwd, strerror(errno));
		_exit(127);
	}
	setenv("LC_ALL", "C", 1);
	execvp(argv[0], argv);
	dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void drain(int po[2], int pe[2], struct sink *so, struct sink *se)
{
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	struct sink *sinks[2] = { so, se };
	int open_fds = 2;
	char buf[65536];

	while (open_fds) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			ssize_t n = read(fds[i].fd, buf, sizeof(buf));

			if (n > 0) {
				sink_add(sinks[i], buf, n);
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			fds[i].fd = -1;
			open_fds--;
		}
	}
}

int krun(char *const argv[], const char *cwd, char **out,
	 char *err, size_t errlen)
{
	struct sink so = { 0 }, se = { 0 };
	int po[2], pe[2], status;
	pid_t pid;

	if (pipe2(po, O_CLOEXEC) < 0)
		return errf(err, errlen, "pipe: %s", strerror(errno));
	if (pipe2(pe, O_CLOEXEC) < 0) {
		close(po[0]);
		close(po[1]);
		return errf(err, errlen, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid == 0)
		child_exec(argv, cwd, po[1], pe[1]);
	close(po[1]);
	close(pe[1]);
	if (pid > 0)
		drain(po, pe, &so, &se);
	close(po[0]);
	close(pe[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		free(so.buf);
		free(se.buf);
		return errf(err, errlen, "running %s: %s", argv[0], strerror(errno));
	}
	if (err && errlen) {
		const char *tail = se.buf ? se.buf : "";
		size_t n = strlen(tail);

		if (n >= errlen)
			tail += n - (errlen - 1);
		snprintf(err, errlen, "%s", tail);
		for (char *e = err + strlen(err); e > err && e[-1] == '\n'; )
			*--e = '\0';
	}
	free(se.buf);
	if (out)
		*out = so.buf ? so.buf : strdup("");
	else
		free(so.buf);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

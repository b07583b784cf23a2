// SPDX-License-Identifier: GPL-2.0-only
/* Loading schedulers (see scx_load.h): bpf= objects through libbpf, linked
 * statically, and exec= loaders as child processes. What they print is
 * kept: an exec= loader's stdout and stderr in its log file, libbpf's
 * messages (the verifier's log among them) in memory, bounded. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "guest-init/payload_output.h"
#include "guest-init/scx.h"
#include "guest-init/scx_load.h"
#include "proto/events.h"

/* Where an exec= loader's stdout and stderr go. */
#define LOG_PATH_FMT "/tmp/sched-%s.log"

/* libbpf's messages since scx_load_log_reset: the first LOG_HEAD bytes and
 * the last LOG_TAIL (a ring). Written by libbpf_capture from whichever
 * thread calls libbpf: always one holding scx_lock. */
#define LOG_MSG 512 /* the end of it in an error message */
#define LOG_HEAD PROTO_TEXT_HEAD
#define LOG_TAIL PROTO_TEXT_MAX
static struct {
	char head[LOG_HEAD], tail[LOG_TAIL];
	size_t hn, tpos;           /* bytes in head; next write in tail */
	uint64_t total;
} blog;

static void log_add(const char *s, size_t n)
{
	size_t take = blog.hn < LOG_HEAD ? LOG_HEAD - blog.hn : 0;

	if (take > n)
		take = n;
	memcpy(blog.head + blog.hn, s, take);
	blog.hn += take;
	blog.total += n;
	s += take;
	n -= take;
	if (n > LOG_TAIL) {
		s += n - LOG_TAIL;
		n = LOG_TAIL;
	}
	while (n) {
		size_t k = LOG_TAIL - blog.tpos < n ? LOG_TAIL - blog.tpos : n;

		memcpy(blog.tail + blog.tpos, s, k);
		blog.tpos = (blog.tpos + k) % LOG_TAIL;
		s += k;
		n -= k;
	}
}

/* The ring's bytes in order into out (LOG_TAIL bytes of room). */
static size_t log_tail_bytes(char *out)
{
	uint64_t in_tail = blog.total - blog.hn;
	size_t n = in_tail < LOG_TAIL ? (size_t)in_tail : LOG_TAIL;
	size_t start = (blog.tpos + LOG_TAIL - n) % LOG_TAIL, first = LOG_TAIL - start;

	if (first > n)
		first = n;
	memcpy(out, blog.tail + start, first);
	memcpy(out + first, blog.tail, n - first);
	return n;
}

void scx_load_log_reset(void)
{
	blog.hn = blog.tpos = 0;
	blog.total = 0;
}

char *scx_load_log_text(uint64_t *total)
{
	static char lin[LOG_TAIL];
	size_t n;

	*total = blog.total;
	if (!blog.total)
		return NULL;
	if (blog.total == blog.hn)
		return out_read_buf(blog.head, blog.hn);
	n = log_tail_bytes(lin);
	return out_read_split(blog.head, blog.hn, lin, n, blog.total);
}

void scx_load_log_tail(char *buf, size_t len)
{
	static char lin[LOG_TAIL];
	size_t n = blog.total == blog.hn ? blog.hn : log_tail_bytes(lin);
	const char *src = blog.total == blog.hn ? blog.head : lin;

	if (!len)
		return;
	if (n > len - 1) {
		src += n - (len - 1);
		n = len - 1;
	}
	memcpy(buf, src, n);
	buf[n] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
}

static int libbpf_capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *line = NULL;
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	/* Whole: the verifier's log comes as one message. */
	n = vasprintf(&line, fmt, ap);
	if (n > 0)
		log_add(line, (size_t)n);
	free(line);
	return 0;
}

void scx_load_init(void)
{
	libbpf_set_print(libbpf_capture);
}

/* Offset of member name in the struct_ops map's value type, or -1. */
static long ops_member(struct bpf_object *obj, struct bpf_map *m, const char *name)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *t;
	const struct btf_member *mem;

	if (!btf)
		return -1;
	t = btf__type_by_id(btf, bpf_map__btf_value_type_id(m));
	if (!t || !btf_is_struct(t))
		return -1;
	mem = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, mem++)
		if (!strcmp(btf__name_by_offset(btf, mem->name_off), name))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

static struct bpf_map *find_ops_map(struct bpf_object *obj)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const struct btf_type *t;

		if (bpf_map__type(m) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(m));
		if (t && !strcmp(btf__name_by_offset(btf, t->name_off), "sched_ext_ops"))
			return m;
	}
	return NULL;
}

int scx_load_prepare(const struct scn_scheduler *sc, struct scx_next *nx, char *msg,
		     size_t len)
{
	char path[256];
	size_t size;
	char *data;
	long off;
	int ret;

	char log[LOG_MSG];

	snprintf(path, sizeof(path), SCX_GUEST_DIR "/%s.bpf.o", sc->name);
	scx_load_log_reset();
	nx->obj = bpf_object__open_file(path, NULL);
	if (!nx->obj) {
		scx_load_log_tail(log, sizeof(log));
		snprintf(msg, len, "scheduler '%s': opening %s (bpf=%s): %s %s", sc->name,
			 path, sc->target, strerror(errno), log);
		return -1;
	}
	nx->map = find_ops_map(nx->obj);
	if (!nx->map) {
		snprintf(msg, len, "scheduler '%s': %s has no sched_ext_ops struct_ops map",
			 sc->name, sc->target);
		goto err_close;
	}
	data = bpf_map__initial_value(nx->map, &size);
	off = ops_member(nx->obj, nx->map, "flags");
	if (sc->partial && (!data || off < 0 || off + 8 > (long)size)) {
		snprintf(msg, len, "scheduler '%s': cannot set partial mode (no ops.flags)",
			 sc->name);
		goto err_close;
	}
	if (sc->partial)
		*(uint64_t *)(data + off) |= SCX_FLAG_SWITCH_PARTIAL;
	ret = bpf_object__load(nx->obj);
	if (ret) {
		scx_load_log_tail(log, sizeof(log));
		snprintf(msg, len, "scheduler '%s': loading %s: %s; libbpf: ...%s", sc->name,
			 sc->target, strerror(-ret), log);
		goto err_close;
	}
	return 0;
err_close:
	bpf_object__close(nx->obj);
	nx->obj = NULL;
	return -1;
}

int scx_load_attach(const struct scn_scheduler *sc, struct scx_next *nx,
		    struct bpf_link **link, char *msg, size_t len)
{
	char log[LOG_MSG];
	int err;

	*link = bpf_map__attach_struct_ops(nx->map);
	if (*link)
		return 0;
	err = errno;
	scx_load_log_tail(log, sizeof(log));
	snprintf(msg, len, "scheduler '%s': attaching %s: %s%s%s", sc->name, sc->target,
		 strerror(err), log[0] ? "; libbpf: " : "", log);
	bpf_object__close(nx->obj);
	nx->obj = NULL;
	return -1;
}

void scx_load_release(struct bpf_link *link, struct bpf_object *obj)
{
	if (link)
		bpf_link__destroy(link);
	if (obj)
		bpf_object__close(obj);
}

/* Offset of the int member "kind" of the struct that variable var is, or
 * -1. */
static long uei_kind_offset(const struct btf *btf, const struct btf_type *var)
{
	int id = btf__resolve_type(btf, var->type);
	const struct btf_type *t = id < 0 ? NULL : btf__type_by_id(btf, id);
	const struct btf_member *mem;

	if (!t || !btf_is_struct(t))
		return -1;
	mem = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, mem++)
		if (!strcmp(btf__name_by_offset(btf, mem->name_off), "kind") &&
		    btf__resolve_size(btf, mem->type) == sizeof(int))
			return btf_member_bit_offset(t, i) / 8;
	return -1;
}

int scx_load_exit_kind(struct bpf_object *obj, int *kind)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *m;

	if (!btf)
		return -ENOENT;
	bpf_object__for_each_map(m, obj) {
		const struct btf_type *sec = btf__type_by_id(btf, bpf_map__btf_value_type_id(m));
		const struct btf_var_secinfo *vs;

		if (!bpf_map__is_internal(m) || !sec || !btf_is_datasec(sec))
			continue;
		vs = btf_var_secinfos(sec);
		for (int i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);
			long off = var ? uei_kind_offset(btf, var) : -1;
			__u32 key = 0, size = bpf_map__value_size(m);
			char *val;
			int ret;

			if (!var || strcmp(btf__name_by_offset(btf, var->name_off), "uei"))
				continue;
			if (off < 0 || vs->offset + off + sizeof(int) > size)
				return -ENOENT;
			/* The live map, not libbpf's copy of the initial image. */
			val = malloc(size);
			if (!val)
				return -ENOMEM;
			ret = bpf_map__lookup_elem(m, &key, sizeof(key), val, size, 0);
			if (!ret)
				memcpy(kind, val + vs->offset + off, sizeof(*kind));
			free(val);
			return ret < 0 ? ret : 0;
		}
	}
	return -ENOENT;
}

int scx_load_spawn(const struct scn_scheduler *sc, pid_t *pid, char *msg, size_t len)
{
	char path[256], args[512], logp[128], *argv[64];
	int argc = 0, fd;

	snprintf(path, sizeof(path), SCX_GUEST_DIR "/%s", sc->name);
	snprintf(logp, sizeof(logp), LOG_PATH_FMT, sc->name);
	snprintf(args, sizeof(args), "%s", sc->args);
	argv[argc++] = path;
	for (char *save, *t = strtok_r(args, " \t", &save); t && argc < 63;
	     t = strtok_r(NULL, " \t", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	if (access(path, X_OK)) {
		snprintf(msg, len, "scheduler '%s': %s (exec=%s): %s", sc->name, path,
			 sc->target, strerror(errno));
		return -1;
	}
	*pid = fork();
	if (*pid < 0) {
		snprintf(msg, len, "scheduler '%s': fork: %s", sc->name, strerror(errno));
		*pid = 0;
		return -1;
	}
	if (*pid == 0) {
		fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		setpgid(0, 0);
		execv(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	return 0;
}

char *scx_load_output_text(const char *name, uint64_t *total)
{
	char path[128];

	snprintf(path, sizeof(path), LOG_PATH_FMT, name);
	return out_read_file(path, total);
}

void scx_load_output_tail(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	buf[0] = 0;
	snprintf(path, sizeof(path), LOG_PATH_FMT, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	off_t size = lseek(fd, 0, SEEK_END);
	lseek(fd, size > (off_t)len - 1 ? size - (off_t)len + 1 : 0, SEEK_SET);
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	close(fd);
}

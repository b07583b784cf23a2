// SPDX-License-Identifier: GPL-2.0-only
/* The snapshot store (see snapshot.h). */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <xxhash.h>

#include "host/snapshot.h"
#include "kernels/kernels.h"

static void hex128(XXH128_hash_t h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64,
		 (unsigned long long)h.low64);
}

/* XXH3-128 of a file's content, hex, and its size: read() in 1 MiB pieces
 * (faster than faulting in a mapping of a large file). */
static int file_digest(const char *path, char out[33], uint64_t *size, char *msg, size_t len)
{
	static uint8_t buf[1 << 20];
	XXH3_state_t *st = XXH3_createState();
	struct stat sb;
	uint64_t total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;

	if (!st) {
		snprintf(msg, len, "%s: out of memory", path);
		goto out;
	}
	if (fd < 0 || fstat(fd, &sb)) {
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(msg, len, "%s: not a regular file", path);
		goto out;
	}
	XXH3_128bits_reset(st);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(msg, len, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		XXH3_128bits_update(st, buf, n);
		total += n;
	}
	hex128(XXH3_128bits_digest(st), out);
	*size = total;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	XXH3_freeState(st);
	return ret;
}

static int store_dir(char *buf, size_t len, char *msg, size_t msglen);

/* A file changed less than this many seconds ago gets no memo: file
 * times are coarse (a clock tick), so a write in the same tick as the one
 * the memo saw would leave the identity as it was ("racy git"). */
#define MEMO_SETTLE_S 2

/* file_digest, remembered in dir (NULL: the store) by the file's identity
 * (device, inode, size, modification and change times, path), so that a
 * run does not read a 60 MB kernel, or a snapshot's state checked before,
 * each time. */
static int memo_digest(const char *path, const char *dir, char out[33], uint64_t *size,
		       char *msg, size_t len)
{
	char store[4200], memo[4300], id[33], text[4400], line[80];
	struct timespec now;
	struct stat st;
	FILE *f;

	if (dir)
		snprintf(store, sizeof(store), "%s", dir);
	if (stat(path, &st) || (!dir && store_dir(store, sizeof(store), text, sizeof(text))))
		return file_digest(path, out, size, msg, len);
	snprintf(text, sizeof(text), "%llu:%llu:%llu:%lld.%09ld:%lld.%09ld:%s",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		 (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec,
		 st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec, path);
	hex128(XXH3_128bits(text, strlen(text)), id);
	snprintf(memo, sizeof(memo), "%s/memo-%s", store, id);
	f = fopen(memo, "re");
	if (f) {
		unsigned long long n;
		bool ok = fgets(line, sizeof(line), f) && sscanf(line, "%32s %llu", out, &n) == 2 &&
			  strlen(out) == 32 && n == (unsigned long long)st.st_size;

		fclose(f);
		if (ok) {
			*size = n;
			return 0;
		}
	}
	if (file_digest(path, out, size, msg, len))
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	if (now.tv_sec - st.st_ctim.tv_sec < MEMO_SETTLE_S ||
	    now.tv_sec - st.st_mtim.tv_sec < MEMO_SETTLE_S)
		return 0;
	snprintf(text, sizeof(text), "%s.tmp%d", memo, (int)getpid());
	f = fopen(text, "we");
	if (f) {
		fprintf(f, "%s %llu\n", out, (unsigned long long)*size);
		if (fclose(f) || rename(text, memo))
			unlink(text);
	}
	return 0;
}

static void addf(struct snap_key *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct snap_key *k, const char *fmt, ...)
{
	size_t n = strlen(k->text);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->text + n, sizeof(k->text) - n, fmt, ap);
	va_end(ap);
}

int snap_key_make(struct snap_key *k, const struct vm_spec *vs, const char *backend,
		  const char *accel, const char *program, const char *guest_init,
		  char *msg, size_t len)
{
	const struct kernel *kn = vs->kernel;
	const char *image = kn->vmlinux[0] ? kn->vmlinux : kn->bzimage;
	char d[33];
	uint64_t size;

	memset(k, 0, sizeof(*k));
	addf(k, "format=%d\n", SNAP_FORMAT);
	addf(k, "backend=%s\naccel=%s\n", backend, accel);
	if (program) {
		if (memo_digest(program, NULL, d, &size, msg, len))
			return -1;
		addf(k, "program=xxh128:%s size %llu\n", d, (unsigned long long)size);
	}
	if (memo_digest(image, NULL, d, &size, msg, len))
		return -1;
	addf(k, "kernel=xxh128:%s size %llu\n", d, (unsigned long long)size);
	if (memo_digest(guest_init, NULL, d, &size, msg, len))
		return -1;
	addf(k, "guest_init=xxh128:%s size %llu\n", d, (unsigned long long)size);
	addf(k, "topology=numa=%d llcs=%d cores=%d threads=%d\n", vs->topo.numa,
	     vs->topo.llcs, vs->topo.cores, vs->topo.threads);
	addf(k, "memory=%llu\n", (unsigned long long)vs->mem_bytes);
	addf(k, "cmdline=%s\n", vs->cmdline ? vs->cmdline : "");
	hex128(XXH3_128bits(k->text, strlen(k->text)), k->id);
	return 0;
}

static int store_dir(char *buf, size_t len, char *msg, size_t msglen)
{
	char cache[4000];

	if (kernel_cache_dir(cache, sizeof(cache), msg, msglen))
		return -1;
	snprintf(buf, len, "%s/snapshots", cache);
	if (mkdir(buf, 0700) && errno != EEXIST) {
		snprintf(msg, msglen, "%s: %s", buf, strerror(errno));
		return -1;
	}
	return 0;
}

/* rm -r of a snapshot directory (files only, one level). */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4800];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static void paths(struct snap *s, const char *dir)
{
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->state, sizeof(s->state), "%s/state", dir);
}

/* Check a snapshot against k (with digest: its state's content too); ""
 * when it is good, else why not. */
static void check(const struct snap_key *k, const struct snap *s, bool digest, char *why,
		  size_t len)
{
	char meta[4800], d[33], m[256];
	json_t *j;
	struct stat st;
	uint64_t size;

	why[0] = 0;
	snprintf(meta, sizeof(meta), "%s/meta.json", s->dir);
	j = json_load_file(meta, 0, NULL);
	if (!j) {
		snprintf(why, len, "its meta.json is missing or not JSON");
		return;
	}
	if (json_integer_value(json_object_get(j, "format")) != SNAP_FORMAT)
		snprintf(why, len, "it is of format %lld, this ktstr-run writes %d",
			 json_integer_value(json_object_get(j, "format")), SNAP_FORMAT);
	else if (k && (!json_is_string(json_object_get(j, "key")) ||
		       strcmp(json_string_value(json_object_get(j, "key")), k->text)))
		snprintf(why, len, "its key does not match this run's");
	else if (stat(s->state, &st))
		snprintf(why, len, "its state: %s", strerror(errno));
	else if ((uint64_t)st.st_size != (uint64_t)json_integer_value(json_object_get(j, "state_size")))
		snprintf(why, len, "its state is %llu bytes, %lld were written (truncated?)",
			 (unsigned long long)st.st_size,
			 json_integer_value(json_object_get(j, "state_size")));
	else if (digest && memo_digest(s->state, s->dir, d, &size, m, sizeof(m)))
		snprintf(why, len, "%s", m);
	else if (digest && strcmp(d, json_string_value(json_object_get(j, "state_xxh128")) ?: ""))
		snprintf(why, len, "its state's digest does not match (corrupt)");
	json_decref(j);
}

int snap_verify(struct snap *s, char *msg, size_t len)
{
	char why[512];

	check(NULL, s, true, why, sizeof(why));
	if (!why[0])
		return 0;
	snprintf(msg, len, "%s", why);
	remove_dir(s->dir);
	return -1;
}

enum snap_found snap_find(const struct snap_key *k, struct snap *s, char *msg, size_t len)
{
	char store[4200], dir[4400], why[512];
	struct stat st;

	if (store_dir(store, sizeof(store), msg, len))
		return SNAP_NONE;
	snprintf(dir, sizeof(dir), "%s/%s", store, k->id);
	if (stat(dir, &st))
		return SNAP_NONE;
	paths(s, dir);
	check(k, s, false, why, sizeof(why));
	if (why[0]) {
		snprintf(msg, len, "snapshot %s discarded: %s", k->id, why);
		remove_dir(dir);
		return SNAP_DISCARDED;
	}
	/* Most recently used first when pruning. */
	utimensat(AT_FDCWD, dir, NULL, 0);
	return SNAP_FOUND;
}

int snap_begin(const struct snap_key *k, struct snap *s, char *msg, size_t len)
{
	char store[4200], tmpl[4400];

	memset(s, 0, sizeof(*s));
	if (store_dir(store, sizeof(store), msg, len))
		return -1;
	snprintf(tmpl, sizeof(tmpl), "%s/tmp-%s-XXXXXX", store, k->id);
	if (!mkdtemp(tmpl)) {
		snprintf(msg, len, "%s: %s", store, strerror(errno));
		return -1;
	}
	paths(s, tmpl);
	snprintf(s->final, sizeof(s->final), "%s/%s", store, k->id);
	return 0;
}

void snap_abort(struct snap *s)
{
	if (s->dir[0])
		remove_dir(s->dir);
	s->dir[0] = 0;
}

static int keep_count(void)
{
	const char *e = getenv("KTSTR_KEEP_SNAPSHOTS");
	char *end;
	long n = e ? strtol(e, &end, 10) : SNAP_KEEP_DEFAULT;

	return e && (*end || n < 1 || n > 1000) ? SNAP_KEEP_DEFAULT : (int)n;
}

struct entry {
	char name[256];
	struct timespec mtime;
};

static int by_mtime_desc(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	return 0;
}

/* The snapshots in the store (not temporary ones), newest first. */
static int entries(const char *store, struct entry **out)
{
	DIR *d = opendir(store);
	struct dirent *e;
	struct entry *v = NULL;
	int n = 0;

	while (d && (e = readdir(d))) {
		char path[4800];
		struct stat st;
		struct entry *nv;

		if (e->d_name[0] == '.' || !strncmp(e->d_name, "tmp-", 4) ||
		    strlen(e->d_name) >= sizeof(v->name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", store, e->d_name);
		if (stat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		snprintf(v[n].name, sizeof(v[n].name), "%s", e->d_name);
		v[n].mtime = st.st_mtim;
		n++;
	}
	if (d)
		closedir(d);
	qsort(v, n, sizeof(*v), by_mtime_desc);
	*out = v;
	return n;
}

static void prune(const char *store, const char *keep_this)
{
	struct entry *v;
	int n = entries(store, &v), keep = keep_count(), kept = 0;

	for (int i = 0; i < n; i++) {
		char path[4800];

		if (!strcmp(v[i].name, keep_this) || kept < keep - 1) {
			kept += strcmp(v[i].name, keep_this) != 0;
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", store, v[i].name);
		remove_dir(path);
	}
	free(v);
}

int snap_commit(const struct snap_key *k, struct snap *s, char *msg, size_t len)
{
	char d[33], meta[4800], store[4400];
	uint64_t size;
	json_t *j;

	if (file_digest(s->state, d, &size, msg, len))
		goto err;
	j = json_pack("{s:i, s:s, s:s, s:I, s:s, s:I}", "format", SNAP_FORMAT, "id", k->id,
		      "key", k->text, "state_size", (json_int_t)size, "state_xxh128", d,
		      "created", (json_int_t)time(NULL));
	snprintf(meta, sizeof(meta), "%s/meta.json", s->dir);
	if (!j || json_dump_file(j, meta, JSON_INDENT(2))) {
		snprintf(msg, len, "%s: %s", meta, strerror(errno));
		json_decref(j);
		goto err;
	}
	json_decref(j);
	if (rename(s->dir, s->final)) {
		if (errno == EEXIST || errno == ENOTEMPTY) {
			/* Another run stored the same key first: use theirs. */
			snap_abort(s);
			return 0;
		}
		snprintf(msg, len, "%s: %s", s->final, strerror(errno));
		goto err;
	}
	paths(s, s->final);
	snprintf(store, sizeof(store), "%s", s->final);
	*strrchr(store, '/') = 0;
	prune(store, k->id);
	return 0;
err:
	snap_abort(s);
	return -1;
}

int snap_list(FILE *f)
{
	char store[4200], msg[512];
	struct entry *v;
	int n;

	if (store_dir(store, sizeof(store), msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: %s\n", msg);
		return 2;
	}
	n = entries(store, &v);
	fprintf(f, "%s: %d snapshot%s (keeps the %d most recently used)\n", store, n,
		n == 1 ? "" : "s", keep_count());
	for (int i = 0; i < n; i++) {
		char path[4800], when[32];
		json_t *j;
		struct stat st;
		struct tm tm;
		const char *key;

		snprintf(path, sizeof(path), "%s/%s/meta.json", store, v[i].name);
		j = json_load_file(path, 0, NULL);
		snprintf(path, sizeof(path), "%s/%s/state", store, v[i].name);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M",
			 localtime_r(&v[i].mtime.tv_sec, &tm));
		fprintf(f, "%s  used %s  %6.1f MiB\n", v[i].name, when,
			stat(path, &st) ? 0.0 : st.st_size / 1048576.0);
		key = json_string_value(json_object_get(j, "key"));
		for (const char *p = key; p && *p;) {
			size_t l = strcspn(p, "\n");

			fprintf(f, "    %.*s\n", (int)l, p);
			p += l + (p[l] == '\n');
		}
		json_decref(j);
	}
	free(v);
	return 0;
}

int snap_clear(FILE *f)
{
	char store[4200], msg[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (store_dir(store, sizeof(store), msg, sizeof(msg))) {
		fprintf(stderr, "ktstr-run: %s\n", msg);
		return 2;
	}
	d = opendir(store);
	while (d && (e = readdir(d))) {
		char path[4800];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", store, e->d_name);
		remove_dir(path);
		n++;
	}
	if (d)
		closedir(d);
	fprintf(f, "removed %d snapshot%s from %s\n", n, n == 1 ? "" : "s", store);
	return 0;
}

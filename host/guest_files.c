/* Scheduler files for the initramfs (see guest_files.h): BPF objects and
 * exec= binaries with their shared libraries, resolved like ld.so does
 * (DT_RPATH, DT_RUNPATH, ld.so.cache, the default directories). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "host/guest_files.h"

#define MAX_FILES 256

static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib",
};

/* Paths already in the archive (files and directories). */
struct added {
	char *path[MAX_FILES * 2];
	int n;
};

/* One parsed ELF object: what it needs. */
struct elf_deps {
	char interp[PATH_MAX];
	char needed[64][256];
	int n_needed;
	char rpath[1024], runpath[1024];
};

static bool added_has(struct added *a, const char *p)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->path[i], p))
			return true;
	return false;
}

static void added_put(struct added *a, const char *p)
{
	if (a->n < (int)(sizeof(a->path) / sizeof(a->path[0])))
		a->path[a->n++] = strdup(p);
}

static void added_free(struct added *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->path[i]);
	a->n = 0;
}

/* Add the directories leading to path ("/a/b/c" -> "a", "a/b"). */
static void add_parents(struct cpio *c, struct added *a, const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path + (path[0] == '/'));
	for (char *p = strchr(buf, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		if (!added_has(a, buf)) {
			cpio_add_dir(c, buf, 0755);
			added_put(a, buf);
		}
		*p = '/';
	}
}

/* guest_path gets host_path's content (symlinks followed). */
static int add_file(struct cpio *c, struct added *a, const char *guest_path,
		    const char *host_path, char *msg, size_t len)
{
	int r;

	if (added_has(a, guest_path))
		return 0;
	add_parents(c, a, guest_path);
	r = cpio_add_host_file(c, guest_path + (guest_path[0] == '/'), host_path, 0755);
	if (r) {
		snprintf(msg, len, "%s: %s", host_path, strerror(r < 0 ? -r : errno));
		return -1;
	}
	added_put(a, guest_path);
	return 0;
}

/* File offset of virtual address v, from the PT_LOAD segments. */
static long vaddr_off(const Elf64_Phdr *ph, int n, uint64_t v)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && v >= ph[i].p_vaddr &&
		    v < ph[i].p_vaddr + ph[i].p_filesz)
			return (long)(v - ph[i].p_vaddr + ph[i].p_offset);
	return -1;
}

static const char *str_at(const uint8_t *m, size_t size, long strtab, uint64_t off)
{
	if (strtab < 0 || (uint64_t)strtab + off >= size ||
	    !memchr(m + strtab + off, 0, size - strtab - off))
		return NULL;
	return (const char *)m + strtab + off;
}

static int parse_dynamic(const uint8_t *m, size_t size, const Elf64_Phdr *ph, int n,
			 const Elf64_Phdr *dyn, struct elf_deps *d, const char *path,
			 char *msg, size_t len)
{
	const Elf64_Dyn *e = (const Elf64_Dyn *)(m + dyn->p_offset);
	size_t count = dyn->p_filesz / sizeof(*e);
	long strtab = -1;

	if (dyn->p_offset + dyn->p_filesz > size) {
		snprintf(msg, len, "%s: dynamic section out of the file", path);
		return -1;
	}
	for (size_t i = 0; i < count && e[i].d_tag != DT_NULL; i++)
		if (e[i].d_tag == DT_STRTAB)
			strtab = vaddr_off(ph, n, e[i].d_un.d_ptr);
	for (size_t i = 0; i < count && e[i].d_tag != DT_NULL; i++) {
		const char *s = NULL;

		if (e[i].d_tag == DT_NEEDED || e[i].d_tag == DT_RPATH ||
		    e[i].d_tag == DT_RUNPATH) {
			s = str_at(m, size, strtab, e[i].d_un.d_val);
			if (!s) {
				snprintf(msg, len, "%s: bad dynamic string table", path);
				return -1;
			}
		}
		if (e[i].d_tag == DT_NEEDED && d->n_needed < 64)
			snprintf(d->needed[d->n_needed++], sizeof(d->needed[0]), "%s", s);
		else if (e[i].d_tag == DT_RPATH)
			snprintf(d->rpath, sizeof(d->rpath), "%s", s);
		else if (e[i].d_tag == DT_RUNPATH)
			snprintf(d->runpath, sizeof(d->runpath), "%s", s);
	}
	return 0;
}

/* What path needs: PT_INTERP and the dynamic section. 0 or -1 with msg. */
static int elf_deps_read(const char *path, struct elf_deps *d, char *msg, size_t len)
{
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	struct stat st;
	uint8_t *m;
	int fd, ret = -1;

	memset(d, 0, sizeof(*d));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(msg, len, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((size_t)st.st_size < sizeof(*eh)) {
		snprintf(msg, len, "%s: not an ELF file (%lld bytes)", path, (long long)st.st_size);
		close(fd);
		return -1;
	}
	m = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		snprintf(msg, len, "%s: mmap: %s", path, strerror(errno));
		return -1;
	}
	eh = (const Elf64_Ehdr *)m;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64) {
		snprintf(msg, len, "%s: not an x86-64 ELF executable", path);
		goto out;
	}
	if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(*ph) > (uint64_t)st.st_size) {
		snprintf(msg, len, "%s: program headers out of the file", path);
		goto out;
	}
	ph = (const Elf64_Phdr *)(m + eh->e_phoff);
	ret = 0;
	for (int i = 0; i < eh->e_phnum && !ret; i++) {
		if (ph[i].p_type == PT_INTERP) {
			if (ph[i].p_offset + ph[i].p_filesz > (uint64_t)st.st_size ||
			    !ph[i].p_filesz) {
				snprintf(msg, len, "%s: bad PT_INTERP", path);
				ret = -1;
				break;
			}
			snprintf(d->interp, sizeof(d->interp), "%.*s", (int)ph[i].p_filesz - 1,
				 (const char *)m + ph[i].p_offset);
		} else if (ph[i].p_type == PT_DYNAMIC) {
			ret = parse_dynamic(m, st.st_size, ph, eh->e_phnum, &ph[i], d, path,
					    msg, len);
		}
	}
out:
	munmap(m, st.st_size);
	return ret;
}

/* Look name up in a ':' list of directories ($ORIGIN = origin). */
static bool search_dirs(const char *list, const char *origin, const char *name,
			char *out, size_t outlen)
{
	char buf[1024], dir[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save, *t = strtok_r(buf, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
		if (!strncmp(t, "$ORIGIN", 7))
			snprintf(dir, sizeof(dir), "%s%s", origin, t + 7);
		else if (!strncmp(t, "${ORIGIN}", 9))
			snprintf(dir, sizeof(dir), "%s%s", origin, t + 9);
		else
			snprintf(dir, sizeof(dir), "%s", t);
		snprintf(out, outlen, "%s/%s", dir, name);
		if (access(out, R_OK) == 0)
			return true;
	}
	return false;
}

/* The host's ld.so.cache, as `ldconfig -p` prints it (x86-64 entries). */
static bool search_cache(const char *name, char *out, size_t outlen)
{
	char line[1024], cmd[] = "ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null";
	bool found = false;
	FILE *f = popen(cmd, "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *arrow = strstr(line, " => "), *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!arrow || strncmp(p, name, strlen(name)) || p[strlen(name)] != ' ' ||
		    !strstr(line, "x86-64"))
			continue;
		arrow[4 + strcspn(arrow + 4, "\n")] = 0;
		snprintf(out, outlen, "%s", arrow + 4);
		found = access(out, R_OK) == 0;
	}
	pclose(f);
	return found;
}

static int find_lib(const struct elf_deps *d, const char *origin, const char *name,
		    char *out, size_t outlen)
{
	if (strchr(name, '/')) {
		snprintf(out, outlen, "%s", name);
		return access(out, R_OK) ? -1 : 0;
	}
	if (!d->runpath[0] && d->rpath[0] && search_dirs(d->rpath, origin, name, out, outlen))
		return 0;
	if (d->runpath[0] && search_dirs(d->runpath, origin, name, out, outlen))
		return 0;
	if (search_cache(name, out, outlen))
		return 0;
	for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++) {
		snprintf(out, outlen, "%s/%s", default_dirs[i], name);
		if (access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}

static int add_deps(struct cpio *c, struct added *a, const char *obj, int depth,
		    char *msg, size_t len)
{
	struct elf_deps *d;
	char origin[PATH_MAX], lib[PATH_MAX];
	int ret = -1;

	if (depth > 16) {
		snprintf(msg, len, "%s: libraries nested too deep", obj);
		return -1;
	}
	d = malloc(sizeof(*d));
	if (!d || elf_deps_read(obj, d, msg, len))
		goto out;
	snprintf(origin, sizeof(origin), "%s", obj);
	dirname(origin);
	if (d->interp[0] && !added_has(a, d->interp)) {
		if (add_file(c, a, d->interp, d->interp, msg, len))
			goto out;
	}
	for (int i = 0; i < d->n_needed; i++) {
		if (find_lib(d, origin, d->needed[i], lib, sizeof(lib))) {
			snprintf(msg, len, "%s (needed by %s) not found in its RPATH/RUNPATH, "
				 "the ld.so cache or the default library directories",
				 d->needed[i], obj);
			goto out;
		}
		if (added_has(a, lib))
			continue;
		if (add_file(c, a, lib, lib, msg, len) ||
		    add_deps(c, a, lib, depth + 1, msg, len))
			goto out;
	}
	ret = 0;
out:
	free(d);
	return ret;
}

static int files_add(struct cpio *c, struct added *a, const char *binary, char *msg,
		     size_t len)
{
	if (add_deps(c, a, binary, 0, msg, len))
		return -1;
	/* The guest has no ldconfig: give its ld.so the host's cache. */
	if (access("/etc/ld.so.cache", R_OK) == 0 && !added_has(a, "/etc/ld.so.cache"))
		return add_file(c, a, "/etc/ld.so.cache", "/etc/ld.so.cache", msg, len);
	return 0;
}

int guest_files_add_deps(struct cpio *c, const char *binary, char *msg, size_t len)
{
	struct added a = { 0 };
	int ret = files_add(c, &a, binary, msg, len);

	added_free(&a);
	return ret;
}

/* <dir of this executable>/rel */
static void exe_rel(const char *rel, char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = 0;
	snprintf(out, outlen, "%s/%s", dirname(exe), rel);
}

int sched_resolve_bpf(const char *target, char *out, size_t outlen, char *msg,
		      size_t len)
{
	const char *env = getenv("KTSTR_SCHED_DIR");
	size_t tl = strlen(target);
	char rel[PATH_MAX];

	if (strchr(target, '/') || (tl > 2 && !strcmp(target + tl - 2, ".o"))) {
		snprintf(out, outlen, "%s", target);
		if (access(out, R_OK)) {
			snprintf(msg, len, "BPF object %s: %s", target, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (env && *env) {
		snprintf(out, outlen, "%s/%s.bpf.o", env, target);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(rel, sizeof(rel), "tests/sched/%s.bpf.o", target);
	exe_rel(rel, out, outlen);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(msg, len, "no BPF object for '%s': not a path, and not one of the "
		 "project's test schedulers (looked for %s%s%s; build them with ninja)",
		 target, out, env && *env ? " and in KTSTR_SCHED_DIR=" : "",
		 env && *env ? env : "");
	return -1;
}

int sched_resolve_exec(const char *target, char *out, size_t outlen, char *msg,
		       size_t len)
{
	char rel[PATH_MAX];
	const char *path = getenv("PATH");

	if (strchr(target, '/')) {
		snprintf(out, outlen, "%s", target);
	} else {
		snprintf(rel, sizeof(rel), "tests/sched/%s", target);
		exe_rel(rel, out, outlen);
		if (access(out, X_OK) && !(path && search_dirs(path, ".", target, out, outlen))) {
			snprintf(msg, len, "scheduler binary '%s' not found in the build tree "
				 "(tests/sched/) or $PATH", target);
			return -1;
		}
	}
	if (access(out, X_OK)) {
		snprintf(msg, len, "scheduler binary %s: %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int sched_check_bpf(const char *path, char *msg, size_t len)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_map *m;
	int ret = -1;

	libbpf_set_print(old);
	if (!obj) {
		snprintf(msg, len, "%s is not a usable BPF object: %s", path, strerror(errno));
		return -1;
	}
	bpf_object__for_each_map(m, obj) {
		struct btf *btf = bpf_object__btf(obj);
		const struct btf_type *t;

		if (bpf_map__type(m) != BPF_MAP_TYPE_STRUCT_OPS || !btf)
			continue;
		t = btf__type_by_id(btf, bpf_map__btf_value_type_id(m));
		if (t && !strcmp(btf__name_by_offset(btf, t->name_off), "sched_ext_ops"))
			ret = 0;
	}
	if (ret)
		snprintf(msg, len, "%s has no sched_ext struct_ops map (SEC(\".struct_ops\") "
			 "or SEC(\".struct_ops.link\") struct sched_ext_ops): not a sched_ext "
			 "scheduler", path);
	bpf_object__close(obj);
	return ret;
}

static int add_one(struct cpio *c, struct added *a, const struct scn_scheduler *sc,
		   char *msg, size_t len)
{
	char host[PATH_MAX], guest[PATH_MAX];

	if (sc->kind == SCN_SCHED_BPF) {
		if (sched_resolve_bpf(sc->target, host, sizeof(host), msg, len) ||
		    sched_check_bpf(host, msg, len))
			return -1;
		snprintf(guest, sizeof(guest), "/sched/%s.bpf.o", sc->name);
		return add_file(c, a, guest, host, msg, len);
	}
	if (sched_resolve_exec(sc->target, host, sizeof(host), msg, len))
		return -1;
	snprintf(guest, sizeof(guest), "/sched/%s", sc->name);
	if (add_file(c, a, guest, host, msg, len))
		return -1;
	return files_add(c, a, host, msg, len);
}

/* A payload binary goes in at the same path it has on the host. */
static int add_payload(struct cpio *c, struct added *a, const struct scn_op *op,
		       char *msg, size_t len)
{
	if (access(op->path, X_OK)) {
		snprintf(msg, len, "%s", strerror(errno));
		return -1;
	}
	if (!added_has(a, op->path) && add_file(c, a, op->path, op->path, msg, len))
		return -1;
	return files_add(c, a, op->path, msg, len);
}

static int add_payloads(struct cpio *c, struct added *a, const struct scenario *s,
			char *msg, size_t len)
{
	char why[1024];

	for (int b = -1; b < s->n_steps; b++) {
		const struct scn_block *blk = b < 0 ? &s->backdrop : &s->steps[b];

		for (int i = 0; i < blk->n_ops; i++) {
			const struct scn_op *op = &blk->ops[i];

			if (op->kind != SCN_OP_PAYLOAD_RUN || !add_payload(c, a, op, why, sizeof(why)))
				continue;
			snprintf(msg, len, "%s:%d:%d: payload '%s' (%s): %s", s->path,
				 op->loc.line, op->loc.col, op->name, op->path, why);
			return -1;
		}
	}
	return 0;
}

int guest_files_add_all(struct cpio *c, const struct scenario *s, char *msg,
			size_t len)
{
	struct added a = { 0 };
	char why[1024];
	int ret = 0;

	for (int i = 0; i < s->n_scheds && !ret; i++) {
		const struct scn_scheduler *sc = &s->scheds[i];

		if (add_one(c, &a, sc, why, sizeof(why))) {
			snprintf(msg, len, "%s:%d:%d: scheduler '%s' (%s=%s): %s", s->path,
				 sc->loc.line, sc->loc.col, sc->name,
				 sc->kind == SCN_SCHED_BPF ? "bpf" : "exec", sc->target, why);
			ret = -1;
		}
	}
	if (!ret)
		ret = add_payloads(c, &a, s, msg, len);
	added_free(&a);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Restore or boot, and save at READY (see boot.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "host/boot.h"
#include "host/results.h"

/* One line, printed even with -q: a discarded snapshot costs a boot. */
static void notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void notice(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[ktstr-run] ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int verify(void *ctx, char *msg, size_t len)
{
	struct boot *bt = ctx;

	return snap_verify(&bt->snap, msg, len);
}

/* dst gets a copy of src (at most 16 MiB), or with append the copy after
 * what dst holds. 0 or -1. */
static int copy_log(const char *src, const char *dst, bool append)
{
	FILE *in = fopen(src, "re"), *out;
	char buf[65536];
	size_t n, total = 0;
	int ret = 0;

	if (!in)
		return -1;
	out = fopen(dst, append ? "ae" : "we");
	if (!out) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0 && total < (16u << 20)) {
		if (fwrite(buf, 1, n, out) != n)
			ret = -1;
		total += n;
	}
	fclose(in);
	return fclose(out) || ret ? -1 : 0;
}

int boot_start(struct boot *bt, struct backend **b, struct backend *(*new_backend)(void *),
	       void *ctx, struct vm_spec *vs, char *msg, size_t len)
{
	char why[1024];

	bt->kind = "cold";
	bt->snapshot[0] = 0;
	vs->restore_state = NULL;
	if (bt->use_snapshots && (*b)->save) {
		uint64_t t = mono_ms();

		if (snap_key_make(&bt->key, vs, (*b)->name, vs->accel,
				  (*b)->program ? (*b)->program() : NULL, bt->guest_init, why,
				  sizeof(why)))
			notice("snapshots: %s; booting cold", why);
		else
			bt->keyed = true;
		if (bt->keyed) {
			switch (snap_find(&bt->key, &bt->snap, why, sizeof(why))) {
			case SNAP_FOUND:
				vs->restore_state = bt->snap.state;
				vs->restore_check = verify;
				vs->restore_ctx = bt;
				break;
			case SNAP_DISCARDED:
				notice("%s; booting cold", why);
				break;
			case SNAP_NONE:
				break;
			}
		}
		if (bt->verbose)
			fprintf(stderr, "[ktstr-run] snapshot key %s: %s (%llu ms)\n",
				bt->key.id, vs->restore_state ? "found" : "none",
				(unsigned long long)(mono_ms() - t));
	}
	bt->t0_ms = mono_ms();
	if (vs->restore_state) {
		char path[4800];
		FILE *f;

		/* The log begins with the boot that made the snapshot, as if this
		 * run had booted; QEMU appends what the restored guest prints. */
		snprintf(path, sizeof(path), "%s/console.log", bt->snap.dir);
		if (!bt->console_log || copy_log(path, bt->console_log, false) ||
		    !(f = fopen(bt->console_log, "ae")) ||
		    (fprintf(f, "[ktstr-run] -- restored from snapshot %s: the lines above "
			     "are the boot that made it --\n", bt->key.id), fclose(f))) {
			/* No log to start from: an empty one. */
			if (bt->console_log && (f = fopen(bt->console_log, "we")))
				fclose(f);
		}
		if ((*b)->start(*b, vs, why, sizeof(why)) == 0) {
			bt->kind = (*b)->warm ? "warm" : "restored";
			snprintf(bt->snapshot, sizeof(bt->snapshot), "%s", bt->key.id);
			bt->restore_ms = mono_ms() - bt->t0_ms;
			return 0;
		}
		/* The state did not load: this snapshot is no good. */
		notice("snapshot %s could not be restored (%s); discarded, booting cold",
		       bt->key.id, why);
		snap_abort(&bt->snap);
		(*b)->destroy(*b);
		*b = new_backend(ctx);
		vs->restore_state = NULL;
		bt->t0_ms = mono_ms();
	}
	if ((*b)->start(*b, vs, msg, len))
		return -1;
	return 0;
}

void boot_at_ready(struct boot *bt, struct backend *b)
{
	char why[1024];
	uint64_t t = mono_ms();
	struct stat st;

	if (!bt->keyed || strcmp(bt->kind, "cold") || !b->save)
		return;
	if (snap_begin(&bt->key, &bt->snap, why, sizeof(why))) {
		notice("snapshots: %s; this run saves none", why);
		return;
	}
	if (b->save(b, bt->snap.state, why, sizeof(why))) {
		notice("snapshot %s not saved: %s", bt->key.id, why);
		snap_abort(&bt->snap);
		return;
	}
	if (stat(bt->snap.state, &st))
		st.st_size = 0;
	/* The boot's console so far goes with the snapshot (not part of its
	 * digest: informational), for the runs that restore it. */
	if (bt->console_log) {
		char path[4800];

		snprintf(path, sizeof(path), "%s/console.log", bt->snap.dir);
		copy_log(bt->console_log, path, false);
	}
	if (snap_commit(&bt->key, &bt->snap, why, sizeof(why))) {
		notice("snapshot %s not saved: %s", bt->key.id, why);
		return;
	}
	bt->saved = true;
	snprintf(bt->snapshot, sizeof(bt->snapshot), "%s", bt->key.id);
	bt->save_ms = mono_ms() - t;
	if (!bt->quiet)
		fprintf(stderr, "[ktstr-run] guest ready; snapshot %s saved (%.1f MiB, %llu ms)\n",
			bt->key.id, st.st_size / 1048576.0, (unsigned long long)bt->save_ms);
}

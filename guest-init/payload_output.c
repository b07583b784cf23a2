// SPDX-License-Identifier: GPL-2.0-only
/* Bounded output text (see payload_output.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest-init/payload_output.h"
#include "lib/utf8.h"
#include "proto/events.h"

#define MARK_MAX 96 /* the "not kept" line */

static _Atomic uint64_t budget_left = OUT_RUN_BUDGET;

void out_budget_set(uint64_t bytes)
{
	atomic_store(&budget_left, bytes);
}

/* Bytes of the character at s (a bad byte or a NUL is one), and in *w what
 * it becomes in the text (U+FFFD, 3 bytes, for those). */
static size_t char_at(const char *s, size_t len, size_t *w)
{
	for (size_t k = 1; k <= 4 && k <= len; k++)
		if (utf8_valid_prefix(s, k) == k) {
			*w = k;
			return k;
		}
	*w = 3;
	return 1;
}

/* len, less a character s[0..len) ends in the middle of. */
static size_t whole_chars(const char *s, size_t len)
{
	size_t i = len, k = 0, need;
	unsigned char c;

	while (i && k < 3 && ((unsigned char)s[i - 1] & 0xc0) == 0x80) {
		i--;
		k++;
	}
	if (!i)
		return len;
	c = (unsigned char)s[i - 1];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	return need > k + 1 ? i - 1 : len;
}

/* Sanitized s[0..len) into out (room for cap bytes and a NUL), whole
 * characters only; *used: the bytes of s taken. */
static size_t take_head(const char *s, size_t len, char *out, size_t cap, size_t *used)
{
	size_t i = 0, o = 0, w, n;

	while (i < len) {
		n = char_at(s + i, len - i, &w);
		if (o + w > cap)
			break;
		i += n;
		o += w;
	}
	*used = i;
	return utf8_sanitize(s, i, out, cap + 1);
}

/* The end of s[0..len) that fits cap bytes once sanitized, starting at a
 * character; *used: the bytes of s taken. */
static size_t take_tail(const char *s, size_t len, char *out, size_t cap, size_t *used)
{
	size_t i = 0, size = 0, w, n;

	/* A cut through a character leaves continuation bytes first. */
	while (i < len && i < 3 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	for (size_t k = i; k < len; k += n) {
		n = char_at(s + k, len - k, &w);
		size += w;
	}
	while (size > cap && i < len) {
		n = char_at(s + i, len - i, &w);
		size -= w;
		i += n;
	}
	*used = len - i;
	return utf8_sanitize(s + i, len - i, out, cap + 1);
}

char *out_text(const char *head, size_t headlen, const char *tail, size_t taillen,
	       uint64_t total, size_t max)
{
	size_t hcap, tcap, hn = 0, tn, hused = 0, tused;
	char *out, mark[MARK_MAX];
	int mn;

	out = malloc(max + MARK_MAX + 1);
	if (!out)
		return NULL;
	if (!tail) {
		/* All of it at hand: whole if it fits, else its two ends. */
		hn = take_head(head, headlen, out, max, &hused);
		if (hused == headlen)
			return out;
		total = headlen;
	}
	if (max <= MARK_MAX) {
		/* Room for the end only. */
		take_tail(tail ? tail : head, tail ? taillen : headlen, out, max, &tused);
		return out;
	}
	hcap = (max - MARK_MAX) / 4;
	if (hcap > PROTO_TEXT_HEAD)
		hcap = PROTO_TEXT_HEAD;
	/* A head cut from a longer output may end inside a character. */
	hn = take_head(head, tail ? whole_chars(head, headlen) : headlen, out, hcap, &hused);
	if (!tail) {
		tail = head + hused;
		taillen = headlen - hused;
	}
	tcap = max - MARK_MAX - hn;
	tn = take_tail(tail, taillen, out + hn + MARK_MAX, tcap, &tused);
	mn = snprintf(mark, sizeof(mark), "%s[ktstr-run: %llu bytes not kept]\n",
		      hn && out[hn - 1] != '\n' ? "\n" : "",
		      (unsigned long long)(total - hused - tused));
	memmove(out + hn + mn, out + hn + MARK_MAX, tn + 1);
	memcpy(out + hn, mark, (size_t)mn);
	return out;
}

size_t out_json_cost(const char *s)
{
	size_t n = 2;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += *p == '"' || *p == '\\' ? 2 : *p < 0x20 ? 6 : 1;
	return n;
}

/* The text at most max bytes; its cost taken from the budget. */
static char *charge(char *text)
{
	uint64_t cost = text ? out_json_cost(text) : 0, left = atomic_load(&budget_left);

	while (!atomic_compare_exchange_weak(&budget_left, &left,
					     left > cost ? left - cost : 0))
		;
	return text;
}

static size_t budget_max(void)
{
	uint64_t left = atomic_load(&budget_left);

	return left < PROTO_TEXT_MAX ? (size_t)left : PROTO_TEXT_MAX;
}

static char *used_up(void)
{
	char buf[128];

	snprintf(buf, sizeof(buf), "[ktstr-run: not kept: the run's %u MiB for output "
		 "are used up]\n", OUT_RUN_BUDGET >> 20);
	return strdup(buf);
}

char *out_read_buf(const char *buf, size_t len)
{
	size_t max = budget_max();

	if (max < 256 && len)
		return used_up();
	return charge(out_text(buf, len, NULL, 0, len, max));
}

char *out_read_split(const char *head, size_t headlen, const char *tail, size_t taillen,
		     uint64_t total)
{
	size_t max = budget_max();

	if (max < 256 && total)
		return used_up();
	return charge(out_text(head, headlen, tail, taillen, total, max));
}

static ssize_t pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, off + (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

char *out_read_file(const char *path, uint64_t *total)
{
	size_t max = budget_max(), hlen, tlen;
	ssize_t hn = 0, tn = 0;
	char *head = NULL, *tail = NULL, *text = NULL, msg[320];
	struct stat st;
	int fd;

	*total = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(msg, sizeof(msg), "[ktstr-run: %s: %s]\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return strdup(msg);
	}
	*total = (uint64_t)st.st_size;
	if (max < 256 && st.st_size) {
		close(fd);
		return used_up();
	}
	/* The whole file when it is small, else the head and the tail bytes
	 * out_text can use (apart: the file is larger than both). */
	if ((uint64_t)st.st_size <= 4ull * max) {
		hlen = (size_t)st.st_size;
		tlen = 0;
	} else {
		hlen = max / 4;
		tlen = max;
	}
	head = malloc(hlen + 1);
	tail = malloc(tlen + 1);
	if (head && tail && (hn = pread_full(fd, head, hlen, 0)) >= 0 &&
	    (!tlen || (tn = pread_full(fd, tail, tlen, st.st_size - (off_t)tlen)) >= 0)) {
		text = out_text(head, (size_t)hn, tlen ? tail : NULL, (size_t)tn, *total, max);
	} else if (head && tail) {
		snprintf(msg, sizeof(msg), "[ktstr-run: reading %s: %s]\n", path,
			 strerror(errno));
		text = strdup(msg);
	}
	free(head);
	free(tail);
	close(fd);
	return charge(text);
}

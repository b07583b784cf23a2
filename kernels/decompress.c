// SPDX-License-Identifier: GPL-2.0-only
/* Streaming decompression of kernel payloads (zstd, gzip, xz, lzma) into a
 * file descriptor, with the libraries Debian ships. The input is untrusted:
 * the decoder's memory and the output are bounded, and the first bytes of
 * the output are shown to the caller before any is written. */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "kernels/internal.h"

#define MIB (1u << 20)
/* Output is taken in chunks of up to 1 MiB, less for a small payload. */
#define CHUNK_MAX MIB
#define CHUNK_MIN (64u << 10)

_Static_assert(KDECOMP_MAX_WINDOW == 1u << 27, "zstd's windowLogMax below is 27");

/* The output side: bytes held until the head check has seen them, then
 * written; never more than to->max in all. */
struct sink {
	const struct kdecomp_to *to;
	const char *comp;
	uint64_t len;      /* bytes accepted (held or written) */
	uint8_t held[KDECOMP_HEAD];
	size_t nheld;
	bool checked;
};

static int write_all(int fd, const uint8_t *p, size_t n, char *msg, size_t msglen)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errf(msg, msglen, "writing vmlinux: %s", strerror(errno));
		if (w == 0)
			return errf(msg, msglen, "writing vmlinux: no progress");
		p += w;
		n -= w;
	}
	return 0;
}

static int check_head(struct sink *s, char *msg, size_t msglen)
{
	s->checked = true;
	if (s->to->head && s->to->head(s->held, s->nheld, msg, msglen))
		return -1;
	return write_all(s->to->fd, s->held, s->nheld, msg, msglen);
}

static int sink_put(struct sink *s, const uint8_t *p, size_t n, char *msg, size_t msglen)
{
	if (n > s->to->max - s->len)
		return errf(msg, msglen, "%s payload: decompresses to more than the %llu bytes %s",
			    s->comp, (unsigned long long)s->to->max, s->to->max_what);
	s->len += n;
	if (!s->checked) {
		size_t c = n < KDECOMP_HEAD - s->nheld ? n : KDECOMP_HEAD - s->nheld;

		memcpy(s->held + s->nheld, p, c);
		s->nheld += c;
		p += c;
		n -= c;
		if (s->nheld < KDECOMP_HEAD)
			return 0;
		if (check_head(s, msg, msglen))
			return -1;
	}
	return write_all(s->to->fd, p, n, msg, msglen);
}

/* The end of the stream: an output shorter than the head is checked now. */
static int sink_end(struct sink *s, char *msg, size_t msglen)
{
	return s->checked ? 0 : check_head(s, msg, msglen);
}

static int unzstd(const uint8_t *in, size_t inlen, struct sink *s, uint8_t *buf,
		  size_t chunk, char *msg, size_t msglen)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, inlen, 0 };
	size_t ret = 1;
	int err = 0;

	if (!dctx)
		return errf(msg, msglen, "zstd: out of memory");
	ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 27);
	while (ret != 0 && !err) {
		ZSTD_outBuffer ob = { buf, chunk, 0 };

		ret = ZSTD_decompressStream(dctx, &ob, &ib);
		if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge) {
			err = errf(msg, msglen, "zstd payload: its window is larger than the %u MiB a kernel's zstd uses (2^27)",
				   KDECOMP_MAX_WINDOW / MIB);
			break;
		}
		if (ZSTD_isError(ret)) {
			err = errf(msg, msglen, "zstd payload: %s (at byte %zu of %zu)",
				   ZSTD_getErrorName(ret), ib.pos, inlen);
			break;
		}
		err = sink_put(s, buf, ob.pos, msg, msglen);
		if (!err && ret != 0 && ib.pos == ib.size && ob.pos < ob.size)
			err = errf(msg, msglen, "zstd payload: truncated (stream ends early)");
	}
	ZSTD_freeDCtx(dctx);
	return err;
}

static int ungzip(const uint8_t *in, size_t inlen, struct sink *s, uint8_t *buf,
		  size_t chunk, char *msg, size_t msglen)
{
	z_stream zs = { 0 };
	int ret = Z_OK, err = 0;

	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return errf(msg, msglen, "gzip: cannot initialise zlib");
	zs.next_in = (Bytef *)in;
	while (ret != Z_STREAM_END && !err) {
		size_t step = inlen - (zs.next_in - in);

		zs.avail_in = step > (1u << 30) ? (1u << 30) : step;
		zs.next_out = buf;
		zs.avail_out = chunk;
		ret = inflate(&zs, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END) {
			err = errf(msg, msglen, "gzip payload: %s",
				   ret == Z_BUF_ERROR ? "truncated" :
				   zs.msg ? zs.msg : "corrupt data");
			break;
		}
		err = sink_put(s, buf, chunk - zs.avail_out, msg, msglen);
	}
	inflateEnd(&zs);
	return err;
}

static const char *lzma_why(lzma_ret ret)
{
	switch (ret) {
	case LZMA_BUF_ERROR: return "truncated";
	case LZMA_FORMAT_ERROR: return "bad format";
	case LZMA_OPTIONS_ERROR: return "unsupported options";
	case LZMA_MEM_ERROR: return "out of memory";
	default: return "corrupt data";
	}
}

/* The .lzma header: properties, dictionary size (LE32), uncompressed size
 * (LE64). */
#define LZMA_HDR 13

/* A .lzma header, checked and made cheaper: a dictionary over
 * KDECOMP_MAX_WINDOW is refused; one larger than the whole output is cut to
 * it (matches never reach further back than the output's start, so the
 * decoder cannot tell), and liblzma allocates no more than it needs. */
static int lzma_header(const uint8_t *in, size_t inlen, uint64_t max_out,
		       uint8_t hdr[LZMA_HDR], char *msg, size_t msglen)
{
	uint32_t dict;

	if (inlen < LZMA_HDR)
		return errf(msg, msglen, "lzma payload: truncated (%zu bytes, the header alone is %d)",
			    inlen, LZMA_HDR);
	memcpy(hdr, in, LZMA_HDR);
	dict = hdr[1] | hdr[2] << 8 | hdr[3] << 16 | (uint32_t)hdr[4] << 24;
	if (dict > KDECOMP_MAX_WINDOW)
		return errf(msg, msglen, "lzma payload: its dictionary needs %u MiB, more than the %u MiB a kernel's lzma uses",
			    (unsigned)((dict + (uint64_t)MIB - 1) / MIB), KDECOMP_MAX_WINDOW / MIB);
	if (dict > max_out) {
		dict = max_out < 4096 ? 4096 : max_out;
		for (int i = 0; i < 4; i++)
			hdr[1 + i] = dict >> (8 * i);
	}
	return 0;
}

static int unxz(bool alone, const uint8_t *in, size_t inlen, struct sink *s,
		uint8_t *buf, size_t chunk, char *msg, size_t msglen)
{
	/* The dictionary plus liblzma's own state (tens of kB). */
	const uint64_t memlimit = KDECOMP_MAX_WINDOW + MIB;
	const char *name = alone ? "lzma" : "xz";
	lzma_stream ls = LZMA_STREAM_INIT;
	uint8_t hdr[LZMA_HDR];
	lzma_ret ret;
	int err = 0;

	if (alone && lzma_header(in, inlen, s->to->max, hdr, msg, msglen))
		return -1;
	ret = alone ? lzma_alone_decoder(&ls, memlimit) :
		      lzma_stream_decoder(&ls, memlimit, 0);
	if (ret != LZMA_OK)
		return errf(msg, msglen, "%s: cannot initialise liblzma (%d)", name, ret);
	if (alone) {
		/* The header is taken whole (no output yet), then the rest. */
		ls.next_in = hdr;
		ls.avail_in = LZMA_HDR;
		ls.next_out = buf;
		ls.avail_out = chunk;
		ret = lzma_code(&ls, LZMA_RUN);
		if (ret != LZMA_OK || ls.avail_in) {
			lzma_end(&ls);
			return errf(msg, msglen, "lzma payload: %s",
				    ret == LZMA_MEMLIMIT_ERROR ? "too much memory" : lzma_why(ret));
		}
	}
	ls.next_in = alone ? in + LZMA_HDR : in;
	ls.avail_in = alone ? inlen - LZMA_HDR : inlen;
	do {
		ls.next_out = buf;
		ls.avail_out = chunk;
		ret = lzma_code(&ls, LZMA_FINISH);
		if (ret == LZMA_MEMLIMIT_ERROR) {
			err = errf(msg, msglen, "%s payload: its dictionary needs %llu MiB, more than the %u MiB a kernel's %s uses",
				   name, (unsigned long long)(lzma_memusage(&ls) + MIB - 1) / MIB,
				   KDECOMP_MAX_WINDOW / MIB, name);
			break;
		}
		if (ret != LZMA_OK && ret != LZMA_STREAM_END) {
			err = errf(msg, msglen, "%s payload: %s", name, lzma_why(ret));
			break;
		}
		err = sink_put(s, buf, chunk - ls.avail_out, msg, msglen);
	} while (ret != LZMA_STREAM_END && !err);
	lzma_end(&ls);
	return err;
}

int kdecompress(const char *comp, const uint8_t *in, size_t inlen,
		const struct kdecomp_to *to, uint64_t *outlen,
		char *msg, size_t msglen)
{
	struct sink s = { .to = to, .comp = comp };
	size_t chunk = to->max < CHUNK_MIN ? CHUNK_MIN : to->max < CHUNK_MAX ? to->max : CHUNK_MAX;
	uint8_t *buf;
	int ret;

	*outlen = 0;
	if (!strcmp(comp, "none")) {
		ret = sink_put(&s, in, inlen, msg, msglen);
		goto out;
	}
	if (strcmp(comp, "zstd") && strcmp(comp, "gzip") && strcmp(comp, "xz") &&
	    strcmp(comp, "lzma"))
		return errf(msg, msglen,
			    "%s-compressed kernels are not supported (zstd, gzip, xz, lzma are)",
			    comp);
	buf = malloc(chunk);
	if (!buf)
		return errf(msg, msglen, "out of memory");
	if (!strcmp(comp, "zstd"))
		ret = unzstd(in, inlen, &s, buf, chunk, msg, msglen);
	else if (!strcmp(comp, "gzip"))
		ret = ungzip(in, inlen, &s, buf, chunk, msg, msglen);
	else
		ret = unxz(comp[0] == 'l', in, inlen, &s, buf, chunk, msg, msglen);
	free(buf);
out:
	if (!ret)
		ret = sink_end(&s, msg, msglen);
	*outlen = s.len;
	return ret;
}

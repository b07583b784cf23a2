/* Streaming decompression of kernel payloads (zstd, gzip, xz, lzma) into a
 * file descriptor, with the libraries Debian ships. */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "kernels/internal.h"

#define CHUNK (1u << 20)

static int write_out(int fd, const uint8_t *p, size_t n, uint64_t *outlen,
		     char *msg, size_t msglen)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return kmsg(msg, msglen, "writing vmlinux: %s", strerror(errno));
		p += w;
		n -= w;
		*outlen += w;
	}
	return 0;
}

static int unzstd(const uint8_t *in, size_t inlen, int fd, uint8_t *buf,
		  uint64_t *outlen, char *msg, size_t msglen)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, inlen, 0 };
	size_t ret = 1;
	int err = 0;

	if (!dctx)
		return kmsg(msg, msglen, "zstd: out of memory");
	ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 31);
	while (ret != 0 && !err) {
		ZSTD_outBuffer ob = { buf, CHUNK, 0 };

		ret = ZSTD_decompressStream(dctx, &ob, &ib);
		if (ZSTD_isError(ret)) {
			err = kmsg(msg, msglen, "zstd payload: %s (at byte %zu of %zu)",
				   ZSTD_getErrorName(ret), ib.pos, inlen);
			break;
		}
		err = write_out(fd, buf, ob.pos, outlen, msg, msglen);
		if (ret != 0 && ib.pos == ib.size && ob.pos < ob.size)
			err = kmsg(msg, msglen, "zstd payload: truncated (stream ends early)");
	}
	ZSTD_freeDCtx(dctx);
	return err;
}

static int ungzip(const uint8_t *in, size_t inlen, int fd, uint8_t *buf,
		  uint64_t *outlen, char *msg, size_t msglen)
{
	z_stream zs = { 0 };
	int ret = Z_OK, err = 0;

	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return kmsg(msg, msglen, "gzip: cannot initialise zlib");
	zs.next_in = (Bytef *)in;
	while (ret != Z_STREAM_END && !err) {
		size_t step = inlen - (zs.next_in - in);

		zs.avail_in = step > (1u << 30) ? (1u << 30) : step;
		zs.next_out = buf;
		zs.avail_out = CHUNK;
		ret = inflate(&zs, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END) {
			err = kmsg(msg, msglen, "gzip payload: %s",
				   ret == Z_BUF_ERROR ? "truncated" :
				   zs.msg ? zs.msg : "corrupt data");
			break;
		}
		err = write_out(fd, buf, CHUNK - zs.avail_out, outlen, msg, msglen);
	}
	inflateEnd(&zs);
	return err;
}

static int unxz(bool alone, const uint8_t *in, size_t inlen, int fd,
		uint8_t *buf, uint64_t *outlen, char *msg, size_t msglen)
{
	lzma_stream ls = LZMA_STREAM_INIT;
	lzma_ret ret;
	int err = 0;

	ret = alone ? lzma_alone_decoder(&ls, UINT64_MAX) :
		      lzma_stream_decoder(&ls, UINT64_MAX, 0);
	if (ret != LZMA_OK)
		return kmsg(msg, msglen, "xz: cannot initialise liblzma (%d)", ret);
	ls.next_in = in;
	ls.avail_in = inlen;
	do {
		ls.next_out = buf;
		ls.avail_out = CHUNK;
		ret = lzma_code(&ls, LZMA_FINISH);
		if (ret != LZMA_OK && ret != LZMA_STREAM_END) {
			err = kmsg(msg, msglen, "%s payload: %s", alone ? "lzma" : "xz",
				   ret == LZMA_BUF_ERROR ? "truncated" :
				   ret == LZMA_FORMAT_ERROR ? "bad format" : "corrupt data");
			break;
		}
		err = write_out(fd, buf, CHUNK - ls.avail_out, outlen, msg, msglen);
	} while (ret != LZMA_STREAM_END && !err);
	lzma_end(&ls);
	return err;
}

int kdecompress(const char *comp, const uint8_t *in, size_t inlen, int fd,
		uint64_t *outlen, char *msg, size_t msglen)
{
	uint8_t *buf = malloc(CHUNK);
	int ret;

	*outlen = 0;
	if (!buf)
		return kmsg(msg, msglen, "out of memory");
	if (!strcmp(comp, "zstd"))
		ret = unzstd(in, inlen, fd, buf, outlen, msg, msglen);
	else if (!strcmp(comp, "gzip"))
		ret = ungzip(in, inlen, fd, buf, outlen, msg, msglen);
	else if (!strcmp(comp, "xz") || !strcmp(comp, "lzma"))
		ret = unxz(comp[0] == 'l', in, inlen, fd, buf, outlen, msg, msglen);
	else if (!strcmp(comp, "none"))
		ret = write_out(fd, in, inlen, outlen, msg, msglen);
	else
		ret = kmsg(msg, msglen,
			   "%s-compressed kernels are not supported (zstd, gzip, xz, lzma are)",
			   comp);
	free(buf);
	return ret;
}

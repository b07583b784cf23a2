/* Frames over /dev/hvc0 (see transport.h). The console is put in raw mode so
 * the tty layer passes binary frames untouched. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "guest-init/transport.h"

static int tx_fd = -1;
static uint32_t tx_seq;
static pthread_mutex_t tx_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t start_mono;

uint64_t guest_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t guest_now_ns(void)
{
	return guest_mono_ns() - start_mono;
}

int transport_open(const char *dev)
{
	struct termios t;

	start_mono = guest_mono_ns();
	tx_fd = open(dev, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tx_fd < 0)
		return -errno;
	if (tcgetattr(tx_fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(tx_fd, TCSANOW, &t);
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int transport_send(enum wire_type type, json_t *obj)
{
	struct wire_hdr h;
	char *text;
	int ret;

	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (!text)
		return -ENOMEM;
	pthread_mutex_lock(&tx_lock);
	if (tx_fd < 0) {
		ret = -EBADF;
		goto out;
	}
	wire_hdr_make(&h, type, tx_seq++, text, strlen(text));
	ret = write_all(tx_fd, &h, sizeof(h));
	if (!ret)
		ret = write_all(tx_fd, text, h.len);
out:
	pthread_mutex_unlock(&tx_lock);
	free(text);
	return ret;
}

int transport_event(const char *kind, json_t *obj)
{
	json_t *ev = obj ? obj : json_object();

	json_object_set_new(ev, "kind", json_string(kind));
	json_object_set_new(ev, "t_ms", json_real(guest_now_ns() / 1e6));
	if (!json_object_get(ev, "mono_ns"))
		json_object_set_new(ev, "mono_ns", json_integer(guest_mono_ns()));
	return transport_send(WIRE_EVENT, ev);
}

int transport_error(int fatal, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "guest-init: %s\n", msg);
	return transport_send(WIRE_ERROR, json_pack("{s:s, s:b, s:f}", "msg", msg,
						    "fatal", fatal, "t_ms",
						    guest_now_ns() / 1e6));
}

int transport_raw_frame(enum wire_type type, const char *payload, uint32_t len,
			int how)
{
	struct wire_hdr h;
	int ret;

	pthread_mutex_lock(&tx_lock);
	wire_hdr_make(&h, type, tx_seq++, payload, len);
	if (how == 1) {
		h.payload_crc ^= 1;
	} else {
		h.len = len + 100;
		h.hdr_crc = wire_crc32(0, &h, offsetof(struct wire_hdr, hdr_crc));
	}
	ret = write_all(tx_fd, &h, sizeof(h));
	if (!ret)
		ret = write_all(tx_fd, payload, len);
	pthread_mutex_unlock(&tx_lock);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0-only
/* Frames over /dev/hvc0 (see transport.h). The console is put in raw mode so
 * the tty layer passes binary frames untouched. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "guest-init/sysinfo.h"
#include "guest-init/transport.h"
#include "lib/file.h"
#include "proto/plan.h"

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

/* The named virtio-serial port if the VM has one. */
static const char *find_port(char *buf, size_t len)
{
	DIR *d = opendir("/sys/class/virtio-ports");
	const char *dev = NULL;
	struct dirent *e;
	char path[512], name[64];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
		if (read_text(path, name, sizeof(name)) || strcmp(name, WIRE_PORT_NAME))
			continue;
		snprintf(buf, len, "/dev/%s", e->d_name);
		dev = buf;
		break;
	}
	if (d)
		closedir(d);
	return dev;
}

/* Ports are announced to the guest asynchronously and may appear after init
 * starts: wait (bounded) for the named port, or for dev (the console port of
 * a single-port device) to show up. */
static const char *pick_device(const char *dev, char *buf, size_t len)
{
	for (int i = 0; i < 1000; i++) {
		const char *port = find_port(buf, len);

		if (port)
			return port;
		if (access(dev, F_OK) == 0)
			return dev;
		nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
	}
	return dev;
}

int transport_open(const char *dev)
{
	struct termios t;
	char buf[300];

	start_mono = guest_mono_ns();
	dev = pick_device(dev, buf, sizeof(buf));
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
	/* On hvc0 a write returns before the bytes left the guest: wait, so a
	 * crash right after cannot lose a frame already "sent". */
	if (!ret && isatty(tx_fd))
		tcdrain(tx_fd);
out:
	pthread_mutex_unlock(&tx_lock);
	free(text);
	return ret;
}

int transport_event(enum proto_event kind, json_t *obj)
{
	json_t *ev = obj ? obj : json_object();

	json_object_set_new(ev, EVF_KIND, json_string(proto_event_name(kind)));
	json_object_set_new(ev, EVF_T_MS, json_real(guest_now_ns() / 1e6));
	if (!json_object_get(ev, EVF_MONO_NS))
		json_object_set_new(ev, EVF_MONO_NS, json_integer(guest_mono_ns()));
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
	return transport_send(WIRE_ERROR, json_pack("{s:s, s:b, s:f}", ERRF_MSG, msg,
						    ERRF_FATAL, fatal, ERRF_T_MS,
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
	} else if (how == 2) {
		h.len = len + 100;
		h.hdr_crc = wire_crc32(0, &h, offsetof(struct wire_hdr, hdr_crc));
	}
	ret = write_all(tx_fd, &h, sizeof(h));
	if (!ret)
		ret = write_all(tx_fd, payload, len);
	pthread_mutex_unlock(&tx_lock);
	return ret;
}

int transport_flood(int frames)
{
	static uint8_t buf[65536];
	const size_t one = sizeof(struct wire_hdr) + 2;
	int ret = 0;

	pthread_mutex_lock(&tx_lock);
	while (frames > 0 && !ret) {
		size_t n = 0;

		for (; frames > 0 && n + one <= sizeof(buf); frames--, n += one) {
			struct wire_hdr h;

			wire_hdr_make(&h, WIRE_EVENT, tx_seq++, "{}", 2);
			memcpy(buf + n, &h, sizeof(h));
			memcpy(buf + n + sizeof(h), "{}", 2);
		}
		ret = write_all(tx_fd, buf, n);
	}
	pthread_mutex_unlock(&tx_lock);
	return ret;
}

/* Frames from the host (ACK, PLAN, DATA) arrive on the same fd; bytes read
 * past one frame stay here for the next reader. */
static struct wire_decoder rx;
static bool rx_ready;

/* The next host frame, waiting at most until deadline (guest mono ns; 0 =
 * forever). 1 with type/payload/len (valid until the next call), 0 on
 * timeout, -errno. */
static int rx_next(uint64_t deadline, uint16_t *type, const uint8_t **payload, uint32_t *len)
{
	char msg[128];

	if (!rx_ready) {
		wire_decoder_init(&rx);
		rx_ready = true;
	}
	for (;;) {
		uint8_t buf[65536];
		struct pollfd p = { tx_fd, POLLIN, 0 };
		uint64_t now = guest_mono_ns();
		enum wire_result r;
		ssize_t n;
		int wait = -1;

		while ((r = wire_decoder_next(&rx, type, payload, len, msg, sizeof(msg))))
			if (r == WIRE_FRAME)
				return 1;
		if (deadline) {
			if (now >= deadline)
				return 0;
			wait = (int)((deadline - now) / 1000000) + 1;
		}
		if (poll(&p, 1, wait) <= 0)
			continue;
		n = read(tx_fd, buf, sizeof(buf));
		if (n == 0)
			return -EPIPE;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (wire_decoder_feed(&rx, buf, n))
			return -ENOMEM;
	}
}

int transport_recv_plan(uint8_t **out, size_t *out_len, char *msg, size_t msglen)
{
	uint8_t *buf = NULL;
	uint64_t size = 0, got = 0;
	const uint8_t *payload;
	uint32_t len;
	uint16_t type;
	int r;

	if (tx_fd < 0) {
		snprintf(msg, msglen, "no channel to the host");
		return -1;
	}
	while ((r = rx_next(0, &type, &payload, &len)) == 1) {
		if (type == WIRE_PLAN && !buf) {
			json_t *j = json_loadb((const char *)payload, len, 0, NULL);
			json_t *v = json_object_get(j, PLANF_SIZE);

			size = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
			json_decref(j);
			if (size == 0 || size > PLAN_MAX_BYTES) {
				snprintf(msg, msglen, "run plan of %llu bytes: expected 1 to %u",
					 (unsigned long long)size, PLAN_MAX_BYTES);
				return -1;
			}
			buf = malloc(size);
			if (!buf) {
				snprintf(msg, msglen, "run plan of %llu bytes: out of memory",
					 (unsigned long long)size);
				return -1;
			}
		} else if (type == WIRE_DATA && buf) {
			if (len > size - got) {
				snprintf(msg, msglen, "run plan: more data than the %llu bytes announced",
					 (unsigned long long)size);
				free(buf);
				return -1;
			}
			memcpy(buf + got, payload, len);
			got += len;
			if (got == size) {
				*out = buf;
				*out_len = size;
				return 0;
			}
		}
		/* Anything else (an ACK of nothing, a frame of a later protocol)
		 * is not for now. */
	}
	free(buf);
	snprintf(msg, msglen, "reading the run plan: %s", strerror(r ? -r : ETIMEDOUT));
	return -1;
}

/* An ACK frame's seq, or -1. */
static int64_t ack_seq(uint16_t type, const uint8_t *payload, uint32_t len)
{
	json_t *j, *v;
	int64_t seq = -1;

	if (type != WIRE_ACK)
		return -1;
	j = json_loadb((const char *)payload, len, 0, NULL);
	v = json_object_get(j, ACKF_SEQ);
	if (json_is_integer(v))
		seq = json_integer_value(v);
	json_decref(j);
	return seq;
}

int transport_wait_ack(int timeout_ms)
{
	uint64_t deadline = guest_mono_ns() + timeout_ms * 1000000ull;
	const uint8_t *payload;
	uint32_t len;
	uint16_t type;
	int64_t want;
	int r;

	if (tx_fd < 0)
		return -EBADF;
	if (isatty(tx_fd))
		return 0; /* hvc: tcdrain after each frame already waited */
	pthread_mutex_lock(&tx_lock);
	want = (int64_t)tx_seq - 1;
	pthread_mutex_unlock(&tx_lock);
	while ((r = rx_next(deadline, &type, &payload, &len)) == 1)
		if (ack_seq(type, payload, len) >= want)
			return 0;
	return r ? r : -ETIMEDOUT;
}

int transport_sync(int timeout_ms)
{
	if (tx_fd < 0)
		return -EBADF;
	if (isatty(tx_fd))
		return 0; /* hvc: tcdrain after each frame already waited */
	transport_send(WIRE_SYNC, json_object());
	return transport_wait_ack(timeout_ms);
}

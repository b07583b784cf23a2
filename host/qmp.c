// SPDX-License-Identifier: GPL-2.0-only
/* A small QMP client (see qmp.h): QEMU's machine protocol is one JSON
 * object per line; commands get a "return" or an "error", and events come
 * in between. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "host/qmp.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

void qmp_init(struct qmp *q)
{
	memset(q, 0, sizeof(*q));
	q->fd = -1;
}

void qmp_close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	qmp_init(q);
}

/* One line (a message) into *out, waiting until deadline. */
static int read_msg(struct qmp *q, uint64_t deadline, json_t **out, char *msg, size_t len)
{
	for (;;) {
		char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
		struct pollfd p = { q->fd, POLLIN, 0 };
		uint64_t now;
		ssize_t n;

		if (nl) {
			json_error_t err;
			size_t line = nl - q->buf + 1;

			*out = json_loadb(q->buf, line, 0, &err);
			memmove(q->buf, q->buf + line, q->len - line);
			q->len -= line;
			if (!json_is_object(*out)) {
				json_decref(*out);
				snprintf(msg, len, "QMP: a message that is not a JSON object: %s",
					 err.text);
				return -1;
			}
			return 0;
		}
		now = now_ms();
		if (now >= deadline) {
			snprintf(msg, len, "QMP: no answer from QEMU in time");
			return -1;
		}
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		if (q->len + 4096 > q->cap) {
			size_t cap = q->cap ? q->cap * 2 : 8192;
			char *nb;

			if (cap > (1u << 20)) {
				snprintf(msg, len, "QMP: a message over 1 MiB");
				return -1;
			}
			nb = realloc(q->buf, cap);
			if (!nb) {
				snprintf(msg, len, "QMP: out of memory");
				return -1;
			}
			q->buf = nb;
			q->cap = cap;
		}
		n = read(q->fd, q->buf + q->len, q->cap - q->len);
		if (n == 0) {
			snprintf(msg, len, "QMP: QEMU closed the connection");
			return -1;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN) {
			snprintf(msg, len, "QMP: %s", strerror(errno));
			return -1;
		}
		if (n > 0)
			q->len += n;
	}
}

int qmp_connect(struct qmp *q, const char *path, int timeout_ms, char *msg, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t deadline = now_ms() + timeout_ms;
	json_t *greeting, *ret;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* QEMU creates the socket while it starts. */
	for (;;) {
		q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (q->fd < 0) {
			snprintf(msg, len, "QMP socket: %s", strerror(errno));
			return -1;
		}
		if (connect(q->fd, (void *)&sa, sizeof(sa)) == 0)
			break;
		close(q->fd);
		q->fd = -1;
		if (now_ms() >= deadline) {
			snprintf(msg, len, "QMP: cannot connect to %s: %s", path, strerror(errno));
			return -1;
		}
		usleep(2000);
	}
	if (read_msg(q, deadline, &greeting, msg, len))
		return -1;
	if (!json_object_get(greeting, "QMP")) {
		json_decref(greeting);
		snprintf(msg, len, "QMP: no greeting from QEMU");
		return -1;
	}
	json_decref(greeting);
	if (qmp_cmd(q, "qmp_capabilities", NULL, &ret, timeout_ms, msg, len))
		return -1;
	json_decref(ret);
	return 0;
}

/* Send text, with fd as SCM_RIGHTS on its first byte when fd >= 0. */
static int send_text(struct qmp *q, const char *text, int fd)
{
	size_t n = strlen(text), off = 0;

	while (off < n) {
		struct iovec iov = { (char *)text + off, n - off };
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} cm;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t w;

		if (fd >= 0 && off == 0) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.buf;
			mh.msg_controllen = sizeof(cm.buf);
			cm.h.cmsg_level = SOL_SOCKET;
			cm.h.cmsg_type = SCM_RIGHTS;
			cm.h.cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
		}
		w = sendmsg(q->fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += w;
	}
	return 0;
}

static int cmd_fd(struct qmp *q, const char *cmd, json_t *args, int fd, json_t **ret,
		  int timeout_ms, char *msg, size_t len);

int qmp_cmd(struct qmp *q, const char *cmd, json_t *args, json_t **ret, int timeout_ms,
	    char *msg, size_t len)
{
	return cmd_fd(q, cmd, args, -1, ret, timeout_ms, msg, len);
}

int qmp_send_fd(struct qmp *q, const char *name, int fd, int timeout_ms, char *msg, size_t len)
{
	json_t *ret;

	if (cmd_fd(q, "getfd", json_pack("{s:s}", "fdname", name), fd, &ret, timeout_ms, msg,
		   len))
		return -1;
	json_decref(ret);
	return 0;
}

static int cmd_fd(struct qmp *q, const char *cmd, json_t *args, int fd, json_t **ret,
		  int timeout_ms, char *msg, size_t len)
{
	uint64_t deadline = now_ms() + timeout_ms;
	json_t *req = json_pack("{s:s, s:I}", "execute", cmd, "id", (json_int_t)++q->id);
	char *text;

	if (args)
		json_object_set_new(req, "arguments", args);
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (!text) {
		snprintf(msg, len, "QMP %s: out of memory", cmd);
		return -1;
	}
	if (send_text(q, text, fd)) {
		snprintf(msg, len, "QMP %s: %s", cmd, strerror(errno));
		free(text);
		return -1;
	}
	free(text);
	for (;;) {
		json_t *m, *v;

		if (read_msg(q, deadline, &m, msg, len))
			return -1;
		if (json_object_get(m, "event")) {
			json_decref(m);
			continue;
		}
		if (json_integer_value(json_object_get(m, "id")) != (json_int_t)q->id) {
			json_decref(m);
			continue;
		}
		if ((v = json_object_get(m, "error"))) {
			snprintf(msg, len, "QMP %s: %s", cmd,
				 json_string_value(json_object_get(v, "desc")) ?: "error");
			json_decref(m);
			return -1;
		}
		*ret = json_incref(json_object_get(m, "return"));
		json_decref(m);
		return 0;
	}
}

int qmp_wait_migration(struct qmp *q, int timeout_ms, char *msg, size_t len)
{
	uint64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		json_t *ret;
		const char *status;

		if (qmp_cmd(q, "query-migrate", NULL, &ret, timeout_ms, msg, len))
			return -1;
		status = json_string_value(json_object_get(ret, "status")) ?: "";
		if (!strcmp(status, "completed")) {
			json_decref(ret);
			return 0;
		}
		if (!strcmp(status, "failed") || !strcmp(status, "cancelled")) {
			snprintf(msg, len, "migration %s: %s", status,
				 json_string_value(json_object_get(ret, "error-desc")) ?: "no reason given");
			json_decref(ret);
			return -1;
		}
		json_decref(ret);
		if (now_ms() >= deadline) {
			snprintf(msg, len, "migration not done after %d ms", timeout_ms);
			return -1;
		}
		usleep(5000);
	}
}

// SPDX-License-Identifier: GPL-2.0-only
/* sched_ext kernel log lines and exit reasons (see scx_kmsg.h). The lines
 * are kernel/sched/ext.c:scx_log_sched_disable()'s:
 *   sched_ext: BPF scheduler "NAME" disabled (REASON)
 *   sched_ext: NAME: MSG              (errors only, when MSG is not empty)
 * with REASON from scx_exit_reason(). */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "guest-init/scx_kmsg.h"

#define KMSG_PREFIX "sched_ext: "
#define DISABLED_PRE "BPF scheduler \""
#define DISABLED_MID "\" disabled ("

const char *scx_kmsg_text(char *rec)
{
	char *text;

	rec[strcspn(rec, "\n")] = 0;
	text = strchr(rec, ';');
	if (!text || strncmp(++text, KMSG_PREFIX, strlen(KMSG_PREFIX)))
		return NULL;
	return text;
}

int scx_parse_kmsg(const char *text, char *name, size_t nlen, char *why, size_t wlen)
{
	const size_t pre = strlen(DISABLED_PRE), mid = strlen(DISABLED_MID);
	const char *p, *q, *r;

	if (strncmp(text, KMSG_PREFIX, strlen(KMSG_PREFIX)))
		return 0;
	p = text + strlen(KMSG_PREFIX);
	if (!strncmp(p, DISABLED_PRE, pre)) {
		p += pre;
		q = strchr(p, '"');
		if (!q || strncmp(q, DISABLED_MID, mid))
			return 0;
		r = strrchr(q, ')');
		if (!r)
			return 0;
		snprintf(name, nlen, "%.*s", (int)(q - p), p);
		snprintf(why, wlen, "%.*s", (int)(r - q - mid), q + mid);
		return 1;
	}
	q = strstr(p, ": ");
	if (!q || memchr(p, ' ', q - p))
		return 0;
	snprintf(name, nlen, "%.*s", (int)(q - p), p);
	snprintf(why, wlen, "%s", q + 2);
	return 2;
}

int scx_kmsg_note(struct scx_exit *e, const char *text)
{
	char name[128], why[512];
	int ret = scx_parse_kmsg(text, name, sizeof(name), why, sizeof(why));

	switch (ret) {
	case 1:
		e->seq++;
		snprintf(e->ops, sizeof(e->ops), "%s", name);
		snprintf(e->why, sizeof(e->why), "%.*s", (int)sizeof(e->why) - 1, why);
		e->msg[0] = 0;
		break;
	case 2:
		if (!strcmp(name, e->ops) && !e->msg[0])
			snprintf(e->msg, sizeof(e->msg), "%s", why);
		break;
	}
	return ret;
}

/* enum scx_exit_kind, kernel/sched/ext/internal.h (7.3.4; UNREG_BPF,
 * UNREG_KERN, SYSRQ, ERROR_BPF and ERROR_STALL since 6.12). */
enum {
	SCX_EXIT_UNREG = 64,
	SCX_EXIT_UNREG_BPF,
	SCX_EXIT_UNREG_KERN,
	SCX_EXIT_SYSRQ,
	SCX_EXIT_PARENT,
	SCX_EXIT_PARENT_KILL,
	SCX_EXIT_ERROR = 1024,
	SCX_EXIT_ERROR_BPF,
	SCX_EXIT_ERROR_STALL,
	SCX_EXIT_ERROR_REENQ,
	SCX_EXIT_ERROR_RESCUE,
};

/* ext.c:scx_exit_reason(): the words the kernel prints for each kind. */
static const struct {
	int kind;
	const char *reason;
} kernel_reasons[] = {
	{ SCX_EXIT_UNREG, "unregistered from user space" },
	{ SCX_EXIT_UNREG_BPF, "unregistered from BPF" },
	{ SCX_EXIT_UNREG_KERN, "unregistered from the main kernel" },
	{ SCX_EXIT_SYSRQ, "disabled by sysrq-S" },
	{ SCX_EXIT_PARENT, "parent exiting" },
	{ SCX_EXIT_PARENT_KILL, "killed by parent scheduler" },
	{ SCX_EXIT_ERROR, "runtime error" },
	{ SCX_EXIT_ERROR_BPF, "scx_bpf_error" },
	{ SCX_EXIT_ERROR_STALL, "runnable task stall" },
	{ SCX_EXIT_ERROR_REENQ, "reenqueue limit" },
	{ SCX_EXIT_ERROR_RESCUE, "rescue bandwidth overload" },
};

const char *scx_exit_kind_of(int kind)
{
	if (kind == SCX_EXIT_ERROR_STALL)
		return "stall";
	if (kind >= SCX_EXIT_ERROR)
		return "error";
	if (kind == SCX_EXIT_SYSRQ)
		return "sysrq";
	if (kind >= SCX_EXIT_UNREG && kind <= SCX_EXIT_UNREG_KERN)
		return "unregistered";
	return "other";
}

const char *scx_exit_kind(const char *reason)
{
	for (size_t i = 0; i < sizeof(kernel_reasons) / sizeof(kernel_reasons[0]); i++)
		if (!strcmp(reason, kernel_reasons[i].reason))
			return scx_exit_kind_of(kernel_reasons[i].kind);
	/* Another kernel's words: guess from them. */
	if (strstr(reason, "stall"))
		return "stall";
	if (strstr(reason, "error"))
		return "error";
	if (strstr(reason, "unregistered"))
		return "unregistered";
	if (strstr(reason, "sysrq"))
		return "sysrq";
	return "other";
}

void scx_exit_explain(const struct scx_exit *e, unsigned long since_seq, const char *ops,
		      bool exited, int status, struct scx_death *d)
{
	bool logged = e->seq != since_seq && !strcmp(e->ops, ops);
	size_t n;

	d->why = logged ? e->why : exited ? "scheduler process exited" : "unknown";
	snprintf(d->reason, sizeof(d->reason), "%s", logged && e->msg[0] ? e->msg : d->why);
	d->kind = scx_exit_kind(d->why);
	if (!exited)
		return;
	if (!strcmp(d->kind, "other"))
		d->kind = "unregistered";
	n = strlen(d->reason);
	snprintf(d->reason + n, sizeof(d->reason) - n, "; process %s %d",
		 WIFSIGNALED(status) ? "killed by signal" : "exited with",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

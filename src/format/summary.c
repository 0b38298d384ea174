// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one-line summary of an event (see summary.h). */
#include "summary.h"

#include <stdio.h>
#include <string.h>

#include "text.h"

#define SUMMARY_TREE_MAX 6 /* ancestors named in the summary */
#define SUMMARY_NAME_MAX 32

void pt_proc_name(struct pt_buf *b, const struct pt_event_proc *p)
{
	const char *c = p->cmdline, *end, *base;

	end = c + strcspn(c, " ");
	base = end;
	while (base > c && base[-1] != '/')
		base--;
	if (base == end)
		base = c; /* "" or a cmdline ending in '/' */
	if (base == end) {
		pt_buf_addc(b, '?');
		return;
	}
	pt_text_append(b, base, (size_t)(end - base), SUMMARY_NAME_MAX, PT_TEXT_HUMAN);
}

static void put_addr_port(struct pt_buf *b, const char *addr, uint16_t port)
{
	if (strchr(addr, ':'))
		pt_buf_printf(b, "[%s]:%u", addr, port);
	else
		pt_buf_printf(b, "%s:%u", addr, port);
}

/* dns: " (name)" after an address that has one */
static void put_name(struct pt_buf *b, const struct pt_event_name *n)
{
	if (!n->name)
		return;
	pt_buf_adds(b, " (");
	pt_text_append(b, n->name, strlen(n->name), 256, PT_TEXT_HUMAN);
	pt_buf_addc(b, ')');
}

static void put_proc(struct pt_buf *b, const struct pt_event_proc *p)
{
	pt_proc_name(b, p);
	pt_buf_printf(b, "[%u]", p->pid);
}

void pt_event_summary(struct pt_buf *b, const struct pt_event *ev)
{
	size_t i, n = ev->nproc < PT_MAX_DEPTH ? ev->nproc : PT_MAX_DEPTH;
	const char *probe = ev->probe ? ev->probe->name : "event";

	pt_text_append(b, probe, strlen(probe), 32, PT_TEXT_HUMAN);
	pt_buf_adds(b, ": ");
	if (n) {
		put_proc(b, &ev->proctree[0]);
		pt_buf_adds(b, " user ");
		pt_text_append(b, ev->proctree[0].username, strlen(ev->proctree[0].username),
			       SUMMARY_NAME_MAX, PT_TEXT_HUMAN);
	} else {
		pt_buf_printf(b, "pid %u", ev->pid);
	}
	switch (ev->probe ? ev->probe->shape : PT_SHAPE_PROCESS) {
	case PT_SHAPE_CONNECT:
		pt_buf_adds(b, " connected to ");
		put_addr_port(b, ev->daddr, ev->port);
		put_name(b, &ev->peer_name);
		if (ev->saddr[0])
			pt_buf_printf(b, " from %s", ev->saddr);
		break;
	case PT_SHAPE_LISTEN:
		pt_buf_printf(b, " listening on %s ", ev->protocol ? ev->protocol : "");
		put_addr_port(b, ev->laddr, ev->port);
		break;
	case PT_SHAPE_SESSION:
		if (!ev->ndests || !ev->dests)
			break;
		pt_buf_printf(b, " sent %s to %zu destination%s, first ",
			      ev->protocol ? ev->protocol : "udp", ev->ndests,
			      ev->ndests == 1 ? "" : "s");
		put_addr_port(b, ev->dests[0].daddr, ev->dests[0].port);
		put_name(b, &ev->dests[0].name);
		break;
	case PT_SHAPE_ACCEPT:
		pt_buf_adds(b, " accepted from ");
		put_addr_port(b, ev->saddr, ev->sport);
		put_name(b, &ev->peer_name);
		pt_buf_adds(b, " on ");
		put_addr_port(b, ev->daddr, ev->port);
		break;
	case PT_SHAPE_PROCESS:
		break;
	}
	if (n > 1) {
		pt_buf_adds(b, "; tree: ");
		for (i = 0; i < n; i++) {
			if (i == SUMMARY_TREE_MAX - 1 && n > SUMMARY_TREE_MAX) {
				pt_buf_adds(b, "... < ");
				i = n - 1;
			}
			put_proc(b, &ev->proctree[i]);
			if (i + 1 < n)
				pt_buf_adds(b, " < ");
		}
	}
	if (ev->error[0]) {
		pt_buf_adds(b, " (");
		pt_text_append(b, ev->error, strnlen(ev->error, sizeof(ev->error)), 128,
			       PT_TEXT_HUMAN);
		pt_buf_addc(b, ')');
	}
}


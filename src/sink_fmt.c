// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Text formatting shared by the sinks (see sink_fmt.h): safe text, UTF-8
 * aware cuts, size-limited event JSON and the journald summary.  The RFC 5424
 * record is in syslog_fmt.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink_fmt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SUMMARY_TREE_MAX 6 /* ancestors named in the summary */
#define SUMMARY_NAME_MAX 32

/*
 * Length of the well-formed UTF-8 sequence at p (1-4), 0 when p[0] does not
 * start one (stray continuation, overlong form, surrogate, > U+10FFFF,
 * truncated).
 */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

size_t pt_utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, lead, want;

	if (len <= max)
		return len;
	n = max;
	/* step back over continuation bytes to the lead byte of the last sequence */
	lead = n;
	while (lead > 0 && n - lead < 3 && (p[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0 || p[lead - 1] < 0xc2 || p[lead - 1] > 0xf4)
		return n; /* ends on ASCII or on bytes that are not UTF-8 anyway */
	want = p[lead - 1] >= 0xf0 ? 4 : p[lead - 1] >= 0xe0 ? 3 : 2;
	if (n - (lead - 1) < want)
		return lead - 1; /* the sequence would be split: drop it whole */
	return n;
}

static void add_fffd(struct pt_buf *b)
{
	pt_buf_add(b, "\xef\xbf\xbd", 3);
}

void pt_text_append(struct pt_buf *b, const char *s, size_t n, size_t max,
		    enum pt_text_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, end = pt_utf8_cut(s, n, max), run;

	while (i < end) {
		size_t k = utf8_seq(p + i, end - i);
		unsigned char c = p[i];

		if (k > 1 || (k == 1 && c >= 0x20 && c != 0x7f && c != '\\' &&
			      !(mode == PT_TEXT_SD && (c == '"' || c == ']')))) {
			/* copy the run of bytes needing no change at once */
			run = i;
			for (;;) {
				run += k;
				if (run >= end)
					break;
				k = utf8_seq(p + run, end - run);
				c = p[run];
				if (!(k > 1 || (k == 1 && c >= 0x20 && c != 0x7f && c != '\\' &&
						!(mode == PT_TEXT_SD && (c == '"' || c == ']')))))
					break;
			}
			pt_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		if (mode == PT_TEXT_SD) {
			if (c == '"' || c == '\\' || c == ']') {
				pt_buf_addc(b, '\\');
				pt_buf_addc(b, (char)c);
			} else {
				add_fffd(b); /* control character or invalid byte */
			}
		} else {
			switch (c) {
			case '\\': pt_buf_add(b, "\\\\", 2); break;
			case '\n': pt_buf_add(b, "\\n", 2); break;
			case '\r': pt_buf_add(b, "\\r", 2); break;
			case '\t': pt_buf_add(b, "\\t", 2); break;
			case 0x1b: pt_buf_add(b, "\\e", 2); break;
			default: pt_buf_printf(b, "\\x%02x", c); break;
			}
		}
		i++;
	}
	if (end < n)
		pt_buf_adds(b, PT_CUT_MARKER);
}

/* ---- JSON within a size limit ----------------------------------------------- */

static size_t longest_cmdline(const struct pt_event *ev, size_t nproc)
{
	size_t i, m = 0;

	for (i = 0; i < nproc; i++) {
		size_t l = strlen(ev->proctree[i].cmdline);

		if (l > m)
			m = l;
	}
	return m;
}

/*
 * Serialise cp (a copy of ev) with every cmdline longer than cap cut to cap
 * bytes plus the marker and only the first nproc ancestors.  store holds
 * ev->nproc * (cap + sizeof(PT_CUT_MARKER)) bytes.
 */
static void fit_attempt(struct pt_buf *b, struct pt_event *cp, const struct pt_event *ev,
			size_t cap, size_t nproc, char *store, size_t max, pt_json_ser ser)
{
	size_t i, slot = cap + sizeof(PT_CUT_MARKER);

	memcpy(cp->error, ev->error, sizeof(cp->error));
	cp->nproc = nproc;
	for (i = 0; i < nproc; i++) {
		const char *c = ev->proctree[i].cmdline;
		size_t l = strlen(c), k;

		cp->proctree[i].cmdline = c;
		if (l <= cap)
			continue;
		k = pt_utf8_cut(c, l, cap);
		memcpy(store + i * slot, c, k);
		memcpy(store + i * slot + k, PT_CUT_MARKER, sizeof(PT_CUT_MARKER));
		cp->proctree[i].cmdline = store + i * slot;
	}
	if (nproc < ev->nproc)
		pt_event_add_error(cp, "ancestry cut to %zu of %zu, cmdlines to %zu bytes (size limit %zu)",
				   nproc, ev->nproc, cap, max);
	else
		pt_event_add_error(cp, "cmdlines cut to %zu bytes (size limit %zu)", cap, max);
	ser(b, cp);
}

int pt_json_fit(struct pt_buf *b, const struct pt_event *ev, size_t max, pt_json_ser ser)
{
	size_t start = b->len, nproc, longest, cap;
	struct pt_event *cp = NULL;
	char *store = NULL;
	int err = -EMSGSIZE;

	ser(b, ev);
	if (b->oom)
		return -ENOMEM;
	if (b->len - start <= max)
		return 0;
	b->len = start;
	nproc = ev->nproc < PT_MAX_DEPTH ? ev->nproc : PT_MAX_DEPTH;
	longest = longest_cmdline(ev, nproc);
	cp = malloc(sizeof(*cp));
	if (!cp)
		return -ENOMEM;
	*cp = *ev;
	cap = max / (nproc + 1);
	if (longest && cap >= longest)
		cap = longest - 1;
	if (cap < 8)
		cap = 8;
	store = malloc((nproc ? nproc : 1) * (cap + sizeof(PT_CUT_MARKER)));
	if (!store) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		fit_attempt(b, cp, ev, cap, nproc, store, max, ser);
		if (b->oom) {
			err = -ENOMEM;
			break;
		}
		if (b->len - start <= max) {
			err = 0;
			break;
		}
		b->len = start;
		if (cap > 8)
			cap = cap / 2 > 8 ? cap / 2 : 8;
		else if (nproc > 1)
			nproc /= 2;
		else
			break;
	}
out:
	if (err)
		b->len = start;
	free(store);
	free(cp);
	return err;
}

/* ---- journald summary --------------------------------------------------------- */

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

static void put_proc(struct pt_buf *b, const struct pt_event_proc *p)
{
	pt_proc_name(b, p);
	pt_buf_printf(b, "[%u]", p->pid);
}

void pt_event_summary(struct pt_buf *b, const struct pt_event *ev)
{
	size_t i, n = ev->nproc < PT_MAX_DEPTH ? ev->nproc : PT_MAX_DEPTH;
	const char *probe = ev->probe ? ev->probe : "event";

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
	if (ev->daddr[0]) {
		pt_buf_adds(b, " connected to ");
		put_addr_port(b, ev->daddr, ev->port);
		if (ev->saddr[0])
			pt_buf_printf(b, " from %s", ev->saddr);
	} else if (ev->laddr[0]) {
		pt_buf_printf(b, " listening on %s ", ev->protocol ? ev->protocol : "");
		put_addr_port(b, ev->laddr, ev->port);
	} else if (ev->ndests && ev->dests) {
		pt_buf_printf(b, " sent %s to %zu destination%s, first ",
			      ev->protocol ? ev->protocol : "udp", ev->ndests,
			      ev->ndests == 1 ? "" : "s");
		put_addr_port(b, ev->dests[0].daddr, ev->dests[0].port);
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

void pt_json_record_type(const char *json, size_t len, char *out, size_t outlen)
{
	static const char key[] = "\"type\":\"";
	const char *p = memmem(json, len, key, sizeof(key) - 1), *end = json + len;
	size_t n = 0;

	if (!outlen)
		return;
	out[0] = '\0';
	if (!p)
		return;
	for (p += sizeof(key) - 1; p < end && n + 1 < outlen; p++, n++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			break;
		out[n] = *p;
	}
	if (p >= end || *p != '"')
		n = 0; /* not a plain [a-z0-9_]+ string that fits */
	out[n] = '\0';
}

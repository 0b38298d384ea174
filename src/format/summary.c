// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The one-line summary of an event (see summary.h). */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "text.h"

#define NAME_COLS 32   /* a user or container name, at most */
#define ERROR_COLS 128
#define SESSION_DESTS 3 /* destinations named; the others counted */

/* SGR sequences (ECMA-48) */
#define SGR_PROBE "\033[1;36m" /* bold cyan */
#define SGR_ADDR "\033[33m"    /* yellow */
#define SGR_USER "\033[32m"    /* green */
#define SGR_ROOT "\033[1;31m"  /* bold red: uid 0 stands out */
#define SGR_RESET "\033[0m"

/* The line being written, and its width so far (colours do not count). */
struct line {
	struct pt_buf *b;
	size_t cols;
	bool colour;
};

static void lit(struct line *l, const char *s)
{
	pt_buf_adds(l->b, s);
	l->cols += strlen(s);
}

/* pre, the decimal v, post (no printf: this runs for every process shown, and again to measure) */
static void lit_u(struct line *l, const char *pre, uint64_t v, const char *post)
{
	char d[20];
	size_t n = pt_fmt_u64(d, v);

	lit(l, pre);
	pt_buf_add(l->b, d, n);
	l->cols += n;
	lit(l, post);
}

/* Text from the event, escaped, in at most max columns. */
static void txt(struct line *l, const char *s, size_t max)
{
	l->cols += pt_text_append_cols(l->b, s, strlen(s), max, PT_TEXT_HUMAN);
}

static void sgr(struct line *l, const char *seq)
{
	if (l->colour)
		pt_buf_adds(l->b, seq);
}

static void addr_port(struct line *l, const char *addr, uint16_t port)
{
	sgr(l, SGR_ADDR);
	if (strchr(addr, ':')) { /* IPv6 */
		lit(l, "[");
		txt(l, addr, NAME_COLS + 16);
		lit(l, "]");
	} else {
		txt(l, addr, NAME_COLS + 16);
	}
	lit_u(l, ":", port, "");
	sgr(l, SGR_RESET);
}

/*
 * " [container NAME]" (its short id when it has no name yet), with
 * " of pod NAMESPACE/POD" for Kubernetes.
 */
static void put_container(struct line *l, const struct pt_event *ev)
{
	const struct pt_event_container *c = ev->container;

	if (!c || !c->id)
		return;
	lit(l, " container ");
	if (c->name && c->name[0])
		txt(l, c->name, NAME_COLS * 2);
	else
		l->cols += pt_text_append_cols(l->b, c->id, strnlen(c->id, 12), 12,
					       PT_TEXT_HUMAN); /* a short id */
	if (c->pod && c->pod[0] && (!c->name || strcmp(c->pod, c->name))) {
		lit(l, " of pod ");
		if (c->pod_namespace && c->pod_namespace[0]) {
			txt(l, c->pod_namespace, NAME_COLS * 2);
			lit(l, "/");
		}
		txt(l, c->pod, NAME_COLS * 2);
	}
}

/* dns: " (name)" after an address whose name is known */
static void put_name(struct line *l, const struct pt_event_name *n)
{
	if (!n->name || !n->name[0])
		return;
	lit(l, " (");
	txt(l, n->name, NAME_COLS * 2);
	lit(l, ")");
}

/* The probe and the addresses that matter for its shape. */
static void put_head(struct line *l, const struct pt_event *ev)
{
	const char *probe = ev->probe ? ev->probe->name : "event";
	size_t i;

	sgr(l, SGR_PROBE);
	txt(l, probe, NAME_COLS);
	sgr(l, SGR_RESET);
	switch (ev->probe ? ev->probe->shape : PT_SHAPE_PROCESS) {
	case PT_SHAPE_CONNECT:
		if (!ev->daddr[0])
			break;
		lit(l, " ");
		addr_port(l, ev->daddr, ev->port);
		put_name(l, &ev->peer_name);
		break;
	case PT_SHAPE_LISTEN:
		if (ev->protocol) {
			lit(l, " ");
			txt(l, ev->protocol, 8);
		}
		if (ev->laddr[0]) {
			lit(l, " ");
			addr_port(l, ev->laddr, ev->port);
		}
		break;
	case PT_SHAPE_SESSION:
		if (!ev->dests || !ev->ndests)
			break;
		lit(l, " ");
		txt(l, ev->protocol ? ev->protocol : "udp", 8);
		for (i = 0; i < ev->ndests && i < SESSION_DESTS; i++) {
			lit(l, i ? ", " : " ");
			addr_port(l, ev->dests[i].daddr, ev->dests[i].port);
			put_name(l, &ev->dests[i].name);
		}
		if (ev->ndests > SESSION_DESTS) {
			lit_u(l, " +", ev->ndests - SESSION_DESTS, " more");
		}
		break;
	case PT_SHAPE_ACCEPT:
		if (!ev->saddr[0])
			break;
		lit(l, " accepted from ");
		addr_port(l, ev->saddr, ev->sport);
		put_name(l, &ev->peer_name);
		lit(l, " on ");
		addr_port(l, ev->daddr, ev->port);
		break;
	case PT_SHAPE_PROCESS:
		break;
	}
	put_container(l, ev);
}

/* Which processes are shown: all, or with a width the first and the last. */
static size_t shown(const struct pt_event *ev, size_t width, size_t *idx)
{
	size_t n = ev->nproc < PT_MAX_DEPTH ? ev->nproc : PT_MAX_DEPTH, k = 0;

	for (size_t i = 0; i < n; i++) {
		if (width && n > PT_SUMMARY_TREE_MAX && i == PT_SUMMARY_TREE_MAX - 1)
			i = n - 1; /* "..." in between */
		idx[k++] = i;
	}
	return k;
}

/* The user is shown after the process itself and where it changes. */
static bool user_shown(const struct pt_event *ev, const size_t *idx, size_t k)
{
	return k == 0 ||
	       strcmp(ev->proctree[idx[k]].username, ev->proctree[idx[k - 1]].username) != 0;
}

static void put_user(struct line *l, const char *user)
{
	lit(l, " ");
	sgr(l, strcmp(user, "root") ? SGR_USER : SGR_ROOT);
	txt(l, user, NAME_COLS);
	sgr(l, SGR_RESET);
}

static const char *cmdline_of(const struct pt_event_proc *p)
{
	return p->cmdline[0] ? p->cmdline : "?";
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * The most columns any of the k cmdlines of widths cols may have so that
 * their sum fits in avail (the longest are shortened first), at least
 * PT_SUMMARY_MIN_CMD; (size_t)-1 when all fit as they are.
 */
static size_t cmd_cap(const size_t *cols, size_t k, size_t avail)
{
	size_t sorted[PT_MAX_DEPTH], left = avail;

	memcpy(sorted, cols, k * sizeof(*cols));
	qsort(sorted, k, sizeof(*sorted), cmp_size);
	for (size_t i = 0; i < k; i++) {
		size_t rest = k - i;

		if (sorted[i] * rest > left) {
			size_t cap = left / rest;

			return cap < PT_SUMMARY_MIN_CMD ? PT_SUMMARY_MIN_CMD : cap;
		}
		left -= sorted[i];
	}
	return (size_t)-1;
}

/* The whole line, cmdline i in at most caps[i] columns (0: none, to measure the rest). */
static void put_line(struct line *l, const struct pt_event *ev, const size_t *idx, size_t k,
		     const size_t *caps)
{
	put_head(l, ev);
	if (!k)
		lit_u(l, " pid ", ev->pid, "");
	for (size_t i = 0; i < k; i++) {
		const struct pt_event_proc *p = &ev->proctree[idx[i]];

		if (i)
			lit(l, idx[i] == idx[i - 1] + 1 ? " <- " : " <- ... <- ");
		else
			lit(l, " ");
		txt(l, cmdline_of(p), caps ? caps[i] : (size_t)-1);
		lit_u(l, "[", p->pid, "]");
		if (user_shown(ev, idx, i))
			put_user(l, p->username);
	}
	if (k && idx[k - 1] + 1 < (ev->nproc < PT_MAX_DEPTH ? ev->nproc : PT_MAX_DEPTH))
		lit(l, " <- ..."); /* the top of the tree left out */
	if (ev->error[0]) {
		lit(l, " (");
		l->cols += pt_text_append_cols(l->b, ev->error, strnlen(ev->error, sizeof(ev->error)),
					       ERROR_COLS, PT_TEXT_HUMAN);
		lit(l, ")");
	}
}

/*
 * Fit the line in width: what the line takes without its cmdlines is what
 * they cannot have.  The process's own cmdline gets two thirds of the
 * rest, or all it needs, and what the ancestors leave; they share the rest,
 * the longest shortened first.  When the ancestors do not fit in their
 * share even shortened, they are left out from the top down (pid 1 stays
 * while it can), down to the process and its parent.
 */
static void fit(const struct pt_event *ev, size_t width, size_t *idx, size_t *k, size_t *caps)
{
	size_t all[PT_MAX_DEPTH], cols[PT_MAX_DEPTH], zero[PT_MAX_DEPTH] = { 0 };
	struct pt_buf tmp; /* the line without its cmdlines, measured (one buffer for every try) */

	pt_buf_init(&tmp);

	/* (a cmdline wider than the whole line is as good as that wide) */
	for (size_t i = 0; i < *k; i++) {
		const char *c = cmdline_of(&ev->proctree[idx[i]]);

		all[idx[i]] = pt_text_cols(c, strlen(c), width + 1, PT_TEXT_HUMAN);
	}
	for (;;) {
		struct line m = { .b = &tmp };
		size_t avail, leaf_min, leaf, need = 0, cap, used = 0;

		pt_buf_reset(&tmp);
		put_line(&m, ev, idx, *k, zero);
		avail = width > m.cols ? width - m.cols : 0;
		for (size_t i = 0; i < *k; i++) {
			cols[i] = all[idx[i]];
			if (i)
				need += min_sz(cols[i], PT_SUMMARY_MIN_CMD);
		}
		leaf_min = min_sz(cols[0], 2 * PT_SUMMARY_MIN_CMD);
		leaf = min_sz(cols[0], avail * 2 / 3 > leaf_min ? avail * 2 / 3 : leaf_min);
		if (leaf + need > avail && *k > 2) {
			/* leave out the ancestor below the top one; at last the top one */
			if (*k > 3)
				idx[*k - 2] = idx[*k - 1];
			(*k)--;
			continue;
		}
		cap = *k > 1 ? cmd_cap(cols + 1, *k - 1, avail > leaf ? avail - leaf : 0) : 0;
		for (size_t i = 1; i < *k; i++) {
			caps[i] = cap;
			used += min_sz(cols[i], cap);
		}
		caps[0] = avail > used ? avail - used : 0;
		if (caps[0] < leaf_min)
			caps[0] = leaf_min;
		pt_buf_free(&tmp);
		return;
	}
}

void pt_event_summary(struct pt_buf *b, const struct pt_event *ev, const struct pt_summary_opts *o)
{
	struct line l = { .b = b, .colour = o && o->colour };
	size_t width = o ? o->width : 0, idx[PT_MAX_DEPTH], caps[PT_MAX_DEPTH], k;

	k = shown(ev, width, idx);
	if (width && k) {
		fit(ev, width, idx, &k, caps);
		put_line(&l, ev, idx, k, caps);
	} else {
		put_line(&l, ev, idx, k, NULL);
	}
}

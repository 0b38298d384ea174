// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The event JSON fitted into a size limit (see json_fit.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "json_fit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "utf8.h"

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
 * Serialise cp (a copy of ev) with the first nproc ancestors only, the
 * process's own cmdline cut to lcap bytes and the others to cap (each with
 * the marker).  store holds ev->nproc * (slot) bytes, slot >= both caps +
 * the marker.
 */
static void fit_attempt(struct pt_buf *b, struct pt_event *cp, const struct pt_event *ev,
			size_t lcap, size_t cap, size_t nproc, char *store, size_t slot, size_t max,
			pt_json_ser ser)
{
	size_t i;
	bool cut = false;

	memcpy(cp->error, ev->error, sizeof(cp->error));
	cp->nproc = nproc;
	for (i = 0; i < nproc; i++) {
		const char *c = ev->proctree[i].cmdline;
		size_t l = strlen(c), k, m = i ? cap : lcap;

		cp->proctree[i].cmdline = c;
		if (l <= m)
			continue;
		cut = true;
		k = pt_utf8_cut(c, l, m);
		memcpy(store + i * slot, c, k);
		memcpy(store + i * slot + k, PT_CUT_MARKER, sizeof(PT_CUT_MARKER));
		cp->proctree[i].cmdline = store + i * slot;
	}
	if (nproc < ev->nproc)
		pt_event_add_error(cp, "ancestry cut to %zu of %zu, cmdlines to %zu bytes (size limit %zu)",
				   nproc, ev->nproc, cap, max);
	else if (cut)
		pt_event_add_error(cp, "cmdlines cut to %zu bytes, the process's own to %zu (size limit %zu)",
				   cap, lcap, max);
	ser(b, cp);
}

/*
 * The process's own cmdline matters most (it is what made the connection):
 * it keeps up to a third of the limit while its ancestors' are shortened,
 * and is shortened itself only when theirs are down to the minimum.
 */
int pt_json_fit(struct pt_buf *b, const struct pt_event *ev, size_t max, pt_json_ser ser)
{
	size_t start = b->len, nproc, longest, cap, lcap, slot;
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
	lcap = max / 3 > cap ? max / 3 : cap;
	slot = lcap + sizeof(PT_CUT_MARKER);
	store = malloc((nproc ? nproc : 1) * slot);
	if (!store) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		fit_attempt(b, cp, ev, lcap, cap, nproc, store, slot, max, ser);
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
		else if (lcap > 8)
			lcap = lcap / 2 > 8 ? lcap / 2 : 8;
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

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * journald sink: one journal entry per event with sd_journal_sendv().
 *
 * The fields are format/journald_fields.c's.
 *
 * Values are passed as iovecs; sd_journal_sendv() sends any value holding a
 * newline in journald's binary-safe form (name, 64-bit length, bytes), so no
 * value can start a field of its own.  Every value is at most
 * [journald] field_max bytes (default 64 KiB): strings are cut at a UTF-8
 * boundary and end with "...", the JSON fields are re-serialised with
 * shortened cmdlines (pt_json_fit) so they stay valid JSON.
 *
 * sd_journal_sendv() blocks while journald's socket is full, so entries are
 * built on the event loop and written by a thread behind a bounded queue
 * (queue.h); a journald restart only delays them (the socket is addressed
 * by path on every send).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"
#include "queue.h"
#include "sink.h"
#include "journald_fields.h"

#define JD_QUEUE_BYTES (64u << 20)
#define JD_SOCKET "/run/systemd/journal/socket" /* where libsystemd sends */

struct jd_sink {
	struct pt_sink base;
	struct pt_journald_opts o;
	struct pt_async *q;
	struct pt_jd_fields f;
	unsigned int warned_overflow;
	uint64_t not_built; /* events lost before the queue (out of memory) */
	struct pt_loss_report rep;
	struct pt_link link; /* journald's state, as the writer thread sees it */
};

/* A queued record: uint32_t n, uint32_t len[n], then the n "NAME=value" strings. */
static int jd_emit(struct pt_sink *base, const struct pt_event *ev, const char *json, size_t len)
{
	struct jd_sink *s = (struct jd_sink *)base;
	size_t hdr;
	uint32_t *rec;

	if (!pt_jd_fields_build(&s->f, ev, json, len)) {
		s->not_built++;
		return -ENOMEM;
	}
	if (s->f.overflow && !s->warned_overflow++)
		pt_warn("journald sink: more than %d fields in an event; the rest left out",
			PT_JD_MAX_FIELDS);
	hdr = (1 + s->f.n) * sizeof(uint32_t);
	rec = malloc(hdr + s->f.data.len);
	if (!rec) {
		s->not_built++;
		return -ENOMEM;
	}
	rec[0] = (uint32_t)s->f.n;
	memcpy(rec + 1, s->f.lens, s->f.n * sizeof(uint32_t));
	memcpy((char *)rec + hdr, s->f.data.data, s->f.data.len);
	return pt_async_push(s->q, rec, hdr + s->f.data.len);
}

/* Writer thread. */
static int jd_deliver(void *ctx, const void *rec, size_t len)
{
	struct jd_sink *s = ctx;
	const uint32_t *hdr = rec;
	struct iovec iov[PT_JD_MAX_FIELDS];
	const char *p;
	uint32_t i, n = hdr[0];
	int r;

	if (n > PT_JD_MAX_FIELDS)
		return -EINVAL;
	p = (const char *)(hdr + 1 + n);
	for (i = 0; i < n; i++) {
		iov[i].iov_base = (void *)p;
		iov[i].iov_len = hdr[1 + i];
		p += hdr[1 + i];
	}
	/*
	 * sd_journal_sendv() reports success when the socket does not exist
	 * ("fail silently if the journal is not available"): check first, so
	 * a journald that is not (yet) running holds events instead of
	 * losing them uncounted.
	 */
	if (access(JD_SOCKET, F_OK))
		r = -errno;
	else
		r = sd_journal_sendv(iov, (int)n);
	if (r == 0) {
		pt_link_up(&s->link);
		return 0;
	}
	if (r == -EINVAL) {
		pt_link_refused(&s->link, -r);
		return r;
	}
	pt_link_down(&s->link, -r);
	return -EAGAIN;
}

static int jd_flush(struct pt_sink *base)
{
	struct jd_sink *s = (struct jd_sink *)base;
	struct pt_async_stats st;

	pt_link_report(&s->link, "journald sink");
	pt_async_get_stats(s->q, &st);
	pt_sink_report(base, "journald sink", &st, s->not_built, &s->rep, false);
	return 0;
}

static uint64_t jd_destroy(struct pt_sink *base)
{
	struct jd_sink *s = (struct jd_sink *)base;
	struct pt_async_stats st;
	uint64_t dropped;

	pt_async_stop(s->q, PT_SINK_DRAIN_MS, &st);
	pt_link_report(&s->link, "journald sink");
	pt_sink_report(base, "journald sink", &st, s->not_built, &s->rep, true);
	dropped = base->dropped;
	pt_jd_fields_free(&s->f);
	free(s);
	return dropped;
}

static int jd_health(struct pt_sink *base, char *why, size_t len)
{
	struct jd_sink *s = (struct jd_sink *)base;

	return pt_link_health(&s->link, "journald sink", why, len);
}

static const struct pt_sink_ops jd_ops = {
	.name = "journald",
	.emit = jd_emit,
	.flush = jd_flush,
	.destroy = jd_destroy,
	.health = jd_health,
};

static const struct pt_async_ops jd_async_ops = {
	.deliver = jd_deliver,
};

int pt_sink_journald_open(struct pt_sink **out, const struct pt_journald_opts *o)
{
	struct jd_sink *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &jd_ops;
	s->o = *o;
	if (s->o.field_max < 1024)
		s->o.field_max = 1024;
	pt_jd_fields_init(&s->f, &s->o);
	err = pt_async_start(&s->q, "journald sink", o->queue_len ? o->queue_len : 4096,
			     JD_QUEUE_BYTES, &jd_async_ops, s);
	if (err) {
		free(s);
		return err;
	}
	*out = &s->base;
	return 0;
}

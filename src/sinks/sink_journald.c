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
 * by path on every send).  It has no timeout either: before each send the
 * writer waits at most JD_ROOM_WAIT_MS for journald's socket to have room
 * (POLLOUT on a socket of our own connected to it, which a unix datagram
 * socket reports only while the receiver's queue is not full), and holds
 * the entry for a retry otherwise, so that a stopped journald leaves the
 * writer in the queue's backoff, where a stop finds it, not in sendmsg(2).
 * (A send can still block when the queue fills between the poll and the
 * send; the queue then leaves the writer to end on its own, queue.h.)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"
#include "queue.h"
#include "sink.h"
#include "journald_fields.h"

#define JD_QUEUE_BYTES (64u << 20)
#define JD_SOCKET "/run/systemd/journal/socket" /* where libsystemd sends */
#define JD_ROOM_WAIT_MS 100

struct jd_sink {
	struct pt_sink base;
	struct pt_journald_opts o;
	struct pt_async *q;
	struct pt_jd_fields f;
	unsigned int warned_overflow;
	uint64_t not_built; /* events lost before the queue (out of memory) */
	struct pt_loss_report rep;
	struct pt_link link; /* journald's state, as the writer thread sees it */
	/* writer thread only: connected to JD_SOCKET, to poll it for room */
	int room_fd;
	dev_t room_dev;
	ino_t room_ino;
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

static void room_close(struct jd_sink *s)
{
	if (s->room_fd >= 0)
		close(s->room_fd);
	s->room_fd = -1;
}

/*
 * Writer thread: 0 when journald's socket exists and has room for a
 * datagram within JD_ROOM_WAIT_MS, else -errno (-EAGAIN: full).  The
 * socket is connected again when journald's changed (a restart makes a
 * new one at the same path).
 */
static int wait_room(struct jd_sink *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = JD_SOCKET };
	struct pollfd p = { .events = POLLOUT };
	struct stat st;
	int r;

	if (stat(JD_SOCKET, &st))
		return -errno;
	if (s->room_fd < 0 || st.st_dev != s->room_dev || st.st_ino != s->room_ino) {
		room_close(s);
		s->room_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s->room_fd < 0)
			return -errno;
		if (connect(s->room_fd, (struct sockaddr *)&sun, sizeof(sun))) {
			r = -errno;
			room_close(s);
			return r;
		}
		s->room_dev = st.st_dev;
		s->room_ino = st.st_ino;
	}
	p.fd = s->room_fd;
	do
		r = poll(&p, 1, JD_ROOM_WAIT_MS);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -EAGAIN; /* journald is not reading */
	if (p.revents & (POLLERR | POLLHUP)) {
		room_close(s); /* journald went away: connect again next time */
		return -EAGAIN;
	}
	return 0;
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
	r = wait_room(s);
	if (r == 0)
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

static void jd_retire(struct pt_sink *base)
{
	pt_async_close(((struct jd_sink *)base)->q, PT_SINK_DRAIN_MS);
}

static bool jd_retired(struct pt_sink *base)
{
	return pt_async_closed(((struct jd_sink *)base)->q);
}

static uint64_t jd_destroy(struct pt_sink *base)
{
	struct jd_sink *s = (struct jd_sink *)base;
	struct pt_loss_report rep = s->rep;
	uint64_t not_built = s->not_built;
	struct pt_sink counts = *base;
	struct pt_async_stats st;

	pt_link_report(&s->link, "journald sink");
	pt_jd_fields_free(&s->f);
	pt_async_stop(s->q, PT_SINK_DRAIN_MS, &st); /* s is the queue's now (jd_release) */
	pt_sink_report(&counts, "journald sink", &st, not_built, &rep, true);
	return counts.dropped;
}

/* Whichever side ends last: the writer thread is done with s. */
static void jd_release(void *ctx)
{
	struct jd_sink *s = ctx;

	room_close(s);
	free(s);
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
	.retire = jd_retire,
	.retired = jd_retired,
};

static const struct pt_async_ops jd_async_ops = {
	.deliver = jd_deliver,
	.release = jd_release,
};

int pt_sink_journald_open(struct pt_sink **out, const struct pt_journald_opts *o)
{
	struct jd_sink *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &jd_ops;
	s->room_fd = -1;
	s->o = *o;
	if (s->o.field_max < 1024)
		s->o.field_max = 1024;
	pt_jd_fields_init(&s->f, &s->o);
	err = pt_async_start(&s->q, "journald sink", o->queue_len ? o->queue_len : 4096,
			     JD_QUEUE_BYTES, &jd_async_ops, s);
	if (err) {
		pt_jd_fields_free(&s->f);
		free(s);
		return err;
	}
	*out = &s->base;
	return 0;
}

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
 * built on the event loop and written by a thread behind a queue bounded in
 * bytes ([journald] queue_size, queue.h); a journald restart only delays
 * them (the socket is addressed by path on every send).  It has no timeout
 * either: before each send the writer waits at most JD_ROOM_WAIT_MS for
 * journald's socket to have room (POLLOUT on a socket of our own connected
 * to it, which a unix datagram socket reports only while the receiver's
 * queue is not full), and holds the entry for a retry otherwise, so that a
 * stopped journald leaves the writer in the queue's backoff, where a stop
 * finds it, not in sendmsg(2).  (A send can still block when the queue
 * fills between the poll and the send; the queue then leaves the writer to
 * end on its own, queue.h.)
 *
 * sd_journal_sendv() also reports success when the socket does not exist
 * ("fail silently if the journal is not available"), which would lose
 * entries uncounted: the socket is checked with stat(2) before the first
 * send, after any failure, and whenever an inotify watch on its directory
 * says it was removed, replaced or renamed; the watch's descriptor is
 * polled with the room socket, in the same poll(2).  So a delivered entry
 * costs two system calls, the poll and libsystemd's sendmsg(2).  Without
 * inotify (out of instances), every send is preceded by a stat, as the
 * price of never losing an entry silently.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
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

#define JD_DIR "/run/systemd/journal"
#define JD_SOCKET JD_DIR "/socket" /* where libsystemd sends */
#define JD_ROOM_WAIT_MS 100
/* what can make JD_SOCKET another socket, or none */
#define JD_WATCH_MASK                                                                        \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
	 IN_ONLYDIR)

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
	int ino_fd, ino_wd; /* inotify on JD_DIR; -1: none */
	bool check;         /* stat JD_SOCKET before the next send */
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

/* Writer thread: read what the watch saw; any of it means "check again". */
static void watch_drain(struct jd_sink *s)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	ssize_t n;

	while ((n = read(s->ino_fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)p;
			if (e->mask & IN_IGNORED)
				s->ino_wd = -1; /* the directory went away: watch again */
		}
	s->check = true;
}

/*
 * Writer thread: make room_fd a socket connected to the JD_SOCKET there is
 * now (a restarted journald makes a new one at the same path).  The watch
 * is set first, so that a change after the stat is seen.  0 or -errno.
 */
static int room_open(struct jd_sink *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX, .sun_path = JD_SOCKET };
	struct stat st;
	int r;

	if (s->ino_fd >= 0 && s->ino_wd < 0)
		s->ino_wd = inotify_add_watch(s->ino_fd, JD_DIR, JD_WATCH_MASK);
	/* without a watch (no directory yet, no inotify): stat before every send */
	s->check = s->ino_wd < 0;
	if (stat(JD_SOCKET, &st)) {
		s->check = true;
		return -errno;
	}
	if (s->room_fd >= 0 && st.st_dev == s->room_dev && st.st_ino == s->room_ino)
		return 0;
	room_close(s);
	s->room_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->room_fd < 0)
		r = -errno;
	else if (connect(s->room_fd, (struct sockaddr *)&sun, sizeof(sun)))
		r = -errno;
	else
		r = 0;
	if (r) {
		room_close(s);
		s->check = true;
		return r;
	}
	s->room_dev = st.st_dev;
	s->room_ino = st.st_ino;
	return 0;
}

/*
 * Writer thread: 0 when journald's socket exists and has room for a
 * datagram within JD_ROOM_WAIT_MS, else -errno (-EAGAIN: full, or changing
 * under us).  One poll(2) when nothing changed.
 */
static int wait_room(struct jd_sink *s)
{
	struct pollfd p[2];
	nfds_t n;
	int r;

	for (int pass = 0; pass < 2; pass++) {
		if (s->check || s->room_fd < 0) {
			r = room_open(s);
			if (r)
				return r;
		}
		p[0] = (struct pollfd){ .fd = s->room_fd, .events = POLLOUT };
		p[1] = (struct pollfd){ .fd = s->ino_fd, .events = POLLIN };
		n = s->ino_wd >= 0 ? 2 : 1;
		do
			r = poll(p, n, JD_ROOM_WAIT_MS);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return -errno;
		if (n == 2 && p[1].revents) {
			watch_drain(s); /* the socket may be another one now: look again */
			continue;
		}
		if (r == 0)
			return -EAGAIN; /* journald is not reading */
		if (p[0].revents & (POLLERR | POLLHUP)) {
			room_close(s); /* journald went away: connect again next time */
			return -EAGAIN;
		}
		return 0;
	}
	return -EAGAIN;
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
	/* the socket exists and has room (see the top of this file) */
	r = wait_room(s);
	if (r == 0)
		r = sd_journal_sendv(iov, (int)n);
	if (r == 0) {
		pt_link_up(&s->link);
		return 0;
	}
	s->check = true; /* whatever failed, look at the socket again first */
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
	pt_async_kick(s->q); /* the batch's records, at once */
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
	if (s->ino_fd >= 0)
		close(s->ino_fd);
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
	struct pt_async_limits lim;
	struct jd_sink *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &jd_ops;
	s->base.no_event_json = !o->event_json; /* PIDTREE_EVENT_JSON is the only use */
	s->room_fd = -1;
	s->ino_wd = -1;
	s->check = true;
	s->o = *o;
	if (s->o.field_max < 1024)
		s->o.field_max = 1024;
	lim.max_bytes = o->queue_size ? o->queue_size : PT_QUEUE_DEFAULT_SIZE;
	lim.max_items = o->queue_len;
	/* no inotify: the writer checks the socket before every send instead */
	s->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s->ino_fd < 0)
		pt_dbg("journald sink: no inotify (%s): the socket is checked before every entry",
		       strerror(errno));
	pt_jd_fields_init(&s->f, &s->o);
	err = pt_async_start(&s->q, "journald sink", &lim, &jd_async_ops, s);
	if (err) {
		pt_jd_fields_free(&s->f);
		if (s->ino_fd >= 0)
			close(s->ino_fd);
		free(s);
		return err;
	}
	*out = &s->base;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RFC 5424 syslog sink: one record per event (format/rfc5424.c) to
 *   unix:PATH        a datagram socket, addressed by path on every send, so
 *                    a restarted syslog daemon is found again (default
 *                    /dev/log);
 *   udp://HOST:PORT  one datagram per record (RFC 5426); at most 65507 bytes;
 *   tcp://HOST:PORT  octet counting (RFC 6587 3.4.1: "LEN SP RECORD"), one
 *                    connection, re-established after any error.
 *
 * Records are built on the event loop and written by a thread behind a
 * bounded queue (queue.h): a dead, stopped or slow collector never blocks
 * the loop.  A failed send keeps the record and retries with exponential
 * backoff (100 ms to 10 s), reconnecting first; records that do not fit in
 * the queue ([syslog] queue_size bytes, queue_len records) meanwhile are
 * dropped and counted, and the count is logged.
 * Sockets have a 5 s send timeout so the thread never hangs for good.
 *
 * Over TCP, a record written to a connection the collector has already
 * closed would vanish without an error; before each write the socket is
 * polled for the collector's FIN/RST, so a stopped collector is noticed and
 * the record goes to the next connection instead.  A backlog goes out in
 * batches, up to 64 records (256 KiB) per sendmsg(2) (sl_deliver_many).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "json.h"
#include "log.h"
#include "queue.h"
#include "sink.h"
#include "rfc5424.h"

#define SL_IO_TIMEOUT_MS 5000

struct sl_sink {
	struct pt_sink base;
	struct pt_syslog_opts o;
	struct pt_syslog_target t;
	struct pt_syslog_fmt fmt;
	char hostname[PT_HOSTNAME_MAX + 1];
	char name[640];
	struct pt_async *q;
	struct pt_buf buf;
	uint64_t not_built;
	bool warned_size;
	struct pt_loss_report rep;
	struct pt_link link; /* the collector's state, as the writer thread sees it */
	/* writer thread only */
	int fd;
	struct sockaddr_un sun;
};

static void set_timeout(int fd)
{
	struct timeval tv = { .tv_sec = SL_IO_TIMEOUT_MS / 1000 };

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Non-blocking connect bounded by SL_IO_TIMEOUT_MS, then back to blocking. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int flags = fcntl(fd, F_GETFL), err = 0, r;
	socklen_t elen = sizeof(err);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK))
		return -errno;
	if (connect(fd, sa, len) == 0)
		goto done;
	if (errno != EINPROGRESS)
		return -errno;
	do
		r = poll(&p, 1, SL_IO_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		return -errno;
	if (err)
		return -err;
done:
	if (fcntl(fd, F_SETFL, flags))
		return -errno;
	return 0;
}

static int sl_connect(struct sl_sink *s)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	int fd, r, err = -EHOSTUNREACH;

	if (s->t.transport == PT_SYSLOG_UNIX) {
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		set_timeout(fd);
		s->fd = fd;
		return 0;
	}
	hints.ai_socktype = s->t.transport == PT_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV;
	r = getaddrinfo(s->t.host, s->t.port, &hints, &res);
	if (r)
		return r == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		err = connect_timeout(fd, ai->ai_addr, ai->ai_addrlen);
		if (!err) {
			set_timeout(fd);
			s->fd = fd;
			break;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return err;
}

static void sl_close(void *ctx)
{
	struct sl_sink *s = ctx;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* TCP: has the collector closed the connection (FIN or RST pending)? */
static bool peer_closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLRDHUP };
	char scratch[256];
	ssize_t n;

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLRDHUP | POLLHUP | POLLERR))
		return true;
	/* a syslog collector sends nothing: read and ignore whatever it is */
	n = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/*
 * Write iov[0..n-1] whole on the stream; *sent: the bytes written, also
 * when it fails.  0 or -errno.
 */
static int send_stream(struct sl_sink *s, struct iovec *iov, size_t n, size_t *sent)
{
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = n };
	ssize_t k;

	*sent = 0;
	while (mh.msg_iovlen) {
		k = sendmsg(s->fd, &mh, MSG_NOSIGNAL);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*sent += (size_t)k;
		while (mh.msg_iovlen && (size_t)k >= mh.msg_iov->iov_len) {
			k -= (ssize_t)mh.msg_iov->iov_len;
			mh.msg_iov++;
			mh.msg_iovlen--;
		}
		if (mh.msg_iovlen) {
			mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + k;
			mh.msg_iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

static int send_tcp(struct sl_sink *s, const void *rec, size_t len)
{
	char prefix[24];
	struct iovec iov[2] = {
		{ .iov_base = prefix, .iov_len = (size_t)snprintf(prefix, sizeof(prefix), "%zu ", len) },
		{ .iov_base = (void *)rec, .iov_len = len },
	};
	size_t sent;

	return send_stream(s, iov, 2, &sent);
}

static int send_one(struct sl_sink *s, const void *rec, size_t len)
{
	ssize_t n;

	if (s->t.transport == PT_SYSLOG_TCP) {
		if (peer_closed(s->fd))
			return -ECONNRESET;
		return send_tcp(s, rec, len);
	}
	do {
		if (s->t.transport == PT_SYSLOG_UNIX)
			n = sendto(s->fd, rec, len, MSG_NOSIGNAL, (struct sockaddr *)&s->sun,
				   sizeof(s->sun));
		else
			n = send(s->fd, rec, len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

/* Writer thread. */
static int sl_deliver(void *ctx, const void *rec, size_t len)
{
	struct sl_sink *s = ctx;
	int err;

	if (s->fd < 0) {
		err = sl_connect(s);
		if (err)
			goto down;
	}
	err = send_one(s, rec, len);
	if (!err) {
		pt_link_up(&s->link);
		return 0;
	}
	if (err == -EMSGSIZE) {
		pt_link_refused(&s->link, -err);
		return err;
	}
	sl_close(s);
	if (err == -ECONNRESET && !atomic_load(&s->link.down)) {
		/* collector closed the idle connection: reconnect at once, once */
		err = sl_connect(s);
		if (!err) {
			err = send_one(s, rec, len);
			if (!err)
				return 0;
			sl_close(s);
		}
	}
down:
	pt_link_down(&s->link, -err);
	return -EAGAIN;
}

/*
 * Writer thread: records one by one, as deliver() takes them; how many went
 * (see queue.h).
 */
static size_t deliver_each(struct sl_sink *s, const struct iovec *recs, size_t n, int *err)
{
	for (size_t i = 0; i < n; i++) {
		*err = sl_deliver(s, recs[i].iov_base, recs[i].iov_len);
		if (*err)
			return i;
	}
	return n;
}

/*
 * Writer thread: over TCP, a batch of records in one sendmsg(2), each with
 * its octet count: one system call (and one wake-up of the collector) for
 * up to 64 records rather than two calls per record.  What needs the
 * reconnect logic (no connection, or the collector closed it) goes through
 * sl_deliver() record by record.
 */
static size_t sl_deliver_many(void *ctx, const struct iovec *recs, size_t n, int *err)
{
	struct sl_sink *s = ctx;
	char prefix[64][24];
	struct iovec iov[2 * 64];
	size_t i, sent, full = 0, off = 0;
	int r;

	*err = 0;
	if (s->t.transport != PT_SYSLOG_TCP || n == 1 || n > 64 || s->fd < 0 ||
	    peer_closed(s->fd))
		return deliver_each(s, recs, n, err);
	for (i = 0; i < n; i++) {
		iov[2 * i] = (struct iovec){ .iov_base = prefix[i],
			.iov_len = (size_t)snprintf(prefix[i], sizeof(prefix[i]), "%zu ",
						    recs[i].iov_len) };
		iov[2 * i + 1] = recs[i];
	}
	r = send_stream(s, iov, 2 * n, &sent);
	if (!r) {
		pt_link_up(&s->link);
		return n;
	}
	/* the records written whole before the failure count as delivered */
	for (i = 0; i < n; i++) {
		off += iov[2 * i].iov_len + recs[i].iov_len;
		if (off > sent)
			break;
		full++;
	}
	sl_close(s);
	pt_link_down(&s->link, -r);
	*err = -EAGAIN;
	return full;
}

static int sl_emit(struct pt_sink *base, const struct pt_event *ev, const char *json, size_t len)
{
	struct sl_sink *s = (struct sl_sink *)base;
	void *rec;
	int err;

	pt_buf_reset(&s->buf);
	err = pt_syslog_format(&s->buf, &s->fmt, ev, json, len);
	if (err) {
		if (err == -EMSGSIZE && !s->warned_size)
			pt_warn("%s: an event does not fit in max_size %zu bytes; dropped",
				s->name, s->fmt.max_size);
		s->warned_size |= err == -EMSGSIZE;
		s->not_built++;
		return err;
	}
	rec = malloc(s->buf.len);
	if (!rec) {
		s->not_built++;
		return -ENOMEM;
	}
	memcpy(rec, s->buf.data, s->buf.len);
	return pt_async_push(s->q, rec, s->buf.len);
}

static int sl_flush(struct pt_sink *base)
{
	struct sl_sink *s = (struct sl_sink *)base;
	struct pt_async_stats st;

	pt_link_report(&s->link, s->name);
	pt_async_kick(s->q); /* the batch's records, at once */
	pt_async_get_stats(s->q, &st);
	pt_sink_report(base, s->name, &st, s->not_built, &s->rep, false);
	return 0;
}

static void sl_retire(struct pt_sink *base)
{
	pt_async_close(((struct sl_sink *)base)->q, PT_SINK_DRAIN_MS);
}

static bool sl_retired(struct pt_sink *base)
{
	return pt_async_closed(((struct sl_sink *)base)->q);
}

static uint64_t sl_destroy(struct pt_sink *base)
{
	struct sl_sink *s = (struct sl_sink *)base;
	struct pt_loss_report rep = s->rep;
	uint64_t not_built = s->not_built;
	struct pt_sink counts = *base;
	struct pt_async_stats st;
	char name[sizeof(s->name)];

	memcpy(name, s->name, sizeof(name));
	pt_link_report(&s->link, name);
	pt_buf_free(&s->buf);
	pt_async_stop(s->q, PT_SINK_DRAIN_MS, &st); /* s is the queue's now (sl_release) */
	pt_sink_report(&counts, name, &st, not_built, &rep, true);
	return counts.dropped;
}

/* Whichever side ends last: the writer thread is done with s. */
static void sl_release(void *ctx)
{
	sl_close(ctx);
	free(ctx);
}

static int sl_health(struct pt_sink *base, char *why, size_t len)
{
	struct sl_sink *s = (struct sl_sink *)base;

	return pt_link_health(&s->link, s->name, why, len);
}

static const struct pt_sink_ops sl_ops = {
	.name = "syslog",
	.emit = sl_emit,
	.flush = sl_flush,
	.destroy = sl_destroy,
	.health = sl_health,
	.retire = sl_retire,
	.retired = sl_retired,
};

static const struct pt_async_ops sl_async_ops = {
	.deliver = sl_deliver,
	.deliver_many = sl_deliver_many,
	.close = sl_close,
	.release = sl_release,
};

int pt_sink_syslog_open(struct pt_sink **out, const struct pt_syslog_opts *o,
			const struct pt_syslog_target *t)
{
	static const char *const proto[] = { "unix:", "udp://", "tcp://" };
	static int example_noted;
	struct pt_async_limits lim = {
		.max_bytes = o->queue_size ? o->queue_size : PT_QUEUE_DEFAULT_SIZE,
		.max_items = o->queue_len,
	};
	struct sl_sink *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &sl_ops;
	s->fd = -1;
	s->o = *o;
	s->t = *t;
	if (t->transport == PT_SYSLOG_UNIX)
		snprintf(s->name, sizeof(s->name), "syslog sink unix:%s", t->path);
	else
		snprintf(s->name, sizeof(s->name), strchr(t->host, ':') ? "syslog sink %s[%s]:%s" :
			 "syslog sink %s%s:%s", proto[t->transport], t->host, t->port);
	s->sun.sun_family = AF_UNIX;
	snprintf(s->sun.sun_path, sizeof(s->sun.sun_path), "%s", t->path);
	if (o->hostname[0]) {
		snprintf(s->hostname, sizeof(s->hostname), "%s", o->hostname);
	} else if (gethostname(s->hostname, sizeof(s->hostname) - 1)) {
		s->hostname[0] = '\0'; /* NILVALUE */
	}
	s->fmt = (struct pt_syslog_fmt){
		.facility = o->facility,
		.severity = o->severity,
		.hostname = s->hostname,
		.app_name = s->o.app_name,
		.sd_id = s->o.sd_id,
		.procid = (unsigned long)getpid(),
		.max_size = o->max_size ? o->max_size : PT_SYSLOG_DEFAULT_SIZE,
		.bom = o->bom,
	};
	if (t->transport == PT_SYSLOG_UDP && s->fmt.max_size > PT_SYSLOG_UDP_MAX)
		s->fmt.max_size = PT_SYSLOG_UDP_MAX;
	if (!strcmp(s->o.sd_id, PT_SD_ID_EXAMPLE) && !example_noted++)
		pt_log(LOG_NOTICE,
		       "syslog sink: SD-ID %s uses 32473, RFC 5612's documentation example enterprise number, not a number registered to pidtree; set [syslog] sd_id= to NAME@<your IANA Private Enterprise Number>, or \"-\" for no structured data",
		       PT_SD_ID_EXAMPLE);
	pt_buf_init(&s->buf);
	err = pt_async_start(&s->q, s->name, &lim, &sl_async_ops, s);
	if (err) {
		pt_buf_free(&s->buf);
		free(s);
		return err;
	}
	*out = &s->base;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bounded queue drained by one writer thread: how the journald and syslog
 * sinks keep a slow or dead receiver away from the event loop.
 *
 * The event loop (the only producer) formats a record and pushes it; the push
 * never blocks.  The queue is bounded in bytes: every record is charged its
 * length plus PT_ASYNC_REC_COST (what the allocator and the queue's own
 * slot spend on it, rounded up), and a record that would take the charges
 * past max_bytes is dropped and counted, so that max_bytes bounds the
 * memory the queued records hold, whatever their sizes; a record larger
 * than the whole queue is never held (counted apart, too_big).  An
 * optional cap on the number of records (max_items) applies as well.  The
 * ring of slots grows as records come and shrinks back once the queue is
 * empty: an idle queue costs a few KiB.
 *
 * The writer thread hands records one by one to deliver(), or a batch at a
 * time to deliver_many() when the sink has one (a stream transport); a
 * transient failure (-EAGAIN: receiver gone, socket full) keeps the record
 * at the head and retries after an exponential backoff
 * (100 ms doubling to 10 s), so a receiver restart loses nothing as long as
 * the queue does not overflow.  All locking lives in queue.c.
 *
 * Stopping: pt_async_close() starts the drain without waiting (at most
 * drain_ms more); pt_async_stop() waits for it to end.  Nothing is ever
 * cancelled: a thread cancelled inside a library call (libsystemd's send,
 * getaddrinfo) can leave that library's locks held or its descriptors
 * open.  Instead, the thread owns what it touches: ctx is freed by
 * ops->release(), called once after the writer thread's last use of it,
 * by pt_async_stop() when the thread has ended, or by the thread itself
 * when pt_async_stop() gave up waiting for a deliver() stuck past the
 * deadline (the thread was detached; it frees the queue and ctx when
 * deliver() returns).  Records still queued at the deadline, and the one
 * stuck in deliver(), count as lost.
 */
#ifndef PIDTREE_QUEUE_H
#define PIDTREE_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pt_async;
struct iovec;

struct pt_async_ops {
	/*
	 * Write one record.  0: delivered.  -EAGAIN: transient failure, retry
	 * the same record after the backoff.  Other -errno: this record can
	 * never be delivered (counted as lost, the next one is tried).  Runs
	 * on the writer thread; may block.
	 */
	int (*deliver)(void *ctx, const void *rec, size_t len);
	/*
	 * Optional, for transports that can write many records at once (a
	 * stream: one sendmsg for many): write recs[0..n-1] in order and
	 * return how many were delivered from the start; when fewer than n,
	 * *err is the first undelivered one's result as deliver() would give
	 * it (-EAGAIN: retried after the backoff, from that record on).  Used
	 * instead of deliver() when set; n is 1 while the queue is stopping.
	 */
	size_t (*deliver_many)(void *ctx, const struct iovec *recs, size_t n, int *err);
	/* Writer thread, after the last deliver(): close sockets.  Optional. */
	void (*close)(void *ctx);
	/*
	 * Free ctx (see above): the writer thread is done with it.  Required;
	 * the caller of pt_async_stop() must not touch ctx afterwards.
	 */
	void (*release)(void *ctx);
};

/*
 * How much lower the writer thread's priority is than that of the thread
 * that opened the queue (nice, per thread): see lower_priority() in queue.c.
 */
#define PT_ASYNC_NICE 5

/* Bytes charged per record on top of its length (see above). */
#define PT_ASYNC_REC_COST 64u

struct pt_async_limits {
	size_t max_bytes; /* > 0: records' lengths + PT_ASYNC_REC_COST each */
	size_t max_items; /* 0: no cap on the number of records */
};

struct pt_async_stats {
	uint64_t queued;    /* accepted by pt_async_push */
	uint64_t delivered; /* deliver() returned 0 */
	uint64_t full;      /* dropped by pt_async_push: queue full (or closing) */
	uint64_t too_big;   /* dropped by pt_async_push: larger than max_bytes alone */
	uint64_t rejected;  /* deliver() failed for good */
	uint64_t abandoned; /* still queued when pt_async_stop gave up */
	uint64_t retries;   /* transient failures */
	/* a snapshot: records held now (in deliver() included), their charge */
	uint64_t held, held_bytes;
	uint64_t peak_bytes; /* the highest held_bytes so far */
};

/*
 * name is used in log messages ("journald", "syslog tcp://...").  From a
 * successful start on, ctx belongs to the queue (ops->release frees it);
 * after a failure it is still the caller's.
 */
int pt_async_start(struct pt_async **out, const char *name, const struct pt_async_limits *lim,
		   const struct pt_async_ops *ops, void *ctx);
/*
 * Queue rec (malloc'd, len bytes); the queue owns it from now on, whatever
 * the result.  0, -ENOSPC (full or closing: dropped and counted in full) or
 * -EMSGSIZE (len + PT_ASYNC_REC_COST > max_bytes: dropped, counted in
 * too_big).  A push does not wake an idle writer for each record (only
 * when 64 wait): call pt_async_kick() after a batch of pushes.
 */
int pt_async_push(struct pt_async *a, void *rec, size_t len);
/*
 * Wake the writer if it waits for records and some are queued: the sinks
 * call it from flush(), after each batch of ring-buffer records, so that a
 * writer that keeps up is woken once per batch rather than once per event.
 */
void pt_async_kick(struct pt_async *a);
void pt_async_get_stats(struct pt_async *a, struct pt_async_stats *st);
/*
 * The receiver's state as the writer thread sees it, logged by the event
 * loop (pt_link_report, from the sink's flush()), so that only one thread
 * ever writes to the log.
 */
struct pt_link {
	/* written by the writer thread */
	atomic_bool down;
	atomic_int err;            /* errno of the last failure */
	atomic_uint outages;       /* up -> down transitions */
	atomic_uint refused;       /* records refused for good */
	atomic_int refused_err;
	/* event loop only */
	unsigned int outages_seen, refused_seen;
	bool reported_down;
};

/* Writer thread: a delivery failed with -err (transient) / succeeded / was refused. */
void pt_link_down(struct pt_link *l, int err);
void pt_link_up(struct pt_link *l);
void pt_link_refused(struct pt_link *l, int err);
/* Event loop: log what changed since the last call ("NAME: ..."). */
void pt_link_report(struct pt_link *l, const char *name);
/* Event loop: 0 when up, > 0 with the reason in why when down (health check). */
int pt_link_health(struct pt_link *l, const char *name, char *why, size_t len);

/* Records lost so far: queue full, too big, rejected and abandoned. */
static inline uint64_t pt_async_lost(const struct pt_async_stats *st)
{
	return st->full + st->too_big + st->rejected + st->abandoned;
}

/*
 * Start stopping: no record is accepted any more, the writer delivers what
 * is queued for at most drain_ms more, then ends.  Does not wait; a second
 * call keeps the first deadline.
 */
void pt_async_close(struct pt_async *a, unsigned int drain_ms);
/* The writer has ended (after pt_async_close): pt_async_stop will not wait. */
bool pt_async_closed(struct pt_async *a);
/*
 * pt_async_close(a, drain_ms) if not done yet, wait until the writer ends
 * (at most the deadline and a short grace), then free the queue and
 * release ctx, or leave both to a writer stuck in deliver() (see above).
 * *final: the counts at that point.  a and ctx are gone for the caller.
 */
void pt_async_stop(struct pt_async *a, unsigned int drain_ms, struct pt_async_stats *final);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bounded queue drained by one writer thread: how the journald and syslog
 * sinks keep a slow or dead receiver away from the event loop.
 *
 * The event loop (the only producer) formats a record and pushes it; the push
 * never blocks: when the queue holds max_items records or max_bytes bytes the
 * record is dropped and counted.  The writer thread hands records one by one
 * to deliver(); a transient failure (-EAGAIN: receiver gone, socket full)
 * keeps the record at the head and retries after an exponential backoff
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

struct pt_async_ops {
	/*
	 * Write one record.  0: delivered.  -EAGAIN: transient failure, retry
	 * the same record after the backoff.  Other -errno: this record can
	 * never be delivered (counted as lost, the next one is tried).  Runs
	 * on the writer thread; may block.
	 */
	int (*deliver)(void *ctx, const void *rec, size_t len);
	/* Writer thread, after the last deliver(): close sockets.  Optional. */
	void (*close)(void *ctx);
	/*
	 * Free ctx (see above): the writer thread is done with it.  Required;
	 * the caller of pt_async_stop() must not touch ctx afterwards.
	 */
	void (*release)(void *ctx);
};

struct pt_async_stats {
	uint64_t queued;    /* accepted by pt_async_push */
	uint64_t delivered; /* deliver() returned 0 */
	uint64_t full;      /* dropped by pt_async_push: queue full */
	uint64_t rejected;  /* deliver() failed for good */
	uint64_t abandoned; /* still queued when pt_async_stop gave up */
	uint64_t retries;   /* transient failures */
};

/*
 * name is used in log messages ("journald", "syslog tcp://...").  From a
 * successful start on, ctx belongs to the queue (ops->release frees it);
 * after a failure it is still the caller's.
 */
int pt_async_start(struct pt_async **out, const char *name, size_t max_items,
		   size_t max_bytes, const struct pt_async_ops *ops, void *ctx);
/*
 * Queue rec (malloc'd, len bytes); the queue owns it from now on, whatever
 * the result.  0, or -ENOSPC (full: dropped and counted).
 */
int pt_async_push(struct pt_async *a, void *rec, size_t len);
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

/* Records lost so far: queue full, rejected and abandoned. */
static inline uint64_t pt_async_lost(const struct pt_async_stats *st)
{
	return st->full + st->rejected + st->abandoned;
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

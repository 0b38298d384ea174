// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Bounded record queue + writer thread (see queue.h).  The ring of records is
 * protected by one mutex; the event loop holds it only for the few
 * instructions of a push, never across I/O.  The writer thread is never
 * cancelled; one that pt_async_stop() stops waiting for is marked orphaned
 * under the lock, and whichever of the two sides sees the other gone frees
 * the queue and releases ctx, so it happens exactly once.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "queue.h"

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 10000u
#define STOP_GRACE_MS 200u /* after the drain deadline, for a deliver() to return */
#define RING_MIN 64u       /* slots of an idle queue */
#define BATCH_MAX 64u      /* records per deliver_many() */
#define BATCH_BYTES (256u << 10)
#define TRIM_AFTER (8u << 20) /* bytes freed by a drain before the heap is trimmed */
#define KICK_AT 64u           /* records that wake an idle writer without a kick */

struct slot {
	void *rec;
	size_t len;
};

struct pt_async {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* writer: records queued, or stop requested */
	pthread_cond_t done_cond; /* pt_async_stop: writer finished */
	pthread_t thread;
	struct slot *ring;
	size_t cap, head, count;
	size_t bytes, max_bytes, max_items; /* bytes: the records' charges */
	bool closing, done;
	bool idle;     /* the writer waits for records (not for a backoff) */
	bool orphaned; /* pt_async_stop gave up: the writer frees everything */
	size_t freed;  /* writer: bytes freed since the heap was last trimmed */
	struct timespec deadline; /* CLOCK_MONOTONIC, valid when closing */
	unsigned int drain_ms;    /* what the deadline was set to */
	struct pt_async_stats st;
	const struct pt_async_ops *ops;
	void *ctx;
	char name[160];
};

static void ts_now(struct timespec *ts)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
}

static void ts_add_ms(struct timespec *ts, unsigned int ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static bool past_deadline(const struct pt_async *a)
{
	struct timespec now;

	if (!a->closing)
		return false;
	ts_now(&now);
	return !ts_before(&now, &a->deadline);
}

/* Drop every queued record; lock held. */
static void abandon_all(struct pt_async *a)
{
	while (a->count) {
		free(a->ring[a->head].rec);
		a->head = (a->head + 1) % a->cap;
		a->count--;
		a->st.abandoned++;
	}
	a->bytes = 0;
}

static size_t charge(size_t len)
{
	return len + PT_ASYNC_REC_COST;
}

/*
 * Lock held, ring full: twice the slots, the records moved to the start.
 * The writer holds no pointer into the ring across an unlock (it copies
 * the head slot), so moving them is safe.  0 or -ENOMEM.
 */
static int ring_grow(struct pt_async *a)
{
	size_t cap = a->cap * 2, i;
	struct slot *ring;

	if (a->max_items && cap > a->max_items)
		cap = a->max_items;
	ring = malloc(cap * sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	for (i = 0; i < a->count; i++)
		ring[i] = a->ring[(a->head + i) % a->cap];
	free(a->ring);
	a->ring = ring;
	a->cap = cap;
	a->head = 0;
	return 0;
}

/* Lock held, queue empty: give back what a burst made the ring grow to. */
static void ring_shrink(struct pt_async *a)
{
	struct slot *ring;

	if (a->cap <= RING_MIN)
		return;
	ring = malloc(RING_MIN * sizeof(*ring));
	if (!ring)
		return; /* keep the big one */
	free(a->ring);
	a->ring = ring;
	a->cap = RING_MIN;
	a->head = 0;
}

/* Lock held.  Sleep for the backoff, but never past the stop deadline. */
static void backoff_wait(struct pt_async *a, unsigned int ms)
{
	struct timespec until;
	bool was_closing = a->closing;

	ts_now(&until);
	ts_add_ms(&until, ms);
	if (a->closing && ts_before(&a->deadline, &until))
		until = a->deadline;
	for (;;) {
		if (pthread_cond_timedwait(&a->wake, &a->lock, &until) == ETIMEDOUT)
			return;
		if (a->closing && !was_closing) {
			was_closing = true;
			if (ts_before(&a->deadline, &until))
				until = a->deadline;
		}
	}
}

/* The last user of a: free it and release ctx.  Lock not held. */
static void destroy(struct pt_async *a)
{
	pthread_cond_destroy(&a->wake);
	pthread_cond_destroy(&a->done_cond);
	pthread_mutex_destroy(&a->lock);
	a->ops->release(a->ctx);
	free(a->ring);
	free(a);
}

/* Lock held: the head record is done with (r: deliver()'s result, not -EAGAIN). */
static void pop_head(struct pt_async *a, int r)
{
	struct slot s = a->ring[a->head];

	a->ring[a->head].rec = NULL;
	a->head = (a->head + 1) % a->cap;
	a->count--;
	a->bytes -= charge(s.len);
	a->freed += charge(s.len);
	free(s.rec);
	if (r == 0)
		a->st.delivered++;
	else
		a->st.rejected++;
	if (!a->count)
		ring_shrink(a);
}

/*
 * Lock held, queue empty after a drain of at least TRIM_AFTER bytes: give
 * the freed records' pages back to the system, so that a burst does not
 * leave the daemon's RSS at its peak (glibc keeps freed small blocks in its
 * heap otherwise).  Done without the lock: it walks the allocator's arenas.
 */
static void trim_after_drain(struct pt_async *a)
{
	if (a->count || a->freed < TRIM_AFTER)
		return;
	a->freed = 0;
	pthread_mutex_unlock(&a->lock);
	malloc_trim(0);
	pthread_mutex_lock(&a->lock);
}

/*
 * Lock held, a->count > 0: the records to hand over next, copied out of the
 * ring (the producer may move it meanwhile).  One when there is no
 * deliver_many() or when stopping (a stop that gives up on the writer
 * counts what is in its hands as lost: keep that to one record); else up
 * to BATCH_MAX records, BATCH_BYTES in all (at least one).
 */
static size_t take(struct pt_async *a, struct iovec *v)
{
	size_t n = 0, bytes = 0;

	do {
		const struct slot *s = &a->ring[(a->head + n) % a->cap];

		if (n && bytes + s->len > BATCH_BYTES)
			break;
		v[n++] = (struct iovec){ .iov_base = s->rec, .iov_len = s->len };
		bytes += s->len;
	} while (n < a->count && n < BATCH_MAX && a->ops->deliver_many && !a->closing);
	return n;
}

/*
 * The writer runs PT_ASYNC_NICE below the thread that started it (Linux
 * nice values are per thread).  In a burst the event loop, which empties
 * the kernel's ring buffer, must not lose the CPU to the delivery of what
 * it has already queued: a full ring loses records, a queue behind its
 * receiver only holds them (up to its bound) until the burst is over.
 */
static void lower_priority(void)
{
	int nice;

	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (nice == -1 && errno)
		return;
	/* (not fatal: without it the writer competes with the event loop as an equal) */
	(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
			  nice + PT_ASYNC_NICE > 19 ? 19 : nice + PT_ASYNC_NICE);
}

static void *writer(void *arg)
{
	struct pt_async *a = arg;
	unsigned int backoff = 0;
	struct iovec batch[BATCH_MAX];

	lower_priority();
	pthread_mutex_lock(&a->lock);
	for (;;) {
		size_t n, done;
		int r = 0;

		while (!a->count && !a->closing) {
			a->idle = true;
			pthread_cond_wait(&a->wake, &a->lock);
		}
		a->idle = false;
		if (!a->count || past_deadline(a))
			break;
		n = take(a, batch);
		pthread_mutex_unlock(&a->lock);
		if (a->ops->deliver_many) {
			done = a->ops->deliver_many(a->ctx, batch, n, &r);
		} else {
			r = a->ops->deliver(a->ctx, batch[0].iov_base, batch[0].iov_len);
			done = r == 0;
		}
		pthread_mutex_lock(&a->lock);
		if (a->orphaned)
			break; /* counted as lost by pt_async_stop already */
		if (done)
			backoff = 0;
		for (size_t i = 0; i < done; i++)
			pop_head(a, 0);
		if (done == n) {
			trim_after_drain(a);
			continue;
		}
		if (r == -EAGAIN) {
			a->st.retries++;
			backoff = backoff ? backoff * 2 : BACKOFF_MIN_MS;
			if (backoff > BACKOFF_MAX_MS)
				backoff = BACKOFF_MAX_MS;
			backoff_wait(a, backoff);
			continue;
		}
		backoff = 0;
		pop_head(a, r ? r : -EIO); /* refused for good */
	}
	abandon_all(a);
	pthread_mutex_unlock(&a->lock);
	if (a->ops->close)
		a->ops->close(a->ctx);
	pthread_mutex_lock(&a->lock);
	if (a->orphaned) {
		/* nobody waits for us: the queue and ctx are ours to free */
		pthread_mutex_unlock(&a->lock);
		destroy(a);
		return NULL;
	}
	a->done = true;
	pthread_cond_broadcast(&a->done_cond);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

int pt_async_start(struct pt_async **out, const char *name, const struct pt_async_limits *lim,
		   const struct pt_async_ops *ops, void *ctx)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	struct pt_async *a;
	int err;

	if (!lim || lim->max_bytes <= PT_ASYNC_REC_COST || !ops || !ops->deliver || !ops->release)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->cap = lim->max_items && lim->max_items < RING_MIN ? lim->max_items : RING_MIN;
	a->ring = calloc(a->cap, sizeof(*a->ring));
	if (!a->ring) {
		free(a);
		return -ENOMEM;
	}
	a->max_bytes = lim->max_bytes;
	a->max_items = lim->max_items;
	a->ops = ops;
	a->ctx = ctx;
	snprintf(a->name, sizeof(a->name), "%s", name);
	pthread_mutex_init(&a->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->wake, &ca);
	pthread_cond_init(&a->done_cond, &ca);
	pthread_condattr_destroy(&ca);
	/*
	 * The thread starts with every signal blocked: SIGTERM, SIGHUP, ... are
	 * for the event loop's signalfd, and would otherwise be delivered to
	 * (and kill the process through) a thread started before the loop
	 * blocked them.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = -pthread_create(&a->thread, NULL, writer, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pt_err("%s: cannot start the writer thread: %s", a->name, strerror(-err));
		pthread_cond_destroy(&a->wake);
		pthread_cond_destroy(&a->done_cond);
		pthread_mutex_destroy(&a->lock);
		free(a->ring);
		free(a);
		return err;
	}
	*out = a;
	return 0;
}

int pt_async_push(struct pt_async *a, void *rec, size_t len)
{
	int err = -ENOSPC;

	pthread_mutex_lock(&a->lock);
	if (len > a->max_bytes - PT_ASYNC_REC_COST) {
		/* could never be held, however empty the queue: say so apart */
		a->st.too_big++;
		err = -EMSGSIZE;
		goto drop;
	}
	if (a->closing || (a->max_items && a->count == a->max_items) ||
	    charge(len) > a->max_bytes - a->bytes)
		goto full;
	if (a->count == a->cap && ring_grow(a))
		goto full; /* out of memory: as good as full */
	a->ring[(a->head + a->count) % a->cap] = (struct slot){ .rec = rec, .len = len };
	a->count++;
	a->bytes += charge(len);
	if (a->bytes > a->st.peak_bytes)
		a->st.peak_bytes = a->bytes;
	a->st.queued++;
	/*
	 * An idle writer is woken by pt_async_kick() once per batch of
	 * events, not once per record (a wake-up and a context switch each);
	 * only a long batch wakes it from here.  A writer in its backoff is
	 * never woken by records: it would only go back to sleep.
	 */
	if (a->idle && a->count >= KICK_AT)
		pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	return 0;
full:
	a->st.full++;
drop:
	pthread_mutex_unlock(&a->lock);
	free(rec);
	return err;
}

void pt_async_kick(struct pt_async *a)
{
	pthread_mutex_lock(&a->lock);
	if (a->idle && a->count)
		pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
}

/* Lock held. */
static void snapshot(struct pt_async *a, struct pt_async_stats *st)
{
	*st = a->st;
	st->held = a->count;
	st->held_bytes = a->bytes;
}

void pt_async_get_stats(struct pt_async *a, struct pt_async_stats *st)
{
	pthread_mutex_lock(&a->lock);
	snapshot(a, st);
	pthread_mutex_unlock(&a->lock);
}

/* Lock held: wait for the writer to finish, until deadline + extra_ms. */
static void wait_done(struct pt_async *a, unsigned int extra_ms)
{
	struct timespec until = a->deadline;

	ts_add_ms(&until, extra_ms);
	while (!a->done)
		if (pthread_cond_timedwait(&a->done_cond, &a->lock, &until) == ETIMEDOUT)
			break;
}

/* Lock held. */
static void close_locked(struct pt_async *a, unsigned int drain_ms)
{
	if (a->closing)
		return;
	a->closing = true;
	a->drain_ms = drain_ms;
	ts_now(&a->deadline);
	ts_add_ms(&a->deadline, drain_ms);
	pthread_cond_broadcast(&a->wake);
}

void pt_async_close(struct pt_async *a, unsigned int drain_ms)
{
	pthread_mutex_lock(&a->lock);
	close_locked(a, drain_ms);
	pthread_mutex_unlock(&a->lock);
}

bool pt_async_closed(struct pt_async *a)
{
	bool done;

	pthread_mutex_lock(&a->lock);
	done = a->done;
	pthread_mutex_unlock(&a->lock);
	return done;
}

void pt_async_stop(struct pt_async *a, unsigned int drain_ms, struct pt_async_stats *final)
{
	struct pt_async_stats st;
	char name[sizeof(a->name)];
	pthread_t thread;
	size_t left;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	close_locked(a, drain_ms);
	wait_done(a, STOP_GRACE_MS);
	if (!a->done) {
		/*
		 * Stuck in deliver(): the records still queued, the one in
		 * deliver() among them, are lost; the thread frees the queue
		 * and ctx when (if ever) deliver() returns.
		 */
		left = a->count;
		a->st.abandoned += left;
		a->orphaned = true;
		snapshot(a, &st);
		st.held = st.held_bytes = 0; /* all counted as abandoned */
		thread = a->thread;
		memcpy(name, a->name, sizeof(name));
		pthread_mutex_unlock(&a->lock);
		/* from here on a belongs to the thread */
		pthread_detach(thread);
		pt_warn("%s: receiver not responding; %zu records not delivered, the writer thread is left to end on its own",
			name, left);
		if (final)
			*final = st;
		return;
	}
	snapshot(a, &st); /* the writer has ended: nothing held */
	drain_ms = a->drain_ms;
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	if (st.abandoned)
		pt_warn("%s: receiver not responding after %u ms; %llu records not delivered",
			a->name, drain_ms, (unsigned long long)st.abandoned);
	if (final)
		*final = st;
	destroy(a);
}

/* ---- receiver state, logged from the event loop ----------------------------- */

void pt_link_down(struct pt_link *l, int err)
{
	atomic_store(&l->err, err);
	if (!atomic_exchange(&l->down, true))
		atomic_fetch_add(&l->outages, 1);
}

void pt_link_up(struct pt_link *l)
{
	atomic_store(&l->down, false);
}

void pt_link_refused(struct pt_link *l, int err)
{
	atomic_store(&l->refused_err, err);
	atomic_fetch_add(&l->refused, 1);
}

void pt_link_report(struct pt_link *l, const char *name)
{
	unsigned int outages = atomic_load(&l->outages), refused = atomic_load(&l->refused);

	if (outages != l->outages_seen) {
		pt_warn("%s: cannot deliver (%s); holding events and retrying", name,
			strerror(atomic_load(&l->err)));
		l->outages_seen = outages;
		l->reported_down = true;
	}
	if (l->reported_down && !atomic_load(&l->down)) {
		pt_info("%s: delivering again", name);
		l->reported_down = false;
	}
	if (refused != l->refused_seen) {
		pt_warn("%s: %u records refused by the receiver (%s)", name,
			refused - l->refused_seen, strerror(atomic_load(&l->refused_err)));
		l->refused_seen = refused;
	}
}

int pt_link_health(struct pt_link *l, const char *name, char *why, size_t len)
{
	if (!atomic_load(&l->down))
		return 0;
	snprintf(why, len, "%s: down (%s); events are held and retried", name,
		 strerror(atomic_load(&l->err)));
	return 1;
}

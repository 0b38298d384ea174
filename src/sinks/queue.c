// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Bounded record queue + writer thread (see queue.h).  The ring of records is
 * protected by one mutex; the event loop holds it only for the few
 * instructions of a push, never across I/O.  The writer thread runs with
 * cancellation disabled except inside deliver(), so pt_async_stop() can
 * cancel a deliver() stuck on a dead receiver without ever cancelling the
 * thread while it holds the lock.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "queue.h"

#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 10000u
#define CANCEL_WAIT_MS 1000u

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
	size_t cap, head, count, bytes, max_bytes;
	bool closing, done, cancelled;
	struct timespec deadline; /* CLOCK_MONOTONIC, valid when closing */
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

/* Cancellation cleanup: runs only if the thread is cancelled in deliver(). */
static void on_cancel(void *arg)
{
	struct pt_async *a = arg;

	pthread_mutex_lock(&a->lock);
	a->cancelled = true;
	a->done = true;
	pthread_cond_broadcast(&a->done_cond);
	pthread_mutex_unlock(&a->lock);
}

static int deliver(struct pt_async *a, const struct slot *s)
{
	int old, r;

	pthread_cleanup_push(on_cancel, a);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	r = a->ops->deliver(a->ctx, s->rec, s->len);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_cleanup_pop(0);
	return r;
}

static void *writer(void *arg)
{
	struct pt_async *a = arg;
	unsigned int backoff = 0;
	int old;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_mutex_lock(&a->lock);
	for (;;) {
		struct slot s;
		int r;

		while (!a->count && !a->closing)
			pthread_cond_wait(&a->wake, &a->lock);
		if (!a->count || past_deadline(a))
			break;
		s = a->ring[a->head];
		pthread_mutex_unlock(&a->lock);
		r = deliver(a, &s);
		pthread_mutex_lock(&a->lock);
		if (r == -EAGAIN) {
			a->st.retries++;
			backoff = backoff ? backoff * 2 : BACKOFF_MIN_MS;
			if (backoff > BACKOFF_MAX_MS)
				backoff = BACKOFF_MAX_MS;
			backoff_wait(a, backoff);
			continue;
		}
		backoff = 0;
		a->ring[a->head].rec = NULL;
		a->head = (a->head + 1) % a->cap;
		a->count--;
		a->bytes -= s.len;
		free(s.rec);
		if (r == 0)
			a->st.delivered++;
		else
			a->st.rejected++;
	}
	abandon_all(a);
	pthread_mutex_unlock(&a->lock);
	if (a->ops->close)
		a->ops->close(a->ctx);
	pthread_mutex_lock(&a->lock);
	a->done = true;
	pthread_cond_broadcast(&a->done_cond);
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

int pt_async_start(struct pt_async **out, const char *name, size_t max_items,
		   size_t max_bytes, const struct pt_async_ops *ops, void *ctx)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	struct pt_async *a;
	int err;

	if (!max_items || !ops || !ops->deliver)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->ring = calloc(max_items, sizeof(*a->ring));
	if (!a->ring) {
		free(a);
		return -ENOMEM;
	}
	a->cap = max_items;
	a->max_bytes = max_bytes;
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
	pthread_mutex_lock(&a->lock);
	/* a record alone may exceed max_bytes: the sinks bound record sizes */
	if (a->closing || a->count == a->cap ||
	    (a->count && a->bytes + len > a->max_bytes)) {
		a->st.full++;
		pthread_mutex_unlock(&a->lock);
		free(rec);
		return -ENOSPC;
	}
	a->ring[(a->head + a->count) % a->cap] = (struct slot){ .rec = rec, .len = len };
	a->count++;
	a->bytes += len;
	a->st.queued++;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	return 0;
}

void pt_async_get_stats(struct pt_async *a, struct pt_async_stats *st)
{
	pthread_mutex_lock(&a->lock);
	*st = a->st;
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

void pt_async_stop(struct pt_async *a, unsigned int drain_ms, struct pt_async_stats *final)
{
	bool done, cancelled;
	size_t left;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	a->closing = true;
	ts_now(&a->deadline);
	ts_add_ms(&a->deadline, drain_ms);
	pthread_cond_broadcast(&a->wake);
	wait_done(a, 200);
	if (!a->done) {
		/* stuck in deliver(): the only place where cancellation is enabled */
		left = a->count;
		pthread_mutex_unlock(&a->lock);
		pt_warn("%s: receiver not responding after %u ms; %zu records not delivered",
			a->name, drain_ms, left);
		pthread_cancel(a->thread);
		pthread_mutex_lock(&a->lock);
		wait_done(a, 200 + CANCEL_WAIT_MS);
	}
	done = a->done;
	cancelled = a->cancelled;
	if (done)
		abandon_all(a);
	if (final)
		*final = a->st;
	pthread_mutex_unlock(&a->lock);
	if (!done) {
		/* the thread may still touch a: leak it, the process is exiting */
		pt_err("%s: writer thread does not stop; leaving it", a->name);
		return;
	}
	pthread_join(a->thread, NULL);
	if (cancelled && a->ops->close)
		a->ops->close(a->ctx);
	pthread_cond_destroy(&a->wake);
	pthread_cond_destroy(&a->done_cond);
	pthread_mutex_destroy(&a->lock);
	free(a->ring);
	free(a);
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

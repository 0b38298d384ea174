// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the queued writer (src/sinks/queue.c) with real threads:
 * delivery and counting, stopping in the background, and the lifetime of
 * what the writer thread touches when pt_async_stop() gives up on a
 * deliver() that does not return (a receiver that never reads, a call that
 * ignores cancellation): ctx is released once, after the thread's last use.
 * Run under ASan, a use after free is a failure.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "queue.h"

struct ctx {
	unsigned int delivered;
	unsigned int stuck_ms;  /* the first deliver() sleeps this long */
	atomic_bool in_deliver; /* set when the first deliver() started */
};

static int deliver_rec(void *arg, const void *rec, size_t len);
static atomic_int released;      /* release() calls */
static atomic_uint delivered_at_release;

static void release(void *arg)
{
	struct ctx *c = arg;

	delivered_at_release = c->delivered;
	atomic_fetch_add(&released, 1);
	free(c);
}

static const struct pt_async_ops ops = { .deliver = deliver_rec, .release = release };

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int deliver_rec(void *arg, const void *rec, size_t len)
{
	struct ctx *c = arg;
	int old;

	if (c->stuck_ms && !atomic_exchange(&c->in_deliver, true)) {
		/* a call that cannot be cancelled, stuck past any deadline */
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		sleep_ms(c->stuck_ms);
	}
	c->delivered++; /* touches ctx after the wait */
	return 0;
}

static void *rec_of(const char *s)
{
	return strdup(s);
}

#define LIM(bytes, items) ((struct pt_async_limits){ .max_bytes = (bytes), .max_items = (items) })

/* ---- a receiver behind a gate: nothing is delivered until it opens ---------- */

struct gated {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool open;
	unsigned int next;   /* sequence number expected next */
	unsigned int delivered, out_of_order, calls;
	unsigned int fail_at; /* deliver_many: -EAGAIN once at this sequence number (0: never) */
	size_t biggest;       /* deliver_many: largest batch */
};

static void gate_wait(struct gated *g)
{
	pthread_mutex_lock(&g->lock);
	while (!g->open)
		pthread_cond_wait(&g->cond, &g->lock);
	pthread_mutex_unlock(&g->lock);
}

static void gate_open(struct gated *g)
{
	pthread_mutex_lock(&g->lock);
	g->open = true;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

/* a record: its sequence number as text, padded to the length asked for */
static void *seq_rec(unsigned int seq, size_t len)
{
	char *r = malloc(len), num[16];
	int k = snprintf(num, sizeof(num), "%u", seq);

	assert_non_null(r);
	memset(r, 'x', len);
	memcpy(r, num, (size_t)k + 1 < len ? (size_t)k + 1 : len);
	r[len - 1] = '\0';
	return r;
}

static void seen(struct gated *g, const void *rec)
{
	if ((unsigned int)strtoul(rec, NULL, 10) != g->next)
		g->out_of_order++;
	g->next++;
	g->delivered++;
}

static int deliver_gated(void *arg, const void *rec, size_t len)
{
	struct gated *g = arg;

	gate_wait(g);
	g->calls++;
	seen(g, rec);
	return 0;
}

static size_t deliver_many_gated(void *arg, const struct iovec *recs, size_t n, int *err)
{
	struct gated *g = arg;

	gate_wait(g);
	g->calls++;
	if (n > g->biggest)
		g->biggest = n;
	for (size_t i = 0; i < n; i++) {
		if (g->fail_at && g->next == g->fail_at) {
			g->fail_at = 0;
			*err = -EAGAIN; /* a transient failure in the middle of a batch */
			return i;
		}
		seen(g, recs[i].iov_base);
	}
	return n;
}

static void release_gated(void *arg)
{
	struct gated *g = arg;

	atomic_fetch_add(&released, 1);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
	free(g);
}

static const struct pt_async_ops gated_ops = { .deliver = deliver_gated, .release = release_gated };
static const struct pt_async_ops gated_many_ops = {
	.deliver = deliver_gated, .deliver_many = deliver_many_gated, .release = release_gated
};

static struct gated *gated_new(void)
{
	struct gated *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	return g;
}

static void stats(struct pt_async *a, struct pt_async_stats *st)
{
	pt_async_get_stats(a, st);
}

/* kick, then until delivered >= n and nothing held (or the test's patience ends) */
static void wait_drained(struct pt_async *a, uint64_t delivered)
{
	struct pt_async_stats st;

	pt_async_kick(a);
	for (int i = 0; i < 500; i++) {
		stats(a, &st);
		if (st.delivered >= delivered && !st.held)
			return;
		sleep_ms(10);
	}
	fail_msg("not drained: %llu delivered, %llu held", (unsigned long long)st.delivered,
		 (unsigned long long)st.held);
}

/*
 * The bound is in bytes: records of 100 bytes are charged 100 +
 * PT_ASYNC_REC_COST each; exactly as many as fit are held (the one in
 * deliver() among them), the next is dropped as full, and so is a 1-byte
 * record when the charges are at the bound.  Once delivered, the bytes
 * are given back and the queue takes records again.
 */
static void test_byte_bound(void **state)
{
	const size_t each = 100 + PT_ASYNC_REC_COST;
	struct gated *g = gated_new();
	struct pt_async_stats st;
	struct pt_async *a;
	unsigned int seq = 0;

	released = 0;
	assert_int_equal(pt_async_start(&a, "test", &LIM(10 * each, 0), &gated_ops, g), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(pt_async_push(a, seq_rec(seq++, 100), 100), 0);
	assert_int_equal(pt_async_push(a, seq_rec(seq, 100), 100), -ENOSPC);
	assert_int_equal(pt_async_push(a, seq_rec(seq, 1), 1), -ENOSPC);
	stats(a, &st);
	assert_int_equal(st.queued, 10);
	assert_int_equal(st.full, 2);
	assert_int_equal(st.too_big, 0);
	assert_int_equal(st.held, 10);
	assert_int_equal(st.held_bytes, 10 * each);
	assert_int_equal(st.peak_bytes, 10 * each);
	assert_int_equal(pt_async_lost(&st), 2);
	gate_open(g);
	wait_drained(a, 10);
	stats(a, &st);
	assert_int_equal(st.held_bytes, 0);
	assert_int_equal(st.peak_bytes, 10 * each); /* the high-water mark stays */
	/* room again: exactly the bound once more */
	for (int i = 0; i < 10; i++)
		assert_int_equal(pt_async_push(a, seq_rec(seq++, 100), 100), 0);
	pt_async_stop(a, 2000, &st);
	assert_int_equal(st.delivered, 20);
	assert_int_equal(st.full, 2);
	assert_int_equal(st.held, 0);
	assert_int_equal(released, 1);
}

/*
 * A record larger than the whole queue is never held, even by an empty
 * queue, and is counted apart (too_big, part of the losses); one that
 * fits exactly is held; the queue goes on as before.
 */
static void test_record_larger_than_queue(void **state)
{
	struct gated *g = gated_new();
	struct pt_async_stats st;
	struct pt_async *a;

	released = 0;
	assert_int_equal(pt_async_start(&a, "test", &LIM(4096, 0), &gated_ops, g), 0);
	assert_int_equal(pt_async_push(a, seq_rec(0, 4096), 4096), -EMSGSIZE);
	assert_int_equal(pt_async_push(a, seq_rec(0, 4096 - PT_ASYNC_REC_COST + 1),
				       4096 - PT_ASYNC_REC_COST + 1), -EMSGSIZE);
	stats(a, &st);
	assert_int_equal(st.too_big, 2);
	assert_int_equal(st.full, 0);
	assert_int_equal(st.held, 0);
	assert_int_equal(pt_async_lost(&st), 2);
	/* exactly the whole queue: held; then nothing else fits */
	assert_int_equal(pt_async_push(a, seq_rec(0, 4096 - PT_ASYNC_REC_COST),
				       4096 - PT_ASYNC_REC_COST), 0);
	assert_int_equal(pt_async_push(a, seq_rec(1, 1), 1), -ENOSPC);
	/* too big while not empty: still too_big, not full */
	assert_int_equal(pt_async_push(a, seq_rec(1, 1u << 20), 1u << 20), -EMSGSIZE);
	stats(a, &st);
	assert_int_equal(st.too_big, 3);
	assert_int_equal(st.full, 1);
	assert_int_equal(st.held_bytes, 4096);
	gate_open(g);
	wait_drained(a, 1);
	assert_int_equal(pt_async_push(a, seq_rec(1, 10), 10), 0);
	pt_async_stop(a, 2000, &st);
	assert_int_equal(st.delivered, 2);
	assert_int_equal(pt_async_lost(&st), 4);
	assert_int_equal(released, 1);
}

/* max_items caps the number of records whatever their bytes; 0 does not. */
static void test_item_cap(void **state)
{
	struct gated *g = gated_new();
	struct pt_async_stats st;
	struct pt_async *a;

	released = 0;
	assert_int_equal(pt_async_start(&a, "test", &LIM(1 << 20, 3), &gated_ops, g), 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(pt_async_push(a, seq_rec(i, 8), 8), 0);
	assert_int_equal(pt_async_push(a, seq_rec(3, 8), 8), -ENOSPC);
	gate_open(g);
	pt_async_stop(a, 2000, &st);
	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.full, 1);
	assert_int_equal(released, 1);
}

/*
 * No cap on records: the ring grows far past its first size while the
 * receiver holds back (the producer moves the records the writer is not
 * touching), and every record is delivered once, in order.
 */
static void test_ring_grows_in_order(void **state)
{
	struct gated *g = gated_new();
	struct pt_async_stats st;
	struct pt_async *a;

	released = 0;
	assert_int_equal(pt_async_start(&a, "test", &LIM(64u << 20, 0), &gated_ops, g), 0);
	for (unsigned int i = 0; i < 20000; i++) {
		assert_int_equal(pt_async_push(a, seq_rec(i, 16), 16), 0);
		if (i == 5000)
			gate_open(g); /* deliveries and growth at the same time from here on */
	}
	wait_drained(a, 20000);
	/* empty again (the ring back to its small size): and it still works */
	assert_int_equal(pt_async_push(a, seq_rec(20000, 16), 16), 0);
	pt_async_stop(a, 2000, &st);
	assert_int_equal(st.queued, 20001);
	assert_int_equal(st.delivered, 20001);
	assert_int_equal(pt_async_lost(&st), 0);
	assert_int_equal(st.peak_bytes >= 5001 * (16 + PT_ASYNC_REC_COST), 1);
	assert_int_equal(released, 1);
}

/*
 * deliver_many: a backlog goes in batches (at most 64), in order; a
 * transient failure in the middle of a batch keeps the records not yet
 * delivered, which go out after the backoff, each exactly once.
 */
static void test_deliver_many(void **state)
{
	struct gated *g = gated_new();
	struct pt_async_stats st;
	struct pt_async *a;
	unsigned int out_of_order, delivered, calls;
	size_t biggest;

	released = 0;
	g->fail_at = 100;
	assert_int_equal(pt_async_start(&a, "test", &LIM(1 << 20, 0), &gated_many_ops, g), 0);
	for (unsigned int i = 0; i < 300; i++)
		assert_int_equal(pt_async_push(a, seq_rec(i, 32), 32), 0);
	gate_open(g);
	wait_drained(a, 300);
	pt_async_get_stats(a, &st);
	out_of_order = g->out_of_order;
	delivered = g->delivered;
	calls = g->calls;
	biggest = g->biggest;
	pt_async_stop(a, 2000, &st);
	assert_int_equal(out_of_order, 0);
	assert_int_equal(delivered, 300);
	assert_int_equal(st.delivered, 300);
	assert_int_equal(st.retries, 1);
	assert_int_equal(biggest, 64);
	assert_true(calls < 300 / 8); /* batched, not one call per record */
	assert_int_equal(released, 1);
}

/*
 * An idle writer is woken by pt_async_kick() (the sinks' flush, once per
 * batch), or by a push when 64 records wait, not by each push; and a
 * writer in its backoff is not woken by pushes at all.
 */
static void test_kick(void **state)
{
	struct gated *g = gated_new();
	struct pt_async_stats st;
	struct pt_async *a;

	released = 0;
	g->open = true;
	assert_int_equal(pt_async_start(&a, "test", &LIM(1 << 20, 0), &gated_ops, g), 0);
	sleep_ms(100); /* the writer has started and waits for records */
	for (unsigned int i = 0; i < 5; i++)
		assert_int_equal(pt_async_push(a, seq_rec(i, 16), 16), 0);
	sleep_ms(100);
	stats(a, &st);
	assert_int_equal(st.delivered, 0); /* not woken per record */
	assert_int_equal(st.held, 5);
	pt_async_kick(a);
	for (int i = 0; i < 300 && st.delivered < 5; i++) {
		sleep_ms(10);
		stats(a, &st);
	}
	assert_int_equal(st.delivered, 5);
	/* 64 waiting records wake it without a kick */
	for (unsigned int i = 5; i < 5 + 64; i++)
		assert_int_equal(pt_async_push(a, seq_rec(i, 16), 16), 0);
	for (int i = 0; i < 300 && st.delivered < 69; i++) {
		sleep_ms(10);
		stats(a, &st);
	}
	assert_int_equal(st.delivered, 69);
	assert_int_equal(g->out_of_order, 0);
	pt_async_stop(a, 2000, &st);
	assert_int_equal(released, 1);
}

static atomic_uint eagain_calls;

static int deliver_eagain(void *arg, const void *rec, size_t len)
{
	atomic_fetch_add(&eagain_calls, 1);
	return -EAGAIN;
}

static void test_backoff_not_woken_by_pushes(void **state)
{
	static const struct pt_async_ops down = { .deliver = deliver_eagain, .release = release };
	struct ctx *c = calloc(1, sizeof(*c));
	struct pt_async_stats st;
	struct pt_async *a;

	assert_non_null(c);
	released = 0;
	eagain_calls = 0;
	assert_int_equal(pt_async_start(&a, "test", &LIM(1 << 20, 0), &down, c), 0);
	assert_int_equal(pt_async_push(a, rec_of("first"), 6), 0);
	pt_async_kick(a);
	while (!atomic_load(&eagain_calls))
		sleep_ms(1);
	/* in its first backoff (100 ms): a burst of pushes, kicks included */
	for (int i = 0; i < 500; i++) {
		assert_int_equal(pt_async_push(a, rec_of("more"), 5), 0);
		if (i % 50 == 0)
			pt_async_kick(a);
	}
	sleep_ms(50);
	assert_true(atomic_load(&eagain_calls) <= 2); /* not one try per push */
	pt_async_stop(a, 100, &st);
	assert_int_equal(st.abandoned, 501);
	assert_int_equal(released, 1);
}

/* Limits that cannot hold a record are refused. */
static void test_bad_limits(void **state)
{
	struct pt_async *a;

	assert_int_equal(pt_async_start(&a, "test", &LIM(0, 0), &ops, NULL), -EINVAL);
	assert_int_equal(pt_async_start(&a, "test", &LIM(PT_ASYNC_REC_COST, 0), &ops, NULL),
			 -EINVAL);
	assert_int_equal(pt_async_start(&a, "test", NULL, &ops, NULL), -EINVAL);
}

/* Every record pushed is delivered, then the writer stops; ctx is released. */
static void test_delivers_all(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct pt_async_stats st;
	struct pt_async *a;

	assert_non_null(c);
	released = 0;
	assert_int_equal(pt_async_start(&a, "test", &LIM(1 << 20, 16), &ops, c), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(pt_async_push(a, rec_of("record"), 7), 0);
	pt_async_stop(a, 2000, &st);
	assert_int_equal(st.queued, 10);
	assert_int_equal(st.delivered, 10);
	assert_int_equal(pt_async_lost(&st), 0);
	assert_int_equal(released, 1);
	assert_int_equal(delivered_at_release, 10);
}

/*
 * A deliver() that ignores cancellation and outlives the deadline: the
 * stop is bounded, the records count as lost, and ctx is released by the
 * thread once deliver() has returned, never freed under it.
 */
static void test_stuck_deliver(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct pt_async_stats st;
	struct pt_async *a;
	uint64_t t0;

	assert_non_null(c);
	released = 0;
	c->stuck_ms = 1500;
	assert_int_equal(pt_async_start(&a, "test", &LIM(1 << 20, 16), &ops, c), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pt_async_push(a, rec_of("record"), 7), 0);
	pt_async_kick(a);
	while (!atomic_load(&c->in_deliver))
		sleep_ms(1);
	t0 = now_ms();
	pt_async_stop(a, 100, &st);
	t0 = now_ms() - t0;
	assert_true(t0 < 1000); /* did not wait for deliver() */
	assert_int_equal(st.delivered, 0);
	assert_int_equal(pt_async_lost(&st), 3);
	assert_int_equal(released, 0); /* the thread still has it */
	/* the stuck deliver() returns: then, and only then, ctx is released */
	for (int i = 0; i < 300 && !released; i++)
		sleep_ms(10);
	assert_int_equal(released, 1);
	assert_int_equal(delivered_at_release, 1);
}

/* A receiver that is never there: pt_async_close() starts the drain and returns. */
static int deliver_never(void *arg, const void *rec, size_t len)
{
	return -EAGAIN;
}

static void test_close_in_background(void **state)
{
	static const struct pt_async_ops never = { .deliver = deliver_never, .release = release };
	struct ctx *c = calloc(1, sizeof(*c));
	struct pt_async_stats st;
	struct pt_async *a;
	uint64_t t0;

	assert_non_null(c);
	released = 0;
	assert_int_equal(pt_async_start(&a, "test", &LIM(1 << 20, 16), &never, c), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pt_async_push(a, rec_of("record"), 7), 0);
	t0 = now_ms();
	pt_async_close(a, 300);
	assert_true(now_ms() - t0 < 50);
	assert_false(pt_async_closed(a));
	assert_int_equal(pt_async_push(a, rec_of("late"), 5), -ENOSPC);
	while (!pt_async_closed(a))
		sleep_ms(10);
	assert_true(now_ms() - t0 >= 300);
	assert_true(now_ms() - t0 < 1000);
	t0 = now_ms();
	pt_async_stop(a, 5000, &st); /* the first deadline holds: no wait */
	assert_true(now_ms() - t0 < 50);
	assert_int_equal(st.abandoned, 4);
	assert_int_equal(st.full, 1);
	assert_int_equal(released, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivers_all),
		cmocka_unit_test(test_stuck_deliver),
		cmocka_unit_test(test_close_in_background),
		cmocka_unit_test(test_byte_bound),
		cmocka_unit_test(test_record_larger_than_queue),
		cmocka_unit_test(test_item_cap),
		cmocka_unit_test(test_ring_grows_in_order),
		cmocka_unit_test(test_deliver_many),
		cmocka_unit_test(test_kick),
		cmocka_unit_test(test_backoff_not_woken_by_pushes),
		cmocka_unit_test(test_bad_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
#include <stdlib.h>
#include <string.h>
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

/* Every record pushed is delivered, then the writer stops; ctx is released. */
static void test_delivers_all(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct pt_async_stats st;
	struct pt_async *a;

	assert_non_null(c);
	released = 0;
	assert_int_equal(pt_async_start(&a, "test", 16, 1 << 20, &ops, c), 0);
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
	assert_int_equal(pt_async_start(&a, "test", 16, 1 << 20, &ops, c), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pt_async_push(a, rec_of("record"), 7), 0);
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
	assert_int_equal(pt_async_start(&a, "test", 16, 1 << 20, &never, c), 0);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the queued writer (src/sinks/queue.c) with real threads:
 * delivery and counting, and the lifetime of what the writer thread
 * touches when pt_async_stop() gives up on a deliver() that does not
 * return (a receiver that never reads, a call that ignores cancellation).
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

static int deliver(void *arg, const void *rec, size_t len)
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

/* Every record pushed is delivered, then the writer stops. */
static void test_delivers_all(void **state)
{
	static const struct pt_async_ops ops = { .deliver = deliver };
	struct ctx *c = calloc(1, sizeof(*c));
	struct pt_async_stats st;
	struct pt_async *a;

	assert_non_null(c);
	assert_int_equal(pt_async_start(&a, "test", 16, 1 << 20, &ops, c), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(pt_async_push(a, rec_of("record"), 7), 0);
	pt_async_stop(a, 2000, &st);
	assert_int_equal(st.queued, 10);
	assert_int_equal(st.delivered, 10);
	assert_int_equal(pt_async_lost(&st), 0);
	assert_int_equal(c->delivered, 10);
	free(c);
}

/*
 * A deliver() that ignores cancellation and outlives the deadline: the
 * stop is bounded, the records count as lost, and what the thread still
 * touches (ctx) is not freed under it.
 */
static void test_stuck_deliver(void **state)
{
	static const struct pt_async_ops ops = { .deliver = deliver };
	struct ctx *c = calloc(1, sizeof(*c));
	struct pt_async_stats st;
	struct pt_async *a;
	uint64_t t0;

	assert_non_null(c);
	c->stuck_ms = 2500;
	assert_int_equal(pt_async_start(&a, "test", 16, 1 << 20, &ops, c), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(pt_async_push(a, rec_of("record"), 7), 0);
	while (!atomic_load(&c->in_deliver))
		sleep_ms(1);
	t0 = now_ms();
	pt_async_stop(a, 100, &st);
	t0 = now_ms() - t0;
	/* as a sink's destroy does: its state goes once the queue is stopped */
	free(c);
	/* the stuck deliver() returns meanwhile: it must not touch freed memory */
	sleep_ms(3000);
	assert_true(t0 < 2000); /* did not wait for deliver() */
	assert_int_equal(st.delivered, 0);
	assert_int_equal(pt_async_lost(&st), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delivers_all),
		cmocka_unit_test(test_stuck_deliver),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of two rows of the loss table (src/daemon/losses.c) fed by the
 * record dispatcher (src/daemon/dispatch.c):
 *   - malformed_records: records too short for a header, of a type no probe
 *     owns, or that their probe's decoder refuses (tcp_connect's, cut short);
 *   - format: an event whose JSON cannot be built for want of memory.
 * Both are read back from the lost_event_telemetry record that a real JSON
 * output writes at exit (pt_losses_final_telemetry), as the daemon does.
 *
 * Memory exhaustion is made by the link (-Wl,--wrap=realloc, this test's
 * Makefile rule): the layers' realloc() calls fail while fail_realloc is
 * set.  pidtree's code has no hook for it; this is the allocation that
 * pt_buf_grow() makes when an event's JSON grows.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon.h"
#include "proccache.h"
#include "sink.h"

static bool fail_realloc;
static unsigned int failed_reallocs;

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
	if (fail_realloc) {
		failed_reallocs++;
		return NULL;
	}
	return __real_realloc(p, n);
}

struct fixture {
	struct daemon *d;
	char path[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pt_proc_cache_opts o = { 0 };
	int fd;

	assert_non_null(f);
	f->d = calloc(1, sizeof(*f->d));
	assert_non_null(f->d);
	assert_int_equal(pt_proc_cache_new(&f->d->cache, &o), 0);
	strcpy(f->path, "/tmp/test_dispatch.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pt_sink_json_open(&f->d->out.sinks[0], f->path), 0);
	f->d->out.n = 1;
	f->d->opt.telemetry_every = 1000; /* telemetry on: its record at exit */
	f->d->telemetry_next = 1000;
	pt_daemon_emitter(f->d);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < f->d->out.n; i++)
		f->d->out.sinks[i]->ops->destroy(f->d->out.sinks[i]);
	pt_proc_cache_free(f->d->cache);
	pt_buf_free(&f->d->json);
	unlink(f->path);
	free(f->d);
	free(f);
	return 0;
}

/* The final telemetry record's "lost" object, as written to the JSON output. */
static void final_telemetry(struct fixture *f, char *out, size_t len)
{
	struct pt_sink *s = f->d->out.sinks[0];
	char line[4096];
	FILE *fp;

	/* as main() does at exit: the last record, then the outputs drain */
	pt_losses_final_telemetry(f->d);
	assert_int_equal(s->ops->flush(s), 0);
	pt_losses_totals(f->d, true);
	fp = fopen(f->path, "r");
	assert_non_null(fp);
	out[0] = '\0';
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "\"type\":\"lost_event_telemetry\""))
			snprintf(out, len, "%s", line);
	fclose(fp);
	assert_true(out[0]);
}

static void test_malformed_records(void **state)
{
	struct fixture *f = *state;
	struct daemon *d = f->d;
	const struct pt_probe_desc *tcp = pt_probe_find("tcp_connect");
	struct pt_record_hdr hdr = { 0 };
	char rec[sizeof(hdr) + 8] = { 0 };
	char tel[4096];

	/* shorter than a header */
	assert_int_equal(pt_daemon_on_record(d, rec, sizeof(hdr) - 1), 0);
	assert_int_equal(d->bad_records, 1);
	/* a type that no probe owns, and one past the table */
	hdr.type = 7;
	memcpy(rec, &hdr, sizeof(hdr));
	assert_int_equal(pt_daemon_on_record(d, rec, sizeof(rec)), 0);
	hdr.type = PT_REC_TYPES + 1;
	memcpy(rec, &hdr, sizeof(hdr));
	assert_int_equal(pt_daemon_on_record(d, rec, sizeof(rec)), 0);
	assert_int_equal(d->bad_records, 3);
	/* tcp_connect's record type, cut short: its decoder refuses it */
	assert_non_null(tcp);
	d->rows[0] = tcp;
	d->nrows = 1;
	d->consts[0].rec_base = 7;
	d->consts[0].loss_base = 0;
	d->env.lost_fd = -1; /* no kernel counters here: they read as 0 */
	d->rec_row[7] = 1;
	hdr.type = 7;
	memcpy(rec, &hdr, sizeof(hdr));
	assert_int_equal(pt_daemon_on_record(d, rec, sizeof(rec)), 0);
	assert_int_equal(d->bad_records, 4);
	assert_int_equal(d->events, 0);

	final_telemetry(f, tel, sizeof(tel));
	assert_non_null(strstr(tel, "\"malformed_records\":4"));
	assert_non_null(strstr(tel, "\"format\":0"));
	assert_non_null(strstr(tel, "\"count\":4,")); /* the sum of the event rows */
}

static void test_format_oom(void **state)
{
	struct fixture *f = *state;
	struct daemon *d = f->d;
	const struct pt_emitter *em = &d->em;
	struct pt_event ev;
	char tel[4096];

	pt_event_reset(&ev);
	ev.probe = &pt_probe_find("tcp_connect")->info;
	ev.pid = 1;
	/* the event's JSON cannot be built: counted, not handed on */
	fail_realloc = true;
	failed_reallocs = 0;
	em->emit(em->ctx, &ev);
	fail_realloc = false;
	assert_true(failed_reallocs >= 1);
	assert_int_equal(d->oom_events, 1);
	assert_int_equal(d->events, 0);
	assert_int_equal(d->out.sinks[0]->written, 0);
	/* memory again: the next one is written */
	em->emit(em->ctx, &ev);
	assert_int_equal(d->oom_events, 1);
	assert_int_equal(d->events, 1);

	final_telemetry(f, tel, sizeof(tel));
	assert_non_null(strstr(tel, "\"format\":1"));
	assert_non_null(strstr(tel, "\"malformed_records\":0"));
	assert_non_null(strstr(tel, "\"count\":1,"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_format_oom, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

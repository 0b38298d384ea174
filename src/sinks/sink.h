/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Output sinks.  The daemon serialises each event to JSON once (when an
 * output wants it: no_event_json below) and hands both the event and its
 * JSON text to every sink.  Sinks may buffer; flush() is
 * called after each batch of ring-buffer records, so output is never more
 * than one batch behind the kernel.
 */
#ifndef PIDTREE_SINK_H
#define PIDTREE_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "sinkspec.h"

struct pt_sink;

struct pt_sink_ops {
	const char *name;
	int (*emit)(struct pt_sink *s, const struct pt_event *ev, const char *json, size_t len);
	int (*flush)(struct pt_sink *s);
	/* deliver what is held (at most PT_SINK_DRAIN_MS), free: the events
	 * this sink lost in all */
	uint64_t (*destroy)(struct pt_sink *s);
	/* optional: re-open the destination (SIGHUP, log rotation) */
	int (*reopen)(struct pt_sink *s);
	/*
	 * optional (--health-check-period): 0 healthy; > 0 degraded, said in
	 * why (a queued output whose receiver is down: it holds events and
	 * retries); < 0 broken, said in why (an output that cannot be written:
	 * pidtree exits 1 for its service manager to restart it).
	 */
	int (*health)(struct pt_sink *s, char *why, size_t len);
	/*
	 * Optional, for the sinks whose destroy() waits for a receiver (the
	 * queued ones): stop accepting events and deliver what is held in the
	 * background, for at most PT_SINK_DRAIN_MS; retired() says when that
	 * is over, after which destroy() returns at once.  A reload closes the
	 * outputs it replaces this way, so a dead receiver never holds up the
	 * event loop; at exit every output drains at the same time.
	 */
	void (*retire)(struct pt_sink *s);
	bool (*retired)(struct pt_sink *s);
};

struct pt_sink {
	const struct pt_sink_ops *ops;
	uint64_t written; /* records (events, telemetry) handed on */
	uint64_t dropped; /* records lost in this sink */
	uint64_t held;    /* queued sinks: records waiting for the receiver */
	/*
	 * emit() makes no use of an event's JSON (the text output, journald
	 * without event_json: they write the fields themselves): when no
	 * output wants it, the event is not serialised and emit() gets json
	 * NULL, len 0.  A record that is not an event always comes as JSON.
	 */
	bool no_event_json;
};

/* JSON lines to path ("-" or NULL: stdout). */
int pt_sink_json_open(struct pt_sink **out, const char *path);
/* One line of text per event, for people (sink_text.c), to path ("-" or NULL: stdout). */
int pt_sink_text_open(struct pt_sink **out, const char *path);

/*
 * Parse a -o SINK argument and open it.  A bare "json" or "syslog" takes its
 * destination from opts ([json] path=, [syslog] target=); opts NULL = the
 * built-in defaults.  -EINVAL with a message when unknown.
 */
int pt_sink_open(struct pt_sink **out, const char *spec, const struct pt_sink_opts *opts);


/*
 * Loss reporting shared by the queued sinks (journald, syslog), called from
 * flush() on the event loop: copies the queue's counters into s->written,
 * s->dropped and s->held and logs new losses at most every 10 s.  final:
 * the summary line at exit.
 */
struct pt_async_stats;
struct pt_loss_report {
	uint64_t reported;
	uint64_t last_ns;
};
void pt_sink_report(struct pt_sink *s, const char *name, const struct pt_async_stats *st,
		    uint64_t extra_lost, struct pt_loss_report *r, bool final);

/* How long destroy() keeps delivering queued records (exit, reload). */
#define PT_SINK_DRAIN_MS 2000

int pt_sink_journald_open(struct pt_sink **out, const struct pt_journald_opts *o);
int pt_sink_syslog_open(struct pt_sink **out, const struct pt_syslog_opts *o,
			const struct pt_syslog_target *t);

#endif

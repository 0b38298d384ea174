/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Output sinks.  main.c serialises each event to JSON once and hands both
 * the event and its JSON text to every sink.  Sinks may buffer; flush() is
 * called after each batch of ring-buffer records, so output is never more
 * than one batch behind the kernel.
 */
#ifndef PIDTREE_SINK_H
#define PIDTREE_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct pt_sink;

struct pt_sink_ops {
	const char *name;
	int (*emit)(struct pt_sink *s, const struct pt_event *ev, const char *json, size_t len);
	int (*flush)(struct pt_sink *s);
	void (*destroy)(struct pt_sink *s);
};

struct pt_sink {
	const struct pt_sink_ops *ops;
	uint64_t written; /* events handed on */
	uint64_t dropped; /* events lost in this sink */
};

/* JSON lines to path ("-" or NULL: stdout). */
int pt_sink_json_open(struct pt_sink **out, const char *path);

/* Parse a -o SINK argument and open it.  -EINVAL with a message when unknown. */
int pt_sink_open_spec(struct pt_sink **out, const char *spec);

#endif

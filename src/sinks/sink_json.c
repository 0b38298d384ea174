// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON lines sink: one event per line on stdout or appended to a file.
 * Lines are collected and written with one write(2) per batch (flush), so
 * `tail -f` sees every event as soon as its batch is handled; a write that
 * stops part way never leaves half a line (linefile.h).  SIGHUP re-opens
 * the file by name (reopen), for log rotation by rename.
 */
#include <errno.h>
#include <stdlib.h>

#include "linefile.h"
#include "sink.h"

#define JSON_SINK_FLUSH_AT (256 * 1024)

struct json_sink {
	struct pt_sink base;
	struct pt_linefile lf;
};

static void sync_counts(struct json_sink *js)
{
	js->base.written = js->lf.written;
	js->base.dropped = js->lf.dropped;
}

static int json_flush(struct pt_sink *s)
{
	struct json_sink *js = (struct json_sink *)s;
	int err = pt_linefile_flush(&js->lf, "json");

	sync_counts(js);
	return err;
}

static int json_emit(struct pt_sink *s, const struct pt_event *ev, const char *json, size_t len)
{
	struct json_sink *js = (struct json_sink *)s;

	pt_linefile_add(&js->lf, json, len, ev != NULL);
	sync_counts(js);
	if (pt_linefile_pending(&js->lf) >= JSON_SINK_FLUSH_AT)
		return json_flush(s);
	return 0;
}

static uint64_t json_destroy(struct pt_sink *s)
{
	struct json_sink *js = (struct json_sink *)s;
	uint64_t dropped;

	pt_linefile_close(&js->lf, "json");
	dropped = js->lf.dropped;
	free(js);
	return dropped;
}

static int json_reopen(struct pt_sink *s)
{
	struct json_sink *js = (struct json_sink *)s;
	int err = pt_linefile_reopen(&js->lf, "json");

	sync_counts(js);
	return err;
}

static int json_health(struct pt_sink *s, char *why, size_t len)
{
	return pt_linefile_health(&((struct json_sink *)s)->lf, "json", why, len);
}

static const struct pt_sink_ops json_ops = {
	.name = "json",
	.emit = json_emit,
	.flush = json_flush,
	.destroy = json_destroy,
	.reopen = json_reopen,
	.health = json_health,
};

int pt_sink_json_open(struct pt_sink **out, const char *path)
{
	struct json_sink *js;
	int err;

	js = calloc(1, sizeof(*js));
	if (!js)
		return -ENOMEM;
	js->base.ops = &json_ops;
	err = pt_linefile_open(&js->lf, path, "json");
	if (err) {
		free(js);
		return err;
	}
	*out = &js->base;
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Text sink: one line per event for a person at a terminal (-o text, the
 * default when standard output is a terminal and no output is configured),
 * or appended to a file (-o text:PATH):
 *
 *   09:42:45.759 tcp_connect 198.51.100.37:6697 weechat[1775] alice <- ...
 *
 * the local time (on a terminal the time of day, in a file the date, time
 * and UTC offset), then the event's summary, the same one the journal's
 * MESSAGE has (format/summary.c).  On a terminal the line is fitted to its
 * width (cmdlines shortened; -v: in full) and coloured unless NO_COLOR is
 * set (and not empty) or TERM is "dumb"; in a file there is no colour and
 * the line is fitted to TEXT_FILE_WIDTH columns.  Everything taken from the
 * event is escaped, so a command line cannot move the cursor or forge a
 * line.  Lines are written whole, as the json sink's are (linefile.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "json_fit.h"
#include "linefile.h"
#include "log.h"
#include "sink.h"
#include "summary.h"
#include "text.h"

#define TEXT_SINK_FLUSH_AT (64 * 1024)
#define TEXT_FILE_WIDTH 160 /* a file, a pipe */
#define TEXT_TTY_WIDTH 80   /* a terminal that does not say */
#define TEXT_RECORD_MAX 1024 /* a record that is not an event: its JSON, cut */

struct text_sink {
	struct pt_sink base;
	struct pt_linefile lf;
	struct pt_buf line;
	bool colour;
	size_t width; /* columns of a line; 0: no limit (-v) */
};

static bool want_colour(const struct pt_linefile *lf)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM");

	/* https://no-color.org: NO_COLOR set and not empty */
	return lf->tty && !(no && no[0]) && !(term && !strcmp(term, "dumb"));
}

/* The terminal's width now (it may have been resized), else the default. */
static size_t line_width(const struct pt_linefile *lf)
{
	struct winsize ws;

	if (pt_log_verbose() > 0)
		return 0; /* -v: full cmdlines */
	if (!lf->tty)
		return TEXT_FILE_WIDTH;
	if (ioctl(lf->fd, TIOCGWINSZ, &ws) || !ws.ws_col)
		return TEXT_TTY_WIDTH;
	return ws.ws_col;
}

/* Local time: HH:MM:SS.mmm on a terminal, YYYY-MM-DDTHH:MM:SS.mmm+hh:mm in a file. */
static void put_time(struct pt_buf *b, uint64_t ts_us, bool tty)
{
	time_t secs = (time_t)(ts_us / 1000000);
	unsigned int ms = (unsigned int)(ts_us % 1000000 / 1000);
	char date[40], zone[8] = "";
	struct tm tm;

	if (!localtime_r(&secs, &tm)) {
		pt_buf_adds(b, "?");
		return;
	}
	if (tty) {
		pt_buf_printf(b, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	if (strftime(zone, sizeof(zone), "%z", &tm) == 5) { /* +hhmm -> +hh:mm */
		memmove(zone + 4, zone + 3, 3);
		zone[3] = ':';
	}
	pt_buf_printf(b, "%s.%03u%s", date, ms, zone);
}

static int text_flush(struct pt_sink *s)
{
	struct text_sink *ts = (struct text_sink *)s;
	int err = pt_linefile_flush(&ts->lf, "text");

	ts->width = line_width(&ts->lf); /* for the next batch */
	ts->base.written = ts->lf.written;
	ts->base.dropped = ts->lf.dropped;
	return err;
}

static int text_emit(struct pt_sink *s, const struct pt_event *ev, const char *json, size_t len)
{
	struct text_sink *ts = (struct text_sink *)s;
	struct pt_summary_opts o = { .colour = ts->colour };
	struct timespec now;
	char type[PT_RECORD_TYPE_MAX + 1];
	size_t prefix;

	pt_buf_reset(&ts->line);
	if (ev) {
		put_time(&ts->line, ev->ts_us, ts->lf.tty);
		pt_buf_addc(&ts->line, ' ');
		prefix = ts->line.len; /* ASCII: one column a byte */
		o.width = ts->width > prefix ? ts->width - prefix : ts->width ? 1 : 0;
		pt_event_summary(&ts->line, ev, &o);
	} else {
		/* a record that is not an event (lost_event_telemetry) */
		clock_gettime(CLOCK_REALTIME, &now);
		put_time(&ts->line, (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000,
			 ts->lf.tty);
		pt_json_record_type(json, len, type, sizeof(type));
		pt_buf_addc(&ts->line, ' ');
		pt_text_append(&ts->line, type[0] ? type : "record", strlen(type[0] ? type : "record"),
			       PT_RECORD_TYPE_MAX, PT_TEXT_HUMAN);
		pt_buf_addc(&ts->line, ' ');
		pt_text_append(&ts->line, json, len, TEXT_RECORD_MAX, PT_TEXT_HUMAN);
	}
	if (ts->line.oom) {
		ts->lf.dropped += ev != NULL;
		ts->base.dropped = ts->lf.dropped;
		return -ENOMEM;
	}
	pt_linefile_add(&ts->lf, ts->line.data, ts->line.len, ev != NULL);
	ts->base.written = ts->lf.written;
	ts->base.dropped = ts->lf.dropped;
	if (pt_linefile_pending(&ts->lf) >= TEXT_SINK_FLUSH_AT)
		return text_flush(s);
	return 0;
}

static int text_reopen(struct pt_sink *s)
{
	struct text_sink *ts = (struct text_sink *)s;
	int err = pt_linefile_reopen(&ts->lf, "text");

	ts->colour = want_colour(&ts->lf);
	ts->width = line_width(&ts->lf);
	return err;
}

static uint64_t text_destroy(struct pt_sink *s)
{
	struct text_sink *ts = (struct text_sink *)s;
	uint64_t dropped;

	pt_linefile_close(&ts->lf, "text");
	dropped = ts->lf.dropped;
	pt_buf_free(&ts->line);
	free(ts);
	return dropped;
}

static int text_health(struct pt_sink *s, char *why, size_t len)
{
	return pt_linefile_health(&((struct text_sink *)s)->lf, "text", why, len);
}

static const struct pt_sink_ops text_ops = {
	.name = "text",
	.emit = text_emit,
	.flush = text_flush,
	.destroy = text_destroy,
	.reopen = text_reopen,
	.health = text_health,
};

int pt_sink_text_open(struct pt_sink **out, const char *path)
{
	struct text_sink *ts;
	int err;

	ts = calloc(1, sizeof(*ts));
	if (!ts)
		return -ENOMEM;
	ts->base.ops = &text_ops;
	ts->base.no_event_json = true; /* an event is its summary */
	pt_buf_init(&ts->line);
	err = pt_linefile_open(&ts->lf, path, "text");
	if (err) {
		free(ts);
		return err;
	}
	tzset(); /* localtime_r() need not read TZ itself */
	ts->colour = want_colour(&ts->lf);
	ts->width = line_width(&ts->lf);
	*out = &ts->base;
	return 0;
}

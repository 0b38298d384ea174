// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The one loss table.  Every place an event (or a record an event depends
 * on) can be lost is a row here, read from where it is counted:
 *   - each probe's kernel counters (pt_lost[loss_base + i]: ring buffer
 *     full, UDP sessions not tracked), named in its descriptor;
 *   - each probe's userland counters (user_lost[i]: UDP sessions evicted),
 *     kept across a reload that closes the probe;
 *   - the DNS name table's (naming.c: malformed answers, names evicted);
 *   - each output's drops (queue full, undeliverable, unwritable), kept
 *     across a reload that closes the output: one row, "outputs", the sum,
 *     and a section with one line per output (what it wrote, lost and
 *     still holds for its receiver), the outputs closing after a reload
 *     marked, those closed summed;
 *   - events that could not be formatted (out of memory);
 *   - malformed ring-buffer records.
 * STATUS=, SIGUSR1, the exit line and --lost-event-telemetry all print this
 * table; "count" in telemetry (pidtree-bcc's key) is the sum of the rows
 * that are events.  The process probe's lost records are not events: their
 * cost is ancestors without a cmdline, counted as unresolved ancestors.
 * Counters of what was only seen (tcp_accept's connections never accepted)
 * are printed apart, as "counted".
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "json.h"
#include "log.h"
#include "proccache.h"

#define TOTALS_MAX 1024
#define SPEC_SHOWN 64 /* an output's specification, at most, in STATUS= and the log */

struct loss_row {
	const char *name;
	uint64_t n;
	enum pt_loss_kind kind;
	bool kernel;
};

struct loss_table {
	struct loss_row rows[PT_LOSS_SLOTS + PT_PROBES_MAX * PT_PROBE_USER_LOSSES +
			     PT_NAMING_LOSSES + 4];
	size_t n;
	uint64_t event_losses, kernel_events, kernel_other, outputs, unresolved;
};

static void add(struct loss_table *t, const char *name, uint64_t n, enum pt_loss_kind kind,
		bool kernel)
{
	if (t->n >= ARRAY_SIZE(t->rows))
		return;
	t->rows[t->n++] = (struct loss_row){ name, n, kind, kernel };
	if (kind == PT_LOST_EVENTS)
		t->event_losses += n;
	if (kernel && kind == PT_LOST_EVENTS)
		t->kernel_events += n;
	else if (kernel && kind == PT_LOST_RECORDS)
		t->kernel_other += n;
}

static void collect(struct daemon *d, struct loss_table *t)
{
	struct pt_proc_cache_stats st;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < d->nrows; i++) {
		const struct pt_probe_desc *desc = d->rows[i];

		for (unsigned int j = 0; j < desc->nlosses; j++)
			add(t, desc->losses[j].name,
			    pt_lost_read(d->env.lost_fd, d->consts[i].loss_base + j),
			    desc->losses[j].kind, true);
	}
	for (size_t i = 0; i < d->nrows; i++) {
		const struct pt_probe_desc *desc = d->rows[i];

		for (unsigned int j = 0; j < desc->nuser_losses && j < PT_PROBE_USER_LOSSES; j++)
			add(t, desc->user_losses[j].name,
			    d->user_lost_retired[i][j] +
				    (d->probes[i] ? d->probes[i]->user_lost[j] : 0),
			    desc->user_losses[j].kind, false);
	}
	for (unsigned int j = 0; j < PT_NAMING_LOSSES; j++) /* dns: the name table */
		add(t, pt_naming_loss_defs[j].name, pt_naming_loss(d, j), pt_naming_loss_defs[j].kind,
		    false);
	t->outputs = pt_outputs_dropped(d, NULL); /* running, closing and closed */
	add(t, "outputs", t->outputs, PT_LOST_EVENTS, false);
	add(t, "format", d->oom_events, PT_LOST_EVENTS, false);
	add(t, "malformed_records", d->bad_records, PT_LOST_EVENTS, false);
	pt_proc_cache_get_stats(d->cache, &st);
	t->unresolved = st.unresolved;
}

/* snprintf at *off into buf of len bytes, *off kept <= len - 1 */
static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off = *off + (size_t)n < len ? *off + (size_t)n : len - 1;
}

/* One output: its specification (cut, control bytes as '?') and counts. */
static void output_line(char *buf, size_t len, size_t *off, const char *spec,
			uint64_t written, uint64_t dropped, uint64_t held, bool closing)
{
	char shown[SPEC_SHOWN + 4];
	size_t i;

	for (i = 0; spec[i] && i < SPEC_SHOWN; i++)
		shown[i] = (unsigned char)spec[i] < 0x20 || spec[i] == 0x7f ? '?' : spec[i];
	if (spec[i])
		memcpy(shown + i, "...", 3), i += 3;
	shown[i] = '\0';
	append(buf, len, off, "%s%s%s %" PRIu64 " written/%" PRIu64 " lost/%" PRIu64 " held",
	       *off ? ", " : "", shown, closing ? " (closing)" : "", written, dropped, held);
}

/*
 * The table's per-output section, for STATUS= and the log line:
 * "SPEC W written/L lost/H held" for each output, ", " between.
 */
static void outputs_section(const struct daemon *d, char *buf, size_t len)
{
	const struct pt_outputs *o = &d->out;
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < o->n; i++)
		output_line(buf, len, &off, o->specs[i], o->sinks[i]->written, o->sinks[i]->dropped,
			    o->sinks[i]->held, false);
	for (int i = 0; i < o->nretiring; i++)
		output_line(buf, len, &off, o->retiring_specs[i], o->retiring[i]->written,
			    o->retiring[i]->dropped, o->retiring[i]->held, true);
	/* at exit: the outputs are closed, their final drains counted */
	for (int i = 0; i < o->nclosed; i++)
		output_line(buf, len, &off, o->closed_specs[i], o->closed_written[i],
			    o->closed_drops[i], 0, false);
	if (d->retired_drops)
		append(buf, len, &off, "%sclosed outputs %" PRIu64 " lost", off ? ", " : "",
		       d->retired_drops);
}

void pt_losses_status(struct daemon *d, char *buf, size_t len)
{
	char outs[PT_LOSS_OUTPUTS_MAX];
	uint64_t now = pt_clock_ns(CLOCK_MONOTONIC);
	struct loss_table t;
	double rate = 0;

	if (d->status_ns && now > d->status_ns)
		rate = (double)(d->events - d->status_events) * 1e9 / (double)(now - d->status_ns);
	d->status_ns = now;
	d->status_events = d->events;
	pt_outputs_flush(d); /* the outputs' counts as of now */
	collect(d, &t);
	outputs_section(d, outs, sizeof(outs));
	snprintf(buf, len,
		 "events %" PRIu64 " (%.1f/s); lost: kernel %" PRIu64 ", process records %" PRIu64
		 ", outputs %" PRIu64 ", userland %" PRIu64 "; unresolved ancestors %" PRIu64
		 "; outputs: %s%s%s",
		 d->events, rate, t.kernel_events, t.kernel_other, t.outputs,
		 t.event_losses - t.kernel_events - t.outputs, t.unresolved, outs,
		 d->health[0] ? "; health: " : "", d->health);
}

/* The rows as JSON members: the counted ones, or the losses. */
static void print_rows(struct pt_buf *b, const struct loss_table *t, bool counted)
{
	bool first = true;

	for (size_t i = 0; i < t->n; i++) {
		if ((t->rows[i].kind == PT_COUNTED) != counted)
			continue;
		pt_buf_printf(b, "%s\"%s\":%" PRIu64, first ? "" : ",", t->rows[i].name, t->rows[i].n);
		first = false;
	}
}

/*
 * pidtree-bcc's record, {"type": "lost_event_telemetry", "count": N}, with N
 * the events lost so far, plus the count of every row of the table and the
 * running outputs' section.
 */
static void telemetry(struct daemon *d)
{
	struct loss_table t;
	struct pt_buf b;
	char ts[40];

	collect(d, &t);
	pt_buf_init(&b);
	pt_format_timestamp(pt_clock_ns(CLOCK_REALTIME) / 1000, ts, sizeof(ts));
	pt_buf_printf(&b, "{\"type\":\"lost_event_telemetry\",\"timestamp\":\"%s\",\"count\":%" PRIu64
		      ",\"events\":%" PRIu64 ",\"lost\":{",
		      ts, t.event_losses, d->events);
	print_rows(&b, &t, false);
	pt_buf_adds(&b, "},\"counted\":{");
	print_rows(&b, &t, true);
	pt_buf_printf(&b, "},\"unresolved_ancestors\":%" PRIu64 ",\"outputs\":[", t.unresolved);
	for (int i = 0; i < d->out.n; i++) {
		const struct pt_sink *s = d->out.sinks[i];

		pt_buf_adds(&b, i ? ",{\"output\":" : "{\"output\":");
		pt_json_strz(&b, d->out.specs[i]);
		pt_buf_printf(&b, ",\"written\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"held\":%" PRIu64 "}",
			      s->written, s->dropped, s->held);
	}
	pt_buf_adds(&b, "]}");
	if (!b.oom)
		pt_daemon_emit_record(d, b.data, b.len);
	pt_buf_free(&b);
}

void pt_losses_after_event(struct daemon *d)
{
	if (!d->opt.telemetry_every || d->events < d->telemetry_next)
		return;
	d->telemetry_next = d->events + d->opt.telemetry_every;
	telemetry(d);
}

void pt_losses_totals(struct daemon *d, bool final)
{
	char kernel[TOTALS_MAX] = "", other[TOTALS_MAX] = "", outs[PT_LOSS_OUTPUTS_MAX];
	char counted[TOTALS_MAX] = "";
	size_t ko = 0, oo = 0, co = 0;
	struct loss_table t;

	if (final && d->opt.telemetry_every)
		telemetry(d); /* the last word on losses, after the final drain */
	pt_outputs_flush(d); /* the outputs' counts as of now */
	collect(d, &t);
	for (size_t i = 0; i < t.n; i++) {
		bool c = t.rows[i].kind == PT_COUNTED;
		char *buf = c ? counted : t.rows[i].kernel ? kernel : other;
		size_t *off = c ? &co : t.rows[i].kernel ? &ko : &oo;

		if (!strcmp(t.rows[i].name, "outputs") || *off >= TOTALS_MAX)
			continue;
		*off += (size_t)snprintf(buf + *off, TOTALS_MAX - *off, " %s=%" PRIu64,
					 t.rows[i].name, t.rows[i].n);
	}
	outputs_section(d, outs, sizeof(outs));
	pt_info("%s events %" PRIu64 "; lost records:%s; lost in userland:%s; outputs: %s; "
		"unresolved ancestors %" PRIu64 "%s%s",
		final ? "exiting after" : "totals:", d->events, kernel, other,
		outs[0] ? outs : "none", t.unresolved, co ? "; counted:" : "", counted);
}

void pt_losses_check(struct daemon *d)
{
	for (size_t i = 0; i < d->nrows; i++) {
		const struct pt_probe_desc *desc = d->rows[i];

		for (unsigned int j = 0; j < desc->nlosses; j++) {
			uint32_t slot = d->consts[i].loss_base + j;
			uint64_t n;

			if (desc->losses[j].kind == PT_COUNTED)
				continue; /* not a loss: in the totals only */
			n = pt_lost_read(d->env.lost_fd, slot);
			if (n > d->lost_seen[slot]) {
				pt_warn("%s: %" PRIu64 " %s", desc->info.name,
					n - d->lost_seen[slot], desc->losses[j].what);
				d->lost_seen[slot] = n;
			}
		}
	}
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Output specifications (-o SINK, [output] sink=) to open sinks.
 *
 *   json            JSON lines to [json] path= (default stdout)
 *   json:PATH       JSON lines appended to PATH ("-" = stdout)
 *   text            one line of text per event on stdout, for people
 *   text:PATH       the same appended to PATH ("-" = stdout)
 *   journald        the local journal (sd_journal_sendv)
 *   syslog          RFC 5424 to [syslog] target= (default unix:/dev/log)
 *   syslog:TARGET   RFC 5424 to unix:PATH, udp://HOST:PORT or tcp://HOST:PORT
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "queue.h"
#include "sink.h"

int pt_sink_open(struct pt_sink **out, const char *spec, const struct pt_sink_opts *opts)
{
	struct pt_sink_opts dflt;
	struct pt_syslog_target t;
	const char *target, *why;
	char msg[PT_SINK_SPEC_MAX + 200];

	if (pt_sink_spec_check(spec, msg, sizeof(msg))) {
		pt_err("%s", msg);
		return -EINVAL;
	}
	if (!opts) {
		pt_sink_opts_init(&dflt);
		opts = &dflt;
	}
	if (!strcmp(spec, "json"))
		return pt_sink_json_open(out, opts->json_path[0] ? opts->json_path : NULL);
	if (!strncmp(spec, "json:", 5))
		return pt_sink_json_open(out, spec + 5);
	if (!strcmp(spec, "text"))
		return pt_sink_text_open(out, NULL);
	if (!strncmp(spec, "text:", 5))
		return pt_sink_text_open(out, spec + 5);
	if (!strcmp(spec, "journald"))
		return pt_sink_journald_open(out, &opts->journald);
	target = spec[6] == ':' ? spec + 7 : opts->syslog.target;
	if (pt_syslog_target_parse(target, &t, &why)) {
		pt_err("syslog target '%s': %s", target, why);
		return -EINVAL;
	}
	return pt_sink_syslog_open(out, &opts->syslog, &t);
}


void pt_sink_report(struct pt_sink *s, const char *name, const struct pt_async_stats *st,
		    uint64_t extra_lost, struct pt_loss_report *r, bool final)
{
	uint64_t lost = pt_async_lost(st) + extra_lost, now;

	s->written = st->delivered;
	s->dropped = lost;
	s->held = st->held;
	if (final) {
		char peak[32];

		/* the high-water mark of the queue: what a burst took of queue_size */
		if (st->peak_bytes < (1u << 20))
			snprintf(peak, sizeof(peak), "%llu KiB",
				 (unsigned long long)(st->peak_bytes + 1023) / 1024);
		else
			snprintf(peak, sizeof(peak), "%.1f MiB", st->peak_bytes / 1048576.0);
		if (lost)
			pt_warn("%s: %llu events written, %llu lost (%llu queue full, %llu larger than the queue, %llu undeliverable, %llu not sent when closed); at most %s queued",
				name, (unsigned long long)st->delivered, (unsigned long long)lost,
				(unsigned long long)st->full, (unsigned long long)st->too_big,
				(unsigned long long)(st->rejected + extra_lost),
				(unsigned long long)st->abandoned, peak);
		else
			pt_info("%s: %llu events written, 0 lost; at most %s queued", name,
				(unsigned long long)st->delivered, peak);
		return;
	}
	if (lost <= r->reported)
		return;
	now = pt_clock_ns(CLOCK_MONOTONIC);
	if (r->last_ns && now - r->last_ns < 10000000000ull)
		return;
	pt_warn("%s: %llu events lost so far (%llu queue full, %llu larger than the queue, %llu undeliverable)",
		name, (unsigned long long)lost, (unsigned long long)st->full,
		(unsigned long long)st->too_big, (unsigned long long)(st->rejected + extra_lost));
	r->reported = lost;
	r->last_ns = now;
}

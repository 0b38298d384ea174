// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * --health-check-period N, as pidtree-bcc's: every N seconds check that the
 * probes are still attached and the outputs writable.  A probe whose
 * program was detached, or an output that cannot be written (a JSON file on
 * a full or failed disk, a pipe whose reader is gone), stops pidtree with
 * exit status 1 after logging why, so that its service manager restarts it.
 * A queued output whose receiver is down (journald, syslog) is not broken:
 * it holds its events and retries; it is reported, in STATUS= and the log.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"

static void fail(struct daemon *d, const char *why)
{
	pt_err("health check: %s; exiting", why);
	snprintf(d->health, sizeof(d->health), "failed: %.200s", why);
	d->health_failed = true;
	d->stop = true;
}

void pt_health_tick(struct daemon *d)
{
	uint64_t now = pt_clock_ns(CLOCK_MONOTONIC);
	char why[200], degraded[sizeof(d->health)] = "";
	int r;

	if (!d->opt.health_period || now < d->health_next_ns)
		return;
	d->health_next_ns = now + d->opt.health_period * 1000000000ull;
	for (size_t i = 0; i < d->nrows; i++) {
		if (d->probes[i] && pt_probe_health(d->probes[i], why, sizeof(why))) {
			fail(d, why);
			return;
		}
	}
	for (int i = 0; i < d->out.n; i++) {
		struct pt_sink *s = d->out.sinks[i];

		if (!s->ops->health)
			continue;
		r = s->ops->health(s, why, sizeof(why));
		if (r < 0) {
			fail(d, why);
			return;
		}
		if (r > 0 && !degraded[0])
			snprintf(degraded, sizeof(degraded), "%s", why);
	}
	if (degraded[0] && strcmp(d->health, degraded))
		pt_warn("health check: %s", degraded);
	snprintf(d->health, sizeof(d->health), "%s", degraded[0] ? degraded : "ok");
	pt_dbg("health check: %s", d->health);
}

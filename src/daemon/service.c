// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What makes pidtree a well-behaved service: capability drop and READY=1
 * once every probe is attached, RELOADING=1 / READY=1 around a reload,
 * STOPPING=1, STATUS= every few seconds, and the watchdog kept from the event
 * loop itself, so that a loop stuck behind anything starves it.  Every
 * sd_notify call is a no-op when NOTIFY_SOCKET is not set.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "caps.h"
#include "clock.h"
#include "daemon.h"
#include "log.h"

#define STATUS_EVERY_NS (5 * 1000000000ull)
#define STATUS_MAX (PT_LOSS_OUTPUTS_MAX + 1024)

/* WATCHDOG_USEC as the keep-alive period in ns (half of it), 0 if off. */
static uint64_t watchdog_period_ns(void)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);

	if (r <= 0 || !usec)
		return 0;
	return usec * 1000 / 2;
}

void pt_service_ready(struct daemon *d)
{
	char status[STATUS_MAX];

	pt_losses_status(d, status, sizeof(status));
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void pt_service_reloading(void)
{
	struct timespec ts;

	/* systemd >= 253 wants MONOTONIC_USEC with RELOADING=1 (Type=notify-reload) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading configuration",
		   (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
}

void pt_service_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

int pt_service_start(struct daemon *d)
{
	int err;

	err = pt_daemon_watch_start(d);
	if (err)
		return err;
	/* everything is loaded and attached: keep only what runtime needs */
	err = pt_drop_capabilities(pt_daemon_caps_needed(d));
	if (err)
		return err;
	d->telemetry_next = d->opt.telemetry_every;
	d->wd_period_ns = watchdog_period_ns();
	d->wd_next_ns = pt_clock_ns(CLOCK_MONOTONIC);
	d->status_next_ns = d->wd_next_ns + STATUS_EVERY_NS;
	pt_service_ready(d);
	if (d->wd_period_ns)
		pt_dbg("watchdog: keep-alive every %" PRIu64 " ms", d->wd_period_ns / 1000000);
	return 0;
}

int pt_service_poll(struct daemon *d)
{
	uint64_t now = pt_clock_ns(CLOCK_MONOTONIC);
	uint64_t next = now + d->opt.poll_ms * 1000000ull;
	char status[STATUS_MAX];

	/* the loop itself sends the keep-alive: a stuck loop starves it */
	if (d->wd_period_ns) {
		if (now >= d->wd_next_ns) {
			sd_notify(0, "WATCHDOG=1");
			d->wd_next_ns = now + d->wd_period_ns;
		}
		if (d->wd_next_ns < next)
			next = d->wd_next_ns;
	}
	if (now >= d->status_next_ns) {
		pt_losses_status(d, status, sizeof(status));
		sd_notifyf(0, "STATUS=%s", status);
		d->status_next_ns = now + STATUS_EVERY_NS;
	}
	if (d->reload_at_ns) {
		if (now >= d->reload_at_ns) {
			d->reload_at_ns = 0;
			pt_daemon_reload(d);
		} else if (d->reload_at_ns < next) {
			next = d->reload_at_ns;
		}
	}
	return next > now ? (int)((next - now + 999999) / 1000000) : 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "notify.h"

#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"

uint64_t pt_notify_watchdog_period_ns(void)
{
	uint64_t usec = 0;
	int r = sd_watchdog_enabled(0, &usec);

	if (r <= 0 || !usec)
		return 0;
	return usec * 1000 / 2;
}

void pt_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status ? status : "running");
}

void pt_notify_reloading(void)
{
	struct timespec ts;

	/* systemd >= 253 wants MONOTONIC_USEC with RELOADING=1 (Type=notify-reload) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading configuration",
		   (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
}

void pt_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void pt_notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

void pt_notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

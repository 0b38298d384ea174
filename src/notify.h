/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Service manager notifications (sd_notify) and the watchdog.  All calls
 * are no-ops when NOTIFY_SOCKET is not set.
 */
#ifndef PIDTREE_NOTIFY_H
#define PIDTREE_NOTIFY_H

#include <stdint.h>

/* Reads WATCHDOG_USEC; returns the keep-alive period in ns (usec/2), 0 if off. */
uint64_t pt_notify_watchdog_period_ns(void);
void pt_notify_ready(const char *status);
void pt_notify_reloading(void);
void pt_notify_stopping(void);
void pt_notify_watchdog(void);
void pt_notify_status(const char *status);

#endif

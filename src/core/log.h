/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PIDTREE_LOG_H
#define PIDTREE_LOG_H

#include <stdarg.h>
#include <syslog.h>

/*
 * The daemon's one logging function.  Messages go to stderr as
 * "pidtree: <level>: text" (journald picks stderr up under systemd).
 * LOG_DEBUG messages are shown only with -v.
 */
void pt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pt_vlog(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void pt_log_set_verbose(int verbose);
int pt_log_verbose(void);

#define pt_err(...) pt_log(LOG_ERR, __VA_ARGS__)
#define pt_warn(...) pt_log(LOG_WARNING, __VA_ARGS__)
#define pt_info(...) pt_log(LOG_INFO, __VA_ARGS__)
#define pt_dbg(...) pt_log(LOG_DEBUG, __VA_ARGS__)

#endif

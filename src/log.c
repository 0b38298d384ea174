/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "log.h"

#include <stdio.h>

static int log_verbose;

void pt_log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

int pt_log_verbose(void)
{
	return log_verbose;
}

void pt_vlog(int level, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[LOG_EMERG] = "emergency", [LOG_ALERT] = "alert", [LOG_CRIT] = "critical",
		[LOG_ERR] = "error",       [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info",       [LOG_DEBUG] = "debug",
	};

	if (level == LOG_DEBUG && !log_verbose)
		return;
	if (level < LOG_EMERG || level > LOG_DEBUG)
		level = LOG_ERR;
	fprintf(stderr, "pidtree: %s: ", names[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pt_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pt_vlog(level, fmt, ap);
	va_end(ap);
}

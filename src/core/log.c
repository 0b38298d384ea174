/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

static int log_verbose;
static int log_journal = -1; /* stderr is journald's stream: unknown yet */

void pt_log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

int pt_log_verbose(void)
{
	return log_verbose;
}

/*
 * Under systemd, stderr is a stream to journald and JOURNAL_STREAM names
 * it ("DEV:INODE").  Lines then start with sd-daemon(3)'s "<N>" priority
 * prefix instead of "pidtree: LEVEL: ", so that journald files each message
 * at its priority (journalctl -p err).
 */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

void pt_vlog(int level, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		[LOG_EMERG] = "emergency", [LOG_ALERT] = "alert", [LOG_CRIT] = "critical",
		[LOG_ERR] = "error",       [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
		[LOG_INFO] = "info",       [LOG_DEBUG] = "debug",
	};
	char line[LOG_LINE_MAX];
	int n, m;

	if (level == LOG_DEBUG && !log_verbose)
		return;
	if (level < LOG_EMERG || level > LOG_DEBUG)
		level = LOG_ERR;
	if (log_journal < 0)
		log_journal = stderr_is_journal();
	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>", level);
	else
		n = snprintf(line, sizeof(line), "pidtree: %s: ", names[level]);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2) { /* cut: mark it */
		n = sizeof(line) - 2;
		memcpy(line + n - 3, "...", 3);
	}
	line[n++] = '\n';
	/* one write per line: lines of concurrent threads never interleave */
	fwrite(line, 1, n, stderr);
}

void pt_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pt_vlog(level, fmt, ap);
	va_end(ap);
}

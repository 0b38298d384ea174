/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Lines to a file or to standard output, as the json and text outputs write
 * them: collected in a buffer, written with one write(2) per flush, and
 * always whole.
 *
 * A write that stops part way (ENOSPC, EFBIG under RLIMIT_FSIZE, EAGAIN on
 * a full non-blocking pipe, EPIPE) must not leave half a line for the next
 * flush to be appended to.  In a regular file the cut line is truncated
 * away (back to the last newline written); where that is impossible (a
 * pipe, a terminal, a file that cannot be truncated) the rest of the cut
 * line is kept and written first at the next flush, so the reader sees the
 * line finished.  Counting is by bytes written: an event whose whole line
 * reached the file is written, the others are dropped (the lines after the
 * cut one are dropped at once: a failed write is not retried).
 *
 * Lines are events or other records (telemetry): only events are counted.
 */
#ifndef PIDTREE_LINEFILE_H
#define PIDTREE_LINEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct pt_linefile {
	int fd;
	bool own_fd;
	bool regular;   /* a regular file: a cut line is truncated away */
	bool tty;       /* a terminal */
	char *path;     /* for messages: the path, or "<stdout>" */
	struct pt_buf buf;   /* lines not written yet (a kept rest first) */
	struct pt_buf kinds; /* one byte per line of buf: 1 an event, 0 a record */
	uint64_t written;    /* events whose line reached the file */
	uint64_t dropped;    /* events lost here */
	bool failed;         /* the last flush failed (reported once) */
};

/*
 * Open path for appending (NULL or "-": standard output, not closed
 * later).  A path must name a regular file (created with mode 0640 when
 * missing) or a character device such as /dev/null or a terminal: a
 * symbolic link as last component, a FIFO, a socket or a directory is
 * refused, so that a link or FIFO planted where the file should be can
 * neither redirect pidtree's output nor block it in open(2).  what names
 * the output in messages ("json", "text").  0 or -errno (logged).
 */
int pt_linefile_open(struct pt_linefile *lf, const char *path, const char *what);

/* Append one line (the newline is added).  An event that does not fit in memory is dropped. */
void pt_linefile_add(struct pt_linefile *lf, const char *line, size_t len, bool event);

/* Bytes waiting: the caller flushes early past its threshold. */
static inline size_t pt_linefile_pending(const struct pt_linefile *lf)
{
	return lf->buf.len;
}

/* Write what is buffered: 0, or -errno of the failed write (see above). */
int pt_linefile_flush(struct pt_linefile *lf, const char *what);

/*
 * Flush, then open the path again by name (log rotation) under the same
 * rules as pt_linefile_open; a failure keeps the old descriptor.  Standard
 * output is kept as it is.
 */
int pt_linefile_reopen(struct pt_linefile *lf, const char *what);

/*
 * For --health-check-period: -EIO when the last write failed (EIO, ENOSPC,
 * EPIPE...), -EPIPE when the descriptor reports an error (a pipe whose
 * reader is gone: POLLERR), as pidtree-bcc's health check does; the reason
 * in why.  0 when healthy.
 */
int pt_linefile_health(const struct pt_linefile *lf, const char *what, char *why, size_t len);

/* Flush and close: an unfinished line's event counts as dropped. */
void pt_linefile_close(struct pt_linefile *lf, const char *what);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one-line summary of an event: the journal's MESSAGE and each line of
 * the text output, from one formatter so that the two never disagree:
 *
 *   tcp_connect 198.51.100.37:6697 weechat[1775] alice <- -zsh[23231]
 *       <- tmux[1923] <- /sbin/init[1] root
 *
 * (one line).  The probe; the addresses that matter for its shape (connect:
 * the destination; listen: protocol and local address; session: protocol
 * and the first destinations); the container when the event has one; the
 * ancestry, the process first, each process as cmdline[pid], with its user
 * after the process itself and after every ancestor whose user differs
 * from the one shown before; the event's error in parentheses.  Every
 * string from the event is escaped (PT_TEXT_HUMAN: control characters, C1
 * controls, bidi formatting, invalid UTF-8), so a command line can neither
 * move the cursor nor forge a line.
 */
#ifndef PIDTREE_SUMMARY_H
#define PIDTREE_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "event.h"

/* A cmdline is never shortened below this many columns (with the "..."). */
#define PT_SUMMARY_MIN_CMD 12
/* With a width, a deeper tree shows its first TREE_MAX - 1 processes, "...", pid 1. */
#define PT_SUMMARY_TREE_MAX 8
/* The journal's MESSAGE (the full cmdlines are in their own fields). */
#define PT_SUMMARY_JOURNAL_WIDTH 300

struct pt_summary_opts {
	/*
	 * Fit the line in this many columns if it can be done: the longest
	 * cmdlines are shortened first (none below PT_SUMMARY_MIN_CMD), a
	 * deep tree is elided in the middle.  0: no limit, every cmdline and
	 * every ancestor in full.
	 */
	size_t width;
	/* ANSI colours (SGR) for the probe, the addresses and the users; not counted in width */
	bool colour;
};

void pt_event_summary(struct pt_buf *b, const struct pt_event *ev, const struct pt_summary_opts *o);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The one-line summary of an event (journald MESSAGE). */
#ifndef PIDTREE_SUMMARY_H
#define PIDTREE_SUMMARY_H

#include "buf.h"
#include "event.h"

/* Short name of a process: basename of the first word of its cmdline. */
void pt_proc_name(struct pt_buf *b, const struct pt_event_proc *p);

/*
 * The journald MESSAGE: one line, at most about 600 bytes, e.g.
 * "tcp_connect: curl[1234] user root connected to 93.184.216.34:443 from
 *  10.0.0.5; tree: curl[1234] < bash[1200] < sshd[900] < systemd[1]"
 */
void pt_event_summary(struct pt_buf *b, const struct pt_event *ev);

#endif

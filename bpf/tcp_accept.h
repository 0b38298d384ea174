/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tcp_accept's counters (bpf/tcp_accept.bpf.c, src/probes/tcp_accept.c). */
#ifndef PIDTREE_TCP_ACCEPT_H
#define PIDTREE_TCP_ACCEPT_H

/* loss counters, added to the object's loss_base */
enum {
	PT_ACCEPT_LOSS_RING = 0,         /* records lost: ring buffer full */
	PT_ACCEPT_LOSS_NOT_ACCEPTED = 1, /* established, closed before any accept */
	PT_ACCEPT_LOSS_CONTAINER = 2,    /* dropped by container_labels (counted, not lost) */
};

#endif

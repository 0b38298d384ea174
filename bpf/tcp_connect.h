/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* tcp_connect's counters (bpf/tcp_connect.bpf.c, src/probes/tcp_connect.c). */
#ifndef PIDTREE_TCP_CONNECT_H
#define PIDTREE_TCP_CONNECT_H

/* loss counters, added to the object's loss_base */
enum {
	PT_CONNECT_LOSS_RING = 0,      /* records lost: ring buffer full */
	PT_CONNECT_LOSS_CONTAINER = 1, /* dropped by container_labels (counted, not lost) */
};

#endif

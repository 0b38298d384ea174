/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* net_listen's options (bpf/net_listen.bpf.c, src/probes/net_listen.c). */
#ifndef PIDTREE_NET_LISTEN_H
#define PIDTREE_NET_LISTEN_H

/* pt_protocols, and protocols: in the YAML */
#define PT_LISTEN_TCP (1u << 0)
#define PT_LISTEN_UDP (1u << 1)

/* loss counters, added to the object's loss_base */
enum {
	PT_LISTEN_LOSS_RING = 0,      /* records lost: ring buffer full */
	PT_LISTEN_LOSS_CONTAINER = 1, /* dropped by container_labels (counted, not lost) */
};

#ifndef __bpf__
#include <stdbool.h>

/* net_listen's own YAML keys (pidtree-bcc's), pt_probe_config.opts */
struct pt_net_listen_opts {
	unsigned int protocols;    /* PT_LISTEN_*; default TCP */
	long snapshot_periodicity; /* seconds, 0 = off */
	long snapshot_delay;       /* seconds before the first snapshot, default 5 */
	bool same_namespace_only;
	bool exclude_random_bind;
};
#endif

#endif

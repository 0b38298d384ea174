/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* udp_session's kernel state and records (bpf/udp_session.bpf.c, src/probes/udp_session.c). */
#ifndef PIDTREE_UDP_SESSION_H
#define PIDTREE_UDP_SESSION_H

#include "pidtree.h"

#define PT_UDP_MAX_DESTS 8

struct pt_udp_kdest {
	__u8 addr[16];
	__u16 family;
	__u16 port; /* host order */
	__u32 pad;
	__u64 count;
	__u64 first_ns;
	__u64 last_ns;
};

#define PT_UDP_F_DEST_OVERFLOW (1u << 0) /* more destinations than PT_UDP_MAX_DESTS */

/* Value of the kernel's session map, keyed by socket cookie. */
struct pt_udp_state {
	__u64 start_ns;
	__u64 last_ns;
	__u32 tgid;
	__u32 ndests;
	__u32 flags;      /* PT_UDP_F_* */
	__u32 connected;  /* 1 + index of the connect(2)ed destination, 0 if none */
	__u32 netns;      /* network namespace of the sender (names of destinations) */
	__u32 pad;
	struct pt_udp_kdest dests[PT_UDP_MAX_DESTS];
};

/* start (record 1): first datagram (or connect) of a socket, in the sender. */
struct pt_udp_start_record {
	struct pt_record_hdr hdr;
	__u64 cookie;
	struct pt_ancestry tree;
};

/* end (record 0): the socket was closed. */
struct pt_udp_end_record {
	struct pt_record_hdr hdr;
	__u64 cookie;
	struct pt_udp_state s;
};

#ifndef __bpf__
/* udp_session's own YAML keys, pt_probe_config.opts */
struct pt_udp_session_opts {
	long session_max_duration; /* seconds, default 120 */
	long max_sessions;         /* tracked sockets (kernel and userland), default 16384 */
};
#define PT_UDP_MAX_SESSIONS_MAX (1 << 20)
#endif

/* Record indices (added to the object's rec_base) and loss counters. */
enum { PT_UDP_REC_END = 0, PT_UDP_REC_START = 1 };
enum { PT_UDP_LOSS_RING = 0, PT_UDP_LOSS_UNTRACKED = 1, PT_UDP_LOSS_CONTAINER = 2 };

#endif

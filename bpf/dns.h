/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DRAFT (issue 17, branch dns-core): the record of bpf/dns.bpf.c, shared
 * with userland (src/dns/ingest.h's struct pt_dns_capture is filled from
 * it).  To be merged into pidtree.h by whoever wires the probe in: the
 * record type number and the counters are provisional.  Fixed-width types
 * only.
 */
#ifndef PIDTREE_DNS_BPF_H
#define PIDTREE_DNS_BPF_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PT_REC_DNS 8 /* provisional: pick a free enum pt_record_type value */

/* Bytes of a DNS message copied at most: a power of two (the verifier
 * bounds the copy with it) holding the 1232-byte EDNS size of DNS flag
 * day 2020; longer answers arrive cut (cap_len < msg_len). */
#define PT_DNS_CAP 2048
#define PT_DNS_MAX_PORTS 4

/* pt_record_hdr.flags of a PT_REC_DNS record */
#define PT_DNS_F_TRUNCATED (1u << 0) /* cap_len < msg_len */
#define PT_DNS_F_NO_OWNER  (1u << 1) /* tgid/netns not known (TCP from softirq, no storage) */

struct pt_dns_record {
	struct pt_record_hdr hdr; /* ts_ns: when the answer arrived */
	__u32 netns;     /* network namespace of the socket that asked */
	__u32 tgid;      /* process that sent the query on that socket */
	__u64 cookie;    /* the socket (bpf_get_socket_cookie) */
	__u64 query_ns;  /* when the query left */
	__u16 family;    /* AF_INET / AF_INET6 */
	__u16 protocol;  /* IPPROTO_UDP / IPPROTO_TCP */
	__u16 sport;     /* server port, host order */
	__u16 dport;     /* client port, host order */
	__u8 saddr[16];  /* server (v4 in the first 4 bytes) */
	__u8 daddr[16];  /* client */
	__u32 msg_len;   /* DNS message length: UDP payload, or TCP's length prefix */
	__u32 cap_len;   /* bytes used in payload[] */
	__u8 payload[PT_DNS_CAP]; /* the message, without TCP's length prefix */
};

/* Indices of the per-CPU pt_dns_stats array. */
enum pt_dns_stat {
	PT_DNS_STAT_QUERIES = 0,   /* queries seen leaving */
	PT_DNS_STAT_ANSWERS = 1,   /* answers matched and emitted */
	PT_DNS_STAT_UNMATCHED = 2, /* answers matching no pending query: dropped */
	PT_DNS_STAT_RING_FULL = 3, /* matched answers lost: ring buffer full */
	PT_DNS_STAT_SHORT = 4,     /* port-53 packets too short for a DNS header */
	PT_DNS_STAT_MAX = 5,
};

/* Key of the pending-query map: the answer must come back to the same
 * socket, from the server the query went to, with the same DNS id. */
struct pt_dns_qkey {
	__u64 cookie;
	__u8 peer[16];
	__u16 peer_port; /* host order */
	__u16 id;
	__u8 family;
	__u8 protocol;
	__u16 pad;
};

struct pt_dns_qval {
	__u64 ts_ns;
	__u32 tgid;
	__u32 netns;
	__u32 flags; /* PT_DNS_F_NO_OWNER */
	__u32 pad;
};

/* Socket storage set at connect(2) of a TCP socket to a DNS port. */
struct pt_dns_owner {
	__u32 tgid;
	__u32 netns;
};

#endif

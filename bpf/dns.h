/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dns probe's kernel state and record (bpf/dns.bpf.c, src/probes/dns.c):
 * DNS answers that match a query this host sent, handed to userland for the
 * name table.  Fixed-width types only.
 */
#ifndef PIDTREE_DNS_BPF_H
#define PIDTREE_DNS_BPF_H

#include "pidtree.h"

/* Bytes of a DNS message copied at most: a power of two (the verifier
 * bounds the copy with it) holding the 1232-byte EDNS size of DNS flag
 * day 2020; longer answers arrive cut (cap_len < msg_len). */
#define PT_DNS_CAP 2048
/* DNS server ports (pt_dns_ports), as many as core/dns_opts.h's PT_DNS_PORTS_MAX */
#define PT_DNS_MAX_PORTS 4

/* pt_record_hdr.flags of an answer record */
#define PT_DNS_F_TRUNCATED (1u << 0) /* cap_len < msg_len */
#define PT_DNS_F_NO_OWNER  (1u << 1) /* tgid/netns not known (tgid 0) */

/* Record indices (added to the object's rec_base) and loss counters. */
enum { PT_DNS_REC_ANSWER = 0 };
enum {
	PT_DNS_LOSS_RING = 0,      /* matched answers lost: ring buffer full */
	PT_DNS_LOSS_UNMATCHED = 1, /* answers matching no query sent from here: ignored */
	PT_DNS_LOSS_SHORT = 2,     /* DNS-port packets too short for a DNS header */
};

struct pt_dns_record {
	struct pt_record_hdr hdr; /* ts_ns: when the answer arrived; PT_DNS_F_* */
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

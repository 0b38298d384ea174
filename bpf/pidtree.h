/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Records exchanged between pidtree's BPF programs and userland through the
 * shared ring buffer, and the layout of the filter maps.  Fixed-width types
 * only: this header is compiled both for the BPF target and for the host.
 */
#ifndef PIDTREE_BPF_H
#define PIDTREE_BPF_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define PT_COMM_LEN 16
/* Upper limit of the in-kernel ancestry walk; the configured depth is <= this. */
#define PT_MAX_DEPTH 32
/* Bytes of argv copied from the leaf's mm in network hooks. */
#define PT_LEAF_ARGV_LEN 512
/* Bytes of argv copied on exec (the cmdline cache's source). Power of two. */
#define PT_EXEC_ARGV_LEN 4096
#define PT_MAX_PORT_RANGES 8

enum pt_record_type {
	PT_REC_TCP_CONNECT = 1,
	PT_REC_NET_LISTEN = 2,
	PT_REC_UDP_SESSION = 3, /* session end: destinations */
	PT_REC_UDP_START = 4,   /* session start: ancestry */
	PT_REC_EXEC = 16,
	PT_REC_FORK = 17,
	PT_REC_EXIT = 18,
};

/* Indices of the per-CPU "lost" counter array (ring-buffer reserve failures). */
enum pt_loss_index {
	PT_LOSS_TCP_CONNECT = 0,
	PT_LOSS_NET_LISTEN = 1,
	PT_LOSS_UDP_SESSION = 2,
	PT_LOSS_PROCESS = 3,
	PT_LOSS_UDP_MAP_FULL = 4, /* sessions not tracked: session map full */
	PT_LOSS_MAX = 5,
};

/* net_listen protocols (pt_protocols) */
#define PT_LISTEN_TCP (1u << 0)
#define PT_LISTEN_UDP (1u << 1)

/* pt_record_hdr.flags */
#define PT_F_TRUNCATED      (1u << 0) /* ancestry walk hit the depth limit */
#define PT_F_ARGV_TRUNCATED (1u << 1) /* argv longer than the copy buffer */
#define PT_F_ARGV_FAULT     (1u << 2) /* argv could not be read */
#define PT_F_FROM_PROC      (1u << 3) /* userland snapshot built from /proc: no exec ids */

struct pt_record_hdr {
	__u32 type;  /* enum pt_record_type */
	__u32 flags; /* PT_F_* */
	__u64 ts_ns; /* bpf_ktime_get_boot_ns() */
};

/* One process of an ancestry snapshot, taken in the kernel at event time. */
struct pt_ancestor {
	__u32 tgid;
	__u32 ppid;
	__u32 uid;
	__u32 loginuid;
	__u64 start_ns; /* group leader's start_boottime */
	__u64 exec_id;  /* task->self_exec_id: +1 per execve, inherited on fork */
	char comm[PT_COMM_LEN];
};

struct pt_ancestry {
	__u32 depth; /* entries used in anc[] */
	__u32 argv_len; /* bytes used in argv[] (leaf's argv, NUL separated) */
	struct pt_ancestor anc[PT_MAX_DEPTH];
	char argv[PT_LEAF_ARGV_LEN];
};

/* PT_REC_TCP_CONNECT and PT_REC_NET_LISTEN */
struct pt_conn_record {
	struct pt_record_hdr hdr;
	__u16 family; /* AF_INET / AF_INET6 */
	__u16 protocol; /* IPPROTO_TCP / IPPROTO_UDP */
	__u16 dport; /* host order */
	__u16 sport; /* host order */
	__u8 saddr[16]; /* v4 in the first 4 bytes */
	__u8 daddr[16];
	__u32 netns;
	__u32 pad;
	struct pt_ancestry tree;
};

/* PT_REC_EXEC: the new image of tgid, argv read from its own mm. */
struct pt_exec_record {
	struct pt_record_hdr hdr;
	struct pt_ancestor proc;
	__u32 argv_len;
	__u32 pad;
	char argv[PT_EXEC_ARGV_LEN];
};

/* PT_REC_FORK: a new process (not a thread). */
struct pt_fork_record {
	struct pt_record_hdr hdr;
	struct pt_ancestor child;
	__u32 parent_tgid;
	__u32 pad;
	__u64 parent_start_ns;
};

/* PT_REC_EXIT: the thread-group leader exited. */
struct pt_exit_record {
	struct pt_record_hdr hdr;
	__u32 tgid;
	__u32 pad;
	__u64 start_ns;
};

/* ---- udp_session ------------------------------------------------------ */

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
	struct pt_udp_kdest dests[PT_UDP_MAX_DESTS];
};

/* PT_REC_UDP_START: first datagram (or connect) of a socket, in the sender. */
struct pt_udp_start_record {
	struct pt_record_hdr hdr;
	__u64 cookie;
	struct pt_ancestry tree;
};

/* PT_REC_UDP_SESSION: the socket was closed. */
struct pt_udp_end_record {
	struct pt_record_hdr hdr;
	__u64 cookie;
	struct pt_udp_state s;
};

/*
 * Filter maps.  Every key carries a generation byte so that a reload can
 * insert a complete new generation, flip pt_settings.generation, then delete
 * the old one: a lookup always sees one whole configuration.
 */
enum pt_filter_mode {
	PT_FILTER_ALL = 0,     /* drop all traffic to the subnet */
	PT_FILTER_EXCEPT = 1,  /* drop all but the listed ports */
	PT_FILTER_INCLUDE = 2, /* drop only the listed ports */
};

struct pt_port_range {
	__u16 lo;
	__u16 hi;
};

struct pt_lpm_v4_key {
	__u32 prefixlen; /* 8 (generation) + network prefix length */
	__u8 gen;
	__u8 addr[4];
};

struct pt_lpm_v6_key {
	__u32 prefixlen;
	__u8 gen;
	__u8 addr[16];
};

struct pt_filter_value {
	__u8 mode; /* enum pt_filter_mode */
	__u8 nranges;
	__u16 pad;
	struct pt_port_range ranges[PT_MAX_PORT_RANGES];
};

enum pt_port_mode {
	PT_PORTS_NONE = 0,
	PT_PORTS_INCLUDE = 1, /* report only these ports */
	PT_PORTS_EXCLUDE = 2, /* report all but these ports */
};

/* Global port filter: one bit per port, one bitmap per generation. */
struct pt_port_bitmap {
	__u32 mode; /* enum pt_port_mode */
	__u32 pad;
	__u64 bits[65536 / 64];
};

/* Single entry of the "settings" array map of each probe object. */
struct pt_settings {
	__u32 generation; /* 0 or 1: which filter generation is live */
	__u32 max_depth;  /* ancestry walk limit, <= PT_MAX_DEPTH */
	__u32 self_netns; /* pidtree's own netns inode (same_namespace_only) */
	__u32 flags;      /* probe specific */
};

#endif /* PIDTREE_BPF_H */

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
/* Bytes of the leaf's cgroup v2 directory name kept ("libpod-<64 hex>.scope" is 77). */
#define PT_CGROUP_NAME_LEN 128
/* Mount namespaces a probe's container_labels map holds at most (pt_containers). */
#define PT_CONTAINERS_MAP_MAX 8192

/*
 * Record types and loss counters are not numbered here: userland gives each
 * probe object a range of each (from the probe table, src/probes/table.c)
 * through its read-only pt_consts before load, so a probe, built in or
 * external, needs no number reserved in this file.
 */
#define PT_LOSS_SLOTS 32 /* entries of the shared pt_lost array */

/* Read-only data of every BPF object, set by userland before load. */
struct pt_obj_consts {
	__u64 wakeup_bytes; /* ring backlog that wakes the consumer */
	__u32 max_depth;    /* ancestry walk limit, <= PT_MAX_DEPTH */
	__u32 rec_base;     /* its record types: rec_base + 0, + 1, ... */
	__u32 loss_base;    /* its loss counters: pt_lost[loss_base + 0], ... */
	__u32 flags;        /* PT_CONSTS_F_* and PT_K_* */
};

/* pt_obj_consts.flags */
#define PT_CONSTS_F_CONTAINERS (1u << 0) /* container_labels: pt_containers decides (containers.bpf.h) */

/*
 * pt_obj_consts.flags too: what the running kernel offers, probed by
 * userland at start-up (kernel_features.h).  The programs read them as
 * constants (a frozen read-only map), so the verifier only ever sees the
 * path the running kernel supports: the BTF pointer walk where the program
 * type has bpf_get_current_task_btf, the same walk with
 * bpf_get_current_task and CO-RE reads where it does not.
 */
#define PT_K_TASK_BTF        (1u << 1) /* bpf_get_current_task_btf in tp_btf and tracepoint programs (5.11) */
#define PT_K_TASK_BTF_CGROUP (1u << 2) /* bpf_get_current_task_btf in cgroup socket programs (5.15) */
#define PT_K_ALL             (PT_K_TASK_BTF | PT_K_TASK_BTF_CGROUP)

/* pt_record_hdr.flags */
#define PT_F_TRUNCATED      (1u << 0) /* ancestry walk hit the depth limit */
#define PT_F_ARGV_TRUNCATED (1u << 1) /* argv longer than the copy buffer */
#define PT_F_ARGV_FAULT     (1u << 2) /* argv could not be read */
#define PT_F_FROM_PROC      (1u << 3) /* userland snapshot built from /proc: no exec ids */

struct pt_record_hdr {
	__u32 type;  /* rec_base + the probe's own index */
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

/*
 * An ancestry snapshot, variable length: depth ancestors, then the leaf's
 * argv (argv_len bytes, NUL separated) right after anc[depth - 1].  Always
 * the last member of its record; the record is as long as what it holds.
 */
struct pt_ancestry {
	__u32 depth;    /* entries in anc[], <= PT_MAX_DEPTH */
	__u32 argv_len; /* bytes of argv after them, <= PT_LEAF_ARGV_LEN */
	/*
	 * The leaf's container identity at event time (0 / "" = unknown, e.g.
	 * a snapshot built from /proc): what userland names the container by.
	 */
	__u64 cgroup_id; /* id of its cgroup v2 directory (bpf_get_current_cgroup_id) */
	__u32 mntns;     /* inode of its mount namespace */
	__u32 pad;
	char cgroup_name[PT_CGROUP_NAME_LEN]; /* that directory's name, NUL-terminated */
	struct pt_ancestor anc[];
};

/* The largest ancestry snapshot, in bytes. */
/*
 * A record whose last member is its struct pt_ancestry tree, holding a
 * snapshot of tsize bytes (pt_capture_tree), is this long; and of a record
 * of len bytes (at least sizeof(*r)), this many are its tree's.
 */
#define PT_TREE_REC_LEN(r, tsize) (__builtin_offsetof(__typeof__(*(r)), tree) + (tsize))
#define PT_TREE_AVAIL(r, len) ((len) - __builtin_offsetof(__typeof__(*(r)), tree))
#define PT_ANCESTRY_HDR (24 + PT_CGROUP_NAME_LEN)
#define PT_ANCESTRY_MAX (PT_ANCESTRY_HDR + PT_MAX_DEPTH * 48 + PT_LEAF_ARGV_LEN)

/* A socket event with the ancestry of the task it ran in (connect, listen, accept). */
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

/* The process object's records (bpf/process.bpf.c), by index. */
enum { PT_PROC_REC_EXEC = 0, PT_PROC_REC_FORK = 1, PT_PROC_REC_EXIT = 2 };

/* exec: the new image of tgid, argv read from its own mm; as long as its argv. */
struct pt_exec_record {
	struct pt_record_hdr hdr;
	struct pt_ancestor proc;
	__u32 argv_len; /* <= PT_EXEC_ARGV_LEN */
	__u32 pad;
	char argv[];
};

/* fork: a new process (not a thread). */
struct pt_fork_record {
	struct pt_record_hdr hdr;
	struct pt_ancestor child;
	__u32 parent_tgid;
	__u32 pad;
	__u64 parent_start_ns;
};

/*
 * exit: the last thread of a process exited.  Exits are batched per CPU
 * (pt_exits in bpf/process.bpf.c): an exit is two stores into this CPU's
 * batch, and the batch goes into the ring as one record when it holds
 * PT_EXIT_BATCH exits, or when userland drains a CPU that has held exits
 * for a tick (the pt_exit_drain program, run on that CPU): the ring's
 * cache lines, cold by the time the next process exits, are touched once
 * per batch instead of once per exit.  The cache only ages exited
 * entries out, so an exit may arrive a second or two late.
 *
 * Exit number seq of a CPU (1, 2, ...) is at e[seq % PT_EXIT_BATCH]; a
 * record holds the count exits up to last: seq last - count + 1 .. last.
 * hdr.ts_ns is 0: userland's clock is good enough for the grace period.
 */
#define PT_EXIT_BATCH 16

struct pt_exit_entry {
	__u64 seq;
	__u32 tgid;
	__u32 pad;
	__u64 start_ns;
};

struct pt_exit_batch {
	struct pt_record_hdr hdr;
	__u32 cpu;
	__u32 count; /* 1 .. PT_EXIT_BATCH */
	__u64 last;  /* seq of the newest exit */
	/* the kernel's bookkeeping, sent as it is: */
	__u64 flushed; /* seq of the newest exit sent (or lost) */
	__u32 busy;    /* pt_exit is updating the batch: not to be drained now */
	__u32 pad;
	struct pt_exit_entry e[PT_EXIT_BATCH];
};

/*
 * Filter maps.  Every key carries a generation byte so that a reload can
 * insert a complete new generation, flip the object's pt_generation, then
 * delete the old one: a lookup always sees one whole configuration.
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

#ifndef __bpf__
_Static_assert(sizeof(struct pt_ancestor) == 48, "PT_ANCESTRY_MAX counts 48 bytes an ancestor");
_Static_assert(sizeof(struct pt_ancestry) == PT_ANCESTRY_HDR, "PT_ANCESTRY_HDR is the header");

/* The argv of a snapshot, after its ancestors. */
static inline const char *pt_ancestry_argv(const struct pt_ancestry *t)
{
	return (const char *)&t->anc[t->depth];
}

/* Whether t, with avail bytes from its start to the end of its record, is whole. */
static inline int pt_ancestry_ok(const struct pt_ancestry *t, unsigned long avail)
{
	return avail >= sizeof(*t) && t->depth <= PT_MAX_DEPTH && t->argv_len <= PT_LEAF_ARGV_LEN &&
	       sizeof(*t) + t->depth * sizeof(t->anc[0]) + t->argv_len <= avail;
}

/* Storage for one snapshot built in userland (listener snapshots, tests). */
union pt_ancestry_buf {
	struct pt_ancestry t;
	char bytes[PT_ANCESTRY_MAX];
};
#endif

#endif /* PIDTREE_BPF_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by every probe: the ring buffer all records go through, the
 * per-CPU loss counters, and the in-kernel ancestry snapshot.
 *
 * Userland creates the ring buffer and the loss array once (process.bpf.c's
 * copies) and hands the same fds to every other object before load
 * (bpf_map__reuse_fd), so exec/fork/exit records and network records share
 * one ordered stream: the exec of a process is always consumed before any
 * connection it makes.
 */
#ifndef PIDTREE_PROCTREE_BPF_H
#define PIDTREE_PROCTREE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "pidtree.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by userland before load */
} pt_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PT_LOSS_MAX);
	__type(key, __u32);
	__type(value, __u64);
} pt_lost SEC(".maps");

/* Ancestry depth limit, set by userland before load (<= PT_MAX_DEPTH). */
const volatile __u32 pt_max_depth = PT_MAX_DEPTH;
/* Wake the consumer when this much data is waiting (set before load). */
const volatile __u64 pt_wakeup_bytes = 256 << 10;

static __always_inline void pt_count_loss(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&pt_lost, &idx);

	if (v)
		*v += 1; /* per-CPU slot: no atomic needed */
}

/*
 * Reserve a record of size bytes (a compile-time constant) in the shared
 * ring, its header set: type, no flags, the boot-based time.  NULL, with
 * the loss counted at loss_idx, when the ring is full.
 */
static __always_inline void *pt_reserve(__u64 size, __u32 type, __u32 loss_idx)
{
	struct pt_record_hdr *h = bpf_ringbuf_reserve(&pt_events, size, 0);

	if (!h) {
		pt_count_loss(loss_idx);
		return NULL;
	}
	h->type = type;
	h->flags = 0;
	h->ts_ns = bpf_ktime_get_boot_ns();
	return h;
}

/*
 * Submit a record without the per-record wakeup.  The default (wake the
 * consumer whenever it had caught up) costs an irq_work per event, which
 * under load is most of the program's run time (a self-IPI, and a VM exit
 * when virtualised).  Instead the consumer is woken once when the backlog
 * crosses pt_wakeup_bytes, and otherwise polls the ring on a short timer
 * (pidtree's --poll-ms), which bounds the latency of a lone event.
 */
static __always_inline void pt_submit(void *rec, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(&pt_events, BPF_RB_AVAIL_DATA);
	__u64 flags = BPF_RB_NO_WAKEUP;

	/* avail includes this record (reserved, not yet committed) */
	if (avail >= pt_wakeup_bytes && avail < pt_wakeup_bytes + size + 8)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

static __always_inline void pt_fill_ancestor(struct pt_ancestor *a, struct task_struct *t)
{
	struct task_struct *leader = t->group_leader;

	a->tgid = t->tgid;
	a->ppid = t->real_parent->tgid;
	a->uid = t->real_cred->uid.val;
	a->loginuid = t->loginuid.val;
	a->start_ns = leader->start_boottime;
	a->exec_id = t->self_exec_id;
	bpf_probe_read_kernel(a->comm, sizeof(a->comm), leader->comm);
}

/*
 * Walk real_parent from t up to pid 1 (whose parent is the idle task, pid 0),
 * at most pt_max_depth steps.  Runs in BTF-enabled programs (tp_btf), where
 * these pointer walks are plain probe-mem loads.  Returns PT_F_TRUNCATED when
 * the limit stopped the walk before pid 1.
 */
static __always_inline __u32 pt_snapshot_ancestry(struct pt_ancestry *tree, struct task_struct *t)
{
	struct task_struct *parent;
	__u32 i, flags = PT_F_TRUNCATED;

	tree->depth = 0;
	for (i = 0; i < PT_MAX_DEPTH; i++) {
		if (i >= pt_max_depth)
			break;
		pt_fill_ancestor(&tree->anc[i], t);
		tree->depth = i + 1;
		parent = t->real_parent;
		if (!parent || parent == t || parent->tgid == 0) {
			flags = 0; /* reached pid 1 (or a task without parent) */
			break;
		}
		t = parent;
	}
	return flags;
}

/*
 * Copy the argv of t's mm (NUL separated) into buf of size cap (a power of
 * two).  Must run in t's own context.  Returns the PT_F_ARGV_* flags and the
 * number of bytes copied in *len.
 */
static __always_inline __u32 pt_read_argv(struct task_struct *t, char *buf, __u32 cap, __u32 *len)
{
	struct mm_struct *mm = t->mm;
	unsigned long start, end;
	__u64 n;
	__u32 flags = 0;

	*len = 0;
	if (!mm)
		return 0; /* kernel thread: no argv */
	start = mm->arg_start;
	end = mm->arg_end;
	if (end <= start)
		return 0;
	n = end - start;
	if (n > cap) {
		n = cap;
		flags |= PT_F_ARGV_TRUNCATED;
	}
	/* keep the verifier's bound explicit: 1 <= n <= cap */
	n &= (cap << 1) - 1;
	if (n == 0 || n > cap)
		return flags;
	if (bpf_probe_read_user(buf, n, (const void *)start) < 0)
		return flags | PT_F_ARGV_FAULT;
	*len = n;
	return flags;
}

/* The ancestry of task and its argv into tree: the record's PT_F_* flags. */
static __always_inline __u32 pt_capture_tree(struct pt_ancestry *tree, struct task_struct *task)
{
	return pt_snapshot_ancestry(tree, task) |
	       pt_read_argv(task, tree->argv, PT_LEAF_ARGV_LEN, &tree->argv_len);
}

#endif

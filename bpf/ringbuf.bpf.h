/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by every probe object: the ring buffer all records go through and
 * the per-CPU loss counters.
 *
 * Userland creates the ring buffer and the loss array once and hands the
 * same fds to every object before load (bpf_map__reuse_fd), so exec/fork/
 * exit records and network records share one ordered stream: the exec of a
 * process is always consumed before any connection it makes.  Each object
 * writes its own record types and loss counters, given in pt_consts.
 */
#ifndef PIDTREE_RINGBUF_BPF_H
#define PIDTREE_RINGBUF_BPF_H

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
	__uint(max_entries, PT_LOSS_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} pt_lost SEC(".maps");

/* Set by userland before load (struct pt_obj_consts in pidtree.h). */
const volatile struct pt_obj_consts pt_consts = {
	.wakeup_bytes = 256 << 10,
	.max_depth = PT_MAX_DEPTH,
};

/* This object's record type i, and its loss counter i. */
#define PT_REC(i) (pt_consts.rec_base + (i))
#define PT_LOSS(i) (pt_consts.loss_base + (i))

/*
 * Where a program runs, as the pt_consts.flags bit (pidtree.h) that says
 * whether bpf_get_current_task_btf is there.
 */
#define PT_IN_TRACING PT_K_TASK_BTF        /* tp_btf and tracepoint programs */
#define PT_IN_CGROUP  PT_K_TASK_BTF_CGROUP /* cgroup socket and cgroup_skb programs */

/*
 * The current task's tgid, mount and network namespace inodes, from a
 * program of kind where (PT_IN_*): plain loads through the BTF pointer
 * where the kernel has bpf_get_current_task_btf there, CO-RE reads through
 * bpf_get_current_task where it does not (the verifier sees one branch).
 */
static __always_inline __u32 pt_current_mntns(__u32 where)
{
	if (pt_consts.flags & where)
		return bpf_get_current_task_btf()->nsproxy->mnt_ns->ns.inum;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nsproxy, mnt_ns, ns.inum);
}

static __always_inline __u32 pt_current_netns(__u32 where)
{
	if (pt_consts.flags & where)
		return bpf_get_current_task_btf()->nsproxy->net_ns->ns.inum;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), nsproxy, net_ns, ns.inum);
}

static __always_inline __u32 pt_current_tgid(__u32 where)
{
	if (pt_consts.flags & where)
		return bpf_get_current_task_btf()->tgid;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), tgid);
}

static __always_inline void pt_count_losses(__u32 idx, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&pt_lost, &idx);

	if (v)
		*v += n; /* per-CPU slot: no atomic needed */
}

#define pt_count_loss(idx) pt_count_losses(idx, 1)

/*
 * Records are built in a per-CPU scratch buffer and copied into the ring
 * at the length they turned out to have (bpf_ringbuf_output), so a record
 * holds only the ancestors walked and the argv bytes read: a few hundred
 * bytes where a fixed record of 32 ancestors and the whole argv buffer
 * would take several KiB of ring and of the consumer's cache.
 */
#define PT_SCRATCH_SIZE 8192

struct pt_scratch {
	__u8 b[PT_SCRATCH_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_scratch);
} pt_scratch SEC(".maps");

/*
 * This CPU's scratch buffer as a record of type (PT_SCRATCH_SIZE bytes),
 * its header set: the type, no flags, the boot-based time when timed (the
 * process probe's records carry none: userland does not use it).  NULL
 * only if the map lookup fails.
 */
static __always_inline void *pt_record_at(__u32 type, bool timed)
{
	__u32 zero = 0;
	struct pt_record_hdr *h = bpf_map_lookup_elem(&pt_scratch, &zero);

	if (!h)
		return NULL;
	h->type = type;
	h->flags = 0;
	h->ts_ns = timed ? bpf_ktime_get_boot_ns() : 0;
	return h;
}

#define pt_record(type) pt_record_at(type, true)
#define pt_record_untimed(type) pt_record_at(type, false)

/*
 * Copy size bytes of rec into the ring (size <= PT_SCRATCH_SIZE), without
 * the per-record wakeup.  The default (wake the consumer whenever it had
 * caught up) costs an irq_work per event, which under load is most of the
 * program's run time (a self-IPI, and a VM exit when virtualised).
 * Instead the consumer is woken once when the backlog crosses
 * pt_consts.wakeup_bytes, and otherwise polls the ring on a short timer
 * (pidtree's --poll-ms), which bounds the latency of a lone event.  A full
 * ring counts the loss at loss_idx.
 */
static __always_inline void pt_output(void *rec, __u64 size, __u32 loss_idx)
{
	__u64 avail = bpf_ringbuf_query(&pt_events, BPF_RB_AVAIL_DATA);
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (size > PT_SCRATCH_SIZE)
		return;
	if (avail < pt_consts.wakeup_bytes && avail + size >= pt_consts.wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&pt_events, rec, size, flags))
		pt_count_loss(loss_idx);
}

/* A record of the process probe: never the one that wakes anybody. */
static __always_inline void pt_output_quiet(void *rec, __u64 size, __u32 loss_idx)
{
	if (bpf_ringbuf_output(&pt_events, rec, size, BPF_RB_NO_WAKEUP))
		pt_count_loss(loss_idx);
}

#endif

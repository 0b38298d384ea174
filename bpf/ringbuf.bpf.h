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
 * crosses pt_consts.wakeup_bytes, and otherwise polls the ring on a short timer
 * (pidtree's --poll-ms), which bounds the latency of a lone event.
 */
static __always_inline void pt_submit(void *rec, __u64 size)
{
	__u64 avail = bpf_ringbuf_query(&pt_events, BPF_RB_AVAIL_DATA);
	__u64 flags = BPF_RB_NO_WAKEUP;

	/* avail includes this record (reserved, not yet committed) */
	if (avail >= pt_consts.wakeup_bytes && avail < pt_consts.wakeup_bytes + size + 8)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Process lifecycle records that keep userland's process cache current:
 * exec (the new argv, read from the task's own mm right after the image
 * switch), fork (a new process, not a thread) and exit (of the whole thread
 * group: its last thread).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "pidtree.h"
#include "ancestry.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pt_exec, struct task_struct *p, pid_t old_pid, void *bprm)
{
	struct pt_exec_record *r = pt_record_untimed(PT_REC(PT_PROC_REC_EXEC));
	__u32 len = 0;

	if (!r)
		return 0;
	pt_fill_ancestor(&r->proc, p);
	r->pad = 0;
	r->hdr.flags = pt_read_argv(p, r->argv, PT_EXEC_ARGV_LEN, &len);
	r->argv_len = len;
	/* as long as its argv: a few dozen bytes where the buffer holds 4 KiB */
	pt_output_quiet(r, sizeof(*r) + len, PT_LOSS(0));
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(pt_fork, struct task_struct *parent, struct task_struct *child)
{
	struct pt_fork_record r;

	if (child->pid != child->tgid)
		return 0; /* a new thread, not a new process */
	r.hdr.type = PT_REC(PT_PROC_REC_FORK);
	r.hdr.flags = 0;
	r.hdr.ts_ns = 0; /* not used: the cache needs the child's identity only */
	pt_fill_ancestor(&r.child, child);
	r.parent_tgid = parent->tgid;
	r.pad = 0;
	r.parent_start_ns = parent->group_leader->start_boottime;
	pt_output_quiet(&r, sizeof(r), PT_LOSS(0));
	return 0;
}

/* This CPU's batch of exits (struct pt_exit_batch in pidtree.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_exit_batch);
} pt_exits SEC(".maps");

/* (the order of the stores matters to pt_exit_drain, run on this CPU between any two) */
#define pt_barrier() asm volatile("" ::: "memory")

/* The batch's exits not yet sent, into the ring as one record. */
static __always_inline void pt_exit_flush(struct pt_exit_batch *b)
{
	b->hdr.type = PT_REC(PT_PROC_REC_EXIT);
	b->hdr.flags = 0;
	b->hdr.ts_ns = 0;
	b->cpu = bpf_get_smp_processor_id();
	b->count = b->last - b->flushed;
	if (bpf_ringbuf_output(&pt_events, b, sizeof(*b), BPF_RB_NO_WAKEUP))
		pt_count_losses(PT_LOSS(0), b->count);
	b->flushed = b->last;
}

/*
 * A process has exited when its last thread has: do_exit() decrements
 * signal->live before this tracepoint, so the thread that sees 0 is the
 * last.  The leader alone exiting (pthread_exit() in main) is not the end
 * of the process: its other threads run on under its pid, and its
 * children's ancestry must still show its cmdline.  The exit goes into
 * this CPU's batch (pidtree.h); no clock, no wake-up check.  Tracepoints
 * run with preemption off, so only an interrupt comes between two of these
 * stores: pt_exit_drain, run by userland on this CPU, which leaves a busy
 * batch alone.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(pt_exit, struct task_struct *p)
{
	__u32 zero = 0;
	struct pt_exit_batch *b;
	struct pt_exit_entry *e;
	__u64 seq;

	if (p->signal->live.counter != 0)
		return 0; /* other threads of the process live on */
	b = bpf_map_lookup_elem(&pt_exits, &zero);
	if (!b)
		return 0;
	b->busy = 1;
	pt_barrier();
	seq = b->last + 1;
	e = &b->e[seq % PT_EXIT_BATCH];
	e->tgid = p->tgid;
	e->pad = 0;
	e->start_ns = p->group_leader->start_boottime;
	e->seq = seq;
	b->last = seq;
	if (seq - b->flushed >= PT_EXIT_BATCH)
		pt_exit_flush(b);
	pt_barrier();
	b->busy = 0;
	return 0;
}

/*
 * Not attached: userland runs it (BPF_PROG_TEST_RUN on a given CPU) on a
 * CPU whose batch has held exits since the last tick, so that an exit
 * reaches the cache within about two seconds on a CPU where few processes
 * exit.  1 when it sent a record.
 */
SEC("raw_tp")
int pt_exit_drain(void *ctx)
{
	__u32 zero = 0;
	struct pt_exit_batch *b = bpf_map_lookup_elem(&pt_exits, &zero);

	if (!b || b->busy || b->last == b->flushed)
		return 0;
	pt_exit_flush(b);
	return 1;
}

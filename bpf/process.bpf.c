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

/*
 * A process has exited when its last thread has: do_exit() decrements
 * signal->live before this tracepoint, so the thread that sees 0 is the
 * last.  The leader alone exiting (pthread_exit() in main) is not the end
 * of the process: its other threads run on under its pid, and its
 * children's ancestry must still show its cmdline.  The record is the
 * least this can be: no clock (userland's, when it reads it, is close
 * enough for the grace period of the cache), no wake-up check.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(pt_exit, struct task_struct *p)
{
	struct pt_exit_record r;

	if (p->signal->live.counter != 0)
		return 0; /* other threads of the process live on */
	r.hdr.type = PT_REC(PT_PROC_REC_EXIT);
	r.hdr.flags = 0;
	r.hdr.ts_ns = 0;
	r.tgid = p->tgid;
	r.pad = 0;
	r.start_ns = p->group_leader->start_boottime;
	pt_output_quiet(&r, sizeof(r), PT_LOSS(0));
	return 0;
}

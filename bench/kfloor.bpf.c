// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor under pidtree's in-kernel costs (bench/kfloor.c runs each
 * program alone, under an exec storm, or the connect loop for
 * inet_sock_set_state): what an empty program on the same tracepoint costs
 * here (dispatch and bpf_stats' own clock reads),
 * and each part of a process record by itself: the read of the new
 * image's argv from its own mm (as pt_read_argv does it), and a ring
 * buffer write of a record of an exec's or an exit's size.  Nothing here
 * is pidtree's: the parts are written again so that each can run alone
 * (the first program on a tracepoint to touch the ring pays its cold
 * cache lines, so two at once would hide each other's cost).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define KF_ARGV_CAP 4096

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} kf_ring SEC(".maps");

struct kf_buf {
	char b[KF_ARGV_CAP];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kf_buf);
} kf_scratch SEC(".maps");

/*
 * One ring buffer write of size bytes from the stack, as pidtree's records
 * go: 96 is an exec record's size for /bin/true's argv (header, one process,
 * argv), 32 an exit record's before pidtree batched them.
 */
static __always_inline void kf_write(struct task_struct *p, __u32 size)
{
	__u8 r[96];

	__builtin_memset(r, 0, sizeof(r));
	r[0] = (__u8)p->tgid;
	bpf_ringbuf_output(&kf_ring, r, size <= sizeof(r) ? size : sizeof(r), BPF_RB_NO_WAKEUP);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kf_exec_empty, struct task_struct *p, pid_t old_pid, void *bprm)
{
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kf_exec_argv, struct task_struct *p, pid_t old_pid, void *bprm)
{
	struct mm_struct *mm = p->mm;
	__u32 zero = 0;
	struct kf_buf *buf;
	__u64 n;

	buf = bpf_map_lookup_elem(&kf_scratch, &zero);
	if (!buf || !mm || mm->arg_end <= mm->arg_start)
		return 0;
	n = mm->arg_end - mm->arg_start;
	if (n > KF_ARGV_CAP)
		n = KF_ARGV_CAP;
	n &= (KF_ARGV_CAP << 1) - 1;
	if (n == 0 || n > KF_ARGV_CAP)
		return 0;
	bpf_probe_read_user(buf->b, n, (const void *)mm->arg_start);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kf_exec_ring, struct task_struct *p, pid_t old_pid, void *bprm)
{
	kf_write(p, 96);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kf_exit_empty, struct task_struct *p)
{
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kf_exit_ring, struct task_struct *p)
{
	kf_write(p, 32);
	return 0;
}

/* every TCP state change of the host runs tcp_connect's program: its floor */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(kf_state_empty, struct sock *sk, int oldstate, int newstate)
{
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ancestry snapshot taken in the kernel at event time: every ancestor's
 * identity (tgid, start time, exec id, uid, loginuid, comm) up to pid 1, and
 * the leaf's argv, so the record is right even when the processes have
 * already exited by the time userland reads it; and the leaf's container
 * identity (mount namespace, cgroup v2 id and directory name), which
 * userland names the container by even after it has stopped.
 */
#ifndef PIDTREE_ANCESTRY_BPF_H
#define PIDTREE_ANCESTRY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "pidtree.h"
#include "ringbuf.bpf.h"

static __always_inline void pt_fill_ancestor(struct pt_ancestor *a, struct task_struct *t)
{
	struct task_struct *leader = t->group_leader;

	a->tgid = t->tgid;
	a->ppid = t->real_parent->tgid;
	a->uid = t->real_cred->uid.val;
	a->loginuid = t->loginuid.val;
	a->start_ns = leader->start_boottime;
	a->exec_id = t->self_exec_id;
	/* comm is 16 bytes of the task: two loads, no helper call */
	__builtin_memcpy(a->comm, leader->comm, sizeof(a->comm));
}

/*
 * Walk real_parent from t up to pid 1 (whose parent is the idle task, pid 0),
 * at most pt_consts.max_depth steps, into tree->anc[].  Runs in BTF-enabled
 * programs (tp_btf, and those given bpf_get_current_task_btf), where these
 * pointer walks are plain probe-mem loads.  Returns the number of
 * ancestors in *depth and PT_F_TRUNCATED when the limit stopped the walk
 * before pid 1.
 */
static __always_inline __u32 pt_snapshot_ancestry(struct pt_ancestry *tree, struct task_struct *t,
						  __u32 *depth)
{
	struct task_struct *parent;
	__u32 i, flags = PT_F_TRUNCATED;

	*depth = 0;
	for (i = 0; i < PT_MAX_DEPTH; i++) {
		if (i >= pt_consts.max_depth)
			break;
		pt_fill_ancestor(&tree->anc[i], t);
		*depth = i + 1;
		parent = t->real_parent;
		if (!parent || parent == t || parent->tgid == 0) {
			flags = 0; /* reached pid 1 (or a task without parent) */
			break;
		}
		t = parent;
	}
	tree->depth = *depth;
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

/*
 * What names t's container: the inode of its mount namespace and its
 * cgroup in the v2 hierarchy, id and directory name.  t need not be the
 * current task (its css_set is read, not bpf_get_current_cgroup_id()).  On
 * a hybrid or v1-only host whose runtime left a task in the v2 root, the id
 * is the root's and the name "": the mount namespace still tells.
 */
static __always_inline void pt_capture_container(struct pt_ancestry *tree, struct task_struct *t)
{
	/* t is a BTF pointer: plain probe-mem loads, no helper call per hop */
	struct kernfs_node *kn = t->cgroups->dfl_cgrp->kn;

	tree->mntns = t->nsproxy->mnt_ns->ns.inum;
	tree->pad = 0;
	tree->cgroup_id = 0;
	tree->cgroup_name[0] = '\0';
	if (!kn)
		return;
	tree->cgroup_id = kn->id;
	if (bpf_probe_read_kernel_str(tree->cgroup_name, sizeof(tree->cgroup_name), kn->name) < 0)
		tree->cgroup_name[0] = '\0';
}

/*
 * The ancestry of task, its argv and its container into tree (in a scratch
 * record, with room for PT_ANCESTRY_MAX bytes): the record's PT_F_* flags,
 * and the bytes the snapshot takes in *size.
 */
static __always_inline __u32 pt_capture_tree(struct pt_ancestry *tree, struct task_struct *task,
					     __u32 *size)
{
	__u32 depth, alen = 0, flags;

	pt_capture_container(tree, task);
	flags = pt_snapshot_ancestry(tree, task, &depth);
	if (depth > PT_MAX_DEPTH)
		depth = PT_MAX_DEPTH; /* (for the verifier: it is never more) */
	flags |= pt_read_argv(task, (char *)&tree->anc[depth], PT_LEAF_ARGV_LEN, &alen);
	tree->argv_len = alen;
	*size = sizeof(*tree) + depth * sizeof(tree->anc[0]) + alen;
	return flags;
}

#endif

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

/* Copy the argv between start and end of the current task's mm into buf (see below). */
static __always_inline __u32 pt_read_argv_range(unsigned long start, unsigned long end, char *buf,
						__u32 cap, __u32 *len)
{
	__u64 n;
	__u32 flags = 0;

	*len = 0;
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
 * Copy the argv of t's mm (NUL separated) into buf of size cap (a power of
 * two).  Must run in t's own context.  Returns the PT_F_ARGV_* flags and the
 * number of bytes copied in *len.  t is a BTF pointer.
 */
static __always_inline __u32 pt_read_argv(struct task_struct *t, char *buf, __u32 cap, __u32 *len)
{
	struct mm_struct *mm = t->mm;

	*len = 0;
	if (!mm)
		return 0; /* kernel thread: no argv */
	return pt_read_argv_range(mm->arg_start, mm->arg_end, buf, cap, len);
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
 * and the bytes the snapshot takes in *size.  task is a BTF pointer.
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

/*
 * The same snapshot for a task pointer the verifier does not know as a BTF
 * pointer (bpf_get_current_task(): a plain number), every field read with
 * bpf_probe_read_kernel at its CO-RE-relocated offset.  For program types
 * without bpf_get_current_task_btf: every one before Linux 5.11, cgroup
 * socket programs before 5.15.  Nine reads per ancestor where the BTF walk
 * has plain loads; each parent's tgid is read once, as its child's ppid.
 */
static __always_inline __u32 pt_snapshot_ancestry_core(struct pt_ancestry *tree,
						       struct task_struct *t, __u32 *depth)
{
	struct task_struct *parent, *leader;
	__u32 i, tgid, ptgid, flags = PT_F_TRUNCATED;

	*depth = 0;
	tgid = BPF_CORE_READ(t, tgid);
	for (i = 0; i < PT_MAX_DEPTH; i++) {
		struct pt_ancestor *a = &tree->anc[i];

		if (i >= pt_consts.max_depth)
			break;
		parent = BPF_CORE_READ(t, real_parent);
		ptgid = parent ? BPF_CORE_READ(parent, tgid) : 0;
		leader = BPF_CORE_READ(t, group_leader);
		a->tgid = tgid;
		a->ppid = ptgid;
		a->uid = BPF_CORE_READ(t, real_cred, uid.val);
		a->loginuid = BPF_CORE_READ(t, loginuid.val);
		a->start_ns = BPF_CORE_READ(leader, start_boottime);
		a->exec_id = BPF_CORE_READ(t, self_exec_id);
		bpf_core_read(a->comm, sizeof(a->comm), &leader->comm);
		*depth = i + 1;
		if (!parent || parent == t || ptgid == 0) {
			flags = 0; /* reached pid 1 (or a task without parent) */
			break;
		}
		t = parent;
		tgid = ptgid;
	}
	tree->depth = *depth;
	return flags;
}

/* pt_capture_container for a task that is not a BTF pointer (see above). */
static __always_inline void pt_capture_container_core(struct pt_ancestry *tree,
						      struct task_struct *t)
{
	struct kernfs_node *kn = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);

	tree->mntns = BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum);
	tree->pad = 0;
	tree->cgroup_id = 0;
	tree->cgroup_name[0] = '\0';
	if (!kn)
		return;
	tree->cgroup_id = BPF_CORE_READ(kn, id);
	if (bpf_probe_read_kernel_str(tree->cgroup_name, sizeof(tree->cgroup_name),
				      BPF_CORE_READ(kn, name)) < 0)
		tree->cgroup_name[0] = '\0';
}

/* pt_capture_tree for a task that is not a BTF pointer (see above). */
static __always_inline __u32 pt_capture_tree_core(struct pt_ancestry *tree,
						  struct task_struct *task, __u32 *size)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	__u32 depth, alen = 0, flags;

	pt_capture_container_core(tree, task);
	flags = pt_snapshot_ancestry_core(tree, task, &depth);
	if (depth > PT_MAX_DEPTH)
		depth = PT_MAX_DEPTH;
	if (mm)
		flags |= pt_read_argv_range(BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end),
					    (char *)&tree->anc[depth], PT_LEAF_ARGV_LEN, &alen);
	tree->argv_len = alen;
	*size = sizeof(*tree) + depth * sizeof(tree->anc[0]) + alen;
	return flags;
}

/*
 * The current task's ancestry, argv and container into tree, from a
 * program of kind where (PT_IN_*, ringbuf.bpf.h): the BTF walk when the
 * kernel has bpf_get_current_task_btf there, else the CO-RE read walk.
 * pt_consts is a constant to the verifier, which never looks at the branch
 * not taken (so the helper the kernel lacks is never checked) and removes it.
 */
static __always_inline __u32 pt_capture_current(struct pt_ancestry *tree, __u32 where, __u32 *size)
{
	if (pt_consts.flags & where)
		return pt_capture_tree(tree, bpf_get_current_task_btf(), size);
	return pt_capture_tree_core(tree, (struct task_struct *)bpf_get_current_task(), size);
}

#endif

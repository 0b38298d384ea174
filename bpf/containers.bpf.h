/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * container_labels, decided in the kernel: when userland set
 * PT_CONSTS_F_CONTAINERS in the object's pt_consts, only events of tasks
 * whose mount namespace is in pt_containers are kept; the others are
 * counted (the probe's "..._container_filtered" counter) and dropped
 * before anything is reserved in the ring buffer.  Without the flag the
 * verifier removes the check (read-only data), so a probe without
 * container_labels pays nothing.
 *
 * pt_containers holds the mount namespace inodes of the running containers
 * whose labels match the probe's container_labels; userland keeps it in
 * step with the runtimes (src/daemon/containers.c, src/probes/
 * container_maps.c).  Why mount namespaces (pidtree-bcc's choice too)
 * rather than cgroup ids: every container has its own (Kubernetes pods share
 * network, IPC and UTS namespaces between their containers, never the
 * mount namespace), a process keeps it when it moves to a sub-cgroup
 * (systemd inside a container, podman's split cgroups), and it works
 * whatever the cgroup layout: v1-only hosts, where every task's cgroup v2
 * id is the root's, and hybrid ones like this project's CI, where whether
 * a runtime joins the v2 hierarchy is up to it.  Its one weakness, inode
 * reuse once a container's namespace is freed, is why userland removes an
 * entry as soon as the container stops.
 */
#ifndef PIDTREE_CONTAINERS_BPF_H
#define PIDTREE_CONTAINERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "pidtree.h"
#include "ringbuf.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, PT_CONTAINERS_MAP_MAX); /* set by userland: 1 when not used */
	__type(key, __u32);  /* mount namespace inode */
	__type(value, __u8); /* unused */
} pt_containers SEC(".maps");

/*
 * Whether the current task's event is dropped by container_labels (then
 * counted at loss_idx).  Runs in the task's own context: tp_btf, syscall
 * tracepoints and cgroup socket programs alike.
 */
static __always_inline bool pt_container_drops(__u32 loss_idx)
{
	struct task_struct *t;
	__u32 mntns;

	if (!(pt_consts.flags & PT_CONSTS_F_CONTAINERS))
		return false;
	t = bpf_get_current_task_btf();
	mntns = t->nsproxy->mnt_ns->ns.inum;
	if (bpf_map_lookup_elem(&pt_containers, &mntns))
		return false;
	pt_count_loss(loss_idx);
	return true;
}

#endif

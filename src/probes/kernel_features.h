/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel floor, checked at start-up: every kernel feature the configured
 * probes need is probed by loading a minimal program (or creating a map) of
 * exactly the kind pidtree loads, so an older kernel is refused with one
 * message naming the missing feature and the Linux version that added it,
 * instead of a verifier log from deep inside libbpf.
 *
 *   kernel BTF, /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF=y)   5.4
 *   tp_btf programs (BTF-typed raw tracepoints)                     5.5
 *   bpf_probe_read_kernel (refused under lockdown=confidentiality)  5.5
 *   BPF ring buffer                                                 5.8
 *   bpf_ktime_get_boot_ns                                           5.8
 * and for probes with PT_FEAT_CGROUP_SOCK (cgroup socket programs):
 *   cgroup/sendmsg4 (sock_addr) programs                            4.18
 *   bpf_get_current_task, bpf_probe_read_kernel in them (and in      5.8
 *   cgroup_skb programs)
 *   cgroup/sock_release programs                                    5.9
 *   a mounted cgroup2 file system (PT_FEAT_CGROUP_MOUNT: hooks attach to its root)
 * and for PT_FEAT_TRACEFS: the syscall tracepoints in tracefs.
 *
 * So: Linux 5.8 or later, 5.9 with cgroup socket programs; tested from 5.10
 * on (tests/vm/kernels.sh).
 *
 * What is not required but used where the kernel has it is returned as
 * PT_K_* flags (pidtree.h), set in every BPF object's pt_consts.flags:
 *   bpf_get_current_task_btf in tp_btf and tracepoint programs      5.11
 *   bpf_get_current_task_btf in cgroup socket and cgroup_skb        5.15
 *   programs
 * Without them the same ancestry walk is done with bpf_get_current_task and
 * CO-RE reads.
 */
#ifndef PIDTREE_KERNEL_FEATURES_H
#define PIDTREE_KERNEL_FEATURES_H

/*
 * Probe the base features and those of features (PT_FEAT_* of the
 * configured probes, probe.h).  0 when everything is there, with the
 * PT_K_* flags of this kernel in *kflags (whatever features asked for: a
 * reload may open other probes); otherwise one error is logged and
 * -ENOTSUP (a feature is missing), -EPERM (bpf(2) not permitted) or
 * another -errno is returned.
 *
 * PIDTREE_NO_TASK_BTF=1 in the environment clears the PT_K_TASK_BTF*
 * flags: the walk older kernels get, for tests and benchmarks on a newer
 * one.
 */
int pt_check_kernel_features(unsigned int features, unsigned int *kflags);

#endif

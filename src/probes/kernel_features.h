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
 *   bpf_get_current_task_btf in tp_btf programs                     5.11
 * and for probes with PT_FEAT_CGROUP_SOCK (cgroup socket programs):
 *   cgroup/sendmsg4 (sock_addr) programs                            4.18
 *   cgroup/sock_release programs                                    5.9
 *   bpf_get_current_task_btf in cgroup socket programs              5.15
 *   a mounted cgroup2 file system (PT_FEAT_CGROUP_MOUNT: hooks attach to its root)
 *
 * So: Linux 5.15 or later, 5.11 for tcp_connect alone.
 */
#ifndef PIDTREE_KERNEL_FEATURES_H
#define PIDTREE_KERNEL_FEATURES_H

/*
 * Probe the base features and those of features (PT_FEAT_* of the
 * configured probes, probe.h).  0 when everything is there; otherwise one
 * error is logged and -ENOTSUP (a feature is missing), -EPERM (bpf(2) not
 * permitted) or another -errno is returned.
 */
int pt_check_kernel_features(unsigned int features);

#endif

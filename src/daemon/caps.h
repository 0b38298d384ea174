/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PIDTREE_CAPS_H
#define PIDTREE_CAPS_H

/*
 * Drop every capability pidtree does not need once its probes are attached,
 * from the effective, permitted, inheritable and bounding sets, and set
 * no_new_privs.  What stays, and why:
 *   CAP_BPF, CAP_PERFMON  re-open a probe whose non-hot-swappable options
 *                         changed on reload (load and attach BPF programs)
 *   CAP_NET_ADMIN         attach cgroup socket programs on such a reload
 *   CAP_SYS_PTRACE        read /proc/PID/fd of other users' processes
 *                         (listener snapshots) and their /proc entries
 *   CAP_DAC_READ_SEARCH   read /proc entries and configuration that are
 *                         not world-readable
 *   CAP_SYS_RESOURCE      raise RLIMIT_MEMLOCK for BPF maps on kernels
 *                         without memcg accounting (< 5.11)
 * Gone, notably: CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SETUID/SETGID,
 * CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_NET_RAW, CAP_KILL.
 * 0 or -errno.
 */
int pt_drop_capabilities(void);

#endif

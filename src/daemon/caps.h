/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PIDTREE_CAPS_H
#define PIDTREE_CAPS_H

/* What the configuration in force at start-up needs beyond the base set. */
#define PT_CAPS_CGROUP    (1u << 0) /* CAP_NET_ADMIN: attach cgroup socket programs */
#define PT_CAPS_PROC_FDS  (1u << 1) /* CAP_SYS_PTRACE: other users' /proc/PID/fd, ns links */
#define PT_CAPS_CONTAINERS (1u << 2) /* CAP_SYS_PTRACE: containers' /proc/PID/ns/mnt */

/*
 * Drop every capability pidtree does not need once its probes are attached,
 * from the effective, permitted, inheritable and bounding sets, and set
 * no_new_privs.  What stays, and why:
 *   CAP_BPF, CAP_PERFMON  always: a reload re-opens a probe whose load-time
 *                         options changed (load and attach BPF programs)
 *   CAP_DAC_READ_SEARCH   always: configuration that is not world-readable
 *                         (pidtree run as a user of its own)
 *   CAP_NET_ADMIN         with PT_CAPS_CGROUP: a probe attached to the
 *                         cgroup2 root is configured (re-attach on reload):
 *                         net_listen, udp_session, the dns capture
 *   CAP_SYS_PTRACE        with PT_CAPS_PROC_FDS: listener snapshots read the
 *                         /proc/PID/fd of processes with more privileges;
 *                         with PT_CAPS_CONTAINERS ([containers] not
 *                         enabled=no): the container layer reads the
 *                         /proc/PID/ns/mnt of containers' processes (a
 *                         container's root keeps capabilities pidtree has
 *                         dropped, so the ptrace access check needs it) to
 *                         learn the mount namespace container_labels match
 * Gone, notably: CAP_SYS_RESOURCE (BPF maps are charged to the memory cgroup
 * since 5.11, pidtree's kernel floor, so RLIMIT_MEMLOCK is never raised),
 * CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SETUID/SETGID, CAP_CHOWN,
 * CAP_DAC_OVERRIDE, CAP_NET_RAW, CAP_KILL.  A capability dropped cannot come
 * back: a reload that adds a probe needing it fails for that probe.
 * 0 or -errno.
 */
int pt_drop_capabilities(unsigned int need);

#endif

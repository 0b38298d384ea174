/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which container a process belongs to, from its cgroup paths
 * (/proc/PID/cgroup), without asking any runtime.
 *
 * Recognised (each with 64 lower-case hex digits as ID; every path
 * component is looked at, outermost first, so nested layouts such as
 * podman's "libpod-ID.scope/container" or a container's own sub-cgroups
 * resolve to the outermost container):
 *   docker:     docker-ID.scope (systemd driver), /docker/ID (cgroupfs)
 *   podman:     libpod-ID.scope (systemd), libpod-ID (cgroupfs, under
 *               /libpod_parent or /machine.slice); libpod-conmon-ID is the
 *               container's monitor, a host process: no match
 *   containerd: cri-containerd-ID.scope (systemd), and a bare ID component
 *               below a kubepods cgroup (cgroupfs: /kubepods/burstable/podUID/ID)
 *   cri-o:      crio-ID.scope, crio-ID (crio-conmon-ID: no match)
 * The runtime is a guess from the path's shape ("containerd" for a bare ID
 * under kubepods, where docker with cgroupfs would look the same); the
 * runtime clients' answer wins when they know the container.
 *
 * Lines are "hierarchy-ID:controllers:path" (v1), "0::path" (v2); on a
 * hybrid host both.  The v2 line is tried first, then v1 lines in order.
 */
#ifndef PIDTREE_CONTAINER_CGROUP_H
#define PIDTREE_CONTAINER_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "container.h"

struct pt_cgroup_match {
	char id[PT_CONTAINER_ID_MAX]; /* 64 hex digits */
	const char *runtime;          /* "docker", "podman", "containerd", "cri-o" */
};

/*
 * Find the container in one cgroup path (or a single component, such as
 * the cgroup directory name a BPF program can read).  n bytes, no NUL
 * needed.  Returns true and fills m when one is found.
 */
bool pt_cgroup_path_match(const char *path, size_t n, struct pt_cgroup_match *m);

/*
 * Find the container in the text of /proc/PID/cgroup (len bytes, any
 * content: lines that do not parse are skipped).  Returns true and fills m.
 */
bool pt_cgroup_parse(const char *text, size_t len, struct pt_cgroup_match *m);

/*
 * Copy the cgroup v2 path (the "0::" line) of text into buf.  Returns true
 * when there is one and it fits (it is then absolute: starts with '/').
 */
bool pt_cgroup_v2_path(const char *text, size_t len, char *buf, size_t size);

/*
 * Where cgroup2 is mounted, from mountinfo text (/proc/self/mountinfo):
 * the mount point into dir and the mount's root (usually "/") into root.
 * Mount points with escapes (\040...) are unescaped.  Returns true when
 * found.  On a hybrid host this is /sys/fs/cgroup/unified.
 */
bool pt_cgroup2_mount(const char *mountinfo, size_t len, char *dir, size_t dirsize, char *root,
		      size_t rootsize);

/*
 * The id of a cgroup v2 directory: the 64-bit kernfs id that
 * bpf_get_current_cgroup_id() returns, read with name_to_handle_at(2)
 * (the inode number where handles are not available).  0 or -errno.
 */
int pt_cgroup_id(const char *dir, uint64_t *id);

/*
 * Read what the kernel side identifies a process by: its mount namespace
 * inode (0 when the ptrace access check refuses it) and its cgroup v2 id
 * (0 when the process has no cgroup v2 path or
 * cgroup2_dir is NULL, i.e. a v1-only host), and, when m is not NULL, the
 * container found in its cgroup paths (m->id[0] == '\0' when none).
 * cgroup2_dir/cgroup2_root: from pt_cgroup2_mount.  proc: normally "/proc"
 * (tests point it elsewhere).  0 or -errno (-ESRCH: no such process).
 */
int pt_proc_container_ids(const char *proc, pid_t pid, const char *cgroup2_dir,
			  const char *cgroup2_root, uint32_t *mntns, uint64_t *cgroup_id,
			  struct pt_cgroup_match *m);

#endif

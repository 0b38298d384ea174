/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The container layer: which container (and Kubernetes pod) a process
 * belongs to, for naming events and for container_labels.
 *
 * Runtimes are asked through their APIs only, on a background thread
 * (worker.h): Docker Engine API sockets (Docker, Podman) and containerd's
 * task state (containerd.h).  What they report reaches the loop thread
 * through pt_containers_fd(); pt_containers_handle() applies it to the
 * cache (cache.h), which only the loop thread touches, so lookups take no
 * lock and make no system call, except pt_containers_lookup_pid (/proc).
 * Nothing here ever waits on a runtime: one that is absent, slow or
 * restarting is retried in the background, and meanwhile the cache keeps
 * what it knew and cgroup paths still give container ids.
 *
 * Loop-thread use:
 *	pt_containers_opts_init(&o);  ... pt_containers_setting(&o, key, value, ...)
 *	    (containers_opts.h, in the configuration layer: pidtree.conf's [containers])
 *	pt_containers_new(&m, &o, on_change, ctx);
 *	epoll: pt_containers_fd(m) readable -> pt_containers_handle(m)
 *	timer (every few seconds)       -> pt_containers_tick(m, pt_containers_now_ms())
 *	events: c = pt_containers_resolve(m, mntns, cgroup_id) ?: pt_containers_lookup_pid(m, pid)
 *	pt_containers_free(m);
 */
#ifndef PIDTREE_CONTAINERS_H
#define PIDTREE_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cache.h"
#include "container.h"
#include "containers_opts.h"
#include "labels.h"

struct pt_containers;

/*
 * Start the layer (the worker thread, unless enabled=no).  change is
 * called on the loop thread from pt_containers_handle/tick (see cache.h for
 * its contract: what the lead uses to keep the BPF map of matching mount
 * namespaces in step).  0 or -errno.
 */
int pt_containers_new(struct pt_containers **mp, const struct pt_containers_opts *o,
		      pt_container_change_fn change, void *ctx);
/* Stops the thread; every entry gets PT_CHANGE_REMOVED.  NULL is fine. */
void pt_containers_free(struct pt_containers *m);

/* An eventfd: readable when pt_containers_handle has work.  Never -1. */
int pt_containers_fd(const struct pt_containers *m);
/*
 * Whether every runtime has had its first say since pt_containers_new
 * (listed what runs, or been found absent or failing); true without
 * runtime clients.  What it listed is applied by the next
 * pt_containers_handle().
 */
bool pt_containers_settled(const struct pt_containers *m);
/* Apply what the runtimes reported.  Returns the number of updates applied. */
int pt_containers_handle(struct pt_containers *m);
/* Expire stopped containers; now_ms from pt_containers_now_ms().  Cheap. */
void pt_containers_tick(struct pt_containers *m, uint64_t now_ms);

/* Lookups: pointers valid until the next handle/tick/lookup_pid call. */
const struct pt_container *pt_containers_by_mntns(const struct pt_containers *m, uint32_t ino);
const struct pt_container *pt_containers_by_cgroup(const struct pt_containers *m, uint64_t id);
const struct pt_container *pt_containers_by_id(const struct pt_containers *m, const char *id);
/* The event's container from its kernel-side identity: pt_cache_resolve. */
const struct pt_container *pt_containers_resolve(const struct pt_containers *m, uint32_t mntns,
						 uint64_t cgroup_id);
/*
 * The container of an event's process, from what the kernel captured at
 * event time (mntns, cgroup_id, the cgroup v2 directory's name; 0 / NULL
 * when unknown, as for a /proc snapshot), without asking any runtime:
 *   1. pt_containers_resolve(mntns, cgroup_id);
 *   2. a cgroup id already found to be no container's: NULL;
 *   3. a container id in the cgroup name (libpod-ID, docker-ID.scope, ...):
 *      its entry, or a new UNKNOWN one (id and runtime, no name yet; the
 *      runtimes are asked in the background), so that a process that has
 *      already exited, in a container no runtime has described (runtime
 *      down, or the event came first), still carries its id;
 *   4. /proc/PID (its cgroup path: nested layouts), unless the process has
 *      gone or moved (its cgroup id is not the event's); a cgroup found to
 *      be no container's is remembered (cgroup ids are never reused).
 * A cgroup name or path is chosen by whoever creates the cgroup, so one
 * that names a container the cache knows in another cgroup and mount
 * namespace names nothing.  NULL: a host process, or not known.
 */
const struct pt_container *pt_containers_identify(struct pt_containers *m, pid_t pid,
						  uint32_t mntns, uint64_t cgroup_id,
						  const char *cgroup_name);
/*
 * Fallback when the kernel-side ids are unknown or name nothing: read
 * /proc/PID/cgroup (and ns/mnt).  A container id in the cgroup path that
 * no runtime has described yet gets an UNKNOWN entry (id and runtime
 * guess, no name) and the runtimes are asked about it in the background.
 * NULL for a host process (or one already gone).
 */
const struct pt_container *pt_containers_lookup_pid(struct pt_containers *m, pid_t pid);

/* Every entry (any state); fn returns non-zero to stop, which is returned. */
int pt_containers_foreach(const struct pt_containers *m,
			  int (*fn)(void *ctx, const struct pt_container *c), void *ctx);
/* Running containers matching f (pt_labels_match); returns how many. */
size_t pt_containers_foreach_match(const struct pt_containers *m, const struct pt_label_filter *f,
				   void (*fn)(void *ctx, const struct pt_container *c), void *ctx);

struct pt_containers_stats {
	struct pt_cache_stats cache;
	uint64_t msgs_dropped, responses_too_big, bad_responses, bad_events, event_lines_dropped,
		api_errors, connects, baselines, containerd_scans, bad_bundles;
	size_t host_cgroups;          /* cgroup ids remembered as no container's */
	uint64_t host_cgroups_resets; /* times that set was full and cleared */
};
void pt_containers_stats(const struct pt_containers *m, struct pt_containers_stats *st);

#endif

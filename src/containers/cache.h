/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The container cache.  Owned by one thread (the daemon's loop thread):
 * no locks.  Lookups by container id, mount namespace inode and cgroup id
 * are O(1) (chained hash tables, bucket count fixed from the entry limit).
 *
 * Entries are RUNNING, STOPPED (kept grace_ms after they stopped so that
 * late events are still named) or UNKNOWN (a container id read from a
 * cgroup path that no runtime has described yet; kept grace_ms after it was
 * last looked up).  STOPPED and UNKNOWN entries sit in one expiry queue,
 * bounded by max_stopped (oldest evicted first); all entries by
 * max_entries (a new container when full evicts the oldest stopped one, or
 * is refused and counted when every entry is running).
 *
 * Several sources report containers (the Docker API clients, containerd's
 * task directory, cgroup paths); each upsert carries a priority and a
 * running entry is not overwritten by a lower-priority source (containerd's
 * "moby" tasks are the Docker containers the Docker API describes better).
 */
#ifndef PIDTREE_CONTAINER_CACHE_H
#define PIDTREE_CONTAINER_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "container.h"

enum pt_container_change {
	/* a container is running (new, restarted, or an UNKNOWN one described):
	 * c is its entry */
	PT_CHANGE_STARTED,
	/* a running container changed: name, image, labels, pod, namespace, pid,
	 * mntns or cgroup_id; prev holds the values before (valid during the call) */
	PT_CHANGE_UPDATED,
	/* a running container stopped (it stays in the cache for the grace period) */
	PT_CHANGE_STOPPED,
	/* an entry leaves the cache (grace period over, evicted, cache freed);
	 * called for entries of every state */
	PT_CHANGE_REMOVED,
};

/*
 * Called on the owning thread, synchronously from the cache call that made
 * the change.  It must not call back into the cache to modify it (lookups
 * are fine).  prev is NULL except for PT_CHANGE_UPDATED.
 */
typedef void (*pt_container_change_fn)(void *ctx, enum pt_container_change what,
				       const struct pt_container *c,
				       const struct pt_container *prev);

struct pt_cache_limits {
	size_t max_entries; /* 0 = 8192 */
	size_t max_stopped; /* stopped + unknown; 0 = 1024 */
	uint64_t grace_ms;  /* 0 = 10 minutes */
};

struct pt_cache_stats {
	size_t entries, running, stopped, unknown;
	uint64_t refused_full;   /* new containers refused: every entry running */
	uint64_t evicted;        /* stopped/unknown entries evicted before their time */
	uint64_t expired;        /* stopped/unknown entries at the end of their grace */
	uint64_t labels_dropped; /* labels refused by the limits, over all upserts */
};

struct pt_container_cache;

int pt_cache_new(struct pt_container_cache **cp, const struct pt_cache_limits *lim,
		 pt_container_change_fn cb, void *ctx);
/* Every entry gets PT_CHANGE_REMOVED first.  NULL is fine. */
void pt_cache_free(struct pt_container_cache *cache);

/*
 * Record c as its source describes it now; c->state is RUNNING or STOPPED.
 * The cache takes c->labels (c is cleared).  A STOPPED report keeps the
 * mntns and cgroup_id already known (an exited container has no process to
 * read them from).  now_ms stamps stopped_at when c->stopped_at is 0.
 * Returns 0, -EINVAL (bad id or state), -ENOSPC (full: refused, counted),
 * -EPERM (ignored: a higher-priority source owns the running entry).
 */
int pt_cache_upsert(struct pt_container_cache *cache, struct pt_container *c, int prio,
		    uint64_t now_ms);

/* The container stopped at when_ms; nothing when unknown or stopped already. */
void pt_cache_stop(struct pt_container_cache *cache, const char *id, uint64_t when_ms);

/*
 * After a full listing by source: its running entries whose id is not in
 * ids[0..n) stopped (the stop was missed while its stream was down).
 */
void pt_cache_sync(struct pt_container_cache *cache, int source, char (*ids)[PT_CONTAINER_ID_MAX],
		   size_t n, uint64_t now_ms);

/*
 * A container seen only in a process's cgroup path: return its entry,
 * creating an UNKNOWN one (id, runtime guess, mntns, cgroup_id) when the
 * cache has none, refreshing an UNKNOWN entry's expiry, and filling a known
 * entry's mntns/cgroup_id when they are unknown (PT_CHANGE_UPDATED when
 * running).  NULL when full or out of memory.
 */
const struct pt_container *pt_cache_seen(struct pt_container_cache *cache, const char *id,
					 const char *runtime, uint32_t mntns, uint64_t cgroup_id,
					 uint64_t now_ms);

/* Drop stopped/unknown entries whose grace period ended at now_ms. */
void pt_cache_expire(struct pt_container_cache *cache, uint64_t now_ms);

const struct pt_container *pt_cache_by_id(const struct pt_container_cache *cache, const char *id);
/*
 * By mount namespace / cgroup id: a running entry when one has it, else
 * the most recently stopped one, else an unknown one; NULL when none.
 */
const struct pt_container *pt_cache_by_mntns(const struct pt_container_cache *cache,
					     uint32_t mntns);
const struct pt_container *pt_cache_by_cgroup(const struct pt_container_cache *cache,
					      uint64_t cgroup_id);
/*
 * What an event's kernel-side identity (mntns, cgroup_id; 0 = unknown)
 * names: the entry with that cgroup id; else a running entry with that
 * mount namespace; else a stopped one with it, unless both its cgroup id
 * and the event's are known (they then differ: the kernel reuses mount
 * namespace inodes as soon as they are freed, so after a container stops
 * its inode may belong to a host process).
 */
const struct pt_container *pt_cache_resolve(const struct pt_container_cache *cache,
					    uint32_t mntns, uint64_t cgroup_id);

/* Calls fn for each entry (any state) until it returns non-zero; returns that. */
int pt_cache_foreach(const struct pt_container_cache *cache,
		     int (*fn)(void *ctx, const struct pt_container *c), void *ctx);

void pt_cache_stats(const struct pt_container_cache *cache, struct pt_cache_stats *st);

#endif

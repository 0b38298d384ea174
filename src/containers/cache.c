/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "cache.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	struct pt_container c;
	int prio;
	struct entry *id_next, *mnt_next, *cg_next;
	/* the expiry queue of STOPPED and UNKNOWN entries, oldest first */
	struct entry *q_prev, *q_next;
	bool queued;
	uint64_t expire_base; /* stopped_at, or the last lookup of an UNKNOWN entry */
};

struct pt_container_cache {
	struct entry **by_id, **by_mnt, **by_cg;
	size_t mask; /* buckets - 1 */
	struct entry *q_head, *q_tail;
	size_t nq;
	struct pt_cache_limits lim;
	pt_container_change_fn cb;
	void *ctx;
	struct pt_cache_stats st;
};

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static size_t hash_u64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (size_t)v;
}

int pt_cache_new(struct pt_container_cache **cp, const struct pt_cache_limits *lim,
		 pt_container_change_fn cb, void *ctx)
{
	struct pt_container_cache *c = calloc(1, sizeof(*c));
	size_t buckets = 64;

	if (!c)
		return -ENOMEM;
	if (lim)
		c->lim = *lim;
	if (!c->lim.max_entries)
		c->lim.max_entries = 8192;
	if (!c->lim.max_stopped)
		c->lim.max_stopped = 1024;
	if (!c->lim.grace_ms)
		c->lim.grace_ms = 600 * 1000;
	while (buckets < c->lim.max_entries && buckets < (1u << 20))
		buckets <<= 1;
	c->mask = buckets - 1;
	c->by_id = calloc(buckets, sizeof(*c->by_id));
	c->by_mnt = calloc(buckets, sizeof(*c->by_mnt));
	c->by_cg = calloc(buckets, sizeof(*c->by_cg));
	if (!c->by_id || !c->by_mnt || !c->by_cg) {
		free(c->by_id);
		free(c->by_mnt);
		free(c->by_cg);
		free(c);
		return -ENOMEM;
	}
	c->cb = cb;
	c->ctx = ctx;
	*cp = c;
	return 0;
}

static void notify(struct pt_container_cache *cache, enum pt_container_change what,
		   const struct entry *e, const struct pt_container *prev)
{
	if (cache->cb)
		cache->cb(cache->ctx, what, &e->c, prev);
}

/* ---- indexes ------------------------------------------------------------ */

static void unlink_from(struct entry **head, struct entry *e, size_t off)
{
	struct entry **pp;

	for (pp = head; *pp; pp = (struct entry **)((char *)*pp + off))
		if (*pp == e) {
			*pp = *(struct entry **)((char *)e + off);
			return;
		}
}

#define NEXT_OFF(field) offsetof(struct entry, field)

static void index_ids(struct pt_container_cache *cache, struct entry *e)
{
	if (e->c.mntns) {
		struct entry **b = &cache->by_mnt[hash_u64(e->c.mntns) & cache->mask];

		e->mnt_next = *b;
		*b = e;
	}
	if (e->c.cgroup_id) {
		struct entry **b = &cache->by_cg[hash_u64(e->c.cgroup_id) & cache->mask];

		e->cg_next = *b;
		*b = e;
	}
}

static void unindex_ids(struct pt_container_cache *cache, struct entry *e)
{
	if (e->c.mntns)
		unlink_from(&cache->by_mnt[hash_u64(e->c.mntns) & cache->mask], e, NEXT_OFF(mnt_next));
	if (e->c.cgroup_id)
		unlink_from(&cache->by_cg[hash_u64(e->c.cgroup_id) & cache->mask], e,
			    NEXT_OFF(cg_next));
}

static struct entry *find_id(const struct pt_container_cache *cache, const char *id)
{
	struct entry *e;

	for (e = cache->by_id[hash_str(id) & cache->mask]; e; e = e->id_next)
		if (!strcmp(e->c.id, id))
			return e;
	return NULL;
}

/* running beats stopped (latest first) beats unknown */
static bool better(const struct entry *a, const struct entry *b)
{
	if (!b)
		return true;
	if (a->c.state != b->c.state) {
		if (a->c.state == PT_CONTAINER_RUNNING)
			return true;
		if (b->c.state == PT_CONTAINER_RUNNING)
			return false;
		return a->c.state == PT_CONTAINER_STOPPED;
	}
	return a->c.stopped_at > b->c.stopped_at;
}

/* ---- the expiry queue --------------------------------------------------- */

static void q_remove(struct pt_container_cache *cache, struct entry *e)
{
	if (!e->queued)
		return;
	if (e->q_prev)
		e->q_prev->q_next = e->q_next;
	else
		cache->q_head = e->q_next;
	if (e->q_next)
		e->q_next->q_prev = e->q_prev;
	else
		cache->q_tail = e->q_prev;
	e->q_prev = e->q_next = NULL;
	e->queued = false;
	cache->nq--;
}

static void q_append(struct pt_container_cache *cache, struct entry *e, uint64_t base)
{
	q_remove(cache, e);
	e->expire_base = base;
	e->q_prev = cache->q_tail;
	e->q_next = NULL;
	if (cache->q_tail)
		cache->q_tail->q_next = e;
	else
		cache->q_head = e;
	cache->q_tail = e;
	e->queued = true;
	cache->nq++;
}

static void state_count(struct pt_container_cache *cache, enum pt_container_state s, int d)
{
	if (s == PT_CONTAINER_RUNNING)
		cache->st.running += d;
	else if (s == PT_CONTAINER_STOPPED)
		cache->st.stopped += d;
	else
		cache->st.unknown += d;
}

static void set_state(struct pt_container_cache *cache, struct entry *e, enum pt_container_state s)
{
	state_count(cache, e->c.state, -1);
	e->c.state = s;
	state_count(cache, s, +1);
}

static void destroy(struct pt_container_cache *cache, struct entry *e)
{
	notify(cache, PT_CHANGE_REMOVED, e, NULL);
	q_remove(cache, e);
	unindex_ids(cache, e);
	unlink_from(&cache->by_id[hash_str(e->c.id) & cache->mask], e, NEXT_OFF(id_next));
	state_count(cache, e->c.state, -1);
	cache->st.entries--;
	pt_labels_free(&e->c.labels);
	free(e);
}

/* Keep the queue within max_stopped. */
static void q_bound(struct pt_container_cache *cache)
{
	while (cache->nq > cache->lim.max_stopped && cache->q_head) {
		cache->st.evicted++;
		destroy(cache, cache->q_head);
	}
}

static struct entry *create(struct pt_container_cache *cache, const char *id)
{
	struct entry *e, **b;

	if (cache->st.entries >= cache->lim.max_entries) {
		if (!cache->q_head) {
			cache->st.refused_full++;
			return NULL;
		}
		cache->st.evicted++;
		destroy(cache, cache->q_head);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	strcpy(e->c.id, id);
	e->c.runtime = "";
	e->c.state = PT_CONTAINER_UNKNOWN;
	state_count(cache, e->c.state, +1);
	b = &cache->by_id[hash_str(id) & cache->mask];
	e->id_next = *b;
	*b = e;
	cache->st.entries++;
	return e;
}

/* ---- changes ------------------------------------------------------------ */

static bool details_differ(const struct pt_container *a, const struct pt_container *b)
{
	return strcmp(a->name, b->name) || strcmp(a->image, b->image) ||
	       strcmp(a->runtime, b->runtime) || strcmp(a->pod, b->pod) ||
	       strcmp(a->namespace, b->namespace) || a->pid != b->pid || a->mntns != b->mntns ||
	       a->cgroup_id != b->cgroup_id || !pt_labels_equal(&a->labels, &b->labels);
}

int pt_cache_upsert(struct pt_container_cache *cache, struct pt_container *c, int prio,
		    uint64_t now_ms)
{
	struct pt_container prev;
	struct entry *e;
	enum pt_container_state old;
	bool running = c->state == PT_CONTAINER_RUNNING;

	if (!c->id[0] || memchr(c->id, '\0', sizeof(c->id)) == NULL ||
	    (c->state != PT_CONTAINER_RUNNING && c->state != PT_CONTAINER_STOPPED)) {
		pt_container_clear(c);
		return -EINVAL;
	}
	if (!c->runtime)
		c->runtime = "";
	cache->st.labels_dropped += c->labels_dropped;
	e = find_id(cache, c->id);
	if (e && e->c.state == PT_CONTAINER_RUNNING && e->prio > prio) {
		pt_container_clear(c);
		return -EPERM;
	}
	if (!e) {
		e = create(cache, c->id);
		if (!e) {
			pt_container_clear(c);
			return -ENOSPC;
		}
	}
	old = e->c.state;
	prev = e->c;
	/* an exited container has no process left to read ids from: keep them */
	if (!running && (!c->pid || c->pid == prev.pid)) {
		if (!c->mntns)
			c->mntns = prev.mntns;
		if (!c->cgroup_id)
			c->cgroup_id = prev.cgroup_id;
	}
	unindex_ids(cache, e);
	e->c = *c;
	e->c.state = old;
	e->prio = prio;
	memset(c, 0, sizeof(*c));
	index_ids(cache, e);

	if (running) {
		e->c.stopped_at = 0;
		q_remove(cache, e);
		set_state(cache, e, PT_CONTAINER_RUNNING);
		if (old != PT_CONTAINER_RUNNING)
			notify(cache, PT_CHANGE_STARTED, e, NULL);
		else if (details_differ(&prev, &e->c))
			notify(cache, PT_CHANGE_UPDATED, e, &prev);
	} else {
		if (old == PT_CONTAINER_STOPPED && prev.stopped_at)
			e->c.stopped_at = prev.stopped_at;
		if (!e->c.stopped_at)
			e->c.stopped_at = now_ms;
		set_state(cache, e, PT_CONTAINER_STOPPED);
		if (old != PT_CONTAINER_STOPPED || !e->queued)
			q_append(cache, e, e->c.stopped_at);
		if (old == PT_CONTAINER_RUNNING)
			notify(cache, PT_CHANGE_STOPPED, e, NULL);
	}
	pt_labels_free(&prev.labels);
	q_bound(cache);
	return 0;
}

/* Without q_bound: callers that walk the tables bound the queue afterwards. */
static void stop_entry(struct pt_container_cache *cache, struct entry *e, uint64_t when_ms)
{
	enum pt_container_state old = e->c.state;

	if (old == PT_CONTAINER_STOPPED)
		return;
	e->c.stopped_at = when_ms;
	set_state(cache, e, PT_CONTAINER_STOPPED);
	q_append(cache, e, when_ms);
	if (old == PT_CONTAINER_RUNNING)
		notify(cache, PT_CHANGE_STOPPED, e, NULL);
}

void pt_cache_stop(struct pt_container_cache *cache, const char *id, uint64_t when_ms)
{
	struct entry *e = find_id(cache, id);

	if (!e)
		return;
	stop_entry(cache, e, when_ms);
	q_bound(cache);
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

void pt_cache_sync(struct pt_container_cache *cache, int source, char (*ids)[PT_CONTAINER_ID_MAX],
		   size_t n, uint64_t now_ms)
{
	size_t i;

	if (n)
		qsort(ids, n, sizeof(*ids), cmp_id);
	for (i = 0; i <= cache->mask; i++) {
		struct entry *e, *next;

		for (e = cache->by_id[i]; e; e = next) {
			next = e->id_next;
			if (e->c.state != PT_CONTAINER_RUNNING || e->c.source != source)
				continue;
			if (!n || !bsearch(e->c.id, ids, n, sizeof(*ids), cmp_id))
				stop_entry(cache, e, now_ms);
		}
	}
	q_bound(cache); /* evictions only after the walk */
}

const struct pt_container *pt_cache_seen(struct pt_container_cache *cache, const char *id,
					 const char *runtime, uint32_t mntns, uint64_t cgroup_id,
					 uint64_t now_ms)
{
	struct entry *e;
	struct pt_container prev;

	if (!id[0] || strlen(id) >= PT_CONTAINER_ID_MAX)
		return NULL;
	e = find_id(cache, id);
	if (!e) {
		e = create(cache, id);
		if (!e)
			return NULL;
		e->c.runtime = runtime ? runtime : "";
		e->c.mntns = mntns;
		e->c.cgroup_id = cgroup_id;
		index_ids(cache, e);
		q_append(cache, e, now_ms);
		q_bound(cache);
		e = find_id(cache, id); /* q_bound may have evicted it (max_stopped 1) */
		return e ? &e->c : NULL;
	}
	if (e->c.state == PT_CONTAINER_UNKNOWN)
		q_append(cache, e, now_ms);
	if ((!e->c.mntns && mntns) || (!e->c.cgroup_id && cgroup_id)) {
		prev = e->c;
		unindex_ids(cache, e);
		if (!e->c.mntns)
			e->c.mntns = mntns;
		if (!e->c.cgroup_id)
			e->c.cgroup_id = cgroup_id;
		index_ids(cache, e);
		if (e->c.state == PT_CONTAINER_RUNNING)
			notify(cache, PT_CHANGE_UPDATED, e, &prev);
	}
	return &e->c;
}

void pt_cache_expire(struct pt_container_cache *cache, uint64_t now_ms)
{
	while (cache->q_head && cache->q_head->expire_base + cache->lim.grace_ms <= now_ms) {
		cache->st.expired++;
		destroy(cache, cache->q_head);
	}
}

const struct pt_container *pt_cache_by_id(const struct pt_container_cache *cache, const char *id)
{
	struct entry *e = find_id(cache, id);

	return e ? &e->c : NULL;
}

const struct pt_container *pt_cache_by_mntns(const struct pt_container_cache *cache,
					     uint32_t mntns)
{
	struct entry *e, *best = NULL;

	if (!mntns)
		return NULL;
	for (e = cache->by_mnt[hash_u64(mntns) & cache->mask]; e; e = e->mnt_next)
		if (e->c.mntns == mntns && better(e, best))
			best = e;
	return best ? &best->c : NULL;
}

const struct pt_container *pt_cache_by_cgroup(const struct pt_container_cache *cache,
					      uint64_t cgroup_id)
{
	struct entry *e, *best = NULL;

	if (!cgroup_id)
		return NULL;
	for (e = cache->by_cg[hash_u64(cgroup_id) & cache->mask]; e; e = e->cg_next)
		if (e->c.cgroup_id == cgroup_id && better(e, best))
			best = e;
	return best ? &best->c : NULL;
}

const struct pt_container *pt_cache_resolve(const struct pt_container_cache *cache,
					    uint32_t mntns, uint64_t cgroup_id)
{
	const struct pt_container *c = pt_cache_by_cgroup(cache, cgroup_id);

	if (c)
		return c;
	c = pt_cache_by_mntns(cache, mntns);
	if (!c || c->state == PT_CONTAINER_RUNNING)
		return c;
	if (cgroup_id && c->cgroup_id)
		return NULL;
	return c;
}

int pt_cache_foreach(const struct pt_container_cache *cache,
		     int (*fn)(void *ctx, const struct pt_container *c), void *ctx)
{
	size_t i;
	int r;

	for (i = 0; i <= cache->mask; i++) {
		const struct entry *e;

		for (e = cache->by_id[i]; e; e = e->id_next)
			if ((r = fn(ctx, &e->c)))
				return r;
	}
	return 0;
}

void pt_cache_stats(const struct pt_container_cache *cache, struct pt_cache_stats *st)
{
	*st = cache->st;
}

void pt_cache_free(struct pt_container_cache *cache)
{
	size_t i;

	if (!cache)
		return;
	for (i = 0; i <= cache->mask; i++)
		while (cache->by_id[i])
			destroy(cache, cache->by_id[i]);
	free(cache->by_id);
	free(cache->by_mnt);
	free(cache->by_cg);
	free(cache);
}

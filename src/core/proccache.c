/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Process cache and ancestry resolution (contract in proccache.h).
 *
 * Structure
 *  - ent[]: max_entries slots allocated once with calloc (slots never used
 *    cost no resident memory), handed out from a high-water mark, then from
 *    a free list, then by eviction.  Slots link to each other by 32-bit index.
 *  - bucket[]: hash of (pid, start ticks) to slot chains, load factor <= 1.
 *  - lru: live entries, head = most recently used (inserted, exec'd, resolved).
 *  - exited: exited entries in exit order; expire() frees them after the grace.
 *  An insert into a full cache reuses the oldest exited entry, else the least
 *  recently used live one (stats.evictions).  Lookup, insert, exit and
 *  eviction are O(1) on average; expire is O(entries expired).
 *
 * Cmdlines are immutable refcounted strings (struct pt_cmd): a forked child
 * shares its parent's until it execs.  NULL means unknown.  resolve() holds a
 * reference on every cmdline it puts in the event and drops them at the next
 * resolve(), so an eviction, exec or expire in between (even one triggered by
 * the /proc fallback of a later ancestor of the same event) never frees a
 * string the event points to.  The leaf argv is joined into a cache-owned
 * buffer, also valid until the next resolve().  User names are valid until
 * pt_username_cache_drop().
 *
 * Memory bound: max_entries * (sizeof(struct pt_pent) + 4) for the table
 * (72 + 4 bytes on 64-bit: 5 MiB at the default 65536 entries) plus, worst
 * case, max_entries * (cmdline_max + 8) for the cmdlines (256 MiB at the
 * defaults if every process had a 4 KiB command line; typically ~100 bytes,
 * and shared between a parent and its un-exec'd children), plus for a
 * cmdline that has been in an event its JSON string, at most 1/8 + 10 bytes
 * more than the cmdline itself (struct pt_cmd), plus
 * 2 * cmdline_max + 516 bytes of scratch and at most PT_USERS_MAX user names.
 *
 * An ancestor's cmdline is escaped for JSON once, the first time it is in
 * an event, and the event carries that string (pt_event_proc.cmdline_json):
 * the ancestors of a busy process are the same in every one of its events.
 *
 * Hit path of resolve(): no syscall; no allocation but that JSON string,
 * once per cmdline.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "proccache.h"
#include "proccache_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "json.h"
#include "log.h"
#include "procfs.h"
#include "users.h"

uint64_t pt_ns_to_ticks(uint64_t ns)
{
	long hz = sysconf(_SC_CLK_TCK);

	return ns / (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
}

/* ---- refcounted cmdlines ---- */

struct pt_cmd *pt_pc_cmd_new(const char *s, size_t len)
{
	struct pt_cmd *m = malloc(sizeof(*m) + len + 1);

	if (!m)
		return NULL; /* stays unknown; resolve falls back to /proc */
	m->ref = 1;
	m->json = NULL;
	m->json_len = 0;
	m->json_tried = false;
	memcpy(m->s, s, len);
	m->s[len] = '\0';
	return m;
}

static struct pt_cmd *cmd_get(struct pt_cmd *m)
{
	if (m)
		m->ref++;
	return m;
}

static void cmd_put(struct pt_cmd *m)
{
	if (m && --m->ref == 0) {
		free(m->json);
		free(m);
	}
}

/* m's JSON string, made the first time it is asked for (struct pt_cmd) */
static const char *cmd_json(struct pt_cmd *m)
{
	/* (as far as the event's cmdline goes, which is s up to its NUL) */
	size_t n = strlen(m->s);
	struct pt_buf b;
	char *j;

	if (m->json || m->json_tried)
		return m->json;
	m->json_tried = true;
	pt_buf_init(&b);
	pt_json_str(&b, m->s, n);
	if (!b.oom && b.len <= n + PT_CMD_JSON_SLACK(n)) {
		/* exactly its size (and the NUL pt_buf keeps): the memory bound counts it so */
		pt_buf_str(&b);
		j = realloc(b.data, b.len + 1);
		if (j) {
			m->json = j;
			m->json_len = (uint32_t)b.len;
			return j;
		}
	}
	pt_buf_free(&b);
	return NULL;
}

static void release_held(struct pt_proc_cache *c)
{
	while (c->nheld)
		cmd_put(c->held[--c->nheld]);
}

/* ---- lists and hash ---- */

static void list_del(struct pt_proc_cache *c, struct pt_list *l, uint32_t i)
{
	struct pt_pent *e = &c->ent[i];

	if (e->prev != NIL)
		c->ent[e->prev].next = e->next;
	else
		l->head = e->next;
	if (e->next != NIL)
		c->ent[e->next].prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NIL;
}

static void list_add_head(struct pt_proc_cache *c, struct pt_list *l, uint32_t i)
{
	struct pt_pent *e = &c->ent[i];

	e->prev = NIL;
	e->next = l->head;
	if (l->head != NIL)
		c->ent[l->head].prev = i;
	else
		l->tail = i;
	l->head = i;
}

static void list_add_tail(struct pt_proc_cache *c, struct pt_list *l, uint32_t i)
{
	struct pt_pent *e = &c->ent[i];

	e->next = NIL;
	e->prev = l->tail;
	if (l->tail != NIL)
		c->ent[l->tail].next = i;
	else
		l->head = i;
	l->tail = i;
}

static inline uint32_t hash_key(const struct pt_proc_cache *c, uint32_t pid, uint64_t start)
{
	uint64_t k = (start << 22 | start >> 42) ^ pid;

	return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> c->shift);
}

static uint32_t lookup(const struct pt_proc_cache *c, uint32_t pid, uint64_t start)
{
	uint32_t i;

	for (i = c->bucket[hash_key(c, pid, start)]; i != NIL; i = c->ent[i].hnext)
		if (c->ent[i].pid == pid && c->ent[i].start == start)
			return i;
	return NIL;
}

/* Most recently used: only live entries move, exited ones keep their exit order. */
static void touch(struct pt_proc_cache *c, uint32_t i)
{
	if (c->ent[i].state == PE_LIVE && c->lru.head != i) {
		list_del(c, &c->lru, i);
		list_add_head(c, &c->lru, i);
	}
}

/* Unhash and unlink entry i and drop its cmdline; the slot is the caller's. */
static void entry_drop(struct pt_proc_cache *c, uint32_t i)
{
	struct pt_pent *e = &c->ent[i];
	uint32_t *pp = &c->bucket[hash_key(c, e->pid, e->start)];

	while (*pp != i)
		pp = &c->ent[*pp].hnext;
	*pp = e->hnext;
	list_del(c, e->state == PE_EXITED ? &c->exited : &c->lru, i);
	cmd_put(e->cmd);
	e->cmd = NULL;
	e->state = PE_FREE;
	c->nused--;
}

uint32_t pt_pc_entry_insert(struct pt_proc_cache *c, uint32_t pid, uint64_t start)
{
	struct pt_pent *e;
	uint32_t i, h;

	if (c->freelist != NIL) {
		i = c->freelist;
		c->freelist = c->ent[i].next;
	} else if (c->hiwater < c->cap) {
		i = c->hiwater++;
	} else if (c->exited.head != NIL) {
		i = c->exited.head;
		entry_drop(c, i);
	} else {
		i = c->lru.tail;
		entry_drop(c, i);
		c->st.evictions++;
	}
	e = &c->ent[i];
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->start = start;
	e->loginuid = PT_LOGINUID_UNSET;
	e->state = PE_LIVE;
	h = hash_key(c, pid, start);
	e->hnext = c->bucket[h];
	c->bucket[h] = i;
	list_add_head(c, &c->lru, i);
	c->nused++;
	return i;
}

/* Find or insert (pid, start) as a live, most recently used entry. */
struct pt_pent *pt_pc_entry_get(struct pt_proc_cache *c, uint32_t pid, uint64_t start)
{
	uint32_t i = lookup(c, pid, start);

	if (i == NIL)
		return &c->ent[pt_pc_entry_insert(c, pid, start)];
	if (c->ent[i].state == PE_EXITED) { /* same pid and tick again: a new process */
		list_del(c, &c->exited, i);
		c->ent[i].state = PE_LIVE;
		list_add_head(c, &c->lru, i);
	}
	touch(c, i);
	return &c->ent[i];
}

void pt_pc_entry_set_anc(struct pt_pent *e, const struct pt_ancestor *a)
{
	e->ppid = a->ppid;
	e->uid = a->uid;
	e->loginuid = a->loginuid;
	e->exec_id = a->exec_id;
	e->exec_id_known = true;
	memcpy(e->comm, a->comm, PT_COMM_LEN);
	e->comm[PT_COMM_LEN - 1] = '\0';
}

/*
 * Does the entry's cmdline belong to the image the snapshot saw?  An exec
 * record that was lost (ring buffer full) leaves a forked child with its
 * parent's cmdline; the kernel's self_exec_id (bumped by every execve) tells.
 * Entries from the /proc scan have no exec id: their comm must match.
 */
static bool entry_is_current(const struct pt_pent *e, const struct pt_ancestor *a, bool no_exec_id)
{
	if (e->exec_id_known && !no_exec_id)
		return e->exec_id == a->exec_id;
	return strncmp(e->comm, a->comm, PT_COMM_LEN) == 0;
}

/* Takes over the reference of m. */
void pt_pc_entry_set_cmd(struct pt_pent *e, struct pt_cmd *m)
{
	cmd_put(e->cmd);
	e->cmd = m;
	e->noproc = false;
}

void pt_pc_entry_mark_exited(struct pt_proc_cache *c, uint32_t i, uint64_t now_ns)
{
	struct pt_pent *e = &c->ent[i];

	if (e->state != PE_LIVE)
		return;
	/* keep the list sorted even if clocks disagree slightly */
	if (c->exited.tail != NIL && c->ent[c->exited.tail].exit_ns > now_ns)
		now_ns = c->ent[c->exited.tail].exit_ns;
	list_del(c, &c->lru, i);
	e->state = PE_EXITED;
	e->exit_ns = now_ns;
	c->st.exits++;
	list_add_tail(c, &c->exited, i);
}

/* ---- life cycle ---- */

void pt_proc_cache_free(struct pt_proc_cache *c)
{
	uint32_t i;

	if (!c)
		return;
	release_held(c);
	pt_users_free(&c->users);
	if (c->ent)
		for (i = 0; i < c->hiwater; i++)
			cmd_put(c->ent[i].cmd);
	if (c->procfd >= 0)
		close(c->procfd);
	free(c->ent);
	free(c->bucket);
	free(c->raw);
	free(c->join);
	free(c);
}

int pt_proc_cache_new(struct pt_proc_cache **out, const struct pt_proc_cache_opts *opts)
{
	static const struct pt_proc_cache_opts defaults = { 0 };
	struct pt_proc_cache *c;
	unsigned int bits = 1;
	size_t max;
	long hz;
	int err;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	max = opts->max_entries ? opts->max_entries : 65536;
	if (max > PT_CACHE_MAX_ENTRIES || (opts->cmdline_max && opts->cmdline_max < 8) ||
	    opts->cmdline_max > PT_CMDLINE_MAX_MAX)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->procfd = -1;
	c->cap = (uint32_t)max;
	c->hiwater = 0;
	c->freelist = NIL;
	c->lru.head = c->lru.tail = c->exited.head = c->exited.tail = NIL;
	c->cmdline_max = opts->cmdline_max ? opts->cmdline_max : 4096;
	c->leaf_max = c->cmdline_max < sizeof(c->leaf) ? c->cmdline_max : sizeof(c->leaf);
	c->grace_ns = opts->exit_grace_ns ? opts->exit_grace_ns : 60000000000ull;
	hz = sysconf(_SC_CLK_TCK);
	c->ns_per_tick = 1000000000ull / (uint64_t)(hz > 0 ? hz : 100);

	while ((1ul << bits) < max)
		bits++;
	c->shift = 64 - bits;
	err = -ENOMEM;
	c->ent = calloc(max, sizeof(*c->ent));
	c->bucket = malloc(sizeof(*c->bucket) << bits);
	c->raw = malloc(c->cmdline_max);
	c->join = malloc(c->cmdline_max);
	if (!c->ent || !c->bucket || !c->raw || !c->join)
		goto fail;
	memset(c->bucket, 0xff, sizeof(*c->bucket) << bits);
	if (pt_users_init(&c->users, opts->passwd_file))
		goto fail;
	c->procfd = pt_procfs_open(opts->proc_root ? opts->proc_root : "/proc");
	if (c->procfd < 0) {
		err = c->procfd;
		goto fail;
	}
	*out = c;
	return 0;
fail:
	pt_proc_cache_free(c);
	return err;
}

void pt_proc_cache_get_stats(const struct pt_proc_cache *c, struct pt_proc_cache_stats *st)
{
	*st = c->st;
	st->entries = c->nused;
}

/* ---- records ---- */

void pt_proc_cache_exec(struct pt_proc_cache *c, const struct pt_exec_record *r)
{
	size_t len = r->argv_len < PT_EXEC_ARGV_LEN ? r->argv_len : PT_EXEC_ARGV_LEN;
	struct pt_cmd *m = NULL;
	struct pt_pent *e;

	if (!(r->hdr.flags & PT_F_ARGV_FAULT)) {
		len = pt_join_argv(r->argv, len, c->join, c->cmdline_max,
				   r->hdr.flags & PT_F_ARGV_TRUNCATED);
		m = pt_pc_cmd_new(c->join, len);
	}
	/* execve keeps pid and start time: this updates the fork's entry */
	e = pt_pc_entry_get(c, r->proc.tgid, r->proc.start_ns / c->ns_per_tick);
	pt_pc_entry_set_anc(e, &r->proc);
	pt_pc_entry_set_cmd(e, m);
}

void pt_proc_cache_fork(struct pt_proc_cache *c, const struct pt_fork_record *r)
{
	uint32_t p = lookup(c, r->parent_tgid, r->parent_start_ns / c->ns_per_tick);
	struct pt_cmd *m = NULL;
	struct pt_pent *e;

	if (p != NIL) {
		touch(c, p); /* an active parent is no eviction candidate */
		m = cmd_get(c->ent[p].cmd);
	}
	e = pt_pc_entry_get(c, r->child.tgid, r->child.start_ns / c->ns_per_tick);
	pt_pc_entry_set_anc(e, &r->child);
	if (m || !e->cmd) /* an unknown parent must not erase what a scan found */
		pt_pc_entry_set_cmd(e, m);
}

void pt_proc_cache_exit(struct pt_proc_cache *c, uint32_t tgid, uint64_t start_ns, uint64_t now_ns)
{
	uint32_t i = lookup(c, tgid, start_ns / c->ns_per_tick);

	if (i != NIL)
		pt_pc_entry_mark_exited(c, i, now_ns);
}

int pt_proc_cache_exits(struct pt_proc_cache *c, const struct pt_exit_batch *b, size_t len,
			uint64_t now_ns)
{
	uint64_t first;

	if (len < sizeof(*b) || b->count == 0 || b->count > PT_EXIT_BATCH || b->last < b->count)
		return -EINVAL;
	first = b->last - b->count + 1;
	for (uint64_t s = first; s <= b->last; s++)
		if (b->e[s % PT_EXIT_BATCH].seq != s)
			return -EINVAL;
	for (uint64_t s = first; s <= b->last; s++) {
		const struct pt_exit_entry *e = &b->e[s % PT_EXIT_BATCH];

		pt_proc_cache_exit(c, e->tgid, e->start_ns, now_ns);
	}
	return 0;
}

void pt_proc_cache_expire(struct pt_proc_cache *c, uint64_t now_ns)
{
	struct pt_pent *e;
	uint32_t i;

	while ((i = c->exited.head) != NIL) {
		e = &c->ent[i];
		if (now_ns < e->exit_ns || now_ns - e->exit_ns < c->grace_ns)
			break;
		entry_drop(c, i);
		e->next = c->freelist;
		c->freelist = i;
	}
}

/* ---- resolve ---- */

/* p's cmdline is m's, held until the next resolve, with m's JSON */
static void hold(struct pt_proc_cache *c, struct pt_cmd *m, struct pt_event_proc *p)
{
	if (c->nheld < PT_MAX_DEPTH)
		c->held[c->nheld++] = cmd_get(m);
	p->cmdline = m->s;
	p->cmdline_json = cmd_json(m);
	p->cmdline_json_of = m->s;
	p->cmdline_json_len = m->json_len;
}

/* p's cmdline is the leaf's argv, joined into c->leaf (no JSON kept) */
static void leaf_argv(struct pt_proc_cache *c, const char *argv, size_t alen, bool truncated,
		      struct pt_event_proc *p)
{
	pt_join_argv(argv, alen, c->leaf, c->leaf_max, truncated);
	p->cmdline = c->leaf;
}

/* Sets p's cmdline (and its JSON) of ancestor k; false when unresolved. */
static bool resolve_cmdline(struct pt_proc_cache *c, const struct pt_ancestry *tree,
			    uint32_t rec_flags, size_t k, struct pt_event_proc *p)
{
	const struct pt_ancestor *a = &tree->anc[k];
	uint64_t start = a->start_ns / c->ns_per_tick;
	/* (a bogus depth: the argv is nowhere known) */
	size_t alen = tree->depth > PT_MAX_DEPTH ? 0 :
		      tree->argv_len < PT_LEAF_ARGV_LEN ? tree->argv_len : PT_LEAF_ARGV_LEN;
	const char *argv = tree->depth > PT_MAX_DEPTH ? "" : pt_ancestry_argv(tree);
	bool leaf = k == 0 && alen && !(rec_flags & PT_F_ARGV_FAULT);
	struct pt_cmd *m;
	uint32_t i;

	p->cmdline_json = p->cmdline_json_of = NULL;
	p->cmdline_json_len = 0;
	if (leaf && !(rec_flags & PT_F_ARGV_TRUNCATED)) {
		leaf_argv(c, argv, alen, false, p);
		return true;
	}
	i = lookup(c, a->tgid, start);
	if (i != NIL) {
		touch(c, i);
		if (c->ent[i].cmd &&
		    entry_is_current(&c->ent[i], a, rec_flags & PT_F_FROM_PROC)) {
			hold(c, c->ent[i].cmd, p);
			return true;
		}
	}
	if (i == NIL || !c->ent[i].noproc) {
		m = pt_pc_proc_fallback(c, a, start, i);
		if (m) {
			c->st.proc_fallbacks++;
			hold(c, m, p);
			return true;
		}
	}
	if (leaf) {
		leaf_argv(c, argv, alen, true, p);
		return true;
	}
	p->cmdline = "";
	return false;
}

void pt_proc_cache_resolve(struct pt_proc_cache *c, const struct pt_ancestry *tree,
			   uint32_t rec_flags, struct pt_event *ev)
{
	size_t n = tree->depth < PT_MAX_DEPTH ? tree->depth : PT_MAX_DEPTH, k;
	const struct pt_ancestor *a;
	struct pt_event_proc *p;

	release_held(c);
	if (pt_users_full(&c->users))
		pt_users_retire(&c->users);
	c->in_resolve = true;
	/* the container identity the kernel captured with the tree (containers) */
	ev->mntns = tree->mntns;
	ev->cgroup_id = tree->cgroup_id;
	memcpy(ev->cgroup_name, tree->cgroup_name, sizeof(ev->cgroup_name));
	ev->cgroup_name[sizeof(ev->cgroup_name) - 1] = '\0';
	ev->pid = n ? tree->anc[0].tgid : 0;
	ev->nproc = n;
	for (k = 0; k < n; k++) {
		a = &tree->anc[k];
		p = &ev->proctree[k];
		p->pid = a->tgid;
		p->ppid = a->ppid;
		p->uid = a->uid;
		p->loginuid = a->loginuid;
		p->start_ns = a->start_ns;
		p->username = pt_username(c, a->uid);
		p->loginname = NULL;
		if (!resolve_cmdline(c, tree, rec_flags, k, p)) {
			c->st.unresolved++;
			pt_event_add_error(ev, "unresolved ancestor pid %u", a->tgid);
		}
	}
	c->in_resolve = false;
	if (!n)
		pt_event_add_error(ev, "empty ancestry");
	if (rec_flags & PT_F_TRUNCATED)
		pt_event_add_error(ev, "ancestry truncated at depth %zu", n);
}

/* ---- user names ---- */

const char *pt_username(struct pt_proc_cache *c, uint32_t uid)
{
	/* during resolve the event may point at cached names: clear at the next one */
	return pt_users_get(&c->users, uid, !c->in_resolve);
}

void pt_username_cache_drop(struct pt_proc_cache *c)
{
	pt_users_clear(&c->users);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The DNS name table (names.h): a fixed array of entries, a bucket array of
 * chains through it (indices, not pointers), an LRU list and a free list.
 * Entries of one address share a bucket, so a lookup walks one short chain.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#define NIL UINT32_MAX
#define NS_PER_S 1000000000ull

#define E_USED (1u << 0)
#define E_CUT (1u << 1) /* chain cut to fit text[] */

struct pt_dns_entry {
	uint32_t netns;
	uint8_t family;
	uint8_t flags;
	uint8_t ncnames;
	uint8_t pad;
	uint8_t addr[16];
	uint32_t tgid;
	uint32_t hnext;          /* bucket chain, or free list */
	uint32_t bucket;         /* index of its chain in buckets[] */
	uint32_t prev, next;     /* LRU list: head = most recently used */
	uint64_t inserted_ns, expires_ns;
	uint16_t cname_off[PT_DNS_MAX_CNAMES];
	char text[PT_DNS_TEXT_MAX]; /* name, NUL, cnames, NUL-separated */
};

struct pt_dns_table {
	struct pt_dns_opts o;
	uint64_t key[2];         /* SipHash key */
	uint32_t nbuckets;       /* power of two >= capacity */
	uint32_t *buckets;
	struct pt_dns_entry *e;
	/* expiry of each entry, UINT64_MAX when free: the sweep reads this
	 * compact array in order instead of chasing 8192 entries */
	uint64_t *exp;
	uint32_t head, tail, free;
	struct pt_dns_table_stats st;
};

/* ---- hashing ------------------------------------------------------------------ */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                  \
	do {                                                                                      \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                         \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                            \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                            \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                         \
	} while (0)

/* SipHash-2-4 of n 64-bit words (a message of 8n bytes). */
static uint64_t siphash24(const uint64_t k[2], const uint64_t *m, size_t n)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ k[0], v1 = 0x646f72616e646f6dull ^ k[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ k[0], v3 = 0x7465646279746573ull ^ k[1];
	uint64_t b = (uint64_t)(n * 8) << 56;
	size_t i;

	for (i = 0; i < n; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* Canonical key: IPv4-mapped IPv6 folded to IPv4, unused bytes zero. */
struct key {
	uint32_t netns;
	uint8_t family;
	uint8_t addr[16];
};

static int make_key(struct key *k, uint32_t netns, int family, const uint8_t *addr)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	memset(k, 0, sizeof(*k));
	k->netns = netns;
	if (family == AF_INET) {
		memcpy(k->addr, addr, 4);
	} else if (family == AF_INET6) {
		if (!memcmp(addr, v4mapped, sizeof(v4mapped))) {
			memcpy(k->addr, addr + 12, 4);
			family = AF_INET;
		} else {
			memcpy(k->addr, addr, 16);
		}
	} else {
		return -EINVAL;
	}
	k->family = (uint8_t)family;
	return 0;
}

static uint32_t bucket_of(const struct pt_dns_table *t, const struct key *k)
{
	uint64_t w[3];

	w[0] = (uint64_t)k->netns | (uint64_t)k->family << 32;
	memcpy(&w[1], k->addr, 16);
	return (uint32_t)siphash24(t->key, w, 3) & (t->nbuckets - 1);
}

static bool same_key(const struct pt_dns_entry *e, const struct key *k)
{
	return e->netns == k->netns && e->family == k->family && !memcmp(e->addr, k->addr, 16);
}

/* ---- creation ----------------------------------------------------------------- */

static uint32_t buckets_for(uint32_t max_entries)
{
	uint32_t n = 16;

	while (n < max_entries)
		n <<= 1;
	return n;
}

size_t pt_dns_table_bytes(uint32_t max_entries)
{
	return sizeof(struct pt_dns_table) +
	       (size_t)max_entries * (sizeof(struct pt_dns_entry) + sizeof(uint64_t)) +
	       (size_t)buckets_for(max_entries) * sizeof(uint32_t);
}

int pt_dns_table_new(struct pt_dns_table **out, const struct pt_dns_opts *opts)
{
	struct pt_dns_table *t;
	char err[128];
	uint32_t i;

	*out = NULL;
	if (pt_dns_opts_check(opts, err, sizeof(err)))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->o = *opts;
	t->nbuckets = buckets_for(opts->max_entries);
	t->buckets = malloc((size_t)t->nbuckets * sizeof(*t->buckets));
	t->e = calloc(opts->max_entries, sizeof(*t->e));
	t->exp = malloc((size_t)opts->max_entries * sizeof(*t->exp));
	if (!t->buckets || !t->e || !t->exp) {
		pt_dns_table_free(t);
		return -ENOMEM;
	}
	if (opts->seed) {
		t->key[0] = opts->seed;
		t->key[1] = opts->seed * 0x9e3779b97f4a7c15ull;
	} else if (getrandom(t->key, sizeof(t->key), GRND_NONBLOCK) != sizeof(t->key)) {
		/* no entropy yet (early boot): a weaker key, still per process */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t->key[0] = (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)t;
		t->key[1] = (uint64_t)ts.tv_sec * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)&ts;
	}
	for (i = 0; i < t->nbuckets; i++)
		t->buckets[i] = NIL;
	for (i = 0; i < opts->max_entries; i++) {
		t->e[i].hnext = i + 1 < opts->max_entries ? i + 1 : NIL;
		t->exp[i] = UINT64_MAX;
	}
	t->free = 0;
	t->head = t->tail = NIL;
	t->st.capacity = opts->max_entries;
	*out = t;
	return 0;
}

void pt_dns_table_free(struct pt_dns_table *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->e);
	free(t->exp);
	free(t);
}

/* ---- lists -------------------------------------------------------------------- */

static void lru_unlink(struct pt_dns_table *t, uint32_t i)
{
	struct pt_dns_entry *e = &t->e[i];

	if (e->prev != NIL)
		t->e[e->prev].next = e->next;
	else
		t->head = e->next;
	if (e->next != NIL)
		t->e[e->next].prev = e->prev;
	else
		t->tail = e->prev;
}

static void lru_push(struct pt_dns_table *t, uint32_t i)
{
	struct pt_dns_entry *e = &t->e[i];

	e->prev = NIL;
	e->next = t->head;
	if (t->head != NIL)
		t->e[t->head].prev = i;
	t->head = i;
	if (t->tail == NIL)
		t->tail = i;
}

static void lru_touch(struct pt_dns_table *t, uint32_t i)
{
	if (t->head != i) {
		lru_unlink(t, i);
		lru_push(t, i);
	}
}

/* Take entry i out of its bucket and the LRU list (it stays E_USED). */
static void unlink_entry(struct pt_dns_table *t, uint32_t i)
{
	uint32_t *p;

	for (p = &t->buckets[t->e[i].bucket]; *p != NIL; p = &t->e[*p].hnext) {
		if (*p == i) {
			*p = t->e[i].hnext;
			break;
		}
	}
	lru_unlink(t, i);
}

static void release(struct pt_dns_table *t, uint32_t i)
{
	unlink_entry(t, i);
	t->e[i].flags = 0;
	t->exp[i] = UINT64_MAX;
	t->e[i].hnext = t->free;
	t->free = i;
	t->st.entries--;
}

/* Count a live entry about to be dropped (or reused) at now. */
static void count_drop(struct pt_dns_table *t, uint32_t i, uint64_t now, uint64_t *live_ctr)
{
	if (t->e[i].expires_ns <= now)
		t->st.expired++;
	else
		(*live_ctr)++;
}

/* ---- insert ------------------------------------------------------------------- */

/* Copy name and chain into e; false when the name itself does not fit. */
static bool fill_text(struct pt_dns_entry *e, const struct pt_dns_insert *in)
{
	size_t len = strlen(in->name), off, l;
	unsigned i;

	if (len == 0 || len >= PT_DNS_TEXT_MAX)
		return false;
	memcpy(e->text, in->name, len + 1);
	off = len + 1;
	e->ncnames = 0;
	e->flags &= (uint8_t)~E_CUT;
	for (i = 0; i < in->ncnames; i++) {
		l = strlen(in->cnames[i]);
		if (off + l + 1 > PT_DNS_TEXT_MAX) {
			e->flags |= E_CUT;
			break;
		}
		memcpy(e->text + off, in->cnames[i], l + 1);
		e->cname_off[e->ncnames++] = (uint16_t)off;
		off += l + 1;
	}
	return true;
}

int pt_dns_table_insert(struct pt_dns_table *t, const struct pt_dns_insert *in, uint64_t now_ns)
{
	uint32_t b, i, same = NIL, oldest = NIL, naddr = 0;
	struct pt_dns_entry *e;
	uint64_t ttl;
	struct key k;
	int ret = 1;

	if (!in->name || !in->name[0] || strlen(in->name) >= PT_DNS_TEXT_MAX ||
	    in->ncnames > PT_DNS_MAX_CNAMES || make_key(&k, in->netns, in->family, in->addr))
		return -EINVAL;
	b = bucket_of(t, &k);
	for (i = t->buckets[b]; i != NIL; i = t->e[i].hnext) {
		if (!same_key(&t->e[i], &k))
			continue;
		if (!strcmp(t->e[i].text, in->name)) {
			same = i;
			break;
		}
		naddr++;
		if (oldest == NIL || t->e[i].inserted_ns < t->e[oldest].inserted_ns)
			oldest = i;
	}

	if (same != NIL) {
		/* refresh in place: same bucket, moved to the LRU head */
		i = same;
		ret = 0;
		t->st.refreshed++;
		lru_touch(t, i);
	} else {
		if (naddr >= t->o.names_per_addr) {
			/* this address has its share: its oldest name goes */
			count_drop(t, oldest, now_ns, &t->st.evicted_addr);
			release(t, oldest);
		}
		if (t->free == NIL) {
			count_drop(t, t->tail, now_ns, &t->st.evicted);
			release(t, t->tail);
		}
		i = t->free;
		t->free = t->e[i].hnext;
		e = &t->e[i];
		e->netns = k.netns;
		e->family = k.family;
		memcpy(e->addr, k.addr, 16);
		e->flags = E_USED;
		e->bucket = b;
		e->hnext = t->buckets[b];
		t->buckets[b] = i;
		lru_push(t, i);
		t->st.entries++;
		t->st.added++;
	}
	e = &t->e[i];
	fill_text(e, in);
	e->tgid = in->tgid;
	ttl = in->ttl;
	if (ttl < t->o.min_ttl)
		ttl = t->o.min_ttl;
	if (ttl > t->o.max_ttl)
		ttl = t->o.max_ttl;
	e->inserted_ns = now_ns;
	e->expires_ns = now_ns + ttl * NS_PER_S;
	t->exp[i] = e->expires_ns;
	return ret;
}

/* ---- lookup and expiry -------------------------------------------------------- */

/* Position of tgid in anc[0..n), n when absent: lower is better. */
static size_t rank(uint32_t tgid, const uint32_t *anc, size_t n)
{
	size_t r;

	for (r = 0; r < n; r++)
		if (anc[r] == tgid)
			return r;
	return n;
}

int pt_dns_table_lookup(struct pt_dns_table *t, uint32_t netns, int family, const uint8_t *addr,
			uint64_t now_ns, const uint32_t *anc, size_t n, struct pt_dns_result *out)
{
	uint32_t i, best = NIL;
	size_t r, best_r = 0;
	struct pt_dns_entry *e;
	struct key k;
	unsigned c;

	t->st.lookups++;
	if (make_key(&k, netns, family, addr))
		return -ENOENT;
	if (!anc)
		n = 0;
	for (i = t->buckets[bucket_of(t, &k)]; i != NIL; i = t->e[i].hnext) {
		e = &t->e[i];
		if (!same_key(e, &k) || e->expires_ns <= now_ns)
			continue;
		r = rank(e->tgid, anc, n);
		if (best == NIL || r < best_r ||
		    (r == best_r && e->inserted_ns > t->e[best].inserted_ns)) {
			best = i;
			best_r = r;
		}
	}
	if (best == NIL)
		return -ENOENT;
	t->st.hits++;
	lru_touch(t, best);
	e = &t->e[best];
	memset(out, 0, sizeof(*out));
	out->name = e->text;
	for (c = 0; c < e->ncnames; c++)
		out->cnames[c] = e->text + e->cname_off[c];
	out->ncnames = e->ncnames;
	out->cnames_cut = e->flags & E_CUT;
	out->tgid = e->tgid;
	out->inserted_ns = e->inserted_ns;
	out->expires_ns = e->expires_ns;
	return 0;
}

unsigned pt_dns_table_expire(struct pt_dns_table *t, uint64_t now_ns)
{
	unsigned n = 0;
	uint32_t i;

	for (i = 0; i < t->o.max_entries; i++) {
		/* free slots hold UINT64_MAX, which is never due */
		if (t->exp[i] <= now_ns && now_ns != UINT64_MAX) {
			release(t, i);
			t->st.expired++;
			n++;
		}
	}
	return n;
}

void pt_dns_table_stats(const struct pt_dns_table *t, struct pt_dns_table_stats *st)
{
	*st = t->st;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DNS name table: (network namespace, address) -> the names this host's
 * processes resolved to that address, each valid until its TTL runs out.
 *
 * An entry holds one name for one address: the name the application asked
 * for (the question), the CNAME chain that led from it to the record holding
 * the address, the tgid of the process that sent the query and received the
 * answer, when it was inserted and when it expires.  One address can hold up
 * to names_per_addr names (a shared CDN address answers for many names);
 * inserting the same name again for the same address refreshes that entry.
 *
 * Bounded: max_entries entries, all allocated at creation (no allocation
 * afterwards, on any path); pt_dns_table_bytes() gives the figure.  When it
 * is full, the least recently used entry (inserted, refreshed or returned
 * by a lookup) makes room, and the eviction is counted; an expired entry
 * reused that way counts as expired, not evicted.  Why LRU and not
 * soonest-expiry: TTLs are chosen by whoever runs the DNS server, so a
 * flood of answers with long TTLs would push out every short-TTL name in
 * use under soonest-expiry, whereas LRU keeps the names that connections
 * are being made to.
 *
 * TTLs are clamped to [min_ttl, max_ttl] seconds.  The floor (default 60 s)
 * covers clients that keep an answer past a short TTL (browsers and the JVM
 * cache answers for 30-60 s whatever the TTL) and the delay between the
 * answer and the connect event reaching pidtree; the ceiling (default one
 * day, unbound's cache-max-ttl) keeps a hostile or absurd TTL (up to 68
 * years) from pinning a name.
 *
 * Lookups hash (netns, family, address) with SipHash-2-4 keyed at creation
 * from getrandom(2), so answers chosen to collide cannot turn the table into
 * a list.  Average O(1), no allocation, no system call.
 *
 * Times are nanoseconds on one clock for every call (the daemon uses
 * CLOCK_BOOTTIME, the clock of the BPF records' timestamps).  IPv4-mapped
 * IPv6 addresses (::ffff:a.b.c.d) are the IPv4 address, as in the events.
 * Single-threaded: no locking.
 */
#ifndef PIDTREE_DNS_NAMES_H
#define PIDTREE_DNS_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_opts.h"

#define PT_DNS_MAX_CNAMES 8   /* CNAME links followed and kept per name */
#define PT_DNS_TEXT_MAX 256   /* bytes per entry for the name and its chain */

/*
 * The [dns] options of pidtree.conf (struct pt_dns_opts, its defaults,
 * bounds and parser) are in core's dns_opts.h, which the settings parser
 * reads too; the table uses max_entries, min_ttl, max_ttl, names_per_addr
 * and seed.
 */

/* Bytes a table of max_entries entries allocates. */
size_t pt_dns_table_bytes(uint32_t max_entries);

struct pt_dns_table;

/* 0, -EINVAL (opts out of bounds), -ENOMEM. */
int pt_dns_table_new(struct pt_dns_table **out, const struct pt_dns_opts *opts);
void pt_dns_table_free(struct pt_dns_table *t);

/* What to insert: one address of one answer. */
struct pt_dns_insert {
	uint32_t netns;          /* network namespace inode */
	int family;              /* AF_INET or AF_INET6 */
	const uint8_t *addr;     /* 4 or 16 bytes */
	uint32_t tgid;           /* process that received the answer */
	uint32_t ttl;            /* seconds, clamped by the table */
	const char *name;        /* the queried name, normalised (parse.h) */
	const char *const *cnames; /* chain from name to the address's owner */
	unsigned ncnames;        /* <= PT_DNS_MAX_CNAMES */
};

/*
 * Insert or refresh (same netns, address and name: chain, tgid, expiry and
 * insertion time are replaced).  1 added, 0 refreshed, -EINVAL (bad family,
 * empty or over-long name, too many cnames).  The names are copied; a chain
 * that does not fit PT_DNS_TEXT_MAX is cut and the entry marked so.
 */
int pt_dns_table_insert(struct pt_dns_table *t, const struct pt_dns_insert *in, uint64_t now_ns);

/* A lookup's answer: points into the table, valid until its next change. */
struct pt_dns_result {
	const char *name;                       /* daddr_name */
	const char *cnames[PT_DNS_MAX_CNAMES];  /* daddr_cnames, in chain order */
	unsigned ncnames;
	bool cnames_cut;                        /* chain longer than was kept */
	uint32_t tgid;                          /* who received the answer */
	uint64_t inserted_ns, expires_ns;
};

/*
 * The best live name for an address, for a connection made by the process
 * whose ancestry is anc[0..n) (anc[0] the process itself, then its parent,
 * ..., anc may be NULL when n == 0): the answer received by the nearest of
 * them wins; when none of them received one, the newest answer.  Expired
 * entries (expires_ns <= now_ns) are never returned.  0 with *out filled,
 * or -ENOENT.  Marks the entry used (LRU).
 */
int pt_dns_table_lookup(struct pt_dns_table *t, uint32_t netns, int family, const uint8_t *addr,
			uint64_t now_ns, const uint32_t *anc, size_t n, struct pt_dns_result *out);

/* Remove every expired entry (the daemon's 1 s tick).  Returns how many. */
unsigned pt_dns_table_expire(struct pt_dns_table *t, uint64_t now_ns);

struct pt_dns_table_stats {
	uint32_t entries, capacity;
	uint64_t added, refreshed;
	uint64_t evicted;      /* live entries dropped: table full (a loss) */
	uint64_t evicted_addr; /* live entries dropped: names_per_addr reached */
	uint64_t expired;      /* entries removed after their TTL */
	uint64_t lookups, hits;
};

void pt_dns_table_stats(const struct pt_dns_table *t, struct pt_dns_table_stats *st);

#endif

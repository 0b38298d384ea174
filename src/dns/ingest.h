/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One captured DNS answer -> the name table: parse it (parse.h), follow the
 * CNAME chain from the question to each A/AAAA record, insert one entry per
 * address (names.h).  The counters feed the daemon's loss/health table.
 *
 * Chains: starting at the question name, each step takes the first CNAME
 * record owned by the current name, for at most PT_DNS_MAX_CNAMES steps; a
 * target already on the chain (a CNAME loop) ends it and is counted.  An
 * address record whose owner is not on the chain (not what was asked for,
 * whatever a server put in the answer section) is skipped and counted.  An
 * entry's TTL is the smallest TTL of its address record and of the CNAME
 * records leading to it, since the mapping holds only while all of them do.
 */
#ifndef PIDTREE_DNS_INGEST_H
#define PIDTREE_DNS_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"
#include "parse.h"

/* One captured answer, as the kernel side hands it over. */
struct pt_dns_capture {
	uint32_t netns;        /* network namespace inode of the receiving socket */
	uint32_t tgid;         /* process that sent the query and got the answer */
	const uint8_t *payload; /* the DNS message (no TCP length prefix) */
	size_t caplen;         /* bytes at payload */
	size_t msglen;         /* length of the whole message (UDP payload length
				* or the TCP length prefix); > caplen when the
				* capture was cut: then only its prefix is used */
};

/* What one pt_dns_ingest() call did. */
struct pt_dns_ingest_res {
	int status;               /* 0, PT_DNS_EMALFORMED, PT_DNS_EIGNORED */
	enum pt_dns_reason reason;
	unsigned addrs;           /* A/AAAA records in the answer */
	unsigned added, refreshed; /* entries inserted / refreshed */
	unsigned skipped;         /* records not used: not on the chain, not kept */
	unsigned loops;           /* CNAME loops met (0 or 1) */
};

/* Totals since the table was created (pt_dns_ingest_stats). */
struct pt_dns_ingest_stats {
	uint64_t messages;   /* pt_dns_ingest calls */
	uint64_t used;       /* messages that added or refreshed an entry */
	uint64_t malformed;  /* status PT_DNS_EMALFORMED */
	uint64_t ignored;    /* status PT_DNS_EIGNORED, or nothing usable */
	uint64_t partial;    /* captures cut short (msglen > caplen) */
	uint64_t records_added, records_refreshed, records_skipped;
	uint64_t cname_loops;
	uint64_t by_reason[PT_DNS_R_MAX];
};

/*
 * Parse cap and insert its addresses into t at now_ns; res (may be NULL)
 * says what happened, st (may be NULL) accumulates the totals.  Returns
 * res->status: 0 when the message was well formed and interesting (even if
 * every record was skipped), PT_DNS_EMALFORMED, PT_DNS_EIGNORED.
 * No allocation; about 10 KiB of stack.
 */
int pt_dns_ingest(struct pt_dns_table *t, const struct pt_dns_capture *cap, uint64_t now_ns,
		  struct pt_dns_ingest_res *res, struct pt_dns_ingest_stats *st);

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Captured DNS answer -> name table entries (ingest.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ingest.h"

#include <arpa/nameser.h>
#include <string.h>
#include <sys/socket.h>

/*
 * The chain from the question: chain[0] is the question (names index 0),
 * chain[k] the target of the CNAME owned by chain[k-1]; ttl[k] the smallest
 * TTL of the CNAME records from the question to chain[k].
 */
struct chain {
	unsigned n;
	uint8_t idx[PT_DNS_MAX_CNAMES + 1];
	uint32_t ttl[PT_DNS_MAX_CNAMES + 1];
	bool loop;
};

static const struct pt_dns_rr *cname_of(const struct pt_dns_msg *m, uint8_t owner)
{
	unsigned i;

	for (i = 0; i < m->nrr; i++)
		if (m->rr[i].type == ns_t_cname && m->rr[i].owner == owner)
			return &m->rr[i];
	return NULL;
}

static void build_chain(const struct pt_dns_msg *m, struct chain *c)
{
	const struct pt_dns_rr *rr;
	unsigned k;

	c->n = 1;
	c->idx[0] = 0;
	c->ttl[0] = UINT32_MAX;
	c->loop = false;
	while (c->n <= PT_DNS_MAX_CNAMES) {
		rr = cname_of(m, c->idx[c->n - 1]);
		if (!rr)
			return;
		for (k = 0; k < c->n; k++) {
			if (c->idx[k] == rr->target) {
				c->loop = true;
				return;
			}
		}
		c->idx[c->n] = rr->target;
		c->ttl[c->n] = rr->ttl < c->ttl[c->n - 1] ? rr->ttl : c->ttl[c->n - 1];
		c->n++;
	}
}

/* Position of name index owner on the chain, or -1. */
static int on_chain(const struct chain *c, uint8_t owner)
{
	unsigned k;

	for (k = 0; k < c->n; k++)
		if (c->idx[k] == owner)
			return (int)k;
	return -1;
}

static void insert_addrs(struct pt_dns_table *t, const struct pt_dns_capture *cap,
			 const struct pt_dns_msg *m, const struct chain *c, uint64_t now,
			 struct pt_dns_ingest_res *res)
{
	const char *cnames[PT_DNS_MAX_CNAMES];
	struct pt_dns_insert in;
	unsigned i, k;
	int pos, ret;

	for (k = 1; k < c->n; k++)
		cnames[k - 1] = m->names[c->idx[k]];
	for (i = 0; i < m->nrr; i++) {
		const struct pt_dns_rr *rr = &m->rr[i];

		if (rr->type != ns_t_a && rr->type != ns_t_aaaa)
			continue;
		res->addrs++;
		pos = on_chain(c, rr->owner);
		if (pos < 0) {
			res->skipped++;
			continue;
		}
		memset(&in, 0, sizeof(in));
		in.netns = cap->netns;
		in.family = rr->type == ns_t_a ? AF_INET : AF_INET6;
		in.addr = rr->addr;
		in.tgid = cap->tgid;
		in.ttl = rr->ttl < c->ttl[pos] ? rr->ttl : c->ttl[pos];
		in.name = m->names[0];
		in.cnames = cnames;
		in.ncnames = (unsigned)pos;
		ret = pt_dns_table_insert(t, &in, now);
		if (ret == 1)
			res->added++;
		else if (ret == 0)
			res->refreshed++;
		else
			res->skipped++;
	}
}

int pt_dns_ingest(struct pt_dns_table *t, const struct pt_dns_capture *cap, uint64_t now_ns,
		  struct pt_dns_ingest_res *res, struct pt_dns_ingest_stats *st)
{
	struct pt_dns_ingest_res local;
	struct pt_dns_msg m;
	struct chain c;
	unsigned flags = 0;
	size_t len = cap->caplen;

	if (!res)
		res = &local;
	memset(res, 0, sizeof(*res));
	if (cap->msglen < len)
		len = cap->msglen; /* bytes past the message are not part of it */
	else if (cap->msglen > len)
		flags |= PT_DNS_PARSE_PREFIX;
	res->status = pt_dns_parse(cap->payload, len, flags, &m);
	res->reason = m.reason;
	if (res->status == 0) {
		build_chain(&m, &c);
		res->loops = c.loop;
		insert_addrs(t, cap, &m, &c, now_ns, res);
		res->skipped += m.skipped;
	}
	if (st) {
		st->messages++;
		if (flags & PT_DNS_PARSE_PREFIX)
			st->partial++;
		if (res->status == PT_DNS_EMALFORMED)
			st->malformed++;
		else if (res->status == PT_DNS_EIGNORED || res->added + res->refreshed == 0)
			st->ignored++;
		else
			st->used++;
		st->records_added += res->added;
		st->records_refreshed += res->refreshed;
		st->records_skipped += res->skipped;
		st->cname_loops += res->loops;
		if ((unsigned)res->reason < PT_DNS_R_MAX)
			st->by_reason[res->reason]++;
	}
	return res->status;
}

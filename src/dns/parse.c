// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DNS response parser on top of libresolv (see parse.h).
 *
 * libresolv does the wire-format work: ns_initparse() checks that the four
 * sections, as counted in the header, fill the message exactly;
 * ns_parserr() reads one record, decompressing its owner name with
 * dn_expand(), which rejects pointers outside the message, compression
 * loops and names over 255 octets; ns_name_uncompress() does the same for
 * a CNAME's rdata.  This file only decides what to keep and copies it into
 * fixed-size fields.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "parse.h"

#include <arpa/nameser.h>
#include <errno.h>
#include <resolv.h>
#include <string.h>

/* A prefix capture is considered up to this many bytes (see parse_prefix). */
#define PT_DNS_PREFIX_MAX 4096
#define DNS_HDR_LEN 12

static const char *const reason_str[PT_DNS_R_MAX] = {
	[PT_DNS_R_OK] = "ok",
	[PT_DNS_R_SHORT] = "shorter than a DNS header",
	[PT_DNS_R_SECTIONS] = "section counts do not match the message",
	[PT_DNS_R_RR] = "unreadable record (bad name, compression loop or pointer out of bounds)",
	[PT_DNS_R_RDATA] = "record data of the wrong length",
	[PT_DNS_R_QUERY] = "a query, not a response",
	[PT_DNS_R_OPCODE] = "opcode is not QUERY",
	[PT_DNS_R_RCODE] = "error response",
	[PT_DNS_R_TC] = "truncated (TC)",
	[PT_DNS_R_QDCOUNT] = "not exactly one question",
	[PT_DNS_R_QUESTION] = "question is not IN A or IN AAAA",
	[PT_DNS_R_QNAME] = "question name not recordable",
	[PT_DNS_R_NOANSWER] = "no address or CNAME record",
};

const char *pt_dns_reason_str(enum pt_dns_reason r)
{
	if ((unsigned)r >= PT_DNS_R_MAX)
		return "?";
	return reason_str[r];
}

bool pt_dns_reason_malformed(enum pt_dns_reason r)
{
	return r >= PT_DNS_R_SHORT && r <= PT_DNS_R_RDATA;
}

size_t pt_dns_name_normalise(char *name)
{
	size_t n = strlen(name), i;

	/* branch-free ASCII lowercase, so the compiler can vectorise it */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		name[i] = (char)(c | ((unsigned char)(c - 'A') < 26u) << 5);
	}
	/*
	 * One trailing dot is the root label.  An escaped dot ("a\.") is part
	 * of the last label and must stay: count the backslashes before it.
	 */
	if (n > 1 && name[n - 1] == '.') {
		size_t bs = 0;

		while (bs < n - 1 && name[n - 2 - bs] == '\\')
			bs++;
		if (bs % 2 == 0)
			name[--n] = '\0';
	}
	return n;
}

static int fail(struct pt_dns_msg *m, enum pt_dns_reason r)
{
	m->reason = r;
	return pt_dns_reason_malformed(r) ? PT_DNS_EMALFORMED : PT_DNS_EIGNORED;
}

/*
 * A name from libresolv (presentation format, at most NS_MAXDNAME bytes)
 * -> its index in m->names, added when new.  -1: not recordable (too long,
 * the root) or no room left.
 */
static int name_index(struct pt_dns_msg *m, char *name)
{
	size_t len;
	int i;

	len = pt_dns_name_normalise(name);
	if (len == 0 || len >= PT_DNS_NAME_MAX || !strcmp(name, "."))
		return -1;
	for (i = 0; i < m->nnames; i++)
		if (!strcmp(m->names[i], name))
			return i;
	if (m->nnames >= PT_DNS_MAX_NAMES)
		return -1;
	memcpy(m->names[m->nnames], name, len + 1);
	return m->nnames++;
}

static uint32_t rfc2181_ttl(uint32_t ttl)
{
	return (ttl & 0x80000000u) ? 0 : ttl;
}

/*
 * Check one answer RR and, when keep, add it to m->rr[] (or count it in
 * m->skipped).  0 or PT_DNS_EMALFORMED.
 */
static int take_rr(struct pt_dns_msg *m, const ns_msg *h, ns_rr *rr, bool keep)
{
	char target[NS_MAXDNAME];
	uint16_t type = ns_rr_type(*rr);
	struct pt_dns_rr *out;
	int owner, tgt = 0, n;

	if (ns_rr_class(*rr) != ns_c_in || (type != ns_t_a && type != ns_t_aaaa && type != ns_t_cname))
		goto skip;
	/* Length checks come first: a bad record makes the message malformed
	 * even when there is no room left to keep it. */
	if ((type == ns_t_a && ns_rr_rdlen(*rr) != NS_INADDRSZ) ||
	    (type == ns_t_aaaa && ns_rr_rdlen(*rr) != NS_IN6ADDRSZ))
		return fail(m, PT_DNS_R_RDATA);
	if (type == ns_t_cname) {
		n = ns_name_uncompress(ns_msg_base(*h), ns_msg_end(*h), ns_rr_rdata(*rr), target,
				       sizeof(target));
		/* the rdata is exactly one name, not less, not more */
		if (n < 0 || n != ns_rr_rdlen(*rr))
			return fail(m, PT_DNS_R_RDATA);
	}
	if (!keep)
		return 0;
	if (m->nrr >= PT_DNS_MAX_RRS)
		goto skip;
	owner = name_index(m, rr->name);
	if (owner < 0)
		goto skip;
	if (type == ns_t_cname) {
		tgt = name_index(m, target);
		if (tgt < 0)
			goto skip;
	}
	out = &m->rr[m->nrr++];
	memset(out, 0, sizeof(*out));
	out->type = type;
	out->owner = (uint8_t)owner;
	out->target = (uint8_t)tgt;
	out->ttl = rfc2181_ttl(ns_rr_ttl(*rr));
	if (type != ns_t_cname)
		memcpy(out->addr, ns_rr_rdata(*rr), ns_rr_rdlen(*rr));
	return 0;
skip:
	if (keep)
		m->skipped++;
	return 0;
}

/*
 * A capture cut short: keep the header, the question and the answer
 * records lying wholly inside the first len bytes (ns_skiprr finds the
 * record boundaries), and rewrite the counts of that copy so that
 * ns_initparse sees a complete message.  Considering at most
 * PT_DNS_PREFIX_MAX bytes is itself a shorter prefix, so it loses answers
 * but never invents any.  0 or PT_DNS_EMALFORMED.
 */
static int parse_prefix(const uint8_t *buf, size_t len, uint8_t *copy, size_t *copy_len,
			struct pt_dns_msg *m)
{
	const uint8_t *p, *eom;
	uint16_t qd, an, kept = 0;
	int b;

	if (len > PT_DNS_PREFIX_MAX)
		len = PT_DNS_PREFIX_MAX;
	eom = buf + len;
	qd = ns_get16(buf + 4);
	an = ns_get16(buf + 6);
	p = buf + DNS_HDR_LEN;
	b = ns_skiprr(p, eom, ns_s_qd, qd);
	if (b < 0)
		return fail(m, PT_DNS_R_SECTIONS);
	p += b;
	while (kept < an) {
		b = ns_skiprr(p, eom, ns_s_an, 1);
		if (b < 0)
			break;
		p += b;
		kept++;
	}
	*copy_len = (size_t)(p - buf);
	memcpy(copy, buf, *copy_len);
	ns_put16(kept, copy + 6);
	ns_put16(0, copy + 8);
	ns_put16(0, copy + 10);
	m->prefix = true;
	return 0;
}

int pt_dns_parse(const uint8_t *buf, size_t len, unsigned flags, struct pt_dns_msg *m)
{
	uint8_t copy[PT_DNS_PREFIX_MAX];
	ns_msg h;
	ns_rr rr;
	int i, ret, q;

	m->nrr = m->nnames = m->skipped = 0;
	m->prefix = false;
	m->reason = PT_DNS_R_OK;
	if (len < DNS_HDR_LEN)
		return fail(m, PT_DNS_R_SHORT);
	if (len > PT_DNS_MSG_MAX)
		len = PT_DNS_MSG_MAX, flags |= PT_DNS_PARSE_PREFIX;
	if (flags & PT_DNS_PARSE_PREFIX) {
		ret = parse_prefix(buf, len, copy, &len, m);
		if (ret)
			return ret;
		buf = copy;
	}
	if (ns_initparse(buf, (int)len, &h) < 0)
		return fail(m, PT_DNS_R_SECTIONS);

	m->id = ns_msg_id(h);
	m->qr = ns_msg_getflag(h, ns_f_qr);
	m->opcode = (uint8_t)ns_msg_getflag(h, ns_f_opcode);
	m->aa = ns_msg_getflag(h, ns_f_aa);
	m->tc = ns_msg_getflag(h, ns_f_tc);
	m->rd = ns_msg_getflag(h, ns_f_rd);
	m->ra = ns_msg_getflag(h, ns_f_ra);
	m->rcode = (uint8_t)ns_msg_getflag(h, ns_f_rcode);
	m->qdcount = ns_msg_count(h, ns_s_qd);
	m->ancount = ns_msg_count(h, ns_s_an);
	m->nscount = ns_msg_count(h, ns_s_ns);
	m->arcount = ns_msg_count(h, ns_s_ar);
	m->qtype = m->qclass = 0;

	if (!m->qr)
		return fail(m, PT_DNS_R_QUERY);
	if (m->opcode != ns_o_query)
		return fail(m, PT_DNS_R_OPCODE);
	if (m->qdcount != 1)
		return fail(m, PT_DNS_R_QDCOUNT);
	if (ns_parserr(&h, ns_s_qd, 0, &rr) < 0)
		return fail(m, PT_DNS_R_RR);
	m->qtype = ns_rr_type(rr);
	m->qclass = ns_rr_class(rr);
	/*
	 * Every answer record is read even when the message is then ignored:
	 * a malformed record anywhere makes the message malformed, whatever its
	 * flags say, so the counters do not depend on the order of the checks.
	 */
	q = name_index(m, rr.name);
	for (i = 0; i < m->ancount; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
			return fail(m, PT_DNS_R_RR);
		/* without a usable question nothing can be chained to it */
		ret = take_rr(m, &h, &rr, q == 0);
		if (ret)
			return ret;
	}
	if (m->rcode != ns_r_noerror)
		return fail(m, PT_DNS_R_RCODE);
	if (m->tc)
		return fail(m, PT_DNS_R_TC);
	if (m->qclass != ns_c_in || (m->qtype != ns_t_a && m->qtype != ns_t_aaaa))
		return fail(m, PT_DNS_R_QUESTION);
	if (q != 0)
		return fail(m, PT_DNS_R_QNAME);
	if (m->nrr == 0)
		return fail(m, PT_DNS_R_NOANSWER);
	return 0;
}

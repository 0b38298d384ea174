// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* DNS message builder for the tests (dns_build.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "dns_build.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <string.h>

static void reset_dnptrs(struct dnsb *b)
{
	memset(b->dnptrs, 0, sizeof(b->dnptrs));
	b->dnptrs[0] = b->buf;
}

static void put_name(struct dnsb *b, const char *name)
{
	int n;

	if (b->err)
		return;
	n = dn_comp(name, b->buf + b->len, (int)(DNSB_MAX - b->len), (unsigned char **)b->dnptrs,
		    (unsigned char **)&b->dnptrs[63]);
	if (n < 0) {
		b->err = -1;
		return;
	}
	b->len += (size_t)n;
}

static void put16(struct dnsb *b, unsigned v)
{
	if (b->err || b->len + 2 > DNSB_MAX) {
		b->err = -1;
		return;
	}
	ns_put16(v, b->buf + b->len);
	b->len += 2;
}

static void put32(struct dnsb *b, uint32_t v)
{
	if (b->err || b->len + 4 > DNSB_MAX) {
		b->err = -1;
		return;
	}
	ns_put32(v, b->buf + b->len);
	b->len += 4;
}

static void put_bytes(struct dnsb *b, const void *p, size_t n)
{
	if (b->err || b->len + n > DNSB_MAX) {
		b->err = -1;
		return;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

void dnsb_response(struct dnsb *b, uint16_t id, const char *qname, int qtype)
{
	memset(b, 0, sizeof(*b));
	reset_dnptrs(b);
	put16(b, id);
	put16(b, 0x8180); /* QR, RD, RA, NOERROR */
	put16(b, 1);
	put16(b, 0);
	put16(b, 0);
	put16(b, 0);
	put_name(b, qname);
	put16(b, (unsigned)qtype);
	put16(b, ns_c_in);
}

void dnsb_query(struct dnsb *b, uint16_t id, const char *qname, int qtype)
{
	int n;

	memset(b, 0, sizeof(*b));
	n = res_mkquery(ns_o_query, qname, ns_c_in, qtype, NULL, 0, NULL, b->buf, DNSB_MAX);
	if (n < 0) {
		b->err = -1;
		return;
	}
	b->len = (size_t)n;
	ns_put16(id, b->buf);
	/* later names may point back at the question's only via dn_comp's
	 * table, which res_mkquery kept to itself: start a fresh one */
	reset_dnptrs(b);
}

void dnsb_set_response(struct dnsb *b, int rcode)
{
	b->buf[2] |= 0x80; /* QR */
	b->buf[3] = (uint8_t)((b->buf[3] & 0xf0) | 0x80 | (rcode & 0x0f)); /* RA, rcode */
}

void dnsb_set_tc(struct dnsb *b)
{
	b->buf[2] |= 0x02;
}

void dnsb_rr(struct dnsb *b, const char *owner, int type, int cls, uint32_t ttl,
	     const void *rdata, uint16_t rdlen)
{
	put_name(b, owner);
	put16(b, (unsigned)type);
	put16(b, (unsigned)cls);
	put32(b, ttl);
	put16(b, rdlen);
	put_bytes(b, rdata, rdlen);
	if (!b->err)
		ns_put16(ns_get16(b->buf + 6) + 1, b->buf + 6);
}

void dnsb_a(struct dnsb *b, const char *owner, uint32_t ttl, const char *v4)
{
	uint8_t a[4];

	if (inet_pton(AF_INET, v4, a) != 1)
		b->err = -1;
	dnsb_rr(b, owner, ns_t_a, ns_c_in, ttl, a, 4);
}

void dnsb_aaaa(struct dnsb *b, const char *owner, uint32_t ttl, const char *v6)
{
	uint8_t a[16];

	if (inet_pton(AF_INET6, v6, a) != 1)
		b->err = -1;
	dnsb_rr(b, owner, ns_t_aaaa, ns_c_in, ttl, a, 16);
}

void dnsb_cname(struct dnsb *b, const char *owner, uint32_t ttl, const char *target)
{
	size_t rdlen_at;

	put_name(b, owner);
	put16(b, ns_t_cname);
	put16(b, ns_c_in);
	put32(b, ttl);
	rdlen_at = b->len;
	put16(b, 0);
	put_name(b, target);
	if (b->err)
		return;
	ns_put16((unsigned)(b->len - rdlen_at - 2), b->buf + rdlen_at);
	ns_put16(ns_get16(b->buf + 6) + 1, b->buf + 6);
}

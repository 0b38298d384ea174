/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS messages for the dns tests and the bench, written with libresolv's
 * own encoders (res_mkquery for queries, dn_comp for names, ns_put16/32 for
 * fields), so the parser under test reads what glibc writes.
 */
#ifndef PIDTREE_TEST_DNS_BUILD_H
#define PIDTREE_TEST_DNS_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define DNSB_MAX 4096

struct dnsb {
	uint8_t buf[DNSB_MAX];
	size_t len;
	const uint8_t *dnptrs[64]; /* dn_comp's compression table */
	int err;                   /* first error, -1; later calls do nothing */
};

/* A response to "qname IN qtype" with id, QR RD RA set, NOERROR. */
void dnsb_response(struct dnsb *b, uint16_t id, const char *qname, int qtype);
/* A query made by glibc's res_mkquery (QUERY, IN), id replaced by id. */
void dnsb_query(struct dnsb *b, uint16_t id, const char *qname, int qtype);
/* Turn a message into a response (QR, RA) and set its rcode. */
void dnsb_set_response(struct dnsb *b, int rcode);
void dnsb_set_tc(struct dnsb *b);
/* Append an answer record (the header's ANCOUNT follows). */
void dnsb_a(struct dnsb *b, const char *owner, uint32_t ttl, const char *v4);
void dnsb_aaaa(struct dnsb *b, const char *owner, uint32_t ttl, const char *v6);
void dnsb_cname(struct dnsb *b, const char *owner, uint32_t ttl, const char *target);
/* Any record, raw rdata (no compression inside it). */
void dnsb_rr(struct dnsb *b, const char *owner, int type, int cls, uint32_t ttl,
	     const void *rdata, uint16_t rdlen);

#endif

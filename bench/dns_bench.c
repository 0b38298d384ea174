// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Userland cost of the DNS path (src/dns), in ns per operation:
 *   parse            pt_dns_parse of one answer
 *   ingest           parse + insert (new addresses: the table fills, then evicts)
 *   ingest refresh   the same answer again (entries refreshed)
 *   lookup hit/miss  pt_dns_table_lookup with an 8-deep ancestry
 *   expire sweep     pt_dns_table_expire over a full table (nothing / all due)
 * Two answers: "simple" (one A record, like dnsmasq's) and "cdn" (a 3-link
 * CNAME chain and 4 A records, like a CDN's).  Run: `make bench-dns`.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns_build.h"
#include "ingest.h"

#define S 1000000000ull

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* An answer whose addresses depend on k, so that every call adds new ones. */
static void make_answer(struct dnsb *b, int cdn, unsigned k)
{
	char ip[32];
	int i;

	if (!cdn) {
		dnsb_response(b, (uint16_t)k, "web.pt-test.example", ns_t_a);
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", k >> 16 & 255, k >> 8 & 255, k & 255);
		dnsb_a(b, "web.pt-test.example", 300, ip);
		return;
	}
	dnsb_response(b, (uint16_t)k, "www.shop.example.com", ns_t_a);
	dnsb_cname(b, "www.shop.example.com", 3600, "www.shop.example.com.edgekey.example.net");
	dnsb_cname(b, "www.shop.example.com.edgekey.example.net", 300, "e1234.b.akam.example.net");
	dnsb_cname(b, "e1234.b.akam.example.net", 20, "e1234.akam.example.net");
	for (i = 0; i < 4; i++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u", k >> 14 & 255, k >> 6 & 255, (k & 63) << 2 | i);
		dnsb_a(b, "e1234.akam.example.net", 20, ip);
	}
}

#define NMSG 4096

int main(void)
{
	static struct dnsb msgs[2][NMSG];
	static struct pt_dns_msg m;
	const uint32_t anc[8] = { 9, 8, 7, 6, 5, 4, 3, 1 };
	struct pt_dns_table_stats ts;
	struct pt_dns_capture cap = { 1, 0, NULL, 0, 0 };
	struct pt_dns_table *t;
	struct pt_dns_result r;
	struct pt_dns_opts o;
	double t0, dt;
	unsigned i, n, cdn;
	uint8_t a[4];

	pt_dns_opts_init(&o);
	printf("dns userland costs (table of %u entries, %zu bytes)\n", o.max_entries,
	       pt_dns_table_bytes(o.max_entries));
	for (cdn = 0; cdn < 2; cdn++)
		for (i = 0; i < NMSG; i++) {
			make_answer(&msgs[cdn][i], (int)cdn, i);
			if (msgs[cdn][i].err)
				return 1;
		}

	for (cdn = 0; cdn < 2; cdn++) {
		const char *what = cdn ? "cdn   " : "simple";

		n = 1000000;
		t0 = now_ns();
		for (i = 0; i < n; i++)
			pt_dns_parse(msgs[cdn][i % NMSG].buf, msgs[cdn][i % NMSG].len, 0, &m);
		dt = now_ns() - t0;
		printf("  %s answer (%3zu bytes): parse          %7.1f ns/answer\n", what,
		       msgs[cdn][0].len, dt / n);

		if (pt_dns_table_new(&t, &o))
			return 1;
		/* new addresses: 4096 answers x (1 or 4) addresses, then evictions */
		n = 400000;
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			/* distinct addresses per round: shift the address space */
			struct dnsb *b = &msgs[cdn][i % NMSG];

			b->buf[b->len - 2] = (uint8_t)(i / NMSG); /* 3rd octet of the last A */
			cap.payload = b->buf;
			cap.caplen = cap.msglen = b->len;
			cap.tgid = i & 7;
			pt_dns_ingest(t, &cap, (uint64_t)i * 1000, NULL, NULL);
		}
		dt = now_ns() - t0;
		pt_dns_table_stats(t, &ts);
		printf("  %s answer:             ingest new     %7.1f ns/answer (%llu evicted)\n",
		       what, dt / n, (unsigned long long)ts.evicted);

		n = 400000;
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			struct dnsb *b = &msgs[cdn][i % 64];

			cap.payload = b->buf;
			cap.caplen = cap.msglen = b->len;
			pt_dns_ingest(t, &cap, 1 * S + i, NULL, NULL);
		}
		dt = now_ns() - t0;
		printf("  %s answer:             ingest refresh %7.1f ns/answer\n", what, dt / n);
		pt_dns_table_free(t);
	}

	/* lookups in a full table of single-address entries */
	if (pt_dns_table_new(&t, &o))
		return 1;
	for (i = 0; i < o.max_entries; i++) {
		struct pt_dns_insert in = { 1, AF_INET, a, i & 15, 300, "web.pt-test.example", NULL, 0 };

		a[0] = 10, a[1] = (uint8_t)(i >> 16), a[2] = (uint8_t)(i >> 8), a[3] = (uint8_t)i;
		pt_dns_table_insert(t, &in, 0);
	}
	n = 4000000;
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		unsigned k = (i * 2654435761u) % o.max_entries;

		a[0] = 10, a[1] = (uint8_t)(k >> 16), a[2] = (uint8_t)(k >> 8), a[3] = (uint8_t)k;
		pt_dns_table_lookup(t, 1, AF_INET, a, 1 * S, anc, 8, &r);
	}
	dt = now_ns() - t0;
	printf("  lookup hit (8-deep ancestry, full table):  %7.1f ns/lookup\n", dt / n);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		a[0] = 11, a[1] = (uint8_t)(i >> 16), a[2] = (uint8_t)(i >> 8), a[3] = (uint8_t)i;
		pt_dns_table_lookup(t, 1, AF_INET, a, 1 * S, anc, 8, &r);
	}
	dt = now_ns() - t0;
	printf("  lookup miss:                               %7.1f ns/lookup\n", dt / n);
	n = 1000;
	t0 = now_ns();
	for (i = 0; i < n; i++)
		pt_dns_table_expire(t, 2 * S);
	dt = now_ns() - t0;
	printf("  expire sweep, %u entries, none due:      %7.1f us/sweep\n", o.max_entries,
	       dt / n / 1000);
	t0 = now_ns();
	n = pt_dns_table_expire(t, 1000 * S);
	dt = now_ns() - t0;
	printf("  expire sweep, %u entries, all due:       %7.1f us/sweep (%u removed)\n",
	       o.max_entries, dt / 1000, n);
	pt_dns_table_free(t);
	return 0;
}

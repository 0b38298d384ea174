// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the ingest step (src/dns/ingest.c): captured answers ->
 * name table, following CNAME chains back to the queried name, TTL of a
 * chain, unrelated and looping records, the counters the daemon reports,
 * captures cut short, and the real dnsmasq answers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "dns_build.h"
#include "ingest.h"

#define S 1000000000ull
#define NETNS 4026531840u

static struct pt_dns_table *t;
static struct pt_dns_ingest_stats st;
static struct pt_dns_ingest_res res;
static struct pt_dns_result r;

static int setup(void **state)
{
	struct pt_dns_opts o;

	pt_dns_opts_init(&o);
	o.seed = 7;
	memset(&st, 0, sizeof(st));
	return pt_dns_table_new(&t, &o);
}

static int teardown(void **state)
{
	pt_dns_table_free(t);
	return 0;
}

static int ingest_len(const void *buf, size_t caplen, size_t msglen, uint32_t tgid, uint64_t now)
{
	struct pt_dns_capture cap = { NETNS, tgid, buf, caplen, msglen };

	return pt_dns_ingest(t, &cap, now, &res, &st);
}

static int ingest(const struct dnsb *b, uint32_t tgid, uint64_t now)
{
	assert_int_equal(b->err, 0);
	return ingest_len(b->buf, b->len, b->len, tgid, now);
}

/* Look addr up at now for a process with ancestry anc; r holds the answer. */
static const char *find(const char *addr, uint64_t now, const uint32_t *anc, size_t n)
{
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	uint8_t a[16];

	assert_int_equal(inet_pton(family, addr, a), 1);
	if (pt_dns_table_lookup(t, NETNS, family, a, now, anc, n, &r))
		return NULL;
	return r.name;
}

static void test_a_aaaa(void **state)
{
	struct dnsb b;

	dnsb_response(&b, 1, "Www.Example.com", ns_t_a);
	dnsb_a(&b, "www.example.com", 300, "192.0.2.1");
	dnsb_a(&b, "www.example.com", 300, "192.0.2.2");
	assert_int_equal(ingest(&b, 100, 1 * S), 0);
	assert_int_equal(res.addrs, 2);
	assert_int_equal(res.added, 2);
	dnsb_response(&b, 2, "www.example.com", ns_t_aaaa);
	dnsb_aaaa(&b, "www.example.com", 300, "2001:db8::1");
	assert_int_equal(ingest(&b, 100, 1 * S), 0);

	assert_string_equal(find("192.0.2.1", 2 * S, NULL, 0), "www.example.com");
	assert_int_equal(r.ncnames, 0);
	assert_int_equal(r.tgid, 100);
	assert_string_equal(find("192.0.2.2", 2 * S, NULL, 0), "www.example.com");
	assert_string_equal(find("2001:db8::1", 2 * S, NULL, 0), "www.example.com");
	assert_null(find("192.0.2.3", 2 * S, NULL, 0));
	assert_int_equal(st.messages, 2);
	assert_int_equal(st.used, 2);
	assert_int_equal(st.records_added, 3);
	assert_int_equal(st.by_reason[PT_DNS_R_OK], 2);
}

static void test_cname_chain(void **state)
{
	struct dnsb b;

	/* 3 deep: the question, two CDN names, the address's owner */
	dnsb_response(&b, 3, "shop.example.com", ns_t_a);
	dnsb_cname(&b, "shop.example.com", 3600, "shop.example.com.edge.example.net");
	dnsb_cname(&b, "shop.example.com.edge.example.net", 120, "e9.b.akam.example.net");
	dnsb_cname(&b, "e9.b.akam.example.net", 600, "e9.akam.example.net");
	dnsb_a(&b, "e9.akam.example.net", 900, "203.0.113.5");
	/* in any order: servers need not sort the chain */
	dnsb_a(&b, "shop.example.com.edge.example.net", 900, "203.0.113.6");
	assert_int_equal(ingest(&b, 1, 10 * S), 0);
	assert_int_equal(res.added, 2);
	assert_int_equal(res.skipped, 0);

	assert_string_equal(find("203.0.113.5", 11 * S, NULL, 0), "shop.example.com");
	assert_int_equal(r.ncnames, 3);
	assert_string_equal(r.cnames[0], "shop.example.com.edge.example.net");
	assert_string_equal(r.cnames[1], "e9.b.akam.example.net");
	assert_string_equal(r.cnames[2], "e9.akam.example.net");
	/* the mapping holds as long as every link does: min TTL 120 */
	assert_int_equal(r.expires_ns, 130 * S);

	/* an address owned by the middle of the chain */
	assert_string_equal(find("203.0.113.6", 11 * S, NULL, 0), "shop.example.com");
	assert_int_equal(r.ncnames, 1);
	assert_string_equal(r.cnames[0], "shop.example.com.edge.example.net");
	assert_int_equal(r.expires_ns, 910 * S);
}

static void test_unrelated_and_loops(void **state)
{
	struct dnsb b;

	/* a record for a name nobody asked about: not recorded */
	dnsb_response(&b, 4, "asked.example", ns_t_a);
	dnsb_a(&b, "asked.example", 60, "192.0.2.10");
	dnsb_a(&b, "bank.example", 60, "192.0.2.11");
	assert_int_equal(ingest(&b, 1, 1 * S), 0);
	assert_int_equal(res.added, 1);
	assert_int_equal(res.skipped, 1);
	assert_null(find("192.0.2.11", 2 * S, NULL, 0));
	assert_int_equal(st.records_skipped, 1);

	/* a CNAME loop: the addresses on the chain before it still count */
	dnsb_response(&b, 5, "loop.example", ns_t_a);
	dnsb_cname(&b, "loop.example", 60, "l2.example");
	dnsb_cname(&b, "l2.example", 60, "loop.example");
	dnsb_a(&b, "l2.example", 60, "192.0.2.12");
	assert_int_equal(ingest(&b, 1, 1 * S), 0);
	assert_int_equal(res.loops, 1);
	assert_int_equal(res.added, 1);
	assert_string_equal(find("192.0.2.12", 2 * S, NULL, 0), "loop.example");
	assert_int_equal(r.ncnames, 1);
	assert_int_equal(st.cname_loops, 1);

	/* a chain longer than PT_DNS_MAX_CNAMES links: the end is not reached */
	{
		char from[32], to[32];
		int i;

		dnsb_response(&b, 6, "c0.example", ns_t_a);
		for (i = 0; i <= PT_DNS_MAX_CNAMES; i++) {
			snprintf(from, sizeof(from), "c%d.example", i);
			snprintf(to, sizeof(to), "c%d.example", i + 1);
			dnsb_cname(&b, from, 60, to);
		}
		dnsb_a(&b, to, 60, "192.0.2.13");
		snprintf(to, sizeof(to), "c%d.example", PT_DNS_MAX_CNAMES);
		dnsb_a(&b, to, 60, "192.0.2.14");
		assert_int_equal(ingest(&b, 1, 1 * S), 0);
		assert_int_equal(res.added, 1);
		assert_int_equal(res.skipped, 1);
		assert_null(find("192.0.2.13", 2 * S, NULL, 0));
		assert_string_equal(find("192.0.2.14", 2 * S, NULL, 0), "c0.example");
		assert_int_equal(r.ncnames, PT_DNS_MAX_CNAMES);
	}
}

static void test_counters(void **state)
{
	static const uint8_t garbage[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
	struct dnsb b;

	/* the query from glibc: ignored */
	dnsb_query(&b, 9, "www.example.com", ns_t_a);
	assert_int_equal(ingest(&b, 1, 1 * S), PT_DNS_EIGNORED);
	assert_int_equal(res.reason, PT_DNS_R_QUERY);
	/* the same, answered: used */
	dnsb_set_response(&b, ns_r_noerror);
	dnsb_a(&b, "www.example.com", 60, "192.0.2.20");
	assert_int_equal(ingest(&b, 1, 1 * S), 0);
	assert_string_equal(find("192.0.2.20", 2 * S, NULL, 0), "www.example.com");
	/* NXDOMAIN and TC: ignored; garbage: malformed */
	dnsb_set_response(&b, ns_r_nxdomain);
	assert_int_equal(ingest(&b, 1, 1 * S), PT_DNS_EIGNORED);
	dnsb_set_response(&b, ns_r_noerror);
	dnsb_set_tc(&b);
	assert_int_equal(ingest(&b, 1, 1 * S), PT_DNS_EIGNORED);
	assert_int_equal(ingest_len(garbage, sizeof(garbage), sizeof(garbage), 1, 1 * S),
			 PT_DNS_EMALFORMED);
	assert_int_equal(ingest_len(garbage, 3, 3, 1, 1 * S), PT_DNS_EMALFORMED);
	/* well formed, interesting, but every record skipped: counted ignored */
	dnsb_response(&b, 4, "asked.example", ns_t_a);
	dnsb_a(&b, "other.example", 60, "192.0.2.21");
	assert_int_equal(ingest(&b, 1, 1 * S), 0);
	assert_int_equal(res.added + res.refreshed, 0);
	/* the same answer twice: refreshed */
	dnsb_response(&b, 4, "asked.example", ns_t_a);
	dnsb_a(&b, "asked.example", 60, "192.0.2.22");
	assert_int_equal(ingest(&b, 1, 1 * S), 0);
	assert_int_equal(ingest(&b, 1, 2 * S), 0);
	assert_int_equal(res.refreshed, 1);

	assert_int_equal(st.messages, 9);
	assert_int_equal(st.used, 3);
	assert_int_equal(st.malformed, 2);
	assert_int_equal(st.ignored, 4);
	assert_int_equal(st.records_added, 2);
	assert_int_equal(st.records_refreshed, 1);
	assert_int_equal(st.by_reason[PT_DNS_R_QUERY], 1);
	assert_int_equal(st.by_reason[PT_DNS_R_RCODE], 1);
	assert_int_equal(st.by_reason[PT_DNS_R_TC], 1);
	assert_int_equal(st.by_reason[PT_DNS_R_SECTIONS] + st.by_reason[PT_DNS_R_SHORT], 2);
	/* res and st may be NULL */
	{
		struct pt_dns_capture cap = { NETNS, 1, b.buf, b.len, b.len };

		assert_int_equal(pt_dns_ingest(t, &cap, 3 * S, NULL, NULL), 0);
	}
}

/* The answer received by the connecting process (or an ancestor) wins. */
static void test_receiver_preference(void **state)
{
	const uint32_t curl[] = { 200, 150, 1 }, other[] = { 300, 1 };
	struct dnsb b;

	dnsb_response(&b, 1, "api.example", ns_t_a);
	dnsb_a(&b, "api.example", 300, "198.51.100.5");
	assert_int_equal(ingest(&b, 200, 1 * S), 0);
	dnsb_response(&b, 2, "static.example", ns_t_a);
	dnsb_a(&b, "static.example", 300, "198.51.100.5");
	assert_int_equal(ingest(&b, 300, 2 * S), 0);
	assert_string_equal(find("198.51.100.5", 3 * S, curl, 3), "api.example");
	assert_string_equal(find("198.51.100.5", 3 * S, other, 2), "static.example");
	assert_string_equal(find("198.51.100.5", 3 * S, NULL, 0), "static.example");
}

static void test_ttl_expiry(void **state)
{
	struct dnsb b;

	dnsb_response(&b, 1, "short.example", ns_t_a);
	dnsb_a(&b, "short.example", 90, "198.51.100.9");
	assert_int_equal(ingest(&b, 1, 100 * S), 0);
	assert_non_null(find("198.51.100.9", 189 * S, NULL, 0));
	assert_null(find("198.51.100.9", 190 * S, NULL, 0));
	assert_int_equal(pt_dns_table_expire(t, 190 * S), 1);
}

/* A capture cut short (a long TCP answer, or the kernel's copy limit). */
static void test_partial_capture(void **state)
{
	struct dnsb b;
	char ip[32];
	int i;

	dnsb_response(&b, 3, "many.example", ns_t_a);
	for (i = 0; i < 10; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", 100 + i);
		dnsb_a(&b, "many.example", 60, ip);
	}
	/* 30 bytes of header and question, 16 per record: 4 and a half */
	assert_int_equal(ingest_len(b.buf, 30 + 4 * 16 + 8, b.len, 1, 1 * S), 0);
	assert_int_equal(res.added, 4);
	assert_int_equal(st.partial, 1);
	assert_non_null(find("192.0.2.103", 2 * S, NULL, 0));
	assert_null(find("192.0.2.104", 2 * S, NULL, 0));
	/* a buffer longer than the message: only msglen bytes are the message */
	{
		uint8_t more[DNSB_MAX + 8];

		memcpy(more, b.buf, b.len);
		memset(more + b.len, 0xff, 8);
		assert_int_equal(ingest_len(more, b.len + 8, b.len, 1, 1 * S), 0);
		assert_int_equal(res.added, 6);
	}
}

static void test_hostile_name(void **state)
{
	static const uint8_t msg[] = {
		0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,
		5, 'e', 'v', '\n', 'l', ' ', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 66,
	};

	assert_int_equal(ingest_len(msg, sizeof(msg), sizeof(msg), 1, 1 * S), 0);
	assert_string_equal(find("192.0.2.66", 2 * S, NULL, 0), "ev\\010l\\032.com");
}

static size_t load(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", DNS_FIXTURES_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Real answers from dnsmasq (tests/fixtures/dns/capture.sh). */
static void test_dnsmasq(void **state)
{
	static const char *const files[] = { "web-a.answer", "web-aaaa.answer", "alias-a.answer",
					     "deeper-aaaa.answer", "multi-a.answer", "mixed-a.answer",
					     "nxdomain.answer", "web-a.query" };
	uint8_t buf[4096];
	size_t i, n;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		n = load(files[i], buf, sizeof(buf));
		ingest_len(buf, n, n, 500 + (uint32_t)i, (1 + i) * S);
	}
	assert_int_equal(st.used, 6);
	assert_int_equal(st.ignored, 2);
	assert_int_equal(st.malformed, 0);
	/* 192.0.2.10 was asked as web (tgid 500) and as alias (502) */
	assert_string_equal(find("192.0.2.10", 10 * S, NULL, 0), "alias.pt-test.example");
	assert_int_equal(r.ncnames, 1);
	assert_string_equal(r.cnames[0], "web.pt-test.example");
	assert_int_equal(r.tgid, 502);
	{
		const uint32_t anc[] = { 900, 500, 1 };

		assert_string_equal(find("192.0.2.10", 10 * S, anc, 3), "web.pt-test.example");
		assert_int_equal(r.ncnames, 0);
		assert_int_equal(r.expires_ns, 301 * S);
	}
	/* 2001:db8::10: web (AAAA, tgid 501), then deeper -> deep -> alias -> web */
	assert_string_equal(find("2001:db8::10", 10 * S, NULL, 0), "deeper.pt-test.example");
	assert_int_equal(r.ncnames, 3);
	assert_string_equal(r.cnames[0], "deep.pt-test.example");
	assert_string_equal(r.cnames[1], "alias.pt-test.example");
	assert_string_equal(r.cnames[2], "web.pt-test.example");
	assert_string_equal(find("192.0.2.22", 10 * S, NULL, 0), "multi.pt-test.example");
	/* mixed-case question (6th file, at 6 s), TTL 30 held for the 60 s floor */
	assert_string_equal(find("198.51.100.7", 10 * S, NULL, 0), "mixed-case.pt-test.example");
	assert_int_equal(r.expires_ns, 66 * S);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_aaaa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cname_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrelated_and_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receiver_preference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_capture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnsmasq, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

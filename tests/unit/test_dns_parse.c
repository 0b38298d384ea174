// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the DNS response parser (src/dns/parse.c): answers built
 * with glibc's encoders and by hand, queries from res_mkquery, real
 * answers recorded from dnsmasq (tests/fixtures/dns), every malformed case
 * the parser must refuse, hostile bytes in names, captures cut short.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns_build.h"
#include "parse.h"

static struct pt_dns_msg m; /* 10 KiB: not on the stack of every test */

static int parse(const void *buf, size_t len)
{
	return pt_dns_parse(buf, len, 0, &m);
}

static void assert_v4(const struct pt_dns_rr *rr, const char *want)
{
	char s[INET_ADDRSTRLEN];

	assert_int_equal(rr->type, ns_t_a);
	assert_non_null(inet_ntop(AF_INET, rr->addr, s, sizeof(s)));
	assert_string_equal(s, want);
}

static void assert_v6(const struct pt_dns_rr *rr, const char *want)
{
	char s[INET6_ADDRSTRLEN];

	assert_int_equal(rr->type, ns_t_aaaa);
	assert_non_null(inet_ntop(AF_INET6, rr->addr, s, sizeof(s)));
	assert_string_equal(s, want);
}

static void test_a(void **st)
{
	struct dnsb b;

	dnsb_response(&b, 0xbeef, "www.Example.COM.", ns_t_a);
	dnsb_a(&b, "www.example.com", 300, "192.0.2.1");
	dnsb_a(&b, "www.example.com", 200, "192.0.2.2");
	assert_int_equal(b.err, 0);
	assert_int_equal(parse(b.buf, b.len), 0);
	assert_int_equal(m.reason, PT_DNS_R_OK);
	assert_int_equal(m.id, 0xbeef);
	assert_true(m.qr);
	assert_false(m.tc);
	assert_int_equal(m.rcode, 0);
	assert_int_equal(m.qtype, ns_t_a);
	assert_int_equal(m.qclass, ns_c_in);
	assert_int_equal(m.ancount, 2);
	/* lowercase, no trailing dot; both owners are the question */
	assert_int_equal(m.nnames, 1);
	assert_string_equal(m.names[0], "www.example.com");
	assert_int_equal(m.nrr, 2);
	assert_v4(&m.rr[0], "192.0.2.1");
	assert_int_equal(m.rr[0].ttl, 300);
	assert_int_equal(m.rr[0].owner, 0);
	assert_v4(&m.rr[1], "192.0.2.2");
	assert_int_equal(m.rr[1].ttl, 200);
}

static void test_aaaa_and_others(void **st)
{
	static const uint8_t mx[] = { 0, 10, 2, 'm', 'x', 0 };
	struct dnsb b;

	dnsb_response(&b, 7, "v6.example.org", ns_t_aaaa);
	dnsb_aaaa(&b, "v6.example.org", 0x80000001u, "2001:db8::1:2");
	dnsb_rr(&b, "v6.example.org", ns_t_mx, ns_c_in, 60, mx, sizeof(mx)); /* not kept */
	dnsb_rr(&b, "v6.example.org", ns_t_a, ns_c_chaos, 60, "\1\2\3\4", 4); /* not IN */
	assert_int_equal(parse(b.buf, b.len), 0);
	assert_int_equal(m.nrr, 1);
	assert_v6(&m.rr[0], "2001:db8::1:2");
	/* RFC 2181 8: a TTL with the top bit set is zero */
	assert_int_equal(m.rr[0].ttl, 0);
	assert_int_equal(m.skipped, 2);
}

static void test_cname_chain(void **st)
{
	struct dnsb b;

	dnsb_response(&b, 1, "shop.example.com", ns_t_a);
	dnsb_cname(&b, "shop.example.com", 3600, "shop.example.com.cdn.example.net");
	dnsb_cname(&b, "shop.example.com.cdn.example.net", 300, "E123.a.CDN.example.net");
	dnsb_a(&b, "e123.a.cdn.example.net", 20, "203.0.113.9");
	assert_int_equal(b.err, 0);
	assert_int_equal(parse(b.buf, b.len), 0);
	assert_int_equal(m.nrr, 3);
	assert_int_equal(m.nnames, 3);
	assert_int_equal(m.rr[0].type, ns_t_cname);
	assert_string_equal(m.names[m.rr[0].owner], "shop.example.com");
	assert_string_equal(m.names[m.rr[0].target], "shop.example.com.cdn.example.net");
	assert_string_equal(m.names[m.rr[1].target], "e123.a.cdn.example.net");
	assert_int_equal(m.rr[2].owner, m.rr[1].target);
	assert_v4(&m.rr[2], "203.0.113.9");
}

/* The same answer, written byte by byte (no glibc encoder involved). */
static void test_hand_written(void **st)
{
	static const uint8_t msg[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
		/* 12: question www.example.com IN A */
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0, 1, 0, 1,
		/* 33: www.example.com CNAME web.example.com (pointer to "example.com" at 16) */
		0xc0, 12, 0, 5, 0, 1, 0, 0, 0x0e, 0x10, 0, 6, 3, 'w', 'e', 'b', 0xc0, 16,
		/* 51: web.example.com A 192.0.2.77 (owner: pointer to 45) */
		0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 77,
	};

	assert_int_equal(parse(msg, sizeof(msg)), 0);
	assert_int_equal(m.id, 0x1234);
	assert_int_equal(m.nrr, 2);
	assert_string_equal(m.names[0], "www.example.com");
	assert_string_equal(m.names[m.rr[0].target], "web.example.com");
	assert_int_equal(m.rr[0].ttl, 3600);
	assert_string_equal(m.names[m.rr[1].owner], "web.example.com");
	assert_v4(&m.rr[1], "192.0.2.77");
	/* one byte less: the last record no longer fits */
	assert_int_equal(parse(msg, sizeof(msg) - 1), PT_DNS_EMALFORMED);
	assert_int_equal(m.reason, PT_DNS_R_SECTIONS);
	/* one byte more: trailing garbage is not a DNS message either */
	{
		uint8_t more[sizeof(msg) + 1];

		memcpy(more, msg, sizeof(msg));
		more[sizeof(msg)] = 0;
		assert_int_equal(parse(more, sizeof(more)), PT_DNS_EMALFORMED);
	}
}

static void test_not_interesting(void **st)
{
	struct dnsb b;

	/* glibc's own query: QR = 0 */
	dnsb_query(&b, 42, "www.example.com", ns_t_a);
	assert_int_equal(b.err, 0);
	assert_int_equal(parse(b.buf, b.len), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_QUERY);
	assert_false(pt_dns_reason_malformed(m.reason));
	assert_int_equal(m.id, 42);

	/* the same query turned into a response with an answer is fine */
	dnsb_set_response(&b, ns_r_noerror);
	dnsb_a(&b, "www.example.com", 60, "192.0.2.8");
	assert_int_equal(parse(b.buf, b.len), 0);
	assert_v4(&m.rr[0], "192.0.2.8");

	/* rcode != 0: ignored, even with records in it */
	dnsb_set_response(&b, ns_r_nxdomain);
	assert_int_equal(parse(b.buf, b.len), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_RCODE);
	dnsb_set_response(&b, ns_r_servfail);
	assert_int_equal(parse(b.buf, b.len), PT_DNS_EIGNORED);
	assert_int_equal(m.rcode, ns_r_servfail);

	/* TC: the client asks again over TCP; a partial RRset is not used */
	dnsb_set_response(&b, ns_r_noerror);
	dnsb_set_tc(&b);
	assert_int_equal(parse(b.buf, b.len), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_TC);
	assert_true(m.tc);

	/* question of another type, another class */
	dnsb_response(&b, 1, "example.com", ns_t_txt);
	dnsb_a(&b, "example.com", 60, "192.0.2.1");
	assert_int_equal(parse(b.buf, b.len), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_QUESTION);

	/* an answer without any address or CNAME */
	dnsb_response(&b, 1, "example.com", ns_t_a);
	assert_int_equal(parse(b.buf, b.len), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_NOANSWER);

	/* opcode STATUS (2) */
	dnsb_response(&b, 1, "example.com", ns_t_a);
	dnsb_a(&b, "example.com", 60, "192.0.2.1");
	b.buf[2] = (uint8_t)((b.buf[2] & 0x87) | (2 << 3));
	assert_int_equal(parse(b.buf, b.len), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_OPCODE);
}

static void test_qdcount(void **st)
{
	static const uint8_t none[] = { 0, 1, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t two[] = { 0, 1, 0x81, 0x80, 0, 2, 0, 0, 0, 0, 0, 0,
				       1, 'a', 0, 0, 1, 0, 1, 1, 'b', 0, 0, 1, 0, 1 };

	assert_int_equal(parse(none, sizeof(none)), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_QDCOUNT);
	assert_int_equal(parse(two, sizeof(two)), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_QDCOUNT);
}

/* header, one question "a." IN A, then what the test appends */
#define HDR(an) 0, 1, 0x81, 0x80, 0, 1, 0, an, 0, 0, 0, 0
#define QA 1, 'a', 0, 0, 1, 0, 1

static void expect_malformed(const uint8_t *msg, size_t len, enum pt_dns_reason why)
{
	assert_int_equal(parse(msg, len), PT_DNS_EMALFORMED);
	assert_int_equal(m.reason, why);
	assert_true(pt_dns_reason_malformed(m.reason));
	assert_non_null(pt_dns_reason_str(m.reason));
}

static void test_malformed(void **st)
{
	/* truncated header */
	static const uint8_t short_hdr[] = { 0, 1, 0x81, 0x80, 0 };
	/* ANCOUNT 2, one record */
	static const uint8_t bad_count[] = { HDR(2), QA, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4,
					     1, 2, 3, 4 };
	/* RDLENGTH past the end */
	static const uint8_t bad_rdlen[] = { HDR(1), QA, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 40,
					     1, 2, 3, 4 };
	/* a label of 64 octets: 0x40 is the reserved "extended label" type */
	uint8_t long_label[12 + 1 + 64 + 1 + 4] = { HDR(0) };
	/* labels adding up to more than 255 octets */
	uint8_t long_name[12 + 5 * 64 + 1 + 4] = { HDR(0) };
	/* compression loops: a pointer to itself, two pointing at each other */
	static const uint8_t self_loop[] = { HDR(0), 0xc0, 12, 0, 1, 0, 1 };
	/* the question's name points at 14, whose two bytes point back at 12 */
	static const uint8_t pair_loop[] = { HDR(1), 0xc0, 14, 0xc0, 12, 0, 1,
					     0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4 };
	/* a pointer forward, beyond the end of the message */
	static const uint8_t fwd_oob[] = { HDR(0), 0xc0, 200, 0, 1, 0, 1 };
	/* a pointer forward, inside the message: libresolv follows it (it
	 * cannot loop: dn_expand bounds the bytes it reads), so this is the
	 * name "a" kept in a TXT record's rdata at 45 */
	static const uint8_t fwd_in[] = { 0, 1, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
					  0xc0, 45, 0, 1, 0, 1,
					  0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4,
					  0, 0, 16, 0, 1, 0, 0, 0, 9, 0, 3, 1, 'a', 0 };
	/* A with 3 bytes, AAAA with 4, CNAME whose name is shorter than rdata */
	static const uint8_t a3[] = { HDR(1), QA, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 3, 1, 2, 3 };
	static const uint8_t aaaa4[] = { HDR(1), 1, 'a', 0, 0, 28, 0, 1,
					 0xc0, 12, 0, 28, 0, 1, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4 };
	static const uint8_t cname_len[] = { HDR(1), QA, 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 9, 0, 4,
					     1, 'b', 0, 0 };
	/* a CNAME target looping on itself */
	static const uint8_t cname_loop[] = { HDR(1), QA, 0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 9, 0, 2,
					      0xc0, 31 };
	size_t i;

	expect_malformed(short_hdr, sizeof(short_hdr), PT_DNS_R_SHORT);
	expect_malformed(short_hdr, 0, PT_DNS_R_SHORT);
	expect_malformed(bad_count, sizeof(bad_count), PT_DNS_R_SECTIONS);
	expect_malformed(bad_rdlen, sizeof(bad_rdlen), PT_DNS_R_SECTIONS);

	long_label[12] = 64;
	memset(long_label + 13, 'x', 64);
	long_label[sizeof(long_label) - 3] = 1; /* type A, class IN */
	long_label[sizeof(long_label) - 1] = 1;
	expect_malformed(long_label, sizeof(long_label), PT_DNS_R_SECTIONS);

	for (i = 0; i < 5; i++) {
		long_name[12 + i * 64] = 63;
		memset(long_name + 13 + i * 64, 'y', 63);
	}
	long_name[sizeof(long_name) - 3] = 1;
	long_name[sizeof(long_name) - 1] = 1;
	expect_malformed(long_name, sizeof(long_name), PT_DNS_R_RR);

	expect_malformed(self_loop, sizeof(self_loop), PT_DNS_R_RR);
	expect_malformed(pair_loop, sizeof(pair_loop), PT_DNS_R_RR);
	expect_malformed(fwd_oob, sizeof(fwd_oob), PT_DNS_R_RR);
	assert_int_equal(parse(fwd_in, sizeof(fwd_in)), 0);
	assert_string_equal(m.names[0], "a");
	assert_int_equal(m.nrr, 1);
	assert_int_equal(m.skipped, 1);
	/* the same pointer one byte past the end */
	{
		uint8_t oob[sizeof(fwd_in)];

		memcpy(oob, fwd_in, sizeof(oob));
		oob[13] = sizeof(fwd_in);
		expect_malformed(oob, sizeof(oob), PT_DNS_R_RR);
	}
	expect_malformed(a3, sizeof(a3), PT_DNS_R_RDATA);
	expect_malformed(aaaa4, sizeof(aaaa4), PT_DNS_R_RDATA);
	expect_malformed(cname_len, sizeof(cname_len), PT_DNS_R_RDATA);
	expect_malformed(cname_loop, sizeof(cname_loop), PT_DNS_R_RDATA);

	/* a malformed record makes the message malformed even when its
	 * flags alone would have it ignored */
	{
		uint8_t q[sizeof(a3)];

		memcpy(q, a3, sizeof(a3));
		q[3] = 0x83; /* NXDOMAIN */
		expect_malformed(q, sizeof(q), PT_DNS_R_RDATA);
	}
}

/* Every prefix of a good answer is refused or parsed, never misread. */
static void test_every_prefix(void **st)
{
	struct dnsb b;
	size_t n;
	int ret;

	dnsb_response(&b, 9, "p.example", ns_t_a);
	dnsb_cname(&b, "p.example", 60, "q.example");
	dnsb_a(&b, "q.example", 60, "192.0.2.3");
	for (n = 0; n < b.len; n++) {
		ret = parse(b.buf, n);
		assert_int_equal(ret, PT_DNS_EMALFORMED);
		/* as a declared prefix: only whole records, and the address
		 * record is the last one, so it is never there */
		ret = pt_dns_parse(b.buf, n, PT_DNS_PARSE_PREFIX, &m);
		if (ret == 0) {
			assert_true(m.prefix);
			assert_int_equal(m.nrr, 1);
			assert_int_equal(m.rr[0].type, ns_t_cname);
		} else {
			assert_true(ret == PT_DNS_EMALFORMED || ret == PT_DNS_EIGNORED);
		}
	}
	assert_int_equal(parse(b.buf, b.len), 0);
}

static void test_prefix(void **st)
{
	struct dnsb b;
	char ip[32];
	size_t cut;
	int i;

	dnsb_response(&b, 3, "many.example", ns_t_a);
	for (i = 0; i < 10; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		dnsb_a(&b, "many.example", 60, ip);
	}
	/* each A record with a compressed owner takes 16 bytes; the question
	 * ends at 12 + 14 + 4 = 30: cut in the middle of the sixth record */
	cut = 30 + 5 * 16 + 7;
	assert_int_equal(pt_dns_parse(b.buf, cut, PT_DNS_PARSE_PREFIX, &m), 0);
	assert_true(m.prefix);
	assert_int_equal(m.ancount, 5);
	assert_int_equal(m.nrr, 5);
	assert_v4(&m.rr[4], "192.0.2.5");
	/* the whole message as a "prefix": everything */
	assert_int_equal(pt_dns_parse(b.buf, b.len, PT_DNS_PARSE_PREFIX, &m), 0);
	assert_int_equal(m.nrr, 10);
	/* cut inside the question: nothing to use */
	assert_int_equal(pt_dns_parse(b.buf, 20, PT_DNS_PARSE_PREFIX, &m), PT_DNS_EMALFORMED);
	/* cut right after the question */
	assert_int_equal(pt_dns_parse(b.buf, 30, PT_DNS_PARSE_PREFIX, &m), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_NOANSWER);
}

/* Names are hostile: every odd byte comes out escaped, printable only. */
static void test_hostile_names(void **st)
{
	static const uint8_t msg[] = {
		HDR(1),
		/* label "A\0\1 \".\\\xc3" then "CoM" */
		9, 'A', 0, 1, ' ', '"', '.', '\\', 0xc3, 0x7f, 3, 'C', 'o', 'M', 0, 0, 1, 0, 1,
		0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4,
	};
	uint8_t big[12 + 4 * 64 + 4 + 16];
	const char *p;
	size_t i, o;

	assert_int_equal(parse(msg, sizeof(msg)), 0);
	assert_string_equal(m.names[0], "a\\000\\001\\032\\\"\\.\\\\\\195\\127.com");
	for (p = m.names[0]; *p; p++)
		assert_true(*p > 0x20 && *p < 0x7f);

	/* a legal 4 x 63-octet name of control bytes: 1000+ characters once
	 * escaped, too long to keep: ignored, not malformed */
	memset(big, 0, sizeof(big));
	memcpy(big, (const uint8_t[]){ HDR(1) }, 12);
	o = 12;
	for (i = 0; i < 4; i++) {
		big[o++] = i < 3 ? 63 : 60;
		memset(big + o, 1, i < 3 ? 63 : 60);
		o += i < 3 ? 63 : 60;
	}
	big[o++] = 0;
	big[o++] = 0, big[o++] = 1, big[o++] = 0, big[o++] = 1;
	memcpy(big + o, (const uint8_t[]){ 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4 }, 16);
	o += 16;
	assert_int_equal(parse(big, o), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_QNAME);

	/* the root as the question */
	{
		static const uint8_t root[] = { HDR(1), 0, 0, 1, 0, 1,
						0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4 };

		assert_int_equal(parse(root, sizeof(root)), PT_DNS_EIGNORED);
		assert_int_equal(m.reason, PT_DNS_R_QNAME);
	}
}

static void test_normalise(void **st)
{
	char a[] = "WWW.Example.COM.", b[] = "a\\.", c[] = "a\\\\.", d[] = ".", e[] = "";

	assert_int_equal(pt_dns_name_normalise(a), 15);
	assert_string_equal(a, "www.example.com");
	/* an escaped dot ends the label, it is not the root */
	assert_string_equal((pt_dns_name_normalise(b), b), "a\\.");
	/* an escaped backslash, then the root */
	assert_string_equal((pt_dns_name_normalise(c), c), "a\\\\");
	assert_string_equal((pt_dns_name_normalise(d), d), ".");
	assert_int_equal(pt_dns_name_normalise(e), 0);
}

/* More records than kept: counted, the rest still parsed. */
static void test_many_records(void **st)
{
	struct dnsb b;
	char ip[32];
	int i;

	dnsb_response(&b, 3, "big.example", ns_t_a);
	for (i = 0; i < PT_DNS_MAX_RRS + 6; i++) {
		snprintf(ip, sizeof(ip), "10.0.%d.%d", i / 250, i % 250);
		dnsb_a(&b, "big.example", 60, ip);
	}
	assert_int_equal(b.err, 0);
	assert_int_equal(parse(b.buf, b.len), 0);
	assert_int_equal(m.nrr, PT_DNS_MAX_RRS);
	assert_int_equal(m.skipped, 6);
}

/* ---- real answers from dnsmasq (tests/fixtures/dns/capture.sh) ------------- */

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

static void test_dnsmasq(void **st)
{
	uint8_t buf[4096];
	size_t n;

	n = load("web-a.answer", buf, sizeof(buf));
	assert_int_equal(parse(buf, n), 0);
	assert_string_equal(m.names[0], "web.pt-test.example");
	assert_int_equal(m.arcount, 1); /* dnsmasq's EDNS OPT record */
	assert_int_equal(m.nrr, 1);
	assert_v4(&m.rr[0], "192.0.2.10");
	assert_int_equal(m.rr[0].ttl, 300);

	n = load("web-aaaa.answer", buf, sizeof(buf));
	assert_int_equal(parse(buf, n), 0);
	assert_v6(&m.rr[0], "2001:db8::10");

	/* deeper -> deep -> alias -> web, AAAA */
	n = load("deeper-aaaa.answer", buf, sizeof(buf));
	assert_int_equal(parse(buf, n), 0);
	assert_int_equal(m.nrr, 4);
	assert_string_equal(m.names[0], "deeper.pt-test.example");
	assert_string_equal(m.names[m.rr[0].target], "deep.pt-test.example");
	assert_string_equal(m.names[m.rr[1].target], "alias.pt-test.example");
	assert_string_equal(m.names[m.rr[2].target], "web.pt-test.example");
	assert_int_equal(m.rr[1].ttl, 900);
	assert_v6(&m.rr[3], "2001:db8::10");

	n = load("multi-a.answer", buf, sizeof(buf));
	assert_int_equal(parse(buf, n), 0);
	assert_int_equal(m.nrr, 3);

	/* dnsmasq echoes the question's case: normalised */
	n = load("mixed-a.answer", buf, sizeof(buf));
	assert_int_equal(parse(buf, n), 0);
	assert_string_equal(m.names[0], "mixed-case.pt-test.example");
	assert_v4(&m.rr[0], "198.51.100.7");

	n = load("nxdomain.answer", buf, sizeof(buf));
	assert_int_equal(parse(buf, n), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_RCODE);
	assert_int_equal(m.rcode, ns_r_nxdomain);

	/* dig's query (EDNS, cookie) */
	n = load("web-a.query", buf, sizeof(buf));
	assert_int_equal(parse(buf, n), PT_DNS_EIGNORED);
	assert_int_equal(m.reason, PT_DNS_R_QUERY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a),
		cmocka_unit_test(test_aaaa_and_others),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_hand_written),
		cmocka_unit_test(test_not_interesting),
		cmocka_unit_test(test_qdcount),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_many_records),
		cmocka_unit_test(test_dnsmasq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

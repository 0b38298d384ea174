// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of src/filter.c: map entries produced from a probe
 * configuration, and the userland model of the in-kernel decision.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "filter.h"

#define MAX_FILTERS 8

/* A probe's filter built by hand, as the configuration loader would produce it. */
struct test_cfg {
	struct pt_filter_spec pc;
	struct pt_net_filter f[MAX_FILTERS];
	struct pt_port_range ports[PT_MAX_PORT_RANGES];
};

/* "80,443-445" -> ranges; returns the count. */
static int parse_ranges(const char *s, struct pt_port_range *r, int max)
{
	int n = 0;
	char *end;

	while (s && *s) {
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtoul(end + 1, &end, 10);
		assert_true(n < max);
		assert_true(lo <= 65535 && hi <= 65535);
		r[n].lo = (uint16_t)lo;
		r[n].hi = (uint16_t)hi;
		n++;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static void cfg_init(struct test_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->pc.filters = c->f;
	c->pc.ports = c->ports;
}

/* Add subnet filter "cidr" with mode and port list (NULL = none). */
static struct pt_net_filter *cfg_filter(struct test_cfg *c, const char *cidr,
					enum pt_filter_mode mode, const char *ports)
{
	struct pt_net_filter *f;
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');

	assert_true(c->pc.nfilters < MAX_FILTERS);
	assert_non_null(slash);
	f = &c->f[c->pc.nfilters++];
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	f->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(f->family, addr, f->addr), 1);
	f->prefixlen = atoi(slash + 1);
	f->mode = mode;
	f->nranges = parse_ranges(ports, f->ranges, PT_MAX_PORT_RANGES);
	return f;
}

static void cfg_ports(struct test_cfg *c, enum pt_port_mode mode, const char *ports)
{
	c->pc.port_mode = mode;
	c->pc.nports = (size_t)parse_ranges(ports, c->ports, PT_MAX_PORT_RANGES);
}

/* The model's verdict for "addr" (v4 or v6 text) and port. */
static bool drops(const struct pt_filter_plan *p, const char *addr, uint16_t port)
{
	uint8_t a[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return pt_filter_drops(p, family, a, port);
}

struct drop_case {
	const char *addr;
	uint16_t port;
	bool drop;
};

static void check_cases(const struct pt_filter_plan *p, const struct drop_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		bool got = drops(p, cases[i].addr, cases[i].port);

		if (got != cases[i].drop)
			fail_msg("%s port %u: expected %s, model says %s", cases[i].addr,
				 cases[i].port, cases[i].drop ? "drop" : "keep",
				 got ? "drop" : "keep");
	}
}

#define CHECK_CASES(p, cases) check_cases((p), (cases), sizeof(cases) / sizeof((cases)[0]))

/* ---- compile ------------------------------------------------------------ */

static void test_compile_v4(void **state)
{
	struct pt_filter_plan p;
	struct test_cfg c;
	struct pt_net_filter *f;
	uint8_t gen;

	cfg_init(&c);
	f = cfg_filter(&c, "10.0.0.0/8", PT_FILTER_ALL, NULL);
	f->subnet_name = "10";
	f->description = "all RFC 1918 10/8";
	cfg_filter(&c, "192.168.0.0/16", PT_FILTER_EXCEPT, "80,443-445");
	cfg_filter(&c, "172.16.0.0/12", PT_FILTER_INCLUDE, "53");
	cfg_filter(&c, "10.1.2.3/27", PT_FILTER_ALL, NULL); /* host bits set */
	cfg_filter(&c, "0.0.0.0/0", PT_FILTER_ALL, NULL);

	for (gen = 0; gen <= 1; gen++) {
		assert_int_equal(pt_filter_compile(&c.pc, gen, &p), 0);
		assert_int_equal(p.gen, gen);
		assert_int_equal(p.nv4, 5);
		assert_int_equal(p.nv6, 0);
		assert_null(p.v6);

		assert_int_equal(p.v4[0].key.prefixlen, 8 + 8);
		assert_int_equal(p.v4[0].key.gen, gen);
		assert_memory_equal(p.v4[0].key.addr, "\x0a\x00\x00\x00", 4);
		assert_int_equal(p.v4[0].val.mode, PT_FILTER_ALL);
		assert_int_equal(p.v4[0].val.nranges, 0);
		assert_string_equal(p.v4[0].name, "10");
		assert_string_equal(p.v4[0].description, "all RFC 1918 10/8");
		assert_ptr_not_equal(p.v4[0].name, f->subnet_name); /* a copy */

		assert_int_equal(p.v4[1].key.prefixlen, 8 + 16);
		assert_memory_equal(p.v4[1].key.addr, "\xc0\xa8\x00\x00", 4);
		assert_int_equal(p.v4[1].val.mode, PT_FILTER_EXCEPT);
		assert_int_equal(p.v4[1].val.nranges, 2);
		assert_int_equal(p.v4[1].val.ranges[0].lo, 80);
		assert_int_equal(p.v4[1].val.ranges[0].hi, 80);
		assert_int_equal(p.v4[1].val.ranges[1].lo, 443);
		assert_int_equal(p.v4[1].val.ranges[1].hi, 445);
		assert_int_equal(p.v4[1].val.ranges[2].lo, 0); /* unused ranges zeroed */
		assert_null(p.v4[1].name);

		assert_int_equal(p.v4[2].key.prefixlen, 8 + 12);
		assert_memory_equal(p.v4[2].key.addr, "\xac\x10\x00\x00", 4);
		assert_int_equal(p.v4[2].val.mode, PT_FILTER_INCLUDE);
		assert_int_equal(p.v4[2].val.nranges, 1);
		assert_int_equal(p.v4[2].val.ranges[0].lo, 53);

		assert_int_equal(p.v4[3].key.prefixlen, 8 + 27);
		assert_memory_equal(p.v4[3].key.addr, "\x0a\x01\x02\x00", 4);

		assert_int_equal(p.v4[4].key.prefixlen, 8);
		assert_memory_equal(p.v4[4].key.addr, "\x00\x00\x00\x00", 4);

		assert_int_equal(p.ports.mode, PT_PORTS_NONE);
		pt_filter_plan_free(&p);
		assert_null(p.v4);
		assert_int_equal(p.nv4, 0);
	}
}

static void test_compile_v6(void **state)
{
	struct pt_filter_plan p;
	struct test_cfg c;
	static const uint8_t fd00[16] = { 0xfd };
	static const uint8_t lo[16] = { [15] = 1 };
	static const uint8_t doc[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x00 };

	cfg_init(&c);
	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_ALL, NULL);
	cfg_filter(&c, "fd00::/8", PT_FILTER_EXCEPT, "80,443-445");
	cfg_filter(&c, "::1/128", PT_FILTER_ALL, NULL);
	cfg_filter(&c, "2001:db8:12ff::/39", PT_FILTER_INCLUDE, "1-1024");

	assert_int_equal(pt_filter_compile(&c.pc, 1, &p), 0);
	assert_int_equal(p.nv4, 1);
	assert_int_equal(p.nv6, 3);

	assert_int_equal(p.v6[0].key.prefixlen, 8 + 8);
	assert_int_equal(p.v6[0].key.gen, 1);
	assert_memory_equal(p.v6[0].key.addr, fd00, 16);
	assert_int_equal(p.v6[0].val.mode, PT_FILTER_EXCEPT);
	assert_int_equal(p.v6[0].val.nranges, 2);
	assert_int_equal(p.v6[0].val.ranges[1].lo, 443);
	assert_int_equal(p.v6[0].val.ranges[1].hi, 445);

	assert_int_equal(p.v6[1].key.prefixlen, 8 + 128);
	assert_memory_equal(p.v6[1].key.addr, lo, 16);
	assert_int_equal(p.v6[1].val.mode, PT_FILTER_ALL);

	/* host bits past /39 cleared: 12ff -> 1200 */
	assert_int_equal(p.v6[2].key.prefixlen, 8 + 39);
	assert_memory_equal(p.v6[2].key.addr, doc, 16);
	assert_int_equal(p.v6[2].val.mode, PT_FILTER_INCLUDE);
	assert_int_equal(p.v6[2].val.ranges[0].lo, 1);
	assert_int_equal(p.v6[2].val.ranges[0].hi, 1024);
	pt_filter_plan_free(&p);
}

static void test_compile_errors(void **state)
{
	struct pt_filter_plan p;
	struct test_cfg c;
	struct pt_net_filter *f;

	cfg_init(&c);
	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_ALL, NULL);
	assert_int_equal(pt_filter_compile(&c.pc, 2, &p), -EINVAL);

	f = cfg_filter(&c, "10.0.0.0/8", PT_FILTER_ALL, NULL);
	f->prefixlen = 33;
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), -EINVAL);
	assert_null(p.v4);
	f->prefixlen = -1;
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), -EINVAL);
	f->family = AF_INET6;
	f->prefixlen = 129;
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), -EINVAL);
	f->family = AF_UNIX;
	f->prefixlen = 8;
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), -EINVAL);

	/* an empty configuration is fine */
	cfg_init(&c);
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	assert_int_equal(p.nv4 + p.nv6, 0);
	assert_false(drops(&p, "10.0.0.1", 80));
	pt_filter_plan_free(&p);
	pt_filter_plan_free(&p); /* idempotent */
}

/* The same network twice is one map entry: the later filter wins. */
static void test_compile_duplicate(void **state)
{
	struct pt_filter_plan p;
	struct test_cfg c;

	cfg_init(&c);
	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_ALL, NULL)->subnet_name = "first";
	cfg_filter(&c, "10.9.9.9/8", PT_FILTER_EXCEPT, "80")->subnet_name = "second";
	cfg_filter(&c, "10.0.0.0/9", PT_FILTER_ALL, NULL);
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	assert_int_equal(p.nv4, 2);
	assert_int_equal(p.v4[0].val.mode, PT_FILTER_EXCEPT);
	assert_string_equal(p.v4[0].name, "second");
	assert_int_equal(p.v4[1].key.prefixlen, 8 + 9);
	assert_false(drops(&p, "10.200.0.1", 80));
	assert_true(drops(&p, "10.200.0.1", 81));
	pt_filter_plan_free(&p);
}

static int popcount_bits(const struct pt_port_bitmap *pm)
{
	int i, n = 0;

	for (i = 0; i < 65536 / 64; i++)
		n += __builtin_popcountll(pm->bits[i]);
	return n;
}

static bool bit(const struct pt_port_bitmap *pm, unsigned int port)
{
	return (pm->bits[port / 64] >> (port % 64)) & 1;
}

static void test_compile_ports(void **state)
{
	struct pt_filter_plan p;
	struct test_cfg c;

	cfg_init(&c);
	cfg_ports(&c, PT_PORTS_INCLUDE, "1,65535,8000-8080,63-64");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	assert_int_equal(p.ports.mode, PT_PORTS_INCLUDE);
	assert_int_equal(p.ports.bits[0], (1ull << 1) | (1ull << 63));
	assert_int_equal(p.ports.bits[1], 1ull);
	assert_int_equal(p.ports.bits[1023], 1ull << 63);
	assert_false(bit(&p.ports, 0));
	assert_true(bit(&p.ports, 1));
	assert_false(bit(&p.ports, 2));
	assert_false(bit(&p.ports, 7999));
	assert_true(bit(&p.ports, 8000));
	assert_true(bit(&p.ports, 8080));
	assert_false(bit(&p.ports, 8081));
	assert_false(bit(&p.ports, 65534));
	assert_true(bit(&p.ports, 65535));
	assert_int_equal(popcount_bits(&p.ports), 1 + 1 + 81 + 2);
	pt_filter_plan_free(&p);

	/* the whole range */
	cfg_ports(&c, PT_PORTS_EXCLUDE, "0-65535");
	assert_int_equal(pt_filter_compile(&c.pc, 1, &p), 0);
	assert_int_equal(p.ports.mode, PT_PORTS_EXCLUDE);
	assert_int_equal(popcount_bits(&p.ports), 65536);
	pt_filter_plan_free(&p);
}

/* ---- the decision model -------------------------------------------------- */

static void test_drops_basic(void **state)
{
	static const struct drop_case none[] = {
		{ "10.0.0.1", 80, false },
		{ "127.0.0.1", 0, false },
		{ "::1", 443, false },
		{ "::ffff:10.0.0.1", 443, false },
	};
	static const struct drop_case all[] = {
		{ "10.0.0.0", 80, true },
		{ "10.1.2.3", 1, true },
		{ "10.255.255.255", 65535, true },
		{ "9.255.255.255", 80, false },
		{ "11.0.0.0", 80, false },
		{ "::a00:1", 80, false }, /* IPv4-compatible, not mapped: no v6 filter */
	};
	static const struct drop_case except80[] = {
		{ "10.0.0.1", 80, false },
		{ "10.0.0.1", 81, true },
		{ "10.0.0.1", 79, true },
		{ "11.0.0.1", 81, false },
	};
	static const struct drop_case include80[] = {
		{ "10.0.0.1", 80, true },
		{ "10.0.0.1", 81, false },
		{ "10.0.0.1", 79, false },
		{ "11.0.0.1", 80, false },
	};
	struct pt_filter_plan p;
	struct test_cfg c;

	cfg_init(&c);
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, none);
	pt_filter_plan_free(&p);

	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_ALL, NULL);
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, all);
	pt_filter_plan_free(&p);

	/* pidtree-bcc README: except_ports [80] keeps only port 80 to 10/8 */
	c.f[0].mode = PT_FILTER_EXCEPT;
	c.f[0].nranges = parse_ranges("80", c.f[0].ranges, PT_MAX_PORT_RANGES);
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, except80);
	pt_filter_plan_free(&p);

	/* ... and include_ports [80] drops only port 80 to 10/8 */
	c.f[0].mode = PT_FILTER_INCLUDE;
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, include80);
	pt_filter_plan_free(&p);
}

static void test_drops_range_edges(void **state)
{
	static const struct drop_case except[] = {
		{ "10.0.0.1", 7999, true },
		{ "10.0.0.1", 8000, false },
		{ "10.0.0.1", 8040, false },
		{ "10.0.0.1", 8080, false },
		{ "10.0.0.1", 8081, true },
		{ "10.0.0.1", 0, true },
		{ "10.0.0.1", 65535, false },
	};
	static const struct drop_case include[] = {
		{ "10.0.0.1", 7999, false },
		{ "10.0.0.1", 8000, true },
		{ "10.0.0.1", 8040, true },
		{ "10.0.0.1", 8080, true },
		{ "10.0.0.1", 8081, false },
		{ "10.0.0.1", 0, false },
		{ "10.0.0.1", 65535, true },
	};
	struct pt_filter_plan p;
	struct test_cfg c;

	cfg_init(&c);
	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_EXCEPT, "8000-8080,65535");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, except);
	pt_filter_plan_free(&p);

	c.f[0].mode = PT_FILTER_INCLUDE;
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, include);
	pt_filter_plan_free(&p);

	/* EXCEPT without ports drops everything, INCLUDE without ports nothing */
	c.f[0].nranges = 0;
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	assert_false(drops(&p, "10.0.0.1", 8000));
	pt_filter_plan_free(&p);
	c.f[0].mode = PT_FILTER_EXCEPT;
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	assert_true(drops(&p, "10.0.0.1", 8000));
	pt_filter_plan_free(&p);
}

static void test_drops_nested(void **state)
{
	static const struct drop_case cases[] = {
		{ "10.1.2.3", 443, false },   /* 10.1/16 EXCEPT [443] wins over 10/8 */
		{ "10.1.2.3", 80, true },
		{ "10.2.0.1", 443, true },    /* only 10/8 matches */
		{ "10.1.9.9", 22, true },     /* /32 is for another host */
		{ "10.1.9.8", 22, true },     /* /32 INCLUDE [22] drops 22 ... */
		{ "10.1.9.8", 80, false },    /* ... and alone decides: 80 kept */
		{ "172.16.0.1", 80, true },   /* 172.16/12 ALL, non octet-aligned */
		{ "172.31.255.255", 80, true },
		{ "172.32.0.0", 80, false },
		{ "172.15.255.255", 80, false },
	};
	static const struct drop_case dflt[] = {
		{ "8.8.8.8", 53, false },     /* 8.8.8.8/32 EXCEPT [53] under 0/0 ALL */
		{ "8.8.8.8", 80, true },
		{ "8.8.8.9", 53, true },
		{ "0.0.0.0", 1, true },
		{ "255.255.255.255", 1, true },
		{ "::1", 1, false },          /* 0.0.0.0/0 is IPv4 only */
	};
	struct pt_filter_plan p;
	struct test_cfg c, r;
	size_t i;

	cfg_init(&c);
	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_ALL, NULL);
	cfg_filter(&c, "10.1.0.0/16", PT_FILTER_EXCEPT, "443");
	cfg_filter(&c, "10.1.9.8/32", PT_FILTER_INCLUDE, "22");
	cfg_filter(&c, "172.16.0.0/12", PT_FILTER_ALL, NULL);
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, cases);
	pt_filter_plan_free(&p);

	/* the configuration order does not matter */
	cfg_init(&r);
	for (i = c.pc.nfilters; i-- > 0;)
		r.f[r.pc.nfilters++] = c.f[i];
	assert_int_equal(pt_filter_compile(&r.pc, 0, &p), 0);
	CHECK_CASES(&p, cases);
	pt_filter_plan_free(&p);

	/* a default route with one exception */
	cfg_init(&c);
	cfg_filter(&c, "0.0.0.0/0", PT_FILTER_ALL, NULL);
	cfg_filter(&c, "8.8.8.8/32", PT_FILTER_EXCEPT, "53");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, dflt);
	pt_filter_plan_free(&p);
}

static void test_drops_v6(void **state)
{
	static const struct drop_case cases[] = {
		{ "::1", 80, true },
		{ "::2", 80, false },
		{ "::", 80, false },
		{ "fd12:3456::1", 443, false },
		{ "fd12:3456::1", 445, false },
		{ "fd12:3456::1", 446, true },
		{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 22, true },
		{ "fc00::1", 22, false },
		{ "fe80::1", 22, false },
		{ "2001:db8::1", 22, false },
		{ "127.0.0.1", 80, false }, /* v6 filters do not apply to IPv4 */
	};
	struct pt_filter_plan p;
	struct test_cfg c;

	cfg_init(&c);
	cfg_filter(&c, "::1/128", PT_FILTER_ALL, NULL);
	cfg_filter(&c, "fd00::/8", PT_FILTER_EXCEPT, "80,443-445");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, cases);
	pt_filter_plan_free(&p);
}

static void test_drops_v4_mapped(void **state)
{
	static const struct drop_case cases[] = {
		{ "127.0.0.1", 80, true },
		{ "::ffff:127.0.0.1", 80, true },    /* matched against the v4 table */
		{ "::ffff:127.255.0.1", 9, true },
		{ "::ffff:128.0.0.1", 80, false },
		{ "::ffff:10.0.0.1", 80, false },    /* 10/8 EXCEPT [80] */
		{ "::ffff:10.0.0.1", 81, true },
		{ "::127.0.0.1", 80, false },        /* IPv4-compatible is not mapped */
		{ "::ffff:1.2.3.4", 80, false },     /* ::ffff:0:0/96 (v6) never matches */
		{ "::1:ffff:127.0.0.1", 80, false }, /* not a mapped prefix */
		{ "::1", 80, true },
	};
	struct pt_filter_plan p;
	struct test_cfg c;

	cfg_init(&c);
	cfg_filter(&c, "127.0.0.0/8", PT_FILTER_ALL, NULL);
	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_EXCEPT, "80");
	cfg_filter(&c, "::ffff:0:0/96", PT_FILTER_ALL, NULL);
	cfg_filter(&c, "::1/128", PT_FILTER_ALL, NULL);
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, cases);
	pt_filter_plan_free(&p);
}

static void test_drops_global_ports(void **state)
{
	static const struct drop_case include[] = {
		{ "8.8.8.8", 22, true },   /* not in includeports */
		{ "8.8.8.8", 80, false },
		{ "8.8.8.8", 443, false },
		{ "10.0.0.1", 80, false }, /* 10/8 EXCEPT [80] keeps it */
		{ "10.0.0.1", 443, true }, /* reported globally, dropped by 10/8 */
		{ "10.0.0.1", 22, true },
		{ "::1", 443, false },
		{ "::1", 444, true },
	};
	static const struct drop_case exclude[] = {
		{ "8.8.8.8", 22, true },   /* excludeports */
		{ "8.8.8.8", 80, false },
		{ "10.0.0.1", 80, true },  /* 10/8 INCLUDE [80] */
		{ "10.0.0.1", 443, false },
		{ "10.0.0.1", 22, true },
		{ "10.0.0.1", 2222, false },
	};
	static const struct drop_case edges[] = {
		{ "8.8.8.8", 0, true },
		{ "8.8.8.8", 1, false },
		{ "8.8.8.8", 2, true },
		{ "8.8.8.8", 65534, true },
		{ "8.8.8.8", 65535, false },
	};
	struct pt_filter_plan p;
	struct test_cfg c;

	cfg_init(&c);
	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_EXCEPT, "80");
	cfg_ports(&c, PT_PORTS_INCLUDE, "80,443");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, include);
	pt_filter_plan_free(&p);

	cfg_init(&c);
	cfg_filter(&c, "10.0.0.0/8", PT_FILTER_INCLUDE, "80");
	cfg_ports(&c, PT_PORTS_EXCLUDE, "22");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, exclude);
	pt_filter_plan_free(&p);

	cfg_init(&c);
	cfg_ports(&c, PT_PORTS_INCLUDE, "1,65535");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	CHECK_CASES(&p, edges);
	pt_filter_plan_free(&p);

	/* mode NONE ignores the bitmap */
	cfg_ports(&c, PT_PORTS_NONE, "1,65535");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	assert_false(drops(&p, "8.8.8.8", 2));
	pt_filter_plan_free(&p);
}

/*
 * Generations: a generation-1 plan behaves like a generation-0 one, and a
 * map holding both generations during a reload answers with the live one.
 */
static void test_drops_generation(void **state)
{
	struct pt_filter_plan p0, p1, both;
	struct test_cfg c0, c1;

	cfg_init(&c0);
	cfg_filter(&c0, "10.0.0.0/8", PT_FILTER_ALL, NULL);
	cfg_filter(&c0, "fd00::/8", PT_FILTER_ALL, NULL);
	cfg_init(&c1);
	cfg_filter(&c1, "10.0.0.0/8", PT_FILTER_EXCEPT, "80");
	cfg_filter(&c1, "10.1.0.0/16", PT_FILTER_ALL, NULL);

	assert_int_equal(pt_filter_compile(&c0.pc, 0, &p0), 0);
	assert_int_equal(pt_filter_compile(&c1.pc, 1, &p1), 0);
	assert_int_equal(p1.v4[0].key.gen, 1);
	assert_true(drops(&p0, "10.0.0.1", 80));
	assert_false(drops(&p1, "10.0.0.1", 80));
	assert_true(drops(&p1, "10.0.0.1", 81));
	assert_true(drops(&p1, "10.1.0.1", 80));

	/* the map during a flip: entries of both generations */
	memset(&both, 0, sizeof(both));
	both.v4 = calloc(p0.nv4 + p1.nv4, sizeof(*both.v4));
	assert_non_null(both.v4);
	memcpy(both.v4, p0.v4, p0.nv4 * sizeof(*both.v4));
	memcpy(both.v4 + p0.nv4, p1.v4, p1.nv4 * sizeof(*both.v4));
	both.nv4 = p0.nv4 + p1.nv4;
	both.v6 = p0.v6;
	both.nv6 = p0.nv6;

	both.gen = 0;
	assert_true(drops(&both, "10.0.0.1", 80));
	assert_true(drops(&both, "10.1.0.1", 80));
	assert_true(drops(&both, "fd00::1", 80));
	both.gen = 1;
	assert_false(drops(&both, "10.0.0.1", 80));
	assert_true(drops(&both, "10.0.0.1", 81));
	assert_true(drops(&both, "10.1.0.1", 80));
	assert_false(drops(&both, "fd00::1", 80)); /* no generation-1 v6 entry */
	free(both.v4);

	/* entries of the other generation never match */
	p0.gen = 1;
	assert_false(drops(&p0, "10.0.0.1", 80));
	p0.gen = 0;
	pt_filter_plan_free(&p0);
	pt_filter_plan_free(&p1);
}

/* ---- describe ----------------------------------------------------------- */

struct lines {
	char *v[16];
	size_t n;
};

static void collect(void *ctx, const char *s)
{
	struct lines *l = ctx;

	assert_true(l->n < 16);
	l->v[l->n] = strdup(s);
	assert_non_null(l->v[l->n]);
	l->n++;
}

static void lines_free(struct lines *l)
{
	while (l->n)
		free(l->v[--l->n]);
}

static void test_describe(void **state)
{
	struct pt_filter_plan p;
	struct test_cfg c;
	struct lines l = { .n = 0 };
	struct pt_net_filter *f;

	cfg_init(&c);
	f = cfg_filter(&c, "10.0.0.0/8", PT_FILTER_ALL, NULL);
	f->subnet_name = "10";
	f->description = "all RFC 1918 10/8";
	cfg_filter(&c, "192.168.0.0/16", PT_FILTER_EXCEPT, "80,443-445")->subnet_name = "lan";
	f = cfg_filter(&c, "172.16.0.0/12", PT_FILTER_INCLUDE, "53");
	f->description = "private\nline";
	cfg_filter(&c, "fd00::/8", PT_FILTER_EXCEPT, "80,443-445");
	cfg_filter(&c, "::1/128", PT_FILTER_INCLUDE, NULL);
	cfg_ports(&c, PT_PORTS_INCLUDE, "80,8080-8090");
	assert_int_equal(pt_filter_compile(&c.pc, 1, &p), 0);
	pt_filter_describe(&p, collect, &l);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.v[0], "10.0.0.0/8 (10: all RFC 1918 10/8): drop all");
	assert_string_equal(l.v[1], "192.168.0.0/16 (lan): drop except ports 80,443-445");
	assert_string_equal(l.v[2], "172.16.0.0/12 (private?line): drop only ports 53");
	assert_string_equal(l.v[3], "fd00::/8: drop except ports 80,443-445");
	assert_string_equal(l.v[4], "::1/128: drop nothing (no include_ports)");
	assert_string_equal(l.v[5], "ports: report only 80,8080-8090");
	lines_free(&l);
	pt_filter_plan_free(&p);

	cfg_init(&c);
	cfg_ports(&c, PT_PORTS_EXCLUDE, "22");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	pt_filter_describe(&p, collect, &l);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0], "ports: drop 22");
	lines_free(&l);
	pt_filter_plan_free(&p);

	cfg_ports(&c, PT_PORTS_EXCLUDE, "0-1,65535");
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	pt_filter_describe(&p, collect, &l);
	assert_string_equal(l.v[0], "ports: drop 0-1,65535");
	lines_free(&l);
	pt_filter_plan_free(&p);

	/* nothing configured: no line */
	cfg_init(&c);
	assert_int_equal(pt_filter_compile(&c.pc, 0, &p), 0);
	pt_filter_describe(&p, collect, &l);
	assert_int_equal(l.n, 0);
	pt_filter_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_v4),
		cmocka_unit_test(test_compile_v6),
		cmocka_unit_test(test_compile_errors),
		cmocka_unit_test(test_compile_duplicate),
		cmocka_unit_test(test_compile_ports),
		cmocka_unit_test(test_drops_basic),
		cmocka_unit_test(test_drops_range_edges),
		cmocka_unit_test(test_drops_nested),
		cmocka_unit_test(test_drops_v6),
		cmocka_unit_test(test_drops_v4_mapped),
		cmocka_unit_test(test_drops_global_ports),
		cmocka_unit_test(test_drops_generation),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the DNS name table (src/dns/names.c): lookups by namespace
 * and address, several names per address, the preference for the answer the
 * connecting process or its ancestry received, TTL clamps and expiry, LRU
 * eviction and its counters, the [dns] options.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "names.h"

#define S 1000000000ull /* ns per second */
#define NETNS 4026531840u

static struct pt_dns_table *t;
static struct pt_dns_opts o;

static int setup(void **st)
{
	pt_dns_opts_init(&o);
	o.seed = 42;
	return pt_dns_table_new(&t, &o);
}

static int teardown(void **st)
{
	pt_dns_table_free(t);
	t = NULL;
	return 0;
}

/* A table with other options than the defaults. */
static void remake(uint32_t max_entries, uint32_t per_addr)
{
	pt_dns_table_free(t);
	o.max_entries = max_entries;
	o.names_per_addr = per_addr;
	assert_int_equal(pt_dns_table_new(&t, &o), 0);
}

static int add(uint32_t netns, const char *addr, const char *name, uint32_t tgid, uint32_t ttl,
	       uint64_t now)
{
	struct pt_dns_insert in = { 0 };
	uint8_t a[16];

	in.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(in.family, addr, a), 1);
	in.netns = netns;
	in.addr = a;
	in.tgid = tgid;
	in.ttl = ttl;
	in.name = name;
	return pt_dns_table_insert(t, &in, now);
}

/* The name found for addr, or NULL. */
static const char *find(uint32_t netns, const char *addr, uint64_t now, const uint32_t *anc,
			size_t n)
{
	static struct pt_dns_result r;
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	uint8_t a[16];

	assert_int_equal(inet_pton(family, addr, a), 1);
	if (pt_dns_table_lookup(t, netns, family, a, now, anc, n, &r))
		return NULL;
	return r.name;
}

static struct pt_dns_table_stats stats(void)
{
	struct pt_dns_table_stats s;

	pt_dns_table_stats(t, &s);
	return s;
}

static void test_basic(void **st)
{
	assert_null(find(NETNS, "192.0.2.1", 0, NULL, 0));
	assert_int_equal(add(NETNS, "192.0.2.1", "www.example.com", 100, 300, 1 * S), 1);
	assert_int_equal(add(NETNS, "2001:db8::1", "www.example.com", 100, 300, 1 * S), 1);
	assert_string_equal(find(NETNS, "192.0.2.1", 2 * S, NULL, 0), "www.example.com");
	assert_string_equal(find(NETNS, "2001:db8::1", 2 * S, NULL, 0), "www.example.com");
	/* another namespace, another address: nothing */
	assert_null(find(NETNS + 1, "192.0.2.1", 2 * S, NULL, 0));
	assert_null(find(NETNS, "192.0.2.2", 2 * S, NULL, 0));
	assert_null(find(NETNS, "2001:db8::2", 2 * S, NULL, 0));
	/* an IPv4-mapped IPv6 address is the IPv4 address */
	assert_string_equal(find(NETNS, "::ffff:192.0.2.1", 2 * S, NULL, 0), "www.example.com");
	assert_int_equal(add(NETNS, "::ffff:198.51.100.1", "mapped.example", 1, 300, 1 * S), 1);
	assert_string_equal(find(NETNS, "198.51.100.1", 2 * S, NULL, 0), "mapped.example");
	assert_int_equal(stats().entries, 3);
	assert_int_equal(stats().added, 3);
	assert_int_equal(stats().hits, 4);
}

static void test_result_fields(void **st)
{
	static const char *const chain[] = { "shop.cdn.example.net", "e1.a.cdn.example.net" };
	struct pt_dns_insert in = { 0 };
	struct pt_dns_result r;
	uint8_t a[4] = { 203, 0, 113, 9 };

	in.netns = NETNS;
	in.family = AF_INET;
	in.addr = a;
	in.tgid = 777;
	in.ttl = 120;
	in.name = "shop.example.com";
	in.cnames = chain;
	in.ncnames = 2;
	assert_int_equal(pt_dns_table_insert(t, &in, 10 * S), 1);
	assert_int_equal(pt_dns_table_lookup(t, NETNS, AF_INET, a, 11 * S, NULL, 0, &r), 0);
	assert_string_equal(r.name, "shop.example.com");
	assert_int_equal(r.ncnames, 2);
	assert_string_equal(r.cnames[0], "shop.cdn.example.net");
	assert_string_equal(r.cnames[1], "e1.a.cdn.example.net");
	assert_false(r.cnames_cut);
	assert_int_equal(r.tgid, 777);
	assert_int_equal(r.inserted_ns, 10 * S);
	assert_int_equal(r.expires_ns, 130 * S);

	/* bad input */
	in.family = AF_UNIX;
	assert_int_equal(pt_dns_table_insert(t, &in, 10 * S), -EINVAL);
	in.family = AF_INET;
	in.name = "";
	assert_int_equal(pt_dns_table_insert(t, &in, 10 * S), -EINVAL);
	in.name = "x";
	in.ncnames = PT_DNS_MAX_CNAMES + 1;
	assert_int_equal(pt_dns_table_insert(t, &in, 10 * S), -EINVAL);
	assert_int_equal(pt_dns_table_lookup(t, NETNS, AF_UNIX, a, 11 * S, NULL, 0, &r), -ENOENT);
}

/* A chain longer than an entry's text: cut, and the result says so. */
static void test_chain_cut(void **st)
{
	char names[PT_DNS_MAX_CNAMES][80];
	const char *chain[PT_DNS_MAX_CNAMES];
	struct pt_dns_insert in = { 0 };
	struct pt_dns_result r;
	uint8_t a[4] = { 192, 0, 2, 99 };
	unsigned i;

	for (i = 0; i < PT_DNS_MAX_CNAMES; i++) {
		snprintf(names[i], sizeof(names[i]), "link%u.%060u.example", i, i);
		chain[i] = names[i];
	}
	in.netns = NETNS;
	in.family = AF_INET;
	in.addr = a;
	in.ttl = 60;
	in.name = "start.example";
	in.cnames = chain;
	in.ncnames = PT_DNS_MAX_CNAMES;
	assert_int_equal(pt_dns_table_insert(t, &in, 0), 1);
	assert_int_equal(pt_dns_table_lookup(t, NETNS, AF_INET, a, 1, NULL, 0, &r), 0);
	assert_string_equal(r.name, "start.example");
	/* 256 bytes: the name (14) and 3 links of 76 + NUL */
	assert_int_equal(r.ncnames, 3);
	assert_true(r.cnames_cut);
	assert_string_equal(r.cnames[2], names[2]);
	/* refreshed with a short chain: no longer cut */
	in.ncnames = 1;
	assert_int_equal(pt_dns_table_insert(t, &in, 2), 0);
	assert_int_equal(pt_dns_table_lookup(t, NETNS, AF_INET, a, 3, NULL, 0, &r), 0);
	assert_int_equal(r.ncnames, 1);
	assert_false(r.cnames_cut);
}

static void test_two_names_newest(void **st)
{
	assert_int_equal(add(NETNS, "192.0.2.50", "a.example", 10, 300, 1 * S), 1);
	assert_int_equal(add(NETNS, "192.0.2.50", "b.example", 20, 300, 2 * S), 1);
	/* both kept; nobody in the ancestry received either: the newest */
	assert_string_equal(find(NETNS, "192.0.2.50", 3 * S, NULL, 0), "b.example");
	{
		const uint32_t anc[] = { 99, 98, 1 };

		assert_string_equal(find(NETNS, "192.0.2.50", 3 * S, anc, 3), "b.example");
	}
	/* a.example asked again: now it is the newest, refreshed not added */
	assert_int_equal(add(NETNS, "192.0.2.50", "a.example", 10, 300, 4 * S), 0);
	assert_string_equal(find(NETNS, "192.0.2.50", 5 * S, NULL, 0), "a.example");
	assert_int_equal(stats().entries, 2);
	assert_int_equal(stats().refreshed, 1);
}

static void test_ancestry_preference(void **st)
{
	/* pid 10 (curl, child of shell 5) resolved old.example; later pid 20
	 * (another program) resolved new.example to the same address */
	assert_int_equal(add(NETNS, "192.0.2.60", "old.example", 10, 300, 1 * S), 1);
	assert_int_equal(add(NETNS, "192.0.2.60", "new.example", 20, 300, 2 * S), 1);
	assert_int_equal(add(NETNS, "192.0.2.60", "shell.example", 5, 300, 3 * S), 1);
	{
		/* the connecting process itself received old.example */
		const uint32_t curl[] = { 10, 5, 1 };
		/* a child of curl: its parent's answer beats the shell's */
		const uint32_t child[] = { 11, 10, 5, 1 };
		/* a sibling of curl: the shell (its parent) received shell.example */
		const uint32_t sibling[] = { 12, 5, 1 };
		/* a process of another tree: the newest */
		const uint32_t other[] = { 30, 1 };

		assert_string_equal(find(NETNS, "192.0.2.60", 4 * S, curl, 3), "old.example");
		assert_string_equal(find(NETNS, "192.0.2.60", 4 * S, child, 4), "old.example");
		assert_string_equal(find(NETNS, "192.0.2.60", 4 * S, sibling, 3), "shell.example");
		assert_string_equal(find(NETNS, "192.0.2.60", 4 * S, other, 2), "shell.example");
		assert_string_equal(find(NETNS, "192.0.2.60", 4 * S, curl, 0), "shell.example");
		/* the receiver's answer expired: its parent's, then the newest */
		assert_int_equal(add(NETNS, "192.0.2.60", "new.example", 20, 300, 5 * S), 0);
		assert_string_equal(find(NETNS, "192.0.2.60", 302 * S, curl, 3), "shell.example");
		assert_string_equal(find(NETNS, "192.0.2.60", 304 * S, curl, 3), "new.example");
		assert_null(find(NETNS, "192.0.2.60", 305 * S, curl, 3));
	}
}

static void test_ttl(void **st)
{
	/* TTL 0 and 5: held for min_ttl (60 s) */
	assert_int_equal(add(NETNS, "192.0.2.70", "zero.example", 1, 0, 100 * S), 1);
	assert_int_equal(add(NETNS, "192.0.2.71", "five.example", 1, 5, 100 * S), 1);
	assert_int_equal(add(NETNS, "192.0.2.72", "hour.example", 1, 3600, 100 * S), 1);
	assert_int_equal(add(NETNS, "192.0.2.73", "huge.example", 1, 0x7fffffff, 100 * S), 1);
	assert_non_null(find(NETNS, "192.0.2.70", 159 * S, NULL, 0));
	assert_non_null(find(NETNS, "192.0.2.71", 159 * S, NULL, 0));
	/* expired entries are never returned, swept or not */
	assert_null(find(NETNS, "192.0.2.70", 160 * S, NULL, 0));
	assert_null(find(NETNS, "192.0.2.71", 160 * S, NULL, 0));
	assert_non_null(find(NETNS, "192.0.2.72", 3699 * S, NULL, 0));
	assert_null(find(NETNS, "192.0.2.72", 3700 * S, NULL, 0));
	/* a 68-year TTL: one day (max_ttl) */
	assert_non_null(find(NETNS, "192.0.2.73", (100 + 86399) * S, NULL, 0));
	assert_null(find(NETNS, "192.0.2.73", (100 + 86400) * S, NULL, 0));
	assert_int_equal(stats().entries, 4);
	/* the sweep */
	assert_int_equal(pt_dns_table_expire(t, 159 * S), 0);
	assert_int_equal(pt_dns_table_expire(t, 160 * S), 2);
	assert_int_equal(stats().entries, 2);
	assert_int_equal(stats().expired, 2);
	assert_int_equal(pt_dns_table_expire(t, 1000000 * S), 2);
	assert_int_equal(stats().entries, 0);
	/* emptied: usable again */
	assert_int_equal(add(NETNS, "192.0.2.70", "again.example", 1, 60, 2000000 * S), 1);
	assert_string_equal(find(NETNS, "192.0.2.70", 2000001 * S, NULL, 0), "again.example");
	/* other clamps */
	o.min_ttl = 0;
	o.max_ttl = 10;
	remake(16, 4);
	assert_int_equal(add(NETNS, "192.0.2.74", "short.example", 1, 3, 0), 1);
	assert_int_equal(add(NETNS, "192.0.2.75", "capped.example", 1, 3600, 0), 1);
	assert_non_null(find(NETNS, "192.0.2.74", 2 * S, NULL, 0));
	assert_null(find(NETNS, "192.0.2.74", 3 * S, NULL, 0));
	assert_null(find(NETNS, "192.0.2.75", 10 * S, NULL, 0));
	o.min_ttl = PT_DNS_DEFAULT_MIN_TTL;
	o.max_ttl = PT_DNS_DEFAULT_MAX_TTL;
}

static void test_per_address_bound(void **st)
{
	remake(64, 2);
	assert_int_equal(add(NETNS, "192.0.2.80", "one.example", 1, 300, 1 * S), 1);
	assert_int_equal(add(NETNS, "192.0.2.80", "two.example", 2, 300, 2 * S), 1);
	assert_int_equal(add(NETNS, "192.0.2.80", "three.example", 3, 300, 3 * S), 1);
	/* the oldest of that address made room, and is counted */
	assert_int_equal(stats().entries, 2);
	assert_int_equal(stats().evicted_addr, 1);
	assert_int_equal(stats().evicted, 0);
	{
		const uint32_t anc1[] = { 1 }, anc2[] = { 2 };

		assert_string_equal(find(NETNS, "192.0.2.80", 4 * S, anc1, 1), "three.example");
		assert_string_equal(find(NETNS, "192.0.2.80", 4 * S, anc2, 1), "two.example");
	}
	/* another address is not affected */
	assert_int_equal(add(NETNS, "192.0.2.81", "one.example", 1, 300, 5 * S), 1);
	assert_int_equal(stats().evicted_addr, 1);
}

static void test_eviction(void **st)
{
	char addr[32], name[32];
	int i;

	remake(16, 4);
	for (i = 0; i < 20; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%d", i);
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(add(NETNS, addr, name, 1, 300, (uint64_t)(i + 1) * S), 1);
		/* keep 10.0.0.0 in use: the LRU spares it */
		if (i >= 1)
			assert_string_equal(find(NETNS, "10.0.0.0", (uint64_t)(i + 1) * S, NULL, 0),
					    "n0.example");
	}
	assert_int_equal(stats().entries, 16);
	assert_int_equal(stats().capacity, 16);
	assert_int_equal(stats().evicted, 4);
	assert_int_equal(stats().expired, 0);
	/* the four least recently used went: 1, 2, 3, 4 */
	for (i = 1; i <= 4; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%d", i);
		assert_null(find(NETNS, addr, 21 * S, NULL, 0));
	}
	for (i = 5; i < 20; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%d", i);
		assert_non_null(find(NETNS, addr, 21 * S, NULL, 0));
	}
	assert_non_null(find(NETNS, "10.0.0.0", 21 * S, NULL, 0));

	/* an expired entry making room counts as expired, not evicted */
	remake(16, 4);
	for (i = 0; i < 16; i++) {
		snprintf(addr, sizeof(addr), "10.1.0.%d", i);
		assert_int_equal(add(NETNS, addr, "x.example", 1, 60, 0), 1);
	}
	assert_int_equal(add(NETNS, "10.1.1.1", "late.example", 1, 60, 100 * S), 1);
	assert_int_equal(stats().evicted, 0);
	assert_int_equal(stats().expired, 1);
	assert_int_equal(stats().entries, 16);
}

/* Many operations on a small table: its invariants hold throughout. */
static void test_churn(void **st)
{
	struct pt_dns_table_stats s;
	struct pt_dns_result r;
	uint32_t anc[3];
	uint8_t a[16];
	uint64_t now = 0;
	unsigned i, seed = 1;
	char name[32];

	remake(32, 3);
	for (i = 0; i < 200000; i++) {
		struct pt_dns_insert in = { 0 };

		seed = seed * 1103515245u + 12345u;
		memset(a, 0, sizeof(a));
		a[0] = 10;
		a[3] = (uint8_t)(seed >> 16) % 48;
		now += (seed >> 8) % 3 * S / 4;
		if ((seed >> 4) % 4) {
			snprintf(name, sizeof(name), "n%u.example", (seed >> 20) % 5);
			in.netns = (seed >> 12) % 2;
			in.family = (seed >> 13) % 2 ? AF_INET : AF_INET6;
			in.addr = a;
			in.tgid = (seed >> 14) % 8;
			in.ttl = (seed >> 24) % 120;
			in.name = name;
			assert_true(pt_dns_table_insert(t, &in, now) >= 0);
		} else {
			anc[0] = (seed >> 14) % 8, anc[1] = 3, anc[2] = 1;
			if (!pt_dns_table_lookup(t, (seed >> 12) % 2, (seed >> 13) % 2 ? AF_INET : AF_INET6,
						 a, now, anc, 3, &r))
				assert_true(r.expires_ns > now && r.inserted_ns <= now);
		}
		if (i % 1000 == 0)
			pt_dns_table_expire(t, now);
		pt_dns_table_stats(t, &s);
		assert_true(s.entries <= 32);
		assert_int_equal(s.added - s.evicted - s.evicted_addr - s.expired, s.entries);
	}
	pt_dns_table_expire(t, now + 100000 * S);
	pt_dns_table_stats(t, &s);
	assert_int_equal(s.entries, 0);
	assert_true(s.evicted > 0 && s.evicted_addr > 0 && s.expired > 0 && s.refreshed > 0);
}

static void test_opts(void **st)
{
	struct pt_dns_opts p;
	char err[128];

	pt_dns_opts_init(&p);
	assert_int_equal(p.max_entries, PT_DNS_DEFAULT_ENTRIES);
	assert_int_equal(pt_dns_opts_set(&p, "max_entries", "100000", err, sizeof(err)), 0);
	assert_int_equal(p.max_entries, 100000);
	assert_int_equal(pt_dns_opts_set(&p, "min_ttl", "0", err, sizeof(err)), 0);
	assert_int_equal(pt_dns_opts_set(&p, "max_ttl", "3600", err, sizeof(err)), 0);
	assert_int_equal(pt_dns_opts_set(&p, "names_per_address", "8", err, sizeof(err)), 0);
	assert_int_equal(pt_dns_opts_check(&p, err, sizeof(err)), 0);
	assert_int_equal(pt_dns_opts_set(&p, "max_entries", "15", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "max_entries: '15' is not a number in 16-1048576");
	assert_int_equal(pt_dns_opts_set(&p, "max_entries", "1e3", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&p, "max_entries", "-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&p, "max_entries", "", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&p, "names_per_address", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&p, "max_ttl", "99999999999", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&p, "ttl", "1", err, sizeof(err)), -ENOENT);
	assert_int_equal(p.max_entries, 100000); /* bad values change nothing */
	p.min_ttl = 4000;
	assert_int_equal(pt_dns_opts_check(&p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "min_ttl"));
	{
		struct pt_dns_table *x = (struct pt_dns_table *)&p;

		assert_int_equal(pt_dns_table_new(&x, &p), -EINVAL);
		assert_null(x);
	}
	/* the memory figure: about 350 bytes an entry */
	assert_true(pt_dns_table_bytes(8192) > 8192u * 300 && pt_dns_table_bytes(8192) < 8192u * 400);
	printf("# [dns] max_entries=%u: %zu bytes\n", PT_DNS_DEFAULT_ENTRIES,
	       pt_dns_table_bytes(PT_DNS_DEFAULT_ENTRIES));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_result_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_names_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ancestry_preference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_per_address_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_churn, setup, teardown),
		cmocka_unit_test(test_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

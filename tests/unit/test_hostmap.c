// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the hosts(5) parser and the merged address map (hostmap.c):
 * comments, several names, IPv6, IPv4-mapped addresses, malformed lines
 * with their file:line warnings, the last-wins merge, loading from files.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hostmap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct warns {
	int n;
	char file[8][64];
	int line[8];
	char msg[8][256];
};

static void collect(void *ctx, const char *file, int line, const char *msg)
{
	struct warns *w = ctx;

	if (w->n < 8) {
		snprintf(w->file[w->n], sizeof(w->file[0]), "%s", file);
		w->line[w->n] = line;
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	}
	w->n++;
}

static void parse(const char *text, struct pt_hosttab *tab, struct warns *w)
{
	assert_int_equal(pt_hosts_parse(text, strlen(text), "hosts.test", tab, collect, w), 0);
}

/* Build a map of one table and look addr up. */
static const char *lookup1(const struct pt_hosttab *tab, struct pt_hostmap *m, const char *addr)
{
	const struct pt_hosttab *tabs[] = { tab };

	assert_int_equal(pt_hostmap_build(m, tabs, 1), 0);
	return pt_hostmap_lookup(m, addr);
}

static void test_basic(void **st)
{
	struct pt_hosttab tab = { 0 };
	struct pt_hostmap m = { 0 };
	struct warns w = { 0 };

	parse("# a comment line\n"
	      "\n"
	      "   \t  \n"
	      "127.0.0.1\tlocalhost\n"
	      "10.0.0.1   web1.example.com   web1  # inline comment\n"
	      "10.0.0.2 db#not-a-name\n"
	      "::1 ip6-localhost ip6-loopback\n"
	      "fe80::1:2  link6\r\n"
	      "  192.168.1.1 indented\n"
	      "2001:db8::ff last-line-without-newline",
	      &tab, &w);
	assert_int_equal(w.n, 0);
	assert_int_equal(tab.n, 7);
	assert_string_equal(lookup1(&tab, &m, "127.0.0.1"), "localhost");
	/* several names: all of them, one space apart (pidtree-bcc) */
	assert_string_equal(pt_hostmap_lookup(&m, "10.0.0.1"), "web1.example.com web1");
	assert_string_equal(pt_hostmap_lookup(&m, "10.0.0.2"), "db");
	assert_string_equal(pt_hostmap_lookup(&m, "::1"), "ip6-localhost ip6-loopback");
	/* any spelling of the same IPv6 address */
	assert_string_equal(pt_hostmap_lookup(&m, "0:0:0:0:0:0:0:1"), "ip6-localhost ip6-loopback");
	assert_string_equal(pt_hostmap_lookup(&m, "fe80:0::1:2"), "link6");
	assert_string_equal(pt_hostmap_lookup(&m, "192.168.1.1"), "indented");
	assert_string_equal(pt_hostmap_lookup(&m, "2001:db8::ff"), "last-line-without-newline");
	assert_null(pt_hostmap_lookup(&m, "10.0.0.3"));
	assert_null(pt_hostmap_lookup(&m, "::2"));
	assert_null(pt_hostmap_lookup(&m, ""));
	assert_null(pt_hostmap_lookup(&m, NULL));
	assert_null(pt_hostmap_lookup(&m, "not-an-address"));
	assert_int_equal(m.n, 7);
	pt_hostmap_free(&m);
	pt_hosttab_free(&tab);
}

static void test_v4_mapped(void **st)
{
	struct pt_hosttab tab = { 0 };
	struct pt_hostmap m = { 0 };
	struct warns w = { 0 };
	uint8_t bin[16] = { 0 };

	parse("::ffff:10.1.2.3 mapped-in-file\n10.9.9.9 plain\n", &tab, &w);
	assert_int_equal(w.n, 0);
	/* a mapped address in the file is the IPv4 address */
	assert_string_equal(lookup1(&tab, &m, "10.1.2.3"), "mapped-in-file");
	assert_string_equal(pt_hostmap_lookup(&m, "::ffff:10.1.2.3"), "mapped-in-file");
	/* and a mapped address looked up finds the IPv4 entry */
	assert_string_equal(pt_hostmap_lookup(&m, "::ffff:10.9.9.9"), "plain");
	bin[10] = bin[11] = 0xff;
	bin[12] = 10, bin[13] = 9, bin[14] = 9, bin[15] = 9;
	assert_string_equal(pt_hostmap_lookup_bin(&m, AF_INET6, bin), "plain");
	assert_string_equal(pt_hostmap_lookup_bin(&m, AF_INET, bin + 12), "plain");
	assert_null(pt_hostmap_lookup_bin(&m, AF_UNIX, bin));
	pt_hostmap_free(&m);
	pt_hosttab_free(&tab);
}

static void test_malformed(void **st)
{
	static const char text[] =
		"10.0.0.1 good1\n"                     /* 1 */
		"10.0.0.256 bad-octet\n"               /* 2 */
		"10.0.0.5\n"                           /* 3: no name */
		"10.0.0.6   # only a comment after\n"  /* 4: no name */
		"fe80::1%eth0 zoned\n"                 /* 5 */
		"hostname-first 10.0.0.7\n"            /* 6 */
		"10.1 short-form\n"                    /* 7: inet_aton form, refused */
		"10.0.0.8 nul\0byte\n"                 /* 8 */
		"0123456789012345678901234567890123456789012345678901234567890123456789 x\n" /* 9 */
		"10.0.0.9 good2\n";                    /* 10 */
	struct pt_hosttab tab = { 0 };
	struct pt_hostmap m = { 0 };
	struct warns w = { 0 };
	static const struct {
		int line;
		const char *frag;
	} want[] = {
		{ 2, "'10.0.0.256' is not an IPv4 or IPv6 address; line ignored" },
		{ 3, "address 10.0.0.5 without a host name" },
		{ 4, "address 10.0.0.6 without a host name" },
		{ 5, "zone indexes are not supported" },
		{ 6, "'hostname-first' is not an IPv4 or IPv6 address" },
		{ 7, "'10.1' is not an IPv4 or IPv6 address" },
		{ 8, "NUL byte" },
		{ 9, "is not an IPv4 or IPv6 address" },
	};

	assert_int_equal(pt_hosts_parse(text, sizeof(text) - 1, "hosts.test", &tab, collect, &w),
			 0);
	assert_int_equal(w.n, (int)ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(w.file[i], "hosts.test");
		assert_int_equal(w.line[i], want[i].line);
		if (!strstr(w.msg[i], want[i].frag))
			fail_msg("line %d: '%s' lacks '%s'", want[i].line, w.msg[i], want[i].frag);
	}
	assert_int_equal(tab.n, 2);
	assert_string_equal(lookup1(&tab, &m, "10.0.0.1"), "good1");
	assert_string_equal(pt_hostmap_lookup(&m, "10.0.0.9"), "good2");
	assert_null(pt_hostmap_lookup(&m, "10.0.0.5"));
	/* no warning callback: still parsed */
	assert_int_equal(pt_hosts_parse(text, sizeof(text) - 1, "x", &tab, NULL, NULL), 0);
	assert_int_equal(tab.n, 2);
	pt_hostmap_free(&m);
	pt_hosttab_free(&tab);
}

static void test_last_wins(void **st)
{
	struct pt_hosttab a = { 0 }, b = { 0 }, empty = { 0 };
	struct pt_hostmap m = { 0 };
	struct warns w = { 0 };
	const struct pt_hosttab *ab[] = { &a, &empty, &b };
	const struct pt_hosttab *ba[] = { &b, &a };

	parse("10.0.0.1 first\n10.0.0.2 only-a\n10.0.0.1 second-in-a\n", &a, &w);
	parse("10.0.0.1 from-b\n::1 v6-b\n", &b, &w);
	/* within a file, the later line wins */
	assert_string_equal(lookup1(&a, &m, "10.0.0.1"), "second-in-a");
	assert_int_equal(m.n, 2);
	/* across files, the later file wins */
	assert_int_equal(pt_hostmap_build(&m, ab, 3), 0);
	assert_string_equal(pt_hostmap_lookup(&m, "10.0.0.1"), "from-b");
	assert_string_equal(pt_hostmap_lookup(&m, "10.0.0.2"), "only-a");
	assert_string_equal(pt_hostmap_lookup(&m, "::1"), "v6-b");
	assert_int_equal(m.n, 3);
	assert_int_equal(pt_hostmap_build(&m, ba, 2), 0);
	assert_string_equal(pt_hostmap_lookup(&m, "10.0.0.1"), "second-in-a");
	/* empty map */
	assert_int_equal(pt_hostmap_build(&m, NULL, 0), 0);
	assert_null(pt_hostmap_lookup(&m, "10.0.0.1"));
	pt_hostmap_free(&m);
	/* a never-built map */
	assert_null(pt_hostmap_lookup(&m, "10.0.0.1"));
	pt_hosttab_free(&a);
	pt_hosttab_free(&b);
}

static void test_many(void **st)
{
	struct pt_hosttab tab = { 0 };
	struct pt_hostmap m = { 0 };
	const struct pt_hosttab *tabs[] = { &tab };
	char *text = malloc(40 * 20000), addr[64], name[64];
	size_t len = 0;

	assert_non_null(text);
	for (int i = 0; i < 20000; i++) {
		if (i % 2)
			len += (size_t)sprintf(text + len, "10.%d.%d.%d h%d\n", i >> 16,
					       (i >> 8) & 255, i & 255, i);
		else
			len += (size_t)sprintf(text + len, "fd00::%x h%d\n", i, i);
	}
	assert_int_equal(pt_hosts_parse(text, len, "big", &tab, NULL, NULL), 0);
	assert_int_equal(tab.n, 20000);
	assert_int_equal(pt_hostmap_build(&m, tabs, 1), 0);
	assert_int_equal(m.n, 20000);
	assert_true(m.cap >= 2 * m.n);
	for (int i = 0; i < 20000; i++) {
		if (i % 2)
			sprintf(addr, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		else
			sprintf(addr, "fd00::%x", i);
		sprintf(name, "h%d", i);
		assert_string_equal(pt_hostmap_lookup(&m, addr), name);
	}
	assert_null(pt_hostmap_lookup(&m, "fd00::1"));
	pt_hostmap_free(&m);
	pt_hosttab_free(&tab);
	free(text);
}

static void test_load(void **st)
{
	char dir[] = "/tmp/pt-hostmap-XXXXXX", path[128];
	struct pt_hosttab tab = { 0 };
	struct warns w = { 0 };
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hosts", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("10.0.0.1 one\nbogus line\n", f);
	fclose(f);
	assert_int_equal(pt_hosts_load(path, &tab, collect, &w), 0);
	assert_int_equal(tab.n, 1);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.file[0], path);
	assert_int_equal(w.line[0], 2);
	/* unreadable: an error, and the table is left as it was */
	unlink(path);
	assert_int_equal(pt_hosts_load(path, &tab, collect, &w), -ENOENT);
	assert_int_equal(tab.n, 1);
	assert_int_equal(pt_hosts_load(dir, &tab, collect, &w), -EISDIR);
	assert_int_equal(tab.n, 1);
	/* empty file: no entries */
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(pt_hosts_load(path, &tab, collect, &w), 0);
	assert_int_equal(tab.n, 0);
	unlink(path);
	rmdir(dir);
	pt_hosttab_free(&tab);
}

static void test_addr_parse(void **st)
{
	uint8_t a[16];
	int fam;

	assert_int_equal(pt_host_addr_parse("1.2.3.4", &fam, a), 0);
	assert_int_equal(fam, AF_INET);
	assert_memory_equal(a, "\x01\x02\x03\x04", 4);
	assert_int_equal(pt_host_addr_parse("::ffff:1.2.3.4", &fam, a), 0);
	assert_int_equal(fam, AF_INET);
	assert_memory_equal(a, "\x01\x02\x03\x04", 4);
	assert_int_equal(pt_host_addr_parse("2001:db8::1", &fam, a), 0);
	assert_int_equal(fam, AF_INET6);
	assert_int_equal(pt_host_addr_parse("1.2.3", &fam, a), -EINVAL);
	assert_int_equal(pt_host_addr_parse("", &fam, a), -EINVAL);
	assert_int_equal(pt_host_addr_parse(" 1.2.3.4", &fam, a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),	   cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_malformed),  cmocka_unit_test(test_last_wins),
		cmocka_unit_test(test_many),	   cmocka_unit_test(test_load),
		cmocka_unit_test(test_addr_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the event helpers (src/event.c): each probe's event as JSON,
 * optional and plugin fields, hostile cmdlines, errors, addresses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "clock.h"
#include "event.h"
#include "event_json.h"
#include "schemas.h"
#include "json.h"
#include "json_check.h"

/* ---- helpers ------------------------------------------------------------ */

static void init_event(struct pt_event *ev)
{
	static const char *const cmd[] = { "weechat", "-zsh", "/sbin/init" };
	static const char *const user[] = { "oholiab", "oholiab", "root" };
	static const uint32_t pid[] = { 1775, 23231, 1 };
	size_t i;

	memset(ev, 0, sizeof(*ev));
	ev->probe = probe_info("tcp_connect");
	ev->ts_us = 1795858965759464ull;
	ev->pid = 1775;
	ev->nproc = 3;
	for (i = 0; i < 3; i++) {
		ev->proctree[i].pid = pid[i];
		ev->proctree[i].loginuid = 4294967295u;
		ev->proctree[i].cmdline = cmd[i];
		ev->proctree[i].username = user[i];
	}
}

static const char *event_json(struct pt_buf *b, const struct pt_event *ev)
{
	pt_buf_reset(b);
	pt_json_event(b, ev);
	assert_false(b->oom);
	assert_true(json_valid(b->data, b->len));
	return pt_buf_str(b);
}

/* The event serialised equals want exactly. */
static void expect_event(struct pt_buf *b, const struct pt_event *ev, const char *want)
{
	assert_string_equal(event_json(b, ev), want);
}

/* The event serialised contains part. */
static void expect_part(struct pt_buf *b, const struct pt_event *ev, const char *part)
{
	const char *got = event_json(b, ev);

	if (!strstr(got, part))
		fail_msg("\"%s\" not found in %s", part, got);
}

/* ---- events ------------------------------------------------------------- */

static void test_event_tcp_connect(void **state)
{
	struct pt_event ev;
	struct pt_buf b;
	char *first;

	init_event(&ev);
	strcpy(ev.daddr, "185.30.166.37");
	strcpy(ev.saddr, "10.1.2.3");
	ev.port = 6697;
	ev.has_port = true;
	pt_buf_init(&b);
	expect_event(&b, &ev,
		"{\"timestamp\":\"2026-11-28T09:42:45.759464Z\",\"probe\":\"tcp_connect\","
		"\"pid\":1775,\"proctree\":[{\"pid\":1775,\"cmdline\":\"weechat\","
		"\"username\":\"oholiab\"},{\"pid\":23231,\"cmdline\":\"-zsh\","
		"\"username\":\"oholiab\"},{\"pid\":1,\"cmdline\":\"/sbin/init\","
		"\"username\":\"root\"}],\"daddr\":\"185.30.166.37\",\"saddr\":\"10.1.2.3\","
		"\"port\":6697,\"error\":\"\"}");

	/* the buffer is reused: same output, no new allocation */
	first = b.data;
	event_json(&b, &ev);
	assert_ptr_equal(b.data, first);

	pt_buf_reset(&b);
	pt_json_proctree(&b, &ev);
	assert_string_equal(pt_buf_str(&b),
			    "[{\"pid\":1775,\"cmdline\":\"weechat\",\"username\":\"oholiab\"},"
			    "{\"pid\":23231,\"cmdline\":\"-zsh\",\"username\":\"oholiab\"},"
			    "{\"pid\":1,\"cmdline\":\"/sbin/init\",\"username\":\"root\"}]");

	/* IPv6, an error and the largest numbers */
	strcpy(ev.daddr, "2001:db8::1");
	strcpy(ev.saddr, "::1");
	ev.port = 65535;
	ev.pid = 4294967295u;
	ev.nproc = 1;
	ev.proctree[0].pid = 4294967295u;
	pt_event_add_error(&ev, "ancestry truncated");
	expect_event(&b, &ev,
		"{\"timestamp\":\"2026-11-28T09:42:45.759464Z\",\"probe\":\"tcp_connect\","
		"\"pid\":4294967295,\"proctree\":[{\"pid\":4294967295,"
		"\"cmdline\":\"weechat\",\"username\":\"oholiab\"}],"
		"\"daddr\":\"2001:db8::1\",\"saddr\":\"::1\",\"port\":65535,"
		"\"error\":\"ancestry truncated\"}");

	/* empty proctree */
	ev.nproc = 0;
	expect_part(&b, &ev, "\"proctree\":[],");
	pt_buf_free(&b);
}

static void test_event_net_listen(void **state)
{
	struct pt_event ev;
	struct pt_buf b;

	init_event(&ev);
	ev.probe = probe_info("net_listen");
	ev.ts_us = 0;
	ev.nproc = 1;
	strcpy(ev.laddr, "0.0.0.0");
	ev.port = 22;
	ev.has_port = true;
	ev.protocol = "tcp";
	pt_buf_init(&b);
	expect_event(&b, &ev,
		"{\"timestamp\":\"1970-01-01T00:00:00.000000Z\",\"probe\":\"net_listen\","
		"\"pid\":1775,\"proctree\":[{\"pid\":1775,\"cmdline\":\"weechat\","
		"\"username\":\"oholiab\"}],\"laddr\":\"0.0.0.0\",\"port\":22,"
		"\"protocol\":\"tcp\",\"error\":\"\"}");
	/* snapshot flag added by the probe */
	assert_int_equal(pt_event_add_bool(&ev, "snapshot", true), 0);
	ev.protocol = "udp";
	strcpy(ev.laddr, "::");
	expect_event(&b, &ev,
		"{\"timestamp\":\"1970-01-01T00:00:00.000000Z\",\"probe\":\"net_listen\","
		"\"pid\":1775,\"proctree\":[{\"pid\":1775,\"cmdline\":\"weechat\","
		"\"username\":\"oholiab\"}],\"laddr\":\"::\",\"port\":22,"
		"\"protocol\":\"udp\",\"error\":\"\",\"snapshot\":true}");
	pt_buf_free(&b);
}

static void test_event_udp_session(void **state)
{
	struct pt_udp_dest d[3];
	struct pt_event ev;
	struct pt_buf b;

	memset(d, 0, sizeof(d));
	strcpy(d[0].daddr, "1.1.1.1");
	d[0].port = 53;
	d[0].duration = 1.25;
	d[0].msg_count = 2;
	strcpy(d[1].daddr, "2606:4700::1111");
	d[1].port = 443;
	d[1].duration = 2;
	d[1].msg_count = 18446744073709551615ull;
	strcpy(d[2].daddr, "9.9.9.9");
	d[2].port = 1;
	d[2].duration = 0.0000004; /* rounds to 0 */
	d[2].msg_count = 0;

	init_event(&ev);
	ev.probe = probe_info("udp_session");
	ev.nproc = 1;
	ev.dests = d;
	ev.ndests = 1;
	pt_buf_init(&b);
	expect_event(&b, &ev,
		"{\"timestamp\":\"2026-11-28T09:42:45.759464Z\",\"probe\":\"udp_session\","
		"\"pid\":1775,\"proctree\":[{\"pid\":1775,\"cmdline\":\"weechat\","
		"\"username\":\"oholiab\"}],\"destinations\":[{\"daddr\":\"1.1.1.1\","
		"\"port\":53,\"duration\":1.25,\"msg_count\":2}],\"error\":\"\"}");

	ev.ndests = 3;
	ev.protocol = "udp";
	expect_part(&b, &ev,
		"\"destinations\":[{\"daddr\":\"1.1.1.1\",\"port\":53,\"duration\":1.25,"
		"\"msg_count\":2},{\"daddr\":\"2606:4700::1111\",\"port\":443,"
		"\"duration\":2.0,\"msg_count\":18446744073709551615},"
		"{\"daddr\":\"9.9.9.9\",\"port\":1,\"duration\":0.0,\"msg_count\":0}],"
		"\"protocol\":\"udp\",\"error\":\"\"}");

	/* duration formatting: 6 decimals at most, rounded; junk clamped to 0 */
	ev.ndests = 1;
	d[0].duration = 123.4567894;
	expect_part(&b, &ev, "\"duration\":123.456789,");
	d[0].duration = 0.0000015;
	expect_part(&b, &ev, "\"duration\":0.000002,");
	d[0].duration = 119.9999999;
	expect_part(&b, &ev, "\"duration\":120.0,");
	d[0].duration = -3;
	expect_part(&b, &ev, "\"duration\":0.0,");
	d[0].duration = __builtin_nan("");
	expect_part(&b, &ev, "\"duration\":0.0,");
	d[0].duration = __builtin_inf();
	expect_part(&b, &ev, "\"duration\":0.0,");
	pt_buf_free(&b);
}

static void test_event_fields(void **state)
{
	static const char key56[] = "k234567890123456789012345678901234567890123456789012345_";
	static const char key57[] = "k234567890123456789012345678901234567890123456789012345_7";
	struct pt_event ev;
	struct pt_buf b;
	char key[PT_EVENT_MAX_FIELDS][12];
	int i;

	init_event(&ev);
	ev.nproc = 1;
	assert_int_equal(pt_event_add_str(&ev, "source_host", "web-1.example"), 0);
	assert_int_equal(pt_event_add_int(&ev, "answer", -42), 0);
	assert_int_equal(pt_event_add_bool(&ev, "snapshot", false), 0);
	assert_int_equal(pt_event_add_int(&ev, "min", INT64_MIN), 0);
	assert_int_equal(pt_event_add_int(&ev, "max", INT64_MAX), 0);
	assert_int_equal(ev.nfields, 5);
	pt_buf_init(&b);
	expect_event(&b, &ev,
		"{\"timestamp\":\"2026-11-28T09:42:45.759464Z\",\"probe\":\"tcp_connect\","
		"\"pid\":1775,\"proctree\":[{\"pid\":1775,\"cmdline\":\"weechat\","
		"\"username\":\"oholiab\"}],\"error\":\"\",\"source_host\":\"web-1.example\","
		"\"answer\":-42,\"snapshot\":false,\"min\":-9223372036854775808,"
		"\"max\":9223372036854775807}");

	/* a key already present is replaced in place, type included */
	assert_int_equal(pt_event_add_int(&ev, "source_host", 7), 0);
	assert_int_equal(pt_event_add_str(&ev, "answer", "a\"b"), 0);
	assert_int_equal(ev.nfields, 5);
	expect_part(&b, &ev,
		"\"error\":\"\",\"source_host\":7,\"answer\":\"a\\\"b\",\"snapshot\":false,");

	/* bad keys */
	assert_int_equal(pt_event_add_str(&ev, "", "x"), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, NULL, "x"), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, "Upper", "x"), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, "with-dash", "x"), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, "quote\"", "x"), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, "sp ace", "x"), -EINVAL);
	assert_int_equal(pt_event_add_int(&ev, "pid", 1), -EINVAL);
	assert_int_equal(pt_event_add_int(&ev, "port", 1), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, "error", "x"), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, "ok_key", NULL), -EINVAL);
	/* 56 characters: the longest key */
	assert_int_equal(pt_event_add_bool(&ev, key56, true), 0);
	assert_int_equal(pt_event_add_bool(&ev, key57, true), -EINVAL);
	assert_int_equal(ev.nfields, 6);

	/* full */
	for (i = 0; ev.nfields < PT_EVENT_MAX_FIELDS; i++) {
		snprintf(key[i], sizeof(key[i]), "k%d", i);
		assert_int_equal(pt_event_add_int(&ev, key[i], i), 0);
	}
	assert_int_equal(pt_event_add_int(&ev, "one_more", 1), -ENOSPC);
	assert_int_equal(pt_event_add_int(&ev, "k0", 100), 0); /* replacing still works */
	expect_part(&b, &ev, "\"k0\":100,");
	pt_buf_free(&b);
}

/* containers: container_name and container{} after the probe's keys, before error */
static void test_event_container(void **state)
{
	struct pt_event_container c = {
		.id = "767180e321f5963eb2cea8c26d75366220b3d7cae6c07c00ffb1ce23689070c6",
		.name = "web", .image = "localhost/web:1", .runtime = "podman", .pod = "",
		.pod_namespace = "",
	};
	struct pt_event ev;
	struct pt_buf b;

	init_event(&ev);
	ev.nproc = 1;
	strcpy(ev.daddr, "127.0.0.1");
	strcpy(ev.saddr, "127.0.0.1");
	ev.port = 80;
	ev.container = &c;
	assert_int_equal(pt_event_add_str(&ev, "source_host", "h"), 0);
	pt_buf_init(&b);
	expect_event(&b, &ev,
		"{\"timestamp\":\"2026-11-28T09:42:45.759464Z\",\"probe\":\"tcp_connect\","
		"\"pid\":1775,\"proctree\":[{\"pid\":1775,\"cmdline\":\"weechat\","
		"\"username\":\"oholiab\"}],\"daddr\":\"127.0.0.1\",\"saddr\":\"127.0.0.1\","
		"\"port\":80,\"container_name\":\"web\",\"container\":{\"id\":"
		"\"767180e321f5963eb2cea8c26d75366220b3d7cae6c07c00ffb1ce23689070c6\","
		"\"name\":\"web\",\"image\":\"localhost/web:1\",\"runtime\":\"podman\"},"
		"\"error\":\"\",\"source_host\":\"h\"}");

	/* a Kubernetes pod: pod and namespace; hostile strings escaped */
	c.name = "api\"]\n";
	c.pod = "api-7d9f";
	c.pod_namespace = "prod";
	c.runtime = "containerd";
	expect_part(&b, &ev,
		"\"container_name\":\"api\\\"]\\n\",\"container\":{\"id\":\"767180e321f5963eb2cea8c26d75366220b3d7cae6c07c00ffb1ce23689070c6\","
		"\"name\":\"api\\\"]\\n\",\"image\":\"localhost/web:1\",\"runtime\":\"containerd\","
		"\"pod\":\"api-7d9f\",\"namespace\":\"prod\"},\"error\"");

	/* known by id only (its runtime is down): the id, the rest empty */
	c.name = c.image = c.runtime = c.pod = c.pod_namespace = "";
	expect_part(&b, &ev,
		"\"container_name\":\"\",\"container\":{\"id\":\"767180e321f5963eb2cea8c26d75366220b3d7cae6c07c00ffb1ce23689070c6\","
		"\"name\":\"\",\"image\":\"\",\"runtime\":\"\"},\"error\"");

	/* a host process: none of it; plugins cannot take the keys */
	ev.container = NULL;
	assert_null(strstr(event_json(&b, &ev), "container"));
	assert_int_equal(pt_event_add_str(&ev, "container_name", "x"), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, "container", "x"), -EINVAL);

	/* reset forgets the container and the kernel-side identity */
	ev.container = &c;
	ev.mntns = 4026532177u;
	ev.cgroup_id = 1450;
	strcpy(ev.cgroup_name, "libpod-x");
	pt_event_reset(&ev);
	assert_null(ev.container);
	assert_int_equal(ev.mntns, 0);
	assert_int_equal(ev.cgroup_id, 0);
	assert_string_equal(ev.cgroup_name, "");
	pt_buf_free(&b);
}

static void test_event_loginuid(void **state)
{
	struct pt_event ev;
	struct pt_buf b;

	init_event(&ev);
	ev.nproc = 2;
	ev.proctree[0].loginuid = 1000;
	ev.proctree[0].loginname = "oholiab";
	ev.proctree[1].loginuid = 4294967295u;
	ev.proctree[1].loginname = "";
	pt_buf_init(&b);
	pt_buf_reset(&b);
	pt_json_proctree(&b, &ev);
	assert_string_equal(pt_buf_str(&b),
			    "[{\"pid\":1775,\"cmdline\":\"weechat\",\"username\":\"oholiab\","
			    "\"loginuid\":1000,\"loginname\":\"oholiab\"},{\"pid\":23231,"
			    "\"cmdline\":\"-zsh\",\"username\":\"oholiab\",\"loginuid\":4294967295,"
			    "\"loginname\":\"\"}]");
	pt_buf_free(&b);
}

/* A cmdline built to break naive writers and syslog framing. */
static const char hostile[] = "evil\n{\"pid\":1}\r\x1b[31m\"\\]=x\t\x7f\xff\xc3\x28\xed\xa0\x80"
			      "\xf0\x9f\x98\x80\xe2\x82";
/* What a JSON parser must read back: the invalid bytes as U+FFFD. */
static const char hostile_decoded[] = "evil\n{\"pid\":1}\r\x1b[31m\"\\]=x\t\x7f" FFFD FFFD "("
				      FFFD FFFD FFFD "\xf0\x9f\x98\x80" FFFD;

static void tohex(const char *s, char *out)
{
	for (; *s; s++, out += 2)
		sprintf(out, "%02x", (unsigned char)*s);
	*out = '\0';
}

static void test_event_hostile(void **state)
{
	static const char script[] =
		"import json, sys\n"
		"d = json.load(sys.stdin)\n"
		"assert len(d) == 9, d.keys()\n"
		"assert d[\"pid\"] == 1775 and d[\"port\"] == 443\n"
		"p = d[\"proctree\"]\n"
		"print(p[0][\"cmdline\"].encode(\"utf-8\").hex())\n"
		"print(p[0][\"username\"].encode(\"utf-8\").hex())\n"
		"print(d[\"error\"].encode(\"utf-8\").hex())\n"
		"print(d[\"host\"].encode(\"utf-8\").hex())\n";
	char out[4096], want[4096], hex[1024], *path;
	struct pt_event ev;
	struct pt_buf b;
	int rc;

	init_event(&ev);
	ev.nproc = 2;
	ev.proctree[0].cmdline = hostile;
	ev.proctree[0].username = "\"]";
	strcpy(ev.daddr, "127.0.0.1");
	strcpy(ev.saddr, "127.0.0.1");
	ev.port = 443;
	pt_event_add_error(&ev, "cmdline %s", "\x80\"\n");
	assert_int_equal(pt_event_add_str(&ev, "host", "a\\b]c=\"d\""), 0);

	pt_buf_init(&b);
	event_json(&b, &ev);
	assert_null(memchr(b.data, '\n', b.len));
	assert_null(memchr(b.data, '\r', b.len));
	assert_null(memchr(b.data, 0x1b, b.len));
	assert_null(memchr(b.data, 0x7f, b.len));

	path = write_tmp(b.data, b.len);
	rc = run_python(script, path, out, sizeof(out));
	unlink(path);
	free(path);
	pt_buf_free(&b);
	if (rc == 127)
		skip();
	assert_int_equal(rc, 0);

	tohex(hostile_decoded, hex);
	strcpy(want, hex);
	strcat(want, "\n");
	tohex("\"]", hex);
	strcat(want, hex);
	strcat(want, "\n");
	tohex("cmdline " FFFD "\"\n", hex);
	strcat(want, hex);
	strcat(want, "\n");
	tohex("a\\b]c=\"d\"", hex);
	strcat(want, hex);
	strcat(want, "\n");
	assert_string_equal(out, want);
}

/* ---- event helpers ------------------------------------------------------ */

static void test_event_error(void **state)
{
	struct pt_event ev;
	char big[600];
	size_t n;

	memset(&ev, 0, sizeof(ev));
	pt_event_add_error(&ev, "%s", "");
	assert_string_equal(ev.error, "");
	pt_event_add_error(&ev, "ancestry truncated at depth %d", 32);
	assert_string_equal(ev.error, "ancestry truncated at depth 32");
	pt_event_add_error(&ev, "pid %u gone", 42u);
	assert_string_equal(ev.error, "ancestry truncated at depth 32; pid 42 gone");

	/* truncated to the buffer, always terminated */
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pt_event_add_error(&ev, "%s", big);
	n = strlen(ev.error);
	assert_int_equal(n, sizeof(ev.error) - 1);
	assert_memory_equal(ev.error, "ancestry truncated at depth 32; pid 42 gone; yyy", 48);
	/* full: further reasons are dropped, not half-appended */
	pt_event_add_error(&ev, "more");
	assert_int_equal(strlen(ev.error), n);

	/* no partial UTF-8 sequence left at the cut */
	memset(&ev, 0, sizeof(ev));
	memset(big, 'y', sizeof(ev.error) - 2);
	strcpy(big + sizeof(ev.error) - 2, "\xe2\x82\xac tail");
	pt_event_add_error(&ev, "%s", big);
	assert_int_equal(strlen(ev.error), sizeof(ev.error) - 2);
	assert_int_equal(ev.error[sizeof(ev.error) - 3], 'y');

	/* a complete sequence that fits exactly is kept */
	memset(&ev, 0, sizeof(ev));
	memset(big, 'y', sizeof(ev.error) - 4);
	strcpy(big + sizeof(ev.error) - 4, "\xe2\x82\xacZZ");
	pt_event_add_error(&ev, "%s", big);
	assert_int_equal(strlen(ev.error), sizeof(ev.error) - 1);
	assert_memory_equal(ev.error + sizeof(ev.error) - 4, "\xe2\x82\xac", 3);
}

static void test_addr_to_str(void **state)
{
	uint8_t a[16];
	char buf[INET6_ADDRSTRLEN], small[8];

	memset(a, 0, sizeof(a));
	memcpy(a, "\x0a\x01\x02\x03", 4);
	pt_addr_to_str(AF_INET, a, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.2.3");

	inet_pton(AF_INET6, "2001:db8:0:0:1:0:0:1", a);
	pt_addr_to_str(AF_INET6, a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1:0:0:1");
	inet_pton(AF_INET6, "::1", a);
	pt_addr_to_str(AF_INET6, a, buf, sizeof(buf));
	assert_string_equal(buf, "::1");

	/* IPv4-mapped: printed as IPv4 */
	inet_pton(AF_INET6, "::ffff:185.30.166.37", a);
	pt_addr_to_str(AF_INET6, a, buf, sizeof(buf));
	assert_string_equal(buf, "185.30.166.37");
	/* IPv4-compatible (deprecated) and NAT64 are not mapped */
	inet_pton(AF_INET6, "64:ff9b::1.2.3.4", a);
	pt_addr_to_str(AF_INET6, a, buf, sizeof(buf));
	assert_string_equal(buf, "64:ff9b::102:304");

	/* too small a buffer or unknown family: "" */
	inet_pton(AF_INET6, "2001:db8::1", a);
	pt_addr_to_str(AF_INET6, a, small, sizeof(small));
	assert_string_equal(small, "");
	pt_addr_to_str(AF_UNIX, a, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/*
 * Record time (CLOCK_BOOTTIME) to wall clock.  Found by tests/fuzz
 * (fuzz_records): the sum was computed in int64_t, so a record older than
 * a clock set back past it gave a timestamp 584,000 years ahead, and large
 * values overflowed (undefined behaviour).
 */
static void test_boot_to_real(void **state)
{
	assert_int_equal(pt_boot_ns_to_real_us(5000000000ull, 1700000000000000000ll),
			 1700000005000000ull);
	assert_int_equal(pt_boot_ns_to_real_us(7000, -3000), 4);
	/* the clock was set back to before the record: the epoch */
	assert_int_equal(pt_boot_ns_to_real_us(1000000000ull, -2000000000ll), 0);
	assert_int_equal(pt_boot_ns_to_real_us(0, INT64_MIN), 0);
	assert_int_equal(pt_boot_ns_to_real_us(UINT64_MAX, INT64_MIN),
			 (UINT64_MAX - (1ull << 63)) / 1000);
	/* past 2^64 ns: saturated, not wrapped */
	assert_int_equal(pt_boot_ns_to_real_us(UINT64_MAX - 5, INT64_MAX), UINT64_MAX / 1000);
	assert_int_equal(pt_boot_ns_to_real_us(1ull << 63, INT64_MAX),
			 ((1ull << 63) + (uint64_t)INT64_MAX) / 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_tcp_connect),
		cmocka_unit_test(test_event_net_listen),
		cmocka_unit_test(test_event_udp_session),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_event_container),
		cmocka_unit_test(test_event_loginuid),
		cmocka_unit_test(test_event_hostile),
		cmocka_unit_test(test_event_error),
		cmocka_unit_test(test_addr_to_str),
		cmocka_unit_test(test_boot_to_real),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the JSON writer (src/json.c) and of the event helpers
 * (src/event.c).
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

#include "event.h"
#include "json.h"

/* ---- helpers ------------------------------------------------------------ */

/* pt_json_str of n bytes, compared with the expected JSON literal. */
static void check_str(const char *in, size_t n, const char *want)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_string_equal(pt_buf_str(&b), want);
	assert_int_equal(b.len, strlen(want));
	pt_buf_free(&b);
}

#define CHECK(lit, want) check_str((lit), sizeof(lit) - 1, (want))

/*
 * A strict validating JSON checker (RFC 8259): one value, no trailing data,
 * strings without raw control characters and with strictly valid UTF-8.
 */
struct jp {
	const unsigned char *p, *end;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool jp_utf8(struct jp *j)
{
	unsigned char c = *j->p, lo = 0x80, hi = 0xbf;
	int need, i;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return false;
	}
	for (i = 1; i <= need; i++) {
		if (i >= j->end - j->p || j->p[i] < lo || j->p[i] > hi)
			return false;
		lo = 0x80;
		hi = 0xbf;
	}
	j->p += need + 1;
	return true;
}

static bool jp_string(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end) {
		unsigned char c = *j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (i >= j->end - j->p ||
					    !strchr("0123456789abcdefABCDEF", j->p[i]))
						return false;
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
				j->p++;
			} else {
				return false;
			}
		} else if (c >= 0x80) {
			if (!jp_utf8(j))
				return false;
		} else {
			j->p++;
		}
	}
	return false;
}

static bool jp_number(struct jp *j)
{
	const unsigned char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return false;
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return false;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return j->p > s;
}

static bool jp_value(struct jp *j, int depth);

static bool jp_container(struct jp *j, int depth, char close, bool object)
{
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		if (object) {
			jp_ws(j);
			if (!jp_string(j))
				return false;
			jp_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return false;
			j->p++;
		}
		if (!jp_value(j, depth + 1))
			return false;
		jp_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p != ',')
			return false;
		j->p++;
	}
}

static bool jp_value(struct jp *j, int depth)
{
	size_t left;

	if (depth > 32)
		return false;
	jp_ws(j);
	if (j->p >= j->end)
		return false;
	left = (size_t)(j->end - j->p);
	switch (*j->p) {
	case '{':
		return jp_container(j, depth, '}', true);
	case '[':
		return jp_container(j, depth, ']', false);
	case '"':
		return jp_string(j);
	case 't':
		if (left < 4 || memcmp(j->p, "true", 4))
			return false;
		j->p += 4;
		return true;
	case 'f':
		if (left < 5 || memcmp(j->p, "false", 5))
			return false;
		j->p += 5;
		return true;
	case 'n':
		if (left < 4 || memcmp(j->p, "null", 4))
			return false;
		j->p += 4;
		return true;
	default:
		return jp_number(j);
	}
}

static bool json_valid(const char *s, size_t n)
{
	struct jp j = { (const unsigned char *)s, (const unsigned char *)s + n };

	if (!jp_value(&j, 0))
		return false;
	jp_ws(&j);
	return j.p == j.end;
}

/* Run a python3 script on the contents of path; its stdout into out. */
static int run_python(const char *script, const char *path, char *out, size_t outlen)
{
	char cmd[4096];
	size_t n = 0;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "python3 -c '%s' < '%s' 2>&1", script, path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < outlen && fgets(out + n, (int)(outlen - n), f))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(f);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static char *write_tmp(const void *data, size_t n)
{
	char *path = strdup("/tmp/pt-test-json-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

static void init_event(struct pt_event *ev)
{
	static const char *const cmd[] = { "weechat", "-zsh", "/sbin/init" };
	static const char *const user[] = { "oholiab", "oholiab", "root" };
	static const uint32_t pid[] = { 1775, 23231, 1 };
	size_t i;

	memset(ev, 0, sizeof(*ev));
	ev->probe = "tcp_connect";
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

/* ---- pt_buf ------------------------------------------------------------- */

static void test_buf_basic(void **state)
{
	struct pt_buf b;
	char big[3000];

	pt_buf_init(&b);
	assert_string_equal(pt_buf_str(&b), "");
	pt_buf_adds(&b, "ab");
	pt_buf_addc(&b, 'c');
	pt_buf_add(&b, "dXX", 1);
	pt_buf_printf(&b, "-%d-%s", 42, "x");
	assert_string_equal(pt_buf_str(&b), "abcd-42-x");
	assert_int_equal(b.len, 9);

	/* printf larger than the free space forces a grow and a second pass */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pt_buf_printf(&b, "%s!", big);
	assert_int_equal(b.len, 9 + sizeof(big));
	assert_int_equal(pt_buf_str(&b)[b.len - 1], '!');
	assert_int_equal(strlen(pt_buf_str(&b)), b.len);

	pt_buf_reset(&b);
	assert_string_equal(pt_buf_str(&b), "");
	pt_buf_free(&b);
	assert_null(b.data);
	pt_buf_free(&b); /* twice is fine */
}

static void test_buf_oom(void **state)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_buf_adds(&b, "keep");
	/* a size that cannot be allocated: oom, nothing read from the pointer */
	pt_buf_add(&b, "x", SIZE_MAX - 2);
	assert_true(b.oom);
	pt_buf_adds(&b, "more");
	pt_buf_addc(&b, 'c');
	pt_buf_printf(&b, "%d", 1);
	pt_json_strz(&b, "str");
	assert_string_equal(pt_buf_str(&b), "keep");
	pt_buf_reset(&b);
	assert_false(b.oom);
	pt_buf_adds(&b, "again");
	assert_string_equal(pt_buf_str(&b), "again");
	pt_buf_free(&b);
}

/* ---- strings ------------------------------------------------------------ */

static void test_str_escapes(void **state)
{
	CHECK("", "\"\"");
	CHECK("plain ascii ~!@#$%^&*()", "\"plain ascii ~!@#$%^&*()\"");
	CHECK("\"", "\"\\\"\"");
	CHECK("\\", "\"\\\\\"");
	CHECK("/", "\"/\"");
	CHECK("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	CHECK("\x01\x1b\x1f", "\"\\u0001\\u001b\\u001f\"");
	CHECK("\x0b", "\"\\u000b\"");
	CHECK("\x7f", "\"\\u007f\"");
	CHECK(" \x20", "\"  \"");
	CHECK("a\"b\\c\nd", "\"a\\\"b\\\\c\\nd\"");
	/* embedded NUL bytes: n-length strings */
	CHECK("a\0b", "\"a\\u0000b\"");
	CHECK("\0\0", "\"\\u0000\\u0000\"");
	check_str("abc", 0, "\"\"");
	check_str(NULL, 5, "\"\"");
}

static void test_strz(void **state)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_json_strz(&b, "a\tb");
	pt_json_strz(&b, NULL);
	assert_string_equal(pt_buf_str(&b), "\"a\\tb\"\"\"");
	pt_buf_free(&b);
}

#define FFFD "\xef\xbf\xbd"

static void test_str_utf8_valid(void **state)
{
	CHECK("caf\xc3\xa9", "\"caf\xc3\xa9\"");                 /* U+00E9 */
	CHECK("\xc2\x80", "\"\xc2\x80\"");                       /* U+0080 */
	CHECK("\xdf\xbf", "\"\xdf\xbf\"");                       /* U+07FF */
	CHECK("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");               /* U+0800 */
	CHECK("\xe2\x82\xac", "\"\xe2\x82\xac\"");               /* U+20AC */
	CHECK("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");               /* U+D7FF */
	CHECK("\xee\x80\x80", "\"\xee\x80\x80\"");               /* U+E000 */
	CHECK("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");               /* U+FFFF */
	CHECK("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");       /* U+10000 */
	CHECK("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");       /* U+1F600 */
	CHECK("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");       /* U+10FFFF */
	CHECK(FFFD, "\"" FFFD "\"");
	CHECK("\xe6\x97\xa5\xe6\x9c\xac\n", "\"\xe6\x97\xa5\xe6\x9c\xac\\n\"");
}

static void test_str_utf8_invalid(void **state)
{
	/* stray continuation bytes, each one replaced */
	CHECK("\x80", "\"" FFFD "\"");
	CHECK("a\xbf\x80z", "\"a" FFFD FFFD "z\"");
	/* impossible bytes */
	CHECK("\xfe\xff", "\"" FFFD FFFD "\"");
	CHECK("\xf8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\"");
	/* overlong forms */
	CHECK("\xc0\xaf", "\"" FFFD FFFD "\"");
	CHECK("\xc1\xbf", "\"" FFFD FFFD "\"");
	CHECK("\xc0\x80", "\"" FFFD FFFD "\""); /* "modified UTF-8" NUL */
	CHECK("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xe0\x9f\xbf", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xf0\x80\x80\xaf", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK("\xf0\x8f\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");
	/* UTF-16 surrogates */
	CHECK("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xed\xa0\xbd\xed\xb8\x80", "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"");
	/* above U+10FFFF */
	CHECK("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK("\xf7\xbf\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");
	/* truncated sequences: the valid prefix is one replacement */
	CHECK("\xc3", "\"" FFFD "\"");
	CHECK("\xe2\x82", "\"" FFFD "\"");
	CHECK("\xf0\x9f\x98", "\"" FFFD "\"");
	CHECK("\xe2\x82z", "\"" FFFD "z\"");
	CHECK("\xf0\x9f\x98\"", "\"" FFFD "\\\"\"");
	CHECK("\xc3\n", "\"" FFFD "\\n\"");
	CHECK("\xe2\xe2\x82\xac", "\"" FFFD "\xe2\x82\xac\"");
	/* a truncated sequence cut by a NUL byte */
	CHECK("\xe2\x82\0", "\"" FFFD "\\u0000\"");
	/* the valid ones around are kept */
	CHECK("\xc3\xa9\x80\xc3\xa9", "\"\xc3\xa9" FFFD "\xc3\xa9\"");
}

/* Long strings cross the writer's 4 KiB chunks; check the seams. */
static void test_str_long(void **state)
{
	const size_t n = 128 * 1024;
	struct pt_buf b;
	char *in, *want;
	size_t i, o;

	in = malloc(n);
	want = malloc(n * 6 + 3);
	assert_non_null(in);
	assert_non_null(want);

	/* plain: one memcpy per chunk */
	memset(in, 'x', n);
	pt_buf_init(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_int_equal(b.len, n + 2);
	assert_int_equal(strspn(pt_buf_str(&b) + 1, "x"), n);

	/* worst case expansion: every byte becomes \u0001 */
	memset(in, 1, n);
	pt_buf_reset(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_int_equal(b.len, n * 6 + 2);
	assert_memory_equal(b.data + 1 + 6 * (n - 1), "\\u0001\"", 7);

	/* 4-byte sequences and escapes at every alignment across the seams */
	o = 0;
	want[o++] = '"';
	for (i = 0; i < n;) {
		if (i % 7 == 3 && i + 4 <= n) {
			memcpy(in + i, "\xf0\x9f\x98\x80", 4);
			memcpy(want + o, "\xf0\x9f\x98\x80", 4);
			i += 4;
			o += 4;
		} else if (i % 11 == 5) {
			in[i++] = '\n';
			want[o++] = '\\';
			want[o++] = 'n';
		} else if (i % 13 == 0) {
			in[i++] = (char)0xe2; /* truncated by the next byte */
			memcpy(want + o, FFFD, 3);
			o += 3;
		} else {
			in[i] = (char)('a' + i % 26);
			want[o++] = in[i++];
		}
	}
	want[o++] = '"';
	pt_buf_reset(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_int_equal(b.len, o);
	assert_memory_equal(b.data, want, o);
	assert_true(json_valid(b.data, b.len));

	pt_buf_free(&b);
	free(in);
	free(want);
}

/*
 * Differential test against Python: for random byte strings, json.loads of
 * our output must equal bytes.decode("utf-8", "replace"), which follows the
 * same maximal-subpart replacement rule.
 */
static void test_str_random_vs_python(void **state)
{
	static const char script[] =
		"import sys, json\n"
		"bad = 0\n"
		"for n, line in enumerate(sys.stdin.buffer):\n"
		"    h, js = line.rstrip(b\"\\n\").split(b\"\\t\", 1)\n"
		"    got = json.loads(js.decode(\"utf-8\"))\n"
		"    exp = bytes.fromhex(h.decode()).decode(\"utf-8\", \"replace\")\n"
		"    if got != exp:\n"
		"        bad += 1\n"
		"        print(\"mismatch\", n, h, ascii(got), ascii(exp))\n"
		"print(\"bad\", bad)\n";
	static const unsigned char alphabet[] = { 0x00, 0x01, 0x1f, 0x20, '"',  '\\', 'a',  0x7f,
						  0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
						  0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1,
						  0xf4, 0xf5, 0xff, '\n', '\t' };
	struct pt_buf b, all;
	unsigned char in[24];
	char out[4096], *path;
	unsigned int seed = 12345;
	int i, k, n, rc;

	pt_buf_init(&b);
	pt_buf_init(&all);
	for (i = 0; i < 20000; i++) {
		n = (int)(rand_r(&seed) % sizeof(in));
		for (k = 0; k < n; k++)
			in[k] = rand_r(&seed) % 3 ? alphabet[rand_r(&seed) % sizeof(alphabet)]
						  : (unsigned char)rand_r(&seed);
		pt_buf_reset(&b);
		pt_json_str(&b, (const char *)in, (size_t)n);
		assert_true(json_valid(b.data, b.len));
		for (k = 0; k < n; k++)
			pt_buf_printf(&all, "%02x", in[k]);
		pt_buf_addc(&all, '\t');
		pt_buf_add(&all, b.data, b.len);
		pt_buf_addc(&all, '\n');
	}
	assert_false(all.oom);
	path = write_tmp(all.data, all.len);
	rc = run_python(script, path, out, sizeof(out));
	unlink(path);
	free(path);
	pt_buf_free(&b);
	pt_buf_free(&all);
	if (rc == 127)
		skip();
	if (rc != 0 || strcmp(out, "bad 0\n"))
		fail_msg("python check failed (rc %d): %s", rc, out);
}

/* ---- timestamps --------------------------------------------------------- */

static void test_timestamp(void **state)
{
	char buf[64];

	pt_format_timestamp(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
	pt_format_timestamp(1, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000001Z");
	pt_format_timestamp(1000000 + 10, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:01.000010Z");
	pt_format_timestamp(999999, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.999999Z");
	pt_format_timestamp(1795858965759464ull, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-28T09:42:45.759464Z");
	pt_format_timestamp(951868799000001ull, buf, sizeof(buf));
	assert_string_equal(buf, "2000-02-29T23:59:59.000001Z");
	pt_format_timestamp(253402300799ull * 1000000 + 120, buf, sizeof(buf));
	assert_string_equal(buf, "9999-12-31T23:59:59.000120Z");
	pt_format_timestamp(253402300800ull * 1000000, buf, sizeof(buf));
	assert_string_equal(buf, "10000-01-01T00:00:00.000000Z");

	/* exactly 28 bytes is enough; less truncates, always terminated */
	pt_format_timestamp(1795858965759464ull, buf, 28);
	assert_string_equal(buf, "2026-11-28T09:42:45.759464Z");
	pt_format_timestamp(1795858965759464ull, buf, 5);
	assert_string_equal(buf, "2026");
	buf[0] = 'x';
	pt_format_timestamp(0, buf, 0);
	assert_int_equal(buf[0], 'x');
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
	ev.probe = "net_listen";
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
	ev.probe = "udp_session";
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_basic),
		cmocka_unit_test(test_buf_oom),
		cmocka_unit_test(test_str_escapes),
		cmocka_unit_test(test_strz),
		cmocka_unit_test(test_str_utf8_valid),
		cmocka_unit_test(test_str_utf8_invalid),
		cmocka_unit_test(test_str_long),
		cmocka_unit_test(test_str_random_vs_python),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_event_tcp_connect),
		cmocka_unit_test(test_event_net_listen),
		cmocka_unit_test(test_event_udp_session),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_event_loginuid),
		cmocka_unit_test(test_event_hostile),
		cmocka_unit_test(test_event_error),
		cmocka_unit_test(test_addr_to_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

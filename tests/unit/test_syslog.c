// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the sinks' formatting (src/sink_fmt.c, src/syslog_fmt.c):
 * RFC 5424 records byte for byte, PARAM-VALUE escaping, header limits and
 * NILVALUEs, the size limit with its JSON refit, safe text, UTF-8 aware
 * cuts, targets, sink specifications and the journald summary.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schemas.h"

#include "json.h"
#include "event_json.h"
#include "json_fit.h"
#include "rfc5424.h"
#include "summary.h"
#include "text.h"
#include "utf8.h"

#define FFFD_S "\xef\xbf\xbd"
#define TS_US 1795862036525391ull /* 2026-11-28T10:33:56.525391Z */

/* ---- a small strict JSON checker -------------------------------------------- */

static const char *j_value(const char *p, const char *end);

static const char *j_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static const char *j_string(const char *p, const char *end)
{
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			p++;
			if (p >= end || !strchr("\"\\/bfnrtu", *p))
				return NULL;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (p + i >= end || !strchr("0123456789abcdefABCDEF", p[i]))
						return NULL;
				p += 4;
			}
		}
	}
	return NULL;
}

static const char *j_seq(const char *p, const char *end, char close, bool members)
{
	p = j_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (members) {
			p = j_string(p, end);
			if (!p)
				return NULL;
			p = j_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p++;
		}
		p = j_value(p, end);
		if (!p)
			return NULL;
		p = j_ws(p, end);
		if (p < end && *p == ',') {
			p = j_ws(p + 1, end);
			continue;
		}
		return p < end && *p == close ? p + 1 : NULL;
	}
}

static const char *j_value(const char *p, const char *end)
{
	p = j_ws(p, end);
	if (p >= end)
		return NULL;
	if (*p == '{')
		return j_seq(p, end, '}', true);
	if (*p == '[')
		return j_seq(p, end, ']', false);
	if (*p == '"')
		return j_string(p, end);
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	if (*p == '-' || (*p >= '0' && *p <= '9')) {
		p++;
		while (p < end && strchr("0123456789.eE+-", *p))
			p++;
		return p;
	}
	return NULL;
}

static bool json_valid(const char *s, size_t n)
{
	const char *e = j_value(s, s + n);

	return e && j_ws(e, s + n) == s + n;
}

/* ---- fixtures ------------------------------------------------------------------ */

static void make_event(struct pt_event *ev)
{
	static const char *const cmd[] = { "curl -s https://example.com/", "/bin/bash ./backup.sh",
					   "/usr/sbin/cron -f", "/sbin/init" };
	static const uint32_t pids[] = { 1775, 1700, 600, 1 };

	memset(ev, 0, sizeof(*ev));
	ev->probe = probe_info("tcp_connect");
	ev->ts_us = TS_US;
	ev->pid = 1775;
	ev->nproc = 4;
	for (int i = 0; i < 4; i++) {
		ev->proctree[i].pid = pids[i];
		ev->proctree[i].cmdline = cmd[i];
		ev->proctree[i].username = i < 2 ? "backup" : "root";
		ev->proctree[i].loginuid = 4294967295u;
	}
	strcpy(ev->daddr, "192.0.2.7");
	strcpy(ev->saddr, "10.1.2.3");
	ev->port = 443;
	ev->has_port = true;
}

static struct pt_syslog_fmt fmt_default(void)
{
	return (struct pt_syslog_fmt){
		.facility = 10, .severity = 6, .hostname = "web1.example.com",
		.app_name = "pidtree", .sd_id = "pidtree@32473", .procid = 4242,
		.max_size = 8192, .bom = PT_BOM_AUTO,
	};
}

/* Format ev with f into b (reset); returns the offset of MSG. */
static size_t format(struct pt_buf *b, const struct pt_syslog_fmt *f, const struct pt_event *ev)
{
	struct pt_buf json;
	const char *msg;

	pt_buf_init(&json);
	pt_json_event(&json, ev);
	pt_buf_reset(b);
	assert_int_equal(pt_syslog_format(b, f, ev, json.data, json.len), 0);
	pt_buf_free(&json);
	pt_buf_str(b);
	msg = strstr(b->data, "] {");
	if (!msg)
		msg = strstr(b->data, "] \xef\xbb\xbf{");
	if (!msg)
		msg = strstr(b->data, " - {");
	assert_non_null(msg);
	return (size_t)(msg - b->data) + 2;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_record_exact(void **state)
{
	struct pt_syslog_fmt f = fmt_default();
	struct pt_event ev;
	struct pt_buf b, json;
	char want[4096];
	size_t msg;

	make_event(&ev);
	pt_buf_init(&b);
	pt_buf_init(&json);
	pt_json_event(&json, &ev);
	msg = format(&b, &f, &ev);
	snprintf(want, sizeof(want),
		 "<86>1 2026-11-28T10:33:56.525391Z web1.example.com pidtree 4242 tcp_connect "
		 "[pidtree@32473 probe=\"tcp_connect\" pid=\"1775\" user=\"backup\" "
		 "daddr=\"192.0.2.7\" saddr=\"10.1.2.3\" port=\"443\" "
		 "cmdline=\"curl -s https://example.com/\"] %s", pt_buf_str(&json));
	assert_string_equal(pt_buf_str(&b), want);
	assert_memory_equal(b.data + msg, json.data, json.len); /* MSG: the JSON as is */
	pt_buf_free(&b);
	pt_buf_free(&json);
}

static void test_escaping(void **state)
{
	struct pt_syslog_fmt f = fmt_default();
	struct pt_event ev;
	struct pt_buf b;
	size_t msg;

	make_event(&ev);
	ev.proctree[0].cmdline = "a\"b\\c]d=e x\ny\rz\x1bw bad\xff\xfe \xc3\xa9";
	strcpy(ev.error, "ancestor ]\"gone\"");
	assert_int_equal(pt_event_add_str(&ev, "source_host", "h\"]\\"), 0);
	assert_int_equal(pt_event_add_int(&ev, "loginuid", -1), 0);
	assert_int_equal(pt_event_add_bool(&ev, "snapshot", true), 0);
	/* 33 characters: longer than a PARAM-NAME, kept in MSG only */
	assert_int_equal(pt_event_add_str(&ev, "abcdefghijklmnopqrstuvwxyz0123456", "x"), 0);
	pt_buf_init(&b);
	msg = format(&b, &f, &ev);
	assert_non_null(strstr(b.data, " error=\"ancestor \\]\\\"gone\\\"\""));
	assert_non_null(strstr(b.data, " source_host=\"h\\\"\\]\\\\\""));
	assert_non_null(strstr(b.data, " loginuid=\"-1\" snapshot=\"true\""));
	assert_null(strstr(b.data, "abcdefghijklmnopqrstuvwxyz0123456=\""));
	/* control characters and invalid bytes -> U+FFFD; valid UTF-8 kept */
	assert_non_null(strstr(b.data,
			       " cmdline=\"a\\\"b\\\\c\\]d=e x\xef\xbf\xbdy\xef\xbf\xbdz\xef\xbf\xbdw "
			       "bad\xef\xbf\xbd\xef\xbf\xbd \xc3\xa9\"]"));
	/* non-ASCII JSON: BOM, and the JSON is valid */
	assert_memory_equal(b.data + msg, "\xef\xbb\xbf{", 4);
	assert_true(json_valid(b.data + msg + 3, b.len - msg - 3));
	/* no raw control character anywhere in the record */
	for (size_t i = 0; i < b.len; i++)
		assert_true((unsigned char)b.data[i] >= 0x20);
	pt_buf_free(&b);
}

/* containers: SD params container_* and pod*, escaped; the summary names it */
static void test_container(void **state)
{
	struct pt_event_container c = {
		.id = "767180e321f5963eb2cea8c26d75366220b3d7cae6c07c00ffb1ce23689070c6",
		.name = "web\"]", .image = "localhost/web:1", .runtime = "podman", .pod = "",
		.pod_namespace = "",
	};
	struct pt_syslog_fmt f = fmt_default();
	struct pt_event ev;
	struct pt_buf b;

	make_event(&ev);
	ev.container = &c;
	assert_int_equal(pt_event_add_str(&ev, "container_image", "plugin's"), 0);
	pt_buf_init(&b);
	format(&b, &f, &ev);
	assert_non_null(strstr(b.data,
		" port=\"443\" container_id=\"767180e321f5963eb2cea8c26d75366220b3d7cae6c07c00ffb1ce23689070c6\""
		" container_name=\"web\\\"\\]\" container_image=\"localhost/web:1\""
		" container_runtime=\"podman\" cmdline=\""));
	assert_null(strstr(b.data, " pod=\""));
	/* a plugin field named like one of ours stays in MSG only */
	assert_null(strstr(b.data, "container_image=\"plugin's\""));
	assert_non_null(strstr(b.data, "\"container_name\":\"web\\\"]\""));

	c.name = "api";
	c.pod = "api-7d9f";
	c.pod_namespace = "prod";
	ev.nfields = 0;
	format(&b, &f, &ev);
	assert_non_null(strstr(b.data, " container_runtime=\"podman\" pod=\"api-7d9f\" "
				       "pod_namespace=\"prod\" cmdline=\""));
	pt_buf_reset(&b);
	pt_event_summary(&b, &ev, &(struct pt_summary_opts){ 0 });
	assert_string_equal(pt_buf_str(&b),
			    "tcp_connect 192.0.2.7:443 container api of pod prod/api-7d9f "
			    "curl -s https://example.com/[1775] backup <- /bin/bash ./backup.sh[1700] "
			    "<- /usr/sbin/cron -f[600] root <- /sbin/init[1]");

	/* a host process: no container parameters */
	ev.container = NULL;
	format(&b, &f, &ev);
	assert_null(strstr(b.data, "container_id="));
	pt_buf_free(&b);
}

static void test_header_limits(void **state)
{
	struct pt_syslog_fmt f = fmt_default();
	struct pt_event ev;
	struct pt_buf b;
	char app[80], host[300];

	make_event(&ev);
	memset(app, 'a', sizeof(app) - 1);
	app[sizeof(app) - 1] = '\0';
	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	host[3] = ' ';
	f.app_name = app;
	f.hostname = host;
	f.procid = 0;
	f.sd_id = "";
	static const struct pt_probe_info long_name = {
		.name = "a_probe_name_longer_than_thirty_two_characters",
		.shape = PT_SHAPE_CONNECT,
	};

	ev.probe = &long_name;
	pt_buf_init(&b);
	format(&b, &f, &ev);
	/* HOSTNAME <= 255 (space -> '_'), APP-NAME <= 48, PROCID and SD NILVALUE, MSGID <= 32 */
	assert_int_equal(strncmp(b.data, "<86>1 2026-11-28T10:33:56.525391Z hhh_hhh", 41), 0);
	{
		const char *p = b.data + strlen("<86>1 2026-11-28T10:33:56.525391Z ");
		const char *sp = strchr(p, ' ');

		assert_int_equal(sp - p, 255);
		p = sp + 1;
		sp = strchr(p, ' ');
		assert_int_equal(sp - p, 48);
		assert_int_equal(strncmp(sp, " - a_probe_name_longer_than_thirty_ - {", 39), 0);
	}
	pt_buf_free(&b);
}

static void test_pri_and_bom(void **state)
{
	struct pt_syslog_fmt f = fmt_default();
	struct pt_event ev;
	struct pt_buf b;
	size_t msg;

	make_event(&ev);
	pt_buf_init(&b);
	f.facility = 23;
	f.severity = 7;
	msg = format(&b, &f, &ev);
	assert_int_equal(strncmp(b.data, "<191>1 ", 7), 0);
	assert_int_equal(b.data[msg], '{'); /* ASCII JSON: no BOM in auto mode */
	f.bom = PT_BOM_YES;
	msg = format(&b, &f, &ev);
	assert_memory_equal(b.data + msg, "\xef\xbb\xbf{", 4);
	ev.proctree[0].cmdline = "caf\xc3\xa9";
	f.bom = PT_BOM_NO;
	msg = format(&b, &f, &ev);
	assert_int_equal(b.data[msg], '{');
	f.facility = 0;
	f.severity = 0;
	format(&b, &f, &ev);
	assert_int_equal(strncmp(b.data, "<0>1 ", 5), 0);
	pt_buf_free(&b);
}

static void test_max_size(void **state)
{
	struct pt_syslog_fmt f = fmt_default();
	static char big[4][4001];
	struct pt_event ev;
	struct pt_buf b;
	size_t msg, sizes[] = { 480, 1000, 2048, 8192 };

	make_event(&ev);
	for (int i = 0; i < 4; i++) {
		memset(big[i], 'x', 4000);
		big[i][0] = (char)('A' + i);
		/* a 2-byte character straddling every plausible cut point */
		for (int k = 100; k < 4000; k += 7)
			memcpy(big[i] + k, "\xc3\xa9", 2);
		big[i][4000] = '\0';
		ev.proctree[i].cmdline = big[i];
	}
	pt_buf_init(&b);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		f.max_size = sizes[s];
		msg = format(&b, &f, &ev);
		print_message("max_size %zu: record %zu bytes\n", sizes[s], b.len);
		assert_true(b.len <= sizes[s]);
		if (!memcmp(b.data + msg, "\xef\xbb\xbf", 3))
			msg += 3;
		assert_true(json_valid(b.data + msg, b.len - msg));
		assert_non_null(strstr(b.data + msg, "(size limit"));
		assert_non_null(strstr(b.data + msg, "...\""));
	}
	/* the SD element alone never exceeds a quarter of the record */
	f.max_size = 1000;
	format(&b, &f, &ev);
	assert_true(strchr(b.data, ']') - strchr(b.data, '[') < 250);
	/* impossible: nothing written */
	pt_buf_reset(&b);
	f.max_size = 100;
	{
		struct pt_buf json;

		pt_buf_init(&json);
		pt_json_event(&json, &ev);
		assert_int_equal(pt_syslog_format(&b, &f, &ev, json.data, json.len), -EMSGSIZE);
		assert_int_equal(b.len, 0);
		/* a record that is not an event is never shortened */
		f.max_size = 480;
		assert_int_equal(pt_syslog_format(&b, &f, NULL, json.data, json.len), -EMSGSIZE);
		pt_buf_free(&json);
	}
	pt_buf_free(&b);
}

static void test_json_fit(void **state)
{
	static char big[PT_MAX_DEPTH][600];
	struct pt_event ev;
	struct pt_buf b;

	make_event(&ev);
	ev.nproc = PT_MAX_DEPTH;
	for (int i = 0; i < PT_MAX_DEPTH; i++) {
		memset(big[i], '\n', sizeof(big[i]) - 1); /* 6 bytes each in JSON */
		big[i][sizeof(big[i]) - 1] = '\0';
		ev.proctree[i].cmdline = big[i];
		ev.proctree[i].username = "u";
		ev.proctree[i].pid = (uint32_t)i + 1;
	}
	pt_buf_init(&b);
	/* fits: unchanged */
	assert_int_equal(pt_json_fit(&b, &ev, 1 << 20, pt_json_event), 0);
	assert_null(strstr(pt_buf_str(&b), "size limit"));
	/* cmdlines cut */
	pt_buf_reset(&b);
	assert_int_equal(pt_json_fit(&b, &ev, 20000, pt_json_event), 0);
	assert_true(b.len <= 20000);
	assert_true(json_valid(b.data, b.len));
	assert_non_null(strstr(pt_buf_str(&b), "\"error\":\"cmdlines cut to"));
	/* the process's own cmdline keeps more than its ancestors' */
	{
		static char leaf[1200];
		const char *p0, *p1, *e0, *e1;

		memset(leaf, 'L', sizeof(leaf) - 1);
		leaf[sizeof(leaf) - 1] = '\0';
		ev.proctree[0].cmdline = leaf;
		pt_buf_reset(&b);
		assert_int_equal(pt_json_fit(&b, &ev, 8000, pt_json_event), 0);
		assert_true(b.len <= 8000 && json_valid(b.data, b.len));
		p0 = strstr(pt_buf_str(&b), "\"cmdline\":\"") + 11;
		e0 = strchr(p0, '"');
		p1 = strstr(e0, "\"cmdline\":\"") + 11;
		e1 = strchr(p1, '"');
		assert_int_equal(e0 - p0, sizeof(leaf) - 1); /* whole: under a third of the limit */
		assert_true(e0 - p0 > 4 * (e1 - p1));
		assert_non_null(strstr(pt_buf_str(&b), "the process's own to"));
		ev.proctree[0].cmdline = big[0];
	}
	/* ancestry shortened too */
	pt_buf_reset(&b);
	assert_int_equal(pt_json_fit(&b, &ev, 1500, pt_json_event), 0);
	assert_true(b.len <= 1500);
	assert_true(json_valid(b.data, b.len));
	assert_non_null(strstr(pt_buf_str(&b), "ancestry cut to"));
	/* proctree array alone */
	pt_buf_reset(&b);
	assert_int_equal(pt_json_fit(&b, &ev, 3000, pt_json_proctree), 0);
	assert_true(b.len <= 3000 && b.data[0] == '[');
	assert_true(json_valid(b.data, b.len));
	/* impossible */
	pt_buf_reset(&b);
	assert_int_equal(pt_json_fit(&b, &ev, 50, pt_json_event), -EMSGSIZE);
	assert_int_equal(b.len, 0);
	pt_buf_free(&b);
}

static void test_utf8_cut(void **state)
{
	const char *s = "ab\xc3\xa9" "c\xe2\x82\xac" "d\xf0\x9f\x98\x80";

	assert_int_equal(pt_utf8_cut(s, strlen(s), 100), strlen(s));
	assert_int_equal(pt_utf8_cut(s, strlen(s), 3), 2);  /* inside é */
	assert_int_equal(pt_utf8_cut(s, strlen(s), 4), 4);  /* after é */
	assert_int_equal(pt_utf8_cut(s, strlen(s), 6), 5);  /* inside € */
	assert_int_equal(pt_utf8_cut(s, strlen(s), 7), 5);
	assert_int_equal(pt_utf8_cut(s, strlen(s), 8), 8);
	assert_int_equal(pt_utf8_cut(s, strlen(s), 11), 9); /* inside the emoji */
	assert_int_equal(pt_utf8_cut(s, strlen(s), 0), 0);
	/* invalid bytes are not sequences: cut anywhere */
	assert_int_equal(pt_utf8_cut("\xff\xff\xff", 3, 2), 2);
	assert_int_equal(pt_utf8_cut("a\x80\x80\x80\x80", 5, 4), 4);
}

static void check_text(const char *in, size_t max, enum pt_text_mode m, const char *want)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_text_append(&b, in, strlen(in), max, m);
	assert_string_equal(pt_buf_str(&b), want);
	pt_buf_free(&b);
}

static void test_text(void **state)
{
	check_text("plain", 100, PT_TEXT_SD, "plain");
	check_text("q\"b\\r]", 100, PT_TEXT_SD, "q\\\"b\\\\r\\]");
	check_text("\t\x7f\xc3", 100, PT_TEXT_SD, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_text("\xed\xa0\x80", 100, PT_TEXT_SD, /* surrogate */
		   "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_text("\xc3\xa9\xe2\x82\xac", 100, PT_TEXT_SD, "\xc3\xa9\xe2\x82\xac");
	check_text("abcdef", 3, PT_TEXT_SD, "abc...");
	check_text("ab\xc3\xa9", 3, PT_TEXT_SD, "ab...");
	check_text("a\nb\rc\td\x1b" "e\\f\x01\xff]\"", 100, PT_TEXT_HUMAN,
		   "a\\nb\\rc\\td\\ee\\\\f\\x01\\xff]\"");
}

/*
 * Valid but unsafe characters (C1 controls, U+2028/U+2029, bidirectional
 * formatting): U+FFFD in PARAM-VALUEs, \uXXXX for people.
 */
static void test_text_unsafe(void **state)
{
	check_text("a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xae" "d\xd8\x9c" "e\xe2\x81\xa6" "f",
		   100, PT_TEXT_SD,
		   "a" FFFD_S "b" FFFD_S "c" FFFD_S "d" FFFD_S "e" FFFD_S "f");
	check_text("a\xc2\x85" "b\xe2\x80\xa9" "c\xe2\x80\xae" "d\xe2\x80\x8f" "e\xe2\x81\xa9" "f",
		   100, PT_TEXT_HUMAN, "a\\u0085b\\u2029c\\u202ed\\u200fe\\u2069f");
	/* the neighbours stay as they are */
	check_text("\xc2\xa0\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xaa\xd8\x9b", 100, PT_TEXT_SD,
		   "\xc2\xa0\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xaa\xd8\x9b");
	check_text("\xc2\xa0\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xaa\xd8\x9b", 100, PT_TEXT_HUMAN,
		   "\xc2\xa0\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xaa\xd8\x9b");
}

/* Every code point pt_unicode_unsafe() names, the others kept, in both modes. */
static void test_text_unsafe_all(void **state)
{
	struct pt_buf b;
	unsigned char in[4];
	uint32_t cp;

	pt_buf_init(&b);
	for (cp = 0x80; cp < 0x10000; cp++) {
		size_t n;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x800) {
			in[0] = (unsigned char)(0xc0 | cp >> 6);
			in[1] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 2;
		} else {
			in[0] = (unsigned char)(0xe0 | cp >> 12);
			in[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
			in[2] = (unsigned char)(0x80 | (cp & 0x3f));
			n = 3;
		}
		pt_buf_reset(&b);
		pt_text_append(&b, (const char *)in, n, 16, PT_TEXT_SD);
		if (pt_unicode_unsafe(cp)) {
			assert_int_equal(b.len, 3);
			assert_memory_equal(b.data, FFFD_S, 3);
		} else {
			assert_int_equal(b.len, n);
			assert_memory_equal(b.data, in, n);
		}
		pt_buf_reset(&b);
		pt_text_append(&b, (const char *)in, n, 16, PT_TEXT_HUMAN);
		if (pt_unicode_unsafe(cp)) {
			char want[8];

			snprintf(want, sizeof(want), "\\u%04x", (unsigned int)cp);
			assert_string_equal(pt_buf_str(&b), want);
		} else {
			assert_int_equal(b.len, n);
			assert_memory_equal(b.data, in, n);
		}
	}
	pt_buf_free(&b);
}

/*
 * A cmdline with U+0085, U+2028 and U+202E: one record, one line for a
 * line-oriented reader; the SD value has U+FFFD, MSG the JSON escapes.
 */
static void test_record_unsafe(void **state)
{
	static const char *const raw[] = { "\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9",
					   "\xe2\x80\xae" };
	struct pt_syslog_fmt f = fmt_default();
	struct pt_event ev;
	struct pt_buf b;
	size_t msg;

	make_event(&ev);
	ev.proctree[0].cmdline = "x\xc2\x85y \xe2\x80\xa8z \xe2\x80\xae" "fdp.exe \xe2\x80\xa9";
	pt_buf_init(&b);
	msg = format(&b, &f, &ev);
	pt_buf_str(&b);
	assert_non_null(strstr(b.data, " cmdline=\"x" FFFD_S "y " FFFD_S "z " FFFD_S "fdp.exe "
				   FFFD_S "\"]"));
	assert_non_null(strstr(b.data + msg, "x\\u0085y \\u2028z \\u202efdp.exe \\u2029"));
	for (size_t i = 0; i < ARRAY_SIZE(raw); i++)
		assert_null(strstr(b.data, raw[i]));
	pt_buf_free(&b);
}

static void test_targets(void **state)
{
	struct pt_syslog_target t;
	const char *why;
	char err[300];

	assert_int_equal(pt_syslog_target_parse("unix:/dev/log", &t, &why), 0);
	assert_int_equal(t.transport, PT_SYSLOG_UNIX);
	assert_string_equal(t.path, "/dev/log");
	assert_int_equal(pt_syslog_target_parse("udp://127.0.0.1:514", &t, &why), 0);
	assert_int_equal(t.transport, PT_SYSLOG_UDP);
	assert_string_equal(t.host, "127.0.0.1");
	assert_string_equal(t.port, "514");
	assert_int_equal(pt_syslog_target_parse("tcp://[::1]:6514", &t, &why), 0);
	assert_int_equal(t.transport, PT_SYSLOG_TCP);
	assert_string_equal(t.host, "::1");
	assert_int_equal(pt_syslog_target_parse("tcp://collector.example.net:10514", &t, &why), 0);
	assert_string_equal(t.host, "collector.example.net");
	assert_int_equal(pt_syslog_target_parse("tcp://::1:514", &t, &why), -EINVAL);
	assert_int_equal(pt_syslog_target_parse("tcp://h:0", &t, &why), -EINVAL);
	assert_int_equal(pt_syslog_target_parse("tcp://h:65536", &t, &why), -EINVAL);
	assert_int_equal(pt_syslog_target_parse("tcp://h:", &t, &why), -EINVAL);
	assert_int_equal(pt_syslog_target_parse("tcp://:514", &t, &why), -EINVAL);
	assert_int_equal(pt_syslog_target_parse("unix:relative", &t, &why), -EINVAL);
	assert_int_equal(pt_syslog_target_parse("http://h:80", &t, &why), -EINVAL);

	assert_int_equal(pt_sink_spec_check("json", err, sizeof(err)), 0);
	assert_int_equal(pt_sink_spec_check("json:-", err, sizeof(err)), 0);
	assert_int_equal(pt_sink_spec_check("journald", err, sizeof(err)), 0);
	assert_int_equal(pt_sink_spec_check("syslog", err, sizeof(err)), 0);
	assert_int_equal(pt_sink_spec_check("syslog:unix:/run/x.sock", err, sizeof(err)), 0);
	assert_int_equal(pt_sink_spec_check("syslog:udp://127.0.0.1:514", err, sizeof(err)), 0);
	assert_int_equal(pt_sink_spec_check("syslog:tcp://[::1]:514", err, sizeof(err)), 0);
	assert_int_equal(pt_sink_spec_check("json:", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_sink_spec_check("syslog:", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_sink_spec_check("journal", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown output 'journal'"));
}

static void test_names(void **state)
{
	assert_int_equal(pt_syslog_facility("authpriv"), 10);
	assert_int_equal(pt_syslog_facility("LOCAL7"), 23);
	assert_int_equal(pt_syslog_facility("0"), 0);
	assert_int_equal(pt_syslog_facility("23"), 23);
	assert_int_equal(pt_syslog_facility("24"), -1);
	assert_int_equal(pt_syslog_facility("-1"), -1);
	assert_int_equal(pt_syslog_facility("1x"), -1);
	assert_int_equal(pt_syslog_severity("info"), 6);
	assert_int_equal(pt_syslog_severity("warn"), 4);
	assert_int_equal(pt_syslog_severity("7"), 7);
	assert_int_equal(pt_syslog_severity("8"), -1);
}

/* The journal's MESSAGE: the summary the text output shows, fitted to 300 columns. */
static void test_summary(void **state)
{
	struct pt_summary_opts o = { .width = PT_SUMMARY_JOURNAL_WIDTH };
	struct pt_event ev;
	struct pt_buf b;

	make_event(&ev);
	ev.proctree[0].cmdline = "/usr/bin/curl\n-s x";
	pt_buf_init(&b);
	pt_event_summary(&b, &ev, &o);
	assert_string_equal(pt_buf_str(&b),
			    "tcp_connect 192.0.2.7:443 /usr/bin/curl\\n-s x[1775] backup "
			    "<- /bin/bash ./backup.sh[1700] <- /usr/sbin/cron -f[600] root "
			    "<- /sbin/init[1]");
	pt_buf_reset(&b);
	ev.probe = probe_info("net_listen");
	ev.daddr[0] = '\0';
	strcpy(ev.laddr, "::");
	ev.protocol = "tcp";
	ev.proctree[0].cmdline = "";
	ev.nproc = 1;
	strcpy(ev.error, "process gone");
	pt_event_summary(&b, &ev, &o);
	assert_string_equal(pt_buf_str(&b),
			    "net_listen tcp [::]:443 ?[1775] backup (process gone)");
	pt_buf_free(&b);
}

static void test_record_not_event(void **state)
{
	static const char rec[] = "{\"type\":\"lost_event_telemetry\",\"count\":3}";
	struct pt_syslog_fmt f = fmt_default();
	char type[PT_RECORD_TYPE_MAX + 1];
	struct pt_buf b;
	const char *p;

	pt_buf_init(&b);
	assert_int_equal(pt_syslog_format(&b, &f, NULL, rec, strlen(rec)), 0);
	p = pt_buf_str(&b);
	assert_int_equal(strncmp(p, "<86>1 20", 8), 0);
	assert_non_null(strstr(p, "Z web1.example.com pidtree 4242 lost_event_telemetry "
				  "[pidtree@32473 type=\"lost_event_telemetry\"] {\"type\""));
	assert_int_equal(strcmp(p + b.len - strlen(rec), rec), 0);
	pt_json_record_type("{\"type\":\"a b\"}", 14, type, sizeof(type));
	assert_string_equal(type, "");
	pt_json_record_type("{\"count\":1}", 11, type, sizeof(type));
	assert_string_equal(type, "");
	pt_buf_reset(&b);
	assert_int_equal(pt_syslog_format(&b, &f, NULL, "{}", 2), 0);
	assert_non_null(strstr(pt_buf_str(&b), " pidtree 4242 - - {}"));
	pt_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_exact), cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_header_limits), cmocka_unit_test(test_pri_and_bom),
		cmocka_unit_test(test_max_size),     cmocka_unit_test(test_json_fit),
		cmocka_unit_test(test_utf8_cut),     cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_unsafe),  cmocka_unit_test(test_text_unsafe_all),
		cmocka_unit_test(test_record_unsafe),
		cmocka_unit_test(test_targets),	     cmocka_unit_test(test_names),
		cmocka_unit_test(test_summary),	     cmocka_unit_test(test_record_not_event),
		cmocka_unit_test(test_container),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

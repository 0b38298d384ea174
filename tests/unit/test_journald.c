// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the journal fields of an event (src/format/journald_fields.c):
 * names, values, order, the per-probe MESSAGE_ID, plugin fields and their
 * sanitised names, size limits, and records that are not events.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_json.h"
#include "journald_fields.h"
#include "json_check.h"
#include "schemas.h"

struct jd {
	struct pt_journald_opts o;
	struct pt_jd_fields f;
	struct pt_buf json;
	struct pt_event ev;
};

static int setup(void **state)
{
	struct pt_sink_opts so;
	struct jd *j = calloc(1, sizeof(*j));

	assert_non_null(j);
	pt_sink_opts_init(&so);
	j->o = so.journald;
	/* most tests read PIDTREE_EVENT_JSON too; test_event_json_default checks the default */
	j->o.event_json = true;
	pt_jd_fields_init(&j->f, &j->o);
	pt_buf_init(&j->json);
	*state = j;
	return 0;
}

static int teardown(void **state)
{
	struct jd *j = *state;

	pt_jd_fields_free(&j->f);
	pt_buf_free(&j->json);
	free(j);
	return 0;
}

static void tcp_event(struct pt_event *ev)
{
	static const char *const cmd[] = { "curl -s https://example.org/", "-bash", "/sbin/init" };
	static const char *const user[] = { "alice", "alice", "root" };
	static const uint32_t pid[] = { 1234, 1200, 1 };

	memset(ev, 0, sizeof(*ev));
	ev->probe = probe_info("tcp_connect");
	ev->ts_us = 1795858965759464ull;
	ev->pid = 1234;
	ev->nproc = 3;
	for (size_t i = 0; i < 3; i++) {
		ev->proctree[i].pid = pid[i];
		ev->proctree[i].uid = i < 2 ? 1000 : 0;
		ev->proctree[i].loginuid = 4294967295u;
		ev->proctree[i].cmdline = cmd[i];
		ev->proctree[i].username = user[i];
	}
	strcpy(ev->daddr, "93.184.216.34");
	strcpy(ev->saddr, "10.0.0.5");
	ev->port = 443;
	ev->has_port = true;
}

static void build(struct jd *j)
{
	pt_buf_reset(&j->json);
	pt_json_event(&j->json, &j->ev);
	assert_true(pt_jd_fields_build(&j->f, &j->ev, j->json.data, j->json.len));
}

/* The k-th value of field name (NULL when there are fewer), its length in *len. */
static const char *value(const struct jd *j, const char *name, int k, size_t *len)
{
	const char *p = j->f.data.data;
	size_t nl = strlen(name);

	for (size_t i = 0; i < j->f.n; p += j->f.lens[i], i++) {
		if (j->f.lens[i] > nl && !memcmp(p, name, nl) && p[nl] == '=' && k-- == 0) {
			if (len)
				*len = j->f.lens[i] - nl - 1;
			return p + nl + 1;
		}
	}
	return NULL;
}

static void expect(const struct jd *j, const char *name, const char *want)
{
	size_t len;
	const char *v = value(j, name, 0, &len);

	if (!v)
		fail_msg("no field %s", name);
	if (len != strlen(want) || memcmp(v, want, len))
		fail_msg("%s=%.*s, expected %s", name, (int)len, v, want);
}

static void test_tcp_connect_fields(void **state)
{
	struct jd *j = *state;
	size_t len;
	const char *v;

	tcp_event(&j->ev);
	build(j);
	expect(j, "MESSAGE_ID", "dc4cef5a2d98417a9d22e6f2a455162d");
	expect(j, "PRIORITY", "6");
	expect(j, "SYSLOG_IDENTIFIER", "pidtree");
	expect(j, "PIDTREE_PROBE", "tcp_connect");
	expect(j, "PIDTREE_TIMESTAMP", "2026-11-28T09:42:45.759464Z");
	expect(j, "PIDTREE_PID", "1234");
	expect(j, "PIDTREE_UID", "1000");
	expect(j, "PIDTREE_USERNAME", "alice");
	expect(j, "PIDTREE_CMDLINE", "curl -s https://example.org/");
	expect(j, "PIDTREE_DADDR", "93.184.216.34");
	expect(j, "PIDTREE_SADDR", "10.0.0.5");
	expect(j, "PIDTREE_PORT", "443");
	assert_null(value(j, "PIDTREE_LADDR", 0, NULL));
	assert_null(value(j, "PIDTREE_PROTOCOL", 0, NULL));
	assert_null(value(j, "PIDTREE_ERROR", 0, NULL));
	/* MESSAGE first: the one-line summary (the text output's) */
	expect(j, "MESSAGE", "tcp_connect 93.184.216.34:443 curl -s https://example.org/[1234] alice "
			     "<- -bash[1200] <- /sbin/init[1] root");
	assert_int_equal(strncmp(j->f.data.data, "MESSAGE=", 8), 0);
	/* the JSON fields are valid JSON, the event one is the event's own */
	v = value(j, "PIDTREE_PROCTREE_JSON", 0, &len);
	assert_non_null(v);
	assert_true(json_valid(v, len));
	assert_int_equal(v[0], '[');
	v = value(j, "PIDTREE_EVENT_JSON", 0, &len);
	assert_non_null(v);
	assert_int_equal(len, j->json.len);
	assert_memory_equal(v, j->json.data, len);
}

/*
 * [journald] event_json: off by default (PIDTREE_EVENT_JSON repeats every
 * other field); the entry is otherwise the same, field for field.
 */
static void test_event_json_default(void **state)
{
	struct jd *j = *state;
	struct pt_sink_opts so;
	size_t with, i;
	const char *p;

	pt_sink_opts_init(&so);
	assert_false(so.journald.event_json);
	tcp_event(&j->ev);
	build(j);
	with = j->f.n;
	assert_non_null(value(j, "PIDTREE_EVENT_JSON", 0, NULL));
	j->o.event_json = false;
	build(j);
	assert_int_equal(j->f.n, with - 1);
	assert_null(value(j, "PIDTREE_EVENT_JSON", 0, NULL));
	assert_non_null(value(j, "PIDTREE_PROCTREE_JSON", 0, NULL));
	for (i = 0, p = j->f.data.data; i < j->f.n; p += j->f.lens[i], i++)
		assert_false(j->f.lens[i] > 19 && !memcmp(p, "PIDTREE_EVENT_JSON=", 19));
	expect(j, "PIDTREE_PID", "1234");
	expect(j, "PIDTREE_PORT", "443");
}

static void test_message_ids_per_probe(void **state)
{
	static const struct {
		const char *probe, *id;
	} ids[] = {
		{ "tcp_connect", "dc4cef5a2d98417a9d22e6f2a455162d" },
		{ "net_listen", "8c7192b4f258416ab76370ba47c2c383" },
		{ "udp_session", "8f263f34531546fca7a8a14acae3bf87" },
	};
	struct jd *j = *state;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		tcp_event(&j->ev);
		j->ev.probe = probe_info(ids[i].probe);
		assert_non_null(j->ev.probe);
		build(j);
		expect(j, "MESSAGE_ID", ids[i].id);
		expect(j, "PIDTREE_PROBE", ids[i].probe);
	}
}

static void test_listen_and_session(void **state)
{
	struct pt_udp_dest dests[2] = {
		{ .daddr = "192.0.2.1", .port = 53, .duration = 1.5, .msg_count = 3 },
		{ .daddr = "2001:db8::1", .port = 123, .duration = 0, .msg_count = 1 },
	};
	struct jd *j = *state;
	size_t len;
	const char *v;

	tcp_event(&j->ev);
	j->ev.probe = probe_info("net_listen");
	j->ev.daddr[0] = j->ev.saddr[0] = '\0';
	strcpy(j->ev.laddr, "0.0.0.0");
	j->ev.port = 8080;
	j->ev.protocol = "tcp";
	build(j);
	expect(j, "PIDTREE_LADDR", "0.0.0.0");
	expect(j, "PIDTREE_PORT", "8080");
	expect(j, "PIDTREE_PROTOCOL", "tcp");
	assert_null(value(j, "PIDTREE_DADDR", 0, NULL));

	/* udp_session: one DADDR and one PORT per destination, in order */
	tcp_event(&j->ev);
	j->ev.probe = probe_info("udp_session");
	j->ev.daddr[0] = j->ev.saddr[0] = '\0';
	j->ev.has_port = false;
	j->ev.dests = dests;
	j->ev.ndests = 2;
	j->ev.protocol = "udp";
	build(j);
	v = value(j, "PIDTREE_DADDR", 0, &len);
	assert_true(v && len == 9 && !memcmp(v, "192.0.2.1", 9));
	v = value(j, "PIDTREE_DADDR", 1, &len);
	assert_true(v && len == 11 && !memcmp(v, "2001:db8::1", 11));
	v = value(j, "PIDTREE_PORT", 0, &len);
	assert_true(v && len == 2 && !memcmp(v, "53", 2));
	v = value(j, "PIDTREE_PORT", 1, &len);
	assert_true(v && len == 3 && !memcmp(v, "123", 3));
	assert_null(value(j, "PIDTREE_DADDR", 2, NULL));
	/* and each one's duration and message count (the event JSON's, without it) */
	v = value(j, "PIDTREE_DURATION", 0, &len);
	assert_true(v && len == 3 && !memcmp(v, "1.5", 3));
	v = value(j, "PIDTREE_DURATION", 1, &len);
	assert_true(v && len == 3 && !memcmp(v, "0.0", 3));
	v = value(j, "PIDTREE_MSG_COUNT", 0, &len);
	assert_true(v && len == 1 && !memcmp(v, "3", 1));
	v = value(j, "PIDTREE_MSG_COUNT", 1, &len);
	assert_true(v && len == 1 && !memcmp(v, "1", 1));
	assert_null(value(j, "PIDTREE_MSG_COUNT", 2, NULL));
}

static bool holds(const char *v, size_t len, const char *part)
{
	return v && memmem(v, len, part, strlen(part));
}

/* containers: PIDTREE_CONTAINER_*, PIDTREE_POD*, the summary names it */
static void test_container_fields(void **state)
{
	struct pt_event_container c = {
		.id = "767180e321f5963eb2cea8c26d75366220b3d7cae6c07c00ffb1ce23689070c6",
		.name = "web", .image = "localhost/web:1", .runtime = "podman", .pod = "",
		.pod_namespace = "",
	};
	struct jd *j = *state;
	const char *v;
	size_t len;

	tcp_event(&j->ev);
	j->ev.container = &c;
	build(j);
	expect(j, "PIDTREE_CONTAINER_ID", c.id);
	expect(j, "PIDTREE_CONTAINER_NAME", "web");
	expect(j, "PIDTREE_CONTAINER_IMAGE", "localhost/web:1");
	expect(j, "PIDTREE_CONTAINER_RUNTIME", "podman");
	assert_null(value(j, "PIDTREE_POD", 0, NULL));
	assert_null(value(j, "PIDTREE_POD_NAMESPACE", 0, NULL));
	expect(j, "MESSAGE", "tcp_connect 93.184.216.34:443 container web "
	       "curl -s https://example.org/[1234] alice <- -bash[1200] <- /sbin/init[1] root");
	v = value(j, "PIDTREE_EVENT_JSON", 0, &len);
	assert_true(holds(v, len, "\"container_name\":\"web\""));

	/* a pod; a plugin key that is one of these names gets its own prefix */
	c.name = "api";
	c.pod = "api-7d9f";
	c.pod_namespace = "prod";
	assert_int_equal(pt_event_add_str(&j->ev, "pod", "x"), 0);
	build(j);
	expect(j, "PIDTREE_POD", "api-7d9f");
	expect(j, "PIDTREE_POD_NAMESPACE", "prod");
	expect(j, "PIDTREE_FIELD_POD", "x");
	v = value(j, "MESSAGE", 0, &len);
	assert_true(holds(v, len, " container api of pod prod/api-7d9f curl"));

	/* known by id only: the id, nothing else; the summary shows the short id */
	c.name = c.image = c.runtime = c.pod = c.pod_namespace = "";
	j->ev.nfields = 0;
	build(j);
	expect(j, "PIDTREE_CONTAINER_ID", c.id);
	assert_null(value(j, "PIDTREE_CONTAINER_NAME", 0, NULL));
	assert_null(value(j, "PIDTREE_CONTAINER_IMAGE", 0, NULL));
	v = value(j, "MESSAGE", 0, &len);
	assert_true(holds(v, len, " container 767180e321f5 curl"));

	/* a host process: none */
	j->ev.container = NULL;
	build(j);
	assert_null(value(j, "PIDTREE_CONTAINER_ID", 0, NULL));
}

static void test_plugin_field_names(void **state)
{
	struct jd *j = *state;
	char longkey[57];

	tcp_event(&j->ev);
	assert_int_equal(pt_event_add_str(&j->ev, "source_host", "web-1"), 0);
	assert_int_equal(pt_event_add_int(&j->ev, "loginuid", 1000), 0);
	assert_int_equal(pt_event_add_bool(&j->ev, "snapshot", true), 0);
	/* a key that is one of pidtree's own field names gets its own prefix */
	assert_int_equal(pt_event_add_str(&j->ev, "username", "mallory"), 0);
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(pt_event_add_str(&j->ev, longkey, "x"), 0);
	build(j);
	expect(j, "PIDTREE_SOURCE_HOST", "web-1");
	expect(j, "PIDTREE_LOGINUID", "1000");
	expect(j, "PIDTREE_SNAPSHOT", "true");
	expect(j, "PIDTREE_FIELD_USERNAME", "mallory");
	expect(j, "PIDTREE_USERNAME", "alice"); /* not replaced */
	/* names stay within journald's 64 characters */
	for (size_t i = 0, off = 0; i < j->f.n; off += j->f.lens[i], i++) {
		const char *eq = memchr(j->f.data.data + off, '=', j->f.lens[i]);

		assert_non_null(eq);
		assert_true(eq - (j->f.data.data + off) <= PT_JD_NAME_MAX);
	}
}

static void test_values_cut_at_field_max(void **state)
{
	struct jd *j = *state;
	char *big = malloc(5000);
	size_t len;
	const char *v;

	assert_non_null(big);
	/* 4998 bytes: 'a' then two-byte characters, so a cut may fall inside one */
	big[0] = 'a';
	for (size_t i = 1; i + 1 < 4999; i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	big[4999] = '\0';
	j->o.field_max = 1024;
	tcp_event(&j->ev);
	j->ev.proctree[0].cmdline = big;
	build(j);
	v = value(j, "PIDTREE_CMDLINE", 0, &len);
	assert_non_null(v);
	assert_true(len <= 1024);
	assert_memory_equal(v + len - 3, "...", 3);
	/* no split character before the marker: the rest is valid UTF-8 */
	{
		char *q = malloc(len + 3);

		assert_non_null(q);
		q[0] = '"';
		memcpy(q + 1, v, len);
		q[len + 1] = '"';
		assert_true(json_valid(q, len + 2));
		free(q);
	}
	/* the JSON fields are re-serialised to fit, and stay valid JSON */
	v = value(j, "PIDTREE_EVENT_JSON", 0, &len);
	assert_non_null(v);
	assert_true(len <= 1024);
	assert_true(json_valid(v, len));
	v = value(j, "PIDTREE_PROCTREE_JSON", 0, &len);
	assert_non_null(v);
	assert_true(len <= 1024);
	assert_true(json_valid(v, len));
	free(big);
}

static void test_hostile_message(void **state)
{
	struct jd *j = *state;
	size_t len;
	const char *v;

	tcp_event(&j->ev);
	j->ev.proctree[0].cmdline = "evil\nMESSAGE_ID=forged\x1b[2J";
	build(j);
	/* the summary escapes the line break and the escape sequence */
	v = value(j, "MESSAGE", 0, &len);
	assert_non_null(v);
	assert_null(memchr(v, '\n', len));
	assert_null(memchr(v, 0x1b, len));
	/* the cmdline field keeps its bytes (journald stores it binary-safe) */
	expect(j, "PIDTREE_CMDLINE", "evil\nMESSAGE_ID=forged\x1b[2J");
	/* and no field of that name was made from it */
	v = value(j, "MESSAGE_ID", 1, &len);
	assert_null(v);
}

/*
 * A program named with U+202E (RIGHT-TO-LEFT OVERRIDE) and U+2028 reads
 * as another name and splits lines: MESSAGE shows the escapes, the JSON
 * fields their JSON escapes, PIDTREE_CMDLINE keeps the bytes.
 */
#define MSG_ESC "invoice\\u202efdp.exe\\u2028x\\u0085"
#define JSON_ESC "invoice\\u202efdp.exe\\u2028x\\u0085 -q"
static void test_unsafe_message(void **state)
{
	struct jd *j = *state;
	const char *fields[] = { "MESSAGE", "PIDTREE_EVENT_JSON", "PIDTREE_PROCTREE_JSON" };
	size_t len;
	const char *v;

	tcp_event(&j->ev);
	j->ev.proctree[0].cmdline = "/tmp/invoice\xe2\x80\xae" "fdp.exe\xe2\x80\xa8x\xc2\x85 -q";
	build(j);
	v = value(j, "MESSAGE", 0, &len);
	assert_non_null(v);
	assert_non_null(memmem(v, len, MSG_ESC, sizeof(MSG_ESC) - 1));
	for (size_t i = 0; i < 3; i++) {
		v = value(j, fields[i], 0, &len);
		assert_non_null(v);
		assert_null(memmem(v, len, "\xe2\x80\xae", 3));
		assert_null(memmem(v, len, "\xe2\x80\xa8", 3));
		assert_null(memmem(v, len, "\xc2\x85", 2));
	}
	v = value(j, "PIDTREE_EVENT_JSON", 0, &len);
	assert_non_null(memmem(v, len, JSON_ESC, sizeof(JSON_ESC) - 1));
	expect(j, "PIDTREE_CMDLINE", "/tmp/invoice\xe2\x80\xae" "fdp.exe\xe2\x80\xa8x\xc2\x85 -q");
}

static void test_record_not_event(void **state)
{
	static const char rec[] = "{\"type\":\"lost_event_telemetry\",\"count\":3}";
	struct jd *j = *state;

	assert_true(pt_jd_fields_build(&j->f, NULL, rec, sizeof(rec) - 1));
	expect(j, "PIDTREE_RECORD_TYPE", "lost_event_telemetry");
	expect(j, "PIDTREE_RECORD_JSON", rec);
	expect(j, "PRIORITY", "6");
	expect(j, "SYSLOG_IDENTIFIER", "pidtree");
	assert_null(value(j, "MESSAGE_ID", 0, NULL));
	assert_null(value(j, "PIDTREE_PROBE", 0, NULL));
	assert_int_equal(strncmp(j->f.data.data, "MESSAGE=pidtree lost_event_telemetry: ", 38), 0);
}

static void test_identifier_and_priority(void **state)
{
	struct jd *j = *state;

	strcpy(j->o.identifier, "sensor");
	j->o.priority = 5;
	tcp_event(&j->ev);
	build(j);
	expect(j, "SYSLOG_IDENTIFIER", "sensor");
	expect(j, "PRIORITY", "5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp_connect_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_json_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_ids_per_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_and_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plugin_field_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_cut_at_field_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsafe_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_not_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identifier_and_priority, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

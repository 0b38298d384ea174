// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of pidtree.conf parsing (src/settings.c): defaults, every key,
 * and the exact diagnostics (level, line, message) of a broken file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "settings.h"
#include "json_fit.h"
#include "rfc5424.h"
#include "summary.h"
#include "text.h"
#include "utf8.h"

#define DIR FIXTURES_DIR "/settings"

struct expect {
	char level; /* 'E' or 'W' */
	int line;
	const char *msg; /* fragment */
};

static void check_diags(const struct pt_diags *d, const struct expect *want, size_t n)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		print_message("diag %zu: %c %d %s\n", i,
			      d->v[i].level == PT_DIAG_ERROR ? 'E' : 'W', d->v[i].line, d->v[i].msg);
	assert_int_equal(d->n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(d->v[i].level == PT_DIAG_ERROR ? 'E' : 'W', want[i].level);
		assert_int_equal(d->v[i].line, want[i].line);
		if (!strstr(d->v[i].msg, want[i].msg))
			fail_msg("diag %zu: '%s' does not contain '%s'", i, d->v[i].msg, want[i].msg);
	}
}

/* Write text to a temporary file; returns its path (static buffer). */
static const char *tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/pt-settings-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults(void **state)
{
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };

	assert_int_equal(pt_settings_load(&s, DIR "/does-not-exist.conf", false, &d), 0);
	assert_int_equal(d.n, 0);
	assert_string_equal(s.path, "");
	assert_string_equal(s.probes, "");
	assert_string_equal(s.probe_path, "");
	assert_int_equal(s.nsinks, 0);
	assert_string_equal(s.sink.journald.identifier, "pidtree");
	assert_int_equal(s.sink.journald.priority, 6);
	assert_int_equal(s.sink.journald.field_max, 65536);
	assert_false(s.sink.journald.event_json);
	assert_int_equal(s.sink.journald.queue_size, 64u << 20);
	assert_int_equal(s.sink.journald.queue_len, 0);
	assert_int_equal(s.sink.syslog.queue_size, 64u << 20);
	assert_int_equal(s.sink.syslog.queue_len, 0);
	assert_string_equal(s.sink.syslog.target, "unix:/dev/log");
	assert_int_equal(s.sink.syslog.facility, 10);
	assert_int_equal(s.sink.syslog.severity, 6);
	assert_string_equal(s.sink.syslog.sd_id, PT_SD_ID_EXAMPLE);
	assert_string_equal(s.sink.syslog.app_name, "pidtree");
	assert_string_equal(s.sink.syslog.hostname, "");
	assert_int_equal(s.sink.syslog.max_size, 8192);
	assert_int_equal(s.sink.syslog.bom, PT_BOM_AUTO);
	assert_string_equal(s.sink.json_path, "");
	assert_int_equal(s.containers.enabled, PT_CONTAINERS_AUTO);
	assert_string_equal(s.containers.docker_socket, "/run/docker.sock");
	assert_string_equal(s.containers.podman_socket, "/run/podman/podman.sock");
	assert_string_equal(s.containers.containerd_state, "/run/containerd");
	assert_int_equal(s.containers.rebaseline_interval, 1800);
	assert_int_equal(s.containers.stopped_keep, 600);
	pt_diags_free(&d);
}

/* [containers]: parsed by pt_containers_setting, errors and warnings with lines */
static void test_containers(void **state)
{
	static const struct expect want[] = {
		{ 'W', 7, "[containers] enabled set more than once" },
		{ 'E', 7, "enabled: 'maybe' is not auto, yes or no" },
		{ 'E', 8, "docker_socket: 'run/docker.sock' must be an absolute path (or none)" },
		{ 'E', 9, "rebaseline_interval: '5' is not a number of seconds in 0 or 10-86400" },
		{ 'E', 10, "stopped_keep: '0' is not a number of seconds in 10-86400" },
		{ 'W', 11, "unknown key 'socket' in [containers]" },
	};
	struct pt_daemon_settings s, s2;
	struct pt_diags d = { 0 };

	assert_int_equal(pt_settings_load(&s, tmpfile_with("[containers]\nenabled = no\n"
							   "podman_socket = /tmp/p.sock\n"
							   "docker_socket = none\ncontainerd_state =\n"
							   "rebaseline_interval = 0\nstopped_keep = 30\n"),
					  true, &d), 0);
	unlink(s.path);
	check_diags(&d, NULL, 0);
	assert_int_equal(s.containers.enabled, PT_CONTAINERS_OFF);
	assert_string_equal(s.containers.podman_socket, "/tmp/p.sock");
	assert_string_equal(s.containers.docker_socket, "");
	assert_string_equal(s.containers.containerd_state, "");
	assert_int_equal(s.containers.rebaseline_interval, 0);
	assert_int_equal(s.containers.stopped_keep, 30);
	pt_settings_init(&s2);
	assert_false(pt_containers_opts_equal(&s.containers, &s2.containers));
	assert_true(pt_containers_opts_equal(&s2.containers, &s2.containers));
	pt_diags_free(&d);

	memset(&d, 0, sizeof(d));
	assert_int_equal(pt_settings_load(&s, tmpfile_with("[containers]\nenabled = yes\n\n\n\n\n"
							   "enabled = maybe\n"
							   "docker_socket = run/docker.sock\n"
							   "rebaseline_interval = 5\nstopped_keep = 0\n"
							   "socket = /x\n"),
					  true, &d), -EINVAL);
	unlink(s.path);
	check_diags(&d, want, sizeof(want) / sizeof(want[0]));
	pt_diags_free(&d);
}

static void test_missing_required(void **state)
{
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };

	assert_int_equal(pt_settings_load(&s, DIR "/does-not-exist.conf", true, &d), -ENOENT);
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.v[0].msg, "No such file"));
	assert_string_equal(d.v[0].file, DIR "/does-not-exist.conf");
	pt_diags_free(&d);
}

static void test_good(void **state)
{
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };

	assert_int_equal(pt_settings_load(&s, DIR "/good.conf", true, &d), 0);
	check_diags(&d, NULL, 0);
	assert_string_equal(s.path, DIR "/good.conf");
	assert_string_equal(s.probes, DIR "/probes/pidtree.yml");
	assert_string_equal(s.probe_path, DIR "/probes.d");
	assert_string_equal(s.plugin_path, "/usr/lib/pidtree/plugins");
	assert_int_equal(s.nsinks, 3);
	assert_string_equal(s.sinks[0], "journald");
	assert_string_equal(s.sinks[1], "syslog:tcp://[::1]:6514");
	assert_string_equal(s.sinks[2], "json:/var/log/pidtree.json");
	assert_string_equal(s.sink.journald.identifier, "pidtree-test");
	assert_int_equal(s.sink.journald.priority, 5);
	assert_int_equal(s.sink.journald.field_max, 2048);
	assert_true(s.sink.journald.event_json);
	assert_int_equal(s.sink.journald.queue_size, 16u << 20);
	assert_int_equal(s.sink.journald.queue_len, 16);
	assert_string_equal(s.sink.syslog.target, "udp://127.0.0.1:5514");
	assert_int_equal(s.sink.syslog.facility, 19);
	assert_int_equal(s.sink.syslog.severity, 4);
	assert_string_equal(s.sink.syslog.sd_id, "pidtree@99999.1");
	assert_string_equal(s.sink.syslog.app_name, "pidtree-app");
	assert_string_equal(s.sink.syslog.hostname, "host.example.com");
	assert_int_equal(s.sink.syslog.max_size, 2048);
	assert_int_equal(s.sink.syslog.bom, PT_BOM_NO);
	assert_int_equal(s.sink.syslog.queue_size, 512u << 10);
	assert_int_equal(s.sink.syslog.queue_len, 8);
	assert_string_equal(s.sink.json_path, "/var/log/pidtree/events.json");
	pt_diags_free(&d);
}

static void test_bad(void **state)
{
	static const struct expect want[] = {
		{ 'E', 3, "probes: empty path" },
		{ 'E', 5, "unknown output 'nosuch'" },
		{ 'E', 5, "'syslog:tcp://host': missing :PORT" },
		{ 'E', 7, "identifier: 'has space'" },
		{ 'E', 8, "priority: unknown priority 'loud'" },
		{ 'E', 9, "field_max: '12' is not a number in 1024-16777216" },
		{ 'E', 10, "queue_size: '0' is not a size in 64K-1G (bytes with a K, M or G suffix)" },
		{ 'E', 12, "target: 'tcp://nohostport': missing :PORT" },
		{ 'E', 13, "facility: unknown facility 'nofacility'" },
		{ 'E', 14, "severity: unknown severity '9'" },
		{ 'E', 15, "sd_id: 'pidtree' is not NAME@ENTERPRISE-NUMBER" },
		{ 'E', 16, "app_name: 'an-app-name" },
		{ 'E', 17, "hostname: 'bad host'" },
		{ 'E', 18, "max_size: '100' is not a number in 480-1048576" },
		{ 'E', 19, "bom: 'sometimes' is not auto, yes or no" },
		{ 'E', 20, "queue_size: '-1'" },
		{ 'W', 21, "unknown key 'colour' in [syslog]" },
		{ 'E', 23, "path: empty path" },
		{ 'W', 25, "unknown section [extra]" },
		{ 'W', 28, "[syslog] facility set more than once" },
		{ 'W', 29, "[syslog] facility set more than once" },
		{ 'E', 30, "syntax error" },
	};
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };

	assert_int_equal(pt_settings_load(&s, DIR "/bad.conf", true, &d), -EINVAL);
	check_diags(&d, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(s.sink.syslog.facility, 1); /* the last value wins */
	pt_diags_free(&d);
}

/*
 * queue_size: bytes with a K, M or G suffix in 64K-1G; without one, the
 * number of events earlier versions meant (a warning, read as queue_len);
 * queue_len and event_json; every problem as file:line.
 */
static void test_queue_settings(void **state)
{
	static const struct expect want[] = {
		{ 'W', 2, "queue_size: '4096' without a unit is a number of events (deprecated): read as queue_len = 4096; queue_size is in bytes now, e.g. 64M" },
		{ 'E', 3, "event_json: 'maybe' is not yes or no" },
		{ 'E', 4, "queue_len: '0' is not a number in 1-1048576" },
		{ 'E', 6, "queue_size: '2G' is not a size in 64K-1G" },
		{ 'E', 7, "queue_len: '2000000' is not a number in 1-1048576" },
	};
	static const struct {
		const char *v;
		size_t bytes; /* 0: an error */
	} sizes[] = {
		{ "64K", 64u << 10 },	 { "64k", 64u << 10 }, { "1G", 1u << 30 },  { "1024M", 1u << 30 },
		{ "256m", 256u << 20 },	 { "1g", 1u << 30 },   { "63K", 0 },	    { "1025M", 0 },
		{ "2G", 0 },		 { "0K", 0 },	       { "10X", 0 },	    { "64 M", 0 },
		{ "64MB", 0 },		 { "M", 0 },	       { "-64M", 0 },	    { "+64M", 0 },
		{ "18446744073709551616K", 0 }, { "17179869184K", 0 }, { "0", 0 },
		{ "1048577", 0 },
	};
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };
	char text[256];
	size_t i;

	assert_int_equal(pt_settings_load(&s, tmpfile_with("[journald]\nqueue_size = 4096\n"
							   "event_json = maybe\nqueue_len = 0\n"
							   "[syslog]\nqueue_size = 2G\n"
							   "queue_len = 2000000\n"),
					  true, &d), -EINVAL);
	unlink(s.path);
	check_diags(&d, want, sizeof(want) / sizeof(want[0]));
	assert_int_equal(s.sink.journald.queue_len, 4096); /* the deprecated form */
	assert_int_equal(s.sink.journald.queue_size, 64u << 20);
	pt_diags_free(&d);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(&d, 0, sizeof(d));
		snprintf(text, sizeof(text), "[syslog]\n\nqueue_size = %s\n[journald]\nevent_json = no\n",
			 sizes[i].v);
		print_message("queue_size = %s\n", sizes[i].v);
		assert_int_equal(pt_settings_load(&s, tmpfile_with(text), true, &d),
				 sizes[i].bytes ? 0 : -EINVAL);
		unlink(s.path);
		if (sizes[i].bytes) {
			check_diags(&d, NULL, 0);
			assert_int_equal(s.sink.syslog.queue_size, sizes[i].bytes);
			assert_int_equal(s.sink.syslog.queue_len, 0);
		} else {
			assert_int_equal(d.n, 1);
			assert_int_equal(d.v[0].line, 3);
			assert_non_null(strstr(d.v[0].msg, "is not a size in 64K-1G"));
		}
		assert_false(s.sink.journald.event_json);
		pt_diags_free(&d);
	}
}

static void test_minimal_crlf(void **state)
{
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };

	assert_int_equal(pt_settings_load(&s, DIR "/minimal.conf", true, &d), 0);
	assert_int_equal(s.nsinks, 1);
	assert_string_equal(s.sinks[0], "syslog");
	assert_int_equal(pt_settings_load(&s, DIR "/crlf.conf", true, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(s.sink.syslog.severity, 7);
	assert_string_equal(s.sink.syslog.sd_id, ""); /* "-": no SD element */
	pt_diags_free(&d);
}

static void test_long_line_and_limits(void **state)
{
	static const struct expect want[] = {
		{ 'E', 2, "line too long" },
		{ 'E', 4, "sink: at most 4 outputs" },
	};
	static const struct expect stray[] = {
		{ 'W', 1, "'stray' outside of any [section] ignored" },
	};
	char text[1024];
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };
	const char *path;

	/* libinih reads lines of at most ~200 characters */
	snprintf(text, sizeof(text),
		 "[json]\npath = /%0400d\n[output]\nsink = json json json json json\n", 1);
	path = tmpfile_with(text);
	assert_int_equal(pt_settings_load(&s, path, true, &d), -EINVAL);
	unlink(path);
	check_diags(&d, want, 2);
	assert_string_equal(s.sink.json_path, "");
	pt_diags_free(&d);

	path = tmpfile_with("stray = 1\n");
	assert_int_equal(pt_settings_load(&s, path, true, &d), 0);
	unlink(path);
	check_diags(&d, stray, 1);
	pt_diags_free(&d);
}

static void test_sd_id_rules(void **state)
{
	static const struct {
		const char *v;
		bool ok;
	} cases[] = {
		{ "pidtree@32473", true }, { "x@1", true },	  { "a@1.2.3", true },
		{ "pidtree", false },	   { "@123", false },	  { "a@", false },
		{ "a@b", false },	   { "a@1@2", false },	  { "a b@1", false },
		{ "a=b@1", false },	   { "a]@1", false },	  { "a\"@1", false },
		{ "a@1..2", false },	   { "a@.1", false },
		{ "abcdefghijklmnopqrstuvwxyz@123456", false }, /* 33 characters */
	};
	char text[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_daemon_settings s;
		struct pt_diags d = { 0 };
		const char *path;
		int r;

		snprintf(text, sizeof(text), "[syslog]\nsd_id = %s\n", cases[i].v);
		path = tmpfile_with(text);
		r = pt_settings_load(&s, path, true, &d);
		unlink(path);
		if (cases[i].ok != (r == 0))
			fail_msg("sd_id '%s': expected %s", cases[i].v, cases[i].ok ? "ok" : "error");
		if (r == 0)
			assert_string_equal(s.sink.syslog.sd_id, cases[i].v);
		pt_diags_free(&d);
	}
}

/* Which outputs a reload must re-open: only those whose own settings changed. */
static void test_sink_same(void **state)
{
	static const char *const confs[] = {
		/* 0 */ "[syslog]\nfacility = local1\n[json]\npath = /a.json\n",
		/* 1: the same, spelt differently */ "[json]\npath=/a.json\n[syslog]\nfacility=17\n",
		/* 2: syslog facility */ "[syslog]\nfacility = local2\n[json]\npath = /a.json\n",
		/* 3: json path */ "[syslog]\nfacility = local1\n[json]\npath = /b.json\n",
		/* 4: syslog target */ "[syslog]\nfacility = local1\ntarget = udp://127.0.0.1:514\n"
				       "[json]\npath = /a.json\n",
		/* 5: journald identifier */ "[syslog]\nfacility = local1\n[json]\npath = /a.json\n"
					     "[journald]\nidentifier = other\n",
		/* 6: journald event_json */ "[syslog]\nfacility = local1\n[json]\npath = /a.json\n"
					     "[journald]\nevent_json = yes\n",
		/* 7: syslog queue_size */ "[syslog]\nfacility = local1\nqueue_size = 1M\n"
					   "[json]\npath = /a.json\n",
		/* 8: journald queue_len */ "[syslog]\nfacility = local1\n[json]\npath = /a.json\n"
					    "[journald]\nqueue_len = 10\n",
	};
	struct pt_daemon_settings s[9];
	struct pt_diags d = { 0 };

	(void)state;
	for (size_t i = 0; i < 9; i++) {
		assert_int_equal(pt_settings_load(&s[i], tmpfile_with(confs[i]), true, &d), 0);
		unlink(s[i].path);
	}
	check_diags(&d, NULL, 0);
	for (size_t i = 0; i < 9; i++) {
		assert_true(pt_sink_same("json:/x", &s[0].sink, &s[i].sink));
		assert_true(pt_sink_same("syslog:unix:/dev/log", &s[0].sink, &s[0].sink));
	}
	assert_true(pt_sink_same("json", &s[0].sink, &s[1].sink));
	assert_true(pt_sink_same("syslog", &s[0].sink, &s[1].sink));
	assert_true(pt_sink_same("journald", &s[0].sink, &s[1].sink));
	/* a syslog setting: every syslog output, nothing else */
	assert_false(pt_sink_same("syslog", &s[0].sink, &s[2].sink));
	assert_false(pt_sink_same("syslog:udp://[::1]:514", &s[0].sink, &s[2].sink));
	assert_true(pt_sink_same("json", &s[0].sink, &s[2].sink));
	assert_true(pt_sink_same("journald", &s[0].sink, &s[2].sink));
	/* [json] path: the bare json output only */
	assert_false(pt_sink_same("json", &s[0].sink, &s[3].sink));
	assert_true(pt_sink_same("syslog", &s[0].sink, &s[3].sink));
	/* [syslog] target: the bare syslog output only */
	assert_false(pt_sink_same("syslog", &s[0].sink, &s[4].sink));
	assert_true(pt_sink_same("syslog:tcp://127.0.0.1:6514", &s[0].sink, &s[4].sink));
	/* [journald] */
	assert_false(pt_sink_same("journald", &s[0].sink, &s[5].sink));
	assert_true(pt_sink_same("syslog", &s[0].sink, &s[5].sink));
	assert_true(pt_sink_same("json", &s[0].sink, &s[5].sink));
	/* the outputs' own queue and field settings */
	assert_false(pt_sink_same("journald", &s[0].sink, &s[6].sink));
	assert_true(pt_sink_same("syslog", &s[0].sink, &s[6].sink));
	assert_false(pt_sink_same("syslog:tcp://127.0.0.1:6514", &s[0].sink, &s[7].sink));
	assert_true(pt_sink_same("journald", &s[0].sink, &s[7].sink));
	assert_false(pt_sink_same("journald", &s[0].sink, &s[8].sink));
	assert_true(pt_sink_same("syslog", &s[0].sink, &s[8].sink));
	pt_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_queue_settings),
		cmocka_unit_test(test_minimal_crlf),
		cmocka_unit_test(test_long_line_and_limits),
		cmocka_unit_test(test_sd_id_rules),
		cmocka_unit_test(test_sink_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of destination names outside src/dns: the [dns] options
 * (core/dns_opts.c) and their pidtree.conf section, the per-probe dns: key,
 * and the names in every output format: the event JSON (keys right after
 * their address, chains, absent when unknown, reserved for plugins), the
 * journal fields, the RFC 5424 SD params and the one-line summary.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "dns_opts.h"
#include "event.h"
#include "event_json.h"
#include "journald_fields.h"
#include "json_check.h"
#include "rfc5424.h"
#include "schemas.h"
#include "settings.h"
#include "summary.h"

/* ---- helpers ------------------------------------------------------------ */

static void make_event(struct pt_event *ev, const char *probe)
{
	memset(ev, 0, sizeof(*ev));
	ev->probe = probe_info(probe);
	ev->ts_us = 1795858965759464ull;
	ev->pid = 1775;
	ev->nproc = 1;
	ev->proctree[0].pid = 1775;
	ev->proctree[0].loginuid = 4294967295u;
	ev->proctree[0].cmdline = "curl https://shop.example.com/";
	ev->proctree[0].username = "alice";
	ev->port = 443;
	ev->has_port = true;
}

static void set_name(struct pt_event_name *n, const char *name, const char *c1, const char *c2)
{
	n->name = name;
	n->ncnames = 0;
	if (c1)
		n->cnames[n->ncnames++] = c1;
	if (c2)
		n->cnames[n->ncnames++] = c2;
}

static const char *json_of(struct pt_buf *b, const struct pt_event *ev)
{
	pt_buf_reset(b);
	pt_json_event(b, ev);
	assert_false(b->oom);
	assert_true(json_valid(b->data, b->len));
	return pt_buf_str(b);
}

static void expect_part(struct pt_buf *b, const struct pt_event *ev, const char *part)
{
	const char *j = json_of(b, ev);

	if (!strstr(j, part))
		fail_msg("%s\ndoes not contain\n%s", j, part);
}

static void expect_no(struct pt_buf *b, const struct pt_event *ev, const char *part)
{
	const char *j = json_of(b, ev);

	if (strstr(j, part))
		fail_msg("%s\ncontains\n%s", j, part);
}

/* ---- [dns] options ------------------------------------------------------ */

static void test_opts(void **state)
{
	struct pt_dns_opts o, p;
	char err[200];

	pt_dns_opts_init(&o);
	assert_true(o.enabled);
	assert_int_equal(o.ports[0], 53);
	assert_int_equal(o.ports[1], 0);
	assert_int_equal(o.pending_entries, PT_DNS_DEFAULT_PENDING);
	assert_int_equal(pt_dns_opts_check(&o, err, sizeof(err)), 0);

	assert_int_equal(pt_dns_opts_set(&o, "enabled", "No", err, sizeof(err)), 0);
	assert_false(o.enabled);
	assert_int_equal(pt_dns_opts_set(&o, "enabled", "on", err, sizeof(err)), 0);
	assert_true(o.enabled);
	assert_int_equal(pt_dns_opts_set(&o, "enabled", "maybe", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not yes or no"));

	assert_int_equal(pt_dns_opts_set(&o, "ports", "53, 5353 853", err, sizeof(err)), 0);
	assert_int_equal(o.ports[0], 53);
	assert_int_equal(o.ports[1], 5353);
	assert_int_equal(o.ports[2], 853);
	assert_int_equal(o.ports[3], 0);
	p = o;
	assert_int_equal(pt_dns_opts_set(&o, "ports", "1,2,3,4,5", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at most 4"));
	assert_int_equal(pt_dns_opts_set(&o, "ports", "53,53", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&o, "ports", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&o, "ports", "65536", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&o, "ports", " , ", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&o, "ports", "53x", err, sizeof(err)), -EINVAL);
	assert_memory_equal(o.ports, p.ports, sizeof(o.ports)); /* a bad value changes nothing */

	assert_int_equal(pt_dns_opts_set(&o, "pending_entries", "63", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_dns_opts_set(&o, "pending_entries", "65536", err, sizeof(err)), 0);
	assert_int_equal(pt_dns_opts_set(&o, "nope", "1", err, sizeof(err)), -ENOENT);

	/* what re-opens the capture, what re-creates the table */
	pt_dns_opts_init(&o);
	p = o;
	assert_true(pt_dns_opts_same_capture(&o, &p) && pt_dns_opts_same_table(&o, &p));
	p.enabled = false;
	assert_true(pt_dns_opts_same_capture(&o, &p) && pt_dns_opts_same_table(&o, &p));
	p.ports[1] = 5353;
	assert_false(pt_dns_opts_same_capture(&o, &p));
	assert_true(pt_dns_opts_same_table(&o, &p));
	p = o;
	p.pending_entries = 100;
	assert_false(pt_dns_opts_same_capture(&o, &p));
	p = o;
	p.min_ttl = 0;
	assert_true(pt_dns_opts_same_capture(&o, &p));
	assert_false(pt_dns_opts_same_table(&o, &p));
	p = o;
	p.max_entries = 16;
	assert_false(pt_dns_opts_same_table(&o, &p));
	p = o;
	p.ports[0] = 0;
	assert_int_equal(pt_dns_opts_check(&p, err, sizeof(err)), -EINVAL);
}

static const char *tmpfile_with(const char *text)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/pt-dns-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_settings_section(void **state)
{
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };
	const char *path;

	path = tmpfile_with("[dns]\nenabled = no\nmax_entries = 100\nmin_ttl = 0\n"
			    "max_ttl = 30\nnames_per_address = 2\nports = 53, 5353\n"
			    "pending_entries = 1024\n");
	assert_int_equal(pt_settings_load(&s, path, true, &d), 0);
	assert_int_equal(d.n, 0);
	assert_false(s.dns.enabled);
	assert_int_equal(s.dns.max_entries, 100);
	assert_int_equal(s.dns.min_ttl, 0);
	assert_int_equal(s.dns.max_ttl, 30);
	assert_int_equal(s.dns.names_per_addr, 2);
	assert_int_equal(s.dns.ports[1], 5353);
	assert_int_equal(s.dns.pending_entries, 1024);
	unlink(path);
	pt_diags_free(&d);

	/* bad values are errors at their line, unknown keys warnings, across keys at the end */
	path = tmpfile_with("[dns]\nmax_entries = 15\nmin_ttl = 100\nmax_ttl = 50\nttl = 3\n");
	memset(&d, 0, sizeof(d));
	assert_int_equal(pt_settings_load(&s, path, true, &d), -EINVAL);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.v[0].level, PT_DIAG_ERROR);
	assert_int_equal(d.v[0].line, 2);
	assert_non_null(strstr(d.v[0].msg, "max_entries: '15' is not a number in 16-1048576"));
	assert_int_equal(d.v[1].level, PT_DIAG_WARNING);
	assert_int_equal(d.v[1].line, 5);
	assert_non_null(strstr(d.v[1].msg, "unknown key 'ttl' in [dns]"));
	assert_int_equal(d.v[2].level, PT_DIAG_ERROR);
	assert_non_null(strstr(d.v[2].msg, "[dns] min_ttl (100) and max_ttl (50)"));
	unlink(path);
	pt_diags_free(&d);

	/* no [dns] section: the defaults */
	pt_settings_init(&s);
	assert_true(s.dns.enabled);
	assert_int_equal(s.dns.max_entries, PT_DNS_DEFAULT_ENTRIES);
}

static void test_yaml_dns_key(void **state)
{
	struct pt_config cfg;
	struct pt_diags d = { 0 };
	struct pt_dns_opts o;
	const char *path;

	path = tmpfile_with("tcp_connect:\n  dns: false\nudp_session:\n  dns: yes\n"
			    "tcp_accept:\nnet_listen:\n  dns: 3\n");
	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].line, 7); /* dns: 3 is not a boolean */
	pt_diags_free(&d);
	unlink(path);

	path = tmpfile_with("tcp_connect:\n  dns: false\nudp_session:\n  dns: yes\ntcp_accept:\n");
	memset(&d, 0, sizeof(d));
	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), 0);
	assert_int_equal(d.n, 0);
	assert_false(pt_config_probe(&cfg, "tcp_connect")->dns);
	assert_true(pt_config_probe(&cfg, "udp_session")->dns);
	assert_true(pt_config_probe(&cfg, "tcp_accept")->dns); /* default */
	assert_true(pt_config_probe(&cfg, "net_listen")->dns);
	/* the capture's configuration, set by the daemon, freed with the config */
	assert_false(cfg.dns.present);
	assert_null(cfg.dns.opts);
	pt_dns_opts_init(&o);
	o.max_entries = 77;
	assert_int_equal(pt_config_set_dns(&cfg, &o, true), 0);
	assert_true(cfg.dns.present);
	assert_int_equal(((struct pt_dns_opts *)cfg.dns.opts)->max_entries, 77);
	assert_int_equal(pt_config_set_dns(&cfg, &o, false), 0); /* again: no leak */
	assert_false(cfg.dns.present);
	pt_config_free(&cfg);
	unlink(path);
}

/* ---- the event's names in every format ---------------------------------- */

static void test_json_names(void **state)
{
	struct pt_udp_dest dst[2];
	struct pt_event ev;
	struct pt_buf b;

	pt_buf_init(&b);
	make_event(&ev, "tcp_connect");
	strcpy(ev.daddr, "203.0.113.5");
	strcpy(ev.saddr, "10.0.0.2");
	/* unknown: no key at all */
	expect_no(&b, &ev, "_name");
	set_name(&ev.peer_name, "shop.example.com", NULL, NULL);
	expect_part(&b, &ev, "\"daddr\":\"203.0.113.5\",\"daddr_name\":\"shop.example.com\","
			     "\"saddr\":\"10.0.0.2\",\"port\":443,");
	expect_no(&b, &ev, "daddr_cnames");
	set_name(&ev.peer_name, "shop.example.com", "shop.example.com.edge.example.net",
		 "e9.akam.example.net");
	expect_part(&b, &ev, "\"daddr_name\":\"shop.example.com\",\"daddr_cnames\":"
			     "[\"shop.example.com.edge.example.net\",\"e9.akam.example.net\"],"
			     "\"saddr\":");
	/* names hold printable ASCII with zone-file escapes: JSON escapes the backslash and quote */
	set_name(&ev.peer_name, "a\\\"b.example", NULL, NULL);
	expect_part(&b, &ev, "\"daddr_name\":\"a\\\\\\\"b.example\"");

	/* tcp_accept: the peer is saddr */
	make_event(&ev, "tcp_accept");
	strcpy(ev.saddr, "198.51.100.7");
	ev.sport = 40000;
	strcpy(ev.daddr, "10.0.0.2");
	set_name(&ev.peer_name, "client.example.net", "x.example.net", NULL);
	expect_part(&b, &ev, "\"saddr\":\"198.51.100.7\",\"saddr_name\":\"client.example.net\","
			     "\"saddr_cnames\":[\"x.example.net\"],\"sport\":40000,"
			     "\"daddr\":\"10.0.0.2\",\"port\":443,");
	expect_no(&b, &ev, "daddr_name");

	/* udp_session: per destination, right after its daddr */
	memset(dst, 0, sizeof(dst));
	strcpy(dst[0].daddr, "192.0.2.1");
	dst[0].port = 443;
	set_name(&dst[0].name, "quic.example.org", NULL, NULL);
	strcpy(dst[1].daddr, "192.0.2.2");
	dst[1].port = 53;
	make_event(&ev, "udp_session");
	ev.dests = dst;
	ev.ndests = 2;
	expect_part(&b, &ev, "[{\"daddr\":\"192.0.2.1\",\"daddr_name\":\"quic.example.org\","
			     "\"port\":443,\"duration\":0.0,\"msg_count\":0},"
			     "{\"daddr\":\"192.0.2.2\",\"port\":53,");

	/* plugins cannot take the keys; a reset event has no name */
	assert_int_equal(pt_event_add_str(&ev, "daddr_name", "x"), -EINVAL);
	assert_int_equal(pt_event_add_str(&ev, "saddr_cnames", "x"), -EINVAL);
	ev.peer.family = 2;
	set_name(&ev.peer_name, "x.example", NULL, NULL);
	pt_event_reset(&ev);
	assert_null(ev.peer_name.name);
	assert_int_equal(ev.peer.family, 0);
	pt_buf_free(&b);
}

/* value k of journal field name, or NULL */
static const char *jd_value(const struct pt_jd_fields *f, const char *name, int k, char *out,
			    size_t size)
{
	const char *p = f->data.data;
	size_t nl = strlen(name);

	for (size_t i = 0; i < f->n; p += f->lens[i], i++) {
		if (f->lens[i] > nl && !memcmp(p, name, nl) && p[nl] == '=' && k-- == 0) {
			snprintf(out, size, "%.*s", (int)(f->lens[i] - nl - 1), p + nl + 1);
			return out;
		}
	}
	return NULL;
}

static void test_journald_names(void **state)
{
	struct pt_udp_dest dst[3];
	struct pt_sink_opts so;
	struct pt_jd_fields f;
	struct pt_event ev;
	char v[512];

	pt_sink_opts_init(&so);
	pt_jd_fields_init(&f, &so.journald);
	make_event(&ev, "tcp_connect");
	strcpy(ev.daddr, "203.0.113.5");
	strcpy(ev.saddr, "10.0.0.2");
	assert_true(pt_jd_fields_build(&f, &ev, NULL, 0));
	assert_null(jd_value(&f, "PIDTREE_DADDR_NAME", 0, v, sizeof(v)));
	set_name(&ev.peer_name, "shop.example.com", "edge.example.net", "e9.akam.example.net");
	assert_true(pt_jd_fields_build(&f, &ev, NULL, 0));
	assert_string_equal(jd_value(&f, "PIDTREE_DADDR_NAME", 0, v, sizeof(v)), "shop.example.com");
	assert_string_equal(jd_value(&f, "PIDTREE_DADDR_CNAMES", 0, v, sizeof(v)),
			    "edge.example.net e9.akam.example.net");
	assert_null(jd_value(&f, "PIDTREE_SADDR_NAME", 0, v, sizeof(v)));
	assert_non_null(strstr(jd_value(&f, "MESSAGE", 0, v, sizeof(v)),
			       "tcp_connect 203.0.113.5:443 (shop.example.com) "));

	make_event(&ev, "tcp_accept");
	strcpy(ev.saddr, "198.51.100.7");
	strcpy(ev.daddr, "10.0.0.2");
	set_name(&ev.peer_name, "client.example.net", NULL, NULL);
	assert_true(pt_jd_fields_build(&f, &ev, NULL, 0));
	assert_string_equal(jd_value(&f, "PIDTREE_SADDR_NAME", 0, v, sizeof(v)), "client.example.net");
	assert_null(jd_value(&f, "PIDTREE_SADDR_CNAMES", 0, v, sizeof(v)));
	assert_null(jd_value(&f, "PIDTREE_DADDR_NAME", 0, v, sizeof(v)));

	/* udp_session: one value per named destination, in order */
	memset(dst, 0, sizeof(dst));
	strcpy(dst[0].daddr, "192.0.2.1");
	set_name(&dst[0].name, "one.example", NULL, NULL);
	strcpy(dst[1].daddr, "192.0.2.2");
	strcpy(dst[2].daddr, "192.0.2.3");
	set_name(&dst[2].name, "three.example", NULL, NULL);
	make_event(&ev, "udp_session");
	ev.dests = dst;
	ev.ndests = 3;
	assert_true(pt_jd_fields_build(&f, &ev, NULL, 0));
	assert_string_equal(jd_value(&f, "PIDTREE_DADDR_NAME", 0, v, sizeof(v)), "one.example");
	assert_string_equal(jd_value(&f, "PIDTREE_DADDR_NAME", 1, v, sizeof(v)), "three.example");
	assert_null(jd_value(&f, "PIDTREE_DADDR_NAME", 2, v, sizeof(v)));
	assert_non_null(strstr(jd_value(&f, "MESSAGE", 0, v, sizeof(v)),
			       " 192.0.2.1:0 (one.example), 192.0.2.2:0, 192.0.2.3:0 (three.example) "));
	pt_jd_fields_free(&f);
}

static void test_syslog_and_summary_names(void **state)
{
	struct pt_syslog_fmt fmt = { .facility = 10, .severity = 6, .hostname = "h",
				     .app_name = "pidtree", .sd_id = "pidtree@32473",
				     .max_size = 8192 };
	struct pt_event ev;
	struct pt_buf b, json;

	pt_buf_init(&b);
	pt_buf_init(&json);
	make_event(&ev, "tcp_connect");
	strcpy(ev.daddr, "203.0.113.5");
	strcpy(ev.saddr, "10.0.0.2");
	set_name(&ev.peer_name, "shop.example.com", "edge.example.net", NULL);
	pt_json_event(&json, &ev);
	assert_int_equal(pt_syslog_format(&b, &fmt, &ev, json.data, json.len), 0);
	assert_non_null(strstr(pt_buf_str(&b), " daddr=\"203.0.113.5\" daddr_name=\"shop.example.com\""
					      " saddr=\"10.0.0.2\" port=\"443\""));
	assert_null(strstr(pt_buf_str(&b), "cnames=")); /* the chain is in MSG only */

	make_event(&ev, "tcp_accept");
	strcpy(ev.saddr, "198.51.100.7");
	strcpy(ev.daddr, "10.0.0.2");
	ev.sport = 40000;
	set_name(&ev.peer_name, "client.example.net", NULL, NULL);
	pt_buf_reset(&json);
	pt_json_event(&json, &ev);
	pt_buf_reset(&b);
	assert_int_equal(pt_syslog_format(&b, &fmt, &ev, json.data, json.len), 0);
	assert_non_null(strstr(pt_buf_str(&b), " saddr=\"198.51.100.7\" saddr_name=\"client.example.net\""));
	assert_null(strstr(pt_buf_str(&b), "daddr_name"));

	pt_buf_reset(&b);
	pt_event_summary(&b, &ev, &(struct pt_summary_opts){ 0 });
	assert_non_null(strstr(pt_buf_str(&b), "tcp_accept accepted from "
					       "198.51.100.7:40000 (client.example.net) on 10.0.0.2:443 "));
	/* no name: the summary as before */
	ev.peer_name.name = NULL;
	pt_buf_reset(&b);
	pt_event_summary(&b, &ev, &(struct pt_summary_opts){ 0 });
	assert_null(strstr(pt_buf_str(&b), "(client"));
	pt_buf_free(&b);
	pt_buf_free(&json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_settings_section),
		cmocka_unit_test(test_yaml_dns_key),
		cmocka_unit_test(test_json_names),
		cmocka_unit_test(test_journald_names),
		cmocka_unit_test(test_syslog_and_summary_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the probe configuration loader (config_yaml.c, config.c,
 * config_probe.c): the fixture files under tests/fixtures/config/ and a table
 * of small inline configurations, each with the exact list of diagnostics
 * (level, line, message fragment) it must produce.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "keys.h"
#include "net_listen.h"
#include "schemas.h"
#include "udp_session.h"

#define CFG_DIR FIXTURES_DIR "/config"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PROBE(cfg, name) pt_config_probe((cfg), (name))
#define NL(pc) ((const struct pt_net_listen_opts *)(pc)->opts)
#define US(pc) ((const struct pt_udp_session_opts *)(pc)->opts)

/* ---- helpers -------------------------------------------------------------- */

struct expect {
	char level; /* 'E' error, 'W' warning, 0 ends the list */
	int line;
	const char *msg; /* fragment of the message */
	const char *file; /* suffix of the file name, NULL = the loaded file */
};

#define ERR(l, m) { 'E', (l), (m), NULL }
#define WARN(l, m) { 'W', (l), (m), NULL }
#define ERR_IN(f, l, m) { 'E', (l), (m), (f) }
#define END { 0, 0, NULL, NULL }

static void dump_diags(const struct pt_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		print_message("  diag %zu: %s %s:%d: %s\n", i,
			      d->v[i].level == PT_DIAG_ERROR ? "E" : "W",
			      d->v[i].file ? d->v[i].file : "-", d->v[i].line, d->v[i].msg);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && !strcmp(s + ls - lx, suffix);
}

/* The diagnostics must be exactly e[], in order. */
static void check_diags(const struct pt_diags *d, const char *path, const struct expect *e)
{
	size_t i, n = 0, nerr = 0;

	while (e[n].level) {
		if (e[n].level == 'E')
			nerr++;
		n++;
	}
	if (d->n != n)
		dump_diags(d);
	assert_int_equal(d->n, n);
	assert_int_equal(d->nerrors, nerr);
	for (i = 0; i < n; i++) {
		const struct pt_diag *g = &d->v[i];

		if (g->level != (e[i].level == 'E' ? PT_DIAG_ERROR : PT_DIAG_WARNING) ||
		    g->line != e[i].line || !strstr(g->msg, e[i].msg))
			dump_diags(d);
		assert_int_equal(g->level, e[i].level == 'E' ? PT_DIAG_ERROR : PT_DIAG_WARNING);
		assert_int_equal(g->line, e[i].line);
		assert_non_null(strstr(g->msg, e[i].msg));
		assert_non_null(g->file);
		if (e[i].file)
			assert_true(ends_with(g->file, e[i].file));
		else
			assert_string_equal(g->file, path);
	}
}

/* Write text to a fresh temporary .yml file; path gets its name. */
static void write_temp(const char *text, char *path, size_t size)
{
	const char *tmp = getenv("TMPDIR");
	size_t len = strlen(text);
	int fd;

	snprintf(path, size, "%s/pt_test_config_XXXXXX.yml", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static const struct pt_net_filter *find_filter(const struct pt_probe_config *pc,
					       const char *name)
{
	size_t i;

	for (i = 0; i < pc->filter.nfilters; i++)
		if (!strcmp(pc->filter.filters[i].subnet_name, name))
			return &pc->filter.filters[i];
	return NULL;
}

static void assert_net(const struct pt_net_filter *f, const char *addr, int prefixlen)
{
	char txt[INET6_ADDRSTRLEN];

	assert_non_null(f);
	assert_non_null(inet_ntop(f->family, f->addr, txt, sizeof(txt)));
	assert_string_equal(txt, addr);
	assert_int_equal(f->prefixlen, prefixlen);
}

static void assert_range(const struct pt_port_range *r, unsigned int lo, unsigned int hi)
{
	assert_int_equal(r->lo, lo);
	assert_int_equal(r->hi, hi);
}

static const struct pt_plugin_config *find_plugin(const struct pt_probe_config *pc,
						  const char *name)
{
	size_t i;

	for (i = 0; i < pc->nplugins; i++)
		if (!strcmp(pc->plugins[i].name, name))
			return &pc->plugins[i];
	return NULL;
}

static void assert_defaults(const struct pt_probe_config *pc)
{
	assert_int_equal(pc->filter.nfilters, 0);
	assert_int_equal(pc->filter.port_mode, PT_PORTS_NONE);
	assert_int_equal(pc->filter.nports, 0);
	assert_int_equal(pc->nplugins, 0);
	if (!strcmp(pc->schema->name, "net_listen")) {
		assert_int_equal(NL(pc)->protocols, PT_LISTEN_TCP);
		assert_int_equal(NL(pc)->snapshot_periodicity, 0);
		assert_int_equal(NL(pc)->snapshot_delay, 5);
		assert_false(NL(pc)->same_namespace_only);
		assert_false(NL(pc)->exclude_random_bind);
	}
	if (!strcmp(pc->schema->name, "udp_session"))
		assert_int_equal(US(pc)->session_max_duration, 120);
}

static bool cfg_is_zero(const struct pt_config *cfg)
{
	static const struct pt_config zero;

	return !memcmp(cfg, &zero, sizeof(zero));
}

/* Load a fixture file, check its diagnostics and the return code. */
static int load_fixture(struct pt_config *cfg, const char *name, const struct expect *e)
{
	struct pt_diags d = { 0 };
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), CFG_DIR "/%s", name);
	ret = pt_config_load(cfg, path, schemas(), &d);
	check_diags(&d, path, e);
	pt_diags_free(&d);
	if (ret)
		assert_true(cfg_is_zero(cfg));
	return ret;
}

/* ---- value parsers -------------------------------------------------------- */

static void test_parse_bool(void **state)
{
	static const char *const t[] = { "true", "True", "TRUE", "yes", "Yes", "on", "ON" };
	static const char *const f[] = { "false", "False", "no", "NO", "off", "Off" };
	static const char *const bad[] = { "", "1", "0", "y", "n", "truee", "maybe", " true" };
	size_t i;
	bool b;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		b = false;
		assert_int_equal(pt_parse_bool(t[i], &b), 0);
		assert_true(b);
	}
	for (i = 0; i < ARRAY_SIZE(f); i++) {
		b = true;
		assert_int_equal(pt_parse_bool(f[i], &b), 0);
		assert_false(b);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(pt_parse_bool(bad[i], &b), -EINVAL);
	assert_int_equal(pt_parse_bool(NULL, &b), -EINVAL);
}

static void test_parse_port_range(void **state)
{
	static const char *const bad[] = {
		"", "0", "65536", "99999999999", "-1", "9-3", "1-", "-5", "a", "80x", "1-2-3",
		"0-10", "10-65536", "0x50", "1.5",
	};
	struct pt_port_range r;
	size_t i;

	assert_int_equal(pt_parse_port_range("80", &r), 0);
	assert_range(&r, 80, 80);
	assert_int_equal(pt_parse_port_range("1", &r), 0);
	assert_range(&r, 1, 1);
	assert_int_equal(pt_parse_port_range("65535", &r), 0);
	assert_range(&r, 65535, 65535);
	assert_int_equal(pt_parse_port_range("30000-40000", &r), 0);
	assert_range(&r, 30000, 40000);
	assert_int_equal(pt_parse_port_range("7-7", &r), 0);
	assert_range(&r, 7, 7);
	assert_int_equal(pt_parse_port_range("1-65535", &r), 0);
	assert_range(&r, 1, 65535);
	assert_int_equal(pt_parse_port_range("100 - 200", &r), 0);
	assert_range(&r, 100, 200);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (pt_parse_port_range(bad[i], &r) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_int_equal(pt_parse_port_range(NULL, &r), -EINVAL);
}

/* ---- fixture files -------------------------------------------------------- */

static void test_example_config(void **state)
{
	static const struct expect e[] = { END };
	static const char *const names[] = { "10", "17216", "169254", "127" };
	const struct pt_probe_config *tc, *nl, *us;
	const struct pt_plugin_config *p;
	const struct pt_ynode *hf;
	struct pt_config cfg;
	char *real;
	size_t i;

	assert_int_equal(load_fixture(&cfg, "pidtree-bcc-example.yml", e), 0);
	tc = PROBE(&cfg, "tcp_connect");
	nl = PROBE(&cfg, "net_listen");
	us = PROBE(&cfg, "udp_session");
	assert_true(tc->present && nl->present && us->present);
	assert_string_equal(tc->schema->name, "tcp_connect");
	assert_int_equal(us->line, 33);
	assert_int_equal(tc->line, 35);
	assert_int_equal(nl->line, 45);

	/* the anchored list is used by both tcp_connect and udp_session */
	assert_int_equal(tc->filter.nfilters, 4);
	assert_int_equal(us->filter.nfilters, 4);
	for (i = 0; i < 4; i++) {
		assert_string_equal(tc->filter.filters[i].subnet_name, names[i]);
		assert_string_equal(us->filter.filters[i].subnet_name, names[i]);
		assert_int_equal(tc->filter.filters[i].mode, PT_FILTER_ALL);
		assert_int_equal(tc->filter.filters[i].family, AF_INET);
	}
	assert_net(&tc->filter.filters[0], "10.0.0.0", 8);
	assert_net(&tc->filter.filters[1], "172.16.0.0", 12);
	assert_net(&tc->filter.filters[2], "169.254.0.0", 16);
	assert_net(&us->filter.filters[3], "127.0.0.0", 8);
	assert_string_equal(tc->filter.filters[0].description, "all RFC 1918 10/8");
	assert_int_equal(tc->filter.filters[0].line, 3);
	assert_int_equal(tc->filter.port_mode, PT_PORTS_NONE);

	/* container_labels: [key=value] on tcp_connect only */
	assert_int_equal(tc->containers.n, 1);
	assert_int_equal(tc->containers.v[0].n, 1);
	assert_string_equal(tc->containers.v[0].terms[0].key, "key");
	assert_string_equal(tc->containers.v[0].terms[0].glob, "value");
	assert_int_equal(us->containers.n, 0);
	assert_int_equal(nl->containers.n, 0);

	assert_int_equal(tc->nplugins, 1);
	p = &tc->plugins[0];
	assert_string_equal(p->name, "sourceipmap");
	assert_true(p->enabled);
	assert_false(p->unload_on_init_exception);
	assert_int_equal(p->line, 40);
	assert_non_null(p->args);
	assert_string_equal(pt_ynode_get(p->args, "attribute_key")->scalar, "source_host");
	hf = pt_ynode_get(p->args, "hostfiles");
	assert_non_null(hf);
	assert_int_equal(hf->type, PT_Y_SEQUENCE);
	assert_int_equal(hf->n, 1);
	assert_string_equal(hf->items[0]->scalar, "/etc/hosts");
	assert_true(hf->items[0]->quoted);
	assert_int_equal(hf->items[0]->line, 43);

	assert_int_equal(NL(nl)->snapshot_periodicity, 43200);
	assert_int_equal(NL(nl)->snapshot_delay, 5);
	assert_int_equal(NL(nl)->protocols, PT_LISTEN_TCP);
	assert_false(NL(nl)->same_namespace_only);
	assert_false(NL(nl)->exclude_random_bind);
	assert_int_equal(nl->filter.nfilters, 1);
	assert_net(&nl->filter.filters[0], "127.0.0.0", 8);
	assert_int_equal(nl->filter.filters[0].line, 51);
	assert_int_equal(nl->filter.port_mode, PT_PORTS_EXCLUDE);
	assert_int_equal(nl->filter.nports, 2);
	assert_range(&nl->filter.ports[0], 22222, 22222);
	assert_range(&nl->filter.ports[1], 30000, 40000);
	assert_int_equal(US(us)->session_max_duration, 120);

	assert_int_equal(cfg.tree.nfiles, 1);
	real = realpath(CFG_DIR "/pidtree-bcc-example.yml", NULL);
	assert_non_null(real);
	assert_string_equal(cfg.tree.files[0], real);
	free(real);
	pt_config_free(&cfg);
	assert_true(cfg_is_zero(&cfg));
}

static void test_good_config(void **state)
{
	static const struct expect e[] = { END };
	const struct pt_probe_config *tc, *nl, *us;
	const struct pt_net_filter *f;
	const struct pt_plugin_config *p;
	struct pt_config cfg;

	assert_int_equal(load_fixture(&cfg, "good.yml", e), 0);
	tc = PROBE(&cfg, "tcp_connect");
	nl = PROBE(&cfg, "net_listen");
	us = PROBE(&cfg, "udp_session");

	assert_int_equal(tc->filter.nfilters, 5);
	f = find_filter(tc, "10");
	assert_net(f, "10.0.0.0", 8);
	assert_int_equal(f->family, AF_INET);
	assert_string_equal(f->description, "CIDR, no mask");
	assert_int_equal(f->mode, PT_FILTER_ALL);
	f = find_filter(tc, "17216");
	assert_net(f, "172.16.0.0", 12); /* CIDR and an agreeing mask */
	assert_null(f->description);
	assert_int_equal(f->mode, PT_FILTER_EXCEPT);
	assert_int_equal(f->nranges, 3);
	assert_range(&f->ranges[0], 443, 443);
	assert_range(&f->ranges[1], 8000, 8080);
	assert_range(&f->ranges[2], 9000, 9000);
	f = find_filter(tc, "v6ula");
	assert_net(f, "fd00::", 8);
	assert_int_equal(f->family, AF_INET6);
	assert_int_equal(f->mode, PT_FILTER_INCLUDE);
	assert_int_equal(f->nranges, PT_MAX_PORT_RANGES);
	assert_range(&f->ranges[7], 100, 200);
	assert_int_equal(f->line, 10);
	f = find_filter(tc, "v6lo");
	assert_net(f, "::1", 128);
	assert_int_equal(f->family, AF_INET6);
	f = find_filter(tc, "lo");
	assert_net(f, "127.0.0.0", 8); /* mask given as a prefix length */
	assert_non_null(find_filter(us, "lo"));
	assert_int_equal(us->filter.nfilters, 5);

	assert_int_equal(tc->filter.port_mode, PT_PORTS_INCLUDE);
	assert_int_equal(tc->filter.nports, 3);
	assert_range(&tc->filter.ports[2], 8000, 9000);

	/* plugins come from the "<<" merge of the _common anchor */
	assert_int_equal(tc->nplugins, 2);
	p = find_plugin(tc, "sourceipmap");
	assert_non_null(p);
	assert_true(p->enabled);
	assert_int_equal(p->line, 22);
	assert_string_equal(pt_ynode_get(p->args, "attribute_key")->scalar, "source_host");
	p = find_plugin(tc, "loginuidmap");
	assert_non_null(p);
	assert_true(p->enabled);
	assert_false(p->unload_on_init_exception);
	assert_null(p->args);

	assert_int_equal(NL(nl)->protocols, PT_LISTEN_TCP | PT_LISTEN_UDP);
	assert_int_equal(NL(nl)->snapshot_periodicity, 60);
	assert_int_equal(NL(nl)->snapshot_delay, 0);
	assert_true(NL(nl)->same_namespace_only);
	assert_true(NL(nl)->exclude_random_bind);
	assert_int_equal(nl->filter.port_mode, PT_PORTS_EXCLUDE);
	assert_int_equal(nl->filter.nports, 2);
	assert_range(&nl->filter.ports[1], 1000, 2000);
	assert_int_equal(nl->filter.nfilters, 0);

	assert_int_equal(US(us)->session_max_duration, 30);
	p = find_plugin(us, "loginuidmap");
	assert_non_null(p);
	assert_false(p->enabled);
	assert_true(p->unload_on_init_exception);
	assert_non_null(p->args);
	pt_config_free(&cfg);
}

static void test_empty_files(void **state)
{
	static const struct expect e[] = { END };
	static const char *const files[] = { "empty.yml", "comments_only.yml" };
	struct pt_config cfg;
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		assert_int_equal(load_fixture(&cfg, files[i], e), 0);
		assert_non_null(cfg.tree.root);
		assert_int_equal(cfg.tree.root->type, PT_Y_NULL);
		assert_int_equal(cfg.tree.nfiles, 1);
		for (k = 0; k < (int)cfg.nprobes; k++) {
			assert_false(cfg.probes[k].present);
			assert_ptr_equal(cfg.probes[k].schema, schemas()[k]);
			assert_defaults(&cfg.probes[k]);
		}
		pt_config_free(&cfg);
	}
}

static void test_include_nested(void **state)
{
	static const struct expect e[] = { END };
	const struct pt_probe_config *tc, *nl;
	struct pt_config cfg;
	char *real;

	assert_int_equal(load_fixture(&cfg, "inc_main.yml", e), 0);
	tc = PROBE(&cfg, "tcp_connect");
	nl = PROBE(&cfg, "net_listen");
	assert_true(tc->present);
	assert_int_equal(tc->filter.nfilters, 2);
	assert_net(find_filter(tc, "lo"), "127.0.0.0", 8);
	assert_net(find_filter(tc, "lo6"), "::1", 128);
	assert_true(ends_with(tc->filter.filters[1].file, "/config/inc/level2.yml"));
	assert_int_equal(tc->filter.filters[1].line, 3);
	assert_int_equal(tc->filter.port_mode, PT_PORTS_EXCLUDE);
	assert_int_equal(tc->filter.nports, 1);
	assert_int_equal(nl->filter.nfilters, 2);

	/* every file once, realpath()'d, the main file first */
	assert_int_equal(cfg.tree.nfiles, 3);
	real = realpath(CFG_DIR "/inc_main.yml", NULL);
	assert_string_equal(cfg.tree.files[0], real);
	free(real);
	real = realpath(CFG_DIR "/inc/level1.yml", NULL);
	assert_string_equal(cfg.tree.files[1], real);
	free(real);
	real = realpath(CFG_DIR "/inc/level2.yml", NULL);
	assert_string_equal(cfg.tree.files[2], real);
	free(real);
	pt_config_free(&cfg);
}

static void test_include_syntax_error(void **state)
{
	static const struct expect e[] = {
		ERR_IN("/config/inc/syntax_error.yml", 3, "YAML syntax error"),
		ERR_IN("/config/inc_syntax.yml", 3, "excludeports: invalid port or port range '0'"),
		END,
	};
	struct pt_config cfg;

	assert_int_equal(load_fixture(&cfg, "inc_syntax.yml", e), -EINVAL);
}

static void test_include_cycle(void **state)
{
	static const struct expect e[] = {
		ERR_IN("/config/cycle_b.yml", 2, "include cycle: "),
		END,
	};
	struct pt_diags d = { 0 };
	struct pt_config cfg;
	char msg[3 * PATH_MAX];
	int ret;

	ret = pt_config_load(&cfg, CFG_DIR "/cycle_a.yml", schemas(), &d);
	assert_int_equal(ret, -EINVAL);
	assert_true(cfg_is_zero(&cfg));
	check_diags(&d, NULL, e);
	snprintf(msg, sizeof(msg), "include cycle: %s -> %s -> %s", CFG_DIR "/cycle_a.yml",
		 CFG_DIR "/cycle_b.yml", CFG_DIR "/cycle_a.yml");
	assert_string_equal(d.v[0].msg, msg);
	assert_string_equal(d.v[0].file, CFG_DIR "/cycle_b.yml");
	pt_diags_free(&d);
}

static void test_include_self(void **state)
{
	static const struct expect e[] = {
		ERR(2, "include cycle: " CFG_DIR "/self_include.yml -> "
		       CFG_DIR "/self_include.yml"),
		END,
	};
	struct pt_config cfg;

	assert_int_equal(load_fixture(&cfg, "self_include.yml", e), -EINVAL);
}

static void test_include_missing(void **state)
{
	/* the unknown protocol further down is reported too */
	static const struct expect e[] = {
		ERR(2, "cannot open include '" CFG_DIR "/does_not_exist.yml': No such file"),
		ERR(4, "unknown protocol 'sctp'"),
		END,
	};
	struct pt_config cfg;

	assert_int_equal(load_fixture(&cfg, "missing_include.yml", e), -EINVAL);
}

static void test_open_failure(void **state)
{
	static const struct expect e[] = { ERR(0, "cannot open: No such file or directory"), END };
	const char *path = CFG_DIR "/no/such/file.yml";
	struct pt_diags d = { 0 };
	struct pt_config cfg;

	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), -ENOENT);
	assert_true(cfg_is_zero(&cfg));
	check_diags(&d, path, e);
	pt_diags_free(&d);
	/* a directory is not a configuration file */
	assert_int_equal(pt_config_load(&cfg, CFG_DIR, schemas(), &d), -EISDIR);
	assert_int_equal(d.nerrors, 1);
	pt_diags_free(&d);
}

static void test_free_zeroed(void **state)
{
	struct pt_config cfg;
	struct pt_ytree t;
	struct pt_diags d;

	memset(&cfg, 0, sizeof(cfg));
	pt_config_free(&cfg);
	pt_config_free(&cfg);
	memset(&t, 0, sizeof(t));
	pt_ytree_free(&t);
	memset(&d, 0, sizeof(d));
	pt_diags_free(&d);
	assert_null(pt_ynode_get(NULL, "x"));
}

/* Diagnostics accumulate over loads; each load judges only its own errors. */
static void test_diags_accumulate(void **state)
{
	struct pt_diags d = { 0 };
	struct pt_config cfg;

	assert_int_equal(pt_config_load(&cfg, CFG_DIR "/self_include.yml", schemas(), &d), -EINVAL);
	assert_int_equal(pt_config_load(&cfg, CFG_DIR "/good.yml", schemas(), &d), 0);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.n, 1);
	pt_config_free(&cfg);
	pt_diag_add(&d, PT_DIAG_WARNING, NULL, 0, "no file %d", 42);
	assert_string_equal(d.v[1].msg, "no file 42");
	assert_null(d.v[1].file);
	assert_int_equal(d.nerrors, 1);
	pt_diags_print(&d);
	pt_diags_free(&d);
}

/* ---- inline configurations ------------------------------------------------ */

struct tcase {
	const char *name;
	const char *yaml;
	struct expect e[12];
	void (*check)(const struct pt_config *cfg);
};

static void check_defaults(const struct pt_config *cfg)
{
	assert_true(PROBE(cfg, "tcp_connect")->present);
	assert_true(PROBE(cfg, "net_listen")->present);
	assert_false(PROBE(cfg, "udp_session")->present);
	assert_int_equal(PROBE(cfg, "net_listen")->line, 3);
	assert_defaults(PROBE(cfg, "tcp_connect"));
	assert_defaults(PROBE(cfg, "net_listen"));
	assert_defaults(PROBE(cfg, "udp_session"));
}

static void check_host_bits(const struct pt_config *cfg)
{
	const struct pt_probe_config *pc = PROBE(cfg, "tcp_connect");

	assert_net(find_filter(pc, "a"), "10.0.0.0", 8);
	assert_net(find_filter(pc, "b"), "fd00::", 8);
	assert_net(find_filter(pc, "c"), "192.168.0.0", 16);
	assert_net(find_filter(pc, "d"), "0.0.0.0", 0);
}

static void check_empty_ports(const struct pt_config *cfg)
{
	const struct pt_probe_config *pc = PROBE(cfg, "tcp_connect");

	assert_int_equal(pc->filter.filters[0].mode, PT_FILTER_ALL);
	assert_int_equal(pc->filter.filters[0].nranges, 0);
	assert_int_equal(pc->filter.filters[1].mode, PT_FILTER_INCLUDE);
	assert_int_equal(pc->filter.filters[1].nranges, 1);
}

static void check_include_wins(const struct pt_config *cfg)
{
	const struct pt_probe_config *pc = PROBE(cfg, "tcp_connect");

	assert_int_equal(pc->filter.port_mode, PT_PORTS_INCLUDE);
	assert_int_equal(pc->filter.nports, 1);
	assert_range(&pc->filter.ports[0], 80, 80);
	pc = PROBE(cfg, "net_listen");
	assert_int_equal(pc->filter.port_mode, PT_PORTS_EXCLUDE); /* empty includeports */
	assert_range(&pc->filter.ports[0], 22, 22);
}

static void check_merge(const struct pt_config *cfg)
{
	const struct pt_probe_config *pc = PROBE(cfg, "net_listen");

	assert_int_equal(NL(pc)->snapshot_delay, 7);         /* explicit beats merged */
	assert_int_equal(NL(pc)->snapshot_periodicity, 10);  /* first list item wins */
	assert_true(NL(pc)->same_namespace_only);            /* from the second item */
	assert_int_equal(NL(pc)->protocols, PT_LISTEN_UDP);   /* duplicate key: last wins */
}

static void check_mapped(const struct pt_config *cfg)
{
	const struct pt_probe_config *pc = PROBE(cfg, "tcp_connect");

	assert_int_equal(pc->filter.nfilters, 2);
	assert_net(find_filter(pc, "m"), "10.1.0.0", 16);
	assert_int_equal(find_filter(pc, "part")->family, AF_INET6);
}

static void check_unknown(const struct pt_config *cfg)
{
	const struct pt_probe_config *pc = PROBE(cfg, "tcp_connect");

	/* another probe's keys under tcp_connect change nothing anywhere */
	assert_null(pc->opts);
	assert_int_equal(NL(PROBE(cfg, "net_listen"))->protocols, PT_LISTEN_TCP);
	assert_int_equal(US(PROBE(cfg, "udp_session"))->session_max_duration, 120);
	assert_int_equal(pc->filter.nfilters, 1);
}

#define FILTER_HEAD "tcp_connect:\n  filters:\n    - subnet_name: a\n" /* lines 1-3 */
#define B10 "[[[[[[[[[["
#define E10 "]]]]]]]]]]"

static void check_container_labels(const struct pt_config *cfg)
{
	const struct pt_label_filter *f = &PROBE(cfg, "tcp_connect")->containers;

	/* entries are ORed, terms within one ANDed */
	assert_int_equal(f->n, 2);
	assert_int_equal(f->v[0].n, 1);
	assert_string_equal(f->v[0].terms[0].key, "app");
	assert_string_equal(f->v[0].terms[0].glob, "web*");
	assert_int_equal(f->v[1].n, 2);
	assert_string_equal(f->v[1].terms[1].key, "team");
	assert_string_equal(f->v[1].terms[1].glob, "[a-c]*");
	/* an empty list: no filter */
	assert_int_equal(PROBE(cfg, "udp_session")->containers.n, 0);
	/* nothing trimmed, as pidtree-bcc */
	f = &PROBE(cfg, "net_listen")->containers;
	assert_int_equal(f->n, 1);
	assert_string_equal(f->v[0].terms[1].key, " tier");
}

static const struct tcase cases[] = {
	{ "defaults", "# probes with no options\ntcp_connect:\nnet_listen: {}\n_anchor: 1\n",
	  { END }, check_defaults },
	{ "root_not_mapping", "\n- tcp_connect\n",
	  { ERR(2, "the configuration must be a mapping of probe names"), END }, NULL },
	{ "root_scalar", "hello\n",
	  { ERR(1, "must be a mapping of probe names"), END }, NULL },
	{ "top_key_not_scalar", "? [a]\n: 1\n",
	  { ERR(1, "top-level keys must be probe names"), END }, NULL },
	{ "unknown_probe", "_ignored: {x: 1}\nfoo:\n  a: 1\ntcp_connect:\n",
	  { WARN(2, "unknown probe 'foo' ignored"), END }, NULL },
	{ "probe_not_mapping", "tcp_connect: [a]\nnet_listen: yes\n",
	  { ERR(1, "probe tcp_connect must be a mapping, got a list"),
	    ERR(2, "probe net_listen must be a mapping, got a scalar"),
	    END }, NULL },
	{ "filters_not_list", "tcp_connect:\n  filters:\n    a: 1\nudp_session:\n  filters: x\n",
	  { ERR(3, "filters must be a list, got a mapping"),
	    ERR(5, "filters must be a list, got a scalar"),
	    END }, NULL },
	{ "filter_not_mapping", "tcp_connect:\n  filters:\n    - 10.0.0.0\n    - [a]\n",
	  { ERR(3, "a filter must be a mapping, got a scalar"),
	    ERR(4, "a filter must be a mapping, got a list"),
	    END }, NULL },
	{ "filter_missing_keys", "tcp_connect:\n  filters:\n    - description: x\n",
	  { ERR(3, "filter without subnet_name"), ERR(3, "filter without network"),
	    END }, NULL },
	{ "filter_bad_types",
	  FILTER_HEAD "      network: [10.0.0.0]\n      description: {a: b}\n"
		      "    - subnet_name: {x: 1}\n      network: 10.0.0.0/8\n"
		      "    - subnet_name: c\n      network: 10.0.0.0\n      network_mask: [8]\n",
	  { ERR(4, "network must be an IP address, got a list"),
	    ERR(5, "description must be a string, got a mapping"),
	    ERR(6, "subnet_name must be a string or a number, got a mapping"),
	    ERR(10, "network_mask must be a mask or a prefix length, got a list"),
	    END }, NULL },
	{ "bad_address",
	  FILTER_HEAD "      network: 10.0.0.300\n      network_mask: 255.0.0.0\n"
		      "    - subnet_name: b\n      network: fd00::zz/8\n"
		      "    - subnet_name: c\n      network: 10.0.0.0%eth0/8\n",
	  { ERR(4, "invalid network address '10.0.0.300'"),
	    ERR(7, "invalid network address 'fd00::zz/8'"),
	    ERR(9, "invalid network address"),
	    END }, NULL },
	{ "mask_not_contiguous",
	  FILTER_HEAD "      network: 10.0.0.0\n      network_mask: 255.0.255.0\n"
		      "    - subnet_name: b\n      network: \"fd00::\"\n"
		      "      network_mask: \"ff00::ff\"\n",
	  { ERR(5, "network_mask '255.0.255.0' is not contiguous"),
	    ERR(8, "network_mask 'ff00::ff' is not contiguous"),
	    END }, NULL },
	{ "mask_family_mismatch",
	  FILTER_HEAD "      network: 10.0.0.0\n      network_mask: \"ff00::\"\n"
		      "    - subnet_name: b\n      network: \"fd00::\"\n"
		      "      network_mask: 255.0.0.0\n",
	  { ERR(5, "network_mask 'ff00::' is IPv6 but the network is IPv4"),
	    ERR(8, "network_mask '255.0.0.0' is IPv4 but the network is IPv6"),
	    END }, NULL },
	{ "mask_invalid",
	  FILTER_HEAD "      network: 10.0.0.0\n      network_mask: banana\n"
		      "    - subnet_name: b\n      network: 10.0.0.0\n      network_mask: 33\n"
		      "    - subnet_name: c\n      network: 10.0.0.0/33\n"
		      "    - subnet_name: d\n      network: fd00::/129\n"
		      "    - subnet_name: e\n      network: 10.0.0.0/x\n",
	  { ERR(5, "invalid network_mask 'banana'"),
	    ERR(8, "prefix length '33' is out of range (0-32)"),
	    ERR(10, "invalid prefix length in network '10.0.0.0/33' (0-32)"),
	    ERR(12, "invalid prefix length in network 'fd00::/129' (0-128)"),
	    ERR(14, "invalid prefix length in network '10.0.0.0/x'"),
	    END }, NULL },
	{ "mask_missing_or_disagreeing",
	  FILTER_HEAD "      network: 10.0.0.0\n"
		      "    - subnet_name: b\n      network: 10.0.0.0/8\n"
		      "      network_mask: 255.255.0.0\n"
		      "    - subnet_name: c\n      network: 10.0.0.0/16\n      network_mask: 16\n",
	  { ERR(4, "network '10.0.0.0' needs a network_mask or a CIDR prefix"),
	    ERR(7, "network_mask '255.255.0.0' (/16) disagrees with network '10.0.0.0/8'"),
	    END }, NULL },
	{ "host_bits",
	  FILTER_HEAD "      network: 10.1.0.0/8\n"
		      "    - subnet_name: b\n      network: fd00::1/8\n"
		      "    - subnet_name: c\n      network: 192.168.1.1\n"
		      "      network_mask: 255.255.0.0\n"
		      "    - subnet_name: d\n      network: 1.2.3.4/0\n",
	  { WARN(4, "network '10.1.0.0/8' has host bits set; using 10.0.0.0/8"),
	    WARN(6, "network 'fd00::1/8' has host bits set; using fd00::/8"),
	    WARN(8, "using 192.168.0.0/16"),
	    WARN(11, "using 0.0.0.0/0"),
	    END },
	  check_host_bits },
	{ "bad_ports",
	  FILTER_HEAD "      network: 10.0.0.0/8\n      except_ports:\n"
		      "        - 0\n        - 65536\n        - 9-3\n        - abc\n"
		      "        - [1]\n        - \"443\"\n        - 1-65535\n",
	  { ERR(6, "except_ports: invalid port or port range '0'"),
	    ERR(7, "invalid port or port range '65536'"),
	    ERR(8, "invalid port or port range '9-3'"),
	    ERR(9, "invalid port or port range 'abc'"),
	    ERR(10, "except_ports: a port must be a number or a 'lo-hi' range, got a list"),
	    END }, NULL },
	{ "too_many_ranges",
	  FILTER_HEAD "      network: 10.0.0.0/8\n"
		      "      include_ports: [1, 2, 3, 4, 5, 6, 7, 8, 9-10]\n",
	  { ERR(5, "at most 8 port ranges per filter (9 given)"), END }, NULL },
	{ "except_and_include",
	  FILTER_HEAD "      network: 10.0.0.0/8\n      except_ports: [80]\n"
		      "      include_ports: [443]\n",
	  { ERR(6, "except_ports and include_ports cannot be used together"), END }, NULL },
	{ "port_list_not_list",
	  FILTER_HEAD "      network: 10.0.0.0/8\n      except_ports: 80\n",
	  { ERR(5, "except_ports must be a list of ports, got a scalar"), END }, NULL },
	{ "empty_port_lists",
	  FILTER_HEAD "      network: 10.0.0.0/8\n      except_ports: []\n"
		      "    - subnet_name: b\n      network: 11.0.0.0/8\n      except_ports:\n"
		      "      include_ports: [53]\n",
	  { WARN(5, "empty except_ports ignored"), WARN(8, "empty except_ports ignored"),
	    END },
	  check_empty_ports },
	{ "duplicate_subnet_name",
	  FILTER_HEAD "      network: 10.0.0.0/8\n"
		      "    - subnet_name: 10\n      network: 10.0.0.0/8\n"
		      "    - subnet_name: \"10\"\n      network: 11.0.0.0/8\n"
		      "    - subnet_name: a\n      network: 12.0.0.0/8\n",
	  { ERR(7, "duplicate subnet_name '10' (first at line 5)"),
	    ERR(9, "duplicate subnet_name 'a' (first at line 3)"),
	    END }, NULL },
	{ "protocols",
	  "net_listen:\n  protocols:\n    - tcp\n    - sctp\n    - [udp]\n"
	  "    - TCP\n",
	  { ERR(4, "unknown protocol 'sctp' (choices: tcp, udp)"),
	    ERR(5, "a protocol must be tcp or udp, got a list"),
	    ERR(6, "unknown protocol 'TCP'"),
	    END }, NULL },
	{ "protocols_empty", "net_listen:\n  protocols: []\n",
	  { ERR(2, "protocols must not be empty"), END }, NULL },
	{ "protocols_scalar", "net_listen:\n  protocols: tcp\n",
	  { ERR(2, "protocols must be a list"), END }, NULL },
	{ "bad_bool",
	  "net_listen:\n  same_namespace_only: maybe\n  exclude_random_bind: [true]\n"
	  "tcp_connect:\n  plugins:\n    sourceipmap:\n      enabled: 2\n"
	  "      unload_on_init_exception: ''\n",
	  { ERR(2, "same_namespace_only: invalid boolean 'maybe'"),
	    ERR(3, "exclude_random_bind must be true or false, got a list"),
	    ERR(7, "enabled: invalid boolean '2'"),
	    ERR(8, "unload_on_init_exception: invalid boolean ''"),
	    END }, NULL },
	{ "bad_integer",
	  "net_listen:\n  snapshot_periodicity: 12abc\n  snapshot_delay: -1\n"
	  "udp_session:\n  session_max_duration: 0\n"
	  "_x: 1\n",
	  { ERR(2, "snapshot_periodicity: invalid integer '12abc'"),
	    ERR(3, "snapshot_delay must be between 0 and 2147483647, got -1"),
	    ERR(5, "session_max_duration must be between 1 and 2147483647, got 0"),
	    END }, NULL },
	{ "bad_integer_overflow",
	  "net_listen:\n  snapshot_periodicity: 99999999999999999999999\n"
	  "  snapshot_delay: 0x10\n"
	  "udp_session:\n  session_max_duration: {a: 1}\n",
	  { ERR(2, "snapshot_periodicity must be between 0 and 2147483647"),
	    ERR(3, "snapshot_delay: invalid integer '0x10'"),
	    ERR(5, "session_max_duration must be an integer, got a mapping"),
	    END }, NULL },
	{ "bad_plugins",
	  "tcp_connect:\n  plugins: [sourceipmap]\n"
	  "udp_session:\n  plugins:\n    sourceipmap: [1]\n    loginuidmap: on\n",
	  { ERR(2, "plugins must be a mapping of plugin names, got a list"),
	    ERR(5, "plugin 'sourceipmap' configuration must be a mapping, got a list"),
	    ERR(6, "plugin 'loginuidmap' configuration must be a mapping, got a scalar"),
	    END }, NULL },
	{ "ipv4_mapped_network",
	  "tcp_connect:\n  filters:\n    - subnet_name: m\n      network: \"::ffff:10.1.0.0/112\"\n"
	  "    - subnet_name: part\n      network: \"::ff00:0/104\"\n",
	  { WARN(4, "network '::ffff:10.1.0.0/112' is IPv4-mapped: matched as 10.1.0.0/16"),
	    END },
	  check_mapped },
	{ "unknown_keys",
	  "tcp_connect:\n  foo: 1\n  protocols: [udp]\n  session_max_duration: 3\n"
	  "  filters:\n    - subnet_name: a\n      network: 10.0.0.0/8\n      color: red\n",
	  { WARN(2, "unknown key 'foo' in probe tcp_connect ignored"),
	    WARN(3, "unknown key 'protocols' for probe tcp_connect (an option of net_listen)"),
	    WARN(4, "unknown key 'session_max_duration' for probe tcp_connect"),
	    WARN(8, "unknown key 'color' in filter ignored"),
	    END },
	  check_unknown },
	{ "container_labels",
	  "tcp_connect:\n  container_labels:\n    - app=web*\n    - tier=back,team=[a-c]*\n"
	  "udp_session:\n  container_labels: []\n"
	  "net_listen:\n  container_labels:\n    - 'app=a, tier=b'\n",
	  { WARN(6, "container_labels is empty: no container filter"),
	    WARN(9, "container_labels: label name ' tier' has leading or trailing blanks"),
	    END },
	  check_container_labels },
	{ "container_labels_bad",
	  "tcp_connect:\n  container_labels:\n    - app\n    - '=x'\n    - 'a=[x'\n"
	  "    - [a=b]\n    - ''\n    - 'a=b,'\n"
	  "udp_session:\n  container_labels: app=web\n",
	  { ERR(3, "container_labels: 'app' has no '=' (expected label=glob)"),
	    ERR(4, "container_labels: '=x' has an empty label name"),
	    ERR(5, "container_labels: 'a=[x': unterminated '[' at offset 0 of the glob"),
	    ERR(6, "container_labels entries must be label=glob strings, got a list"),
	    ERR(7, "container_labels: empty pattern"),
	    ERR(8, "container_labels: 'a=b,' has an empty term"),
	    ERR(10, "container_labels must be a list of label=glob[,label=glob...] strings, got a scalar"),
	    END }, NULL },
	{ "includeports_and_excludeports",
	  "tcp_connect:\n  includeports: [80]\n  excludeports: [22]\n"
	  "net_listen:\n  includeports: []\n  excludeports: [22]\n",
	  { WARN(3, "includeports and excludeports are mutually exclusive; includeports takes"),
	    END },
	  check_include_wins },
	{ "global_ports_bad",
	  "tcp_connect:\n  includeports: [80, 0]\n  excludeports: {a: 1}\n",
	  { ERR(2, "includeports: invalid port or port range '0'"),
	    ERR(3, "excludeports must be a list of ports, got a mapping"),
	    END }, NULL },
	{ "merge_and_duplicate_keys",
	  "_a: &a {snapshot_delay: 1, snapshot_periodicity: 10}\n"
	  "_b: &b {snapshot_periodicity: 20, same_namespace_only: true}\n"
	  "net_listen:\n  <<: [*a, *b]\n  snapshot_delay: 7\n  protocols: [tcp]\n"
	  "  protocols: [udp]\n",
	  { WARN(7, "duplicate key 'protocols' (first at line 6); the last value is used"),
	    END },
	  check_merge },
	{ "merge_bad", "tcp_connect:\n  <<: [1]\n",
	  { ERR(2, "merge key '<<' needs a mapping or a list of mappings"), END }, NULL },
	{ "multiple_errors",
	  "tcp_connect:\n  filters:\n    - subnet_name: a\n      network: 300.0.0.0/8\n"
	  "    - subnet_name: a\n      network: 10.0.0.0\n      network_mask: 255.0.255.0\n"
	  "      include_ports: [70000]\n"
	  "net_listen:\n  protocols: [quic]\n  snapshot_delay: soon\n"
	  "udp_session:\n  session_max_duration: -5\n  excludeports: [1-0]\n",
	  { ERR(4, "invalid network address '300.0.0.0/8'"),
	    ERR(5, "duplicate subnet_name 'a'"),
	    ERR(7, "not contiguous"),
	    ERR(8, "include_ports: invalid port or port range '70000'"),
	    ERR(10, "unknown protocol 'quic'"),
	    ERR(11, "snapshot_delay: invalid integer 'soon'"),
	    ERR(13, "session_max_duration must be between 1"),
	    ERR(14, "excludeports: invalid port or port range '1-0'"),
	    END }, NULL },
	{ "yaml_syntax_error",
	  "tcp_connect:\n  filters:\n    - subnet_name: a\n     network: 10.0.0.0/8\n",
	  { ERR(4, "YAML syntax error: did not find expected '-' indicator"), END }, NULL },
	{ "yaml_syntax_error_flow", "tcp_connect: {filters: [\n\nnet_listen:\n",
	  { ERR(4, "YAML syntax error"), END }, NULL },
	/*
	 * At the end of a file without a final line break libyaml's mark is on
	 * the line after the last: the last line is reported (found by
	 * tests/fuzz/fuzz_config, which saw "main.yml:3" for a 2-line file).
	 */
	{ "yaml_syntax_error_at_eof", "tcp_connect: [",
	  { ERR(1, "YAML syntax error"), END }, NULL },
	{ "yaml_syntax_error_at_eof_crlf", "tcp_connect:\r\n  filters: [a,",
	  { ERR(2, "YAML syntax error"), END }, NULL },
	{ "yaml_invalid_utf8", "tcp_connect:\n  foo: \"\xff\"\n",
	  { ERR(2, "invalid input: invalid leading UTF-8 octet"), END }, NULL },
	{ "yaml_undefined_alias", "tcp_connect:\n  filters: *nope\n",
	  { ERR(2, "YAML syntax error: found undefined alias"), END }, NULL },
	{ "yaml_two_documents", "tcp_connect:\n---\nnet_listen:\n",
	  { ERR(2, "more than one YAML document in the file"), END }, NULL },
	{ "unknown_tag", "tcp_connect:\n  filters: !foo [a]\n  plugins: !!map {}\n",
	  { ERR(2, "unknown tag '!foo'"), END }, NULL },
	{ "include_not_scalar", "tcp_connect:\n  filters: !include [a.yml]\n",
	  { ERR(2, "!include needs a file name"), END }, NULL },
	{ "nul_in_string",
	  FILTER_HEAD "      network: \"10.0.0.0\\0junk\"\n      network_mask: 8\n",
	  { ERR(4, "string contains a NUL character"),
	    ERR(4, "network must be an IP address, got nothing"),
	    END }, NULL },
	{ "recursive_alias", "_a: &a\n  - *a\ntcp_connect:\n",
	  { ERR(1, "alias refers to an enclosing node (recursive structure)"), END }, NULL },
	{ "nesting_too_deep",
	  "tcp_connect:\n  x: " B10 B10 B10 B10 B10 B10 B10 E10 E10 E10 E10 E10 E10 E10 "\n",
	  { ERR(2, "nesting deeper than 64 levels"),
	    WARN(2, "unknown key 'x' in probe tcp_connect"),
	    END }, NULL },
	{ "alias_nesting_too_deep",
	  "_a: &a " B10 B10 B10 B10 E10 E10 E10 E10 "\n"
	  "_b: " B10 B10 B10 "*a" E10 E10 E10 "\n",
	  { ERR(1, "an alias of this node nests deeper than 64 levels"), END }, NULL },
	{ "alias_nesting_ok",
	  "_a: &a " B10 B10 E10 E10 "\n_b: " B10 B10 "*a" E10 E10 "\n_c: [*a, *a]\n",
	  { END }, NULL },
};

static void test_case(void **state)
{
	const struct tcase *c = *state;
	struct pt_diags d = { 0 };
	struct pt_config cfg;
	char path[PATH_MAX];
	bool errors = false;
	size_t i;
	int ret;

	write_temp(c->yaml, path, sizeof(path));
	ret = pt_config_load(&cfg, path, schemas(), &d);
	unlink(path);
	for (i = 0; c->e[i].level; i++)
		errors |= c->e[i].level == 'E';
	check_diags(&d, path, c->e);
	assert_int_equal(ret, errors ? -EINVAL : 0);
	if (errors) {
		assert_true(cfg_is_zero(&cfg));
	} else if (c->check) {
		c->check(&cfg);
	}
	pt_config_free(&cfg);
	pt_diags_free(&d);
}

/* ---- main ---------------------------------------------------------------- */

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_parse_bool),
	cmocka_unit_test(test_parse_port_range),
	cmocka_unit_test(test_example_config),
	cmocka_unit_test(test_good_config),
	cmocka_unit_test(test_empty_files),
	cmocka_unit_test(test_include_nested),
	cmocka_unit_test(test_include_syntax_error),
	cmocka_unit_test(test_include_cycle),
	cmocka_unit_test(test_include_self),
	cmocka_unit_test(test_include_missing),
	cmocka_unit_test(test_open_failure),
	cmocka_unit_test(test_free_zeroed),
	cmocka_unit_test(test_diags_accumulate),
};

int main(void)
{
	struct CMUnitTest tests[ARRAY_SIZE(fixed_tests) + ARRAY_SIZE(cases)];
	size_t i, n = 0;

	for (i = 0; i < ARRAY_SIZE(fixed_tests); i++)
		tests[n++] = fixed_tests[i];
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		tests[n++] = (struct CMUnitTest){
			.name = cases[i].name,
			.test_func = test_case,
			.initial_state = (void *)&cases[i],
		};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

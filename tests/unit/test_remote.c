// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of remote includes, the parts without a network: which
 * document an "!include" names (remote_util.c), the remote_include_*
 * settings (remote_util.c, through pidtree.conf too), the cache files'
 * names and header (remote_cache.c), and the YAML loader's hook
 * (config_yaml.c) with documents served from a table.  The cache directory
 * and the CA file under the trusted-file policy: test_remote_cache.c.
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "schemas.h"
#include "remote.h"
#include "remote_int.h"
#include "remote_tests.h"
#include "settings.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- URL resolution ------------------------------------------------------------- */

struct rcase {
	const char *base, *target;
	const char *want; /* the URL, or NULL: refused */
	const char *why;  /* fragment of the reason when refused */
};

static void test_resolve(void **state)
{
	static const struct rcase cases[] = {
		/* from a local file: absolute URLs only */
		{ "/etc/pidtree/pidtree.yml", "https://cfg.example/a/b.yml", "https://cfg.example/a/b.yml", NULL },
		{ "/etc/pidtree/pidtree.yml", "HTTP://CFG.Example:80/x.yml", "http://cfg.example/x.yml", NULL },
		{ "/etc/pidtree/pidtree.yml", "https://cfg.example:443/x.yml#frag", "https://cfg.example/x.yml", NULL },
		{ "/etc/pidtree/pidtree.yml", "https://cfg.example:8443/x.yml?v=2", "https://cfg.example:8443/x.yml?v=2", NULL },
		{ "/etc/pidtree/pidtree.yml", "https://[::1]:8443/x.yml", "https://[::1]:8443/x.yml", NULL },
		{ "/etc/pidtree/pidtree.yml", "file:///etc/shadow", NULL, "file:// URLs are not supported" },
		{ "/etc/pidtree/pidtree.yml", "ftp://cfg.example/x", NULL, "ftp:// URLs are not supported" },
		{ "/etc/pidtree/pidtree.yml", "https://u:pw@cfg.example/x", NULL, "credentials" },
		{ "/etc/pidtree/pidtree.yml", "https://cfg.example:99999/x", NULL, "bad URL" },
		{ "/etc/pidtree/pidtree.yml", "filters.yml", NULL, "not an http" },
		{ NULL, "https://cfg.example/x", "https://cfg.example/x", NULL },
		/* from a remote document: RFC 3986 references */
		{ "https://cfg.example/a/b/main.yml", "x.yml", "https://cfg.example/a/b/x.yml", NULL },
		{ "https://cfg.example/a/b/main.yml", "./sub/x.yml", "https://cfg.example/a/b/sub/x.yml", NULL },
		{ "https://cfg.example/a/b/main.yml", "../x.yml", "https://cfg.example/a/x.yml", NULL },
		{ "https://cfg.example/a/b/main.yml", "../../../../x.yml", "https://cfg.example/x.yml", NULL },
		{ "https://cfg.example/a/b/main.yml?v=1", "x.yml", "https://cfg.example/a/b/x.yml", NULL },
		{ "https://cfg.example/a/b/main.yml", "?v=2", "https://cfg.example/a/b/main.yml?v=2", NULL },
		/* an absolute path is a path on the same server, never a local file */
		{ "https://cfg.example/a/main.yml", "/etc/passwd", "https://cfg.example/etc/passwd", NULL },
		{ "https://cfg.example/a/main.yml", "//other.example/x.yml", "https://other.example/x.yml", NULL },
		{ "https://cfg.example/a/main.yml", "https://other.example/x.yml", "https://other.example/x.yml", NULL },
		{ "http://cfg.example/a/main.yml", "https://other.example/x.yml", "https://other.example/x.yml", NULL },
		{ "http://cfg.example/a/main.yml", "x.yml", "http://cfg.example/a/x.yml", NULL },
		{ "https://cfg.example/a/main.yml", "file:///etc/passwd", NULL, "file:// URLs are not supported in a remote document" },
		{ "https://cfg.example/a/main.yml", "http://cfg.example/x.yml", NULL, "may not include an http URL" },
		{ "https://cfg.example/a/main.yml", "//u:p@cfg.example/x.yml", NULL, "credentials" },
	};
	char err[512], *out;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct rcase *c = &cases[i];
		int ret;

		err[0] = '\0';
		ret = pt_remote_resolve(c->base, c->target, &out, err, sizeof(err));
		print_message("%s + %s -> %d %s %s\n", c->base ? c->base : "-", c->target, ret,
			      ret ? "" : out, err);
		if (c->want) {
			assert_int_equal(ret, 0);
			assert_string_equal(out, c->want);
			free(out);
		} else {
			assert_int_equal(ret, -EINVAL);
			assert_null(out);
			assert_non_null(strstr(err, c->why));
		}
	}
}

static void test_url_words(void **state)
{
	assert_true(pt_remote_is_url("https://x"));
	assert_true(pt_remote_is_url("HTTP://x"));
	assert_false(pt_remote_is_url("/etc/x.yml"));
	assert_false(pt_remote_is_url("httpx://x"));
	assert_false(pt_remote_is_url(NULL));
	assert_true(pt_remote_has_scheme("file:///x"));
	assert_true(pt_remote_has_scheme("git+ssh://x"));
	assert_false(pt_remote_has_scheme("filters.yml"));
	assert_false(pt_remote_has_scheme("dir/http://x"));
	assert_false(pt_remote_has_scheme("1http://x"));
	assert_false(pt_remote_has_scheme("c:/x"));
	assert_false(pt_remote_has_scheme(""));
}

/* ---- settings --------------------------------------------------------------------- */

static void test_setting(void **state)
{
	struct pt_remote_opts o;
	char err[256];

	pt_remote_opts_init(&o);
	assert_int_equal(o.interval_s, 3600);
	assert_string_equal(o.cache_dir, "/var/cache/pidtree/includes");
	assert_string_equal(o.ca_file, "");
	assert_int_equal(o.max_size, 1024 * 1024);
	assert_int_equal(o.timeout_s, 15);

	assert_int_equal(pt_remote_setting(&o, "remote_include_interval", "0", err, sizeof(err)), 0);
	assert_int_equal(o.interval_s, 0);
	assert_int_equal(pt_remote_setting(&o, "remote_include_interval", "2592000", err, sizeof(err)), 0);
	assert_int_equal(o.interval_s, 2592000);
	assert_int_equal(pt_remote_setting(&o, "remote_include_interval", "2592001", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "0-2592000"));
	assert_int_equal(pt_remote_setting(&o, "remote_include_interval", "-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_remote_setting(&o, "remote_include_interval", "1h", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_remote_setting(&o, "remote_include_interval", "", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_remote_setting(&o, "remote_include_interval",
					   "99999999999999999999999", err, sizeof(err)), -EINVAL);
	assert_int_equal(o.interval_s, 2592000); /* a bad value changes nothing */

	assert_int_equal(pt_remote_setting(&o, "remote_include_max_size", "4096", err, sizeof(err)), 0);
	assert_int_equal(o.max_size, 4096);
	assert_int_equal(pt_remote_setting(&o, "remote_include_max_size", "512K", err, sizeof(err)), 0);
	assert_int_equal(o.max_size, 512 * 1024);
	assert_int_equal(pt_remote_setting(&o, "remote_include_max_size", "64m", err, sizeof(err)), 0);
	assert_int_equal(o.max_size, 64 * 1024 * 1024);
	assert_int_equal(pt_remote_setting(&o, "remote_include_max_size", "65M", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_remote_setting(&o, "remote_include_max_size", "1023", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_remote_setting(&o, "remote_include_max_size", "1KB", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_remote_setting(&o, "remote_include_max_size", "K", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "1K-64M"));

	assert_int_equal(pt_remote_setting(&o, "remote_include_timeout", "1", err, sizeof(err)), 0);
	assert_int_equal(o.timeout_s, 1);
	assert_int_equal(pt_remote_setting(&o, "remote_include_timeout", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_remote_setting(&o, "remote_include_timeout", "301", err, sizeof(err)), -EINVAL);

	assert_int_equal(pt_remote_setting(&o, "remote_include_cache", "/srv/c", err, sizeof(err)), 0);
	assert_string_equal(o.cache_dir, "/srv/c");
	assert_int_equal(pt_remote_setting(&o, "remote_include_cache", "cache", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not an absolute path"));
	assert_int_equal(pt_remote_setting(&o, "remote_include_cache", "", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_remote_setting(&o, "remote_include_ca", "/etc/ca.pem", err, sizeof(err)), 0);
	assert_string_equal(o.ca_file, "/etc/ca.pem");
	assert_int_equal(pt_remote_setting(&o, "remote_include_ca", "", err, sizeof(err)), 0);
	assert_string_equal(o.ca_file, "");

	assert_int_equal(pt_remote_setting(&o, "remote_include_other", "1", err, sizeof(err)), -ENOENT);
	assert_int_equal(pt_remote_setting(&o, "probes", "x", err, sizeof(err)), -ENOENT);
}

/* The keys through pidtree.conf: values, and errors at their line. */
static void test_settings_file(void **state)
{
	char path[] = "/tmp/pt_test_remote_XXXXXX.conf";
	const char *text = "[daemon]\n"
			   "remote_include_interval = 60\n"
			   "remote_include_cache = /srv/pidtree-cache\n"
			   "remote_include_ca = /etc/pidtree/ca.pem\n"
			   "remote_include_max_size = 64K\n"
			   "remote_include_timeout = 5\n"
			   "remote_include_timeout = 0\n"
			   "remote_include_bogus = 1\n";
	struct pt_daemon_settings s;
	struct pt_diags d = { 0 };
	int fd = mkstemps(path, 5);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(pt_settings_load(&s, path, true, &d), -EINVAL);
	unlink(path);
	for (size_t i = 0; i < d.n; i++)
		print_message("diag %d: %s\n", d.v[i].line, d.v[i].msg);
	assert_int_equal(s.remote.interval_s, 60);
	assert_string_equal(s.remote.cache_dir, "/srv/pidtree-cache");
	assert_string_equal(s.remote.ca_file, "/etc/pidtree/ca.pem");
	assert_int_equal(s.remote.max_size, 64 * 1024);
	assert_int_equal(s.remote.timeout_s, 5);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.v[0].line, 7); /* set twice: warning */
	assert_int_equal(d.v[0].level, PT_DIAG_WARNING);
	assert_int_equal(d.v[1].line, 7);
	assert_non_null(strstr(d.v[1].msg, "remote_include_timeout: '0'"));
	assert_int_equal(d.v[2].line, 8);
	assert_int_equal(d.v[2].level, PT_DIAG_WARNING);
	pt_diags_free(&d);

	pt_settings_init(&s); /* defaults without a file */
	assert_int_equal(s.remote.interval_s, PT_REMOTE_DEFAULT_INTERVAL);
}

/* ---- cache files ------------------------------------------------------------------ */

static void test_cache_name(void **state)
{
	char name[PT_REMOTE_CACHE_NAME_LEN + 1];

	assert_int_equal(pt_remote_cache_name("https://config.example/pidtree/filters.yml", name), 0);
	assert_string_equal(name, "b1120f9562bc5640750dec6c4bdbe9975b696302fdfce9c6c5f81a7778438dd1.cache");
	assert_int_equal(strlen(name), PT_REMOTE_CACHE_NAME_LEN);
}

static void test_validator(void **state)
{
	char big[PT_REMOTE_VALIDATOR_MAX + 1];

	assert_true(pt_remote_validator_ok("\"5d8c-61a\""));
	assert_true(pt_remote_validator_ok("W/\"x\""));
	assert_true(pt_remote_validator_ok("Tue, 01 Dec 2026 09:00:00 GMT"));
	assert_false(pt_remote_validator_ok(""));
	assert_false(pt_remote_validator_ok("\"a\"\r\nX-Injected: 1"));
	assert_false(pt_remote_validator_ok("\"\x7f\""));
	assert_false(pt_remote_validator_ok("\"\xc3\xa9\""));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(pt_remote_validator_ok(big));
	big[PT_REMOTE_VALIDATOR_MAX - 1] = '\0';
	assert_true(pt_remote_validator_ok(big));
}

static char *join(const char *hdr, const char *body, size_t *len)
{
	char *s = NULL;

	*len = (size_t)asprintf(&s, "%s%s", hdr, body);
	return s;
}

static void test_meta(void **state)
{
	struct pt_remote_meta m = { .url = "https://cfg.example/x.yml", .etag = "\"abc\"",
				    .last_modified = "Tue, 01 Dec 2026 09:00:00 GMT",
				    .fetched = 1796117494, .size = 12 };
	struct pt_remote_meta p;
	char err[256], *hdr, *file;
	size_t hlen, len, body;

	hdr = pt_remote_meta_format(&m, &hlen);
	assert_non_null(hdr);
	assert_string_equal(hdr, "pidtree-remote-include 1\nurl https://cfg.example/x.yml\n"
				 "etag \"abc\"\nlast-modified Tue, 01 Dec 2026 09:00:00 GMT\n"
				 "fetched 1796117494\nsize 12\n\n");
	file = join(hdr, "a: [1, 2]\nb:\n", &len);
	assert_int_equal(pt_remote_meta_parse(file, len, &p, &body, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "document is 13 bytes, header says 12"));
	free(file);
	file = join(hdr, "a: [1, 2]\nb:", &len);
	assert_int_equal(pt_remote_meta_parse(file, len, &p, &body, err, sizeof(err)), 0);
	assert_string_equal(p.url, m.url);
	assert_string_equal(p.etag, m.etag);
	assert_string_equal(p.last_modified, m.last_modified);
	assert_int_equal(p.fetched, m.fetched);
	assert_int_equal(p.size, 12);
	assert_int_equal(body, hlen);
	free(file);
	free(hdr);

	/* no validators: no such lines; an empty document */
	m.etag[0] = m.last_modified[0] = '\0';
	m.size = 0;
	hdr = pt_remote_meta_format(&m, &hlen);
	assert_null(strstr(hdr, "etag"));
	assert_int_equal(pt_remote_meta_parse(hdr, hlen, &p, &body, err, sizeof(err)), 0);
	assert_string_equal(p.etag, "");
	assert_int_equal(p.size, 0);
	free(hdr);

	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "", "not a pidtree cache file" },
		{ "pidtree-remote-include 2\nurl https://x/\nfetched 1\nsize 0\n\n", "not a pidtree cache file" },
		{ "pidtree-remote-include 1\nurl https://x/\nfetched 1\nsize 0\n", "line 5: truncated" },
		{ "pidtree-remote-include 1\nurl https://x/\nfetched 1\n\n", "without url, fetched or size" },
		{ "pidtree-remote-include 1\nurl https://x/\nurl https://y/\nfetched 1\nsize 0\n\n", "line 3: key given twice" },
		{ "pidtree-remote-include 1\nurl file:///x\nfetched 1\nsize 0\n\n", "line 2: bad url" },
		{ "pidtree-remote-include 1\nurl https://x/\netag \"a\"\x01\nfetched 1\nsize 0\n\n", "line 3: bad validator" },
		{ "pidtree-remote-include 1\nurl https://x/\nfetched -1\nsize 0\n\n", "line 3: bad fetch time" },
		{ "pidtree-remote-include 1\nurl https://x/\nfetched 1\nsize 99999999999999999999\n\n", "line 4: bad size" },
		{ "pidtree-remote-include 1\nurl https://x/\nfetched 1\nsize 3\n\nab", "document is 2 bytes" },
		{ "pidtree-remote-include 1\nnokey\n\n", "line 2: expected" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(pt_remote_meta_parse(bad[i].text, strlen(bad[i].text), &p, &body,
						      err, sizeof(err)), -EINVAL);
		print_message("bad %zu: %s\n", i, err);
		assert_non_null(strstr(err, bad[i].why));
	}
	/* a key of a later version is ignored */
	const char *later = "pidtree-remote-include 1\nurl https://x/\nsha512 abc\nfetched 1\nsize 2\n\nab";
	assert_int_equal(pt_remote_meta_parse(later, strlen(later), &p, &body, err, sizeof(err)), 0);
	assert_int_equal(p.size, 2);
	/* a NUL inside the header */
	const char nul[] = "pidtree-remote-include 1\nurl https://x/\0\nfetched 1\nsize 0\n\n";
	assert_int_equal(pt_remote_meta_parse(nul, sizeof(nul) - 1, &p, &body, err, sizeof(err)), -EINVAL);
}

/* ---- the YAML loader's hook, documents from a table --------------------------- */

struct doc {
	const char *url, *text;
	int opened;
};

static struct doc docs[] = {
	{ "https://cfg.example/p/tcp.yml", "filters: !include lists/f.yml\nexcludeports: !include ../ports.yml\n", 0 },
	{ "https://cfg.example/p/lists/f.yml", "- subnet_name: a\n  network: 127.0.0.2/32\n", 0 },
	{ "https://cfg.example/ports.yml", "[22, 80]\n", 0 },
	{ "https://cfg.example/bad.yml", "a: 1\nb: [\n", 0 },
	{ "https://cfg.example/loop1.yml", "x: !include loop2.yml\n", 0 },
	{ "https://cfg.example/loop2.yml", "y: !include /loop1.yml\n", 0 },
	{ "https://cfg.example/local.yml", "x: !include file:///etc/passwd\n", 0 },
	{ "https://cfg.example/down.yml", "x: !include http://cfg.example/y.yml\n", 0 },
	{ "https://cfg.example/empty.yml", "", 0 },
};

/* hook_resolve's logic (remote_hook.c), over the pure helpers */
static int t_resolve(void *ctx, const char *base, const char *target, int line, char **name,
		     struct pt_diags *d)
{
	char err[512];
	int ret;

	if (!pt_remote_is_url(base) && !pt_remote_has_scheme(target))
		return 0;
	ret = pt_remote_resolve(base, target, name, err, sizeof(err));
	if (ret) {
		pt_diag_add(d, PT_DIAG_ERROR, base, line, "!include %s", err);
		return ret;
	}
	return 1;
}

static int t_open(void *ctx, const char *url, const char *from, int line, char **data,
		  size_t *len, struct pt_diags *d)
{
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
		if (strcmp(docs[i].url, url))
			continue;
		docs[i].opened++;
		*data = strdup(docs[i].text);
		*len = strlen(docs[i].text);
		return 0;
	}
	pt_diag_add(d, PT_DIAG_ERROR, from, line, "cannot fetch include '%s': HTTP status 404", url);
	return -ENOENT;
}

static const struct pt_yinclude t_inc = { .resolve = t_resolve, .open = t_open };

static int load(const char *text, struct pt_config *cfg, struct pt_diags *d, char *path)
{
	struct pt_yload_opts o = { .include = &t_inc };
	int fd, ret;

	strcpy(path, "/tmp/pt_test_remote_XXXXXX.yml");
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	for (size_t i = 0; i < ARRAY_SIZE(docs); i++)
		docs[i].opened = 0;
	ret = pt_config_load_opts(cfg, path, schemas(), &o, d);
	for (size_t i = 0; i < d->n; i++)
		print_message("diag %s:%d: %s\n", d->v[i].file, d->v[i].line, d->v[i].msg);
	unlink(path);
	return ret;
}

static void test_hook_nested(void **state)
{
	struct pt_config cfg;
	struct pt_diags d = { 0 };
	char path[64];
	const struct pt_probe_config *pc;

	assert_int_equal(load("tcp_connect: !include https://cfg.example/p/tcp.yml\n"
			      "net_listen: !include https://CFG.example:443/p/tcp.yml\n",
			      &cfg, &d, path), 0);
	assert_int_equal(d.n, 0);
	pc = pt_config_probe(&cfg, "tcp_connect");
	assert_true(pc->present);
	assert_int_equal(pc->filter.nfilters, 1);
	assert_string_equal(pc->filter.filters[0].subnet_name, "a");
	/* file:line of what came from a URL names the URL */
	assert_string_equal(pc->filter.filters[0].file, "https://cfg.example/p/lists/f.yml");
	assert_int_equal(pc->filter.filters[0].line, 1);
	assert_int_equal(pc->filter.nports, 2);
	assert_true(pt_config_probe(&cfg, "net_listen")->present);
	/* the same document under two spellings: fetched once, shared */
	assert_int_equal(docs[0].opened, 1);
	assert_int_equal(cfg.tree.nfiles, 4);
	assert_false(pt_remote_is_url(cfg.tree.files[0]));
	assert_string_equal(cfg.tree.files[1], "https://cfg.example/p/tcp.yml");
	assert_string_equal(cfg.tree.files[2], "https://cfg.example/p/lists/f.yml");
	assert_string_equal(cfg.tree.files[3], "https://cfg.example/ports.yml");
	pt_config_free(&cfg);
	pt_diags_free(&d);
}

static void expect_one_error(const char *text, const char *file, int line, const char *msg)
{
	struct pt_config cfg;
	struct pt_diags d = { 0 };
	char path[64];

	assert_int_equal(load(text, &cfg, &d, path), -EINVAL);
	assert_true(d.nerrors >= 1);
	assert_non_null(d.v[0].file);
	assert_string_equal(d.v[0].file, file ? file : path);
	assert_int_equal(d.v[0].line, line);
	assert_non_null(strstr(d.v[0].msg, msg));
	pt_diags_free(&d);
}

static void test_hook_errors(void **state)
{
	/* YAML errors read URL:line */
	expect_one_error("tcp_connect: !include https://cfg.example/bad.yml\n",
			 "https://cfg.example/bad.yml", 3, "YAML syntax error");
	/* a cycle through two URLs, the second spelled as a server path (named normalised) */
	expect_one_error("tcp_connect: !include https://cfg.example/loop1.yml\n",
			 "https://cfg.example/loop2.yml", 1,
			 "include cycle: https://cfg.example/loop1.yml -> https://cfg.example/loop2.yml -> https://cfg.example/loop1.yml");
	/* a remote document cannot name a local file */
	expect_one_error("tcp_connect: !include https://cfg.example/local.yml\n",
			 "https://cfg.example/local.yml", 1, "file:// URLs are not supported in a remote document");
	/* nor downgrade to http */
	expect_one_error("tcp_connect: !include https://cfg.example/down.yml\n",
			 "https://cfg.example/down.yml", 1, "may not include an http URL");
	/* the fetcher's refusal is reported where the include is */
	expect_one_error("a: 1\ntcp_connect: !include https://cfg.example/missing.yml\n", NULL, 2,
			 "cannot fetch include 'https://cfg.example/missing.yml'");
	expect_one_error("tcp_connect: !include ftp://cfg.example/x.yml\n", NULL, 1,
			 "ftp:// URLs are not supported");
}

static void test_hook_local_unchanged(void **state)
{
	struct pt_config cfg;
	struct pt_diags d = { 0 };
	char path[64];

	/* a local relative include still is a local file (here: a missing one) */
	assert_int_equal(load("tcp_connect: !include no-such-file.yml\n", &cfg, &d, path), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.v[0].msg, "cannot open include"));
	pt_diags_free(&d);
	/* an empty remote document is an empty node */
	assert_int_equal(load("tcp_connect: !include https://cfg.example/empty.yml\n", &cfg, &d,
			      path), 0);
	assert_true(pt_config_probe(&cfg, "tcp_connect")->present);
	pt_config_free(&cfg);
	pt_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_url_words),
		cmocka_unit_test(test_setting),
		cmocka_unit_test(test_settings_file),
		cmocka_unit_test(test_cache_name),
		cmocka_unit_test(test_validator),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_cache_files),
		cmocka_unit_test(test_cache_dir_symlink),
		cmocka_unit_test(test_cache_dir_acl),
		cmocka_unit_test(test_cache_file_symlink),
		cmocka_unit_test(test_cache_dir_owner),
		cmocka_unit_test(test_ca_read),
		cmocka_unit_test(test_hook_nested),
		cmocka_unit_test(test_hook_errors),
		cmocka_unit_test(test_hook_local_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the plugin manager (plugin.c) and the built-in plugins:
 * argument validation with file:line diagnostics, supported probes,
 * enabled / unload_on_init_exception, sourceipmap lookups and reloads (SIGHUP
 * and inotify, atomic replace, missing files), loginuidmap, and loading the
 * example external plugin with the ownership/permission checks.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

/* paths here are short; snprintf truncation is checked where it matters */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "event.h"
#include "plugins.h"
#include "trust.h"
#include "schemas.h"

static char dir[64];

/* ---- helpers ------------------------------------------------------------------ */

static void write_at(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* write + rename: the safe way to update a file */
static void replace_at(const char *name, const char *text)
{
	char tmp[PATH_MAX], path[PATH_MAX], tname[PATH_MAX];

	snprintf(tname, sizeof(tname), ".%s.tmp", name);
	write_at(tname, text);
	snprintf(tmp, sizeof(tmp), "%s/%s", dir, tname);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(rename(tmp, path), 0);
}

static void rm_at(const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static void dump(const struct pt_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		print_message("  %s %s:%d: %s\n", d->v[i].level == PT_DIAG_ERROR ? "E" : "W",
			      d->v[i].file ? d->v[i].file : "-", d->v[i].line, d->v[i].msg);
}

/* level 'E' / 'W', line (0 = any), fragment of the message */
static bool has(const struct pt_diags *d, char level, int line, const char *frag)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct pt_diag *g = &d->v[i];

		if ((g->level == PT_DIAG_ERROR) != (level == 'E'))
			continue;
		if (line && g->line != line)
			continue;
		if (strstr(g->msg, frag))
			return true;
	}
	return false;
}

#define assert_diag(d, level, line, frag)                                                \
	do {                                                                              \
		if (!has(d, level, line, frag)) {                                         \
			dump(d);                                                          \
			fail_msg("no %c diagnostic at line %d with '%s'", level, line, frag); \
		}                                                                         \
	} while (0)

struct setup {
	struct pt_config cfg;
	struct pt_diags diags;
	struct pt_plugins *m;
	int err;
};

/* Load probes.yml with this text, then the plugins. */
static void load(struct setup *s, const char *yml, const char *extra_path)
{
	struct pt_plugins_opts opts = { .extra_path = extra_path };
	char path[PATH_MAX];

	memset(s, 0, sizeof(*s));
	write_at("probes.yml", yml);
	snprintf(path, sizeof(path), "%s/probes.yml", dir);
	s->err = pt_config_load(&s->cfg, path, schemas(), &s->diags);
	if (s->err) {
		dump(&s->diags);
		fail_msg("configuration did not load");
	}
	s->err = pt_plugins_load(&s->m, &s->cfg, &opts, &s->diags);
	/* instances must not need the configuration any more */
	pt_config_free(&s->cfg);
}

static void unload(struct setup *s)
{
	pt_plugins_free(s->m);
	pt_diags_free(&s->diags);
}

static void event(struct pt_event *ev, const char *probe)
{
	memset(ev, 0, sizeof(*ev));
	ev->probe = probe_info(probe);
	ev->pid = 100;
	ev->nproc = 3;
	for (int i = 0; i < 3; i++) {
		ev->proctree[i].pid = i == 2 ? 1 : 100 - (uint32_t)i;
		ev->proctree[i].cmdline = "cmd";
		ev->proctree[i].username = "root";
		ev->proctree[i].loginuid = 4294967295u;
	}
}

static const struct pt_event_field *field(const struct pt_event *ev, const char *key)
{
	for (size_t i = 0; i < ev->nfields; i++)
		if (!strcmp(ev->fields[i].key, key))
			return &ev->fields[i];
	return NULL;
}

/* The value of key after the plugins ran on a tcp_connect from saddr. */
static const char *source_of(struct pt_plugins *m, const char *saddr, const char *key)
{
	static struct pt_event ev;
	const struct pt_event_field *f;

	event(&ev, "tcp_connect");
	snprintf(ev.saddr, sizeof(ev.saddr), "%s", saddr);
	snprintf(ev.daddr, sizeof(ev.daddr), "10.9.9.9");
	pt_plugins_process(m, &ev);
	f = field(&ev, key);
	if (!f)
		return NULL;
	assert_int_equal(f->type, PT_FIELD_STR);
	return f->str;
}

/* Wait (at most 2 s) for the inotify fd, then let the manager handle it. */
static void settle(struct pt_plugins *m)
{
	struct pollfd p = { .fd = pt_plugins_fd(m), .events = POLLIN };

	assert_true(p.fd >= 0);
	assert_int_equal(poll(&p, 1, 2000), 1);
	pt_plugins_handle_fd(m);
}

/* ---- sourceipmap ----------------------------------------------------------------- */

static void test_sourceipmap_lookup(void **st)
{
	struct pt_event ev;
	struct setup s;

	write_at("hosts.a", "127.0.0.1 alpha\n10.0.0.1 shared-a\n::1 six six-alias\n");
	write_at("hosts.b", "# later file wins\n10.0.0.1 shared-b\nnot-an-address x\n");
	load(&s,
	     "tcp_connect:\n"
	     "  plugins:\n"
	     "    sourceipmap:\n"
	     "      hostfiles: [hosts.a, hosts.b]\n" /* relative to probes.yml */
	     "net_listen:\n"
	     "  plugins:\n"
	     "    sourceipmap:\n"
	     "      hostfiles:\n"
	     "        - hosts.a\n"
	     "      attribute_key: listen_host\n",
	     NULL);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.diags.nerrors, 0);
	assert_int_equal(pt_plugins_count(s.m), 2);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "alpha");
	assert_string_equal(source_of(s.m, "10.0.0.1", "source_host"), "shared-b");
	assert_string_equal(source_of(s.m, "::1", "source_host"), "six six-alias");
	assert_string_equal(source_of(s.m, "::ffff:127.0.0.1", "source_host"), "alpha");
	assert_string_equal(source_of(s.m, "10.0.0.2", "source_host"), "");
	assert_string_equal(source_of(s.m, "", "source_host"), "");

	/* net_listen: by laddr, under its own key */
	event(&ev, "net_listen");
	snprintf(ev.laddr, sizeof(ev.laddr), "127.0.0.1");
	pt_plugins_process(s.m, &ev);
	assert_non_null(field(&ev, "listen_host"));
	assert_string_equal(field(&ev, "listen_host")->str, "alpha");
	assert_null(field(&ev, "source_host"));
	/* no plugin on udp_session */
	event(&ev, "udp_session");
	pt_plugins_process(s.m, &ev);
	assert_int_equal(ev.nfields, 0);
	unload(&s);
}

static void test_sourceipmap_args(void **st)
{
	struct setup s;

	write_at("hosts.a", "127.0.0.1 alpha\n");
	load(&s,
	     "tcp_connect:\n"                       /* 1 */
	     "  plugins:\n"                         /* 2 */
	     "    sourceipmap:\n"                   /* 3 */
	     "      attribute_key: source_host\n"   /* 4 */
	     "net_listen:\n"                        /* 5 */
	     "  plugins:\n"                         /* 6 */
	     "    sourceipmap:\n"                   /* 7 */
	     "      hostfiles: /etc/hosts\n"        /* 8 */
	     "udp_session:\n"                       /* 9 */
	     "  plugins:\n"                         /* 10 */
	     "    sourceipmap:\n"                   /* 11 */
	     "      hostfiles: [hosts.a]\n",        /* 12 */
	     NULL);
	assert_int_equal(s.err, -EINVAL);
	assert_null(s.m);
	assert_diag(&s.diags, 'E', 3, "'hostfiles' is required");
	assert_diag(&s.diags, 'E', 8, "'hostfiles' must be a list");
	assert_diag(&s.diags, 'E', 11, "does not support the udp_session probe (supported: "
				       "tcp_connect, net_listen)");
	assert_int_equal(s.diags.nerrors, 3);
	unload(&s);

	load(&s,
	     "tcp_connect:\n"                       /* 1 */
	     "  plugins:\n"                         /* 2 */
	     "    sourceipmap:\n"                   /* 3 */
	     "      hostfiles:\n"                   /* 4 */
	     "        - hosts.a\n"                  /* 5 */
	     "        - does-not-exist\n"           /* 6 */
	     "        - [nested]\n"                 /* 7 */
	     "      attribute_key: pid\n"           /* 8 */
	     "      colour: blue\n"                 /* 9 */
	     "net_listen:\n"                        /* 10 */
	     "  plugins:\n"                         /* 11 */
	     "    sourceipmap:\n"                   /* 12 */
	     "      hostfiles: []\n"                /* 13 */
	     "      attribute_key: Bad-Key\n",      /* 14 */
	     NULL);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 6, "cannot read hostfile");
	assert_diag(&s.diags, 'E', 6, "No such file or directory");
	assert_diag(&s.diags, 'E', 7, "a hostfiles entry must be a file name");
	assert_diag(&s.diags, 'E', 8, "attribute_key must be a key of [a-z0-9_]");
	assert_diag(&s.diags, 'W', 9, "unknown argument 'colour' ignored");
	assert_diag(&s.diags, 'E', 13, "'hostfiles' must not be empty");
	assert_diag(&s.diags, 'E', 14, "got 'Bad-Key'");
	/* every message says which plugin */
	for (size_t i = 0; i < s.diags.n; i++)
		assert_non_null(strstr(s.diags.v[i].msg, "plugin sourceipmap: "));
	unload(&s);
}

static void test_sourceipmap_reload(void **st)
{
	struct setup s;

	write_at("hosts.a", "127.0.0.1 before\n10.0.0.7 kept\n");
	write_at("hosts.b", "10.0.0.8 b-before\n");
	load(&s,
	     "tcp_connect:\n"
	     "  plugins:\n"
	     "    sourceipmap:\n"
	     "      hostfiles: [hosts.a, hosts.b]\n",
	     NULL);
	assert_int_equal(s.err, 0);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "before");

	/* SIGHUP after an atomic replace */
	replace_at("hosts.a", "127.0.0.1 after-sighup\n");
	pt_plugins_handle_fd(s.m); /* whatever inotify saw is handled first ... */
	replace_at("hosts.a", "127.0.0.1 after-sighup-2\n");
	pt_plugins_reload(s.m);    /* ... SIGHUP re-reads regardless */
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "after-sighup-2");
	assert_string_equal(source_of(s.m, "10.0.0.7", "source_host"), "");

	/* a missing file at reload keeps its previous entries; others are re-read */
	rm_at("hosts.a");
	write_at("hosts.b", "10.0.0.8 b-after\n");
	pt_plugins_reload(s.m);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "after-sighup-2");
	assert_string_equal(source_of(s.m, "10.0.0.8", "source_host"), "b-after");
	/* an unreadable (here: a directory) file, too */
	{
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/hosts.a", dir);
		assert_int_equal(mkdir(p, 0755), 0);
		pt_plugins_reload(s.m);
		assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "after-sighup-2");
		rmdir(p);
	}
	/* and comes back */
	write_at("hosts.a", "127.0.0.1 back\n");
	pt_plugins_reload(s.m);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "back");
	unload(&s);
}

static void test_sourceipmap_inotify(void **st)
{
	char target[PATH_MAX], link[PATH_MAX], tmp[PATH_MAX];
	struct setup s;

	write_at("hosts.a", "127.0.0.1 first\n");
	write_at("unrelated", "x\n");
	load(&s,
	     "tcp_connect:\n"
	     "  plugins:\n"
	     "    sourceipmap:\n"
	     "      hostfiles: [hosts.a, hosts.link]\n"
	     "      unload_on_init_exception: false\n",
	     NULL);
	/* hosts.link does not exist: an init error */
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 4, "hosts.link: No such file or directory");
	unload(&s);

	snprintf(target, sizeof(target), "%s/real.1", dir);
	write_at("real.1", "10.1.1.1 link-one\n");
	snprintf(link, sizeof(link), "%s/hosts.link", dir);
	assert_int_equal(symlink("real.1", link), 0);
	load(&s,
	     "tcp_connect:\n"
	     "  plugins:\n"
	     "    sourceipmap:\n"
	     "      hostfiles: [hosts.a, hosts.link]\n",
	     NULL);
	assert_int_equal(s.err, 0);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "first");

	/* atomic rename into place, no SIGHUP */
	replace_at("hosts.a", "127.0.0.1 renamed-in\n");
	settle(s.m);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "renamed-in");

	/* written in place */
	write_at("hosts.a", "127.0.0.1 in-place\n");
	settle(s.m);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "in-place");

	/* deleted (entries kept), then re-created */
	rm_at("hosts.a");
	write_at("hosts.a", "127.0.0.1 recreated\n");
	settle(s.m);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "recreated");

	/* a symlink flipped under another name, Kubernetes style */
	assert_string_equal(source_of(s.m, "10.1.1.1", "source_host"), "link-one");
	write_at("real.2", "10.1.1.1 link-two\n");
	settle(s.m); /* real.2 itself changes nothing */
	assert_string_equal(source_of(s.m, "10.1.1.1", "source_host"), "link-one");
	snprintf(tmp, sizeof(tmp), "%s/.hosts.link.new", dir);
	assert_int_equal(symlink("real.2", tmp), 0);
	assert_int_equal(rename(tmp, link), 0);
	settle(s.m);
	assert_string_equal(source_of(s.m, "10.1.1.1", "source_host"), "link-two");

	/* other files in the directory do not matter */
	write_at("unrelated", "y\n");
	settle(s.m);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "recreated");
	unload(&s);
	rm_at("hosts.link");
	rm_at("real.1");
	rm_at("real.2");
	rm_at("unrelated");
	(void)target;
}

/* ---- loginuidmap -------------------------------------------------------------------- */

static void test_loginuidmap(void **st)
{
	const struct pt_event_field *f;
	struct pt_event ev;
	struct setup s;

	load(&s,
	     "tcp_connect:\n"
	     "  plugins:\n"
	     "    loginuidmap:\n"
	     "net_listen:\n"
	     "  plugins:\n"
	     "    loginuidmap:\n"
	     "      top_level: true\n"
	     "udp_session:\n"
	     "  plugins:\n"
	     "    loginuidmap:\n"
	     "      top_level: no\n",
	     NULL);
	assert_int_equal(s.err, 0);
	assert_int_equal(pt_plugins_count(s.m), 3);

	/* every ancestor whose loginuid is set */
	event(&ev, "tcp_connect");
	ev.proctree[0].loginuid = 0;
	ev.proctree[1].loginuid = 0;
	pt_plugins_process(s.m, &ev);
	assert_string_equal(ev.proctree[0].loginname, "root");
	assert_string_equal(ev.proctree[1].loginname, "root");
	assert_null(ev.proctree[2].loginname);
	assert_int_equal(ev.nfields, 0);
	/* a uid without a passwd entry: its decimal value */
	event(&ev, "udp_session");
	ev.proctree[1].loginuid = 3999999999u;
	pt_plugins_process(s.m, &ev);
	assert_null(ev.proctree[0].loginname);
	assert_string_equal(ev.proctree[1].loginname, "3999999999");

	/* top_level: keys on the event, nothing in the proctree */
	event(&ev, "net_listen");
	ev.proctree[0].loginuid = 0;
	pt_plugins_process(s.m, &ev);
	assert_null(ev.proctree[0].loginname);
	f = field(&ev, "loginuid");
	assert_non_null(f);
	assert_int_equal(f->type, PT_FIELD_INT);
	assert_int_equal(f->num, 0);
	f = field(&ev, "loginname");
	assert_non_null(f);
	assert_string_equal(f->str, "root");
	/* unset: nothing */
	event(&ev, "net_listen");
	pt_plugins_process(s.m, &ev);
	assert_int_equal(ev.nfields, 0);
	unload(&s);

	load(&s,
	     "tcp_connect:\n"
	     "  plugins:\n"
	     "    loginuidmap:\n"
	     "      top_level: maybe\n"
	     "      extra: 1\n",
	     NULL);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 4, "plugin loginuidmap: top_level must be true or false");
	assert_diag(&s.diags, 'W', 5, "unknown argument 'extra' ignored");
	unload(&s);
}

/* ---- enabled, unload_on_init_exception, unknown plugins --------------------------- */

static void test_enabled_and_unload(void **st)
{
	struct setup s;

	load(&s,
	     "tcp_connect:\n"                          /* 1 */
	     "  plugins:\n"                            /* 2 */
	     "    sourceipmap:\n"                      /* 3 */
	     "      enabled: false\n"                  /* 4: not even validated */
	     "    loginuidmap:\n"                      /* 5 */
	     "      enabled: true\n"                   /* 6 */
	     "udp_session:\n"                          /* 7 */
	     "  plugins:\n"                            /* 8 */
	     "    sourceipmap:\n"                      /* 9: unsupported probe */
	     "      unload_on_init_exception: true\n"  /* 10 */
	     "      hostfiles: [x]\n"                  /* 11 */
	     "net_listen:\n"                           /* 12 */
	     "  plugins:\n"                            /* 13 */
	     "    sourceipmap:\n"                      /* 14 */
	     "      unload_on_init_exception: true\n"  /* 15 */
	     "      hostfiles: [missing-file]\n"       /* 16 */
	     "    nosuchplugin:\n"                     /* 17 */
	     "      unload_on_init_exception: yes\n"   /* 18 */
	     "    loginuidmap:\n",                     /* 19 */
	     NULL);
	assert_int_equal(s.err, 0);
	assert_int_equal(s.diags.nerrors, 0);
	assert_diag(&s.diags, 'W', 9, "does not support the udp_session probe");
	assert_diag(&s.diags, 'W', 9, "plugin sourceipmap not loaded on udp_session "
				      "(unload_on_init_exception is set)");
	assert_diag(&s.diags, 'W', 16, "cannot read hostfile");
	assert_diag(&s.diags, 'W', 14, "not loaded on net_listen");
	assert_diag(&s.diags, 'W', 17, "plugin nosuchplugin: unknown plugin (built in: "
				       "sourceipmap, loginuidmap; external plugins are loaded "
				       "from --extra-plugin-path DIR)");
	/* tcp_connect: loginuidmap; net_listen: loginuidmap */
	assert_int_equal(pt_plugins_count(s.m), 2);
	unload(&s);

	/* the same without unload_on_init_exception: errors */
	load(&s,
	     "tcp_connect:\n"
	     "  plugins:\n"
	     "    nosuchplugin:\n"
	     "    sourceipmap:\n"
	     "      hostfiles: [missing-file]\n"
	     "      unload_on_init_exception: false\n",
	     NULL);
	assert_int_equal(s.err, -EINVAL);
	assert_int_equal(s.diags.nerrors, 2);
	assert_diag(&s.diags, 'E', 3, "unknown plugin");
	assert_diag(&s.diags, 'E', 5, "cannot read hostfile");
	unload(&s);
}

static void test_reconfigure_keeps_old(void **st)
{
	struct pt_config cfg;
	struct pt_diags d = { 0 };
	char path[PATH_MAX];
	struct setup s;

	write_at("hosts.a", "127.0.0.1 old-config\n");
	load(&s, "tcp_connect:\n  plugins:\n    sourceipmap:\n      hostfiles: [hosts.a]\n",
	     NULL);
	assert_int_equal(s.err, 0);
	snprintf(path, sizeof(path), "%s/probes.yml", dir);
	/*
	 * The same plugin configuration (other lines, same arguments): the
	 * instance is kept, so a hostfile missing now is not an init error;
	 * the reload that follows keeps its entries.
	 */
	rm_at("hosts.a");
	write_at("probes.yml", "# moved down a line\ntcp_connect:\n  plugins:\n    sourceipmap:\n"
			       "      hostfiles: [hosts.a]\n");
	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), 0);
	assert_int_equal(pt_plugins_reconfigure(s.m, &cfg, &d), 0);
	pt_config_free(&cfg);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(pt_plugins_count(s.m), 1);
	pt_plugins_reload(s.m);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "old-config");
	write_at("hosts.a", "127.0.0.1 old-config\n");
	/* a bad new configuration: the old plugins stay */
	write_at("probes.yml",
		 "tcp_connect:\n  plugins:\n    sourceipmap:\n      hostfiles: [gone]\n");
	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), 0);
	assert_int_equal(pt_plugins_reconfigure(s.m, &cfg, &d), -EINVAL);
	pt_config_free(&cfg);
	assert_string_equal(source_of(s.m, "127.0.0.1", "source_host"), "old-config");
	/* a good one replaces them, and its watches work */
	write_at("hosts.c", "127.0.0.1 new-config\n");
	write_at("probes.yml", "tcp_connect:\n  plugins:\n    sourceipmap:\n"
			       "      hostfiles: [hosts.c]\n      attribute_key: src\n");
	pt_diags_free(&d);
	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), 0);
	assert_int_equal(pt_plugins_reconfigure(s.m, &cfg, &d), 0);
	pt_config_free(&cfg);
	assert_null(source_of(s.m, "127.0.0.1", "source_host"));
	assert_string_equal(source_of(s.m, "127.0.0.1", "src"), "new-config");
	replace_at("hosts.c", "127.0.0.1 new-config-2\n");
	settle(s.m);
	assert_string_equal(source_of(s.m, "127.0.0.1", "src"), "new-config-2");
	/* no plugins at all */
	write_at("probes.yml", "tcp_connect:\n");
	pt_diags_free(&d);
	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), 0);
	assert_int_equal(pt_plugins_reconfigure(s.m, &cfg, &d), 0);
	pt_config_free(&cfg);
	assert_int_equal(pt_plugins_count(s.m), 0);
	assert_null(source_of(s.m, "127.0.0.1", "src"));
	pt_diags_free(&d);
	unload(&s);
	rm_at("hosts.c");
}

/*
 * The probe whose plugins come first loses them: the next probe's set
 * moves to the first place, its instances kept.  (They were destroyed
 * while still in use: ASan's heap-use-after-free in pt_plugins_reload.)
 */
static void test_reconfigure_set_moves(void **st)
{
	struct pt_config cfg;
	struct pt_diags d = { 0 };
	char path[PATH_MAX];
	struct setup s;

	write_at("hosts.a", "127.0.0.1 moved\n");
	load(&s, "tcp_connect:\n  plugins:\n    loginuidmap:\n"
		 "net_listen:\n  plugins:\n    sourceipmap:\n      hostfiles: [hosts.a]\n",
	     NULL);
	assert_int_equal(s.err, 0);
	assert_int_equal(pt_plugins_count(s.m), 2);
	snprintf(path, sizeof(path), "%s/probes.yml", dir);
	write_at("probes.yml", "tcp_connect:\n"
			       "net_listen:\n  plugins:\n    sourceipmap:\n      hostfiles: [hosts.a]\n");
	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), 0);
	assert_int_equal(pt_plugins_reconfigure(s.m, &cfg, &d), 0);
	pt_config_free(&cfg);
	assert_int_equal(pt_plugins_count(s.m), 1);
	pt_plugins_reload(s.m); /* touches every kept instance */
	pt_diags_free(&d);
	unload(&s);
	rm_at("hosts.a");
}

/* ---- external plugins ---------------------------------------------------------------- */

static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out, err = 0;

	in = open(from, O_RDONLY);
	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			err = -EIO;
	close(in);
	close(out);
	chmod(to, mode);
	return err;
}

static void test_external(void **st)
{
	char pdir[PATH_MAX], so[PATH_MAX], other[PATH_MAX];
	const struct pt_event_field *f;
	struct pt_event ev;
	struct setup s;
	static const char yml[] =
		"tcp_connect:\n"                 /* 1 */
		"  plugins:\n"                   /* 2 */
		"    example:\n"                 /* 3 */
		"      value: hello\n"           /* 4 */
		"    loginuidmap:\n"             /* 5 */
		"      top_level: true\n"        /* 6 */
		"udp_session:\n"                 /* 7 */
		"  plugins:\n"                   /* 8 */
		"    example:\n"                 /* 9 */
		"      field: udp_extra\n";      /* 10 */

	if (access(EXAMPLE_PLUGIN, R_OK)) {
		print_message("%s not built: skipped\n", EXAMPLE_PLUGIN);
		skip();
	}
	snprintf(pdir, sizeof(pdir), "%s/plugins", dir);
	assert_int_equal(mkdir(pdir, 0755), 0);
	chmod(pdir, 0755);
	snprintf(so, sizeof(so), "%s/example.so", pdir);
	assert_int_equal(copy_file(EXAMPLE_PLUGIN, so, 0644), 0);

	load(&s, yml, pdir);
	if (s.err)
		dump(&s.diags);
	assert_int_equal(s.err, 0);
	assert_int_equal(pt_plugins_count(s.m), 3);
	event(&ev, "tcp_connect");
	ev.proctree[0].loginuid = 0;
	pt_plugins_process(s.m, &ev);
	f = field(&ev, "example_field");
	assert_non_null(f);
	assert_string_equal(f->str, "hello");
	f = field(&ev, "example_depth");
	assert_non_null(f);
	assert_int_equal(f->num, 3);
	assert_non_null(field(&ev, "loginname"));
	event(&ev, "udp_session");
	pt_plugins_process(s.m, &ev);
	assert_string_equal(field(&ev, "udp_extra")->str, "example");
	pt_plugins_reload(s.m); /* no reload function: fine */
	unload(&s);

	/* bad arguments of an external plugin: file:line from its report() */
	load(&s, "tcp_connect:\n  plugins:\n    example:\n      value: [1, 2]\n"
		 "      field: \"no-dashes\"\n", pdir);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 4, "plugin example: 'value' must be a string");
	unload(&s);
	load(&s, "tcp_connect:\n  plugins:\n    example:\n      field: \"no-dashes\"\n", pdir);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 4, "'no-dashes' cannot be an event key");
	unload(&s);

	/* the name inside must match the file name */
	snprintf(other, sizeof(other), "%s/other.so", pdir);
	assert_int_equal(copy_file(EXAMPLE_PLUGIN, other, 0644), 0);
	load(&s, "tcp_connect:\n  plugins:\n    other:\n", pdir);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 3, "calls itself 'example', not 'other'");
	unload(&s);
	unlink(other);

	/* not a plugin at all */
	write_at("plugins/junk.so", "not an ELF file\n");
	load(&s, "tcp_connect:\n  plugins:\n    junk:\n", pdir);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 3, "cannot load");
	unload(&s);
	rm_at("plugins/junk.so");

	/* names are file names, never paths */
	load(&s, "tcp_connect:\n  plugins:\n    ../plugins/example:\n", pdir);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 3, "not a valid plugin file name");
	unload(&s);
	load(&s, "tcp_connect:\n  plugins:\n    absent:\n", pdir);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 3, "plugins/absent.so: No such file or directory");
	unload(&s);

	/* a world-writable plugin directory is refused */
	chmod(pdir, 0777);
	load(&s, yml, pdir);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 3, "is writable by a non-root user (world-writable, mode 0777)");
	assert_diag(&s.diags, 'E', 3, "refusing to load");
	unload(&s);
	/* ... with unload_on_init_exception, refused and skipped */
	load(&s, "tcp_connect:\n  plugins:\n    example:\n      unload_on_init_exception: true\n",
	     pdir);
	assert_int_equal(s.err, 0);
	assert_int_equal(pt_plugins_count(s.m), 0);
	assert_diag(&s.diags, 'W', 3, "refusing to load");
	unload(&s);
	/* sticky does not make the plugin directory itself acceptable */
	chmod(pdir, 01777);
	load(&s, yml, pdir);
	assert_int_equal(s.err, -EINVAL);
	unload(&s);
	/* group-writable (by a group other than root) */
	if (getegid() != 0) {
		chmod(pdir, 0775);
		load(&s, yml, pdir);
		assert_int_equal(s.err, -EINVAL);
		assert_diag(&s.diags, 'E', 3, "group-writable");
		unload(&s);
	}
	chmod(pdir, 0755);
	/* a writable .so is refused too */
	chmod(so, 0666);
	load(&s, yml, pdir);
	assert_int_equal(s.err, -EINVAL);
	assert_diag(&s.diags, 'E', 3, "example.so is writable by a non-root user");
	unload(&s);
	unlink(so);
	rmdir(pdir);
}

/* Is a file of this path mapped into this process? */
static bool mapped(const char *path)
{
	char line[PATH_MAX + 128];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, path) != NULL;
	fclose(f);
	return found;
}

/* A reload naming another plugin directory: all or nothing. */
static void test_external_path(void **st)
{
	char pa[PATH_MAX], pb[PATH_MAX], so_a[PATH_MAX + 16], so_b[PATH_MAX + 16], path[PATH_MAX];
	static const char yml[] = "tcp_connect:\n  plugins:\n    example:\n      value: one\n";
	struct pt_diags d = { 0 };
	struct pt_config cfg;
	struct pt_event ev;
	struct setup s;

	if (access(EXAMPLE_PLUGIN, R_OK)) {
		print_message("%s not built: skipped\n", EXAMPLE_PLUGIN);
		skip();
	}
	snprintf(pa, sizeof(pa), "%s/pa", dir);
	snprintf(pb, sizeof(pb), "%s/pb", dir);
	assert_int_equal(mkdir(pa, 0755), 0);
	assert_int_equal(mkdir(pb, 0755), 0);
	chmod(pa, 0755);
	chmod(pb, 0755);
	snprintf(so_a, sizeof(so_a), "%s/example.so", pa);
	snprintf(so_b, sizeof(so_b), "%s/example.so", pb);
	assert_int_equal(copy_file(EXAMPLE_PLUGIN, so_a, 0644), 0);
	load(&s, yml, pa);
	assert_int_equal(s.err, 0);
	assert_true(mapped(so_a));
	snprintf(path, sizeof(path), "%s/probes.yml", dir);
	assert_int_equal(pt_config_load(&cfg, path, schemas(), &d), 0);
	/* not in the new directory: refused, the running plugin stays */
	assert_int_equal(pt_plugins_reconfigure_path(s.m, &cfg, pb, &d), -EINVAL);
	assert_diag(&d, 'E', 3, "pb/example.so: No such file or directory");
	event(&ev, "tcp_connect");
	pt_plugins_process(s.m, &ev);
	assert_string_equal(field(&ev, "example_field")->str, "one");
	assert_true(mapped(so_a));
	/* ... and the directory too: the same path again is no change */
	assert_int_equal(pt_plugins_reconfigure_path(s.m, &cfg, pa, &d), 0);
	assert_true(mapped(so_a));
	/* there now: loaded from the new directory, the old copy unloaded */
	assert_int_equal(copy_file(EXAMPLE_PLUGIN, so_b, 0644), 0);
	assert_int_equal(pt_plugins_reconfigure_path(s.m, &cfg, pb, &d), 0);
	assert_true(mapped(so_b));
	assert_false(mapped(so_a));
	event(&ev, "tcp_connect");
	pt_plugins_process(s.m, &ev);
	assert_string_equal(field(&ev, "example_field")->str, "one");
	/* no directory at all: the external plugin is unknown, refused */
	assert_int_equal(pt_plugins_reconfigure_path(s.m, &cfg, NULL, &d), -EINVAL);
	assert_true(mapped(so_b));
	pt_config_free(&cfg);
	pt_diags_free(&d);
	unload(&s);
	assert_false(mapped(so_b));
	unlink(so_a);
	unlink(so_b);
	rmdir(pa);
	rmdir(pb);
}

/* pt_trust_open() of a directory: 0 or -errno */
static int dir_check(const char *path, char *why, size_t whylen)
{
	int fd = pt_trust_open(path, O_DIRECTORY, NULL, why, whylen);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static void test_path_check(void **st)
{
	char why[512], sub[PATH_MAX];

	snprintf(sub, sizeof(sub), "%s/chk", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	chmod(sub, 0755);
	assert_int_equal(dir_check(sub, why, sizeof(why)), 0);
	chmod(sub, 0757);
	assert_int_equal(dir_check(sub, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "world-writable"));
	chmod(sub, 0755);
	/* a world-writable directory above, not sticky */
	chmod(dir, 0777);
	assert_int_equal(dir_check(sub, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, dir));
	chmod(dir, 01777); /* sticky above: fine */
	assert_int_equal(dir_check(sub, why, sizeof(why)), 0);
	chmod(dir, 0700);
	assert_int_equal(dir_check("/nonexistent/x", why, sizeof(why)), -ENOENT);
	assert_int_equal(dir_check("/", why, sizeof(why)), 0);
	rmdir(sub);
}

static void test_key_ok(void **st)
{
	assert_true(pt_plugin_key_ok("source_host"));
	assert_true(pt_plugin_key_ok("a1_b2"));
	assert_false(pt_plugin_key_ok(""));
	assert_false(pt_plugin_key_ok(NULL));
	assert_false(pt_plugin_key_ok("Source"));
	assert_false(pt_plugin_key_ok("pid"));
	assert_false(pt_plugin_key_ok("saddr"));
	assert_false(pt_plugin_key_ok("a-b"));
	assert_false(pt_plugin_key_ok("a23456789012345678901234567890123456789012345678901234567"));
	assert_true(pt_plugin_key_ok("a2345678901234567890123456789012345678901234567890123456"));
}

static int setup_dir(void **st)
{
	snprintf(dir, sizeof(dir), "/tmp/pt-plugin-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **st)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sourceipmap_lookup),
		cmocka_unit_test(test_sourceipmap_args),
		cmocka_unit_test(test_sourceipmap_reload),
		cmocka_unit_test(test_sourceipmap_inotify),
		cmocka_unit_test(test_loginuidmap),
		cmocka_unit_test(test_enabled_and_unload),
		cmocka_unit_test(test_reconfigure_keeps_old),
		cmocka_unit_test(test_reconfigure_set_moves),
		cmocka_unit_test(test_external),
		cmocka_unit_test(test_external_path),
		cmocka_unit_test(test_path_check),
		cmocka_unit_test(test_key_ok),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

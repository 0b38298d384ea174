// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * sourceipmap: name the event's source address from hosts(5) files
 * (pidtree-bcc's plugin of the same name and configuration).
 *
 *   plugins:
 *     sourceipmap:
 *       hostfiles: [/etc/hosts, /maps/containers]  # required; merged, last wins
 *       attribute_key: source_host                 # the key added (default)
 *
 * tcp_connect events are looked up by saddr, net_listen events by laddr;
 * the key is always added, "" when the address has no entry.  (udp_session
 * events carry no source address, so the plugin does not support them.)
 * Relative file names are relative to the YAML file that names them.
 *
 * The files are re-read on SIGHUP and whenever one of them changes (the
 * plugin manager watches their directories with inotify, so an atomic
 * rename into place is seen).  A file that cannot be read at reload keeps
 * the entries it had, with an error in the log.  See hostmap.h for the
 * format and the merge rule.  Each file is read from the descriptor that
 * passed the trusted-file policy (trust.h); a refused one is an error.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostmap.h"
#include "plugins.h"
#include "trust.h"

struct sim {
	const struct pidtree_api *api;
	struct pidtree_ctx *ctx;
	char *key;
	size_t nfiles;
	char **paths;
	struct pt_hosttab *tabs;
	struct pt_hostmap map;
};

static void fini(void *state)
{
	struct sim *s = state;

	for (size_t i = 0; i < s->nfiles; i++) {
		free(s->paths ? s->paths[i] : NULL);
		if (s->tabs)
			pt_hosttab_free(&s->tabs[i]);
	}
	free(s->paths);
	free(s->tabs);
	pt_hostmap_free(&s->map);
	free(s->key);
	free(s);
}

static void warn_line(void *ctx, const char *file, int line, const char *msg)
{
	struct sim *s = ctx;

	s->api->log(s->ctx, PIDTREE_WARNING, "%s:%d: %s", file, line, msg);
}

/*
 * Read hostfile path into tab from the descriptor that passed the
 * trusted-file policy (trust.h), never from the path again: whoever could
 * edit it could give their own traffic a trusted name.  0, -EPERM (refused),
 * -ENOMEM or -errno; why says why.
 */
static int load_hostfile(struct sim *s, const char *path, struct pt_hosttab *tab, char *why,
			 size_t whylen)
{
	int fd = pt_trust_open(path, 0, NULL, why, whylen), err;

	if (fd < 0)
		return fd;
	err = pt_hosts_read_fd(fd, path, tab, warn_line, s);
	close(fd);
	if (err)
		snprintf(why, whylen, "%s", strerror(-err));
	return err == -EPERM ? -EIO : err;
}

static int build(struct sim *s, const struct pt_hosttab *const *use)
{
	int err = pt_hostmap_build(&s->map, use, s->nfiles);

	if (err)
		s->api->log(s->ctx, PIDTREE_ERR, "cannot build the address map: %s",
			    strerror(-err));
	return err;
}

static int init(const struct pidtree_api *api, struct pidtree_ctx *ctx,
		const struct pidtree_arg *args, void **state)
{
	const struct pidtree_arg *files = api->arg_get(args, "hostfiles");
	const struct pidtree_arg *key = api->arg_get(args, "attribute_key");
	const struct pt_hosttab **use = NULL;
	char dir[PATH_MAX], path[PATH_MAX], why[PATH_MAX + 256];
	struct sim *s;
	bool bad = false;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*state = s;
	s->api = api;
	s->ctx = ctx;

	if (key) {
		const char *k = api->arg_str(key);

		if (!k || !pt_plugin_key_ok(k)) {
			api->report(ctx, PIDTREE_ERR, key,
				    "attribute_key must be a key of [a-z0-9_], at most 56 characters, "
				    "not one of pidtree's own (pid, saddr, ...)%s%s%s",
				    k ? ", got '" : "", k ? k : "", k ? "'" : "");
			bad = true;
		} else {
			s->key = strdup(k);
		}
	} else {
		s->key = strdup("source_host");
	}
	if (!bad && !s->key)
		return -ENOMEM;

	switch (api->arg_type(files)) {
	case PIDTREE_ARG_NONE:
		api->report(ctx, PIDTREE_ERR, NULL,
			    "'hostfiles' is required: a list of hosts(5) files");
		return -EINVAL;
	case PIDTREE_ARG_LIST:
		break;
	default:
		api->report(ctx, PIDTREE_ERR, files,
			    "'hostfiles' must be a list of hosts(5) files");
		return -EINVAL;
	}
	s->nfiles = api->arg_count(files);
	if (!s->nfiles) {
		api->report(ctx, PIDTREE_ERR, files, "'hostfiles' must not be empty");
		return -EINVAL;
	}
	s->paths = calloc(s->nfiles, sizeof(*s->paths));
	s->tabs = calloc(s->nfiles, sizeof(*s->tabs));
	use = calloc(s->nfiles, sizeof(*use));
	if (!s->paths || !s->tabs || !use) {
		free(use);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct pidtree_arg *it = api->arg_item(files, i);
		const char *f = api->arg_str(it);
		int n;

		use[i] = &s->tabs[i];
		if (!f || !*f) {
			api->report(ctx, PIDTREE_ERR, it, "a hostfiles entry must be a file name");
			bad = true;
			continue;
		}
		if (f[0] == '/') {
			n = snprintf(path, sizeof(path), "%s", f);
		} else {
			pt_plugin_arg_dir(it, dir, sizeof(dir));
			n = snprintf(path, sizeof(path), "%s/%s", dir, f);
		}
		if (n < 0 || (size_t)n >= sizeof(path)) {
			api->report(ctx, PIDTREE_ERR, it, "file name too long");
			bad = true;
			continue;
		}
		s->paths[i] = strdup(path);
		if (!s->paths[i]) {
			free(use);
			return -ENOMEM;
		}
		err = load_hostfile(s, path, &s->tabs[i], why, sizeof(why));
		if (err == -ENOMEM) {
			free(use);
			return err;
		}
		if (err) {
			api->report(ctx, PIDTREE_ERR, it, "%s hostfile %s: %s",
				    err == -EPERM ? "refusing" : "cannot read", path, why);
			bad = true;
			continue;
		}
		err = api->watch_file(ctx, path);
		if (err)
			api->log(ctx, PIDTREE_WARNING,
				 "cannot watch %s for changes (%s): it is re-read on SIGHUP only",
				 path, strerror(-err));
	}
	if (bad) {
		free(use);
		return -EINVAL;
	}
	err = build(s, use);
	free(use);
	return err;
}

static int reload(void *state)
{
	struct sim *s = state;
	struct pt_hosttab *next;
	const struct pt_hosttab **use;
	bool *ok;
	size_t failed = 0;
	int err;

	next = calloc(s->nfiles, sizeof(*next));
	use = calloc(s->nfiles, sizeof(*use));
	ok = calloc(s->nfiles, sizeof(*ok));
	if (!next || !use || !ok) {
		s->api->log(s->ctx, PIDTREE_ERR, "reload: out of memory; previous map kept");
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < s->nfiles; i++) {
		char why[PATH_MAX + 256];

		err = load_hostfile(s, s->paths[i], &next[i], why, sizeof(why));
		ok[i] = !err;
		use[i] = err ? &s->tabs[i] : &next[i];
		if (err) {
			failed++;
			s->api->log(s->ctx, PIDTREE_ERR,
				    "%s hostfile %s: %s; keeping its previous %zu entries",
				    err == -EPERM ? "refusing" : "cannot re-read", s->paths[i], why,
				    s->tabs[i].n);
		}
	}
	err = build(s, use);
	if (err)
		goto out; /* the old map still points into the old tables */
	for (size_t i = 0; i < s->nfiles; i++) {
		if (!ok[i])
			continue;
		pt_hosttab_free(&s->tabs[i]);
		s->tabs[i] = next[i];
		memset(&next[i], 0, sizeof(next[i]));
	}
	s->api->log(s->ctx, PIDTREE_INFO, "%zu addresses from %zu hostfiles%s", s->map.n,
		    s->nfiles, failed ? " (some kept from before)" : "");
out:
	for (size_t i = 0; next && i < s->nfiles; i++)
		pt_hosttab_free(&next[i]);
	free(next);
	free(use);
	free(ok);
	return err;
}

static void process(void *state, struct pidtree_event *ev)
{
	struct sim *s = state;
	const char *addr, *name;

	addr = s->api->ev_str(ev, PIDTREE_FIELD_SADDR);
	if (!addr)
		addr = s->api->ev_str(ev, PIDTREE_FIELD_LADDR);
	name = pt_hostmap_lookup(&s->map, addr);
	s->api->add_str(ev, s->key, name ? name : "");
}

static const char *const probes[] = { "tcp_connect", "net_listen", NULL };
static const char *const args[] = { "hostfiles", "attribute_key", NULL };

const struct pidtree_plugin pt_builtin_sourceipmap = {
	.abi_version = PIDTREE_PLUGIN_ABI_VERSION,
	.size = sizeof(struct pidtree_plugin),
	.name = "sourceipmap",
	.version = PACKAGE_VERSION,
	.probes = probes,
	.args = args,
	.init = init,
	.process = process,
	.reload = reload,
	.fini = fini,
};

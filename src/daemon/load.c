// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading the configuration, at start-up and on reload alike: pidtree.conf,
 * the probe YAML (with the probe table's schemas) and the plugins.  Every
 * file is opened and read under the trusted-file policy (core/trust.h) by
 * the loader that reads it (ytree.c, settings.c, the plugins).  Nothing here
 * touches what is running: reload.c decides what to do with the result.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "remote.h"

/*
 * Without a probe configuration, pidtree runs the probes marked by_default
 * in the probe table (pidtree-bcc's example: every outbound TCP
 * connection), unfiltered.
 */
static int default_config(struct daemon *d, const char *path, struct pt_config *cfg)
{
	int err = pt_config_defaults(cfg, pt_daemon_schemas(d));

	if (err)
		return err;
	pt_warn("%s not found: reporting every outbound TCP connection, unfiltered", path);
	for (size_t i = 0; i < d->nrows; i++)
		if (d->rows[i]->by_default && d->rows[i]->schema.name)
			pt_config_probe(cfg, d->rows[i]->schema.name)->present = true;
	return 0;
}

/* pidtree.conf: a file named with -C must exist, the default one need not. */
int pt_daemon_load_settings(struct daemon *d, struct pt_daemon_settings *s)
{
	struct pt_diags diags = { 0 };
	const char *path = d->opt.conf ? d->opt.conf : PT_DEFAULT_CONF;
	int err;

	err = pt_settings_load(s, path, d->opt.conf != NULL, &diags);
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	if (err)
		pt_err("%s: settings not valid", path);
	return err;
}

int pt_daemon_load_config(struct daemon *d, const struct pt_daemon_settings *s,
			  struct pt_config *cfg)
{
	struct pt_yload_opts yo = { 0 };
	struct pt_diags diags = { 0 };
	const char *path = d->opt.config;
	int err;

	if (!path && s->probes[0])
		path = s->probes;

	if (!path) {
		path = PT_DEFAULT_PROBES_YML;
		/* only a file that is not there means the default; any other error is one */
		if (access(path, F_OK) != 0 && errno == ENOENT)
			return default_config(d, path, cfg);
	}
	/* remote includes: the start-up load (and --check-config) waits for the
	 * network; the file and everything it includes are read under the
	 * trusted-file policy (URLs: TLS) */
	yo.include = pt_remote_include(d->remote, !d->loop_running);
	err = pt_config_load_opts(cfg, path, pt_daemon_schemas(d), &yo, &diags);
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	if (err) {
		pt_err("%s: configuration not valid", path);
		pt_config_free(cfg);
	}
	return err;
}

const char *pt_daemon_plugin_path(const struct daemon *d, const struct pt_daemon_settings *s)
{
	if (d->opt.plugin_path)
		return d->opt.plugin_path;
	return s->plugin_path[0] ? s->plugin_path : NULL;
}

/* Plugins of the probe configuration (pidtree-plugins(7)); errors mean exit 78. */
int pt_daemon_load_plugins(struct daemon *d, const struct pt_daemon_settings *s,
			   const struct pt_config *cfg, struct pt_plugins **out)
{
	struct pt_plugins_opts po = { .extra_path = pt_daemon_plugin_path(d, s) };
	struct pt_diags diags = { 0 };
	int err;

	err = pt_plugins_load(out, cfg, &po, &diags);
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	if (err)
		pt_err("plugins not loaded");
	return err;
}


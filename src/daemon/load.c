// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading the configuration, at start-up and on reload alike: pidtree.conf,
 * the probe YAML (with the probe table's schemas) and the plugins.  Every
 * file must pass the trusted-file policy (core/trust.h).  Nothing here
 * touches what is running: reload.c decides what to do with the result.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "remote.h"
#include "trust.h"

/* Refuse a trusted file that others could edit (see secure.h); diag on failure. */
static int check_trusted(const char *path, struct pt_diags *diags)
{
	char why[4200];
	int err = pt_trust_path_check(path, why, sizeof(why));

	if (err == -EPERM)
		pt_diag_add(diags, PT_DIAG_ERROR, NULL, 0, "refusing to trust %s", why);
	return err == -EPERM ? -EINVAL : 0;
}

/*
 * Without a probe configuration, pidtree reports what pidtree-bcc's
 * example does: every outbound TCP connection, unfiltered.
 */
static int default_config(struct daemon *d, const char *path, struct pt_config *cfg)
{
	static const char probe[] = "tcp_connect";
	int err = pt_config_defaults(cfg, pt_daemon_schemas(d));

	if (err)
		return err;
	pt_warn("%s not found: reporting every outbound TCP connection, unfiltered", path);
	pt_config_probe(cfg, probe)->present = true;
	return 0;
}

/* dns: the capture's configuration, from [dns] and the probes just loaded */
static int derive(struct daemon *d, const struct pt_daemon_settings *s, struct pt_config *cfg)
{
	int err = pt_naming_derive(d, s, cfg);

	if (err) {
		pt_err("out of memory");
		pt_config_free(cfg);
	}
	return err;
}

/* pidtree.conf: a file named with -C must exist, the default one need not. */
int pt_daemon_load_settings(struct daemon *d, struct pt_daemon_settings *s)
{
	struct pt_diags diags = { 0 };
	const char *path = d->opt.conf ? d->opt.conf : PT_DEFAULT_CONF;
	int err;

	err = pt_settings_load(s, path, d->opt.conf != NULL, &diags);
	if (!err && s->path[0])
		err = check_trusted(s->path, &diags);
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
		if (access(path, F_OK) != 0) {
			err = default_config(d, path, cfg);
			return err ? err : derive(d, s, cfg);
		}
	}
	/* remote includes: the start-up load (and --check-config) waits for the network */
	yo.include = pt_remote_include(d->remote, !d->loop_running);
	err = pt_config_load_opts(cfg, path, pt_daemon_schemas(d), &yo, &diags);
	/* the file and everything it includes must be root's alone (URLs: TLS) */
	for (size_t i = 0; cfg->tree.files && i < cfg->tree.nfiles; i++)
		if (!pt_remote_is_url(cfg->tree.files[i]) &&
		    check_trusted(cfg->tree.files[i], &diags))
			err = -EINVAL;
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	if (err) {
		pt_err("%s: configuration not valid", path);
		pt_config_free(cfg);
		return err;
	}
	return derive(d, s, cfg);
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


// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading the configuration, at start-up and on reload alike: pidtree.conf,
 * the probe YAML (with the probe table's schemas) and the plugins.  Every
 * file is opened and read under the trusted-file policy (core/trust.h) by
 * the loader that reads it (ytree.c, settings.c, the plugins).  Nothing here
 * touches what is running: reload.c decides what to do with the result.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "extprobe.h"
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
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	if (err)
		pt_err("%s: settings not valid", path);
	return err;
}

/* ---- external probes: a top-level key that is no known probe ---------------- */
struct resolver {
	struct daemon *d;
	const char *dir; /* --extra-probe-path, NULL: none */
};

/*
 * pt_config_unknown: DIR/NAME.so for the key, loaded once and made a row
 * (kept whatever becomes of this configuration: rows are never removed).
 */
static int resolve_probe(void *ctx, const struct pt_ynode *key,
			 const struct pt_probe_schema **schema, struct pt_diags *diags)
{
	struct resolver *r = ctx;
	struct daemon *d = r->d;
	struct pt_extprobe *x;
	char why[PATH_MAX + 1024];
	int err;

	if (!r->dir)
		return 0;
	if (!d->ext && (err = pt_extprobes_new(&d->ext)))
		return err;
	err = pt_extprobe_load(d->ext, r->dir, key->scalar, &x, why, sizeof(why));
	if (!err && pt_daemon_add_row(d, &x->desc)) {
		pt_extprobe_unload(d->ext, x);
		snprintf(why, sizeof(why),
			 "no room for its record types and loss counters (pidtree has %d probes, "
			 "%d record types and %d loss counters in all)", PT_PROBES_MAX,
			 PT_REC_TYPES - 1, PT_LOSS_SLOTS);
		err = -ENOSPC;
	}
	if (err == -ENOMEM)
		return err;
	if (err) {
		pt_diag_add(diags, PT_DIAG_ERROR, key->file, key->line, "probe %s: %s", key->scalar,
			    why);
		return -EINVAL;
	}
	pt_info("probe %s: external, from %s", x->name, x->path);
	*schema = &x->desc.schema;
	return 1;
}

const char *pt_daemon_probe_path(const struct daemon *d, const struct pt_daemon_settings *s)
{
	if (d->opt.probe_path)
		return d->opt.probe_path;
	return s->probe_path[0] ? s->probe_path : NULL;
}

int pt_daemon_load_config(struct daemon *d, const struct pt_daemon_settings *s,
			  struct pt_config *cfg)
{
	struct resolver res = { .d = d, .dir = pt_daemon_probe_path(d, s) };
	struct pt_config_unknown unknown = { .resolve = resolve_probe, .ctx = &res };
	struct pt_yload_opts yo = { 0 };
	struct pt_diags diags = { 0 };
	const char *path = d->opt.config;
	int err;

	if (!path && s->probes[0])
		path = s->probes;

	if (!path) {
		path = PT_DEFAULT_PROBES_YML;
		/* only a file that is not there means the default; any other error is one */
		if (access(path, F_OK) != 0 && errno == ENOENT) {
			err = default_config(d, path, cfg);
			return err ? err : derive(d, s, cfg);
		}
	}
	/* remote includes: the start-up load (and --check-config) waits for the
	 * network; the file and everything it includes are read under the
	 * trusted-file policy (URLs: TLS) */
	yo.include = pt_remote_include(d->remote, !d->loop_running);
	err = pt_config_load_ext(cfg, path, pt_daemon_schemas(d), &yo, &unknown, &diags);
	/* external probes' own arguments, also for --check-config */
	if (!err && pt_extprobes_check(d->ext, cfg, &diags))
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


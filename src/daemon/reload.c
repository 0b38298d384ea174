// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The reload transaction (SIGHUP, -w), parse then swap:
 *   1. load pidtree.conf, the probe YAML and the plugins' new configuration
 *      completely, and open every output that changed; any error leaves
 *      everything running as it is;
 *   2. apply the new configuration to the probes (probes.c: filters swapped
 *      generation by generation, objects re-opened where a load-time option
 *      changed; a probe that cannot be re-opened keeps running and is
 *      retried at the next reload);
 *   3. switch the outputs, put the new configuration in force.
 * Output files that stay are re-opened by name on every reload, good or
 * bad, for log rotation; plugin hostfiles are re-read likewise.
 *
 * The SIGHUP fetched the remote includes again before this, with the
 * remote_include_* settings then in force; a reload that changes how they
 * are fetched (the CA file, the size limit, the timeout, the cache
 * directory) fetches them once more with the new ones and reloads when
 * they are in, so that the SIGHUP that sets remote_include_ca= is the one
 * that uses it.
 */
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "proccache.h"
#include "remote.h"

/* Would a fetch with b go otherwise than one with a?  (not the interval) */
static bool fetch_changed(const struct pt_remote_opts *a, const struct pt_remote_opts *b)
{
	return strcmp(a->ca_file, b->ca_file) || strcmp(a->cache_dir, b->cache_dir) ||
	       a->max_size != b->max_size || a->timeout_s != b->timeout_s;
}

bool pt_daemon_refetch_then_reload(struct daemon *d)
{
	if (!pt_remote_refresh(d->remote))
		return false;
	d->reload_at_ns = pt_clock_ns(CLOCK_MONOTONIC) + PT_REMOTE_WAIT_S * 1000000000ull;
	return true;
}

void pt_daemon_reload(struct daemon *d)
{
	struct pt_daemon_settings ns;
	struct pt_config ncfg = { 0 };
	struct pt_diags diags = { 0 };
	struct pt_outputs outs;
	int failures;
	bool refetch;

	pt_service_reloading();
	pt_info("reloading the configuration");
	if (pt_daemon_load_settings(d, &ns) || pt_daemon_load_config(d, &ns, &ncfg))
		goto keep;
	if (pt_outputs_prepare(d, &ns, &outs)) {
		pt_config_free(&ncfg);
		goto keep;
	}
	if (pt_plugins_reconfigure_path(d->plugins, &ncfg, pt_daemon_plugin_path(d, &ns), &diags)) {
		pt_diags_print(&diags);
		pt_diags_free(&diags);
		pt_outputs_discard(&outs);
		pt_config_free(&ncfg);
		goto keep;
	}
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	pt_daemon_containers_reload(d, &ns);
	failures = pt_daemon_reload_probes(d, &d->cfg, &ncfg);
	pt_config_free(&d->cfg);
	d->cfg = ncfg;
	pt_naming_apply(d); /* dns: the name table as the new configuration says */
	/* remote includes: cache the documents now in force, new remote_include_* */
	pt_remote_commit(d->remote);
	refetch = fetch_changed(&d->settings.remote, &ns.remote);
	pt_remote_set_opts(d->remote, &ns.remote);
	pt_outputs_switch(d, &outs); /* re-opens the files it keeps */
	d->settings = ns;
	pt_plugins_reload(d->plugins);
	pt_username_cache_drop(d->cache);
	pt_daemon_watch_files(d);
	if (failures)
		pt_warn("configuration reloaded with %d probe failure(s)", failures);
	else
		pt_info("configuration reloaded");
	if (refetch && pt_daemon_refetch_then_reload(d))
		pt_info("remote includes: fetching them again with the new remote_include_* "
			"settings; the configuration is reloaded when they are in");
	goto ready;
keep:
	pt_err("reload failed: the running configuration stays in force");
	pt_outputs_reopen(d); /* log rotation does not wait for a good file */
	pt_plugins_reload(d->plugins); /* hostfiles are data: refresh them anyway */
	pt_username_cache_drop(d->cache);
	pt_daemon_watch_files(d);
ready:
	pt_service_ready(d);
}

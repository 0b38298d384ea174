/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The plugin manager: pidtree-bcc's per-probe "plugins:" configuration,
 * built-in plugins (sourceipmap, loginuidmap) and external ones loaded with
 * dlopen() from --extra-plugin-path, all through the public ABI of
 * include/pidtree/plugin.h.
 *
 * Life cycle, from main.c:
 *   pt_plugins_load()     after the probe configuration: every problem is a
 *                         file:line diagnostic; errors mean exit 78
 *   pt_plugins_process()  on each event, just before it is serialised
 *   pt_plugins_fd()       one inotify descriptor for every file plugins
 *                         watch (constant for the manager's lifetime, -1 if
 *                         inotify is unavailable): add it to epoll and call
 *   pt_plugins_handle_fd() when it is readable
 *   pt_plugins_reload()   SIGHUP: every plugin re-reads its data
 *   pt_plugins_reconfigure()  a new probe configuration (config reload):
 *                         the new plugin set replaces the old one only when
 *                         it loads without errors; an instance whose
 *                         configuration is unchanged (same probe, name,
 *                         arguments and YAML directory) is kept as it is,
 *                         so call pt_plugins_reload() after it on SIGHUP
 *   pt_plugins_free()
 *
 * Instances keep no pointer into the pt_config: the configuration may be
 * freed after load / reconfigure.  Single-threaded: everything runs on the
 * event loop.  pt_plugins_process() neither allocates nor makes system calls
 * on its own (plugins' lookups are in memory; a user name seen for the first
 * time is resolved once, as for the proctree).
 */
#ifndef PIDTREE_PLUGINS_H
#define PIDTREE_PLUGINS_H

#include <stdbool.h>
#include <stddef.h>

#include "pidtree/plugin.h"
#include "config.h"
#include "event.h"

struct pt_plugins;

struct pt_plugins_opts {
	const char *extra_path;  /* directory of external NAME.so plugins, NULL = none */
	const char *passwd_file; /* tests: user names from this file instead of NSS */
};

/* Create a manager with no plugin.  0 or -errno. */
int pt_plugins_new(struct pt_plugins **out, const struct pt_plugins_opts *opts);
/*
 * Load the plugins of every present probe of cfg, replacing the current set
 * (see above).  Problems go to diags; 0, -EINVAL (errors in diags: the
 * current set is kept) or -ENOMEM.
 */
int pt_plugins_reconfigure(struct pt_plugins *m, const struct pt_config *cfg,
			   struct pt_diags *diags);
/*
 * The same, with external plugins looked up in extra_path (NULL = none) from
 * now on; when it changed, external plugins are loaded anew from there.  On
 * failure the current set and directory are kept.
 */
int pt_plugins_reconfigure_path(struct pt_plugins *m, const struct pt_config *cfg,
				const char *extra_path, struct pt_diags *diags);
/* pt_plugins_new + pt_plugins_reconfigure; *out is NULL on failure. */
int pt_plugins_load(struct pt_plugins **out, const struct pt_config *cfg,
		    const struct pt_plugins_opts *opts, struct pt_diags *diags);
void pt_plugins_free(struct pt_plugins *m);

/* Run the plugins configured on ev->probe, in configuration order.  m may be NULL. */
void pt_plugins_process(struct pt_plugins *m, struct pt_event *ev);
/* SIGHUP.  m may be NULL. */
void pt_plugins_reload(struct pt_plugins *m);
int pt_plugins_fd(const struct pt_plugins *m);
/* The fd is readable: reload the plugins whose watched files changed. */
void pt_plugins_handle_fd(struct pt_plugins *m);
/* Number of loaded instances (all probes). */
size_t pt_plugins_count(const struct pt_plugins *m);
/* For -p: one line per loaded plugin of probe ("sourceipmap (built in)"). */
void pt_plugins_describe(const struct pt_plugins *m, const char *probe,
			 void (*line)(void *ctx, const char *s), void *ctx);

/* ---- for external probes (src/daemon/extprobe*.c) ----------------------------- */

/* The plugin ABI's function table (what plugins get in init()). */
const struct pidtree_api *pt_plugins_api(void);
/*
 * The ABI's handle on ev outside pt_plugins_process(), for an external
 * probe's decode(): add_str() and friends copy into m's per-event arena,
 * emptied here, so what they add stays valid until the next call on m
 * (use a manager of its own, with no plugins: pt_plugins_process() on
 * another manager does not touch it).
 */
struct pidtree_event *pt_plugins_event(struct pt_plugins *m, struct pt_event *ev);

/* ---- for the built-in plugins ------------------------------------------------ */

extern const struct pidtree_plugin pt_builtin_sourceipmap;
extern const struct pidtree_plugin pt_builtin_loginuidmap;

/* The event behind the ABI handle (built-ins only). */
struct pt_event *pt_plugin_event(struct pidtree_event *ev);
/* Whether key is acceptable to pt_event_add_str(). */
bool pt_plugin_key_ok(const char *key);
/* The directory of the file a node was read from ("." when unknown), into buf. */
void pt_plugin_arg_dir(const struct pidtree_arg *a, char *buf, size_t len);

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Finding a plugin by name: built in, else DIR/NAME.so from the external
 * plugin directory (--extra-plugin-path).  The directory and the file must
 * pass the trusted-file policy (trust.h), and the file is loaded from the
 * descriptor that passed it.  Its descriptor must match the ABI of
 * <pidtree/plugin.h>.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "plugin_int.h"
#include "trust.h"

static const struct pidtree_plugin *const builtins[] = {
	&pt_builtin_sourceipmap,
	&pt_builtin_loginuidmap,
};
#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

static bool valid_name(const char *s)
{
	if (!s || !*s || strlen(s) > NAME_MAX - 3)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static void builtin_names(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NBUILTINS && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					builtins[i]->name);
}

/* Find the plugin of in->name: built in, else DIR/NAME.so.  0 or -EINVAL (reported). */
int pt_plugin_find(struct pt_plugins *m, struct pt_pinst *in)
{
	struct pidtree_ctx *ctx = &in->ctx;
	const struct pidtree_plugin *p;
	char path[PATH_MAX], why[PATH_MAX + 256], names[128];
	void *dl;
	int err;

	for (size_t i = 0; i < NBUILTINS; i++) {
		if (!strcmp(builtins[i]->name, in->name)) {
			in->p = builtins[i];
			return 0;
		}
	}
	builtin_names(names, sizeof(names));
	if (!m->extra_path) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL,
		       "unknown plugin (built in: %s; external plugins are loaded from "
		       "--extra-plugin-path DIR)", names);
		return -EINVAL;
	}
	if (!valid_name(in->name)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL,
		       "unknown plugin (built in: %s) and not a valid plugin file name "
		       "(letters, digits, '_' and '-')", names);
		return -EINVAL;
	}
	if (snprintf(path, sizeof(path), "%s/%s.so", m->extra_path, in->name) >=
	    (int)sizeof(path)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "plugin path too long");
		return -EINVAL;
	}
	dl = pt_trust_dlopen(m->extra_path, path, &err, why, sizeof(why));
	if (!dl) {
		if (err == -ENOENT || err == -ENOTDIR)
			pt_plugin_report(ctx, PIDTREE_ERR, NULL, "unknown plugin (built in: %s; %s)",
					 names, why);
		else if (err == -EPERM)
			pt_plugin_report(ctx, PIDTREE_ERR, NULL,
			       "refusing to load %s: %s; plugin files and directories must be "
			       "writable by root only", path, why);
		else
			pt_plugin_report(ctx, PIDTREE_ERR, NULL, "cannot load %s: %s", path, why);
		return -EINVAL;
	}
	in->dl = dl;
	p = dlsym(dl, PIDTREE_PLUGIN_SYMBOL);
	if (!p) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "%s exports no '%s' symbol (see <pidtree/plugin.h>)",
		       path, PIDTREE_PLUGIN_SYMBOL);
		return -EINVAL;
	}
	if (p->abi_version != PIDTREE_PLUGIN_ABI_VERSION) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL,
		       "%s is built for plugin ABI version %u; this pidtree has version %u", path,
		       p->abi_version, PIDTREE_PLUGIN_ABI_VERSION);
		return -EINVAL;
	}
	if (p->size < sizeof(struct pidtree_plugin)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "%s: plugin descriptor too small (%u bytes)", path,
		       p->size);
		return -EINVAL;
	}
	if (!p->name || strcmp(p->name, in->name)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "%s calls itself '%s', not '%s'", path,
		       p->name ? p->name : "(null)", in->name);
		return -EINVAL;
	}
	if (!p->process || !p->probes) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "%s has no %s", path,
		       !p->process ? "process function" : "list of supported probes");
		return -EINVAL;
	}
	in->p = p;
	pt_dbg("plugin %s: loaded %s (version %s)", in->name, path,
	       p->version ? p->version : "unknown");
	return 0;
}

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
#include <fcntl.h>
#include <limits.h>
#include <link.h>
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

/*
 * dlopen() the plugin from *fd, the descriptor that passed the trusted-file
 * policy, by its /proc/self/fd name: what is loaded is what was checked,
 * whatever happens to the path meanwhile.
 *
 * glibc knows a loaded object by the name it was opened with, and gives it
 * back for that name without opening anything: the /proc/self/fd/N name of
 * a descriptor since closed, of an object still loaded (the instance that a
 * reload replaces), would return that old object.  So the name is tried
 * first with RTLD_NOLOAD: when an object answers to it by name, the
 * descriptor moves to a higher number and the next name is tried.  An
 * object found under another name is this very file (glibc matched it by
 * device and inode), already loaded: then that one is what we get, rightly.
 * NULL with the reason in err.
 */
static void *dlopen_fd(int *fd, char *err, size_t errlen)
{
	char name[64];
	struct link_map *lm;
	bool taken;
	void *dl;
	int nfd;

	for (int tries = 0;; tries++) {
		snprintf(name, sizeof(name), "/proc/self/fd/%d", *fd);
		dl = dlopen(name, RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);
		if (!dl) {
			dlerror(); /* not loaded: the usual case */
			break;
		}
		taken = dlinfo(dl, RTLD_DI_LINKMAP, &lm) != 0 || !lm->l_name ||
			!strcmp(lm->l_name, name);
		dlclose(dl);
		if (!taken)
			break;
		if (tries == 64) {
			snprintf(err, errlen, "no free /proc/self/fd name to load it by");
			return NULL;
		}
		nfd = fcntl(*fd, F_DUPFD_CLOEXEC, *fd + 1);
		if (nfd < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return NULL;
		}
		close(*fd);
		*fd = nfd;
	}
	dl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!dl)
		snprintf(err, errlen, "%s", dlerror());
	return dl;
}

/* Find the plugin of in->name: built in, else DIR/NAME.so.  0 or -EINVAL (reported). */
int pt_plugin_find(struct pt_plugins *m, struct pt_pinst *in)
{
	struct pidtree_ctx *ctx = &in->ctx;
	const struct pidtree_plugin *p;
	char path[PATH_MAX], why[PATH_MAX + 256], names[128];
	int fd, dfd = -1;
	void *dl;

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
	fd = pt_trust_open(path, 0, NULL, why, sizeof(why));
	if (fd == -ENOENT || fd == -ENOTDIR) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "unknown plugin (built in: %s; %s)", names,
				 why);
		return -EINVAL;
	}
	/* the directory itself may not be sticky either: it is where plugins come from */
	if (fd >= 0) {
		dfd = pt_trust_open(m->extra_path, O_DIRECTORY, NULL, why, sizeof(why));
		if (dfd >= 0)
			close(dfd);
	}
	if (fd < 0 || dfd < 0) {
		if ((fd < 0 ? fd : dfd) == -EPERM)
			pt_plugin_report(ctx, PIDTREE_ERR, NULL,
			       "refusing to load %s: %s; plugin files and directories must be "
			       "writable by root only", path, why);
		else
			pt_plugin_report(ctx, PIDTREE_ERR, NULL, "cannot load %s: %s", path, why);
		if (fd >= 0)
			close(fd);
		return -EINVAL;
	}
	dl = dlopen_fd(&fd, why, sizeof(why));
	close(fd);
	if (!dl) {
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

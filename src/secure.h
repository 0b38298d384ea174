/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PIDTREE_SECURE_H
#define PIDTREE_SECURE_H

#include <stddef.h>

/*
 * A file pidtree trusts (configuration, include, hostfile, plugin) must not
 * be writable by anybody but root (or pidtree's own user), and neither may
 * any directory above it, except that a directory above may be sticky (like
 * /tmp): whoever could edit it could hide their own traffic.  The policy is
 * pt_plugin_path_check()'s (plugin.c), shared with plugins and hostfiles.
 * Returns 0, or -EPERM with the reason in why, or -errno when stat fails.
 */
int pt_check_trusted_path(const char *path, char *why, size_t len);

#endif

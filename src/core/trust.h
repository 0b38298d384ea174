/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One policy for every file that steers pidtree (probe configuration and
 * its includes, pidtree.conf, plugin hostfiles, plugins): whoever could
 * edit such a file could hide their own traffic, so it must not be
 * writable by anybody but root (or pidtree's own user), and neither may
 * any directory above it, except that a directory above may be sticky
 * (like /tmp).
 */
#ifndef PIDTREE_TRUST_H
#define PIDTREE_TRUST_H

#include <stddef.h>

/*
 * Whether path (an existing file or directory; symlinks resolved) passes:
 * it and every directory above it are owned by root or the effective user,
 * and neither world-writable nor writable by a group other than root's,
 * except that a directory above path may be sticky.  0, or -EPERM / -errno
 * with the reason in why.
 */
int pt_trust_path_check(const char *path, char *why, size_t whylen);

#endif

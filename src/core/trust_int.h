/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Inside the trusted-file policy: the check of one object (trust_policy.c). */
#ifndef PIDTREE_TRUST_INT_H
#define PIDTREE_TRUST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/*
 * Whether the object open at fd (st: its fstat; name: its path, for
 * messages) is owned by root or the effective user and writable by nobody
 * else, by mode or by POSIX ACL (see trust.h).  opath: fd is an O_PATH
 * descriptor (its ACL is read through /proc/self/fd).  sticky_ok: a sticky
 * directory passes whoever can write to it.  0, or -EPERM / -errno with the
 * reason in why.
 */
int pt_trust_check_object(int fd, bool opath, const struct stat *st, const char *name,
			  bool sticky_ok, char *why, size_t whylen);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One policy for every file that steers pidtree (probe configuration and
 * its includes, pidtree.conf, plugin hostfiles, plugins): whoever could
 * edit such a file could hide their own traffic, so pidtree opens it only
 * when nobody but root (or pidtree's own effective user) could have
 * changed what it reads.  The policy, checked on open descriptors:
 *
 * - The path is resolved here, one component at a time from "/" (a relative
 *   path from the physical working directory, getcwd()), never by
 *   realpath() or by the kernel following symlinks.  "." and ".." are
 *   resolved on the descriptors too.
 * - Every directory on the way and the file itself are owned by root or by
 *   the effective user, and nobody else can write to them: not "other",
 *   not a group other than root's, not any POSIX ACL entry (a named user
 *   other than root and the effective user, a named group other than
 *   root's, or the owning group, each as limited by the ACL mask).  A
 *   directory ABOVE the file may instead be sticky (like /tmp): others
 *   cannot rename or remove what root owns there.
 * - A symlink is followed only when it is owned by root or the effective
 *   user (the directory holding it was checked already); its target is
 *   resolved the same way, at most 40 symlinks per path.  So root's own
 *   layouts (/lib -> usr/lib, /etc/alternatives) work, and a symlink that
 *   another user planted (in /tmp, or a directory of theirs) is refused.
 * - Only a regular file (or, when asked for, a directory) is opened; a FIFO
 *   or device is refused without being opened.
 * - Every error fails closed: a file that cannot be resolved, examined or
 *   opened is not trusted, and the reason is said.
 *
 * Filesystems that cannot carry POSIX ACLs (getxattr says EOPNOTSUPP) are
 * judged by their mode bits.  Other access models (NFSv4 or CIFS ACLs, LSM
 * policies) are not evaluated.  ACLs of directories are read through
 * /proc/self/fd, so /proc must be mounted.
 */
#ifndef PIDTREE_TRUST_H
#define PIDTREE_TRUST_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>

/* Follow at most this many symlinks resolving one path (as the kernel). */
#define PT_TRUST_MAX_LINKS 40

/* What pt_trust_open() opened. */
struct pt_trust_file {
	struct stat st;      /* fstat() of the returned descriptor */
	char path[PATH_MAX]; /* its absolute path, every symlink resolved */
};

/*
 * Open path under the policy above.  flags: 0 for a regular file, or
 * O_DIRECTORY for a directory; nothing else.  The descriptor is opened
 * O_RDONLY | O_CLOEXEC (blocking); read the file from it, never from path
 * again.  info (may be NULL) receives its stat and canonical path.
 *
 * Returns the descriptor, or a negative errno with the reason in why
 * ("PATH: reason", PATH the component concerned):
 *   -EPERM         the policy refuses it (owner, mode, ACL, symlink owner)
 *   -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG, -EACCES, ...  resolution
 *   -EISDIR        a directory where a file was asked for
 *   -EINVAL        not a regular file (FIFO, socket, device), or bad flags
 *   -EAGAIN        the file was replaced while being opened, three times over
 * Every negative return means "not trusted": never fall back to the path.
 * (A directory is opened O_RDONLY | O_DIRECTORY: a user other than root
 * needs read permission on it.)
 */
int pt_trust_open(const char *path, int flags, struct pt_trust_file *info, char *why,
		  size_t whylen);

/*
 * dlopen() path (RTLD_NOW | RTLD_LOCAL), a shared object in directory dir,
 * both under the policy above (dir may not be sticky: it is where objects
 * come from), from the descriptor that passed it (by its /proc/self/fd
 * name, so $ORIGIN is not the object's directory).  The handle, or NULL
 * with *err (-ENOENT/-ENOTDIR: no such file; -EPERM: refused; another
 * -errno; -EINVAL: dlopen failed) and the reason in why.
 */
void *pt_trust_dlopen(const char *dir, const char *path, int *err, char *why, size_t whylen);

#endif

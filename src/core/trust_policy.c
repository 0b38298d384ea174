// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The check of one open object against the trusted-file policy (trust.h):
 * its owner, its mode bits and its POSIX ACL.
 *
 * The ACL is read and walked with libacl rather than by decoding the
 * system.posix_acl_access xattr here: libacl is the maintained reader of
 * that format, and gives the entries with their tags, qualifiers and the
 * mask that the evaluation needs.  When an ACL is extended, the group bits
 * of st_mode are the ACL mask, not the owning group's permission, so the
 * mode alone says nothing about who may write: every entry is looked at.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "trust_int.h"

#include <acl/libacl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/acl.h>
#include <unistd.h>

/* "rw-" of an ACL permission set (getfacl's notation) */
static void perm_text(acl_permset_t ps, char out[4])
{
	out[0] = acl_get_perm(ps, ACL_READ) == 1 ? 'r' : '-';
	out[1] = acl_get_perm(ps, ACL_WRITE) == 1 ? 'w' : '-';
	out[2] = acl_get_perm(ps, ACL_EXECUTE) == 1 ? 'x' : '-';
	out[3] = '\0';
}

/* The numeric qualifier (uid or gid) of an ACL_USER / ACL_GROUP entry. */
static int qualifier(acl_entry_t e, unsigned int *id)
{
	void *q = acl_get_qualifier(e);

	if (!q)
		return -errno;
	/* uid_t and gid_t are both 32-bit unsigned on Linux */
	*id = *(unsigned int *)q;
	acl_free(q);
	return 0;
}

/*
 * Whether an entry of acl grants write to anybody but root or euid.
 * 0, -EPERM (why says which entry), or -errno.
 */
static int acl_writers(acl_t acl, const struct stat *st, const char *name, uid_t euid,
		       char *why, size_t whylen)
{
	acl_entry_t e, mask_e = NULL;
	acl_permset_t ps;
	acl_tag_t tag;
	char p[4], m[4] = "rwx";
	bool mask_w = true;
	unsigned int id = 0;
	int r, w, err;

	/* the mask caps every named entry and the owning group */
	for (r = acl_get_entry(acl, ACL_FIRST_ENTRY, &e); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &e)) {
		if (acl_get_tag_type(e, &tag))
			return -errno;
		if (tag != ACL_MASK)
			continue;
		if (acl_get_permset(e, &ps))
			return -errno;
		mask_e = e;
		mask_w = acl_get_perm(ps, ACL_WRITE) == 1;
		perm_text(ps, m);
	}
	if (r < 0)
		return -errno;
	for (r = acl_get_entry(acl, ACL_FIRST_ENTRY, &e); r == 1;
	     r = acl_get_entry(acl, ACL_NEXT_ENTRY, &e)) {
		if (acl_get_tag_type(e, &tag) || acl_get_permset(e, &ps))
			return -errno;
		w = acl_get_perm(ps, ACL_WRITE);
		if (w < 0)
			return -errno;
		if (!w)
			continue;
		perm_text(ps, p);
		switch (tag) {
		case ACL_USER:
			err = qualifier(e, &id);
			if (err)
				return err;
			if (id == 0 || id == euid || !mask_w)
				continue;
			snprintf(why, whylen,
				 "%s has an ACL entry granting write to uid %u (user:%u:%s, "
				 "mask::%s)", name, id, id, p, m);
			return -EPERM;
		case ACL_GROUP:
			err = qualifier(e, &id);
			if (err)
				return err;
			if (id == 0 || !mask_w)
				continue;
			snprintf(why, whylen,
				 "%s has an ACL entry granting write to gid %u (group:%u:%s, "
				 "mask::%s)", name, id, id, p, m);
			return -EPERM;
		case ACL_GROUP_OBJ:
			if (st->st_gid == 0 || !mask_w)
				continue;
			if (!mask_e)
				snprintf(why, whylen,
					 "%s is writable by a non-root user (group-writable, "
					 "mode %04o)", name, (unsigned int)(st->st_mode & 07777));
			else
				snprintf(why, whylen,
					 "%s is writable by its group %u through its ACL "
					 "(group::%s, mask::%s)", name, (unsigned int)st->st_gid,
					 p, m);
			return -EPERM;
		case ACL_OTHER:
			snprintf(why, whylen,
				 "%s is writable by a non-root user (world-writable, mode %04o)",
				 name, (unsigned int)(st->st_mode & 07777));
			return -EPERM;
		default: /* the owner (checked by uid), the mask */
			continue;
		}
	}
	return r < 0 ? -errno : 0;
}

/* The access ACL of fd, or NULL with errno (EOPNOTSUPP: the fs has none). */
static acl_t get_acl(int fd, bool opath)
{
	char proc[64];

	if (!opath)
		return acl_get_fd(fd);
	/* fgetxattr() refuses O_PATH descriptors; the /proc link reaches the inode */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return acl_get_file(proc, ACL_TYPE_ACCESS);
}

int pt_trust_check_object(int fd, bool opath, const struct stat *st, const char *name,
			  bool sticky_ok, char *why, size_t whylen)
{
	uid_t euid = geteuid();
	acl_t acl;
	int err;

	if (st->st_uid != 0 && st->st_uid != euid) {
		snprintf(why, whylen, "%s is owned by uid %u, not by root", name,
			 (unsigned int)st->st_uid);
		return -EPERM;
	}
	if (sticky_ok && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))
		return 0;
	if (st->st_mode & S_IWOTH) {
		snprintf(why, whylen,
			 "%s is writable by a non-root user (world-writable, mode %04o)", name,
			 (unsigned int)(st->st_mode & 07777));
		return -EPERM;
	}
	acl = get_acl(fd, opath);
	if (!acl) {
		err = -errno;
		if (err != -EOPNOTSUPP && err != -ENOSYS) {
			snprintf(why, whylen, "%s: cannot read its ACL: %s%s", name,
				 strerror(-err),
				 opath && err == -ENOENT ? " (is /proc mounted?)" : "");
			return err ? err : -EIO;
		}
		/* no POSIX ACLs on this filesystem: the mode bits are all there is */
		if ((st->st_mode & S_IWGRP) && st->st_gid != 0) {
			snprintf(why, whylen,
				 "%s is writable by a non-root user (group-writable, mode %04o)",
				 name, (unsigned int)(st->st_mode & 07777));
			return -EPERM;
		}
		return 0;
	}
	err = acl_writers(acl, st, name, euid, why, whylen);
	if (err && err != -EPERM)
		snprintf(why, whylen, "%s: cannot evaluate its ACL: %s", name, strerror(-err));
	acl_free(acl);
	return err;
}

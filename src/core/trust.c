// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The trusted-file policy (see trust.h). */
#include "trust.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_one(const char *path, bool allow_sticky, char *why, size_t whylen)
{
	struct stat st;
	uid_t euid = geteuid();

	if (stat(path, &st)) {
		int err = -errno;

		snprintf(why, whylen, "%s: %s", path, strerror(-err));
		return err;
	}
	if (st.st_uid != 0 && st.st_uid != euid) {
		snprintf(why, whylen, "%s is owned by uid %u, not by root", path,
			 (unsigned int)st.st_uid);
		return -EPERM;
	}
	/* group root is root's */
	if (((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0)) &&
	    !(allow_sticky && (st.st_mode & S_ISVTX))) {
		snprintf(why, whylen, "%s is writable by a non-root user (%s, mode %04o)", path,
			 (st.st_mode & S_IWOTH) ? "world-writable" : "group-writable",
			 (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int pt_trust_path_check(const char *path, char *why, size_t whylen)
{
	char *rp, *slash;
	int err;

	rp = realpath(path, NULL);
	if (!rp) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(-err));
		return err;
	}
	err = check_one(rp, false, why, whylen);
	while (!err && (slash = strrchr(rp, '/')) != NULL) {
		if (slash == rp) {
			if (!rp[1])
				break;
			rp[1] = '\0'; /* "/x" -> "/" */
		} else {
			*slash = '\0';
		}
		err = check_one(rp, true, why, whylen);
	}
	free(rp);
	return err;
}

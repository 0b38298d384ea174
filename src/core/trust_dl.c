// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading a shared object (an external plugin or probe) under the
 * trusted-file policy: the directory it comes from and the file itself
 * pass pt_trust_open(), and the object is loaded from the descriptor that
 * passed, never by its path again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "trust.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * dlopen() the object from *fd, the descriptor that passed the trusted-file
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

void *pt_trust_dlopen(const char *dir, const char *path, int *err, char *why, size_t whylen)
{
	int fd, dfd = -1;
	void *dl;

	fd = pt_trust_open(path, 0, NULL, why, whylen);
	/* the directory itself may not be sticky either: it is where objects come from */
	if (fd >= 0) {
		dfd = pt_trust_open(dir, O_DIRECTORY, NULL, why, whylen);
		if (dfd >= 0)
			close(dfd);
	}
	if (fd < 0 || dfd < 0) {
		*err = fd < 0 ? fd : dfd;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	dl = dlopen_fd(&fd, why, whylen);
	close(fd);
	*err = dl ? 0 : -EINVAL;
	return dl;
}

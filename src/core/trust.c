// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Resolving a path under the trusted-file policy (trust.h).
 *
 * The path is walked here, one component at a time, from a descriptor of
 * "/": each step is openat(dir, NAME, O_PATH | O_NOFOLLOW) with a single
 * name, so the kernel never follows a symlink for us, and each directory is
 * checked (fstat, ACL) on the very descriptor the next step is opened from.
 * Nobody can swap a directory or a symlink between the check and the use:
 * there is no second lookup by name.  openat2(RESOLVE_NO_SYMLINKS) would add
 * nothing to a walk that already stops at every component, and is not on
 * every kernel pidtree supports, so it is not used.
 *
 * The file itself is looked at through an O_PATH descriptor first (a FIFO
 * or device is refused without being opened), then opened from the same
 * directory with O_NOFOLLOW and compared by device and inode, so what is
 * returned is exactly what was checked.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "trust.h"
#include "trust_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum want { WANT_FILE, WANT_DIR };

struct walk {
	int dirfd;            /* the directory reached so far (O_PATH), checked */
	char canon[PATH_MAX]; /* its absolute path: no symlink, no "." or ".." */
	size_t clen;
	char todo[PATH_MAX];  /* what is left to resolve */
	char link[PATH_MAX];  /* a symlink's target; the working directory */
	char name[PATH_MAX];  /* the path of the component at hand (messages) */
	int links;
	enum want want;
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct walk *w, int err, const char *fmt,
						       ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, w->whylen, fmt, ap);
	va_end(ap);
	return err;
}

/* w->name = the path of component comp of the current directory */
static int name_of(struct walk *w, const char *comp)
{
	size_t n = strlen(comp);

	if (w->clen + 1 + n >= sizeof(w->name))
		return fail(w, -ENAMETOOLONG, "%s/%.32s...: %s", w->canon, comp,
			    strerror(ENAMETOOLONG));
	memcpy(w->name, w->canon, w->clen);
	n = w->clen;
	if (n > 1)
		w->name[n++] = '/';
	strcpy(w->name + n, comp);
	return 0;
}

static int fstat_of(struct walk *w, int fd, struct stat *st)
{
	if (fstat(fd, st))
		return fail(w, -errno, "%s: %s", w->name, strerror(errno));
	return 0;
}

/* Make fd (O_PATH, stat st, path w->name) the current directory, if it passes. */
static int enter_dir(struct walk *w, int fd, const struct stat *st)
{
	size_t len = strlen(w->name);
	int err;

	/* a directory above the file may be sticky: others cannot rename root's entries */
	err = pt_trust_check_object(fd, true, st, w->name, true, w->why, w->whylen);
	if (err) {
		close(fd);
		return err;
	}
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = fd;
	memcpy(w->canon, w->name, len + 1);
	w->clen = len;
	return 0;
}

static int go_root(struct walk *w)
{
	struct stat st;
	int fd, err;

	strcpy(w->name, "/");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(w, -errno, "/: %s", strerror(errno));
	err = fstat_of(w, fd, &st);
	if (err) {
		close(fd);
		return err;
	}
	return enter_dir(w, fd, &st);
}

static int go_up(struct walk *w)
{
	struct stat st;
	char *slash;
	int fd, err;

	if (w->clen == 1)
		return 0; /* "/.." is "/" */
	memcpy(w->name, w->canon, w->clen + 1);
	slash = strrchr(w->name, '/');
	if (slash == w->name)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = openat(w->dirfd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(w, -errno, "%s: %s", w->name, strerror(errno));
	err = fstat_of(w, fd, &st);
	if (err) {
		close(fd);
		return err;
	}
	return enter_dir(w, fd, &st);
}

/*
 * Follow the symlink open at fd (stat st, path w->name); rest: what came
 * after it in w->todo ("" when it was last), slash: whether a '/' did.
 */
static int follow(struct walk *w, int fd, const struct stat *st, const char *rest, bool slash)
{
	char *tmp = w->name; /* w->name is done with once the link is read */
	ssize_t n;
	int len;

	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		close(fd);
		return fail(w, -EPERM, "%s is a symbolic link owned by uid %u, not by root",
			    w->name, (unsigned int)st->st_uid);
	}
	if (++w->links > PT_TRUST_MAX_LINKS) {
		close(fd);
		return fail(w, -ELOOP, "%s: %s", w->name, strerror(ELOOP));
	}
	n = readlinkat(fd, "", w->link, sizeof(w->link));
	close(fd);
	if (n < 0)
		return fail(w, -errno, "%s: cannot read the symbolic link: %s", w->name,
			    strerror(errno));
	if ((size_t)n >= sizeof(w->link))
		return fail(w, -ENAMETOOLONG, "%s: %s", w->name, strerror(ENAMETOOLONG));
	if (!n)
		return fail(w, -ENOENT, "%s: an empty symbolic link", w->name);
	w->link[n] = '\0';
	/* the target, then whatever followed the link */
	len = snprintf(tmp, sizeof(w->name), "%s%s%s", w->link, slash ? "/" : "", rest);
	if (len < 0 || (size_t)len >= sizeof(w->todo))
		return fail(w, -ENAMETOOLONG, "%s -> %s: %s", w->canon, w->link,
			    strerror(ENAMETOOLONG));
	memcpy(w->todo, tmp, (size_t)len + 1);
	return w->link[0] == '/' ? go_root(w) : 0;
}

/*
 * Open the object at fd (O_PATH, stat st, named comp in the current
 * directory, or "." for the current directory itself) for reading, and
 * check it.  Returns the new descriptor or -errno.
 */
static int open_final(struct walk *w, int fd, const struct stat *st, const char *comp,
		      bool slash)
{
	bool dir = S_ISDIR(st->st_mode);
	struct stat st2;
	int rfd, err;

	if (!dir && !S_ISREG(st->st_mode))
		err = fail(w, -EINVAL, "%s is not a regular file", w->name);
	else if (dir && w->want == WANT_FILE)
		err = fail(w, -EISDIR, "%s: %s", w->name, strerror(EISDIR));
	else if (!dir && (w->want == WANT_DIR || slash))
		err = fail(w, -ENOTDIR, "%s: %s", w->name, strerror(ENOTDIR));
	else
		err = 0;
	if (err) {
		close(fd);
		return err;
	}
	rfd = openat(w->dirfd, comp,
		     O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
			     (dir ? O_DIRECTORY : 0));
	close(fd);
	if (rfd < 0)
		return fail(w, -errno, "%s: %s", w->name, strerror(errno));
	err = fstat_of(w, rfd, &st2);
	if (!err && (st2.st_dev != st->st_dev || st2.st_ino != st->st_ino))
		err = fail(w, -EAGAIN, "%s was replaced while it was being opened", w->name);
	/* O_NONBLOCK was only for the open; reads are to block as usual */
	if (!err && fcntl(rfd, F_SETFL, 0))
		err = fail(w, -errno, "%s: %s", w->name, strerror(errno));
	/* the object itself: no sticky exception */
	if (!err)
		err = pt_trust_check_object(rfd, false, &st2, w->name, false, w->why, w->whylen);
	if (err) {
		close(rfd);
		return err;
	}
	return rfd;
}

/* The current directory is what the path names ("/", "a/.."). */
static int open_current(struct walk *w, bool slash)
{
	struct stat st;
	int fd, err;

	memcpy(w->name, w->canon, w->clen + 1);
	fd = openat(w->dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(w, -errno, "%s: %s", w->name, strerror(errno));
	err = fstat_of(w, fd, &st);
	if (err) {
		close(fd);
		return err;
	}
	return open_final(w, fd, &st, ".", slash);
}

/*
 * One component comp of the current directory; rest: what follows it (""
 * when last), slash: whether a '/' did.  0 to go on (*relinked: a symlink
 * rewrote w->todo), or the final descriptor in *out, or -errno.
 */
static int step(struct walk *w, const char *comp, const char *rest, bool slash, int *out,
		bool *relinked)
{
	bool last = !*rest;
	struct stat st;
	int fd, err;

	if (!strcmp(comp, ".")) {
		err = 0;
	} else if (!strcmp(comp, "..")) {
		err = go_up(w);
	} else {
		err = name_of(w, comp);
		if (err)
			return err;
		fd = openat(w->dirfd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return fail(w, -errno, "%s: %s", w->name, strerror(errno));
		err = fstat_of(w, fd, &st);
		if (err) {
			close(fd);
			return err;
		}
		if (S_ISLNK(st.st_mode)) {
			*relinked = true;
			return follow(w, fd, &st, rest, slash);
		}
		if (last) {
			*out = open_final(w, fd, &st, comp, slash);
			return *out < 0 ? *out : 0;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			return fail(w, -ENOTDIR, "%s: %s", w->name, strerror(ENOTDIR));
		}
		return enter_dir(w, fd, &st);
	}
	/* "." or "..": the current directory is what the path names when last */
	if (!err && last) {
		*out = open_current(w, slash);
		return *out < 0 ? *out : 0;
	}
	return err;
}

/* Walk w->todo from the current directory; the final descriptor or -errno. */
static int walk(struct walk *w)
{
	char *p = w->todo, *end, *next;
	bool slash, relinked;
	int err, fd;

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) /* "/" itself, or a symlink to it */
			return open_current(w, p > w->todo);
		end = strchrnul(p, '/');
		next = end;
		while (*next == '/')
			next++;
		slash = *end == '/';
		*end = '\0';
		if (end - p > NAME_MAX)
			return fail(w, -ENAMETOOLONG, "%s%s%.32s...: %s", w->canon,
				    w->clen > 1 ? "/" : "", p, strerror(ENAMETOOLONG));
		fd = -1;
		relinked = false;
		err = step(w, p, next, slash, &fd, &relinked);
		if (err)
			return err;
		if (fd >= 0)
			return fd;
		/* a followed symlink rewrote w->todo: its target, then the rest */
		p = relinked ? w->todo : next;
	}
}

static int trust_open_once(const char *path, enum want want, struct pt_trust_file *info,
			   char *why, size_t whylen)
{
	struct walk *w;
	int fd, len;

	if (!path || !*path) {
		snprintf(why, whylen, "empty file name");
		return -ENOENT;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(why, whylen, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	w->dirfd = -1;
	w->want = want;
	w->why = why;
	w->whylen = whylen;
	if (path[0] == '/') {
		len = snprintf(w->todo, sizeof(w->todo), "%s", path);
	} else if (!getcwd(w->link, sizeof(w->link))) {
		fd = fail(w, -errno, "%s: cannot find the working directory: %s", path,
			  strerror(errno));
		goto out;
	} else {
		/* the working directory is checked like any other directory */
		len = snprintf(w->todo, sizeof(w->todo), "%s/%s", w->link, path);
	}
	if (len < 0 || (size_t)len >= sizeof(w->todo)) {
		fd = fail(w, -ENAMETOOLONG, "%s: %s", path, strerror(ENAMETOOLONG));
		goto out;
	}
	fd = go_root(w);
	if (!fd)
		fd = walk(w);
	if (fd >= 0 && info) {
		if (fstat(fd, &info->st)) {
			close(fd);
			fd = fail(w, -errno, "%s: %s", w->name, strerror(errno));
			goto out;
		}
		memcpy(info->path, w->name, strlen(w->name) + 1);
	}
out:
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w);
	return fd;
}

/* A file replaced by rename (an update in progress) while being opened: a few tries. */
static int trust_open(const char *path, enum want want, struct pt_trust_file *info, char *why,
		      size_t whylen)
{
	int fd, tries = 0;

	do
		fd = trust_open_once(path, want, info, why, whylen);
	while (fd == -EAGAIN && ++tries < 3);
	return fd;
}

int pt_trust_open(const char *path, int flags, struct pt_trust_file *info, char *why,
		  size_t whylen)
{
	if (flags & ~O_DIRECTORY) {
		snprintf(why, whylen, "%s: unsupported open flags %#x", path ? path : "(null)",
			 (unsigned int)flags);
		return -EINVAL;
	}
	return trust_open(path, flags ? WANT_DIR : WANT_FILE, info, why, whylen);
}

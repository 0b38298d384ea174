// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Whole lines to a file or standard output (see linefile.h). */
#include "linefile.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static void describe(struct pt_linefile *lf)
{
	struct stat st;

	lf->regular = !fstat(lf->fd, &st) && S_ISREG(st.st_mode);
	lf->tty = isatty(lf->fd);
}

/*
 * open(2) the path for appending, or -errno with the reason in *why.
 * O_NOFOLLOW: a symbolic link as last component is refused (ELOOP), also
 * a dangling one that O_CREAT would otherwise follow to create its target.
 * O_NONBLOCK: opening a FIFO without a reader fails (ENXIO) instead of
 * blocking the event loop until one comes; a FIFO with a reader is refused
 * by the type check.  A character device (/dev/null, a terminal) is taken
 * back to blocking writes, as standard output is.
 */
static int open_path(const char *path, const char **why)
{
	struct stat st;
	int fd, flags, err;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
				O_NOCTTY, 0640);
	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP && !lstat(path, &st) && S_ISLNK(st.st_mode))
			*why = "it is a symbolic link (name the file itself)";
		else if (err == -ENXIO)
			*why = "not a regular file or a character device";
		else
			*why = strerror(-err);
		return err;
	}
	if (fstat(fd, &st)) {
		err = -errno;
		*why = strerror(-err);
		goto fail;
	}
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		err = -EINVAL;
		*why = "not a regular file or a character device";
		goto fail;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)) {
		err = -errno;
		*why = strerror(-err);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

int pt_linefile_open(struct pt_linefile *lf, const char *path, const char *what)
{
	const char *why;
	int err;

	memset(lf, 0, sizeof(*lf));
	pt_buf_init(&lf->buf);
	pt_buf_init(&lf->kinds);
	/* /dev/stdout is a symbolic link, but the system's: standard output */
	if (!path || !strcmp(path, "-") || !strcmp(path, "/dev/stdout")) {
		lf->fd = STDOUT_FILENO;
		lf->path = strdup("<stdout>");
	} else {
		lf->fd = open_path(path, &why);
		if (lf->fd < 0) {
			err = lf->fd;
			pt_err("%s output: cannot open %s: %s", what, path, why);
			return err;
		}
		lf->own_fd = true;
		lf->path = strdup(path);
	}
	if (!lf->path) {
		if (lf->own_fd)
			close(lf->fd);
		return -ENOMEM;
	}
	describe(lf);
	return 0;
}

void pt_linefile_add(struct pt_linefile *lf, const char *line, size_t len, bool event)
{
	/* room for the whole line first: never half a line in the buffer */
	if (!pt_buf_reserve(&lf->buf, len + 1) || !pt_buf_reserve(&lf->kinds, 1)) {
		lf->buf.oom = lf->kinds.oom = false; /* nothing was added */
		lf->dropped += event;
		return;
	}
	memcpy(lf->buf.data + lf->buf.len, line, len);
	lf->buf.len += len;
	lf->buf.data[lf->buf.len++] = '\n';
	lf->kinds.data[lf->kinds.len++] = (char)event;
}

/* Events among lines [from, to) of the buffer. */
static uint64_t events_in(const struct pt_linefile *lf, size_t from, size_t to)
{
	uint64_t n = 0;

	for (size_t i = from; i < to; i++)
		n += (unsigned char)lf->kinds.data[i];
	return n;
}

/*
 * A regular file: remove the partial bytes of a cut line from its end and
 * put the offset back there (standard output redirected with '>' has no
 * O_APPEND: the next write would leave a hole otherwise).
 */
static int truncate_cut(struct pt_linefile *lf, size_t partial)
{
	off_t pos = lseek(lf->fd, 0, SEEK_CUR);

	if (pos < 0 || (uint64_t)pos < partial)
		return -EINVAL;
	if (ftruncate(lf->fd, pos - (off_t)partial) ||
	    lseek(lf->fd, pos - (off_t)partial, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/*
 * The write stopped after off bytes of the buffer: count the lines that
 * reached the file as written, deal with a cut line, drop the rest.
 */
static void settle(struct pt_linefile *lf, size_t off)
{
	const char *d = lf->buf.data, *nl;
	size_t whole = 0, start = 0, nlines = lf->kinds.len, next, keep = 0;
	bool cut_event = false;

	while (start < off && (nl = memchr(d + start, '\n', off - start))) {
		whole++;
		start = (size_t)(nl - d) + 1;
	}
	lf->written += events_in(lf, 0, whole);
	next = whole;
	if (start < off) {
		/* line number whole is in the file up to off: cut */
		cut_event = lf->kinds.data[whole];
		next = whole + 1;
		if (lf->regular && truncate_cut(lf, off - start) == 0) {
			lf->dropped += cut_event;
		} else {
			nl = memchr(d + off, '\n', lf->buf.len - off);
			keep = nl ? (size_t)(nl - d) + 1 - off : 0;
		}
	}
	lf->dropped += events_in(lf, next, nlines);
	if (keep) {
		/* finish the line first at the next flush */
		memmove(lf->buf.data, lf->buf.data + off, keep);
		lf->buf.len = keep;
		lf->kinds.data[0] = (char)cut_event;
		lf->kinds.len = 1;
	} else {
		pt_buf_reset(&lf->buf);
		pt_buf_reset(&lf->kinds);
	}
}

int pt_linefile_flush(struct pt_linefile *lf, const char *what)
{
	size_t off = 0;
	int err = 0;

	if (!lf->buf.len)
		return 0; /* nothing written: nothing learnt about the file either */
	while (off < lf->buf.len) {
		ssize_t n = write(lf->fd, lf->buf.data + off, lf->buf.len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		off += (size_t)n;
	}
	if (!err) {
		lf->written += events_in(lf, 0, lf->kinds.len);
		pt_buf_reset(&lf->buf);
		pt_buf_reset(&lf->kinds);
		if (lf->failed)
			pt_info("%s output %s: writing again", what, lf->path);
		lf->failed = false;
		return 0;
	}
	/* settle first: a log line on the same file must not be truncated */
	settle(lf, off);
	if (!lf->failed)
		pt_err("%s output %s: write failed: %s; events dropped (and counted) until it works again",
		       what, lf->path, strerror(-err));
	lf->failed = true;
	return err;
}

int pt_linefile_reopen(struct pt_linefile *lf, const char *what)
{
	const char *why;
	int fd;

	if (!lf->own_fd)
		return 0;
	pt_linefile_flush(lf, what);
	fd = open_path(lf->path, &why);
	if (fd < 0) {
		pt_err("%s output: cannot re-open %s: %s (still writing to the old file)", what,
		       lf->path, why);
		return fd;
	}
	/* the rest of a line cut in the old file does not belong in the new one */
	lf->dropped += events_in(lf, 0, lf->kinds.len);
	pt_buf_reset(&lf->buf);
	pt_buf_reset(&lf->kinds);
	close(lf->fd);
	lf->fd = fd;
	describe(lf);
	pt_dbg("%s output: re-opened %s", what, lf->path);
	return 0;
}

void pt_linefile_close(struct pt_linefile *lf, const char *what)
{
	if (lf->buf.len)
		pt_linefile_flush(lf, what);
	lf->dropped += events_in(lf, 0, lf->kinds.len); /* a line that could not be finished */
	if (lf->dropped)
		pt_warn("%s output %s: %llu events written, %llu lost", what, lf->path,
			(unsigned long long)lf->written, (unsigned long long)lf->dropped);
	if (lf->own_fd)
		close(lf->fd);
	pt_buf_free(&lf->buf);
	pt_buf_free(&lf->kinds);
	free(lf->path);
	lf->path = NULL;
}

int pt_linefile_health(const struct pt_linefile *lf, const char *what, char *why, size_t len)
{
	struct pollfd pfd = { .fd = lf->fd, .events = 0 };

	if (lf->failed) {
		snprintf(why, len, "%s %s: the last write failed", what, lf->path);
		return -EIO;
	}
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLNVAL))) {
		snprintf(why, len, "%s %s: %s", what, lf->path,
			 pfd.revents & POLLNVAL ? "not open" : "broken (its reader is gone?)");
		return -EPIPE;
	}
	return 0;
}

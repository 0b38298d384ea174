// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Whole lines to a file or standard output (see linefile.h). */
#include "linefile.h"

#include <errno.h>
#include <fcntl.h>
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

static int open_path(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int pt_linefile_open(struct pt_linefile *lf, const char *path, const char *what)
{
	int err;

	memset(lf, 0, sizeof(*lf));
	pt_buf_init(&lf->buf);
	pt_buf_init(&lf->kinds);
	if (!path || !strcmp(path, "-")) {
		lf->fd = STDOUT_FILENO;
		lf->path = strdup("<stdout>");
	} else {
		lf->fd = open_path(path);
		if (lf->fd < 0) {
			err = -errno;
			pt_err("%s output: cannot open %s: %s", what, path, strerror(errno));
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
	int fd, err;

	if (!lf->own_fd)
		return 0;
	pt_linefile_flush(lf, what);
	fd = open_path(lf->path);
	if (fd < 0) {
		err = -errno;
		pt_err("%s output: cannot re-open %s: %s (still writing to the old file)", what,
		       lf->path, strerror(errno));
		return err;
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

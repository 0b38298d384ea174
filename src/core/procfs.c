/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * /proc/PID parsing for the process cache: stat, status, loginuid, cmdline.
 * Every parser works on a (buffer, length) pair that need not be
 * NUL-terminated, and every read is bounded.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Unsigned decimal at *p (leading blanks skipped); advances *p. */
static int parse_u64(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	unsigned int d;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		d = (unsigned int)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -ERANGE;
		x = x * 10 + d;
	}
	*p = s;
	*v = x;
	return 0;
}

/* Skip one blank-separated field (which may be signed); -EINVAL if there is none. */
static int skip_field(const char **p, const char *end)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end || *s == '\n')
		return -EINVAL;
	while (s < end && *s != ' ' && *s != '\n')
		s++;
	*p = s;
	return 0;
}

int pt_procfs_parse_stat(const char *buf, size_t len, struct pt_proc_stat *out, uint32_t *flags)
{
	const char *end = buf + len, *p = buf, *lp, *rp;
	uint64_t v, ppid = 0, pflags = 0;
	size_t n;
	int field, err;

	/* "pid (comm) state ppid ..."; comm may hold anything, so use the LAST ')' */
	if (parse_u64(&p, end, &v) || v > UINT32_MAX)
		return -EINVAL;
	lp = memchr(buf, '(', len);
	rp = memrchr(buf, ')', len);
	if (!lp || !rp || rp < lp || p > lp)
		return -EINVAL;
	out->pid = (uint32_t)v;
	n = (size_t)(rp - lp - 1);
	if (n >= PT_COMM_LEN)
		n = PT_COMM_LEN - 1;
	memcpy(out->comm, lp + 1, n);
	out->comm[n] = '\0';

	p = rp + 1;
	if (end - p < 2 || p[0] != ' ' || p[1] == ' ' || p[1] == '\n')
		return -EINVAL;
	out->state = p[1];
	p += 2;
	/* fields 4 (ppid), 9 (flags) and 22 (starttime); fields are 1-based */
	for (field = 4; field <= 22; field++) {
		if (field != 4 && field != 9 && field != 22) {
			if (skip_field(&p, end))
				return -EINVAL;
			continue;
		}
		err = parse_u64(&p, end, &v);
		if (err)
			return -EINVAL;
		if (p < end && *p != ' ' && *p != '\n')
			return -EINVAL;
		if (field == 4)
			ppid = v;
		else if (field == 9)
			pflags = v;
		else
			out->starttime_ticks = v;
	}
	if (ppid > UINT32_MAX)
		return -EINVAL;
	out->ppid = (uint32_t)ppid;
	if (flags)
		*flags = (uint32_t)pflags;
	return 0;
}

int pt_proc_parse_stat(const char *buf, size_t len, struct pt_proc_stat *out)
{
	return pt_procfs_parse_stat(buf, len, out, NULL);
}

size_t pt_join_argv(const char *argv, size_t len, char *out, size_t max, bool truncated)
{
	size_t i, n, dots;

	if (!max)
		return 0;
	/* the final NUL, and setproctitle()'s NUL padding, are not arguments */
	while (len && argv[len - 1] == '\0')
		len--;
	if (!truncated && len < max) {
		n = len;
		dots = 0;
	} else {
		n = max - 1 > 3 ? max - 1 - 3 : 0;
		if (n > len)
			n = len;
		dots = max - 1 - n < 3 ? max - 1 - n : 3;
	}
	for (i = 0; i < n; i++)
		out[i] = argv[i] ? argv[i] : ' ';
	memcpy(out + n, "...", dots);
	out[n + dots] = '\0';
	return n + dots;
}

/*
 * Read at most size bytes of dfd/name; *more (optional) tells whether the
 * file holds more.  Byte count or -errno.
 */
static ssize_t read_file_at(int dfd, const char *name, char *buf, size_t size, bool *more)
{
	size_t got = 0;
	ssize_t n, ret;
	char c;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (more) {
		*more = false;
		if (got == size) {
			do
				n = read(fd, &c, 1);
			while (n < 0 && errno == EINTR);
			*more = n > 0;
		}
	}
	ret = (ssize_t)got;
out:
	close(fd);
	return ret;
}

static int read_ids(int dfd, struct pt_procfs_proc *p)
{
	char buf[4096];
	const char *s, *end;
	uint64_t v;
	ssize_t n;

	n = read_file_at(dfd, "status", buf, sizeof(buf), NULL);
	if (n < 0)
		return (int)n;
	end = buf + n;
	for (s = buf; s < end; s++) {
		if ((s == buf || s[-1] == '\n') && end - s > 4 && !memcmp(s, "Uid:", 4))
			break;
	}
	if (s >= end)
		return -EINVAL;
	s += 4;
	if (parse_u64(&s, end, &v) || v > UINT32_MAX)
		return -EINVAL;
	p->uid = (uint32_t)v;

	p->loginuid = PT_LOGINUID_UNSET;
	n = read_file_at(dfd, "loginuid", buf, 32, NULL);
	s = buf;
	if (n > 0 && !parse_u64(&s, buf + n, &v) && v <= UINT32_MAX)
		p->loginuid = (uint32_t)v;
	return 0;
}

int pt_procfs_read(int procfd, uint32_t pid, unsigned int how, uint64_t expect_ticks,
		   struct pt_procfs_proc *p, char *raw, char *out, size_t max)
{
	char name[16], buf[1024];
	bool more;
	ssize_t n;
	int dfd, err;

	snprintf(name, sizeof(name), "%u", pid);
	dfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	n = read_file_at(dfd, "stat", buf, sizeof(buf), NULL);
	if (n < 0) {
		err = (int)n;
		goto out;
	}
	err = pt_procfs_parse_stat(buf, (size_t)n, &p->st, &p->flags);
	if (err)
		goto out;
	if ((how & PT_PROCFS_MATCH) && p->st.starttime_ticks != expect_ticks) {
		err = -ESRCH;
		goto out;
	}
	p->uid = 0;
	p->loginuid = PT_LOGINUID_UNSET;
	if (how & PT_PROCFS_IDS) {
		err = read_ids(dfd, p);
		if (err)
			goto out;
	}
	n = read_file_at(dfd, "cmdline", raw, max, &more);
	if (n < 0) {
		err = (int)n;
		goto out;
	}
	if (n == 0) {
		out[0] = '\0';
		p->cmdline_len = 0;
		p->cmdline_known = (p->flags & PT_PF_KTHREAD) && p->st.state != 'Z';
	} else {
		p->cmdline_len = pt_join_argv(raw, (size_t)n, out, max, more);
		p->cmdline_known = true;
	}
out:
	close(dfd);
	return err;
}

int pt_procfs_open(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

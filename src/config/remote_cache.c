// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cache of remote includes: one file per URL, named by the SHA-256 of
 * the URL, holding a small text header (format below) and the document.
 * One file rather than a document and a metadata file, so that a single
 * rename replaces both and they can never disagree after a crash.
 *
 *   pidtree-remote-include 1
 *   url https://config.example/pidtree/filters.yml
 *   etag "5d8c-61a"                      (optional)
 *   last-modified Tue, 01 Dec 2026 ...   (optional)
 *   fetched 1795000000                   (seconds since the epoch)
 *   size 1234                            (bytes of the document)
 *   <empty line>
 *   <the document>
 *
 * The cache holds configuration, so it is trusted like configuration: a
 * directory or file that someone else could write is refused.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "remote_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define MAGIC "pidtree-remote-include 1\n"
#define HEADER_MAX 16384

int pt_remote_cache_name(const char *url, char out[PT_REMOTE_CACHE_NAME_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!EVP_Digest(url, strlen(url), md, &n, EVP_sha256(), NULL) || n != 32)
		return -EIO;
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	strcpy(out + 64, ".cache");
	return 0;
}

/* ---- header ------------------------------------------------------------------ */

bool pt_remote_validator_ok(const char *v)
{
	size_t i;

	for (i = 0; v[i]; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return false;
	return i > 0 && i < PT_REMOTE_VALIDATOR_MAX;
}

static bool url_ok(const char *v)
{
	size_t i;

	for (i = 0; v[i]; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] > 0x7e)
			return false;
	return i > 0 && i < PT_REMOTE_URL_MAX && pt_remote_is_url(v);
}

static int decimal(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;

	if (!*v)
		return -EINVAL;
	for (; *v; v++) {
		if (*v < '0' || *v > '9' || n > (max - (uint64_t)(*v - '0')) / 10)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*v - '0');
	}
	*out = n;
	return 0;
}

static int bad(char *err, size_t errlen, int line, const char *why)
{
	snprintf(err, errlen, "header line %d: %s", line, why);
	return -EINVAL;
}

int pt_remote_meta_parse(const char *buf, size_t len, struct pt_remote_meta *m, size_t *body,
			 char *err, size_t errlen)
{
	enum { K_URL, K_ETAG, K_LASTMOD, K_FETCHED, K_SIZE, K_N };
	static const char *const names[K_N] = { "url", "etag", "last-modified", "fetched", "size" };
	char line[HEADER_MAX];
	unsigned seen = 0;
	size_t off = strlen(MAGIC);
	uint64_t n;
	int lineno = 1;

	memset(m, 0, sizeof(*m));
	if (len < off || memcmp(buf, MAGIC, off))
		return bad(err, errlen, 1, "not a pidtree cache file (version 1)");
	for (;;) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t l;
		char *sp;
		int k;

		lineno++;
		if (!nl || (size_t)(nl - (buf + off)) >= sizeof(line))
			return bad(err, errlen, lineno, "truncated or too long");
		l = (size_t)(nl - (buf + off));
		memcpy(line, buf + off, l);
		line[l] = '\0';
		off += l + 1;
		if (!l)
			break; /* the empty line: the document follows */
		if (memchr(line, '\0', l))
			return bad(err, errlen, lineno, "NUL character");
		sp = strchr(line, ' ');
		if (!sp)
			return bad(err, errlen, lineno, "expected \"key value\"");
		*sp++ = '\0';
		for (k = 0; k < K_N; k++)
			if (!strcmp(line, names[k]))
				break;
		if (k == K_N)
			continue; /* a key of a later version: ignored */
		if (seen & (1u << k))
			return bad(err, errlen, lineno, "key given twice");
		seen |= 1u << k;
		switch (k) {
		case K_URL:
			if (!url_ok(sp))
				return bad(err, errlen, lineno, "bad url");
			strcpy(m->url, sp);
			break;
		case K_ETAG:
		case K_LASTMOD:
			if (!pt_remote_validator_ok(sp))
				return bad(err, errlen, lineno, "bad validator");
			strcpy(k == K_ETAG ? m->etag : m->last_modified, sp);
			break;
		case K_FETCHED:
			if (decimal(sp, INT64_MAX, &n))
				return bad(err, errlen, lineno, "bad fetch time");
			m->fetched = (int64_t)n;
			break;
		case K_SIZE:
			if (decimal(sp, PT_REMOTE_MAX_SIZE, &n))
				return bad(err, errlen, lineno, "bad size");
			m->size = (size_t)n;
			break;
		}
	}
	if ((seen & ((1u << K_URL) | (1u << K_FETCHED) | (1u << K_SIZE))) !=
	    ((1u << K_URL) | (1u << K_FETCHED) | (1u << K_SIZE))) {
		snprintf(err, errlen, "header without url, fetched or size");
		return -EINVAL;
	}
	if (len - off != m->size) {
		snprintf(err, errlen, "document is %zu bytes, header says %zu (truncated?)",
			 len - off, m->size);
		return -EINVAL;
	}
	*body = off;
	return 0;
}

char *pt_remote_meta_format(const struct pt_remote_meta *m, size_t *len)
{
	char *s = NULL;
	int n;

	n = asprintf(&s, MAGIC "url %s\n%s%s%s%s%s%sfetched %" PRId64 "\nsize %zu\n\n", m->url,
		     m->etag[0] ? "etag " : "", m->etag, m->etag[0] ? "\n" : "",
		     m->last_modified[0] ? "last-modified " : "", m->last_modified,
		     m->last_modified[0] ? "\n" : "", m->fetched, m->size);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return s;
}

/* ---- directory and files ----------------------------------------------------- */

/* Anybody but the owner (and group root, which is root's) can write it. */
static bool others_can_write(const struct stat *st)
{
	return (st->st_mode & S_IWOTH) || ((st->st_mode & S_IWGRP) && st->st_gid != 0);
}

static int mkdirs(const char *dir)
{
	char p[PT_REMOTE_PATH_MAX];

	if (snprintf(p, sizeof(p), "%s", dir) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int pt_remote_cache_dir_check(const char *dir, bool create, pt_remote_trust_fn trust, char *err,
			      size_t errlen)
{
	char why[PT_REMOTE_PATH_MAX + 256];
	struct stat st;
	int ret;

	if (create) {
		ret = mkdirs(dir);
		if (ret) {
			snprintf(err, errlen, "cannot create the cache directory %s: %s", dir,
				 strerror(-ret));
			return ret;
		}
	}
	if (stat(dir, &st)) {
		ret = -errno;
		snprintf(err, errlen, "cache directory %s: %s", dir, strerror(errno));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cache directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid() || others_can_write(&st)) {
		snprintf(err, errlen, "refusing the cache directory %s: it must be owned by uid %u "
			 "and writable by root only (mode %04o, owner %u)", dir,
			 (unsigned)geteuid(), (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		return -EPERM;
	}
	if (trust && trust(dir, why, sizeof(why)) == -EPERM) {
		snprintf(err, errlen, "cache directory: %s", why);
		return -EPERM;
	}
	return 0;
}

int pt_remote_file_check(const char *what, const char *path, pt_remote_trust_fn trust,
			 char *err, size_t errlen)
{
	char why[PT_REMOTE_PATH_MAX + 256];
	struct stat st;
	int ret;

	if (stat(path, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return ret;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    others_can_write(&st)) {
		snprintf(err, errlen, "refusing the %s %s: it must be a regular file owned by root "
			 "and writable by root only", what, path);
		return -EPERM;
	}
	if (trust && trust(path, why, sizeof(why)) == -EPERM) {
		snprintf(err, errlen, "%s: %s", what, why);
		return -EPERM;
	}
	return 0;
}

static int cache_path(const char *dir, const char *url, char *path, size_t size)
{
	char name[PT_REMOTE_CACHE_NAME_LEN + 1];
	int ret = pt_remote_cache_name(url, name);

	if (ret)
		return ret;
	if (snprintf(path, size, "%s/%s", dir, name) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

int pt_remote_cache_read(const char *dir, const char *url, size_t max_size,
			 pt_remote_trust_fn trust, struct pt_remote_meta *m, char **body,
			 char *err, size_t errlen)
{
	char path[PT_REMOTE_PATH_MAX + PT_REMOTE_CACHE_NAME_LEN + 2], *buf = NULL;
	size_t got = 0, off;
	struct stat st;
	int fd, ret;

	*body = NULL;
	ret = pt_remote_cache_dir_check(dir, false, trust, err, errlen);
	if (ret)
		return ret;
	ret = cache_path(dir, url, path, sizeof(path));
	if (ret) {
		snprintf(err, errlen, "cache file name: %s", strerror(-ret));
		return ret;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	ret = -EPERM;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || others_can_write(&st)) {
		snprintf(err, errlen, "refusing %s: not a regular file owned by uid %u and "
			 "writable by root only", path, (unsigned)geteuid());
		goto out;
	}
	ret = -EINVAL;
	if ((uint64_t)st.st_size > (uint64_t)max_size + HEADER_MAX) {
		snprintf(err, errlen, "%s: larger than remote_include_max_size", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			ret = n ? -errno : -EINVAL;
			snprintf(err, errlen, "%s: %s", path, n ? strerror(errno) : "shrank while read");
			goto out;
		}
		got += (size_t)n;
	}
	ret = pt_remote_meta_parse(buf, got, m, &off, err, errlen);
	if (ret)
		goto out;
	if (strcmp(m->url, url) || m->size > max_size) {
		snprintf(err, errlen, "%s: %s", path, strcmp(m->url, url) ?
			 "holds another URL" : "larger than remote_include_max_size");
		ret = -EINVAL;
		goto out;
	}
	memmove(buf, buf + off, m->size);
	buf[m->size] = '\0';
	*body = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int pt_remote_cache_write(const char *dir, const struct pt_remote_meta *m, const char *body,
			  pt_remote_trust_fn trust, char *err, size_t errlen)
{
	char path[PT_REMOTE_PATH_MAX + PT_REMOTE_CACHE_NAME_LEN + 2];
	char tmp[sizeof(path) + 16];
	char *hdr = NULL;
	size_t hlen;
	int fd = -1, dfd, ret;

	ret = pt_remote_cache_dir_check(dir, true, trust, err, errlen);
	if (ret)
		return ret;
	ret = cache_path(dir, m->url, path, sizeof(path));
	if (ret) {
		snprintf(err, errlen, "cache file name: %s", strerror(-ret));
		return ret;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, path + strlen(dir) + 1);
	hdr = pt_remote_meta_format(m, &hlen);
	if (!hdr)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot create a file in %s: %s", dir, strerror(errno));
		goto out;
	}
	ret = write_all(fd, hdr, hlen);
	if (!ret)
		ret = write_all(fd, body, m->size);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	fd = -1;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-ret));
		unlink(tmp);
		goto out;
	}
	/* the rename itself is durable once the directory is synced */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
out:
	free(hdr);
	return ret;
}

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
 * The cache holds configuration, so it is trusted like configuration: the
 * directory is opened with pt_trust_open() (no symlink, directory or ACL
 * on the way that someone else could change) and must be this user's; its
 * files are opened, created and renamed relative to that descriptor only,
 * so nothing is looked up by name again after it was checked.
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
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "trust.h"

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

/*
 * Create dir and its missing parents, mode 0700, by path: whatever this
 * makes is judged afterwards by pt_trust_open(), on descriptors.
 */
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

int pt_remote_cache_open(const char *dir, bool create, char *err, size_t errlen)
{
	char why[PT_REMOTE_PATH_MAX + 256];
	struct pt_trust_file info;
	int ret, dfd;

	if (create) {
		ret = mkdirs(dir);
		if (ret) {
			snprintf(err, errlen, "cannot create the cache directory %s: %s", dir,
				 strerror(-ret));
			return ret;
		}
	}
	dfd = pt_trust_open(dir, O_DIRECTORY, &info, why, sizeof(why));
	if (dfd == -EPERM) {
		snprintf(err, errlen, "refusing the cache directory %s: %s", dir, why);
		return dfd;
	}
	if (dfd < 0) {
		snprintf(err, errlen, "cache directory %s: %s", dir, why);
		return dfd;
	}
	/* root's own directory is not enough: the copies are this user's to replace */
	if (info.st.st_uid != geteuid()) {
		snprintf(err, errlen, "refusing the cache directory %s: it is owned by uid %u, "
			 "not by uid %u", dir, (unsigned)info.st.st_uid, (unsigned)geteuid());
		close(dfd);
		return -EPERM;
	}
	return dfd;
}

static int cache_name(const char *dir, const char *url, char name[PT_REMOTE_CACHE_NAME_LEN + 1],
		      char *err, size_t errlen)
{
	int ret = pt_remote_cache_name(url, name);

	if (ret)
		snprintf(err, errlen, "cache file name: %s", strerror(-ret));
	return ret;
}

int pt_remote_read_all(int fd, size_t want, char **out, size_t *len)
{
	size_t got = 0;
	char *buf = malloc(want + 1);

	if (!buf)
		return -ENOMEM;
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int ret = n ? -errno : -ENODATA; /* shrank while read */

			free(buf);
			return ret;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

int pt_remote_cache_read(const char *dir, const char *url, size_t max_size,
			 struct pt_remote_meta *m, char **body, char *err, size_t errlen)
{
	char name[PT_REMOTE_CACHE_NAME_LEN + 1], *buf = NULL;
	size_t got, off;
	struct stat st;
	int dfd, fd, ret;

	*body = NULL;
	ret = cache_name(dir, url, name, err, errlen);
	if (ret)
		return ret;
	dfd = pt_remote_cache_open(dir, false, err, errlen);
	if (dfd < 0)
		return dfd;
	/* O_NONBLOCK: a FIFO put there cannot hang the open */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	ret = -errno;
	close(dfd);
	if (fd < 0) {
		if (ret == -ELOOP) {
			snprintf(err, errlen, "refusing %s/%s: a symlink", dir, name);
			return -EPERM;
		}
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s/%s: %s", dir, name, strerror(errno));
		goto out;
	}
	ret = -EPERM;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || others_can_write(&st)) {
		snprintf(err, errlen, "refusing %s/%s: not a regular file owned by uid %u and "
			 "writable by root only", dir, name, (unsigned)geteuid());
		goto out;
	}
	ret = -EINVAL;
	if ((uint64_t)st.st_size > (uint64_t)max_size + HEADER_MAX) {
		snprintf(err, errlen, "%s/%s: larger than remote_include_max_size", dir, name);
		goto out;
	}
	ret = pt_remote_read_all(fd, (size_t)st.st_size, &buf, &got);
	if (ret) {
		snprintf(err, errlen, "%s/%s: %s", dir, name,
			 ret == -ENODATA ? "shrank while read" : strerror(-ret));
		if (ret == -ENODATA)
			ret = -EINVAL;
		goto out;
	}
	ret = pt_remote_meta_parse(buf, got, m, &off, err, errlen);
	if (ret)
		goto out;
	if (strcmp(m->url, url) || m->size > max_size) {
		snprintf(err, errlen, "%s/%s: %s", dir, name, strcmp(m->url, url) ?
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

/*
 * A new file ".NAME.XXXXXXXXXXXXXXXX" in dfd, 0600, that did not exist
 * before (O_EXCL): the name is random only so that two writers do not
 * collide; O_EXCL | O_NOFOLLOW is what makes it safe.
 */
static int create_tmp(int dfd, const char *name, char *tmp, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];

	for (int tries = 0; tries < 8; tries++) {
		size_t n;
		int fd;

		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd)) {
			/* the pool is not ready this early at boot: still unique enough */
			uint64_t v = pt_remote_mono_ns() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)tries;

			memcpy(rnd, &v, sizeof(rnd));
		}
		n = (size_t)snprintf(tmp, size, ".%s.", name);
		if (n + 2 * sizeof(rnd) >= size)
			return -ENAMETOOLONG;
		for (size_t i = 0; i < sizeof(rnd); i++) {
			tmp[n++] = hex[rnd[i] >> 4];
			tmp[n++] = hex[rnd[i] & 15];
		}
		tmp[n] = '\0';
		fd = openat(dfd, tmp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int pt_remote_cache_write(const char *dir, const struct pt_remote_meta *m, const char *body,
			  char *err, size_t errlen)
{
	char name[PT_REMOTE_CACHE_NAME_LEN + 1], tmp[PT_REMOTE_CACHE_NAME_LEN + 24];
	char *hdr = NULL;
	size_t hlen;
	int fd = -1, dfd, ret;

	ret = cache_name(dir, m->url, name, err, errlen);
	if (ret)
		return ret;
	hdr = pt_remote_meta_format(m, &hlen);
	if (!hdr)
		return -ENOMEM;
	dfd = pt_remote_cache_open(dir, true, err, errlen);
	if (dfd < 0) {
		free(hdr);
		return dfd;
	}
	fd = create_tmp(dfd, name, tmp, sizeof(tmp));
	if (fd < 0) {
		ret = fd;
		snprintf(err, errlen, "cannot create a file in %s: %s", dir, strerror(-ret));
		goto out;
	}
	ret = write_all(fd, hdr, hlen);
	if (!ret)
		ret = write_all(fd, body, m->size);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && renameat(dfd, tmp, dfd, name))
		ret = -errno;
	if (ret) {
		snprintf(err, errlen, "cannot write %s/%s: %s", dir, name, strerror(-ret));
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	/* the rename itself is durable once the directory is synced (EINVAL: cannot be) */
	if (fsync(dfd) && errno != EINVAL) {
		ret = -errno;
		snprintf(err, errlen, "cannot sync %s: %s", dir, strerror(errno));
	}
out:
	close(dfd);
	free(hdr);
	return ret;
}

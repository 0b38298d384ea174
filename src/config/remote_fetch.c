// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One HTTP(S) GET of a remote include, with libcurl's easy interface.
 *
 * What is accepted: a 200 answer whose body fits in max_size, or a 304 to
 * a conditional request.  TLS peers are verified (certificate chain against
 * the system CA store or, instead of it, the CA certificates given, and the
 * host name); redirects are followed at most 5 times and never from https
 * to another scheme; the whole transfer, connection included, is bounded
 * by timeout_s, and is aborted within about a second when *stop turns true
 * (curl calls the progress callback at least once a second, even when
 * nothing arrives).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "buf.h"
#include "remote_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "trust.h"

#define MAX_REDIRECTS 5
#define CONNECT_TIMEOUT_S 10

int pt_remote_http_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

void pt_remote_http_cleanup(void)
{
	curl_global_cleanup();
}

/*
 * The CA file decides whom pidtree believes, so it is trusted as
 * configuration is, and read from the descriptor that was checked: curl
 * gets the bytes (CURLOPT_CAINFO_BLOB), never the path, which could name
 * another file by the time the TLS handshake opened it.
 */
int pt_remote_ca_read(const char *path, char **pem, size_t *len, char *err, size_t errlen)
{
	char why[PT_REMOTE_PATH_MAX + 256];
	struct pt_trust_file info;
	int fd, ret;

	*pem = NULL;
	fd = pt_trust_open(path, 0, &info, why, sizeof(why));
	if (fd < 0) {
		snprintf(err, errlen, "%s the CA file %s: %s", fd == -EPERM ? "refusing" : "cannot open",
			 path, why);
		return fd;
	}
	if (info.st.st_size > PT_REMOTE_CA_MAX) {
		snprintf(err, errlen, "the CA file %s is larger than %d MiB", path,
			 PT_REMOTE_CA_MAX >> 20);
		ret = -EFBIG;
	} else if (info.st.st_size == 0) {
		snprintf(err, errlen, "the CA file %s is empty", path);
		ret = -EINVAL;
	} else {
		ret = pt_remote_read_all(fd, (size_t)info.st.st_size, pem, len);
		if (ret)
			snprintf(err, errlen, "cannot read the CA file %s: %s", path,
				 ret == -ENODATA ? "it shrank while read" : strerror(-ret));
	}
	close(fd);
	return ret;
}

struct xfer {
	const struct pt_http_req *q;
	struct pt_buf body;
	bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t add = size * n;

	/* a body without Content-Length (or a lying one) stops at the limit too */
	if (add > x->q->max_size - x->body.len) {
		x->too_big = true;
		return 0;
	}
	pt_buf_add(&x->body, p, add);
	return x->body.oom ? 0 : add; /* 0 aborts the transfer */
}

static int on_progress(void *ctx, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const struct xfer *x = ctx;

	return atomic_load(x->q->stop) ? 1 : 0;
}

/* A validator header of the last answer, if it is one we can store and send back. */
static void get_validator(CURL *h, const char *name, char *dst)
{
	struct curl_header *hd;

	dst[0] = '\0';
	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hd) == CURLHE_OK &&
	    pt_remote_validator_ok(hd->value))
		snprintf(dst, PT_REMOTE_VALIDATOR_MAX, "%s", hd->value);
}

static struct curl_slist *conditional(const struct pt_http_req *q)
{
	struct curl_slist *l = NULL, *n;
	char h[PT_REMOTE_VALIDATOR_MAX + 32];

	if (q->etag[0]) {
		snprintf(h, sizeof(h), "If-None-Match: %s", q->etag);
		if (!(n = curl_slist_append(l, h)))
			goto fail;
		l = n;
	}
	if (q->last_modified[0]) {
		/* sent back exactly as received (RFC 9110 13.1.3) */
		snprintf(h, sizeof(h), "If-Modified-Since: %s", q->last_modified);
		if (!(n = curl_slist_append(l, h)))
			goto fail;
		l = n;
	}
	return l;
fail:
	curl_slist_free_all(l);
	return NULL;
}

static void failed(struct pt_http_res *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void failed(struct pt_http_res *res, const char *fmt, ...)
{
	va_list ap;

	res->result = PT_HTTP_FAILED;
	va_start(ap, fmt);
	vsnprintf(res->err, sizeof(res->err), fmt, ap);
	va_end(ap);
}

static void curl_failed(struct pt_http_res *res, CURLcode rc, const char *ebuf,
			const struct xfer *x, const struct pt_http_req *q)
{
	const char *why = ebuf[0] ? ebuf : curl_easy_strerror(rc);

	if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED)
		failed(res, "larger than %zu bytes (remote_include_max_size)", q->max_size);
	else if (rc == CURLE_UNSUPPORTED_PROTOCOL)
		failed(res, "redirected to a URL that is not %s (%s)",
		       strncasecmp(q->url, "https:", 6) ? "http(s)" : "https", why);
	else if (rc == CURLE_ABORTED_BY_CALLBACK)
		failed(res, "aborted (pidtree is stopping)");
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		failed(res, "no complete answer within %u s (remote_include_timeout): %s",
		       q->timeout_s, why);
	else
		failed(res, "%s", why);
}

void pt_remote_http_get(const struct pt_http_req *q, struct pt_http_res *res)
{
	char ebuf[CURL_ERROR_SIZE] = "", ua[64];
	struct xfer x = { .q = q };
	struct curl_slist *hdrs = NULL;
	bool https = !strncasecmp(q->url, "https:", 6);
	long code = 0;
	CURLcode rc;
	CURL *h;

	memset(res, 0, sizeof(*res));
	h = curl_easy_init();
	if (!h) {
		failed(res, "cannot set up a transfer (out of memory)");
		return;
	}
	if (q->etag[0] || q->last_modified[0]) {
		hdrs = conditional(q);
		if (!hdrs) {
			failed(res, "out of memory");
			goto out;
		}
	}
	snprintf(ua, sizeof(ua), "pidtree/%s", PACKAGE_VERSION);
	/* options that cannot fail short of ENOMEM, which the transfer then reports */
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/* an https document never comes from a plain-text hop */
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (q->ca_pem) {
		/*
		 * Instead of the system store, not beside it: without CAPATH = NULL a
		 * curl built with a default CA directory (Debian's: /etc/ssl/certs)
		 * would still believe every CA there.  The blob is not copied: it
		 * outlives the handle.
		 */
		struct curl_blob ca = { .data = (void *)q->ca_pem, .len = q->ca_len,
					.flags = CURL_BLOB_NOCOPY };

		rc = curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(h, CURLOPT_CAPATH, NULL);
		if (rc != CURLE_OK) {
			failed(res, "this libcurl cannot take CA certificates from memory "
			       "(remote_include_ca): %s", curl_easy_strerror(rc));
			goto out;
		}
	}
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)(q->timeout_s < CONNECT_TIMEOUT_S ?
							    q->timeout_s : CONNECT_TIMEOUT_S));
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)q->timeout_s);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)q->max_size);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(h, CURLOPT_USERAGENT, ua);
	if (hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	rc = curl_easy_perform(h);
	if (rc != CURLE_OK) {
		curl_failed(res, rc, ebuf, &x, q);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code == 304 && hdrs) {
		res->result = PT_HTTP_NOT_MODIFIED;
		goto out;
	}
	if (code != 200) {
		failed(res, "HTTP status %ld (only 200 is accepted%s)", code,
		       hdrs ? ", or 304 to a conditional request" : "");
		goto out;
	}
	res->result = PT_HTTP_NEW;
	/* NUL-terminated, also when empty */
	if (!pt_buf_reserve(&x.body, 0)) {
		failed(res, "out of memory");
		goto out;
	}
	pt_buf_str(&x.body);
	res->body = x.body.data;
	res->len = x.body.len;
	pt_buf_init(&x.body); /* the result's now */
	get_validator(h, "ETag", res->etag);
	get_validator(h, "Last-Modified", res->last_modified);
out:
	pt_buf_free(&x.body);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Remote includes, the pure parts: which document an "!include" names
 * (RFC 3986 reference resolution by curl's URL API) and the
 * remote_include_* settings of pidtree.conf.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "remote.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

bool pt_remote_is_url(const char *s)
{
	return s && (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8));
}

/* RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://" */
bool pt_remote_has_scheme(const char *t)
{
	const char *p = t;

	if (!t || !isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return !strncmp(p, "://", 3);
}

static int url_error(CURLUcode rc, const char *what, const char *target, char *err,
		     size_t errlen)
{
	if (rc == CURLUE_OUT_OF_MEMORY)
		return -ENOMEM;
	snprintf(err, errlen, "'%.200s': %s: %s", target, what, curl_url_strerror(rc));
	return -EINVAL;
}

/* Lower-case the host part (names are case-insensitive), so one document has one name. */
static CURLUcode lower_host(CURLU *h)
{
	char *host = NULL;
	CURLUcode rc = curl_url_get(h, CURLUPART_HOST, &host, 0);

	if (rc)
		return rc;
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = curl_url_set(h, CURLUPART_HOST, host, 0);
	curl_free(host);
	return rc;
}

int pt_remote_resolve(const char *base, const char *target, char **out, char *err,
		      size_t errlen)
{
	bool from_url = pt_remote_is_url(base), base_https;
	char *scheme = NULL, *user = NULL, *url = NULL;
	CURLU *h;
	CURLUcode rc;
	int ret = -EINVAL;

	*out = NULL;
	if (!from_url && !pt_remote_has_scheme(target)) {
		snprintf(err, errlen, "'%.200s' is not an http:// or https:// URL", target);
		return -EINVAL;
	}
	if (strlen(target) >= PT_REMOTE_URL_MAX) {
		snprintf(err, errlen, "URL longer than %d bytes", PT_REMOTE_URL_MAX - 1);
		return -EINVAL;
	}
	h = curl_url();
	if (!h)
		return -ENOMEM;
	if (from_url) {
		rc = curl_url_set(h, CURLUPART_URL, base, 0);
		if (rc) {
			ret = url_error(rc, "bad base URL", base, err, errlen);
			goto out;
		}
	}
	/* with a URL in the handle, a relative reference is resolved against it */
	rc = curl_url_set(h, CURLUPART_URL, target, 0);
	if (rc) {
		ret = url_error(rc, "bad URL", target, err, errlen);
		goto out;
	}
	rc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
	if (rc) {
		ret = url_error(rc, "bad URL", target, err, errlen);
		goto out;
	}
	if (strcasecmp(scheme, "http") && strcasecmp(scheme, "https")) {
		/*
		 * Above all file:, from a remote document: the server would pick
		 * which local files pidtree reads, past the ownership checks
		 * local configuration files pass.
		 */
		snprintf(err, errlen, "'%.200s': %s:// URLs are not supported%s (only http:// and https://)",
			 target, scheme, from_url ? " in a remote document" : "");
		goto out;
	}
	base_https = from_url && !strncasecmp(base, "https:", 6);
	if (base_https && strcasecmp(scheme, "https")) {
		snprintf(err, errlen, "'%.200s': an https document may not include an http URL "
			 "(it would lose TLS protection)", target);
		goto out;
	}
	rc = curl_url_get(h, CURLUPART_USER, &user, 0);
	if (rc == CURLUE_OK) {
		snprintf(err, errlen, "'%.200s': credentials in the URL are not supported "
			 "(they would be logged and cached)", target);
		goto out;
	}
	if (rc == CURLUE_OUT_OF_MEMORY) {
		ret = -ENOMEM;
		goto out;
	}
	rc = curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0);
	if (!rc)
		rc = lower_host(h);
	if (!rc)
		rc = curl_url_get(h, CURLUPART_URL, &url, CURLU_NO_DEFAULT_PORT);
	if (rc) {
		ret = url_error(rc, "bad URL", target, err, errlen);
		goto out;
	}
	if (strlen(url) >= PT_REMOTE_URL_MAX) {
		snprintf(err, errlen, "'%.200s': URL longer than %d bytes", target,
			 PT_REMOTE_URL_MAX - 1);
		goto out;
	}
	*out = strdup(url);
	ret = *out ? 0 : -ENOMEM;
out:
	curl_free(scheme);
	curl_free(user);
	curl_free(url);
	curl_url_cleanup(h);
	return ret;
}

/* ---- settings ---------------------------------------------------------------- */

void pt_remote_opts_init(struct pt_remote_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_s = PT_REMOTE_DEFAULT_INTERVAL;
	snprintf(o->cache_dir, sizeof(o->cache_dir), "%s", PT_REMOTE_DEFAULT_CACHE);
	o->max_size = PT_REMOTE_DEFAULT_MAX_SIZE;
	o->timeout_s = PT_REMOTE_DEFAULT_TIMEOUT;
}

/* Decimal digits only; with sizes, an optional K (1024) or M (1024^2) suffix. */
static int number(const char *v, bool sizes, unsigned long long lo, unsigned long long hi,
		  unsigned long long *out)
{
	unsigned long long n = 0, mul = 1;
	const char *p = v;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned)(*p - '0');
		if (n > hi) /* out of range whatever follows; and no overflow */
			return -EINVAL;
	}
	if (sizes && (*p == 'K' || *p == 'k'))
		mul = 1024, p++;
	else if (sizes && (*p == 'M' || *p == 'm'))
		mul = 1024 * 1024, p++;
	if (*p || n > hi / mul || n * mul < lo)
		return -EINVAL;
	*out = n * mul;
	return 0;
}

static int abs_path(const char *key, const char *v, char *dst, size_t size, bool empty_ok,
		    char *err, size_t errlen)
{
	if (!v[0] && empty_ok) {
		dst[0] = '\0';
		return 0;
	}
	if (v[0] != '/') {
		snprintf(err, errlen, "%s: '%.200s' is not an absolute path", key, v);
		return -EINVAL;
	}
	if (strlen(v) >= size) {
		snprintf(err, errlen, "%s: path too long (at most %zu bytes)", key, size - 1);
		return -EINVAL;
	}
	strcpy(dst, v);
	return 0;
}

int pt_remote_setting(struct pt_remote_opts *o, const char *key, const char *val, char *err,
		      size_t errlen)
{
	unsigned long long n;

	if (!strcmp(key, "remote_include_interval")) {
		if (number(val, false, 0, PT_REMOTE_MAX_INTERVAL, &n)) {
			snprintf(err, errlen, "%s: '%.40s' is not a number of seconds in 0-%d "
				 "(0: fetch only at start-up and on SIGHUP)", key, val,
				 PT_REMOTE_MAX_INTERVAL);
			return -EINVAL;
		}
		o->interval_s = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "remote_include_timeout")) {
		if (number(val, false, 1, PT_REMOTE_MAX_TIMEOUT, &n)) {
			snprintf(err, errlen, "%s: '%.40s' is not a number of seconds in 1-%d", key,
				 val, PT_REMOTE_MAX_TIMEOUT);
			return -EINVAL;
		}
		o->timeout_s = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "remote_include_max_size")) {
		if (number(val, true, PT_REMOTE_MIN_SIZE, PT_REMOTE_MAX_SIZE, &n)) {
			snprintf(err, errlen, "%s: '%.40s' is not a size in 1K-64M (bytes, or with "
				 "a K or M suffix)", key, val);
			return -EINVAL;
		}
		o->max_size = (size_t)n;
		return 0;
	}
	if (!strcmp(key, "remote_include_cache"))
		return abs_path(key, val, o->cache_dir, sizeof(o->cache_dir), false, err, errlen);
	if (!strcmp(key, "remote_include_ca"))
		return abs_path(key, val, o->ca_file, sizeof(o->ca_file), true, err, errlen);
	return -ENOENT;
}

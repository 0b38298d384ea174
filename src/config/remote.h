/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Remote includes: "!include https://..." in the probe configuration.
 *
 * A background thread fetches every remote document the configuration
 * includes (libcurl: TLS verified against the system CA store or, instead
 * of it, [daemon] remote_include_ca=, a size limit, connect and total
 * timeouts, at most 5 redirects and never from https to http, conditional requests with
 * ETag / Last-Modified) and keeps the latest copy of each in memory.  The
 * YAML loader reads those copies through the hook pt_remote_include()
 * returns; only the start-up load (and --check-config) waits for the
 * network, at most PT_REMOTE_WAIT_S seconds in all: a reload reads
 * the copies in memory and never blocks.
 *
 * The copies a successful load used are written to the cache directory
 * ([daemon] remote_include_cache=, default /var/cache/pidtree/includes),
 * one file per URL (named by the SHA-256 of the URL) holding the URL, the
 * validators, the fetch time and the document, written atomically (temporary
 * file, fsync, rename).  The directory is opened once per read or write
 * with pt_trust_open() (trust.h) and must also be owned by the effective
 * user; its files are opened, created and renamed relative to that
 * descriptor, never by path.  A start-up that cannot reach a server uses the
 * cached copy with a warning naming the URL; no server and no cache is an
 * error.  The cache holds only copies a load accepted, so a broken document
 * on the server never replaces the last good one.
 *
 * The copies are re-fetched every [daemon] remote_include_interval= seconds
 * and on pt_remote_refresh() (SIGHUP).  pt_remote_fd() becomes readable when
 * a fetch brought a changed copy or failed, or a refresh is complete;
 * pt_remote_handle() then logs what happened (on the caller's thread) and
 * says whether a reload is due.
 *
 * Threads: everything here is called from one thread (the event loop);
 * the fetcher thread is internal.  It runs without any capability.
 */
#ifndef PIDTREE_REMOTE_H
#define PIDTREE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "diag.h"
#include "ytree.h"

/*
 * How long a load waits for the network in all: the start-up load and
 * --check-config (blocking), a SIGHUP reload (deferred, the loop runs on).
 */
#define PT_REMOTE_WAIT_S 20
#define PT_REMOTE_PATH_MAX 4096
#define PT_REMOTE_URL_MAX 2048
#define PT_REMOTE_VALIDATOR_MAX 256   /* an ETag or Last-Modified value, with its NUL */
#define PT_REMOTE_DEFAULT_CACHE "/var/cache/pidtree/includes"
#define PT_REMOTE_DEFAULT_INTERVAL 3600
#define PT_REMOTE_DEFAULT_MAX_SIZE (1024 * 1024)
#define PT_REMOTE_DEFAULT_TIMEOUT 15
#define PT_REMOTE_MIN_SIZE 1024
#define PT_REMOTE_MAX_SIZE (64 * 1024 * 1024)
#define PT_REMOTE_MAX_INTERVAL (30 * 86400)
#define PT_REMOTE_MAX_TIMEOUT 300
/* remote documents known at once: bounds memory (each up to max_size) and fetches */
#define PT_REMOTE_MAX_DOCS 128

/* ---- settings: pidtree.conf [daemon] remote_include_* ------------------- */

struct pt_remote_opts {
	unsigned interval_s;  /* re-fetch period; 0 = only at start-up and on SIGHUP */
	char cache_dir[PT_REMOTE_PATH_MAX];
	char ca_file[PT_REMOTE_PATH_MAX]; /* "" = the system CA store */
	size_t max_size;      /* largest document accepted, bytes */
	unsigned timeout_s;   /* one fetch, connection included */
};

void pt_remote_opts_init(struct pt_remote_opts *o);
/*
 * Set one [daemon] key: remote_include_interval (seconds, 0-2592000),
 * remote_include_cache (absolute path), remote_include_ca (absolute path of
 * a PEM file, "" = the system store), remote_include_max_size (bytes, with
 * an optional K or M suffix, 1K-64M), remote_include_timeout (1-300 s).
 * 0; -ENOENT when key is none of these; -EINVAL with the reason in err.
 */
int pt_remote_setting(struct pt_remote_opts *o, const char *key, const char *val, char *err,
		      size_t errlen);

/* ---- the fetcher ----------------------------------------------------------- */

struct pt_remote;

/*
 * No thread and no network until the first remote include is loaded.
 * The CA file and the cache directory are opened under the trusted-file
 * policy (trust.h) and read and written through those descriptors only.
 * 0 or -errno.
 */
int pt_remote_new(struct pt_remote **out, const struct pt_remote_opts *o);
/* New settings (after a reload): the next fetches and cache writes use them. */
void pt_remote_set_opts(struct pt_remote *r, const struct pt_remote_opts *o);
/* Stops the thread (a transfer under way is aborted within a second). NULL is fine. */
void pt_remote_free(struct pt_remote *r);

/* An eventfd for epoll (readable: call pt_remote_handle); -1 when r is NULL. */
int pt_remote_fd(const struct pt_remote *r);
/*
 * Read the fd, log the fetches' news (failures, new copies, recoveries) and
 * return true when the configuration should be reloaded: some remote
 * document changed since the last load read it, or a refresh is complete.
 */
bool pt_remote_handle(struct pt_remote *r);
/*
 * Fetch every document again now (SIGHUP), in the background.  True when
 * there is any: pt_remote_handle returns true once each was tried, and the
 * caller should defer its reload until then (at most PT_REMOTE_WAIT_S s),
 * so the reload reads fresh copies without the loop waiting for them.
 */
bool pt_remote_refresh(struct pt_remote *r);

/*
 * The include hook for one configuration load (pass it in struct
 * pt_yload_opts).  wait = true for the start-up load and --check-config:
 * each remote document is fetched, waiting at most PT_REMOTE_WAIT_S
 * seconds in all from the first one, then the cached copy is used (warning)
 * or the include fails.  wait = false for reloads: the copies in memory
 * (else the cache) are used, and a document never fetched yet is an error
 * (its arrival makes pt_remote_handle ask for another reload).
 * NULL when r is NULL (remote includes are then errors).
 */
const struct pt_yinclude *pt_remote_include(struct pt_remote *r, bool wait);
/*
 * The last load succeeded and is in force: write the copies it used to the
 * cache (in the background) and stop fetching documents it no longer uses.
 */
void pt_remote_commit(struct pt_remote *r);

/* "http://..." or "https://..." (any case): a remote name in pt_ytree.files. */
bool pt_remote_is_url(const char *s);

/* ---- pure helpers (unit-tested) -------------------------------------------- */

/*
 * The document an "!include target" written in document base refers to.
 * base NULL or a local file: target must be an absolute http(s) URL.
 * base an URL: target is a URI reference resolved against it (RFC 3986,
 * by curl's URL API), so "x.yml", "../x.yml" and "/x.yml" are on base's
 * server; other schemes than http and https (file: above all) are refused,
 * and so is http from an https document.  URLs with user credentials are
 * refused (they would be logged and cached).  The result is normalised (no
 * fragment, no default port, host in lower case).
 * 0 with *out (malloc'd), -EINVAL with the reason in err, -ENOMEM.
 */
int pt_remote_resolve(const char *base, const char *target, char **out, char *err,
		      size_t errlen);
/* Does target look like "scheme://..." (so it is not a local file name)? */
bool pt_remote_has_scheme(const char *target);

/* Cache file name of url: 64 hex digits of SHA-256(url) + ".cache". */
#define PT_REMOTE_CACHE_NAME_LEN (64 + 6)
int pt_remote_cache_name(const char *url, char out[PT_REMOTE_CACHE_NAME_LEN + 1]);

/* What a cache file says about its document. */
struct pt_remote_meta {
	char url[PT_REMOTE_URL_MAX];
	char etag[PT_REMOTE_VALIDATOR_MAX];     /* "" = none */
	char last_modified[PT_REMOTE_VALIDATOR_MAX];
	int64_t fetched;                        /* seconds since the epoch */
	size_t size;                            /* of the document */
};

/* A validator the server sent is stored and sent back only if this holds. */
bool pt_remote_validator_ok(const char *v);
/*
 * Parse a cache file (buf, len): the header and where the document starts
 * (*body; m->size bytes to the end).  0, or -EINVAL with the reason in err.
 */
int pt_remote_meta_parse(const char *buf, size_t len, struct pt_remote_meta *m,
			 size_t *body, char *err, size_t errlen);
/* The header of a cache file for m, NUL-terminated, malloc'd; NULL on ENOMEM. */
char *pt_remote_meta_format(const struct pt_remote_meta *m, size_t *len);

#endif

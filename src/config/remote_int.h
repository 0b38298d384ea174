/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Remote includes, internal: the cache files (remote_cache.c) and one HTTP
 * transfer (remote_fetch.c), shared by the fetcher (remote.c).
 */
#ifndef PIDTREE_REMOTE_INT_H
#define PIDTREE_REMOTE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "remote.h"

/* ---- the registry (remote.c; the loader's side in remote_hook.c) -------- */

#define PT_REMOTE_NS 1000000000ull
#define PT_REMOTE_MAX_MSGS 32

struct pt_rdoc {
	struct pt_rdoc *next;
	char *url;
	/* the copy (written by the thread once the entry is registered) */
	char *body;
	size_t len;
	unsigned gen;
	struct pt_remote_meta meta; /* validators and fetch time of body */
	bool from_cache;
	/* fetching */
	unsigned attempts, failures, waiting;
	bool busy, force, retired, ok;
	bool in_round;    /* a pt_remote_refresh round still waits for this one */
	uint64_t last_ns; /* end of the last attempt, CLOCK_MONOTONIC */
	char err[512];
	/* loads and the cache */
	unsigned seen_gen, used_seq, commit_gen, disk_gen;
	bool disk_stale;
};

struct pt_rmsg {
	int level;
	char text[PT_REMOTE_URL_MAX + 640];
};

struct pt_remote {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* to the thread: work or stop */
	pthread_cond_t done; /* from the thread: an attempt finished */
	struct pt_remote_opts o;
	struct pt_rdoc *entries;
	int efd;
	bool thread_up, curl_up;
	pthread_t thread;
	atomic_bool stop;
	struct pt_rmsg msgs[PT_REMOTE_MAX_MSGS];
	unsigned nmsgs, lost_msgs;
	bool round_active; /* a refresh round is under way: its end asks for the reload */
	bool round_done;   /* every document of the refresh round was tried */
	/* the load under way (loop thread) */
	unsigned load_seq;
	bool wait;
	uint64_t deadline_ns;
	struct pt_yinclude inc;
};

uint64_t pt_remote_mono_ns(void);
/* t (seconds since the epoch) as 2026-12-01T09:00:00Z */
void pt_remote_fmt_time(int64_t t, char *buf, size_t len);
/* Queue a log line for the loop thread (lock held); pt_remote_poke makes the fd readable. */
void pt_remote_say(struct pt_remote *r, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pt_remote_poke(struct pt_remote *r);
void pt_remote_entry_free(struct pt_rdoc *e);
void pt_remote_unlink(struct pt_remote *r, struct pt_rdoc *e); /* and free; lock held */
int pt_remote_start_thread(struct pt_remote *r);             /* once; lock held; 0 or -errno */

/* ---- cache (remote_cache.c) --------------------------------------------------- */

/*
 * Open the cache directory dir: pt_trust_open(dir, O_DIRECTORY) (trust.h),
 * and owned by the effective user.  create: make it (and missing parents)
 * with mode 0700 first.  The descriptor (O_RDONLY | O_DIRECTORY |
 * O_CLOEXEC), -ENOENT (absent, not created), or -EPERM / -errno with the
 * reason in err.  Every cache file is reached through this descriptor.
 */
int pt_remote_cache_open(const char *dir, bool create, char *err, size_t errlen);
/*
 * The cached copy of url: 0 with *body (malloc'd, m->size bytes) and m;
 * -ENOENT when there is none; -EINVAL / -EPERM / -errno with the reason in
 * err (corrupt, not ours, unreadable).  The directory is opened first; the
 * file is opened from it (a symlink, FIFO or device is refused: -EPERM).
 */
int pt_remote_cache_read(const char *dir, const char *url, size_t max_size,
			 struct pt_remote_meta *m, char **body, char *err, size_t errlen);
/*
 * Replace the cached copy of m->url atomically: a new file under a random
 * name created in the directory (O_EXCL, 0600), written, fsync'ed, renamed
 * over the old one, and the directory fsync'ed.  0 or -errno with the
 * reason in err (the temporary file is removed again).
 */
int pt_remote_cache_write(const char *dir, const struct pt_remote_meta *m, const char *body,
			  char *err, size_t errlen);

/*
 * Read want bytes (a regular file's st_size) from fd into *out (malloc'd,
 * NUL after them), *len = want.  0, -ENODATA (the file shrank), -ENOMEM or
 * -errno.
 */
int pt_remote_read_all(int fd, size_t want, char **out, size_t *len);

/* ---- one transfer (remote_fetch.c) ---------------------------------------- */

struct pt_http_req {
	const char *url;
	const char *etag, *last_modified; /* validators of the copy held, "" = none */
	const char *ca_pem;               /* CA certificates (PEM), NULL = the system store */
	size_t ca_len;
	size_t max_size;
	unsigned timeout_s;
	const atomic_bool *stop;          /* abort the transfer when it turns true */
};

enum pt_http_result { PT_HTTP_NEW, PT_HTTP_NOT_MODIFIED, PT_HTTP_FAILED };

struct pt_http_res {
	enum pt_http_result result;
	char *body;  /* PT_HTTP_NEW: malloc'd, len bytes (NUL after them) */
	size_t len;
	char etag[PT_REMOTE_VALIDATOR_MAX];          /* of the new copy, "" = none */
	char last_modified[PT_REMOTE_VALIDATOR_MAX];
	char err[512];                               /* PT_HTTP_FAILED: why */
};

/* curl_global_init, once, before any thread; 0 or -EIO.  And its undoing. */
int pt_remote_http_init(void);
void pt_remote_http_cleanup(void);
/*
 * The largest CA file read (remote_include_ca=): Debian's whole system
 * bundle is about 200 KiB.
 */
#define PT_REMOTE_CA_MAX (4 * 1024 * 1024)
/*
 * Read the CA file at path through pt_trust_open(path, 0) (trust.h): 0 with
 * *pem (malloc'd, NUL after its *len bytes); -EPERM (the policy refuses
 * it), -EFBIG (larger than PT_REMOTE_CA_MAX), -EINVAL (empty), -ENOMEM or
 * -errno, with the reason in err.
 */
int pt_remote_ca_read(const char *path, char **pem, size_t *len, char *err, size_t errlen);
/* GET q->url; only 200 is a new copy, 304 (after a conditional request) keeps it. */
void pt_remote_http_get(const struct pt_http_req *q, struct pt_http_res *res);

#endif

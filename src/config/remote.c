// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The remote-include fetcher (see remote.h): a registry of documents, one
 * background thread that fetches them and writes the cache, and the hook
 * through which the YAML loader reads them.
 *
 * Locking: one mutex guards the registry, the options and the message
 * queue.  The thread drops it for the network and the disk; an entry it is
 * working on is marked busy and is never freed meanwhile (a retired busy
 * entry is freed by the thread when it is done).  Only the loop thread adds
 * entries or changes the options.
 *
 * Generations: each entry's copy has a generation (0 = none), bumped when a
 * fetch brings different bytes.  A load notes the generation it read
 * (seen_gen); pt_remote_handle asks for a reload when one differs, and
 * pt_remote_commit writes the generation the running configuration was
 * built from to the cache.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "remote_int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "log.h"

#define RETRY_MIN_S 30     /* a failed fetch is retried after 30 s, 60 s, ... */
#define RETRY_MAX_SHIFT 5  /* ... at most 16 min (or the interval, if shorter) */

uint64_t pt_remote_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * PT_REMOTE_NS + (uint64_t)ts.tv_nsec;
}

void pt_remote_fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "?");
}

/* Queue a log line for the loop thread (lock held). */
void pt_remote_say(struct pt_remote *r, int level, const char *fmt, ...)
{
	va_list ap;

	if (r->nmsgs == PT_REMOTE_MAX_MSGS) {
		r->lost_msgs++;
		return;
	}
	r->msgs[r->nmsgs].level = level;
	va_start(ap, fmt);
	vsnprintf(r->msgs[r->nmsgs].text, sizeof(r->msgs[0].text), fmt, ap);
	va_end(ap);
	r->nmsgs++;
}

void pt_remote_poke(struct pt_remote *r)
{
	uint64_t one = 1;

	if (write(r->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is full, so the fd is readable anyway */
	}
}

void pt_remote_entry_free(struct pt_rdoc *e)
{
	free(e->url);
	free(e->body);
	free(e);
}

void pt_remote_unlink(struct pt_remote *r, struct pt_rdoc *e)
{
	for (struct pt_rdoc **p = &r->entries; *p; p = &(*p)->next) {
		if (*p == e) {
			*p = e->next;
			pt_remote_entry_free(e);
			return;
		}
	}
}

/* ---- the thread ---------------------------------------------------------------- */

/* Capabilities are per thread: this one needs none, whatever the loop keeps. */
static int drop_thread_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { { 0 } };

	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static uint64_t due_ns(const struct pt_remote *r, const struct pt_rdoc *e)
{
	unsigned shift;
	uint64_t wait;

	if (e->force || !e->attempts)
		return 0;
	if (e->failures) {
		shift = e->failures - 1 < RETRY_MAX_SHIFT ? e->failures - 1 : RETRY_MAX_SHIFT;
		wait = (uint64_t)RETRY_MIN_S << shift;
		if (r->o.interval_s && r->o.interval_s < wait)
			wait = r->o.interval_s;
		return e->last_ns + wait * PT_REMOTE_NS;
	}
	return r->o.interval_s ? e->last_ns + (uint64_t)r->o.interval_s * PT_REMOTE_NS : UINT64_MAX;
}

static bool commit_due(const struct pt_rdoc *e)
{
	return e->commit_gen && e->commit_gen == e->gen &&
	       (e->disk_gen != e->gen || e->disk_stale);
}

static void apply_new(struct pt_remote *r, struct pt_rdoc *e, struct pt_http_res *res)
{
	bool same = e->gen && res->len == e->len && !memcmp(res->body, e->body, e->len);

	if (same) {
		if (strcmp(e->meta.etag, res->etag) ||
		    strcmp(e->meta.last_modified, res->last_modified))
			e->disk_stale = e->disk_gen == e->gen;
		free(res->body);
		pt_remote_say(r, LOG_DEBUG, "remote include %s: unchanged", e->url);
	} else {
		if (!e->waiting)
			pt_remote_say(r, LOG_INFO, "remote include %s: %s (%zu bytes)", e->url,
			    e->gen ? "new copy" : "fetched", res->len);
		free(e->body);
		e->body = res->body;
		e->len = res->len;
		e->gen++;
		e->from_cache = false;
		e->meta.fetched = (int64_t)time(NULL);
		e->meta.size = res->len;
	}
	res->body = NULL;
	snprintf(e->meta.etag, sizeof(e->meta.etag), "%s", res->etag);
	snprintf(e->meta.last_modified, sizeof(e->meta.last_modified), "%s", res->last_modified);
}

/*
 * Do two failures have the same reason?  Their texts but for the digits
 * ("after 3 ms", a port): a server that stays down is said once, a CA file
 * refused after a certificate was is said again.
 */
static bool same_reason(const char *a, const char *b)
{
	for (;;) {
		while (*a >= '0' && *a <= '9')
			a++;
		while (*b >= '0' && *b <= '9')
			b++;
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

static void do_fetch(struct pt_remote *r, struct pt_rdoc *e)
{
	char etag[PT_REMOTE_VALIDATOR_MAX], lastmod[PT_REMOTE_VALIDATOR_MAX];
	char ca[PT_REMOTE_PATH_MAX], when[32], *pem = NULL;
	struct pt_http_req q = { .url = e->url, .etag = etag, .last_modified = lastmod,
				 .max_size = r->o.max_size, .timeout_s = r->o.timeout_s,
				 .stop = &r->stop };
	struct pt_http_res res;
	unsigned gen = e->gen;
	bool round = e->in_round; /* a refresh during this fetch waits for the next */

	/* validators only for a copy we hold: a 304 must have something to keep */
	snprintf(etag, sizeof(etag), "%s", gen ? e->meta.etag : "");
	snprintf(lastmod, sizeof(lastmod), "%s", gen ? e->meta.last_modified : "");
	snprintf(ca, sizeof(ca), "%s", r->o.ca_file);
	e->busy = true;
	e->force = false;
	pthread_mutex_unlock(&r->lock);
	/*
	 * The CA file is read again for every fetch (a renewed CA is picked up
	 * without a restart), and from the descriptor the policy checked.
	 */
	memset(&res, 0, sizeof(res));
	if (!ca[0] || !pt_remote_ca_read(ca, &pem, &q.ca_len, res.err, sizeof(res.err))) {
		q.ca_pem = pem;
		pt_remote_http_get(&q, &res);
	} else {
		res.result = PT_HTTP_FAILED;
	}
	free(pem);
	pthread_mutex_lock(&r->lock);
	e->busy = false;
	e->attempts++;
	e->last_ns = pt_remote_mono_ns();
	if (res.result == PT_HTTP_FAILED) {
		/* the first failure is news, and one for another reason; retries that fail alike are not */
		bool news = !e->failures || !same_reason(e->err, res.err);

		snprintf(e->err, sizeof(e->err), "%s", res.err);
		e->ok = false;
		if (!atomic_load(&r->stop) && !e->waiting) {
			pt_remote_fmt_time(e->meta.fetched, when, sizeof(when));
			pt_remote_say(r, news ? LOG_WARNING : LOG_DEBUG,
			    "remote include %s: cannot fetch: %s; %s%s", e->url, res.err,
			    e->gen ? "keeping the copy fetched " : "no copy yet",
			    e->gen ? when : "");
		}
		e->failures++;
	} else {
		if (res.result == PT_HTTP_NEW)
			apply_new(r, e, &res);
		else
			pt_remote_say(r, LOG_DEBUG, "remote include %s: not modified", e->url);
		if (e->failures && !e->waiting)
			pt_remote_say(r, LOG_INFO, "remote include %s: fetched again after %u failed attempt%s",
			    e->url, e->failures, e->failures > 1 ? "s" : "");
		e->failures = 0;
		e->ok = true;
	}
	if (round) {
		struct pt_rdoc *o = r->entries;

		e->in_round = false;
		while (o && !(o->in_round && !o->retired))
			o = o->next;
		if (!o)
			r->round_done = true;
	}
	pthread_cond_broadcast(&r->done);
	if (r->nmsgs || e->gen != gen || r->round_done)
		pt_remote_poke(r);
	if (e->retired)
		pt_remote_unlink(r, e);
}

static void do_commit(struct pt_remote *r, struct pt_rdoc *e)
{
	char dir[PT_REMOTE_PATH_MAX], err[PT_REMOTE_PATH_MAX + 512];
	struct pt_remote_meta m = e->meta;
	unsigned gen = e->gen;
	char *copy = malloc(e->len + 1);
	int ret;

	e->disk_gen = gen; /* one attempt per generation, whatever the outcome */
	e->disk_stale = false;
	if (!copy) {
		pt_remote_say(r, LOG_WARNING, "remote include %s: cache not updated: out of memory", e->url);
		pt_remote_poke(r);
		return;
	}
	memcpy(copy, e->body, e->len);
	snprintf(m.url, sizeof(m.url), "%s", e->url);
	m.size = e->len;
	snprintf(dir, sizeof(dir), "%s", r->o.cache_dir);
	e->busy = true;
	pthread_mutex_unlock(&r->lock);
	ret = pt_remote_cache_write(dir, &m, copy, err, sizeof(err));
	free(copy);
	pthread_mutex_lock(&r->lock);
	e->busy = false;
	if (ret) {
		pt_remote_say(r, LOG_WARNING, "remote include %s: cache not updated: %s", e->url, err);
		pt_remote_poke(r);
	}
	if (e->retired)
		pt_remote_unlink(r, e);
}

static void *fetcher(void *arg)
{
	struct pt_remote *r = arg;
	int ret = drop_thread_caps();

	pthread_mutex_lock(&r->lock);
	if (ret) {
		pt_remote_say(r, LOG_WARNING, "remote includes: cannot drop the fetcher's capabilities: %s",
		    strerror(-ret));
		pt_remote_poke(r);
	}
	while (!atomic_load(&r->stop)) {
		uint64_t now = pt_remote_mono_ns(), until = UINT64_MAX;
		struct pt_rdoc *job = NULL;
		bool commit = false;

		for (struct pt_rdoc *e = r->entries; e && !job; e = e->next) {
			uint64_t due;

			if (e->busy || e->retired)
				continue;
			if (commit_due(e)) {
				job = e;
				commit = true;
			} else if ((due = due_ns(r, e)) <= now) {
				job = e;
			} else if (due < until) {
				until = due;
			}
		}
		if (job) {
			if (commit)
				do_commit(r, job);
			else
				do_fetch(r, job);
			continue;
		}
		if (until == UINT64_MAX) {
			pthread_cond_wait(&r->wake, &r->lock);
		} else {
			struct timespec ts = { .tv_sec = (time_t)(until / PT_REMOTE_NS),
					       .tv_nsec = (long)(until % PT_REMOTE_NS) };

			pthread_cond_timedwait(&r->wake, &r->lock, &ts);
		}
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int pt_remote_start_thread(struct pt_remote *r)
{
	sigset_t all, old;
	int ret;

	if (r->thread_up)
		return 0;
	/* signals belong to the loop's signalfd, never to this thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&r->thread, NULL, fetcher, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r->thread_up = !ret;
	return ret;
}

/* ---- life cycle ------------------------------------------------------------- */

int pt_remote_new(struct pt_remote **out, const struct pt_remote_opts *o)
{
	struct pt_remote *r = calloc(1, sizeof(*r));
	pthread_condattr_t ca;
	int ret;

	if (!r)
		return -ENOMEM;
	r->o = *o;
	atomic_init(&r->stop, false);
	r->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->efd < 0) {
		ret = -errno;
		free(r);
		return ret;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &ca);
	pthread_cond_init(&r->done, &ca);
	pthread_condattr_destroy(&ca);
	/* before any thread exists: curl_global_init is not thread-safe everywhere */
	ret = pt_remote_http_init();
	if (ret) {
		pt_remote_free(r);
		return ret;
	}
	r->curl_up = true;
	*out = r;
	return 0;
}

void pt_remote_set_opts(struct pt_remote *r, const struct pt_remote_opts *o)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->o = *o;
	pthread_cond_signal(&r->wake); /* the interval may be shorter now */
	pthread_mutex_unlock(&r->lock);
}

void pt_remote_free(struct pt_remote *r)
{
	struct pt_rdoc *e, *next;

	if (!r)
		return;
	atomic_store(&r->stop, true);
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->wake);
	pthread_mutex_unlock(&r->lock);
	if (r->thread_up)
		pthread_join(r->thread, NULL);
	for (e = r->entries; e; e = next) {
		next = e->next;
		pt_remote_entry_free(e);
	}
	pthread_cond_destroy(&r->wake);
	pthread_cond_destroy(&r->done);
	pthread_mutex_destroy(&r->lock);
	close(r->efd);
	if (r->curl_up)
		pt_remote_http_cleanup();
	free(r);
}

int pt_remote_fd(const struct pt_remote *r)
{
	return r ? r->efd : -1;
}

bool pt_remote_refresh(struct pt_remote *r)
{
	bool any = false;

	if (!r)
		return false;
	pthread_mutex_lock(&r->lock);
	r->round_done = false;
	for (struct pt_rdoc *e = r->entries; e; e = e->next) {
		if (e->retired)
			continue;
		e->force = e->in_round = true;
		any = true;
	}
	r->round_active = any;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	return any;
}

bool pt_remote_handle(struct pt_remote *r)
{
	struct pt_rmsg *msgs = NULL;
	unsigned n, lost;
	uint64_t v;
	bool due = false;

	if (!r)
		return false;
	while (read(r->efd, &v, sizeof(v)) == sizeof(v))
		;
	pthread_mutex_lock(&r->lock);
	n = r->nmsgs;
	lost = r->lost_msgs;
	if (n) {
		msgs = malloc(n * sizeof(*msgs));
		if (msgs)
			memcpy(msgs, r->msgs, n * sizeof(*msgs));
		else
			lost += n;
	}
	r->nmsgs = r->lost_msgs = 0;
	/* during a refresh round, a changed copy waits for the others */
	due = r->round_done;
	if (r->round_done || !r->round_active) {
		for (struct pt_rdoc *e = r->entries; e; e = e->next) {
			if (!e->retired && e->gen != e->seen_gen) {
				due = true;
				e->seen_gen = e->gen; /* the reload reads it: ask once */
			}
		}
		r->round_done = r->round_active = false;
	}
	pthread_mutex_unlock(&r->lock);
	for (unsigned i = 0; msgs && i < n; i++)
		pt_log(msgs[i].level, "%s", msgs[i].text);
	if (lost)
		pt_warn("remote includes: %u more message%s not shown", lost, lost > 1 ? "s" : "");
	free(msgs);
	return due;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Remote includes, the loader's side (see remote.h): the struct
 * pt_yinclude hook the YAML loader calls for every "!include", and the
 * commit after a load is in force.  All of it runs on the loop thread.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "remote_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define ERRLEN (PT_REMOTE_URL_MAX + 1024)

static int hook_resolve(void *ctx, const char *base, const char *target, int line, char **name,
			struct pt_diags *diags)
{
	char err[ERRLEN];
	int ret;

	/* a local file including a local file: not ours */
	if (!pt_remote_is_url(base) && !pt_remote_has_scheme(target))
		return 0;
	ret = pt_remote_resolve(base, target, name, err, sizeof(err));
	if (ret == -ENOMEM)
		return ret;
	if (ret) {
		pt_diag_add(diags, PT_DIAG_ERROR, base, line, "!include %s", err);
		return ret;
	}
	return 1;
}

/*
 * A new registry entry for url, with the cached copy if there is a good
 * one.  A cache that someone else could have written is an error (the
 * include fails): it stands for configuration.
 */
static int new_doc(struct pt_remote *r, const char *url, const char *from, int line,
		   struct pt_diags *diags, struct pt_rdoc **out)
{
	struct pt_rdoc *e = calloc(1, sizeof(*e));
	char err[ERRLEN];
	int ret;

	if (!e || !(e->url = strdup(url))) {
		free(e);
		return -ENOMEM;
	}
	ret = pt_remote_cache_read(r->o.cache_dir, url, r->o.max_size, &e->meta, &e->body, err,
				   sizeof(err));
	if (!ret) {
		e->len = e->meta.size;
		e->gen = e->disk_gen = 1;
		e->from_cache = true;
	} else if (ret == -EPERM) {
		pt_diag_add(diags, PT_DIAG_ERROR, from, line, "include '%s': %s", url, err);
		pt_remote_entry_free(e);
		return ret;
	} else if (ret == -ENOMEM) {
		pt_remote_entry_free(e);
		return ret;
	} else if (ret != -ENOENT) {
		pt_diag_add(diags, PT_DIAG_WARNING, from, line,
			    "include '%s': cached copy not used: %s", url, err);
		memset(&e->meta, 0, sizeof(e->meta));
	}
	*out = e;
	return 0;
}

static struct pt_rdoc *find_doc(struct pt_remote *r, const char *url, unsigned *n)
{
	*n = 0;
	for (struct pt_rdoc *e = r->entries; e; e = e->next) {
		if (e->retired)
			continue;
		if (!strcmp(e->url, url))
			return e;
		(*n)++;
	}
	return NULL;
}

/* lock held: wait for the first attempt on e, until the load's deadline */
static void wait_first(struct pt_remote *r, struct pt_rdoc *e)
{
	struct timespec ts;

	if (!r->deadline_ns)
		r->deadline_ns = pt_remote_mono_ns() + PT_REMOTE_WAIT_S * PT_REMOTE_NS;
	ts.tv_sec = (time_t)(r->deadline_ns / PT_REMOTE_NS);
	ts.tv_nsec = (long)(r->deadline_ns % PT_REMOTE_NS);
	e->waiting++;
	while (!e->attempts && pt_remote_mono_ns() < r->deadline_ns)
		pthread_cond_timedwait(&r->done, &r->lock, &ts);
	e->waiting--;
}

static int hook_open(void *ctx, const char *url, const char *from, int line, char **data,
		     size_t *len, struct pt_diags *diags)
{
	struct pt_remote *r = ctx;
	struct pt_rdoc *e;
	char when[32], why[sizeof(e->err) + 64];
	unsigned ndocs;
	int ret = 0;

	pthread_mutex_lock(&r->lock);
	e = find_doc(r, url, &ndocs);
	if (!e && ndocs >= PT_REMOTE_MAX_DOCS) {
		pthread_mutex_unlock(&r->lock);
		pt_diag_add(diags, PT_DIAG_ERROR, from, line,
			    "include '%s': more than %d remote documents", url, PT_REMOTE_MAX_DOCS);
		return -E2BIG;
	}
	if (!e) {
		pthread_mutex_unlock(&r->lock); /* only this thread adds entries */
		ret = new_doc(r, url, from, line, diags, &e);
		if (ret)
			return ret;
		pthread_mutex_lock(&r->lock);
		e->next = r->entries;
		r->entries = e;
		ret = pt_remote_start_thread(r);
		if (ret) {
			pthread_mutex_unlock(&r->lock);
			pt_diag_add(diags, PT_DIAG_ERROR, from, line,
				    "include '%s': cannot start the fetcher thread: %s", url,
				    strerror(-ret));
			return ret;
		}
		pthread_cond_signal(&r->wake);
	}
	e->used_seq = r->load_seq;
	if (r->wait)
		wait_first(r, e);
	if (!e->attempts)
		snprintf(why, sizeof(why), r->wait ? "no answer within %d s" : "not fetched yet",
			 PT_REMOTE_WAIT_S);
	else
		snprintf(why, sizeof(why), "%s", e->err);
	pt_remote_fmt_time(e->meta.fetched, when, sizeof(when));
	if (!e->gen) {
		pt_diag_add(diags, PT_DIAG_ERROR, from, line,
			    "cannot fetch include '%s': %s; no cached copy%s", url, why,
			    r->wait ? "" : " (the configuration is reloaded when it arrives)");
		ret = -EAGAIN;
	} else if (r->wait && !(e->attempts && e->ok)) {
		/* the start-up's fallback: the server is down, not the configuration broken */
		pt_diag_add(diags, PT_DIAG_WARNING, from, line,
			    "cannot fetch include '%s': %s; using the copy cached at %s", url, why,
			    when);
	}
	if (!ret) {
		*data = malloc(e->len + 1);
		if (*data) {
			memcpy(*data, e->body, e->len);
			(*data)[e->len] = '\0';
			*len = e->len;
			e->seen_gen = e->gen;
		} else {
			ret = -ENOMEM;
		}
	}
	/* without a copy, seen_gen stays 0: its arrival asks for the next reload */
	pthread_mutex_unlock(&r->lock);
	return ret;
}

const struct pt_yinclude *pt_remote_include(struct pt_remote *r, bool wait)
{
	if (!r)
		return NULL;
	pthread_mutex_lock(&r->lock);
	r->load_seq++;
	/* a load reads every copy there is: a refresh round it did not wait for is over */
	r->round_active = false;
	pthread_mutex_unlock(&r->lock);
	r->wait = wait;
	r->deadline_ns = 0;
	r->inc.resolve = hook_resolve;
	r->inc.open = hook_open;
	r->inc.ctx = r;
	return &r->inc;
}

void pt_remote_commit(struct pt_remote *r)
{
	struct pt_rdoc *e, *next;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	for (e = r->entries; e; e = next) {
		next = e->next;
		if (e->retired)
			continue;
		if (e->used_seq == r->load_seq) {
			e->commit_gen = e->seen_gen;
			continue;
		}
		/* the configuration in force no longer includes it */
		pt_dbg("remote include %s: no longer used", e->url);
		e->retired = true;
		if (!e->busy)
			pt_remote_unlink(r, e);
	}
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
}

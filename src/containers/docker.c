/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "docker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "docker_int.h"
#include "log.h"

/* ---- up and down ------------------------------------------------------------ */

static void stop_all(struct pt_dclient *cl)
{
	struct xfer *x, *next;

	pt_dxfer_free(cl->version);
	pt_dxfer_free(cl->events);
	pt_dxfer_free(cl->list);
	cl->version = cl->events = cl->list = NULL;
	for (x = cl->inflight; x; x = next) {
		next = x->next;
		pt_dxfer_free(x);
	}
	cl->inflight = NULL;
	cl->ninflight = 0;
	pt_dqueue_clear(cl);
	cl->baseline_active = false;
	cl->outstanding = 0;
	cl->nrunning = 0;
	cl->linelen = 0;
	cl->discarding = false;
	cl->events_ok = false;
}

static void go_down(struct pt_dclient *cl, uint64_t now, const char *why, bool absent)
{
	stop_all(cl);
	pt_cworker_settle(cl->w, cl->source);
	cl->st = C_DOWN;
	cl->retry_at = now + cl->backoff;
	cl->backoff = cl->backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : cl->backoff * 2;
	if (cl->down_logged)
		return;
	cl->down_logged = true;
	if (cl->was_up)
		pt_warn("containers: %s API at %s: %s; retrying in the background "
			"(events name containers by id only until it is back)", cl->runtime, cl->sock,
			why);
	else if (absent && !cl->loud)
		pt_dbg("containers: no %s at %s (%s); watching for it", cl->key, cl->sock, why);
	else
		pt_log(cl->loud ? LOG_WARNING : LOG_INFO,
		       "containers: %s %s: %s; retrying in the background", cl->key, cl->sock, why);
}

static void start_baseline(struct pt_dclient *cl, uint64_t now)
{
	cl->list = pt_dxfer_start(cl, X_LIST, "/containers/json", LIST_MAX, T_LIST);
	if (!cl->list) {
		go_down(cl, now, "cannot start a request (out of memory?)", false);
		return;
	}
	cl->next_baseline = cl->rebaseline_ms ? now + cl->rebaseline_ms : UINT64_MAX;
}

static void start_inspects(struct pt_dclient *cl)
{
	char path[128];

	while (cl->ninflight < PT_DCLIENT_INFLIGHT && cl->qlen) {
		struct pending p = cl->q[cl->qhead];
		struct xfer *x;

		cl->qhead++;
		cl->qlen--;
		snprintf(path, sizeof(path), "/containers/%s/json", p.id);
		x = pt_dxfer_start(cl, X_INSPECT, path, INSPECT_MAX, T_INSPECT);
		if (!x) {
			if (p.baseline)
				cl->outstanding--;
			if (p.fallback) {
				pt_container_clear(p.fallback);
				free(p.fallback);
			}
			continue;
		}
		memcpy(x->id, p.id, sizeof(x->id));
		x->baseline = p.baseline;
		x->fallback = p.fallback;
		x->next = cl->inflight;
		cl->inflight = x;
		cl->ninflight++;
	}
}

static void maybe_sync(struct pt_dclient *cl)
{
	struct pt_cmsg *m;

	if (!cl->baseline_active || cl->outstanding || cl->list)
		return;
	cl->baseline_active = false;
	m = pt_cmsg_new(PT_CMSG_SYNC, cl->source, NULL);
	if (!m)
		return;
	m->ids = cl->running;
	m->nids = cl->nrunning;
	cl->running = NULL;
	cl->nrunning = cl->running_cap = 0;
	pt_cworker_post(cl->w, m);
	pt_cworker_settle(cl->w, cl->source);
}

uint64_t pt_dclient_step(struct pt_dclient *cl, uint64_t now)
{
	struct stat st;

	switch (cl->st) {
	case C_DOWN:
		if (now < cl->retry_at)
			return cl->retry_at;
		if (stat(cl->sock, &st) || !S_ISSOCK(st.st_mode)) {
			go_down(cl, now, errno == ENOENT ? "no such socket" : "not a socket", true);
			return cl->retry_at;
		}
		cl->version = pt_dxfer_start(cl, X_VERSION, "/version", VERSION_MAX, T_VERSION);
		if (!cl->version) {
			go_down(cl, now, "cannot start a request", false);
			return cl->retry_at;
		}
		cl->st = C_CONNECTING;
		return now + T_VERSION;
	case C_CONNECTING:
		return now + T_VERSION;
	case C_UP:
		break;
	}
	if (!cl->events_ok && now >= cl->events_started + T_STREAM_HEADERS)
		cl->events_ok = true;
	if (cl->events_ok && !cl->list && !cl->baseline_active && now >= cl->next_baseline)
		start_baseline(cl, now);
	if (cl->st != C_UP)
		return cl->retry_at;
	start_inspects(cl);
	if (!cl->events_ok)
		return cl->events_started + T_STREAM_HEADERS;
	return cl->next_baseline;
}

/* ---- what comes back ---------------------------------------------------------- */

static void running_add(struct pt_dclient *cl, const char *id)
{
	if (cl->nrunning == cl->running_cap) {
		size_t cap = cl->running_cap ? cl->running_cap * 2 : 64;
		void *nv = reallocarray(cl->running, cap, sizeof(*cl->running));

		if (!nv)
			return;
		cl->running = nv;
		cl->running_cap = cap;
	}
	memcpy(cl->running[cl->nrunning++], id, PT_CONTAINER_ID_MAX);
}

static void inspect_done(struct pt_dclient *cl, struct xfer *x, bool ok)
{
	struct pt_container c;
	struct pt_cmsg *m;
	struct xfer **pp;

	for (pp = &cl->inflight; *pp; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	cl->ninflight--;
	memset(&c, 0, sizeof(c));
	if (ok && (pt_docker_parse_inspect(x->body.data, x->body.len, &c) || strcmp(c.id, x->id))) {
		pt_cworker_count(cl->w, PT_CC_BAD_RESPONSE);
		pt_container_clear(&c);
		ok = false;
	}
	if (ok && x->stale && c.state == PT_CONTAINER_RUNNING) {
		/* described before a die that came after: ask again */
		pt_container_clear(&c);
		pt_dqueue_push(cl, x->id, x->baseline, x->fallback);
		x->fallback = NULL;
		pt_dxfer_free(x);
		return;
	}
	if (!ok && x->fallback) {
		/* gone already (404) or the API failed: what the start event said */
		c = *x->fallback;
		free(x->fallback);
		x->fallback = NULL;
		if (x->stale || x->status == 404)
			c.state = PT_CONTAINER_STOPPED;
		ok = true;
	} else if (ok) {
		c.runtime = cl->runtime;
		c.source = cl->source;
	}
	if (ok) {
		if (c.state == PT_CONTAINER_RUNNING)
			pt_cworker_proc_ids(cl->w, &c);
		if (x->baseline && c.state == PT_CONTAINER_RUNNING)
			running_add(cl, c.id);
		m = pt_cmsg_new(PT_CMSG_UPSERT, cl->source, &c);
		if (m)
			pt_cworker_post(cl->w, m);
	}
	if (x->baseline && cl->outstanding)
		cl->outstanding--;
	pt_dxfer_free(x);
	maybe_sync(cl);
}

static bool response_ok(struct pt_dclient *cl, struct xfer *x, CURLcode rc)
{
	long code = 0;

	if (x->too_big) {
		pt_cworker_count(cl->w, PT_CC_TOO_BIG);
		return false;
	}
	if (rc != CURLE_OK) {
		pt_cworker_count(cl->w, PT_CC_API_ERROR);
		return false;
	}
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	x->status = code;
	return code == 200;
}

bool pt_dclient_done(struct pt_dclient *cl, CURL *h, CURLcode rc, uint64_t now)
{
	struct xfer *x = NULL;
	char version[64], why[160];
	bool ok;

	curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&x);
	if (!x || x->cl != cl)
		return false;
	ok = response_ok(cl, x, rc);
	snprintf(why, sizeof(why), "%s", rc != CURLE_OK ? curl_easy_strerror(rc) :
				  x->too_big ? "response too large" : "unexpected HTTP status");
	switch (x->kind) {
	case X_VERSION:
		cl->version = NULL;
		if (!ok || pt_docker_parse_version(x->body.data, x->body.len, &cl->runtime, version,
						   sizeof(version))) {
			pt_dxfer_free(x);
			go_down(cl, now, ok ? "bad /version answer" : why, false);
			return true;
		}
		pt_dxfer_free(x);
		cl->events = pt_dxfer_start(cl, X_EVENTS, EVENTS_PATH, 0, 0);
		if (!cl->events) {
			go_down(cl, now, "cannot start the event stream", false);
			return true;
		}
		if (cl->down_logged || !cl->was_up)
			pt_info("containers: %s %s API at %s%s", cl->runtime, version, cl->sock,
				cl->was_up ? " is back" : "");
		cl->down_logged = false;
		cl->was_up = true;
		cl->st = C_UP;
		cl->events_started = now;
		cl->next_baseline = now; /* once the stream is open */
		pt_cworker_count(cl->w, PT_CC_CONNECT);
		return true;
	case X_EVENTS:
		cl->events = NULL;
		pt_dxfer_free(x);
		/* the service stopped or restarted: a fresh start is quick */
		cl->backoff = BACKOFF_MIN;
		go_down(cl, now, "event stream ended", false);
		return true;
	case X_LIST: {
		char (*ids)[PT_CONTAINER_ID_MAX] = NULL;
		size_t i, n = 0;
		int r = -EINVAL;

		cl->list = NULL;
		if (ok)
			r = pt_docker_parse_list(x->body.data, x->body.len, &ids, &n);
		pt_dxfer_free(x);
		if (r) {
			free(ids);
			if (ok)
				pt_cworker_count(cl->w, PT_CC_BAD_RESPONSE);
			go_down(cl, now, ok ? "bad container listing" : why, false);
			return true;
		}
		pt_cworker_count(cl->w, PT_CC_BASELINE);
		cl->backoff = BACKOFF_MIN;
		cl->baseline_active = true;
		cl->nrunning = 0;
		cl->outstanding = n;
		for (i = 0; i < n; i++)
			pt_dqueue_push(cl, ids[i], true, NULL);
		free(ids);
		maybe_sync(cl);
		start_inspects(cl);
		return true;
	}
	case X_INSPECT:
		inspect_done(cl, x, ok);
		start_inspects(cl);
		return true;
	}
	return true;
}

void pt_dclient_request(struct pt_dclient *cl, const char *id)
{
	if (cl->st == C_UP && pt_container_id_is_hex64(id, strlen(id)))
		pt_dqueue_push(cl, id, false, NULL);
}

void pt_dclient_resync(struct pt_dclient *cl)
{
	cl->next_baseline = 0;
}

bool pt_dclient_same_socket(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int pt_dclient_new(struct pt_dclient **cp, struct pt_cworker *w, CURLM *multi, int source,
		   const char *sock, const char *key, bool loud, uint64_t rebaseline_ms)
{
	struct pt_dclient *cl = calloc(1, sizeof(*cl));

	if (!cl)
		return -ENOMEM;
	if (strlen(sock) >= sizeof(cl->sock)) {
		free(cl);
		return -ENAMETOOLONG;
	}
	cl->line = malloc(EVENT_LINE_MAX);
	if (!cl->line) {
		free(cl);
		return -ENOMEM;
	}
	strcpy(cl->sock, sock);
	cl->w = w;
	cl->multi = multi;
	cl->source = source;
	cl->key = key;
	cl->loud = loud;
	cl->runtime = source == PT_CSOURCE_PODMAN ? "podman" : "docker";
	cl->rebaseline_ms = rebaseline_ms;
	cl->backoff = BACKOFF_MIN;
	cl->st = C_DOWN;
	*cp = cl;
	return 0;
}

void pt_dclient_free(struct pt_dclient *cl)
{
	if (!cl)
		return;
	stop_all(cl);
	free(cl->q);
	free(cl->running);
	free(cl->line);
	free(cl);
}

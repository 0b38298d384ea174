/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "docker.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "apijson.h"
#include "log.h"

/* Response bounds: API answers are not trusted either. */
#define VERSION_MAX (64u << 10)
#define LIST_MAX (8u << 20)
#define INSPECT_MAX (1u << 20)
#define EVENT_LINE_MAX (64u << 10)
#define PENDING_MAX (PT_DOCKER_LIST_MAX + PT_CWORKER_REQ_MAX)

#define T_CONNECT 3000
#define T_VERSION 5000
#define T_LIST 30000
#define T_INSPECT 10000
#define T_STREAM_HEADERS 3000 /* baseline anyway if the stream's headers are late */
#define BACKOFF_MIN 500
#define BACKOFF_MAX 60000

/* {"type":["container"]}: podman 4 filters "die" out when event= is given
 * (it calls it "died" inside), so actions are chosen here instead */
#define EVENTS_PATH "/events?filters=%7B%22type%22%3A%5B%22container%22%5D%7D"

enum xkind { X_VERSION, X_EVENTS, X_LIST, X_INSPECT };

struct xfer {
	struct pt_dclient *cl;
	enum xkind kind;
	CURL *h;
	char *buf;
	size_t len, cap, max;
	bool too_big;
	long status; /* from the header callback: 0 until the status line */
	/* X_INSPECT */
	char id[PT_CONTAINER_ID_MAX];
	bool baseline, stale;
	struct pt_container *fallback; /* from the start event, may be NULL */
	struct xfer *next;
};

struct pending {
	char id[PT_CONTAINER_ID_MAX];
	bool baseline;
	struct pt_container *fallback;
};

enum cstate { C_DOWN, C_CONNECTING, C_UP };

struct pt_dclient {
	struct pt_cworker *w;
	CURLM *multi;
	int source;
	char sock[4096];
	const char *key; /* "docker_socket", for messages */
	const char *runtime;
	bool loud;
	uint64_t rebaseline_ms;

	enum cstate st;
	uint64_t retry_at, events_started, next_baseline;
	unsigned int backoff;
	bool down_logged, events_ok, was_up;

	struct xfer *version, *events, *list, *inflight;
	unsigned int ninflight;
	struct pending *q;
	size_t qhead, qlen, qcap;

	bool baseline_active;
	size_t outstanding;
	char (*running)[PT_CONTAINER_ID_MAX];
	size_t nrunning, running_cap;

	char *line;
	size_t linelen;
	bool discarding;
};

/* ---- transfers ------------------------------------------------------------ */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud);

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	char line[64];

	if (n > 9 && !memcmp(p, "HTTP/", 5)) {
		snprintf(line, sizeof(line), "%.*s", (int)(n < 63 ? n : 63), p);
		char *sp = strchr(line, ' ');

		x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		if (x->kind == X_EVENTS && x->status == 200)
			x->cl->events_ok = true;
	}
	return n;
}

static void xfer_free(struct xfer *x)
{
	if (!x)
		return;
	if (x->h) {
		curl_multi_remove_handle(x->cl->multi, x->h);
		curl_easy_cleanup(x->h);
	}
	if (x->fallback) {
		pt_container_clear(x->fallback);
		free(x->fallback);
	}
	free(x->buf);
	free(x);
}

static struct xfer *xfer_start(struct pt_dclient *cl, enum xkind kind, const char *path,
			       size_t max, long timeout_ms)
{
	struct xfer *x = calloc(1, sizeof(*x));
	char url[256];

	if (!x)
		return NULL;
	x->cl = cl;
	x->kind = kind;
	x->max = max;
	x->h = curl_easy_init();
	if (!x->h)
		goto fail;
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_UNIX_SOCKET_PATH, cl->sock);
	/* a proxy from the environment must not see these requests */
	curl_easy_setopt(x->h, CURLOPT_PROXY, "");
	curl_easy_setopt(x->h, CURLOPT_NOPROXY, "*");
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http");
#else
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, "pidtree/" PACKAGE_VERSION);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, (long)T_CONNECT);
	if (timeout_ms)
		curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->h, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(cl->multi, x->h) != CURLM_OK) {
		curl_easy_cleanup(x->h);
		x->h = NULL;
		goto fail;
	}
	return x;
fail:
	xfer_free(x);
	return NULL;
}

/* ---- the inspection queue -------------------------------------------------- */

static void queue_push(struct pt_dclient *cl, const char *id, bool baseline,
		       struct pt_container *fallback)
{
	struct pending *p;
	size_t i;

	if (!baseline) /* a request or an event: once is enough */
		for (i = 0; i < cl->qlen; i++)
			if (!strcmp(cl->q[cl->qhead + i].id, id) && !cl->q[cl->qhead + i].fallback)
				goto drop;
	if (cl->qlen >= PENDING_MAX)
		goto drop;
	if (cl->qhead + cl->qlen == cl->qcap) {
		if (cl->qhead) { /* compact */
			memmove(cl->q, cl->q + cl->qhead, cl->qlen * sizeof(*cl->q));
			cl->qhead = 0;
		} else {
			size_t cap = cl->qcap ? cl->qcap * 2 : 64;
			void *nq = reallocarray(cl->q, cap, sizeof(*cl->q));

			if (!nq)
				goto drop;
			cl->q = nq;
			cl->qcap = cap;
		}
	}
	p = &cl->q[cl->qhead + cl->qlen++];
	snprintf(p->id, sizeof(p->id), "%s", id);
	p->baseline = baseline;
	p->fallback = fallback;
	return;
drop:
	if (baseline)
		cl->outstanding--; /* never inspected: the sync will call it stopped */
	if (fallback) {
		pt_container_clear(fallback);
		free(fallback);
	}
}

static void queue_clear(struct pt_dclient *cl)
{
	size_t i;

	for (i = 0; i < cl->qlen; i++)
		if (cl->q[cl->qhead + i].fallback) {
			pt_container_clear(cl->q[cl->qhead + i].fallback);
			free(cl->q[cl->qhead + i].fallback);
		}
	cl->qhead = cl->qlen = 0;
}

/* ---- up and down ------------------------------------------------------------ */

static void stop_all(struct pt_dclient *cl)
{
	struct xfer *x, *next;

	xfer_free(cl->version);
	xfer_free(cl->events);
	xfer_free(cl->list);
	cl->version = cl->events = cl->list = NULL;
	for (x = cl->inflight; x; x = next) {
		next = x->next;
		xfer_free(x);
	}
	cl->inflight = NULL;
	cl->ninflight = 0;
	queue_clear(cl);
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
	cl->list = xfer_start(cl, X_LIST, "/containers/json", LIST_MAX, T_LIST);
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
		x = xfer_start(cl, X_INSPECT, path, INSPECT_MAX, T_INSPECT);
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
		cl->version = xfer_start(cl, X_VERSION, "/version", VERSION_MAX, T_VERSION);
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

static void handle_event(struct pt_dclient *cl, const char *line, size_t len, uint64_t now)
{
	struct pt_docker_event ev;
	struct pt_container *fb;
	struct pt_cmsg *m;
	struct xfer *x;

	if (pt_docker_parse_event(line, len, &ev)) {
		pt_cworker_count(cl->w, PT_CC_BAD_EVENT);
		return;
	}
	switch (ev.action) {
	case PT_DOCKER_EV_START:
		fb = malloc(sizeof(*fb));
		if (fb) {
			*fb = ev.attrs;
			memset(&ev.attrs, 0, sizeof(ev.attrs));
			fb->runtime = cl->runtime;
			fb->source = cl->source;
		}
		queue_push(cl, fb ? fb->id : ev.attrs.id, false, fb);
		break;
	case PT_DOCKER_EV_RENAME:
		queue_push(cl, ev.attrs.id, false, NULL);
		break;
	case PT_DOCKER_EV_DIE:
	case PT_DOCKER_EV_DESTROY:
		/* an inspection already on its way may describe it as running */
		for (x = cl->inflight; x; x = x->next)
			if (!strcmp(x->id, ev.attrs.id))
				x->stale = true;
		m = pt_cmsg_new(PT_CMSG_STOP, cl->source, NULL);
		if (m) {
			memcpy(m->c.id, ev.attrs.id, sizeof(m->c.id));
			m->when_ms = now;
			pt_cworker_post(cl->w, m);
		}
		break;
	case PT_DOCKER_EV_OTHER:
		break;
	}
	pt_container_clear(&ev.attrs);
}

static void events_feed(struct pt_dclient *cl, const char *p, size_t n)
{
	uint64_t now = pt_containers_now_ms();

	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t chunk = nl ? (size_t)(nl - p) : n;

		if (!cl->discarding) {
			if (cl->linelen + chunk > EVENT_LINE_MAX) {
				cl->discarding = true;
				cl->linelen = 0;
				pt_cworker_count(cl->w, PT_CC_EVENT_LINE_DROPPED);
			} else {
				memcpy(cl->line + cl->linelen, p, chunk);
				cl->linelen += chunk;
			}
		}
		if (!nl)
			return;
		if (!cl->discarding && cl->linelen)
			handle_event(cl, cl->line, cl->linelen, now);
		cl->linelen = 0;
		cl->discarding = false;
		p = nl + 1;
		n -= chunk + 1;
	}
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;

	if (x->kind == X_EVENTS) {
		if (x->status == 200)
			events_feed(x->cl, p, n);
		return n;
	}
	if (x->len + n > x->max) {
		x->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (x->len + n + 1 > x->cap) {
		size_t cap = x->cap ? x->cap : 4096;
		char *nb;

		while (cap < x->len + n + 1)
			cap *= 2;
		nb = realloc(x->buf, cap);
		if (!nb)
			return 0;
		x->buf = nb;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	return n;
}

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
	if (ok && (pt_docker_parse_inspect(x->buf, x->len, &c) || strcmp(c.id, x->id))) {
		pt_cworker_count(cl->w, PT_CC_BAD_RESPONSE);
		pt_container_clear(&c);
		ok = false;
	}
	if (ok && x->stale && c.state == PT_CONTAINER_RUNNING) {
		/* described before a die that came after: ask again */
		pt_container_clear(&c);
		queue_push(cl, x->id, x->baseline, x->fallback);
		x->fallback = NULL;
		xfer_free(x);
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
	xfer_free(x);
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
		if (!ok || pt_docker_parse_version(x->buf, x->len, &cl->runtime, version,
						   sizeof(version))) {
			xfer_free(x);
			go_down(cl, now, ok ? "bad /version answer" : why, false);
			return true;
		}
		xfer_free(x);
		cl->events = xfer_start(cl, X_EVENTS, EVENTS_PATH, 0, 0);
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
		xfer_free(x);
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
			r = pt_docker_parse_list(x->buf, x->len, &ids, &n);
		xfer_free(x);
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
			queue_push(cl, ids[i], true, NULL);
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
		queue_push(cl, id, false, NULL);
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

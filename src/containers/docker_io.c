/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "docker_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void pt_dxfer_free(struct xfer *x)
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
	pt_buf_free(&x->body);
	free(x);
}

struct xfer *pt_dxfer_start(struct pt_dclient *cl, enum xkind kind, const char *path,
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
	pt_dxfer_free(x);
	return NULL;
}

/* ---- the inspection queue -------------------------------------------------- */

void pt_dqueue_push(struct pt_dclient *cl, const char *id, bool baseline,
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

void pt_dqueue_clear(struct pt_dclient *cl)
{
	size_t i;

	for (i = 0; i < cl->qlen; i++)
		if (cl->q[cl->qhead + i].fallback) {
			pt_container_clear(cl->q[cl->qhead + i].fallback);
			free(cl->q[cl->qhead + i].fallback);
		}
	cl->qhead = cl->qlen = 0;
}

/* ---- the event stream ----------------------------------------------------- */

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
		pt_dqueue_push(cl, fb ? fb->id : ev.attrs.id, false, fb);
		break;
	case PT_DOCKER_EV_RENAME:
		pt_dqueue_push(cl, ev.attrs.id, false, NULL);
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
	if (n > x->max - x->body.len) {
		x->too_big = true;
		return 0; /* aborts the transfer */
	}
	pt_buf_add(&x->body, p, n);
	return x->body.oom ? 0 : n;
}


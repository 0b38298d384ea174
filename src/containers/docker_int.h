/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internal to the Docker Engine API client: its state, shared by docker.c
 * (connection life cycle, baselines, completed requests) and docker_io.c
 * (transfers, the inspection queue, the event stream's lines).
 */
#ifndef PIDTREE_CONTAINER_DOCKER_INT_H
#define PIDTREE_CONTAINER_DOCKER_INT_H

#include "docker.h"
#include "apijson.h"
#include "buf.h"

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
	struct pt_buf body; /* the answer (X_EVENTS: fed to the parser instead) */
	size_t max;
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


/* docker_io.c */
/* Start a GET of path (max body bytes, 0 = streamed; timeout 0 = none). */
struct xfer *pt_dxfer_start(struct pt_dclient *cl, enum xkind kind, const char *path, size_t max,
			    long timeout_ms);
void pt_dxfer_free(struct xfer *x);
/* Queue an inspection of id (fallback taken; a baseline one is counted
 * in cl->outstanding by the caller, and uncounted here if dropped). */
void pt_dqueue_push(struct pt_dclient *cl, const char *id, bool baseline,
		    struct pt_container *fallback);
void pt_dqueue_clear(struct pt_dclient *cl);

#endif

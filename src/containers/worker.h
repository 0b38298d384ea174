/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internal to src/containers: the background thread that talks to the
 * container runtimes, and the messages it hands to the loop thread.
 *
 * Why a thread: the daemon's loop must never wait on a runtime, and the
 * clients' work (HTTP over unix sockets with libcurl, JSON parsing of
 * listings that can be megabytes, reading bundles and /proc) is easiest
 * to keep bounded and correct as ordinary sequential code next to it.  The
 * thread runs one curl multi handle (the event streams, listings and
 * inspections of every API socket at once) and polls containerd's inotify
 * and pidfds through curl_multi_poll's extra descriptors.  It shares
 * nothing with the loop thread but two mutex-protected queues: messages
 * out (woken by an eventfd the loop polls), lookup requests in (woken by
 * curl_multi_wakeup).  The cache stays the loop thread's alone.
 */
#ifndef PIDTREE_CONTAINER_WORKER_H
#define PIDTREE_CONTAINER_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "container.h"

/* Sources: index and priority (cache upserts of a lower one do not
 * overwrite a running entry of a higher one). */
enum pt_csource {
	PT_CSOURCE_DOCKER,
	PT_CSOURCE_PODMAN,
	PT_CSOURCE_CONTAINERD,
	PT_CSOURCE_CGROUP, /* cgroup paths: UNKNOWN entries, never upserted */
	PT_CSOURCE_N,
};

int pt_csource_prio(int source);

enum pt_cmsg_type {
	PT_CMSG_UPSERT, /* c: a container's current description (owns labels) */
	PT_CMSG_STOP,   /* c.id stopped at when_ms */
	PT_CMSG_SYNC,   /* ids[0..nids): every running container of source */
};

struct pt_cmsg {
	struct pt_cmsg *next;
	enum pt_cmsg_type type;
	int source;
	uint64_t when_ms;
	struct pt_container c;
	char (*ids)[PT_CONTAINER_ID_MAX];
	size_t nids;
};

void pt_cmsg_free(struct pt_cmsg *m);

struct pt_cworker_opts {
	const char *docker_socket;    /* NULL/"" = not used */
	const char *podman_socket;
	const char *containerd_state; /* containerd's state directory (/run/containerd) */
	uint64_t rebaseline_ms;       /* 0 = never */
	bool explicit_on;             /* enabled=yes: a runtime that is absent is a warning */
	const char *proc;             /* "/proc" */
	const char *cgroup2_dir, *cgroup2_root; /* NULL: no cgroup v2 */
};

enum pt_ccounter {
	PT_CC_MSG_DROPPED,        /* the loop fell PT_CWORKER_QUEUE_MAX messages behind */
	PT_CC_TOO_BIG,            /* API responses over their size bound */
	PT_CC_BAD_RESPONSE,       /* API responses that did not parse */
	PT_CC_BAD_EVENT,          /* event stream lines that did not parse */
	PT_CC_EVENT_LINE_DROPPED, /* event stream lines over 64 KiB */
	PT_CC_API_ERROR,          /* failed requests (refused, reset, timed out) */
	PT_CC_CONNECT,            /* connections made to an API (first and again) */
	PT_CC_BASELINE,           /* full API listings done */
	PT_CC_CTRD_SCAN,          /* full scans of containerd's task directory */
	PT_CC_BAD_BUNDLE,         /* containerd tasks whose bundle did not parse */
	PT_CC_N,
};

struct pt_cworker_stats {
	uint64_t v[PT_CC_N];
};

#define PT_CWORKER_QUEUE_MAX 65536
#define PT_CWORKER_REQ_MAX 256

struct pt_cworker;

/* Start the thread; notify_fd (an eventfd) is written when messages wait. */
int pt_cworker_start(struct pt_cworker **wp, const struct pt_cworker_opts *o, int notify_fd);
/* Stop and join the thread, free everything (pending messages too). */
void pt_cworker_stop(struct pt_cworker *w);
/* Loop thread: every waiting message, oldest first (free each). */
struct pt_cmsg *pt_cworker_take(struct pt_cworker *w);
/* Loop thread: ask the API clients to describe container id (dropped
 * when PT_CWORKER_REQ_MAX requests wait). */
void pt_cworker_request(struct pt_cworker *w, const char *id);
void pt_cworker_stats(struct pt_cworker *w, struct pt_cworker_stats *st);
/*
 * Loop thread: whether every runtime client has had its first say: listed
 * what runs (its messages posted before this turns true), or been found
 * absent or failing.  The daemon waits for this, briefly, before attaching
 * probes with container_labels.
 */
bool pt_cworker_settled(struct pt_cworker *w);

/* ---- inside the thread ---------------------------------------------------- */

/* Post a message to the loop thread (takes m). */
void pt_cworker_post(struct pt_cworker *w, struct pt_cmsg *m);
/* A message carrying c (taken: c is cleared). NULL on ENOMEM (c cleared). */
struct pt_cmsg *pt_cmsg_new(enum pt_cmsg_type type, int source, struct pt_container *c);
/* Fill mntns, cgroup_id of c from its pid (0 when they cannot be read). */
void pt_cworker_proc_ids(struct pt_cworker *w, struct pt_container *c);
/* source had its first say (see pt_cworker_settled): after its messages. */
void pt_cworker_settle(struct pt_cworker *w, int source);
/* Count one (the loop thread reads them with pt_cworker_stats). */
void pt_cworker_count(struct pt_cworker *w, enum pt_ccounter which);

#endif

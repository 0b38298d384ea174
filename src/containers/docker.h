/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internal to src/containers: a Docker Engine API client (Docker's
 * dockerd, Podman's `podman system service`) over a unix socket, driven by
 * the worker thread's curl multi handle.
 *
 * Per socket: GET /version (is it up, is it Podman?), then the
 * GET /events stream (type=container) stays open; once its headers are in,
 * a baseline: GET /containers/json, then GET /containers/{id}/json for
 * each, then a SYNC message with the ids found running.  Starts seen on the
 * stream are inspected (at most PT_DCLIENT_INFLIGHT at once); die and
 * destroy are posted at once, without an API call.  The baseline is redone
 * every rebaseline_ms and after every reconnection.  A socket that is
 * absent, refuses, answers badly or slowly (timeouts) or whose stream ends
 * is retried with exponential backoff (0.5 s to 60 s); that is logged once
 * per outage, and its return once.
 *
 * Unversioned paths: every API version since 1.24 serves the fields used
 * here (Id, Name, Config.Image, Config.Labels, State.Running, State.Pid),
 * while a version prefix would be refused by engines whose minimum API
 * version has since moved past it.
 */
#ifndef PIDTREE_CONTAINER_DOCKER_H
#define PIDTREE_CONTAINER_DOCKER_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "worker.h"

#define PT_DCLIENT_INFLIGHT 4

struct pt_dclient;

int pt_dclient_new(struct pt_dclient **cp, struct pt_cworker *w, CURLM *multi, int source,
		   const char *socket, const char *key, bool loud, uint64_t rebaseline_ms);
/* Removes its transfers from the multi handle. */
void pt_dclient_free(struct pt_dclient *c);
/* Start whatever is due at now_ms; returns when to be called again. */
uint64_t pt_dclient_step(struct pt_dclient *c, uint64_t now_ms);
/* A transfer of the multi handle finished: is it one of ours? (handled then) */
bool pt_dclient_done(struct pt_dclient *c, CURL *h, CURLcode rc, uint64_t now_ms);
/* Describe id soon (a lookup found it in a cgroup path); ignored while down. */
void pt_dclient_request(struct pt_dclient *c, const char *id);
/* Redo the baseline as soon as possible (messages were lost). */
void pt_dclient_resync(struct pt_dclient *c);
/* Same socket file as path (the podman-docker package links them)? */
bool pt_dclient_same_socket(const char *a, const char *b);

#endif

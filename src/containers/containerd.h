/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internal to src/containers: containerd (and Kubernetes through CRI),
 * followed through the task state it keeps on disk, on the worker thread.
 *
 * Why not its API: containerd speaks gRPC (ttrpc to its shims) and has no
 * well-kept C client; a hand-written protobuf/HTTP2 client would be far
 * more code and risk than what is needed here.  Every running task has a
 * bundle directory, STATE/io.containerd.runtime.v2.task/NAMESPACE/ID/,
 * holding the OCI spec (config.json, with the CRI annotations naming pod,
 * namespace, container and image) and, once runc created it, init.pid.
 * These are written by containerd and its shim (root-only directories),
 * followed with inotify as they appear and go, and each task's process
 * with a pidfd, which becomes readable when it exits: starts and stops are
 * seen as they happen, without polling.  The whole tree is rescanned every
 * rebaseline_ms and after an inotify overflow (then a SYNC message).
 * What the task state does not hold: containerd's own container labels
 * (user pod labels live only on the pod's sandbox in containerd's
 * database), so container_labels see the annotations and the Kubernetes
 * labels mapped from them (apijson.h).
 */
#ifndef PIDTREE_CONTAINER_CONTAINERD_H
#define PIDTREE_CONTAINER_CONTAINERD_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>

#include "worker.h"

#define PT_CTRD_TASKS_MAX 8192
#define PT_CTRD_NS_MAX 64

struct pt_ctrd;

int pt_ctrd_new(struct pt_ctrd **cp, struct pt_cworker *w, const char *state_dir, bool loud,
		uint64_t rebaseline_ms);
void pt_ctrd_free(struct pt_ctrd *c);
/* Open, retry, rescan when due; returns when to be called again. */
uint64_t pt_ctrd_step(struct pt_ctrd *c, uint64_t now_ms);
/* The descriptors to poll (inotify, pidfds) into fds[0..max); their number. */
unsigned int pt_ctrd_fds(struct pt_ctrd *c, struct curl_waitfd *fds, unsigned int max);
/* After the poll: fds as filled by pt_ctrd_fds, revents set. */
void pt_ctrd_handle(struct pt_ctrd *c, const struct curl_waitfd *fds, unsigned int n,
		    uint64_t now_ms);

#endif

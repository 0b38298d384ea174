/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "containers.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "worker.h"

/* cgroup v2 ids known to be no container's: open addressing, cleared when full */
#define HOST_CGROUPS 4096 /* power of two */
#define HOST_CGROUPS_FILL (HOST_CGROUPS / 4 * 3)

struct pt_containers {
	struct pt_container_cache *cache;
	struct pt_cworker *worker; /* NULL when enabled=no */
	int efd;
	char proc[PT_CONTAINERS_PATH_MAX];
	char cg2dir[4096], cg2root[4096];
	bool have_cg2;
	uint64_t host_cg[HOST_CGROUPS]; /* 0 = free */
	size_t nhost_cg;
	uint64_t host_cg_resets;
};

/* cgroup2's mount point, from our own mountinfo */
static void find_cgroup2(struct pt_containers *m)
{
	char path[PT_CONTAINERS_PATH_MAX + 32], *buf;
	size_t len = 0, cap = 1 << 20;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/self/mountinfo", m->proc);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	buf = malloc(cap);
	if (buf) {
		while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
			len += n;
		m->have_cg2 = pt_cgroup2_mount(buf, len, m->cg2dir, sizeof(m->cg2dir), m->cg2root,
					       sizeof(m->cg2root));
	}
	free(buf);
	close(fd);
}

int pt_containers_new(struct pt_containers **mp, const struct pt_containers_opts *o,
		      pt_container_change_fn change, void *ctx)
{
	struct pt_cache_limits lim = {
		.max_entries = o->max_containers,
		.max_stopped = o->max_stopped,
		.grace_ms = (uint64_t)(o->stopped_keep ? o->stopped_keep : 600) * 1000,
	};
	struct pt_cworker_opts wo = { 0 };
	struct pt_containers *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	m->efd = -1;
	snprintf(m->proc, sizeof(m->proc), "%s", o->proc[0] ? o->proc : "/proc");
	find_cgroup2(m);
	ret = pt_cache_new(&m->cache, &lim, change, ctx);
	if (ret)
		goto fail;
	m->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->efd < 0) {
		ret = -errno;
		goto fail;
	}
	if (o->enabled != PT_CONTAINERS_OFF) {
		/* libcurl's global state: set up here, on the loop thread, before
		 * the worker exists (reference-counted: other users are fine) */
		if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
			ret = -ENOMEM;
			goto fail;
		}
		wo.docker_socket = o->docker_socket;
		wo.podman_socket = o->podman_socket;
		wo.containerd_state = o->containerd_state;
		wo.rebaseline_ms = (uint64_t)o->rebaseline_interval * 1000;
		wo.explicit_on = o->enabled == PT_CONTAINERS_ON;
		wo.proc = m->proc;
		wo.cgroup2_dir = m->have_cg2 ? m->cg2dir : NULL;
		wo.cgroup2_root = m->have_cg2 ? m->cg2root : NULL;
		ret = pt_cworker_start(&m->worker, &wo, m->efd);
		if (ret) {
			curl_global_cleanup();
			goto fail;
		}
	}
	*mp = m;
	return 0;
fail:
	pt_cache_free(m->cache);
	if (m->efd >= 0)
		close(m->efd);
	free(m);
	return ret;
}

void pt_containers_free(struct pt_containers *m)
{
	if (!m)
		return;
	if (m->worker) {
		pt_cworker_stop(m->worker);
		curl_global_cleanup();
	}
	pt_cache_free(m->cache);
	close(m->efd);
	free(m);
}

int pt_containers_fd(const struct pt_containers *m)
{
	return m->efd;
}

bool pt_containers_settled(const struct pt_containers *m)
{
	return !m->worker || pt_cworker_settled(m->worker);
}

int pt_containers_handle(struct pt_containers *m)
{
	struct pt_cmsg *msg, *next;
	uint64_t v, now = pt_containers_now_ms();
	int n = 0;

	if (read(m->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pt_dbg("containers: eventfd: %s", strerror(errno));
	if (!m->worker)
		return 0;
	for (msg = pt_cworker_take(m->worker); msg; msg = next) {
		next = msg->next;
		switch (msg->type) {
		case PT_CMSG_UPSERT:
			pt_cache_upsert(m->cache, &msg->c, pt_csource_prio(msg->source), now);
			break;
		case PT_CMSG_STOP:
			pt_cache_stop(m->cache, msg->c.id, msg->when_ms ? msg->when_ms : now);
			break;
		case PT_CMSG_SYNC:
			pt_cache_sync(m->cache, msg->source, msg->ids, msg->nids, now);
			break;
		}
		pt_cmsg_free(msg);
		n++;
	}
	return n;
}

void pt_containers_tick(struct pt_containers *m, uint64_t now_ms)
{
	pt_cache_expire(m->cache, now_ms);
}

const struct pt_container *pt_containers_by_mntns(const struct pt_containers *m, uint32_t ino)
{
	return pt_cache_by_mntns(m->cache, ino);
}

const struct pt_container *pt_containers_by_cgroup(const struct pt_containers *m, uint64_t id)
{
	return pt_cache_by_cgroup(m->cache, id);
}

const struct pt_container *pt_containers_by_id(const struct pt_containers *m, const char *id)
{
	return pt_cache_by_id(m->cache, id);
}

const struct pt_container *pt_containers_resolve(const struct pt_containers *m, uint32_t mntns,
						 uint64_t cgroup_id)
{
	return pt_cache_resolve(m->cache, mntns, cgroup_id);
}

const struct pt_container *pt_containers_lookup_pid(struct pt_containers *m, pid_t pid)
{
	struct pt_cgroup_match cm;
	const struct pt_container *c;
	uint64_t cgid;
	uint32_t mntns;

	if (pt_proc_container_ids(m->proc, pid, m->have_cg2 ? m->cg2dir : NULL, m->cg2root, &mntns,
				  &cgid, &cm))
		return NULL;
	if (!cm.id[0]) /* a host process, unless it entered a container's namespace */
		return pt_cache_resolve(m->cache, mntns, cgid);
	c = pt_cache_by_id(m->cache, cm.id);
	/*
	 * A container a runtime described keeps the ids the runtime's pid
	 * gave: a cgroup path is anyone's choice (whoever may create cgroups
	 * can name one after a container), so it never adds a mount namespace
	 * to a described container (which would let that namespace pass
	 * container_labels in the kernel).
	 */
	if (c && c->state != PT_CONTAINER_UNKNOWN)
		return c;
	if (!c && m->worker)
		pt_cworker_request(m->worker, cm.id);
	return pt_cache_seen(m->cache, cm.id, cm.runtime, mntns, cgid, pt_containers_now_ms());
}

/* ---- pt_containers_identify ---------------------------------------------- */

static size_t host_slot(uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 40) & (HOST_CGROUPS - 1);
}

static bool host_has(const struct pt_containers *m, uint64_t id)
{
	for (size_t i = host_slot(id), n = 0; n < HOST_CGROUPS; i = (i + 1) & (HOST_CGROUPS - 1), n++) {
		if (m->host_cg[i] == id)
			return true;
		if (!m->host_cg[i])
			return false;
	}
	return false;
}

static void host_add(struct pt_containers *m, uint64_t id)
{
	size_t i;

	if (!id || host_has(m, id))
		return;
	if (m->nhost_cg >= HOST_CGROUPS_FILL) { /* cgroups come and go: start afresh */
		memset(m->host_cg, 0, sizeof(m->host_cg));
		m->nhost_cg = 0;
		m->host_cg_resets++;
	}
	for (i = host_slot(id); m->host_cg[i]; i = (i + 1) & (HOST_CGROUPS - 1))
		;
	m->host_cg[i] = id;
	m->nhost_cg++;
}

/* The container whose id a cgroup name or path holds (see identify). */
static const struct pt_container *by_cgroup_name(struct pt_containers *m,
						 const struct pt_cgroup_match *cm, uint32_t mntns,
						 uint64_t cgid)
{
	const struct pt_container *c = pt_cache_by_id(m->cache, cm->id);

	if (c && c->state != PT_CONTAINER_UNKNOWN) {
		/*
		 * Known elsewhere (another cgroup, another mount namespace): a
		 * cgroup named after a container it is not part of.
		 */
		if (c->cgroup_id && cgid && c->cgroup_id != cgid && c->mntns != mntns)
			return NULL;
		return c;
	}
	if (!c && m->worker)
		pt_cworker_request(m->worker, cm->id);
	return pt_cache_seen(m->cache, cm->id, cm->runtime, mntns, cgid, pt_containers_now_ms());
}

const struct pt_container *pt_containers_identify(struct pt_containers *m, pid_t pid,
						  uint32_t mntns, uint64_t cgid,
						  const char *cgroup_name)
{
	const struct pt_container *c;
	struct pt_cgroup_match cm;
	uint32_t pmnt;
	uint64_t pcg;

	if (mntns || cgid) {
		c = pt_cache_resolve(m->cache, mntns, cgid);
		if (c)
			return c;
		if (cgid && host_has(m, cgid))
			return NULL;
		if (cgroup_name && cgroup_name[0] &&
		    pt_cgroup_path_match(cgroup_name, strnlen(cgroup_name, PT_CONTAINERS_PATH_MAX), &cm))
			return by_cgroup_name(m, &cm, mntns, cgid);
	}
	/* the process itself, if it is still there and still where it was */
	if (pt_proc_container_ids(m->proc, pid, m->have_cg2 ? m->cg2dir : NULL, m->cg2root, &pmnt,
				  &pcg, &cm))
		return NULL;
	if (cgid && pcg && pcg != cgid)
		return NULL; /* it moved, or the pid is another process's now */
	if (!mntns && !cgid) {
		mntns = pmnt;
		cgid = pcg;
		c = pt_cache_resolve(m->cache, mntns, cgid);
		if (c)
			return c;
	}
	if (cm.id[0])
		return by_cgroup_name(m, &cm, mntns, cgid);
	host_add(m, cgid);
	return NULL;
}

int pt_containers_foreach(const struct pt_containers *m,
			  int (*fn)(void *ctx, const struct pt_container *c), void *ctx)
{
	return pt_cache_foreach(m->cache, fn, ctx);
}

struct match_ctx {
	const struct pt_label_filter *f;
	void (*fn)(void *ctx, const struct pt_container *c);
	void *ctx;
	size_t n;
};

static int match_one(void *arg, const struct pt_container *c)
{
	struct match_ctx *mc = arg;

	if (c->state == PT_CONTAINER_RUNNING && pt_labels_match(mc->f, c)) {
		mc->n++;
		if (mc->fn)
			mc->fn(mc->ctx, c);
	}
	return 0;
}

size_t pt_containers_foreach_match(const struct pt_containers *m, const struct pt_label_filter *f,
				   void (*fn)(void *ctx, const struct pt_container *c), void *ctx)
{
	struct match_ctx mc = { .f = f, .fn = fn, .ctx = ctx };

	pt_cache_foreach(m->cache, match_one, &mc);
	return mc.n;
}

void pt_containers_stats(const struct pt_containers *m, struct pt_containers_stats *st)
{
	struct pt_cworker_stats ws = { { 0 } };

	memset(st, 0, sizeof(*st));
	pt_cache_stats(m->cache, &st->cache);
	if (m->worker)
		pt_cworker_stats(m->worker, &ws);
	st->msgs_dropped = ws.v[PT_CC_MSG_DROPPED];
	st->responses_too_big = ws.v[PT_CC_TOO_BIG];
	st->bad_responses = ws.v[PT_CC_BAD_RESPONSE];
	st->bad_events = ws.v[PT_CC_BAD_EVENT];
	st->event_lines_dropped = ws.v[PT_CC_EVENT_LINE_DROPPED];
	st->api_errors = ws.v[PT_CC_API_ERROR];
	st->connects = ws.v[PT_CC_CONNECT];
	st->baselines = ws.v[PT_CC_BASELINE];
	st->containerd_scans = ws.v[PT_CC_CTRD_SCAN];
	st->bad_bundles = ws.v[PT_CC_BAD_BUNDLE];
	st->host_cgroups = m->nhost_cg;
	st->host_cgroups_resets = m->host_cg_resets;
}

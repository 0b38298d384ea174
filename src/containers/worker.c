/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "worker.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "cgroup.h"
#include "containerd.h"
#include "docker.h"
#include "log.h"

#define POLL_MAX_MS 5000
#define EXTRA_FDS_MAX 4096

struct pt_cworker {
	pthread_t thread;
	bool started;
	atomic_bool stop;
	int notify_fd;
	char proc[256], cg2dir[4096], cg2root[4096];
	bool have_cg2;

	CURLM *multi;
	struct pt_dclient *api[2];
	struct pt_ctrd *ctrd;
	struct curl_waitfd *fds;

	pthread_mutex_t lock; /* everything below */
	struct pt_cmsg *head, *tail;
	size_t nout;
	bool lost;    /* messages dropped: the clients re-baseline */
	char (*req)[PT_CONTAINER_ID_MAX];
	size_t nreq;
	uint64_t counters[PT_CC_N];
	unsigned int sources, settled; /* bit per source: clients made, first say had */
};

int pt_csource_prio(int source)
{
	switch (source) {
	case PT_CSOURCE_DOCKER:
	case PT_CSOURCE_PODMAN:
		return 2;
	case PT_CSOURCE_CONTAINERD:
		return 1;
	default:
		return 0;
	}
}

void pt_cmsg_free(struct pt_cmsg *m)
{
	if (!m)
		return;
	pt_container_clear(&m->c);
	free(m->ids);
	free(m);
}

struct pt_cmsg *pt_cmsg_new(enum pt_cmsg_type type, int source, struct pt_container *c)
{
	struct pt_cmsg *m = calloc(1, sizeof(*m));

	if (!m) {
		if (c)
			pt_container_clear(c);
		return NULL;
	}
	m->type = type;
	m->source = source;
	m->c.runtime = "";
	if (c) {
		m->c = *c;
		memset(c, 0, sizeof(*c));
		c->runtime = "";
	}
	m->c.source = source;
	return m;
}

void pt_cworker_settle(struct pt_cworker *w, int source)
{
	pthread_mutex_lock(&w->lock);
	w->settled |= 1u << source;
	pthread_mutex_unlock(&w->lock);
}

bool pt_cworker_settled(struct pt_cworker *w)
{
	bool all;

	pthread_mutex_lock(&w->lock);
	all = (w->settled & w->sources) == w->sources;
	pthread_mutex_unlock(&w->lock);
	return all;
}

void pt_cworker_count(struct pt_cworker *w, enum pt_ccounter which)
{
	pthread_mutex_lock(&w->lock);
	w->counters[which]++;
	pthread_mutex_unlock(&w->lock);
}

void pt_cworker_post(struct pt_cworker *w, struct pt_cmsg *m)
{
	uint64_t one = 1;
	bool wake;

	pthread_mutex_lock(&w->lock);
	if (w->nout >= PT_CWORKER_QUEUE_MAX) {
		w->counters[PT_CC_MSG_DROPPED]++;
		w->lost = true;
		pthread_mutex_unlock(&w->lock);
		pt_cmsg_free(m);
		return;
	}
	m->next = NULL;
	if (w->tail)
		w->tail->next = m;
	else
		w->head = m;
	w->tail = m;
	wake = w->nout++ == 0;
	pthread_mutex_unlock(&w->lock);
	/* the counter only needs to become readable; EAGAIN means it is */
	if (wake && write(w->notify_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pt_dbg("containers: cannot wake the event loop: %s", strerror(errno));
}

struct pt_cmsg *pt_cworker_take(struct pt_cworker *w)
{
	struct pt_cmsg *list;

	pthread_mutex_lock(&w->lock);
	list = w->head;
	w->head = w->tail = NULL;
	w->nout = 0;
	pthread_mutex_unlock(&w->lock);
	return list;
}

void pt_cworker_request(struct pt_cworker *w, const char *id)
{
	size_t i;

	pthread_mutex_lock(&w->lock);
	for (i = 0; i < w->nreq; i++)
		if (!strcmp(w->req[i], id))
			goto out;
	if (w->nreq < PT_CWORKER_REQ_MAX && strlen(id) < PT_CONTAINER_ID_MAX)
		strcpy(w->req[w->nreq++], id);
out:
	pthread_mutex_unlock(&w->lock);
	curl_multi_wakeup(w->multi);
}

void pt_cworker_stats(struct pt_cworker *w, struct pt_cworker_stats *st)
{
	pthread_mutex_lock(&w->lock);
	memcpy(st->v, w->counters, sizeof(st->v));
	pthread_mutex_unlock(&w->lock);
}

void pt_cworker_proc_ids(struct pt_cworker *w, struct pt_container *c)
{
	if (pt_proc_container_ids(w->proc, c->pid, w->have_cg2 ? w->cg2dir : NULL, w->cg2root,
				  &c->mntns, &c->cgroup_id, NULL)) {
		c->mntns = 0;
		c->cgroup_id = 0;
	}
}

/* Requests from the loop thread and the lost-messages flag, into the clients. */
static void take_requests(struct pt_cworker *w)
{
	char (*req)[PT_CONTAINER_ID_MAX] = NULL;
	size_t n, i, k;
	bool lost;

	pthread_mutex_lock(&w->lock);
	n = w->nreq;
	if (n) {
		req = malloc(n * sizeof(*req));
		if (req)
			memcpy(req, w->req, n * sizeof(*req));
	}
	w->nreq = 0;
	lost = w->lost;
	w->lost = false;
	pthread_mutex_unlock(&w->lock);
	for (k = 0; k < 2; k++) {
		if (!w->api[k])
			continue;
		for (i = 0; req && i < n; i++)
			pt_dclient_request(w->api[k], req[i]);
		if (lost)
			pt_dclient_resync(w->api[k]);
	}
	free(req);
}

/*
 * Capabilities are per thread, and this one is started before the daemon
 * drops its own: keep only what reading other processes' /proc/PID/ns/mnt
 * (CAP_SYS_PTRACE: a container's root keeps capabilities pidtree drops) and
 * runtime state that is not world-readable (CAP_DAC_READ_SEARCH) need.  The
 * thread parses what runtimes send: it should hold nothing else.
 */
static void drop_thread_caps(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	__u32 keep = (1u << CAP_SYS_PTRACE) | (1u << CAP_DAC_READ_SEARCH); /* both < 32 */

	if (syscall(SYS_capget, &hdr, data))
		return;
	data[0].effective &= keep;
	data[0].permitted &= keep;
	data[0].inheritable = 0;
	data[1].effective = data[1].permitted = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data))
		pt_warn("containers: cannot drop the worker thread's capabilities: %s",
			strerror(errno));
}

static void *run(void *arg)
{
	struct pt_cworker *w = arg;

	drop_thread_caps();

	while (!atomic_load(&w->stop)) {
		uint64_t now = pt_containers_now_ms(), next = now + POLL_MAX_MS, t;
		unsigned int nfds = 0;
		int running, left, timeout;
		CURLMsg *msg;
		size_t k;

		take_requests(w);
		for (k = 0; k < 2; k++)
			if (w->api[k] && (t = pt_dclient_step(w->api[k], now)) < next)
				next = t;
		if (w->ctrd) {
			if ((t = pt_ctrd_step(w->ctrd, now)) < next)
				next = t;
			nfds = pt_ctrd_fds(w->ctrd, w->fds, EXTRA_FDS_MAX);
		}
		timeout = next > now ? (int)(next - now) : 0;
		if (timeout > POLL_MAX_MS)
			timeout = POLL_MAX_MS;
		curl_multi_poll(w->multi, w->fds, nfds, timeout, NULL);
		curl_multi_perform(w->multi, &running);
		now = pt_containers_now_ms();
		while ((msg = curl_multi_info_read(w->multi, &left))) {
			CURL *h = msg->easy_handle;
			CURLcode rc = msg->data.result;

			if (msg->msg != CURLMSG_DONE)
				continue;
			for (k = 0; k < 2; k++)
				if (w->api[k] && pt_dclient_done(w->api[k], h, rc, now))
					break;
		}
		if (w->ctrd)
			pt_ctrd_handle(w->ctrd, w->fds, nfds, now);
	}
	return NULL;
}

static void teardown(struct pt_cworker *w)
{
	struct pt_cmsg *m, *next;

	pt_dclient_free(w->api[0]);
	pt_dclient_free(w->api[1]);
	pt_ctrd_free(w->ctrd);
	if (w->multi)
		curl_multi_cleanup(w->multi);
	for (m = w->head; m; m = next) {
		next = m->next;
		pt_cmsg_free(m);
	}
	free(w->req);
	free(w->fds);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

int pt_cworker_start(struct pt_cworker **wp, const struct pt_cworker_opts *o, int notify_fd)
{
	struct pt_cworker *w = calloc(1, sizeof(*w));
	sigset_t all, old;
	int ret = -ENOMEM;

	if (!w)
		return -ENOMEM;
	pthread_mutex_init(&w->lock, NULL);
	w->notify_fd = notify_fd;
	snprintf(w->proc, sizeof(w->proc), "%s", o->proc ? o->proc : "/proc");
	if (o->cgroup2_dir && o->cgroup2_root) {
		snprintf(w->cg2dir, sizeof(w->cg2dir), "%s", o->cgroup2_dir);
		snprintf(w->cg2root, sizeof(w->cg2root), "%s", o->cgroup2_root);
		w->have_cg2 = true;
	}
	w->req = calloc(PT_CWORKER_REQ_MAX, sizeof(*w->req));
	w->fds = calloc(EXTRA_FDS_MAX, sizeof(*w->fds));
	w->multi = curl_multi_init();
	if (!w->req || !w->fds || !w->multi)
		goto fail;
	if (o->docker_socket && o->docker_socket[0]) {
		ret = pt_dclient_new(&w->api[0], w, w->multi, PT_CSOURCE_DOCKER, o->docker_socket,
				     "docker_socket", o->explicit_on, o->rebaseline_ms);
		if (ret)
			goto fail;
	}
	if (o->podman_socket && o->podman_socket[0]) {
		if (w->api[0] && pt_dclient_same_socket(o->docker_socket, o->podman_socket)) {
			pt_info("containers: docker_socket and podman_socket are the same socket (%s); "
				"using it once", o->podman_socket);
		} else {
			ret = pt_dclient_new(&w->api[1], w, w->multi, PT_CSOURCE_PODMAN,
					     o->podman_socket, "podman_socket", o->explicit_on,
					     o->rebaseline_ms);
			if (ret)
				goto fail;
		}
	}
	if (o->containerd_state && o->containerd_state[0]) {
		ret = pt_ctrd_new(&w->ctrd, w, o->containerd_state, o->explicit_on, o->rebaseline_ms);
		if (ret)
			goto fail;
	}
	w->sources = (w->api[0] ? 1u << PT_CSOURCE_DOCKER : 0) |
		     (w->api[1] ? 1u << PT_CSOURCE_PODMAN : 0) |
		     (w->ctrd ? 1u << PT_CSOURCE_CONTAINERD : 0);
	/* signals stay with the loop thread (signalfd) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = -pthread_create(&w->thread, NULL, run, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret)
		goto fail;
	w->started = true;
	*wp = w;
	return 0;
fail:
	teardown(w);
	return ret;
}

void pt_cworker_stop(struct pt_cworker *w)
{
	if (!w)
		return;
	if (w->started) {
		atomic_store(&w->stop, true);
		curl_multi_wakeup(w->multi);
		pthread_join(w->thread, NULL);
	}
	teardown(w);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's containers: the container layer's manager (src/containers)
 * in the event loop, the container of every event, and the container_labels
 * maps of the probes.
 *
 * Every event of a process in a container is named from the identity the
 * kernel captured with its ancestry (mount namespace, cgroup v2 id and
 * directory name; pt_containers_identify), from the cache only: no runtime
 * is asked on the event path.
 *
 * container_labels is decided in the kernel (bpf/containers.bpf.h) from
 * each probe object's map of mount namespaces, which this file keeps equal
 * to "the mount namespaces of the running containers whose labels match the
 * probe's container_labels" (the filter the object runs with: its
 * pt_probe.cfilter):
 *   - a probe opened (start-up, reload) is filled before it is attached
 *     (env.containers_fill);
 *   - the cache's change callback notes the mount namespaces a start, stop,
 *     update or removal touches; after each batch of runtime news (and each
 *     expiry tick) every probe's map is corrected for them.  A namespace
 *     leaves the map when its container stops: the kernel reuses the inode
 *     as soon as the namespace is freed;
 *   - every PT_CONTAINERS_RECHECK_S the maps are recomputed in full (and
 *     after a burst of news, and on reload when the filter changed), so
 *     nothing can drift;
 *   - at start-up, with container_labels configured, the probes wait (at
 *     most PT_CONTAINERS_START_WAIT_MS) for the runtimes' first listing, so
 *     that containers already running are matched from the first event.
 * A container is matched from the moment pidtree hears that it started:
 * events of its first milliseconds (before its runtime's event reaches
 * pidtree) are dropped, as with pidtree-bcc.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "containers.h"
#include "daemon.h"
#include "log.h"

#define PT_CONTAINERS_RECHECK_S 60
#define PT_CONTAINERS_START_WAIT_MS 5000
/* more namespaces than this touched at once: recompute every map instead */
#define PENDING_MAX (sizeof(((struct daemon *)0)->cpending) / sizeof(uint32_t))

/* ---- the event's container ------------------------------------------------ */

void pt_daemon_container_of(struct daemon *d, struct pt_event *ev)
{
	const struct pt_container *c;
	struct pt_event_container *e = &d->evc;

	ev->container = NULL;
	if (!d->containers)
		return;
	c = pt_containers_identify(d->containers, (pid_t)ev->pid, ev->mntns, ev->cgroup_id,
				   ev->cgroup_name);
	if (!c || !c->id[0])
		return;
	e->id = c->id;
	e->name = pt_container_display_name(c);
	e->image = c->image;
	e->runtime = c->runtime ? c->runtime : "";
	e->pod = c->pod;
	e->pod_namespace = c->namespace;
	ev->container = e;
}

/* ---- the probes' maps ------------------------------------------------------ */

struct collect {
	uint32_t *v;
	size_t n, cap;
	bool oom;
};

static void collect_one(void *ctx, const struct pt_container *c)
{
	struct collect *k = ctx;

	if (!c->mntns || k->oom)
		return;
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		uint32_t *v = reallocarray(k->v, cap, sizeof(*v));

		if (!v) {
			k->oom = true;
			return;
		}
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = c->mntns;
}

/* Make p's map hold the namespaces of the running containers f matches. */
static int fill(struct daemon *d, struct pt_probe *p, const struct pt_label_filter *f)
{
	struct collect k = { 0 };
	int err;

	if (d->containers)
		pt_containers_foreach_match(d->containers, f, collect_one, &k);
	if (k.oom) {
		free(k.v);
		pt_err("%s: container_labels: out of memory", p->desc->info.name);
		return -ENOMEM;
	}
	err = pt_probe_containers_set(p, k.v, k.n);
	pt_dbg("%s: container_labels match %zu running container(s)", p->desc->info.name,
	       p->ncmnt);
	free(k.v);
	return err == -E2BIG ? 0 : err; /* too many: logged, the others still filtered */
}

/* env.containers_fill: a probe object just loaded, not yet attached */
static int fill_cb(void *ctx, struct pt_probe *p, const struct pt_probe_config *pc)
{
	return fill(ctx, p, &p->cfilter);
}

int pt_daemon_containers_refilter(struct daemon *d, struct pt_probe *p,
				  const struct pt_probe_config *pc)
{
	struct pt_label_filter f;
	int err;

	if (!pt_probe_container_filter(p) || pt_label_filter_equal(&p->cfilter, &pc->containers))
		return 0;
	err = pt_label_filter_copy(&f, &pc->containers);
	if (err)
		return err;
	err = fill(d, p, &f);
	if (err) {
		pt_label_filter_free(&f);
		return err;
	}
	pt_label_filter_free(&p->cfilter);
	p->cfilter = f;
	pt_info("reload: %s: container_labels now match %zu running container(s)",
		p->desc->info.name, p->ncmnt);
	return 0;
}

static void recheck_all(struct daemon *d)
{
	for (size_t i = 0; i < d->nrows; i++)
		if (pt_probe_container_filter(d->probes[i]))
			fill(d, d->probes[i], &d->probes[i]->cfilter);
	d->cpending_n = 0;
	d->cpending_all = false;
}

/* The namespaces the last changes touched, corrected in every map. */
static void apply_pending(struct daemon *d)
{
	if (d->cpending_all) {
		recheck_all(d);
		return;
	}
	for (size_t k = 0; k < d->cpending_n; k++) {
		uint32_t mntns = d->cpending[k];
		/* the running container with that namespace, if any (preferred by the cache) */
		const struct pt_container *c = pt_containers_by_mntns(d->containers, mntns);
		bool running = c && c->state == PT_CONTAINER_RUNNING;

		for (size_t i = 0; i < d->nrows; i++) {
			struct pt_probe *p = d->probes[i];
			bool want;

			if (!pt_probe_container_filter(p))
				continue;
			want = running && pt_labels_match(&p->cfilter, c);
			if (want && !pt_probe_container_has(p, mntns))
				pt_probe_container_add(p, mntns);
			else if (!want && pt_probe_container_has(p, mntns))
				pt_probe_container_del(p, mntns);
		}
	}
	d->cpending_n = 0;
}

static void note(struct daemon *d, uint32_t mntns)
{
	if (!mntns || d->cpending_all)
		return;
	for (size_t k = 0; k < d->cpending_n; k++)
		if (d->cpending[k] == mntns)
			return;
	if (d->cpending_n >= PENDING_MAX) {
		d->cpending_all = true;
		return;
	}
	d->cpending[d->cpending_n++] = mntns;
}

/* The cache's callback: note what changed (applied after the batch). */
static void on_change(void *ctx, enum pt_container_change what, const struct pt_container *c,
		      const struct pt_container *prev)
{
	struct daemon *d = ctx;

	note(d, c->mntns);
	if (prev)
		note(d, prev->mntns);
	if (what == PT_CHANGE_STARTED || what == PT_CHANGE_STOPPED)
		pt_dbg("containers: %s %.12s (%s) %s", c->runtime, c->id,
		       pt_container_display_name(c),
		       what == PT_CHANGE_STARTED ? "running" : "stopped");
}

/* ---- the manager in the loop ---------------------------------------------- */

static bool labels_configured(const struct daemon *d)
{
	for (size_t i = 0; i < d->nrows; i++) {
		const struct pt_probe_config *pc = pt_daemon_probe_config(d, i, &d->cfg);

		if (pc && pc->present && pc->containers.n)
			return true;
	}
	return false;
}

/* Start-up: the runtimes' first listing, so that running containers match at once. */
static void wait_settled(struct daemon *d)
{
	uint64_t end = pt_clock_ns(CLOCK_MONOTONIC) + PT_CONTAINERS_START_WAIT_MS * 1000000ull;
	struct pollfd pfd = { .fd = pt_containers_fd(d->containers), .events = POLLIN };

	while (!pt_containers_settled(d->containers)) {
		uint64_t now = pt_clock_ns(CLOCK_MONOTONIC);

		if (now >= end) {
			pt_warn("containers: the runtimes did not answer within %d ms; "
				"container_labels match the containers they report from now on",
				PT_CONTAINERS_START_WAIT_MS);
			break;
		}
		if (poll(&pfd, 1, (int)((end - now) / 1000000 + 1)) > 0)
			pt_containers_handle(d->containers);
	}
	pt_containers_handle(d->containers); /* what the last say posted */
	d->cpending_n = 0;
	d->cpending_all = false;
}

int pt_daemon_containers_start(struct daemon *d)
{
	int err;

	err = pt_containers_new(&d->containers, &d->settings.containers, on_change, d);
	if (err) {
		pt_err("cannot start the container layer: %s", strerror(-err));
		return err;
	}
	d->env.containers_fill = fill_cb;
	d->env.containers_ctx = d;
	d->containers_recheck_ns = pt_clock_ns(CLOCK_MONOTONIC) + PT_CONTAINERS_RECHECK_S * 1000000000ull;
	if (labels_configured(d) && d->settings.containers.enabled == PT_CONTAINERS_OFF)
		pt_warn("container_labels with [containers] enabled=no: no runtime is asked, so "
			"no container matches");
	else if (labels_configured(d))
		wait_settled(d);
	return 0;
}

int pt_daemon_containers_fd(const struct daemon *d)
{
	return d->containers ? pt_containers_fd(d->containers) : -1;
}

void pt_daemon_containers_handle(struct daemon *d)
{
	pt_containers_handle(d->containers);
	apply_pending(d);
}

void pt_daemon_containers_tick(struct daemon *d)
{
	uint64_t now = pt_clock_ns(CLOCK_MONOTONIC);

	if (!d->containers)
		return;
	pt_containers_tick(d->containers, pt_containers_now_ms());
	apply_pending(d);
	if (now >= d->containers_recheck_ns) {
		d->containers_recheck_ns = now + PT_CONTAINERS_RECHECK_S * 1000000000ull;
		recheck_all(d);
	}
}

void pt_daemon_containers_reload(struct daemon *d, const struct pt_daemon_settings *ns)
{
	if (d->containers && !pt_containers_opts_equal(&d->settings.containers, &ns->containers))
		pt_warn("reload: [containers] changed; it takes effect when pidtree restarts");
}

void pt_daemon_containers_free(struct daemon *d)
{
	d->env.containers_fill = NULL;
	d->cpending_all = true; /* nothing to apply: the probes are gone */
	pt_containers_free(d->containers);
	d->containers = NULL;
}

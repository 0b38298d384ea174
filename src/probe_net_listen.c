// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * net_listen probe (bpf/net_listen.bpf.c): TCP listeners and UDP binds, plus
 * periodic snapshots of the listening sockets that already exist
 * (snapshot_periodicity), resolved from sock_diag and /proc.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netinet/in.h>

#include <bpf/libbpf.h>

#include "filter.h"
#include "log.h"
#include "net_listen.skel.h"
#include "probe.h"
#include "proctree.h"
#include "snapshot.h"

struct net_listen {
	unsigned int protocols;
	uint32_t max_depth;
	uint64_t period_ns, next_ns; /* snapshots; period 0 = off */
	uint64_t delay_ns;           /* before the first snapshot */
	struct pt_filter_plan plan;  /* userland copy of the filters, for snapshots */
	struct pt_event ev;
	struct pt_ancestry tree;
};

PT_PROBE_SKEL_ADAPTERS(net_listen)

static void free_priv(void *priv)
{
	struct net_listen *nl = priv;

	pt_filter_plan_free(&nl->plan);
	free(nl);
}

static uint32_t self_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint32_t)st.st_ino;
}

static int attach_all(struct pt_net_listen *skel, const struct pt_probe_config *pc)
{
	int cgfd, err;

	if (pc->protocols & PT_PROTO_TCP) {
		skel->links.pt_tcp_listen = bpf_program__attach(skel->progs.pt_tcp_listen);
		if (!skel->links.pt_tcp_listen) {
			err = -errno;
			pt_err("net_listen: cannot attach to sock/inet_sock_set_state: %s",
			       strerror(-err));
			return err;
		}
	}
	if (!(pc->protocols & PT_PROTO_UDP))
		return 0;
	cgfd = pt_cgroup2_open("net_listen");
	if (cgfd < 0)
		return cgfd;
	err = pt_attach_cgroup(skel->progs.pt_post_bind4, cgfd, &skel->links.pt_post_bind4);
	if (!err)
		err = pt_attach_cgroup(skel->progs.pt_post_bind6, cgfd, &skel->links.pt_post_bind6);
	if (!err && pc->exclude_random_bind)
		err = pt_attach_cgroup(skel->progs.pt_bind4, cgfd, &skel->links.pt_bind4);
	if (!err && pc->exclude_random_bind)
		err = pt_attach_cgroup(skel->progs.pt_bind6, cgfd, &skel->links.pt_bind6);
	close(cgfd);
	return err;
}

static int net_listen_open(struct pt_probe **out, const struct pt_shared *sh,
			   const struct pt_probe_config *pc)
{
	struct pt_net_listen *skel;
	struct net_listen *nl;
	struct pt_probe *p;
	int err;

	p = pt_probe_alloc(&pt_net_listen_desc, net_listen_skel_destroy, sizeof(*nl), free_priv);
	if (!p)
		return -ENOMEM;
	nl = p->priv;
	nl->protocols = (pc->protocols & PT_PROTO_TCP ? PT_LISTEN_TCP : 0) |
			(pc->protocols & PT_PROTO_UDP ? PT_LISTEN_UDP : 0);
	nl->max_depth = sh->max_depth;
	nl->period_ns = (uint64_t)pc->snapshot_periodicity * 1000000000ull;
	nl->delay_ns = (uint64_t)pc->snapshot_delay * 1000000000ull;
	nl->next_ns = 0; /* set on the first tick: now + delay */
	err = pt_filter_compile(pc, 0, &nl->plan);
	if (err)
		goto fail;

	err = PT_PROBE_OPEN_SKEL(p, skel, net_listen, sh);
	if (err)
		goto fail;
	skel->rodata->pt_protocols = nl->protocols;
	skel->rodata->pt_same_netns_only = pc->same_namespace_only;
	skel->rodata->pt_exclude_random_bind = pc->exclude_random_bind;
	skel->rodata->pt_self_netns = self_netns();
	err = pt_probe_load(p, PT_PROBE_MAPS(skel, net_listen), sh, pc);
	if (err)
		goto fail;
	err = attach_all(skel, pc);
	if (err)
		goto fail;
	*out = p;
	return 0;
fail:
	pt_probe_destroy(p);
	return err;
}

static int net_listen_decode(const void *data, size_t len, struct pt_event *ev,
			     const struct pt_ancestry **tree)
{
	const struct pt_conn_record *r = data;

	if (len < sizeof(*r))
		return -EINVAL;
	ev->probe = "net_listen";
	pt_addr_to_str(r->family, r->saddr, ev->laddr, sizeof(ev->laddr));
	ev->port = r->sport;
	ev->has_port = true;
	ev->protocol = r->protocol == IPPROTO_UDP ? "udp" : "tcp";
	*tree = &r->tree;
	return 0;
}

/* One event per listening socket that exists now, marked "snapshot": true. */
static void snapshot(struct pt_probe *p, uint64_t now, const struct pt_emitter *em)
{
	struct net_listen *nl = p->priv;
	struct pt_listener *l = NULL;
	size_t n = 0, i, sent = 0;
	uint32_t flags;
	int err;

	err = pt_listeners_collect(nl->protocols, &l, &n);
	if (!err)
		err = pt_listeners_find_owners(l, n, "/proc");
	if (err) {
		pt_warn("net_listen: snapshot failed: %s", strerror(-err));
		free(l);
		return;
	}
	for (i = 0; i < n; i++) {
		struct pt_event *ev = &nl->ev;

		if (pt_filter_drops(&nl->plan, l[i].family, l[i].addr, l[i].port))
			continue;
		pt_event_reset(ev);
		ev->probe = "net_listen";
		ev->ts_us = (uint64_t)((int64_t)now + em->boot_to_real_ns) / 1000;
		pt_addr_to_str(l[i].family, l[i].addr, ev->laddr, sizeof(ev->laddr));
		ev->port = l[i].port;
		ev->has_port = true;
		ev->protocol = l[i].protocol == IPPROTO_UDP ? "udp" : "tcp";
		if (!l[i].pid ||
		    pt_proc_cache_snapshot_ancestry(em->cache, l[i].pid, nl->max_depth, &nl->tree,
						    &flags)) {
			ev->nproc = 0;
			pt_event_add_error(ev, "owner of socket inode %llu not found",
					   (unsigned long long)l[i].inode);
		} else {
			pt_proc_cache_resolve(em->cache, &nl->tree, flags, ev);
		}
		pt_event_add_bool(ev, "snapshot", true);
		em->emit(em->ctx, ev);
		sent++;
	}
	pt_dbg("net_listen: snapshot of %zu listening sockets (%zu reported)", n, sent);
	free(l);
}

static void net_listen_tick(struct pt_probe *p, uint64_t now, const struct pt_emitter *em)
{
	struct net_listen *nl = p->priv;

	if (!nl->period_ns)
		return;
	if (!nl->next_ns) {
		/* first snapshot shortly after start-up (snapshot_delay seconds) */
		nl->next_ns = now + nl->delay_ns;
	}
	if (now < nl->next_ns)
		return;
	snapshot(p, now, em);
	nl->next_ns = now + nl->period_ns;
}

static bool net_listen_needs_reopen(const struct pt_probe_config *old,
				    const struct pt_probe_config *new)
{
	/* baked into the BPF object's read-only data, or attach-time choices */
	return old->protocols != new->protocols ||
	       old->same_namespace_only != new->same_namespace_only ||
	       old->exclude_random_bind != new->exclude_random_bind;
}

static void net_listen_reconfigure(struct pt_probe *p, const struct pt_probe_config *pc)
{
	struct net_listen *nl = p->priv;
	struct pt_filter_plan plan;

	if (pt_filter_compile(pc, 0, &plan) == 0) {
		pt_filter_plan_free(&nl->plan);
		nl->plan = plan;
	}
	if ((uint64_t)pc->snapshot_periodicity * 1000000000ull != nl->period_ns ||
	    (uint64_t)pc->snapshot_delay * 1000000000ull != nl->delay_ns) {
		nl->period_ns = (uint64_t)pc->snapshot_periodicity * 1000000000ull;
		nl->delay_ns = (uint64_t)pc->snapshot_delay * 1000000000ull;
		nl->next_ns = 0; /* next snapshot: delay from now */
	}
}

const struct pt_probe_desc pt_net_listen_desc = {
	.name = "net_listen",
	.kind = PT_PROBE_NET_LISTEN,
	.record_type = PT_REC_NET_LISTEN,
	.attach = "tp_btf/inet_sock_set_state (CLOSE -> LISTEN, in the listening task); "
		  "cgroup/post_bind4, cgroup/post_bind6 (UDP, on the cgroup2 root); "
		  "cgroup/bind4, cgroup/bind6 (exclude_random_bind)",
	.open = net_listen_open,
	.decode = net_listen_decode,
	.needs_reopen = net_listen_needs_reopen,
	.reconfigure = net_listen_reconfigure,
	.tick = net_listen_tick,
};

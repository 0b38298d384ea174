// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * net_listen probe (bpf/net_listen.bpf.c): TCP listeners and UDP binds, plus
 * periodic snapshots of the listening sockets that already exist
 * (snapshot_periodicity), resolved from sock_diag and /proc.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <bpf/libbpf.h>

#include "clock.h"
#include "filter.h"
#include "keys.h"
#include "listeners.h"
#include "log.h"
#include "net_listen.h"
#include "net_listen.skel.h"
#include "proccache.h"
#include "probe.h"

#define NAME "net_listen"

enum { USER_SNAPSHOT_CONTAINER = 0 }; /* user_lost[] */

static const char *const own_keys[] = {
	"protocols", "snapshot_periodicity", "snapshot_delay", "same_namespace_only",
	"exclude_random_bind", NULL,
};

static void opts_defaults(void *opts)
{
	struct pt_net_listen_opts *o = opts;

	o->protocols = PT_LISTEN_TCP;
	o->snapshot_periodicity = 0;
	o->snapshot_delay = 5;
}

static void parse_protocols(struct pt_diags *d, struct pt_net_listen_opts *o,
			    const struct pt_ynode *k, const struct pt_ynode *v)
{
	unsigned int protos = 0;
	size_t i;

	if (pt_ynode_empty(v)) {
		PT_KEY_ERR(d, k, "protocols must not be empty (choices: tcp, udp)");
		return;
	}
	if (v->type != PT_Y_SEQUENCE) {
		PT_KEY_ERR(d, v, "protocols must be a list (choices: tcp, udp), got %s", pt_ynode_type_name(v));
		return;
	}
	for (i = 0; i < v->n; i++) {
		const struct pt_ynode *it = v->items[i];

		if (it->type == PT_Y_SCALAR && !strcmp(it->scalar, "tcp"))
			protos |= PT_LISTEN_TCP;
		else if (it->type == PT_Y_SCALAR && !strcmp(it->scalar, "udp"))
			protos |= PT_LISTEN_UDP;
		else if (it->type == PT_Y_SCALAR)
			PT_KEY_ERR(d, it, "unknown protocol '%s' (choices: tcp, udp)", it->scalar);
		else
			PT_KEY_ERR(d, it, "a protocol must be tcp or udp, got %s", pt_ynode_type_name(it));
	}
	if (protos)
		o->protocols = protos;
}

static int parse_key(void *opts, const struct pt_ynode *k, const struct pt_ynode *v,
		     struct pt_diags *d)
{
	struct pt_net_listen_opts *o = opts;
	const char *key = k->scalar;

	if (!strcmp(key, "protocols"))
		parse_protocols(d, o, k, v);
	else if (!strcmp(key, "snapshot_periodicity"))
		pt_key_seconds(d, key, v, 0, &o->snapshot_periodicity);
	else if (!strcmp(key, "snapshot_delay"))
		pt_key_seconds(d, key, v, 0, &o->snapshot_delay);
	else if (!strcmp(key, "same_namespace_only"))
		pt_key_bool(d, key, v, &o->same_namespace_only);
	else if (!strcmp(key, "exclude_random_bind"))
		pt_key_bool(d, key, v, &o->exclude_random_bind);
	return 0;
}

static bool opts_equal(const void *a, const void *b)
{
	return !memcmp(a, b, sizeof(struct pt_net_listen_opts));
}

static const struct pt_net_listen_opts *opts_of(const struct pt_probe_config *pc)
{
	return pc->opts;
}

struct net_listen {
	unsigned int protocols;
	uint32_t max_depth;
	uint64_t period_ns, next_ns; /* snapshots; period 0 = off */
	uint64_t delay_ns;           /* before the first snapshot */
	struct pt_filter_plan plan;  /* userland copy of the filters, for snapshots */
	struct pt_event ev;
	union pt_ancestry_buf tree; /* a snapshot from /proc */
};

static void destroy_skel(void *skel)
{
	pt_net_listen__destroy(skel);
}

static void free_priv(void *priv)
{
	struct net_listen *nl = priv;

	pt_filter_plan_free(&nl->plan);
}

static uint32_t self_netns(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (uint32_t)st.st_ino;
}

static int attach_all(struct pt_probe *p, struct pt_net_listen *skel,
		      const struct pt_net_listen_opts *o)
{
	/* the bind programs only when exclude_random_bind asks for them */
	const struct pt_cgroup_prog udp[] = {
		{ skel->progs.pt_post_bind4, &skel->links.pt_post_bind4 },
		{ skel->progs.pt_post_bind6, &skel->links.pt_post_bind6 },
		{ skel->progs.pt_bind4, &skel->links.pt_bind4 },
		{ skel->progs.pt_bind6, &skel->links.pt_bind6 },
	};

	if (o->protocols & PT_LISTEN_TCP) {
		skel->links.pt_tcp_listen = bpf_program__attach(skel->progs.pt_tcp_listen);
		if (!skel->links.pt_tcp_listen) {
			return pt_probe_fail(p, "attach to sock/inet_sock_set_state", -errno);
		}
	}
	if (!(o->protocols & PT_LISTEN_UDP))
		return 0;
	return pt_attach_cgroup_all(NAME, udp, o->exclude_random_bind ? 4 : 2);
}

static int net_listen_open(struct pt_probe *p, const struct pt_probe_env *env,
			   const struct pt_probe_config *pc)
{
	const struct pt_net_listen_opts *o = opts_of(pc);
	struct net_listen *nl = p->priv;
	struct pt_net_listen *skel;
	int err;

	nl->protocols = o->protocols;
	nl->max_depth = env->max_depth;
	nl->period_ns = (uint64_t)o->snapshot_periodicity * 1000000000ull;
	nl->delay_ns = (uint64_t)o->snapshot_delay * 1000000000ull;
	nl->next_ns = 0; /* set on the first tick: now + delay */
	err = pt_filter_compile(&pc->filter, 0, &nl->plan);
	if (err)
		return err;

	skel = pt_net_listen__open();
	if (!skel)
		return pt_probe_fail(p, "open its BPF object", -errno);
	p->skel = skel;
	p->destroy_skel = destroy_skel;
	skel->rodata->pt_consts = p->consts;
	skel->rodata->pt_protocols = nl->protocols;
	skel->rodata->pt_same_netns_only = o->same_namespace_only;
	skel->rodata->pt_exclude_random_bind = o->exclude_random_bind;
	skel->rodata->pt_self_netns = self_netns();
	err = pt_probe_prepare(p, env, pc, skel->skeleton);
	if (err)
		return err;
	err = pt_net_listen__load(skel);
	if (err)
		return pt_probe_fail(p, "load its BPF programs", err);
	err = pt_probe_filters_init(p, pc, skel->obj, &skel->bss->pt_generation);
	if (err)
		return err;
	return attach_all(p, skel, o);
}

static int net_listen_decode(unsigned int rec, const void *data, size_t len, struct pt_event *ev,
			     const struct pt_ancestry **tree)
{
	const struct pt_conn_record *r = data;

	if (len < sizeof(*r) || !pt_ancestry_ok(&r->tree, PT_TREE_AVAIL(r, len)))
		return -EINVAL;
	pt_addr_to_str(r->family, r->saddr, ev->laddr, sizeof(ev->laddr));
	ev->port = r->sport;
	ev->has_port = true;
	ev->protocol = r->protocol == IPPROTO_UDP ? "udp" : "tcp";
	*tree = &r->tree;
	return 0;
}

/*
 * The mount namespace of pid (0 when it cannot be read): a snapshot's
 * container_labels are decided on the same set of namespaces as the
 * kernel's events.
 */
static uint32_t proc_mntns(uint32_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%u/ns/mnt", pid);
	return stat(path, &st) ? 0 : (uint32_t)st.st_ino;
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
		pt_warn(NAME ": snapshot failed: %s", strerror(-err));
		free(l);
		return;
	}
	for (i = 0; i < n; i++) {
		struct pt_event *ev = &nl->ev;

		uint32_t mntns = l[i].pid ? proc_mntns(l[i].pid) : 0;

		if (pt_filter_drops(&nl->plan, l[i].family, l[i].addr, l[i].port))
			continue;
		if (pt_probe_container_filter(p) && !pt_probe_container_has(p, mntns)) {
			p->user_lost[USER_SNAPSHOT_CONTAINER]++;
			continue;
		}
		pt_event_reset(ev);
		ev->probe = &p->desc->info;
		ev->ts_us = pt_boot_ns_to_real_us(now, em->boot_to_real_ns);
		pt_addr_to_str(l[i].family, l[i].addr, ev->laddr, sizeof(ev->laddr));
		ev->port = l[i].port;
		ev->has_port = true;
		ev->protocol = l[i].protocol == IPPROTO_UDP ? "udp" : "tcp";
		if (!l[i].pid ||
		    pt_proc_cache_snapshot_ancestry(em->cache, l[i].pid, nl->max_depth, &nl->tree.t,
						    &flags)) {
			ev->nproc = 0;
			pt_event_add_error(ev, "owner of socket inode %llu not found",
					   (unsigned long long)l[i].inode);
		} else {
			nl->tree.t.mntns = mntns; /* names its container (with /proc/PID/cgroup) */
			pt_proc_cache_resolve(em->cache, &nl->tree.t, flags, ev);
		}
		pt_event_add_bool(ev, "snapshot", true);
		em->emit(em->ctx, ev);
		sent++;
	}
	pt_dbg(NAME ": snapshot of %zu listening sockets (%zu reported)", n, sent);
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
	const struct pt_net_listen_opts *a = opts_of(old), *b = opts_of(new);

	return a->protocols != b->protocols || a->same_namespace_only != b->same_namespace_only ||
	       a->exclude_random_bind != b->exclude_random_bind;
}

static void net_listen_reconfigure(struct pt_probe *p, const struct pt_probe_config *pc)
{
	const struct pt_net_listen_opts *o = opts_of(pc);
	struct net_listen *nl = p->priv;
	struct pt_filter_plan plan;

	if (pt_filter_compile(&pc->filter, 0, &plan) == 0) {
		pt_filter_plan_free(&nl->plan);
		nl->plan = plan;
	}
	if ((uint64_t)o->snapshot_periodicity * 1000000000ull != nl->period_ns ||
	    (uint64_t)o->snapshot_delay * 1000000000ull != nl->delay_ns) {
		nl->period_ns = (uint64_t)o->snapshot_periodicity * 1000000000ull;
		nl->delay_ns = (uint64_t)o->snapshot_delay * 1000000000ull;
		nl->next_ns = 0; /* next snapshot: delay from now */
	}
}

/*
 * UDP binds are seen by cgroup programs on the cgroup2 root; snapshots find
 * each listening socket's owner in other processes' /proc/PID/fd.
 */
static unsigned int features(const struct pt_probe_config *pc)
{
	const struct pt_net_listen_opts *o = opts_of(pc);
	unsigned int f = PT_FEAT_CGROUP_SOCK;

	if (o->protocols & PT_LISTEN_UDP)
		f |= PT_FEAT_CGROUP_MOUNT;
	if (o->snapshot_periodicity)
		f |= PT_FEAT_PROC_FDS;
	return f;
}

static const struct pt_loss_def losses[] = {
	[PT_LISTEN_LOSS_RING] = { NAME, "records lost (ring buffer full; raise --ringbuf-kib)",
				  PT_LOST_EVENTS },
	[PT_LISTEN_LOSS_CONTAINER] = { NAME "_container_filtered", PT_CONTAINER_FILTERED_WHAT,
				       PT_COUNTED },
};

static const struct pt_loss_def user_losses[] = {
	[USER_SNAPSHOT_CONTAINER] = { NAME "_snapshot_container_filtered",
				      "listeners of snapshots outside the containers container_labels "
				      "matches", PT_COUNTED },
};

const struct pt_probe_desc pt_net_listen_probe = {
	.info = { .name = NAME, .message_id = "8c7192b4f258416ab76370ba47c2c383",
		  .shape = PT_SHAPE_LISTEN },
	.schema = { .name = NAME, .keys = own_keys, .network = true,
		    .opts_size = sizeof(struct pt_net_listen_opts), .opts_defaults = opts_defaults,
		    .parse_key = parse_key, .opts_equal = opts_equal },
	.attach = "tp_btf/inet_sock_set_state (CLOSE -> LISTEN, in the listening task); "
		  "cgroup/post_bind4, cgroup/post_bind6 (UDP, on the cgroup2 root); "
		  "cgroup/bind4, cgroup/bind6 (exclude_random_bind)",
	.nrecords = 1,
	.losses = losses,
	.nlosses = 2,
	.user_losses = user_losses,
	.nuser_losses = 1,
	.priv_size = sizeof(struct net_listen),
	.free_priv = free_priv,
	.features = features,
	.open = net_listen_open,
	.decode = net_listen_decode,
	.needs_reopen = net_listen_needs_reopen,
	.reconfigure = net_listen_reconfigure,
	.tick = net_listen_tick,
};

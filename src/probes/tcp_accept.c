// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_accept probe (bpf/tcp_accept.bpf.c): inbound TCP connections, IPv4
 * and IPv6, with the ancestry of the process that accepted them.  Keys in
 * the direction of the connection: saddr/sport the remote peer, daddr/port
 * the local address and service port.
 *
 * Connections that were never accepted are counted, not reported: those
 * established and closed while still in the accept queue (counted in the
 * kernel), and the ones the kernel dropped before the handshake completed
 * because a listener's queue was full (TcpExt ListenDrops of
 * /proc/self/net/netstat, read on each tick, in pidtree's network namespace).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "probe.h"
#include "tcp_accept.h"
#include "tcp_accept.skel.h"

#define NAME "tcp_accept"

enum { USER_LISTEN_DROPS = 0 };

struct accept_state {
	uint64_t drops_base; /* ListenDrops when the probe opened */
	bool drops_known;
};

static void destroy_skel(void *skel)
{
	pt_tcp_accept__destroy(skel);
}

/*
 * TcpExt ListenDrops of /proc/self/net/netstat: -1 when it cannot be read.
 * Not by its /proc/net link: the shipped unit's ProcSubset=pid hides /proc's
 * top level but the processes' own directories.
 */
static int64_t listen_drops(void)
{
	char keys[4096], vals[4096], *ks, *vs, *k, *v;
	int64_t n = -1;
	FILE *f = fopen("/proc/self/net/netstat", "re");

	if (!f)
		return -1;
	while (fgets(keys, sizeof(keys), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(keys, "TcpExt:", 7) || strncmp(vals, "TcpExt:", 7))
			continue;
		k = strtok_r(keys + 7, " \n", &ks);
		v = strtok_r(vals + 7, " \n", &vs);
		for (; k && v; k = strtok_r(NULL, " \n", &ks), v = strtok_r(NULL, " \n", &vs)) {
			if (!strcmp(k, "ListenDrops")) {
				n = strtoll(v, NULL, 10);
				break;
			}
		}
		break;
	}
	fclose(f);
	return n;
}

static int tcp_accept_open(struct pt_probe *p, const struct pt_probe_env *env,
			   const struct pt_probe_config *pc)
{
	struct accept_state *st = p->priv;
	struct pt_tcp_accept *skel;
	int64_t drops = listen_drops();
	int err;

	st->drops_known = drops >= 0;
	st->drops_base = drops >= 0 ? (uint64_t)drops : 0;
	skel = pt_tcp_accept__open();
	if (!skel)
		return pt_probe_fail(p, "open its BPF object", -errno);
	p->skel = skel;
	p->destroy_skel = destroy_skel;
	skel->rodata->pt_consts = p->consts;
	err = pt_probe_prepare(p, env, pc, skel->skeleton);
	if (err)
		return err;
	err = pt_tcp_accept__load(skel);
	if (err)
		return pt_probe_fail(p, "load its BPF programs", err);
	err = pt_probe_filters_init(p, pc, skel->obj, &skel->bss->pt_generation);
	if (err)
		return err;
	err = pt_tcp_accept__attach(skel);
	/*
	 * These are perf tracepoints: perf_event_open() refuses them with
	 * EACCES when kernel.perf_event_paranoid is above 2 (Debian's and
	 * Ubuntu's default is 3) and CAP_SYS_ADMIN is missing, which the
	 * shipped unit never gives; CAP_PERFMON does not do there.
	 */
	if (err == -EACCES)
		return pt_probe_fail(p, "attach to syscalls/sys_exit_accept{,4} and "
				     "sock/inet_sock_set_state: perf_event_open() refused "
				     "(kernel.perf_event_paranoid above 2 needs CAP_SYS_ADMIN; "
				     "set it to 2, see pidtree(8))", err);
	if (err)
		return pt_probe_fail(p, "attach to syscalls/sys_exit_accept{,4} (is tracefs mounted?) "
				     "and sock/inet_sock_set_state", err);
	return 0;
}

static int tcp_accept_decode(unsigned int rec, const void *data, size_t len, struct pt_event *ev,
			     const struct pt_ancestry **tree)
{
	const struct pt_conn_record *r = data;

	if (len < sizeof(*r) || !pt_ancestry_ok(&r->tree, PT_TREE_AVAIL(r, len)))
		return -EINVAL;
	pt_addr_to_str(r->family, r->saddr, ev->saddr, sizeof(ev->saddr));
	pt_addr_to_str(r->family, r->daddr, ev->daddr, sizeof(ev->daddr));
	ev->sport = r->sport;
	ev->port = r->dport;
	ev->has_port = true;
	/* dns: the remote peer, named as of the accept */
	ev->peer.ts_ns = r->hdr.ts_ns;
	ev->peer.netns = r->netns;
	ev->peer.family = r->family;
	memcpy(ev->peer.addr, r->saddr, 16);
	*tree = &r->tree;
	return 0;
}

/* the kernel's listen-queue drops since the probe opened */
static void tcp_accept_tick(struct pt_probe *p, uint64_t now, const struct pt_emitter *em)
{
	struct accept_state *st = p->priv;
	int64_t n;

	if (!st->drops_known)
		return;
	n = listen_drops();
	if (n >= 0 && (uint64_t)n >= st->drops_base)
		p->user_lost[USER_LISTEN_DROPS] = (uint64_t)n - st->drops_base;
}

static const struct pt_loss_def losses[] = {
	[PT_ACCEPT_LOSS_RING] = { NAME, "records lost (ring buffer full; raise --ringbuf-kib)", PT_LOST_EVENTS },
	[PT_ACCEPT_LOSS_NOT_ACCEPTED] = { NAME "_not_accepted",
					  "connections established and closed, never accepted",
					  PT_COUNTED },
	[PT_ACCEPT_LOSS_CONTAINER] = { NAME "_container_filtered",
				       PT_CONTAINER_FILTERED_WHAT, PT_COUNTED },
};

static const struct pt_loss_def user_losses[] = {
	[USER_LISTEN_DROPS] = { NAME "_listen_drops",
				"connections the kernel dropped: a listener's queue was full",
				PT_COUNTED },
};

static unsigned int features(const struct pt_probe_config *pc)
{
	return PT_FEAT_TRACEFS;
}

const struct pt_probe_desc pt_tcp_accept_probe = {
	.info = { .name = NAME, .message_id = "d43b011dc4424bd69cb0e0d9071fb61b",
		  .shape = PT_SHAPE_ACCEPT },
	.schema = { .name = NAME, .network = true },
	.attach = "tracepoint/syscalls/sys_exit_accept4, tracepoint/syscalls/sys_exit_accept "
		  "(in the accepting task); tp_btf/inet_sock_set_state (SYN_RECV -> "
		  "ESTABLISHED: the accept queue)",
	.nrecords = 1,
	.losses = losses,
	.nlosses = 3,
	.user_losses = user_losses,
	.nuser_losses = 1,
	.priv_size = sizeof(struct accept_state),
	.features = features,
	.open = tcp_accept_open,
	.decode = tcp_accept_decode,
	.tick = tcp_accept_tick,
};

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_connect probe (bpf/tcp_connect.bpf.c): outbound TCP connections, IPv4
 * and IPv6, from sock/inet_sock_set_state CLOSE -> SYN_SENT.
 */
#include <errno.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "probe.h"
#include "tcp_connect.h"
#include "tcp_connect.skel.h"

#define NAME "tcp_connect"

static void destroy_skel(void *skel)
{
	pt_tcp_connect__destroy(skel);
}

static int tcp_connect_open(struct pt_probe *p, const struct pt_probe_env *env,
			    const struct pt_probe_config *pc)
{
	struct pt_tcp_connect *skel;
	int err;

	skel = pt_tcp_connect__open();
	if (!skel)
		return pt_probe_fail(p, "open its BPF object", -errno);
	p->skel = skel;
	p->destroy_skel = destroy_skel;
	skel->rodata->pt_consts = p->consts;
	err = pt_probe_prepare(p, env, pc, skel->skeleton);
	if (err)
		return err;
	err = pt_tcp_connect__load(skel);
	if (err)
		return pt_probe_fail(p, "load its BPF program (tp_btf/inet_sock_set_state)", err);
	err = pt_probe_filters_init(p, pc, skel->obj, &skel->bss->pt_generation);
	if (err)
		return err;
	err = pt_tcp_connect__attach(skel);
	if (err)
		return pt_probe_fail(p, "attach to sock/inet_sock_set_state", err);
	return 0;
}

static int tcp_connect_decode(unsigned int rec, const void *data, size_t len, struct pt_event *ev,
			      const struct pt_ancestry **tree)
{
	const struct pt_conn_record *r = data;

	if (len < sizeof(*r) || !pt_ancestry_ok(&r->tree, PT_TREE_AVAIL(r, len)))
		return -EINVAL;
	pt_addr_to_str(r->family, r->daddr, ev->daddr, sizeof(ev->daddr));
	pt_addr_to_str(r->family, r->saddr, ev->saddr, sizeof(ev->saddr));
	ev->port = r->dport;
	ev->has_port = true;
	/* dns: the destination, named as of the connect */
	ev->peer.ts_ns = r->hdr.ts_ns;
	ev->peer.netns = r->netns;
	ev->peer.family = r->family;
	memcpy(ev->peer.addr, r->daddr, 16);
	*tree = &r->tree;
	return 0;
}

static const struct pt_loss_def losses[] = {
	[PT_CONNECT_LOSS_RING] = { NAME, "records lost (ring buffer full; raise --ringbuf-kib)",
				   PT_LOST_EVENTS },
	[PT_CONNECT_LOSS_CONTAINER] = { NAME "_container_filtered", PT_CONTAINER_FILTERED_WHAT,
					PT_COUNTED },
};

const struct pt_probe_desc pt_tcp_connect_probe = {
	.info = { .name = NAME, .message_id = "dc4cef5a2d98417a9d22e6f2a455162d",
		  .shape = PT_SHAPE_CONNECT },
	.schema = { .name = NAME, .network = true },
	.by_default = true, /* pidtree-bcc's example: every outbound connection */
	.attach = "tp_btf/inet_sock_set_state (CLOSE -> SYN_SENT, in the connecting task)",
	.nrecords = 1,
	.losses = losses,
	.nlosses = 2,
	.open = tcp_connect_open,
	.decode = tcp_connect_decode,
};

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_connect probe (bpf/tcp_connect.bpf.c): outbound TCP connections, IPv4
 * and IPv6, from sock/inet_sock_set_state CLOSE -> SYN_SENT.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "probe.h"
#include "tcp_connect.skel.h"

static void tcp_connect_destroy(void *skel)
{
	pt_tcp_connect__destroy(skel);
}

static int load_skel(void *skel)
{
	return pt_tcp_connect__load(skel);
}

static int tcp_connect_open(struct pt_probe **out, const struct pt_shared *sh,
			    const struct pt_probe_config *pc)
{
	struct pt_tcp_connect *skel;
	struct pt_probe *p;
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->desc = &pt_tcp_connect_desc;
	p->destroy = tcp_connect_destroy;
	skel = pt_tcp_connect__open();
	if (!skel) {
		err = -errno;
		pt_err("tcp_connect: cannot open BPF object: %s", strerror(errno));
		goto fail;
	}
	p->skel = skel;
	skel->rodata->pt_max_depth = sh->max_depth;
	skel->rodata->pt_wakeup_bytes = sh->wakeup_bytes;
	err = pt_probe_load(p, &(struct pt_probe_maps){
		.skel = skel, .load = load_skel, .events = skel->maps.pt_events, .lost = skel->maps.pt_lost,
		.filter_v4 = skel->maps.pt_filter_v4, .filter_v6 = skel->maps.pt_filter_v6,
		.ports = skel->maps.pt_ports, .bss = (void **)&skel->bss,
		.generation_off = offsetof(typeof(*skel->bss), pt_generation),
	}, sh, pc);
	if (err)
		goto fail;
	err = pt_tcp_connect__attach(skel);
	if (err) {
		pt_err("tcp_connect: cannot attach to sock/inet_sock_set_state: %s", strerror(-err));
		goto fail;
	}
	*out = p;
	return 0;
fail:
	pt_probe_destroy(p);
	return err;
}

static int tcp_connect_decode(const void *data, size_t len, struct pt_event *ev,
			      const struct pt_ancestry **tree)
{
	const struct pt_conn_record *r = data;

	if (len < sizeof(*r))
		return -EINVAL;
	ev->probe = "tcp_connect";
	pt_addr_to_str(r->family, r->daddr, ev->daddr, sizeof(ev->daddr));
	pt_addr_to_str(r->family, r->saddr, ev->saddr, sizeof(ev->saddr));
	ev->port = r->dport;
	ev->has_port = true;
	*tree = &r->tree;
	return 0;
}

const struct pt_probe_desc pt_tcp_connect_desc = {
	.name = "tcp_connect",
	.kind = PT_PROBE_TCP_CONNECT,
	.record_type = PT_REC_TCP_CONNECT,
	.attach = "tp_btf/inet_sock_set_state (CLOSE -> SYN_SENT, in the connecting task)",
	.open = tcp_connect_open,
	.decode = tcp_connect_decode,
};

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

PT_PROBE_SKEL_ADAPTERS(tcp_connect)

static int tcp_connect_open(struct pt_probe **out, const struct pt_shared *sh,
			    const struct pt_probe_config *pc)
{
	struct pt_tcp_connect *skel;
	struct pt_probe *p;
	int err;

	p = pt_probe_alloc(&pt_tcp_connect_desc, tcp_connect_skel_destroy, 0, NULL);
	if (!p)
		return -ENOMEM;
	err = PT_PROBE_OPEN_SKEL(p, skel, tcp_connect, sh);
	if (!err)
		err = pt_probe_load(p, PT_PROBE_MAPS(skel, tcp_connect), sh, pc);
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

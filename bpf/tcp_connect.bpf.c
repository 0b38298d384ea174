// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_connect: every outbound TCP connection, reported when the socket moves
 * CLOSE -> SYN_SENT.  That transition runs in the connecting task (connect(2)
 * or a TCP Fast Open sendmsg), so the ancestry and argv read here are the
 * caller's own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "pidtree.h"
#include "ancestry.bpf.h"
#include "containers.bpf.h"
#include "filter.bpf.h"
#include "net.bpf.h"
#include "tcp_connect.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pt_tcp_connect, const struct sock *sk, const int oldstate, const int newstate)
{
	struct pt_conn_record *r;
	struct task_struct *task;
	__u32 tsize;
	__u8 daddr[16] = {}, saddr[16] = {};
	__u16 family, dport;

	if (oldstate != TCP_CLOSE || newstate != TCP_SYN_SENT)
		return 0;
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;

	family = sk->__sk_common.skc_family;
	dport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (family == AF_INET) {
		__builtin_memcpy(daddr, &sk->__sk_common.skc_daddr, 4);
		__builtin_memcpy(saddr, &sk->__sk_common.skc_rcv_saddr, 4);
	} else if (family == AF_INET6) {
		bpf_probe_read_kernel(daddr, 16, &sk->__sk_common.skc_v6_daddr);
		bpf_probe_read_kernel(saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		/* an IPv4-mapped destination is an IPv4 connection */
		family = pt_unmap_v4(daddr, family);
		if (family == AF_INET && pt_unmap_v4(saddr, AF_INET6) != AF_INET)
			__builtin_memset(saddr, 0, 16);
	} else {
		return 0;
	}

	if (pt_filter_drops(family, daddr, dport))
		return 0;
	if (pt_container_drops(PT_LOSS(PT_CONNECT_LOSS_CONTAINER)))
		return 0;

	r = pt_record(PT_REC(0));
	if (!r)
		return 0;
	task = bpf_get_current_task_btf();
	r->family = family;
	r->protocol = IPPROTO_TCP;
	r->dport = dport;
	r->sport = sk->__sk_common.skc_num;
	__builtin_memcpy(r->daddr, daddr, 16);
	__builtin_memcpy(r->saddr, saddr, 16);
	r->netns = sk->__sk_common.skc_net.net->ns.inum;
	r->pad = 0;
	r->hdr.flags = pt_capture_tree(&r->tree, task, &tsize);
	pt_output(r, PT_TREE_REC_LEN(r, tsize), PT_LOSS(PT_CONNECT_LOSS_RING));
	return 0;
}

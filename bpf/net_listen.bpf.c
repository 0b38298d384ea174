// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * net_listen: TCP listeners (sock/inet_sock_set_state CLOSE -> LISTEN, which
 * runs in the listen(2) caller) and UDP binds (cgroup post_bind4/6 on the
 * cgroup2 root, run in the bind(2) caller once the bind succeeded).
 * cgroup/bind4/6 remembers, per socket, whether the caller asked for port 0
 * (exclude_random_bind).  Every cgroup program returns 1: allow, always.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "pidtree.h"
#include "ancestry.bpf.h"
#include "containers.bpf.h"
#include "net_listen.h"
#include "filter.bpf.h"
#include "net.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* set by userland before load */
const volatile __u32 pt_protocols = PT_LISTEN_TCP;
const volatile bool pt_same_netns_only = false;
const volatile bool pt_exclude_random_bind = false;
const volatile __u32 pt_self_netns = 0;

/* per socket: bind(2) asked for port 0 */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} pt_random_bind SEC(".maps");

static __always_inline void emit_listen(__u16 family, const __u8 *laddr, __u16 port, __u16 proto,
					__u32 netns)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_conn_record *r;
	__u32 tsize;

	if (pt_same_netns_only && netns != pt_self_netns)
		return;
	if (pt_filter_drops(family, laddr, port))
		return;
	if (pt_container_drops(PT_LOSS(PT_LISTEN_LOSS_CONTAINER)))
		return;
	r = pt_record(PT_REC(0));
	if (!r)
		return;
	r->family = family;
	r->protocol = proto;
	r->sport = port;
	r->dport = 0;
	__builtin_memcpy(r->saddr, laddr, 16);
	__builtin_memset(r->daddr, 0, 16);
	r->netns = netns;
	r->pad = 0;
	r->hdr.flags = pt_capture_tree(&r->tree, task, &tsize);
	pt_output(r, PT_TREE_REC_LEN(r, tsize), PT_LOSS(PT_LISTEN_LOSS_RING));
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pt_tcp_listen, const struct sock *sk, const int oldstate, const int newstate)
{
	__u8 laddr[16] = {};
	__u16 family;

	if (newstate != TCP_LISTEN || oldstate != TCP_CLOSE)
		return 0;
	if (!(pt_protocols & PT_LISTEN_TCP) || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	family = sk->__sk_common.skc_family;
	if (family == AF_INET) {
		__builtin_memcpy(laddr, &sk->__sk_common.skc_rcv_saddr, 4);
	} else if (family == AF_INET6) {
		bpf_probe_read_kernel(laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		family = pt_unmap_v4(laddr, family);
	} else {
		return 0;
	}
	emit_listen(family, laddr, sk->__sk_common.skc_num, IPPROTO_TCP,
		    sk->__sk_common.skc_net.net->ns.inum);
	return 0;
}

static __always_inline void note_random_bind(struct bpf_sock_addr *ctx)
{
	__u8 *v;

	if (!pt_exclude_random_bind || ctx->protocol != IPPROTO_UDP)
		return;
	v = bpf_sk_storage_get(&pt_random_bind, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (v)
		*v = ctx->user_port == 0;
}

SEC("cgroup/bind4")
int pt_bind4(struct bpf_sock_addr *ctx)
{
	note_random_bind(ctx);
	return 1;
}

SEC("cgroup/bind6")
int pt_bind6(struct bpf_sock_addr *ctx)
{
	note_random_bind(ctx);
	return 1;
}

static __always_inline __u32 current_netns(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return task->nsproxy->net_ns->ns.inum;
}

static __always_inline void udp_bound(struct bpf_sock *sk, __u16 family, __u8 *laddr)
{
	__u8 *random;

	if (!(pt_protocols & PT_LISTEN_UDP) || sk->protocol != IPPROTO_UDP)
		return;
	if (pt_exclude_random_bind) {
		random = bpf_sk_storage_get(&pt_random_bind, sk, 0, 0);
		if (random && *random)
			return;
	}
	emit_listen(family, laddr, sk->src_port, IPPROTO_UDP, current_netns());
}

SEC("cgroup/post_bind4")
int pt_post_bind4(struct bpf_sock *sk)
{
	__u8 laddr[16] = {};
	__u32 ip = sk->src_ip4;

	__builtin_memcpy(laddr, &ip, 4);
	udp_bound(sk, AF_INET, laddr);
	return 1;
}

SEC("cgroup/post_bind6")
int pt_post_bind6(struct bpf_sock *sk)
{
	__u8 laddr[16];

	pt_ctx_ip6(laddr, sk->src_ip6);
	udp_bound(sk, pt_unmap_v4(laddr, AF_INET6), laddr);
	return 1;
}

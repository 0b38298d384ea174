// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * udp_session: datagrams sent from a socket, tracked per socket (cookie)
 * from its first send until it is closed.
 *   cgroup/sendmsg4/6   unconnected sendto/sendmsg: one datagram to ctx's address
 *   cgroup/connect4/6   connect(2) on a UDP socket: its destination ...
 *   cgroup_skb/egress   ... and the datagrams sent on it afterwards
 *   cgroup/sock_release the session ends: one record with every destination
 * The first datagram (or connect) emits a start record with the sender's
 * ancestry, so the tree is the one that started the session.  Sessions idle
 * for longer than session_max_duration are flushed by userland, which reads
 * and deletes them from pt_udp_sessions.
 * Every cgroup program returns 1 (allow) on every path.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "pidtree.h"
#include "ancestry.bpf.h"
#include "containers.bpf.h"
#include "udp_session.h"
#include "filter.bpf.h"
#include "net.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SOCK_DGRAM 2

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384); /* set by userland before load */
	__type(key, __u64);         /* socket cookie */
	__type(value, struct pt_udp_state);
} pt_udp_sessions SEC(".maps");

/* zeroed template for new sessions (too big for the BPF stack) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_udp_state);
} pt_udp_scratch SEC(".maps");

static __always_inline void emit_start(__u64 cookie)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_udp_start_record *r;
	__u32 tsize;

	r = pt_record(PT_REC(PT_UDP_REC_START));
	if (!r)
		return;
	r->cookie = cookie;
	r->hdr.flags = pt_capture_tree(&r->tree, task, &tsize);
	pt_output(r, PT_TREE_REC_LEN(r, tsize), PT_LOSS(PT_UDP_LOSS_RING));
}

static __always_inline struct pt_udp_state *session_get(__u64 cookie, __u64 now)
{
	struct pt_udp_state *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&pt_udp_sessions, &cookie);
	if (s)
		return s;
	s = bpf_map_lookup_elem(&pt_udp_scratch, &zero);
	if (!s)
		return NULL;
	__builtin_memset(s, 0, sizeof(*s));
	s->start_ns = now;
	s->last_ns = now;
	s->tgid = bpf_get_current_pid_tgid() >> 32;
	s->netns = bpf_get_current_task_btf()->nsproxy->net_ns->ns.inum;
	if (bpf_map_update_elem(&pt_udp_sessions, &cookie, s, BPF_NOEXIST)) {
		s = bpf_map_lookup_elem(&pt_udp_sessions, &cookie); /* a racing thread won */
		if (!s)
			pt_count_loss(PT_LOSS(PT_UDP_LOSS_UNTRACKED));
		return s;
	}
	emit_start(cookie);
	return bpf_map_lookup_elem(&pt_udp_sessions, &cookie);
}

static __always_inline bool same_addr(const __u8 *a, const __u8 *b)
{
	__u64 x[2], y[2];

	__builtin_memcpy(x, a, 16);
	__builtin_memcpy(y, b, 16);
	return x[0] == y[0] && x[1] == y[1];
}

/* Record one datagram (count = 1) or a connect (count = 0) to addr:port. */
static __always_inline void track(struct bpf_sock_addr *ctx, __u16 family, __u8 *addr, __u16 port,
				  __u32 count, bool connected)
{
	struct pt_udp_state *s;
	__u64 cookie, now;
	__u32 i, n;

	if (ctx->type != SOCK_DGRAM || ctx->protocol != IPPROTO_UDP)
		return;
	family = pt_unmap_v4(addr, family);
	if (pt_filter_drops(family, addr, port))
		return;
	/* before any session exists: no start record, no end record */
	if (pt_container_drops(PT_LOSS(PT_UDP_LOSS_CONTAINER)))
		return;
	cookie = bpf_get_socket_cookie(ctx);
	now = bpf_ktime_get_boot_ns();
	s = session_get(cookie, now);
	if (!s)
		return;
	s->last_ns = now;
	n = s->ndests;
	for (i = 0; i < PT_UDP_MAX_DESTS; i++) {
		struct pt_udp_kdest *d = &s->dests[i];

		if (i >= n)
			break;
		if (d->port == port && d->family == family && same_addr(d->addr, addr)) {
			/* to the connected destination: counted in egress */
			if (count && s->connected != i + 1)
				__sync_fetch_and_add(&d->count, 1);
			d->last_ns = now;
			if (connected)
				s->connected = i + 1;
			return;
		}
	}
	if (n >= PT_UDP_MAX_DESTS) {
		s->flags |= PT_UDP_F_DEST_OVERFLOW;
		return;
	}
	/* best effort under concurrent senders on one socket, like pidtree-bcc */
	s->ndests = n + 1;
	if (n < PT_UDP_MAX_DESTS) {
		struct pt_udp_kdest *d = &s->dests[n];

		__builtin_memcpy(d->addr, addr, 16);
		d->family = family;
		d->port = port;
		d->pad = 0;
		d->count = count;
		d->first_ns = now;
		d->last_ns = now;
		if (connected)
			s->connected = n + 1;
	}
}

static __always_inline void track4(struct bpf_sock_addr *ctx, __u32 count, bool connected)
{
	__u8 addr[16] = {};
	__u32 ip = ctx->user_ip4;

	__builtin_memcpy(addr, &ip, 4);
	track(ctx, AF_INET, addr, bpf_ntohs(ctx->user_port), count, connected);
}

static __always_inline void track6(struct bpf_sock_addr *ctx, __u32 count, bool connected)
{
	__u8 addr[16];

	pt_ctx_ip6(addr, ctx->user_ip6);
	track(ctx, AF_INET6, addr, bpf_ntohs(ctx->user_port), count, connected);
}

SEC("cgroup/sendmsg4")
int pt_sendmsg4(struct bpf_sock_addr *ctx)
{
	track4(ctx, 1, false);
	return 1;
}

SEC("cgroup/sendmsg6")
int pt_sendmsg6(struct bpf_sock_addr *ctx)
{
	track6(ctx, 1, false);
	return 1;
}

SEC("cgroup/connect4")
int pt_connect4(struct bpf_sock_addr *ctx)
{
	track4(ctx, 0, true);
	return 1;
}

SEC("cgroup/connect6")
int pt_connect6(struct bpf_sock_addr *ctx)
{
	track6(ctx, 0, true);
	return 1;
}

/*
 * The destination of a UDP packet: IPv4, or IPv6 without extension headers.
 * cgroup egress programs run before fragmentation (ip_finish_output), so the
 * UDP header is there; the fragment check is a guard, not a path.
 */
static __always_inline bool udp_dest(struct __sk_buff *skb, const __u8 *hdr, __u16 *family,
				     __u8 *addr, __u16 *port)
{
	__u8 ip6[40];
	__be16 dport;
	__u32 off;

	if ((hdr[0] >> 4) == 4) {
		if ((hdr[6] & 0x1f) || hdr[7]) /* not a first fragment */
			return false;
		__builtin_memcpy(addr, hdr + 16, 4);
		*family = AF_INET;
		if ((hdr[0] & 0x0f) == 5) { /* no options: the port is in hdr already */
			*port = ((__u16)hdr[22] << 8) | hdr[23];
			return true;
		}
		off = (hdr[0] & 0x0f) * 4 + 2;
	} else {
		if (bpf_skb_load_bytes(skb, 0, ip6, sizeof(ip6)))
			return false;
		__builtin_memcpy(addr, ip6 + 24, 16);
		*family = AF_INET6;
		off = 40 + 2;
	}
	if (bpf_skb_load_bytes(skb, off, &dport, sizeof(dport)))
		return false;
	*port = bpf_ntohs(dport);
	return true;
}

/*
 * Datagrams on a connected socket do not pass the sendmsg hook; count them
 * here, for tracked sockets only, when they go to the connected destination
 * (a sendto() with another address on a connected socket was counted by the
 * sendmsg hook, and one to the connected address is left to this program).
 * Runs for every egress packet of the host, so anything but UDP leaves after
 * one 24-byte header read.
 */
SEC("cgroup_skb/egress")
int pt_udp_egress(struct __sk_buff *skb)
{
	struct pt_udp_kdest *d;
	struct pt_udp_state *s;
	__u8 hdr[24], addr[16] = {}; /* IPv4 header and UDP ports, or IPv6's start */
	__u16 family, port;
	__u64 cookie, now;
	__u32 i;

	/* UDP only: IPv4 protocol byte, or IPv6 next header (no extension headers) */
	if (bpf_skb_load_bytes(skb, 0, hdr, sizeof(hdr)))
		return 1;
	if ((hdr[0] >> 4) == 4 ? hdr[9] != IPPROTO_UDP :
	    (hdr[0] >> 4) == 6 ? hdr[6] != IPPROTO_UDP : true)
		return 1;
	cookie = bpf_get_socket_cookie(skb);
	if (!cookie)
		return 1;
	s = bpf_map_lookup_elem(&pt_udp_sessions, &cookie);
	if (!s || !s->connected)
		return 1;
	i = s->connected - 1;
	if (i >= PT_UDP_MAX_DESTS)
		return 1;
	d = &s->dests[i];
	if (!udp_dest(skb, hdr, &family, addr, &port))
		return 1;
	if (d->port != port || d->family != family || !same_addr(d->addr, addr))
		return 1;
	now = bpf_ktime_get_boot_ns();
	__sync_fetch_and_add(&d->count, 1);
	d->last_ns = now;
	s->last_ns = now;
	return 1;
}

SEC("cgroup/sock_release")
int pt_udp_release(struct bpf_sock *sk)
{
	struct pt_udp_end_record *r;
	struct pt_udp_state *s;
	__u64 cookie;

	if (sk->protocol != IPPROTO_UDP)
		return 1;
	cookie = bpf_get_socket_cookie(sk);
	s = bpf_map_lookup_elem(&pt_udp_sessions, &cookie);
	if (!s)
		return 1;
	r = pt_record(PT_REC(PT_UDP_REC_END));
	if (r) {
		r->cookie = cookie;
		__builtin_memcpy(&r->s, s, sizeof(*s));
		pt_output(r, sizeof(*r), PT_LOSS(PT_UDP_LOSS_RING));
	}
	bpf_map_delete_elem(&pt_udp_sessions, &cookie);
	return 1;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dns: the DNS answers this host receives to the queries it sent, handed
 * to userland (src/probes/dns.c, then the name table of src/dns) so that
 * events can name their addresses.  Passive: nothing is ever sent.
 *   cgroup/connect4|6    a TCP socket connecting to a DNS port: remember
 *                        its owner (tgid, netns) in socket storage, in the
 *                        owner's own context
 *   cgroup_skb/egress    a query leaving (destination port is a DNS port):
 *                        remember (socket, server, server port, DNS id)
 *   cgroup_skb/ingress   an answer arriving (source port is a DNS port):
 *                        only when it matches a remembered query, which is
 *                        then forgotten, emit a record with up to
 *                        PT_DNS_CAP bytes of the message
 * So an unsolicited or forged answer, one to a socket that never asked, or
 * a second copy of an answer never reaches userland (counted unmatched).
 * Every program returns 1 (allow) on every path.
 *
 * Non-DNS packets (every packet of the host passes here): the IP header and
 * the 4 port bytes read in place (direct packet access; a copy only when the
 * headers are not in the linear part), the protocol and port compared, out.
 *
 * TCP (RFC 7766: a 2-byte length, then the message): stateless per
 * segment.  A segment's payload is taken to start with a message; up to two
 * messages in one segment are looked at (glibc writes its A and AAAA
 * queries with one writev, servers coalesce answers).  Continuation
 * segments of a long message find no pending query (their bytes would have
 * to match socket, server and DNS id) and are ignored; the message's first
 * segment was emitted with msg_len = the length prefix and cap_len = what
 * that segment held, and userland uses the records wholly inside that prefix.
 *
 * The owner of a query: for UDP the egress hook runs in the sending task
 * (udp_sendmsg -> ip_finish_output), so "current" is the sender.  TCP may
 * transmit from softirq, where "current" is whatever task was interrupted,
 * so only the owner recorded at connect(2) is used; a TCP socket connected
 * before pidtree started has none (PT_DNS_F_NO_OWNER: userland counts and
 * ignores its answers rather than credit the wrong process or namespace).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "pidtree.h"
#include "dns.h"
#include "ringbuf.bpf.h"
#include "net.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The DNS ports (host order); 0 = unused slot.  Set by userland before load. */
const volatile __u16 pt_dns_ports[PT_DNS_MAX_PORTS] = { 53 };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192); /* [dns] pending_entries, set by userland before load */
	__type(key, struct pt_dns_qkey);
	__type(value, struct pt_dns_qval);
} pt_dns_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pt_dns_owner);
} pt_dns_sk SEC(".maps");

/* (records are built in ringbuf.bpf.h's per-CPU scratch, copied at their used size) */
_Static_assert(sizeof(struct pt_dns_record) <= PT_SCRATCH_SIZE, "a DNS record fits the scratch");

static __always_inline bool dns_port(__u16 port)
{
	int i;

	for (i = 0; i < PT_DNS_MAX_PORTS; i++)
		if (pt_dns_ports[i] && pt_dns_ports[i] == port)
			return true;
	return false;
}

struct pkt {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 family;
	__u16 proto;
	__u16 sport;
	__u16 dport;
	__u32 l4;   /* offset of the transport header */
	__u32 data; /* offset of the transport payload */
	__u32 end;  /* skb->len */
};

#define U16_AT(h, i) (((__u16)(h)[i] << 8) | (h)[(i) + 1])

/*
 * The fast path, for every packet: TCP or UDP over IPv4 or IPv6 without
 * extension headers (as udp_session), and its ports.  The headers are read in place when they are in the skb's linear
 * part, as they are for locally made packets and on loopback; else copied.
 */
static __always_inline bool ports_of(struct __sk_buff *skb, struct pkt *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 buf[24], *h = data;
	__u8 w[4];

	if (data + 24 > end) {
		if (bpf_skb_load_bytes(skb, 0, buf, sizeof(buf)))
			return false;
		h = buf;
	}
	if ((h[0] >> 4) == 4) {
		/* (a later fragment has no ports: addrs_of() leaves it) */
		if (h[9] != IPPROTO_UDP && h[9] != IPPROTO_TCP)
			return false;
		p->proto = h[9];
		p->family = AF_INET;
		p->l4 = (h[0] & 0x0f) * 4;
		if (p->l4 == 20) {
			p->sport = U16_AT(h, 20);
			p->dport = U16_AT(h, 22);
			return true;
		}
		if (p->l4 < 20)
			return false;
	} else if ((h[0] >> 4) == 6) {
		if (h[6] != IPPROTO_UDP && h[6] != IPPROTO_TCP)
			return false;
		p->proto = h[6];
		p->family = AF_INET6;
		p->l4 = 40;
		if (data + 44 <= end) {
			__u8 *q = data;

			p->sport = U16_AT(q, 40);
			p->dport = U16_AT(q, 42);
			return true;
		}
	} else {
		return false;
	}
	if (bpf_skb_load_bytes(skb, p->l4, w, 4))
		return false;
	p->sport = U16_AT(w, 0);
	p->dport = U16_AT(w, 2);
	return true;
}

/*
 * A DNS packet (by its ports): its addresses and where its payload starts.
 * False for an IPv4 fragment other than the first, whose "ports" were
 * payload (egress programs run before fragmentation and ingress ones after
 * reassembly: a guard, not a path).
 */
static __always_inline bool addrs_of(struct __sk_buff *skb, struct pkt *p)
{
	__u8 b, frag[2];

	__builtin_memset(p->saddr, 0, 16);
	__builtin_memset(p->daddr, 0, 16);
	if (p->family == AF_INET) {
		if (bpf_skb_load_bytes(skb, 6, frag, 2) || (frag[0] & 0x1f) || frag[1])
			return false;
		if (bpf_skb_load_bytes(skb, 12, p->saddr, 4) ||
		    bpf_skb_load_bytes(skb, 16, p->daddr, 4))
			return false;
	} else {
		if (bpf_skb_load_bytes(skb, 8, p->saddr, 16) ||
		    bpf_skb_load_bytes(skb, 24, p->daddr, 16))
			return false;
	}
	if (p->proto == IPPROTO_UDP) {
		p->data = p->l4 + 8;
	} else {
		if (bpf_skb_load_bytes(skb, p->l4 + 12, &b, 1))
			return false;
		p->data = p->l4 + (b >> 4) * 4;
	}
	p->end = skb->len;
	return true;
}

/*
 * The DNS message starting at off (TCP: its length prefix at off): its
 * offset, length, id and flags.  False when the segment is too short.
 */
static __always_inline bool msg_at(struct __sk_buff *skb, const struct pkt *p, __u32 off,
				   __u32 *moff, __u32 *mlen, __u16 *id, __u16 *flags)
{
	__u8 w[4];

	if (p->proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, off, w, 2))
			return false;
		*mlen = U16_AT(w, 0);
		*moff = off + 2;
	} else {
		*moff = off;
		*mlen = p->end > off ? p->end - off : 0;
	}
	if (*mlen < 12 || *moff + 12 > p->end || bpf_skb_load_bytes(skb, *moff, w, 4))
		return false;
	*id = U16_AT(w, 0);
	*flags = U16_AT(w, 2);
	return true;
}

static __always_inline void note_query(struct __sk_buff *skb, const struct pkt *p, __u16 id)
{
	struct pt_dns_qkey k = {};
	struct pt_dns_qval v = {};
	struct pt_dns_owner *o = NULL;
	struct task_struct *task;
	struct bpf_sock *sk;

	k.cookie = bpf_get_socket_cookie(skb);
	__builtin_memcpy(k.peer, p->daddr, 16);
	k.peer_port = p->dport;
	k.id = id;
	k.family = (__u8)p->family;
	k.protocol = (__u8)p->proto;
	v.ts_ns = bpf_ktime_get_boot_ns();
	if (p->proto == IPPROTO_TCP) {
		sk = skb->sk;
		if (sk)
			sk = bpf_sk_fullsock(sk);
		if (sk)
			o = bpf_sk_storage_get(&pt_dns_sk, sk, 0, 0);
		if (o) {
			v.tgid = o->tgid;
			v.netns = o->netns;
		}
		/* keeps the compiler from sharing one load between the two
		 * pointer kinds (the verifier refuses that) */
		asm volatile("" ::: "memory");
	} else {
		task = bpf_get_current_task_btf();
		v.tgid = task->tgid;
		v.netns = task->nsproxy->net_ns->ns.inum;
	}
	if (!v.tgid)
		v.flags |= PT_DNS_F_NO_OWNER;
	bpf_map_update_elem(&pt_dns_pending, &k, &v, BPF_ANY);
}

static __always_inline void emit(struct __sk_buff *skb, const struct pkt *p, __u32 moff,
				 __u32 mlen, const struct pt_dns_qkey *k,
				 const struct pt_dns_qval *v)
{
	struct pt_dns_record *r;
	__u64 size, cap;

	r = pt_record(PT_REC(PT_DNS_REC_ANSWER));
	if (!r)
		return;
	/* 64-bit on purpose: a 32-bit value is zero-extended into another
	 * register and the verifier loses the bounds checked below */
	cap = (__u64)p->end - moff;
	if (cap > mlen)
		cap = mlen;
	if (cap > PT_DNS_CAP)
		cap = PT_DNS_CAP;
	if (cap < 12)
		return;
	if (bpf_skb_load_bytes(skb, moff, r->payload, cap))
		return;
	r->hdr.flags = v->flags | (cap < mlen ? PT_DNS_F_TRUNCATED : 0);
	r->netns = v->netns;
	r->tgid = v->tgid;
	r->cookie = k->cookie;
	r->query_ns = v->ts_ns;
	r->family = p->family;
	r->protocol = p->proto;
	r->sport = p->sport;
	r->dport = p->dport;
	__builtin_memcpy(r->saddr, p->saddr, 16);
	__builtin_memcpy(r->daddr, p->daddr, 16);
	r->msg_len = mlen;
	r->cap_len = cap;
	size = __builtin_offsetof(struct pt_dns_record, payload) + cap;
	pt_output(r, size, PT_LOSS(PT_DNS_LOSS_RING));
}

static __always_inline void match_answer(struct __sk_buff *skb, const struct pkt *p, __u16 id,
					 __u32 moff, __u32 mlen)
{
	struct pt_dns_qkey k = {};
	struct pt_dns_qval v, *pv;

	k.cookie = bpf_get_socket_cookie(skb);
	__builtin_memcpy(k.peer, p->saddr, 16);
	k.peer_port = p->sport;
	k.id = id;
	k.family = (__u8)p->family;
	k.protocol = (__u8)p->proto;
	pv = bpf_map_lookup_elem(&pt_dns_pending, &k);
	if (!pv) {
		pt_count_loss(PT_LOSS(PT_DNS_LOSS_UNMATCHED));
		return;
	}
	v = *pv;
	/* one answer per query: a copy or a replay is unmatched */
	if (bpf_map_delete_elem(&pt_dns_pending, &k))
		return; /* another CPU took it: that one emits it */
	emit(skb, p, moff, mlen, &k, &v);
}

#define DNS_QR 0x8000
#define DNS_OPCODE 0x7800

static __always_inline void scan(struct __sk_buff *skb, bool egress)
{
	__u32 off, moff, mlen;
	__u16 id, flags;
	struct pkt p;
	int i;

	if (!ports_of(skb, &p) || !dns_port(egress ? p.dport : p.sport))
		return;
	/* a DNS packet: the slow path starts here */
	if (!addrs_of(skb, &p))
		return;
	off = p.data;
	for (i = 0; i < 2; i++) {
		if (!msg_at(skb, &p, off, &moff, &mlen, &id, &flags)) {
			if (i == 0 && p.end > p.data)
				pt_count_loss(PT_LOSS(PT_DNS_LOSS_SHORT));
			return;
		}
		if (flags & DNS_OPCODE)
			; /* not QUERY: nothing pidtree uses */
		else if (egress && !(flags & DNS_QR))
			note_query(skb, &p, id);
		else if (!egress && (flags & DNS_QR))
			match_answer(skb, &p, id, moff, mlen);
		if (p.proto != IPPROTO_TCP)
			return;
		off = moff + mlen;
		if (off + 14 > p.end)
			return;
	}
}

SEC("cgroup_skb/egress")
int pt_dns_egress(struct __sk_buff *skb)
{
	scan(skb, true);
	return 1;
}

SEC("cgroup_skb/ingress")
int pt_dns_ingress(struct __sk_buff *skb)
{
	scan(skb, false);
	return 1;
}

static __always_inline void own(struct bpf_sock_addr *ctx)
{
	struct task_struct *task;
	struct pt_dns_owner *o;

	if (ctx->protocol != IPPROTO_TCP || !dns_port(bpf_ntohs(ctx->user_port)))
		return;
	o = bpf_sk_storage_get(&pt_dns_sk, ctx->sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return;
	task = bpf_get_current_task_btf();
	o->tgid = task->tgid;
	o->netns = task->nsproxy->net_ns->ns.inum;
}

SEC("cgroup/connect4")
int pt_dns_connect4(struct bpf_sock_addr *ctx)
{
	own(ctx);
	return 1;
}

SEC("cgroup/connect6")
int pt_dns_connect6(struct bpf_sock_addr *ctx)
{
	own(ctx);
	return 1;
}

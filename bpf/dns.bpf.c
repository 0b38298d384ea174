// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dns — DRAFT (issue 17, branch dns-core), not built by the Makefile and
 * not loaded by the daemon: the kernel side proposed in src/dns/README.md,
 * for the lead to review, adapt and wire in.  It compiles and passes the
 * verifier on 6.18 (see the note at the end); it has not been attached.
 *
 * DNS answers that match a query this host sent, handed to userland for
 * src/dns/ingest.c:
 *   cgroup/connect4|6    a TCP socket connecting to a DNS port: remember
 *                        its owner (tgid, netns) in socket storage, in the
 *                        owner's own context
 *   cgroup_skb/egress    a query leaving (destination port is a DNS port):
 *                        remember (socket, server, server port, id)
 *   cgroup_skb/ingress   an answer arriving (source port is a DNS port):
 *                        only when it matches a remembered query, which is
 *                        then forgotten, emit a PT_REC_DNS record with up to
 *                        PT_DNS_CAP bytes of the message
 * Every program returns 1 (allow) on every path.
 *
 * Non-DNS packets: one 40-byte header read, the protocol and port checks,
 * and out.
 *
 * TCP (RFC 7766: a 2-byte length, then the message): stateless per
 * segment.  A segment's payload is taken to start with a message; up to two
 * messages in one segment are looked at (glibc writes its A and AAAA
 * queries with one writev).  Continuation segments of a long message find
 * no pending query (their bytes would have to match socket, server and DNS
 * id) and are ignored; the message's first segment was emitted with
 * msg_len = the length prefix and cap_len = what that segment held, and
 * userland uses the records wholly inside that prefix.
 *
 * The owner of a query: for UDP the egress hook runs in the sending task
 * (udp_sendmsg -> ip_finish_output), so "current" is the sender; TCP may
 * transmit from softirq, so the owner recorded at connect(2) is preferred.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "pidtree.h"
#include "dns.h"
#include "proctree.bpf.h"
#include "net.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * UAPI struct __sk_buff (fixed ABI, read at its UAPI offsets).  DRAFT: to
 * move into vmlinux.h beside struct bpf_sock.
 */
struct __sk_buff {
	__u32 len;
	__u32 pkt_type;
	__u32 mark;
	__u32 queue_mapping;
	__u32 protocol;
	__u32 vlan_present;
	__u32 vlan_tci;
	__u32 vlan_proto;
	__u32 priority;
	__u32 ingress_ifindex;
	__u32 ifindex;
	__u32 tc_index;
	__u32 cb[5];
	__u32 hash;
	__u32 tc_classid;
	__u32 data;
	__u32 data_end;
	__u32 napi_id;
	__u32 family;
	__u32 remote_ip4;
	__u32 local_ip4;
	__u32 remote_ip6[4];
	__u32 local_ip6[4];
	__u32 remote_port;
	__u32 local_port;
	__u32 data_meta;
	union {
		void *flow_keys;
		__u64 :64;
	} __attribute__((aligned(8)));
	__u64 tstamp;
	__u32 wire_len;
	__u32 gso_segs;
	union {
		struct bpf_sock *sk;
		__u64 :64;
	} __attribute__((aligned(8)));
	__u32 gso_size;
};

/* The DNS ports (host order); 0 = unused slot.  Set by userland before load. */
const volatile __u16 pt_dns_ports[PT_DNS_MAX_PORTS] = { 53 };

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192); /* set by userland before load */
	__type(key, struct pt_dns_qkey);
	__type(value, struct pt_dns_qval);
} pt_dns_pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct pt_dns_owner);
} pt_dns_sk SEC(".maps");

/* the record is built here, then copied into the ring at its used size */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pt_dns_record);
} pt_dns_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PT_DNS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} pt_dns_stats SEC(".maps");

static __always_inline void stat(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&pt_dns_stats, &idx);

	if (v)
		*v += 1;
}

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
	__u32 data; /* offset of the transport payload */
	__u32 end;  /* skb->len */
};

/*
 * A UDP or TCP packet whose server-side port is a DNS port (destination
 * on egress, source on ingress), over IPv4 (not a later fragment) or IPv6
 * without extension headers.  Everything else returns false after the
 * first read.
 */
static __always_inline bool parse(struct __sk_buff *skb, struct pkt *p, bool egress)
{
	__u8 h[40], b;
	__u32 l4;
	__u16 ports[2];

	if (bpf_skb_load_bytes(skb, 0, h, sizeof(h)))
		return false;
	if ((h[0] >> 4) == 4) {
		if ((h[9] != IPPROTO_UDP && h[9] != IPPROTO_TCP) || (h[6] & 0x1f) || h[7])
			return false;
		l4 = (h[0] & 0x0f) * 4;
		if (l4 == 20) {
			__builtin_memcpy(ports, h + 20, 4);
		} else if (l4 < 20 || bpf_skb_load_bytes(skb, l4, ports, 4)) {
			return false;
		}
		p->proto = h[9];
	} else if ((h[0] >> 4) == 6) {
		if (h[6] != IPPROTO_UDP && h[6] != IPPROTO_TCP)
			return false;
		l4 = 40;
		if (bpf_skb_load_bytes(skb, l4, ports, 4))
			return false;
		p->proto = h[6];
	} else {
		return false;
	}
	p->sport = bpf_ntohs(ports[0]);
	p->dport = bpf_ntohs(ports[1]);
	if (!dns_port(egress ? p->dport : p->sport))
		return false;

	/* a DNS packet: the slow path starts here */
	__builtin_memset(p->saddr, 0, 16);
	__builtin_memset(p->daddr, 0, 16);
	if ((h[0] >> 4) == 4) {
		p->family = AF_INET;
		__builtin_memcpy(p->saddr, h + 12, 4);
		__builtin_memcpy(p->daddr, h + 16, 4);
	} else {
		p->family = AF_INET6;
		__builtin_memcpy(p->saddr, h + 8, 16);
		__builtin_memcpy(p->daddr, h + 24, 16);
	}
	if (p->proto == IPPROTO_UDP) {
		p->data = l4 + 8;
	} else {
		if (bpf_skb_load_bytes(skb, l4 + 12, &b, 1))
			return false;
		p->data = l4 + (b >> 4) * 4;
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
	__u16 w[2];

	if (p->proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, off, w, 2))
			return false;
		*mlen = bpf_ntohs(w[0]);
		*moff = off + 2;
	} else {
		*moff = off;
		*mlen = p->end > off ? p->end - off : 0;
	}
	if (*mlen < 12 || *moff + 12 > p->end || bpf_skb_load_bytes(skb, *moff, w, 4))
		return false;
	*id = bpf_ntohs(w[0]);
	*flags = bpf_ntohs(w[1]);
	return true;
}

static __always_inline void current_owner(struct pt_dns_qval *v)
{
	struct task_struct *task = bpf_get_current_task_btf();

	v->tgid = bpf_get_current_pid_tgid() >> 32;
	v->netns = task->nsproxy->net_ns->ns.inum;
	if (!v->tgid)
		v->flags |= PT_DNS_F_NO_OWNER; /* softirq on an idle CPU */
}

static __always_inline void note_query(struct __sk_buff *skb, const struct pkt *p, __u16 id)
{
	struct pt_dns_qkey k = {};
	struct pt_dns_qval v = {};
	struct pt_dns_owner *o = NULL;
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
	}
	if (o) {
		v.tgid = o->tgid;
		v.netns = o->netns;
	} else {
		current_owner(&v);
	}
	bpf_map_update_elem(&pt_dns_pending, &k, &v, BPF_ANY);
	stat(PT_DNS_STAT_QUERIES);
}

static __always_inline void emit(struct __sk_buff *skb, const struct pkt *p, __u32 moff,
				 __u32 mlen, const struct pt_dns_qkey *k,
				 const struct pt_dns_qval *v)
{
	struct pt_dns_record *r;
	__u64 size, avail, cap, flags = BPF_RB_NO_WAKEUP;
	__u32 zero = 0;

	r = bpf_map_lookup_elem(&pt_dns_scratch, &zero);
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
	r->hdr.type = PT_REC_DNS;
	r->hdr.flags = v->flags | (cap < mlen ? PT_DNS_F_TRUNCATED : 0);
	r->hdr.ts_ns = bpf_ktime_get_boot_ns();
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
	/* the wakeup policy of pt_submit (proctree.bpf.h) */
	avail = bpf_ringbuf_query(&pt_events, BPF_RB_AVAIL_DATA);
	if (avail + size + 8 >= pt_wakeup_bytes && avail < pt_wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&pt_events, r, size, flags))
		stat(PT_DNS_STAT_RING_FULL);
	else
		stat(PT_DNS_STAT_ANSWERS);
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
		stat(PT_DNS_STAT_UNMATCHED);
		return;
	}
	v = *pv;
	/* one answer per query: a copy or a replay is unmatched */
	bpf_map_delete_elem(&pt_dns_pending, &k);
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

	if (!parse(skb, &p, egress))
		return;
	off = p.data;
	for (i = 0; i < 2; i++) {
		if (!msg_at(skb, &p, off, &moff, &mlen, &id, &flags)) {
			if (i == 0 && p.end > p.data)
				stat(PT_DNS_STAT_SHORT);
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
	o->tgid = bpf_get_current_pid_tgid() >> 32;
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

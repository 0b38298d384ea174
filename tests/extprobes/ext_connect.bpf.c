// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ext_connect, the test suite's external network probe (tests/integration/
 * extprobes.sh): outbound TCP connections as tcp_connect sees them, through
 * the external probe ABI, so that the filter maps, their reload and the
 * event's address keys are exercised for external probes.  IPv4 and IPv6
 * destinations; IPv4-mapped ones are left as they are (tcp_connect's job).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "pidtree.h"
#include "ringbuf.bpf.h"
#include "ancestry.bpf.h"
#include "filter.bpf.h"
#include "net.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(ec_connect, const struct sock *sk, const int oldstate, const int newstate)
{
	struct pt_conn_record *r;
	__u32 tsize;
	__u8 daddr[16] = {}, saddr[16] = {};
	__u16 family, dport;

	if (oldstate != TCP_CLOSE || newstate != TCP_SYN_SENT || sk->sk_protocol != IPPROTO_TCP)
		return 0;
	family = sk->__sk_common.skc_family;
	dport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (family == AF_INET) {
		__builtin_memcpy(daddr, &sk->__sk_common.skc_daddr, 4);
		__builtin_memcpy(saddr, &sk->__sk_common.skc_rcv_saddr, 4);
	} else if (family == AF_INET6) {
		bpf_probe_read_kernel(daddr, 16, &sk->__sk_common.skc_v6_daddr);
		bpf_probe_read_kernel(saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	} else {
		return 0;
	}
	if (pt_filter_drops(family, daddr, dport)) {
		pt_count_loss(PT_LOSS(1)); /* "counted": filtered in the kernel */
		return 0;
	}
	r = pt_record(PT_REC(0));
	if (!r)
		return 0;
	r->family = family;
	r->protocol = IPPROTO_TCP;
	r->dport = dport;
	r->sport = sk->__sk_common.skc_num;
	__builtin_memcpy(r->daddr, daddr, 16);
	__builtin_memcpy(r->saddr, saddr, 16);
	r->netns = 0;
	r->pad = 0;
	r->hdr.flags = pt_capture_tree(&r->tree, bpf_get_current_task_btf(), &tsize);
	pt_output(r, PT_TREE_REC_LEN(r, tsize), PT_LOSS(0));
	return 0;
}

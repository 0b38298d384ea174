// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Two cgroup_skb programs that do nothing but allow the packet: the floor
 * of what bpf_stats reports for any cgroup_skb program on this machine (the
 * dispatch and the statistics' own clock reads), for bench/dns_kernel.sh.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("cgroup_skb/egress")
int pt_bench_empty_eg(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup_skb/ingress")
int pt_bench_empty_in(struct __sk_buff *skb)
{
	return 1;
}

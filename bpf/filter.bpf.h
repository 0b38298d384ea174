/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * In-kernel event filter, one instance per probe object.  Semantics (the
 * userland model is pt_filter_drops() in src/core/filter.c):
 *   1. global ports: includeports -> drop every port not listed;
 *      excludeports -> drop every port listed.
 *   2. longest-prefix match of the address in the v4 or v6 trie:
 *      no match -> keep; ALL -> drop; EXCEPT -> drop unless the port is in a
 *      range; INCLUDE -> drop only if the port is in a range.
 * Keys and bitmaps carry a generation: userland fills the idle generation,
 * then flips pt_generation, then removes the old entries, so a lookup never
 * sees half a configuration.
 */
#ifndef PIDTREE_FILTER_BPF_H
#define PIDTREE_FILTER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "pidtree.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct pt_lpm_v4_key);
	__type(value, struct pt_filter_value);
} pt_filter_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, struct pt_lpm_v6_key);
	__type(value, struct pt_filter_value);
} pt_filter_v6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2); /* one bitmap per generation */
	__type(key, __u32);
	__type(value, struct pt_port_bitmap);
} pt_ports SEC(".maps");

/* Live filter generation (0 or 1); written by userland through the skeleton. */
volatile __u32 pt_generation;

static __always_inline bool pt_port_in_ranges(const struct pt_filter_value *v, __u16 port)
{
	int i;

	for (i = 0; i < PT_MAX_PORT_RANGES; i++) {
		if (i >= v->nranges)
			break;
		if (port >= v->ranges[i].lo && port <= v->ranges[i].hi)
			return true;
	}
	return false;
}

static __always_inline bool pt_subnet_drops(const struct pt_filter_value *v, __u16 port)
{
	if (!v)
		return false;
	switch (v->mode) {
	case PT_FILTER_ALL:
		return true;
	case PT_FILTER_EXCEPT:
		return !pt_port_in_ranges(v, port);
	case PT_FILTER_INCLUDE:
		return pt_port_in_ranges(v, port);
	}
	return false;
}

/* addr: 4 bytes for AF_INET (2), 16 for AF_INET6 (10), network order. */
static __always_inline bool pt_filter_drops(__u16 family, const __u8 *addr, __u16 port)
{
	__u32 gen = pt_generation & 1;
	struct pt_port_bitmap *pb;
	struct pt_filter_value *v;

	pb = bpf_map_lookup_elem(&pt_ports, &gen);
	if (pb && pb->mode != PT_PORTS_NONE) {
		bool set = (pb->bits[(port >> 6) & 1023] >> (port & 63)) & 1;

		if (pb->mode == PT_PORTS_INCLUDE && !set)
			return true;
		if (pb->mode == PT_PORTS_EXCLUDE && set)
			return true;
	}

	if (family == 2) {
		struct pt_lpm_v4_key k = { .prefixlen = 8 + 32, .gen = gen };

		__builtin_memcpy(k.addr, addr, 4);
		v = bpf_map_lookup_elem(&pt_filter_v4, &k);
	} else {
		struct pt_lpm_v6_key k = { .prefixlen = 8 + 128, .gen = gen };

		__builtin_memcpy(k.addr, addr, 16);
		v = bpf_map_lookup_elem(&pt_filter_v6, &k);
	}
	return pt_subnet_drops(v, port);
}

#endif

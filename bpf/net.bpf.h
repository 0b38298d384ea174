/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small network helpers shared by the probes. */
#ifndef PIDTREE_NET_BPF_H
#define PIDTREE_NET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define TCP_LISTEN 10

/*
 * Copy an IPv6 address out of a socket program's context (__u32[4]): the
 * verifier allows only 32-bit loads of those fields, so word by word.
 */
#define pt_ctx_ip6(dst, words)                                                                    \
	do {                                                                                      \
		__u32 w_[4] = { (words)[0], (words)[1], (words)[2], (words)[3] };                 \
		__builtin_memcpy((dst), w_, 16);                                                  \
	} while (0)

/*
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is an IPv4 address: move the
 * four bytes to the front, clear the rest, return AF_INET.  Else family.
 */
static __always_inline __u16 pt_unmap_v4(__u8 *a, __u16 family)
{
	__u32 w[4];

	if (family != AF_INET6)
		return family;
	__builtin_memcpy(w, a, 16);
	if (w[0] != 0 || w[1] != 0 || w[2] != bpf_htonl(0x0000ffff))
		return family;
	__builtin_memset(a, 0, 16);
	__builtin_memcpy(a, &w[3], 4);
	return AF_INET;
}

#endif

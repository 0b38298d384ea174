/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Listening sockets that already exist, for net_listen's periodic
 * snapshots: sock_diag netlink (TCP LISTEN, bound unconnected UDP) in
 * pidtree's network namespace, and the owning process of each socket inode
 * from /proc/PID/fd.
 */
#ifndef PIDTREE_LISTENERS_H
#define PIDTREE_LISTENERS_H

#include <stddef.h>
#include <stdint.h>

struct pt_listener {
	int family;       /* AF_INET / AF_INET6 */
	uint8_t addr[16]; /* v4 in the first 4 bytes */
	uint16_t port;
	int protocol;     /* IPPROTO_TCP / IPPROTO_UDP */
	uint64_t inode;
	uint32_t pid;     /* owner, 0 when not found */
};

/* protocols: PT_LISTEN_TCP | PT_LISTEN_UDP.  *out is malloc'd. 0 or -errno. */
int pt_listeners_collect(unsigned int protocols, struct pt_listener **out, size_t *n);
/* Fill l[i].pid from /proc/PID/fd/ (first process holding the inode). */
int pt_listeners_find_owners(struct pt_listener *l, size_t n, const char *proc_root);

#endif

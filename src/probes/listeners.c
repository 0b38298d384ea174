// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "listeners.h"
#include "net_listen.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "pidtree.h"
#include "log.h"

#define TCP_ESTABLISHED 1
#define TCP_CLOSE 7
#define TCP_LISTEN 10

struct vec {
	struct pt_listener *v;
	size_t n, cap;
};

static int vec_push(struct vec *a, const struct pt_listener *l)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		struct pt_listener *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *l;
	return 0;
}

/* One SOCK_DIAG_BY_FAMILY dump for (family, protocol, states). */
static int dump(int fd, int family, int protocol, uint32_t states, struct vec *out)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 req;
	} msg = {
		.nh = { .nlmsg_len = sizeof(msg), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.req = { .sdiag_family = family, .sdiag_protocol = protocol,
			 .idiag_states = states },
	};
	static char buf[32768];
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&nl, sizeof(nl)) < 0)
		return -errno;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);
			struct pt_listener l = { 0 };

			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error ? e->error : -EIO;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			l.family = m->idiag_family;
			l.protocol = protocol;
			l.port = ntohs(m->id.idiag_sport);
			l.inode = m->idiag_inode;
			memcpy(l.addr, m->id.idiag_src, family == AF_INET ? 4 : 16);
			if (protocol == IPPROTO_UDP && (m->idiag_state != TCP_CLOSE || !l.port))
				continue; /* connected or unbound UDP socket: not listening */
			if (family == AF_INET6 && IN6_IS_ADDR_V4MAPPED((struct in6_addr *)l.addr)) {
				memmove(l.addr, l.addr + 12, 4);
				memset(l.addr + 4, 0, 12);
				l.family = AF_INET;
			}
			if (vec_push(out, &l))
				return -ENOMEM;
		}
	}
}

int pt_listeners_collect(unsigned int protocols, struct pt_listener **out, size_t *n)
{
	struct vec v = { 0 };
	int fd, err = 0;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	if (protocols & PT_LISTEN_TCP) {
		err = dump(fd, AF_INET, IPPROTO_TCP, 1u << TCP_LISTEN, &v);
		if (!err)
			err = dump(fd, AF_INET6, IPPROTO_TCP, 1u << TCP_LISTEN, &v);
	}
	if (!err && (protocols & PT_LISTEN_UDP)) {
		err = dump(fd, AF_INET, IPPROTO_UDP, 1u << TCP_CLOSE, &v);
		if (!err)
			err = dump(fd, AF_INET6, IPPROTO_UDP, 1u << TCP_CLOSE, &v);
	}
	close(fd);
	if (err) {
		free(v.v);
		return err;
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

static int cmp_inode(const void *a, const void *b)
{
	const struct pt_listener *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

static struct pt_listener *find_inode(struct pt_listener *l, size_t n, uint64_t inode)
{
	struct pt_listener key = { .inode = inode };

	return bsearch(&key, l, n, sizeof(*l), cmp_inode);
}

int pt_listeners_find_owners(struct pt_listener *l, size_t n, const char *proc_root)
{
	char path[512], link[64];
	struct dirent *pd, *fdd;
	DIR *proc, *fds;

	if (!n)
		return 0;
	qsort(l, n, sizeof(*l), cmp_inode);
	proc = opendir(proc_root);
	if (!proc)
		return -errno;
	while ((pd = readdir(proc))) {
		unsigned long pid;
		char *end;

		if (pd->d_name[0] < '1' || pd->d_name[0] > '9')
			continue;
		pid = strtoul(pd->d_name, &end, 10);
		if (*end)
			continue;
		snprintf(path, sizeof(path), "%s/%lu/fd", proc_root, pid);
		fds = opendir(path);
		if (!fds)
			continue; /* gone, or not ours to read */
		while ((fdd = readdir(fds))) {
			struct pt_listener *hit;
			unsigned long long ino;
			ssize_t len;

			if (fdd->d_name[0] == '.')
				continue;
			len = readlinkat(dirfd(fds), fdd->d_name, link, sizeof(link) - 1);
			if (len <= 0)
				continue;
			link[len] = '\0';
			if (sscanf(link, "socket:[%llu]", &ino) != 1)
				continue;
			hit = find_inode(l, n, ino);
			/* sockets shared across fork: keep the first (lowest pid seen) */
			if (hit && !hit->pid)
				hit->pid = (uint32_t)pid;
		}
		closedir(fds);
	}
	closedir(proc);
	return 0;
}

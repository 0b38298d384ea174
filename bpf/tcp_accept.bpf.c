// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tcp_accept: every accepted TCP connection, with the ancestry of the task
 * that accepted it.
 *
 * Hooks, and why:
 *   tracepoint/syscalls/sys_exit_accept4, sys_exit_accept
 *       accept(2) and accept4(2) return in the accepting task: its ancestry
 *       is the one wanted (a pre-forked server's child, a socket-activated
 *       service handed its listener by systemd), which the handshake never
 *       shows (it completes in softirq, in no task of the server).  The new
 *       socket is found from the returned fd in the task's own file table.
 *       These two tracepoints cost nothing to other syscalls (the raw
 *       sys_exit tracepoint would run on every syscall of the host), but
 *       need tracefs to attach.  io_uring's accept is not seen.
 *   tp_btf/inet_sock_set_state  SYN_RECV -> ESTABLISHED (a passive open)
 *       records the connection as waiting in the accept queue; an accept
 *       takes it out; one that reaches CLOSE still waiting was never
 *       accepted, and is only counted (backlog overflow, SYN floods: never
 *       reported one by one).
 * Filters match the remote peer's address; the port filters the local
 * (service) port, as "port" is for tcp_connect.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "pidtree.h"
#include "ancestry.bpf.h"
#include "containers.bpf.h"
#include "filter.bpf.h"
#include "net.bpf.h"
#include "tcp_accept.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TCP_ESTABLISHED 1
#define TCP_SYN_RECV 3
#define TCP_CLOSE_WAIT 8

/* passive opens not yet accepted, by socket address */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u8);
} pt_accept_pending SEC(".maps");

/*
 * The socket behind fd in the current task's file table, or NULL.  (CO-RE
 * reads: the same on kernels with and without bpf_get_current_task_btf.)
 */
static __always_inline struct sock *fd_sock(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;
	struct socket *sock;

	if (fd < 0 || !fdt || (unsigned long)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline int on_accept(long fd)
{
	struct pt_conn_record *r;
	__u8 peer[16] = {}, local[16] = {};
	__u16 family, lport, pport;
	struct sock *sk;
	__u32 tsize;
	__u64 key;

	if (fd < 0)
		return 0;
	sk = fd_sock(fd);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family != AF_INET && family != AF_INET6) || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0; /* a unix socket, or not TCP */
	key = (__u64)sk;
	bpf_map_delete_elem(&pt_accept_pending, &key);
	lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	pport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);

		__builtin_memcpy(peer, &a, 4);
		__builtin_memcpy(local, &l, 4);
	} else {
		BPF_CORE_READ_INTO(&peer, sk, __sk_common.skc_v6_daddr);
		BPF_CORE_READ_INTO(&local, sk, __sk_common.skc_v6_rcv_saddr);
		/* an IPv4 peer on a dual-stack listener is an IPv4 connection */
		family = pt_unmap_v4(peer, family);
		if (family == AF_INET && pt_unmap_v4(local, AF_INET6) != AF_INET)
			__builtin_memset(local, 0, 16);
	}
	if (pt_filter_drops(family, peer, lport))
		return 0;
	if (pt_container_drops(PT_LOSS(PT_ACCEPT_LOSS_CONTAINER), PT_IN_TRACING))
		return 0;
	r = pt_record(PT_REC(0));
	if (!r)
		return 0;
	r->family = family;
	r->protocol = IPPROTO_TCP;
	r->dport = lport;
	r->sport = pport;
	__builtin_memcpy(r->saddr, peer, 16);
	__builtin_memcpy(r->daddr, local, 16);
	r->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	r->pad = 0;
	r->hdr.flags = pt_capture_current(&r->tree, PT_IN_TRACING, &tsize);
	pt_output(r, PT_TREE_REC_LEN(r, tsize), PT_LOSS(PT_ACCEPT_LOSS_RING));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int pt_accept4_exit(struct pt_sys_exit_ctx *ctx)
{
	return on_accept(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int pt_accept_exit(struct pt_sys_exit_ctx *ctx)
{
	return on_accept(ctx->ret);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(pt_accept_queue, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk;
	__u8 one = 1;

	/*
	 * A connection still in the accept queue is ESTABLISHED, or CLOSE_WAIT
	 * once its peer has sent FIN; it closes from one of those (a reset, or
	 * its listener closed: tcp_disconnect()).  Every other close (a
	 * refused or timed-out connect from SYN_SENT, the end of a FIN
	 * handshake) is left alone without a map lookup: this runs on every
	 * TCP state change of the host.
	 */
	if (newstate == TCP_CLOSE) {
		if (oldstate != TCP_ESTABLISHED && oldstate != TCP_CLOSE_WAIT)
			return 0;
	} else if (oldstate != TCP_SYN_RECV || newstate != TCP_ESTABLISHED) {
		return 0;
	}
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (newstate == TCP_ESTABLISHED) {
		bpf_map_update_elem(&pt_accept_pending, &key, &one, BPF_ANY);
		return 0;
	}
	if (!bpf_map_delete_elem(&pt_accept_pending, &key))
		pt_count_loss(PT_LOSS(PT_ACCEPT_LOSS_NOT_ACCEPTED));
	return 0;
}

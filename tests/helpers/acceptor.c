// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * acceptor MODE ADDR N [ARG...] - a TCP server for the tcp_accept tests.
 * Listens on ADDR (IPv4 or IPv6) and port $ACCEPTOR_PORT (default 0: any),
 * prints "PORT" on stdout, then:
 *   accept            accept(2) N connections in this process
 *   accept4           accept4(2) with SOCK_NONBLOCK|SOCK_CLOEXEC, N times
 *   fork              a child (pre-forked server) accept()s N connections;
 *                     prints the child's pid on stdout
 *   none              never accepts; exits after N seconds
 * Accepted sockets are closed at once.  The backlog is the host's most
 * (somaxconn): a connect whose SYN finds the accept queue full is dropped
 * and retried 1 s later.  Exits 0 when done.  Extra arguments
 * are markers in the cmdline.  Only loopback addresses are passed here.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int accept_n(int l, int n, int use4)
{
	for (int i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = l, .events = POLLIN };
		int c;

		if (poll(&pfd, 1, 20000) != 1)
			return 1;
		c = use4 ? accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC) : accept(l, NULL, NULL);
		if (c < 0) {
			perror("accept");
			return 1;
		}
		close(c);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t slen;
	const char *mode;
	int l, n, one = 1, rc;
	pid_t child;

	if (argc < 4) {
		fprintf(stderr, "usage: acceptor accept|accept4|fork|none ADDR N [ARG...]\n");
		return 2;
	}
	mode = argv[1];
	n = atoi(argv[3]);
	if (inet_pton(AF_INET, argv[2], &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		slen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, argv[2], &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		slen = sizeof(*sin6);
	} else {
		return 2;
	}
	if (getenv("ACCEPTOR_PORT")) {
		uint16_t p = htons((uint16_t)atoi(getenv("ACCEPTOR_PORT")));

		if (ss.ss_family == AF_INET)
			sin->sin_port = p;
		else
			sin6->sin6_port = p;
	}
	l = socket(ss.ss_family, SOCK_STREAM, 0);
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(l, (struct sockaddr *)&ss, slen) || listen(l, 4096) ||
	    getsockname(l, (struct sockaddr *)&ss, &slen)) {
		perror("listen");
		return 1;
	}
	printf("%u\n", ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port));
	fflush(stdout);
	if (!strcmp(mode, "none")) {
		sleep((unsigned int)n);
		return 0;
	}
	if (strcmp(mode, "fork"))
		return accept_n(l, n, !strcmp(mode, "accept4"));
	child = fork();
	if (child == 0)
		_exit(accept_n(l, n, 0));
	printf("%d\n", (int)child);
	fflush(stdout);
	if (waitpid(child, &rc, 0) < 0)
		return 1;
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * netops - the socket operations tests/integration/containers.sh makes
 * inside containers (built static: the test image holds busybox alone):
 *   netops tcp ADDR PORT          one TCP connect (refused is fine: the SYN was sent)
 *   netops listen ADDR PORT SECS  a TCP listener for SECS seconds
 *   netops bind ADDR PORT SECS    a bound UDP socket for SECS seconds
 *   netops udp ADDR PORT N        N datagrams from one socket, then close
 * IPv4 only.  The tests pass loopback addresses only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, n, one = 1;

	if (argc < 4 || inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1) {
		fprintf(stderr, "usage: netops tcp|listen|bind|udp ADDR PORT [SECS|N]\n");
		return 2;
	}
	sin.sin_port = htons((unsigned short)atoi(argv[3]));
	n = argc > 4 ? atoi(argv[4]) : 1;
	if (!strcmp(argv[1], "tcp")) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return fail("socket");
		connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	} else if (!strcmp(argv[1], "listen") || !strcmp(argv[1], "bind")) {
		bool tcp = argv[1][0] == 'l';

		fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
		if (fd < 0)
			return fail("socket");
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
			return fail("bind");
		if (tcp && listen(fd, 4))
			return fail("listen");
		sleep((unsigned int)n);
	} else if (!strcmp(argv[1], "udp")) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			return fail("socket");
		for (int i = 0; i < n; i++)
			if (sendto(fd, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
				return fail("sendto");
	} else {
		fprintf(stderr, "netops: unknown operation %s\n", argv[1]);
		return 2;
	}
	close(fd);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * connector ADDR PORT [ARG...] - make one TCP connect to ADDR:PORT and exit.
 * Extra arguments are ignored (tests use them as markers in the cmdline).
 * Exits 0 whether the connect succeeds or is refused: the SYN was sent.
 * Only loopback and test-namespace addresses are ever passed here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t slen;
	int fd, port;

	if (argc < 3) {
		fprintf(stderr, "usage: connector ADDR PORT [ARG...]\n");
		return 2;
	}
	port = atoi(argv[2]);
	if (inet_pton(AF_INET, argv[1], &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		slen = sizeof(*sin);
	} else if (inet_pton(AF_INET6, argv[1], &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		slen = sizeof(*sin6);
	} else {
		fprintf(stderr, "connector: bad address %s\n", argv[1]);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (connect(fd, (struct sockaddr *)&ss, slen) && errno != ECONNREFUSED) {
		perror("connect");
		return 1;
	}
	close(fd);
	return 0;
}

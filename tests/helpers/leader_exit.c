// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * leader_exit ADDR PORT FIFO [ARG...] - the thread-group leader exits
 * (pthread_exit in main) while a second thread lives on; that thread writes
 * "exited" to FIFO, waits for a line back (the test churns the process cache
 * meanwhile), then forks a child that connects to ADDR:PORT, waits for it
 * and exits.  Extra arguments are markers in the cmdline.  Only loopback
 * addresses are passed here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *addr, *fifo;
static int port;

/* Whether the leader thread has exited: it is a zombie (state Z) then. */
static int leader_gone(void)
{
	char buf[512], *p;
	FILE *f = fopen("/proc/self/stat", "r"); /* the leader's own */
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* after the comm, whatever it holds */
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

static void *worker(void *arg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	char line[16];
	FILE *f;
	pid_t child;
	int fd;

	for (int i = 0; !leader_gone(); i++) {
		if (i == 1000) {
			fprintf(stderr, "leader_exit: the leader thread did not exit\n");
			exit(1);
		}
		usleep(10 * 1000);
	}
	f = fopen(fifo, "r+");
	if (!f) {
		perror("fifo");
		exit(1);
	}
	fprintf(f, "exited\n");
	fflush(f);
	sleep(1); /* let the test read our line before we read its answer */
	if (!fgets(line, sizeof(line), f))
		exit(1);
	fclose(f);
	child = fork();
	if (child == 0) {
		sin.sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
			_exit(2);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
			       errno != ECONNREFUSED))
			_exit(1);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	exit(0);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 4) {
		fprintf(stderr, "usage: leader_exit ADDR PORT FIFO [ARG...]\n");
		return 2;
	}
	addr = argv[1];
	port = atoi(argv[2]);
	fifo = argv[3];
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	pthread_exit(NULL); /* the leader goes; the process does not */
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * loadgen - connect load from a process tree of a given depth.
 *
 *   loadgen -d DEPTH {-t SECONDS | -n COUNT} [-r RATE] [-a ADDR] [-p PORT] [-u]
 *
 * Builds a chain of DEPTH-1 processes above the connecting one (each level
 * re-executes loadgen with "-L N", so every ancestor has its own
 * cmdline), then the deepest process connects to ADDR:PORT (default
 * 127.0.0.1, a closed port: SYN then RST, the cheapest full connect) as fast
 * as it can or at RATE connects/s, for SECONDS or until COUNT connects are
 * done.  Prints "connects=N seconds=S rate=R/s pid=P cpu_ns=C" on stdout, P
 * being the connecting process (what monitors see) and C its CPU time
 * (user + system) in the loop: what a monitor adds to the connecting task
 * itself (BPF programs, audit records) shows there even when other load on
 * the machine blurs the rate.  Loopback only.
 *
 * -u: UDP instead: the deepest process binds a receiver on ADDR (port 0,
 * never read, so datagrams are dropped there without ICMP), connects one
 * UDP socket to it and send()s 64-byte datagrams; prints "sends=N ...".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int connect_loop(const char *addr, int port, double seconds, double rate,
			unsigned long count)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	unsigned long n = 0;
	double start, t, next, cpu;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: %s: only 127.0.0.0/8 addresses are allowed\n", addr);
		return 2;
	}
	cpu = cpu_now();
	start = now();
	next = start;
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0) {
			perror("socket");
			return 1;
		}
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) && errno != ECONNREFUSED) {
			perror("connect");
			close(fd);
			return 1;
		}
		close(fd);
		n++;
		if (count) {
			if (n == count)
				break;
			if (rate <= 0)
				continue;
		}
		if ((n & 63) == 0 || rate > 0) {
			t = now();
			if (!count && t - start >= seconds)
				break;
			if (rate > 0) {
				next += 1.0 / rate;
				if (next > t) {
					struct timespec ts = { 0, (long)((next - t) * 1e9) };

					nanosleep(&ts, NULL);
				}
			}
		}
	}
	t = now() - start;
	cpu = cpu_now() - cpu;
	printf("connects=%lu seconds=%.3f rate=%.0f/s pid=%d cpu_ns=%.0f\n", n, t, n / t,
	       (int)getpid(), cpu * 1e9);
	return 0;
}

static int udp_loop(const char *addr, double seconds)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	unsigned long n = 0;
	char buf[64] = "pidtree-bench";
	double start, t;
	int rx, tx;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "loadgen: %s: only 127.0.0.0/8 addresses are allowed\n", addr);
		return 2;
	}
	rx = socket(AF_INET, SOCK_DGRAM, 0);
	tx = socket(AF_INET, SOCK_DGRAM, 0);
	if (rx < 0 || tx < 0 || bind(rx, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(rx, (struct sockaddr *)&sin, &len) ||
	    connect(tx, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("udp socket");
		return 1;
	}
	start = now();
	for (;;) {
		if (send(tx, buf, sizeof(buf), 0) < 0 && errno != ENOBUFS && errno != EAGAIN) {
			perror("send");
			return 1;
		}
		n++;
		if ((n & 255) == 0 && now() - start >= seconds)
			break;
	}
	t = now() - start;
	close(tx);
	close(rx);
	printf("sends=%lu seconds=%.3f rate=%.0f/s\n", n, t, n / t);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	int depth = 7, port = 9, level = 1, udp = 0, c, status;
	double seconds = 5, rate = 0;
	unsigned long count = 0;
	char lvl[16], dep[16], sec[32], rt[32], prt[16], cnt[24];
	pid_t pid;

	static const char *const usage =
		"usage: loadgen [-d DEPTH] [-t SECONDS | -n COUNT] [-r RATE] [-a 127.x.y.z] [-p PORT] [-u]\n";
	while ((c = getopt(argc, argv, "d:t:n:r:a:p:L:u")) != -1) {
		switch (c) {
		case 'd': depth = atoi(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'r': rate = atof(optarg); break;
		case 'a': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'L': level = atoi(optarg); break;
		case 'u': udp = 1; break;
		default: fputs(usage, stderr); return 2;
		}
	}
	if (depth < 1 || depth > 64) {
		fputs(usage, stderr);
		return 2;
	}
	/* the ancestors above us (the shell that ran us, ...) also count; the
	 * chain built here adds depth-1 levels on top of the caller's tree */
	if (level >= depth)
		return udp ? udp_loop(addr, seconds) : connect_loop(addr, port, seconds, rate, count);

	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		snprintf(lvl, sizeof(lvl), "%d", level + 1);
		snprintf(dep, sizeof(dep), "%d", depth);
		snprintf(sec, sizeof(sec), "%g", seconds);
		snprintf(rt, sizeof(rt), "%g", rate);
		snprintf(prt, sizeof(prt), "%d", port);
		snprintf(cnt, sizeof(cnt), "%lu", count);
		execl("/proc/self/exe", "loadgen", "-L", lvl, "-d", dep, "-t", sec, "-n", cnt, "-r",
		      rt, "-a", addr, "-p", prt, udp ? "-u" : (char *)NULL, (char *)NULL);
		perror("exec");
		_exit(1);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

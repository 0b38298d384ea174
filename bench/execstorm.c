// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * execstorm - fork+exec of a program (default /bin/true) in a loop, the
 * shape of Sysmon for Linux's perftest.
 *
 *   execstorm [-n COUNT] [-t SECONDS] [-r RATE] [-p PROGRAM]
 *
 * One process forks, the child execs PROGRAM with no arguments, the parent
 * waits for it, and again: as fast as that goes, or at RATE execs/s.  Stops
 * after COUNT execs or SECONDS, whichever comes first.  Prints "execs=N seconds=S rate=R/s
 * failed=F cpu_ns=C" on stdout; F counts children that did not exit 0 (an
 * exec that failed is still a fork and an exit, but not the load asked for,
 * so the exit status is 1 when F > 0); C is the CPU time (user + system) of
 * the loop and its children: what a monitor's exec/fork/exit hooks add to
 * the processes themselves shows there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this process and its waited-for children, seconds */
static double cpu_now(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec +
	       kids.ru_stime.tv_sec +
	       (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
		kids.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	const char *prog = "/bin/true";
	unsigned long count = 0, n = 0, failed = 0;
	double seconds = 0, rate = 0, start, t, next, cpu;
	char *const env[] = { NULL };
	int c, status;
	pid_t pid;

	while ((c = getopt(argc, argv, "n:t:r:p:")) != -1) {
		switch (c) {
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 't': seconds = atof(optarg); break;
		case 'r': rate = atof(optarg); break;
		case 'p': prog = optarg; break;
		default:
			fputs("usage: execstorm [-n COUNT] [-t SECONDS] [-r RATE] [-p PROGRAM]\n", stderr);
			return 2;
		}
	}
	if (!count && !(seconds > 0)) {
		fputs("execstorm: give -n COUNT, -t SECONDS or both\n", stderr);
		return 2;
	}
	cpu = cpu_now();
	start = now();
	next = start;
	for (;;) {
		char *const args[] = { (char *)prog, NULL };

		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			execve(prog, args, env);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR) {
				perror("waitpid");
				return 1;
			}
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
		n++;
		if (count && n == count)
			break;
		t = now();
		if (seconds > 0 && t - start >= seconds)
			break;
		if (rate > 0) {
			next += 1.0 / rate;
			if (next > t) {
				struct timespec ts = { (time_t)(next - t),
						       (long)((next - t - (time_t)(next - t)) * 1e9) };

				nanosleep(&ts, NULL);
			}
		}
	}
	t = now() - start;
	cpu = cpu_now() - cpu;
	printf("execs=%lu seconds=%.3f rate=%.0f/s failed=%lu cpu_ns=%.0f\n", n, t, n / t, failed,
	       cpu * 1e9);
	return failed ? 1 : 0;
}

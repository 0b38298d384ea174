// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * syslog_ceiling - how many records of pidtree's shape a syslog collector
 * takes per second over TCP: a plain loop writing RFC 5424 records with
 * RFC 6587 octet counting, one write() per record, nothing else.
 *
 *   syslog_ceiling -p PORT [-a 127.x.y.z] [-n COUNT] [-b BATCH] [-u] [-s SIZE]
 *                  [-e EVENT.json -P PROCTREE.json]
 *
 * Each record is what pidtree's syslog sink sends for a tcp_connect event
 * (src/syslog_fmt.c, defaults: authpriv.info, SD-ID pidtree@32473):
 *   LEN <86>1 TIMESTAMP HOSTNAME pidtree PROCID tcp_connect
 *   [pidtree@32473 probe="tcp_connect" pid="…" user="…" daddr="…" saddr="…"
 *   port="…" cmdline="…"] EVENT-JSON
 * with sample_event.h's event (synthetic of about SIZE bytes, default 900,
 * or pidtree's own with -e/-P; -u: another leaf pid per record).
 *
 * -b BATCH: BATCH records per write() (default 1, at most 64), as pidtree's
 * writer sends a backlog: the collector then reads many records per
 * wake-up, which is its real ceiling.
 *
 * The socket's send buffer hides up to a few hundred KiB of records the
 * collector has not read yet, and the collector's own queue more: the
 * loop's time is a lower bound; the collector's output file says when the
 * last record was through (bench/outputs.sh).  Loopback only.
 *
 * Prints "records=N seconds=S rate=R/s bytes=B event_json=E" (B: bytes of
 * one record with its length prefix).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sample_event.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *event_file = NULL, *proctree_file = NULL;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	unsigned long count = 30000, i;
	size_t size = 900, len, body_max, first = 0, batch = 1, pending = 0, used = 0;
	char host[256], *body, *rec;
	int c, port = 0, vary = 0, fd, n, r;
	struct sample s;
	double start, t;

	while ((c = getopt(argc, argv, "p:a:n:b:us:e:P:")) != -1) {
		switch (c) {
		case 'p': port = atoi(optarg); break;
		case 'b': batch = strtoul(optarg, NULL, 10); break;
		case 'a': addr = optarg; break;
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 'u': vary = 1; break;
		case 's': size = strtoul(optarg, NULL, 10); break;
		case 'e': event_file = optarg; break;
		case 'P': proctree_file = optarg; break;
		default:
			fputs("usage: syslog_ceiling -p PORT [-a 127.x.y.z] [-n COUNT] [-b BATCH] [-u] [-s SIZE] "
			      "[-e EVENT.json -P PROCTREE.json]\n", stderr);
			return 2;
		}
	}
	sin.sin_port = htons((uint16_t)port);
	if (port <= 0 || port > 65535 || !count || (vary && event_file) || !batch || batch > 64 ||
	    inet_pton(AF_INET, addr, &sin.sin_addr) != 1 || (ntohl(sin.sin_addr.s_addr) >> 24) != 127) {
		fputs("syslog_ceiling: -p PORT needed, COUNT > 0, BATCH 1-64, -u only without -e, "
		      "127.0.0.0/8 addresses only\n", stderr);
		return 2;
	}
	if (sample_init(&s, size, event_file, proctree_file))
		return 1;
	if (gethostname(host, sizeof(host)))
		strcpy(host, "-");
	host[sizeof(host) - 1] = '\0';
	body_max = SAMPLE_MAX + 4096;
	body = malloc(body_max);
	rec = malloc(batch * (body_max + 32));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (!body || !rec || fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		fprintf(stderr, "syslog_ceiling: %s:%d: %s\n", addr, port, strerror(errno));
		return 1;
	}
	start = now();
	for (i = 0; i < count; i++) {
		if (vary)
			sample_vary_pid(&s, size, (unsigned int)i);
		else
			sample_tick(&s);
		n = snprintf(body, body_max,
			     "<86>1 %s %s pidtree %d tcp_connect [pidtree@32473 probe=\"tcp_connect\" "
			     "pid=\"%u\" user=\"root\" daddr=\"127.77.0.1\" saddr=\"127.0.0.1\" "
			     "port=\"39001\" cmdline=\"%s\"] %.*s",
			     s.timestamp, host, (int)getpid(), s.pid, s.cmdline, (int)s.event_len, s.event);
		if (n < 0 || (size_t)n >= body_max) {
			fputs("syslog_ceiling: record too large\n", stderr);
			return 1;
		}
		len = (size_t)snprintf(rec + used, body_max + 32, "%d %s", n, body);
		if (!first)
			first = len;
		used += len;
		if (++pending < batch && i + 1 < count)
			continue;
		r = write_all(fd, rec, used);
		if (r) {
			fprintf(stderr, "syslog_ceiling: write: %s after %lu records\n", strerror(-r), i);
			return 1;
		}
		pending = used = 0;
	}
	t = now() - start;
	close(fd);
	printf("records=%lu seconds=%.3f rate=%.0f/s bytes=%zu event_json=%zu\n", count, t, count / t,
	       first, s.event_len);
	return 0;
}

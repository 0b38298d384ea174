// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * journald_ceiling - how many entries of pidtree's shape journald takes per
 * second: a plain sd_journal_sendv() loop, nothing else.
 *
 *   journald_ceiling [-n COUNT] [-t IDENTIFIER] [-E] [-T] [-u] [-s SIZE]
 *                    [-e EVENT.json -P PROCTREE.json]
 *
 * Sends COUNT (default 30000) entries with the fields pidtree's journald
 * sink sends for a tcp_connect event (src/format/journald_fields.c): MESSAGE,
 * MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER (default "pidtree"),
 * PIDTREE_PROBE, PIDTREE_TIMESTAMP, PIDTREE_PID, PIDTREE_UID,
 * PIDTREE_USERNAME, PIDTREE_CMDLINE, PIDTREE_DADDR, PIDTREE_SADDR,
 * PIDTREE_PORT, PIDTREE_PROCTREE_JSON and PIDTREE_EVENT_JSON (-E leaves the
 * last one out, as pidtree's default [journald] event_json = no does; -T
 * leaves PIDTREE_PROCTREE_JSON out, to measure what it costs).  The event is sample_event.h's: synthetic of about SIZE
 * bytes (default 900), or pidtree's own (-e, -P); -u gives every entry
 * another leaf pid (no two proctrees alike).
 *
 * sd_journal_sendv() blocks while journald's socket queue is full
 * (net.unix.max_dgram_qlen datagrams), so the loop runs at journald's
 * ingestion rate once that queue is full; the time of the last entries
 * still queued is left out (at most that many entries).  Read the journal's
 * own receive timestamps for the exact figure (bench/outputs.sh does).
 *
 * Prints "entries=N seconds=S rate=R/s failed=F fields=K bytes=B
 * event_json=E proctree_json=P" (B: bytes of one entry's fields).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "sample_event.h"

#define NFIELDS 15

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* "NAME=value" for the fields whose value does not change from entry to entry */
static char *kv(const char *name, const char *value, size_t len)
{
	size_t n = strlen(name);
	char *s = malloc(n + 1 + len + 1);

	if (!s) {
		perror("malloc");
		exit(1);
	}
	memcpy(s, name, n);
	s[n] = '=';
	memcpy(s + n + 1, value, len);
	s[n + 1 + len] = '\0';
	return s;
}

/* the iovecs of every field but PIDTREE_EVENT_JSON; returns how many */
static int with_proctree = 1;

static size_t fill(struct iovec *iov, const struct sample *s, const char *ident, char *pid,
		   char *ts, char **msg, char **cmd, char **ptree)
{
	static const char *const fixed[] = {
		"MESSAGE_ID=dc4cef5a2d98417a9d22e6f2a455162d",
		"PRIORITY=6",
		"PIDTREE_PROBE=tcp_connect",
		"PIDTREE_UID=0",
		"PIDTREE_USERNAME=root",
		"PIDTREE_DADDR=127.77.0.1",
		"PIDTREE_SADDR=127.0.0.1",
		"PIDTREE_PORT=39001",
	};
	static char idf[128];
	size_t n = 0;

	snprintf(idf, sizeof(idf), "SYSLOG_IDENTIFIER=%s", ident);
	snprintf(pid, 32, "PIDTREE_PID=%u", s->pid);
	snprintf(ts, 64, "PIDTREE_TIMESTAMP=%s", s->timestamp);
	free(*msg);
	free(*cmd);
	free(*ptree);
	*msg = kv("MESSAGE", s->message, strlen(s->message));
	*cmd = kv("PIDTREE_CMDLINE", s->cmdline, strlen(s->cmdline));
	*ptree = kv("PIDTREE_PROCTREE_JSON", s->proctree, s->proctree_len);
#define ADD(str) (iov[n].iov_base = (void *)(str), iov[n].iov_len = strlen(str), n++)
	ADD(*msg);
	ADD(fixed[0]);
	ADD(fixed[1]);
	ADD(idf);
	ADD(fixed[2]);
	ADD(ts);
	ADD(pid);
	ADD(fixed[3]);
	ADD(fixed[4]);
	ADD(*cmd);
	ADD(fixed[5]);
	ADD(fixed[6]);
	ADD(fixed[7]);
	if (with_proctree)
		ADD(*ptree);
#undef ADD
	return n;
}

int main(int argc, char **argv)
{
	const char *ident = "pidtree", *event_file = NULL, *proctree_file = NULL;
	unsigned long count = 30000, i, failed = 0;
	size_t size = 900, n, k, bytes = 0;
	int c, with_event = 1, vary = 0, r;
	char pid[32], ts[64], *msg = NULL, *cmd = NULL, *ptree = NULL, *ev;
	struct iovec iov[NFIELDS];
	struct sample s;
	double start, t;

	while ((c = getopt(argc, argv, "n:t:ETus:e:P:")) != -1) {
		switch (c) {
		case 'n': count = strtoul(optarg, NULL, 10); break;
		case 't': ident = optarg; break;
		case 'E': with_event = 0; break;
		case 'T': with_proctree = 0; break;
		case 'u': vary = 1; break;
		case 's': size = strtoul(optarg, NULL, 10); break;
		case 'e': event_file = optarg; break;
		case 'P': proctree_file = optarg; break;
		default:
			fputs("usage: journald_ceiling [-n COUNT] [-t IDENTIFIER] [-E] [-T] [-u] [-s SIZE] "
			      "[-e EVENT.json -P PROCTREE.json]\n", stderr);
			return 2;
		}
	}
	if (!count || strlen(ident) > 64 || (vary && event_file)) {
		fputs("journald_ceiling: COUNT > 0, IDENTIFIER <= 64 bytes, -u only without -e\n", stderr);
		return 2;
	}
	if (sample_init(&s, size, event_file, proctree_file))
		return 1;
	ev = malloc(strlen("PIDTREE_EVENT_JSON=") + SAMPLE_MAX);
	if (!ev) {
		perror("malloc");
		return 1;
	}
	memcpy(ev, "PIDTREE_EVENT_JSON=", 19);
	n = fill(iov, &s, ident, pid, ts, &msg, &cmd, &ptree);
	start = now();
	for (i = 0; i < count; i++) {
		if (vary) {
			sample_vary_pid(&s, size, (unsigned int)i);
			n = fill(iov, &s, ident, pid, ts, &msg, &cmd, &ptree);
		} else {
			sample_tick(&s);
			/* PIDTREE_TIMESTAMP= is 18 bytes; the time has a fixed length */
			memcpy(ts + 18, s.timestamp, SAMPLE_TS_LEN);
		}
		k = n;
		if (with_event) {
			memcpy(ev + 19, s.event, s.event_len);
			iov[k].iov_base = ev;
			iov[k].iov_len = 19 + s.event_len;
			k++;
		}
		if (i == 0)
			for (size_t j = 0; j < k; j++)
				bytes += iov[j].iov_len;
		r = sd_journal_sendv(iov, (int)k);
		if (r < 0) {
			if (!failed)
				fprintf(stderr, "journald_ceiling: sd_journal_sendv: %s\n", strerror(-r));
			failed++;
		}
	}
	t = now() - start;
	printf("entries=%lu seconds=%.3f rate=%.0f/s failed=%lu fields=%zu bytes=%zu event_json=%zu "
	       "proctree_json=%zu\n",
	       count - failed, t, (count - failed) / t, failed, k, bytes,
	       with_event ? s.event_len : 0, s.proctree_len);
	return failed ? 1 : 0;
}

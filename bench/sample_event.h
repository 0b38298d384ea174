/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A tcp_connect event of the shape pidtree sends, for the output ceiling
 * benchmarks (journald_ceiling, syslog_ceiling).  Bench code only: one
 * translation unit includes it, hence the static functions.
 *
 * Synthetic (default): an 8-deep ancestry typical of an interactive session
 * (curl < python < bash script < login shell < sshd session < sshd [priv] <
 * sshd listener < init), the leaf's cmdline (a URL ending in a token) made
 * as long as it takes for the event's JSON to be SIZE bytes (default 900;
 * the token's characters are pseudo-random, so that journald's compression
 * of large fields sees text about as compressible as real cmdlines).  Or taken from pidtree itself: a file holding
 * one JSON event line (pidtree -o json) and a file holding its proctree
 * array; the sizes are then exactly those pidtree sends in the same
 * environment.
 *
 * Every entry gets its own timestamp (the current time, microseconds) in
 * the event JSON and PIDTREE_TIMESTAMP, as pidtree's do: journald stores a
 * value once however many entries carry it, so a loop re-sending one
 * identical entry would measure deduplication, not ingestion.  The
 * proctree stays the same from entry to entry, as in pidtree's connect
 * loop benchmark (one process connecting); sample_vary_pid() changes the
 * leaf pid per entry instead, the worst case (a new process every time).
 */
#ifndef PIDTREE_BENCH_SAMPLE_EVENT_H
#define PIDTREE_BENCH_SAMPLE_EVENT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define SAMPLE_TS_LEN 27 /* 2026-12-01T09:25:00.021357Z */
#define SAMPLE_MAX (256u << 10)

struct sample {
	char *event;     /* the JSON event, SAMPLE_TS_LEN bytes at ts_off are the time */
	size_t event_len, ts_off;
	char *proctree;  /* the proctree array as JSON */
	size_t proctree_len;
	char message[512];
	char *cmdline;   /* the leaf's */
	char timestamp[SAMPLE_TS_LEN + 1];
	unsigned int pid;
};

static const struct {
	unsigned int pid;
	const char *cmdline, *user;
} sample_tree[] = {
	{ 48213, "curl -sS -o /dev/null https://api.example.org/v1/items?page=2&token=", "alice" },
	{ 48201, "/usr/bin/python3 /opt/sync/bin/sync-items --config /etc/sync/items.yaml --log-level info",
	  "alice" },
	{ 48190, "bash ./sync-items.sh --all --retry 3", "alice" },
	{ 47102, "-bash", "alice" },
	{ 47101, "sshd: alice@pts/0", "alice" },
	{ 47085, "sshd: alice [priv]", "root" },
	{ 812, "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", "root" },
	{ 1, "/sbin/init", "root" },
};
#define SAMPLE_DEPTH (sizeof(sample_tree) / sizeof(sample_tree[0]))

static void sample_now(char *out)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm); /* 19 characters until year 9999 */
	snprintf(out + 19, SAMPLE_TS_LEN + 1 - 19, ".%06uZ", (unsigned int)tv.tv_usec % 1000000u);
}

/* the leaf's cmdline: its base followed by a token of pad characters */
static void sample_cmdline(struct sample *s, size_t pad)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned int seed = 20;
	size_t n = strlen(sample_tree[0].cmdline), k;

	memcpy(s->cmdline, sample_tree[0].cmdline, n);
	for (k = 0; k < pad && n + 1 < SAMPLE_MAX; k++) {
		seed = seed * 1103515245u + 12345u;
		s->cmdline[n++] = b64[(seed >> 16) & 63];
	}
	s->cmdline[n] = '\0';
}

static size_t sample_proctree(const struct sample *s, char *out, size_t max)
{
	size_t n = 0, i;

	n += (size_t)snprintf(out + n, max - n, "[");
	for (i = 0; i < SAMPLE_DEPTH && n < max; i++)
		n += (size_t)snprintf(out + n, max - n,
				      "%s{\"pid\":%u,\"cmdline\":\"%s\",\"username\":\"%s\"}",
				      i ? "," : "", i ? sample_tree[i].pid : s->pid,
				      i ? sample_tree[i].cmdline : s->cmdline, sample_tree[i].user);
	if (n < max)
		n += (size_t)snprintf(out + n, max - n, "]");
	return n < max ? n : max - 1;
}

static int sample_build(struct sample *s, unsigned int leaf_pid, size_t pad)
{
	size_t n;

	s->pid = leaf_pid;
	sample_cmdline(s, pad);
	s->proctree_len = sample_proctree(s, s->proctree, SAMPLE_MAX);
	sample_now(s->timestamp);
	n = (size_t)snprintf(s->event, SAMPLE_MAX,
			     "{\"timestamp\":\"%s\",\"probe\":\"tcp_connect\",\"pid\":%u,\"proctree\":%s,"
			     "\"daddr\":\"127.77.0.1\",\"saddr\":\"127.0.0.1\",\"port\":39001,\"error\":\"\"}",
			     s->timestamp, leaf_pid, s->proctree);
	if (n >= SAMPLE_MAX)
		return -1;
	s->event_len = n;
	s->ts_off = strlen("{\"timestamp\":\"");
	snprintf(s->message, sizeof(s->message),
		 "tcp_connect: curl[%u] user alice connected to 127.77.0.1:39001 from 127.0.0.1; "
		 "tree: curl[%u] < python3[48201] < bash[48190] < bash[47102] < sshd[47101] < ... < init[1]",
		 leaf_pid, leaf_pid);
	return 0;
}

static char *sample_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(SAMPLE_MAX);
	n = buf ? fread(buf, 1, SAMPLE_MAX - 1, f) : 0;
	fclose(f);
	if (!buf || !n) {
		free(buf);
		return NULL;
	}
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * sample_init: synthetic with an event of about `size` bytes, or (event_file
 * and proctree_file) pidtree's own.  Returns 0, or -1 with a message on stderr.
 */
static int sample_init(struct sample *s, size_t size, const char *event_file,
		       const char *proctree_file)
{
	const char *p;

	memset(s, 0, sizeof(*s));
	if (event_file) {
		s->event = sample_slurp(event_file, &s->event_len);
		s->proctree = proctree_file ? sample_slurp(proctree_file, &s->proctree_len) : NULL;
		if (!s->event || !s->proctree) {
			fprintf(stderr, "cannot read %s and %s (both are needed)\n", event_file,
				proctree_file ? proctree_file : "(no proctree file)");
			return -1;
		}
		p = strstr(s->event, "\"timestamp\":\"");
		if (!p || strlen(p) < 13 + SAMPLE_TS_LEN || p[13 + SAMPLE_TS_LEN] != '"') {
			fprintf(stderr, "%s: no \"timestamp\" of pidtree's form\n", event_file);
			return -1;
		}
		s->ts_off = (size_t)(p - s->event) + 13;
		s->pid = 48213;
		sample_now(s->timestamp);
		s->cmdline = strdup("loadgen -L 10 -d 10 -t 5 -n 30000 -r 0 -a 127.77.0.1 -p 39001");
		if (!s->cmdline)
			return -1;
		snprintf(s->message, sizeof(s->message),
			 "tcp_connect: loadgen[%u] user root connected to 127.77.0.1:39001 from 127.0.0.1; "
			 "tree: loadgen[%u] < loadgen[48212] < loadgen[48211] < loadgen[48210] < ... < init[1]",
			 s->pid, s->pid);
		return 0;
	}
	s->event = malloc(SAMPLE_MAX);
	s->proctree = malloc(SAMPLE_MAX);
	s->cmdline = malloc(SAMPLE_MAX);
	if (!s->event || !s->proctree || !s->cmdline || sample_build(s, 48213, 0)) {
		fprintf(stderr, "out of memory\n");
		return -1;
	}
	if (size > s->event_len)
		sample_build(s, 48213, size - s->event_len);
	return 0;
}

/* A new timestamp for the next entry (same length: patched in place). */
static void sample_tick(struct sample *s)
{
	sample_now(s->timestamp);
	memcpy(s->event + s->ts_off, s->timestamp, SAMPLE_TS_LEN);
}

/*
 * sample_vary_pid: the next entry comes from another process (synthetic
 * samples only: the leaf pid changes, the sizes stay within a few bytes).
 */
static void sample_vary_pid(struct sample *s, size_t size, unsigned int i)
{
	size_t base;

	sample_build(s, 100000 + i % 900000, 0);
	base = s->event_len;
	if (size > base)
		sample_build(s, 100000 + i % 900000, size - base);
}

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * replay - userland throughput of pidtree's event path, without the kernel.
 *
 *   replay [-n EVENTS] [-d DEPTH] [-o FILE] [-u] [-j]
 *
 * Feeds the process cache the exec records of a DEPTH-deep tree, then pushes
 * EVENTS tcp_connect records through the same steps the daemon runs per
 * record (address decode, ancestry resolve, JSON, JSON-lines sink, batch
 * flushes every 64 records) and prints events/s.  Default output /dev/null;
 * give a file to include the write cost of a real file.  -u: command lines
 * with non-ASCII (Latin-1 supplement) letters, which the JSON writer checks
 * one by one for characters it must escape.  -j: the journald output's
 * work instead of the JSON-lines sink's: the entry's fields built as
 * sink_journald builds them (the summary line for MESSAGE, the fields, the
 * proctree JSON; with the defaults, no event JSON), without the send.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "event_json.h"
#include "journald_fields.h"
#include "json.h"
#include "proccache.h"
#include "probe.h"
#include "sink.h"
#include "sinkspec.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static union {
		struct pt_conn_record r;
		char b[sizeof(struct pt_conn_record) + PT_ANCESTRY_MAX];
	} recbuf;
	static union {
		struct pt_exec_record r;
		char b[sizeof(struct pt_exec_record) + PT_EXEC_ARGV_LEN];
	} exbuf;
	struct pt_conn_record *rec = &recbuf.r;
	struct pt_exec_record *ex = &exbuf.r;
	static struct pt_event ev;
	const struct pt_probe_info *info = &pt_probe_find("tcp_connect")->info;
	const char *out = "/dev/null";
	struct pt_proc_cache_opts o = { 0 };
	struct pt_proc_cache *cache;
	struct pt_sink *sink;
	struct pt_sink_opts so;
	struct pt_jd_fields jd;
	struct pt_buf json;
	size_t jd_bytes = 0;
	unsigned long n = 2000000, i;
	int depth = 7, c, utf8 = 0, journald = 0;
	double t0, t;

	while ((c = getopt(argc, argv, "n:d:o:uj")) != -1) {
		switch (c) {
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'd': depth = atoi(optarg); break;
		case 'o': out = optarg; break;
		case 'u': utf8 = 1; break;
		case 'j': journald = 1; break;
		default:
			fprintf(stderr, "usage: replay [-n EVENTS] [-d DEPTH] [-o FILE] [-u] [-j]\n");
			return 2;
		}
	}
	if (depth < 1 || depth > PT_MAX_DEPTH)
		return 2;
	o.proc_root = "/proc";
	if (pt_proc_cache_new(&cache, &o) || pt_sink_json_open(&sink, out))
		return 1;
	pt_buf_init(&json);
	pt_sink_opts_init(&so);
	pt_jd_fields_init(&jd, &so.journald);

	/* a tree like: loadgen x (depth-3) <- bash <- sshd <- init */
	rec->tree.depth = depth;
	for (int k = 0; k < depth; k++) {
		struct pt_ancestor *a = &rec->tree.anc[k];
		int len;

		a->tgid = 100000 + depth - k;
		a->ppid = k + 1 < depth ? 100000 + depth - k - 1 : 0;
		a->uid = k < depth - 1 ? 1000 : 0;
		a->loginuid = 1000;
		a->start_ns = (uint64_t)(depth - k) * 1000000000ull;
		snprintf(a->comm, sizeof(a->comm), "proc%d", k);
		memset(&exbuf, 0, sizeof(exbuf));
		ex->proc = *a;
		if (utf8)
			len = snprintf(ex->argv, PT_EXEC_ARGV_LEN,
				       "/usr/bin/w\xc3\xb6rker%c--l\xc3\xa9vel%c%d%c--c\xc3\xb6nfig%c"
				       "/etc/w\xc3\xb6rker/c\xc3\xb6nf.yml", 0, 0, k, 0, 0);
		else
			len = snprintf(ex->argv, PT_EXEC_ARGV_LEN,
				       "/usr/bin/worker%c--level%c%d%c--config%c/etc/worker/conf.yml",
				       0, 0, k, 0, 0);
		ex->argv_len = len + 1;
		pt_proc_cache_exec(cache, ex);
	}
	rec->family = 2;
	rec->dport = 443;
	inet_pton(AF_INET, "203.0.113.7", rec->daddr);
	inet_pton(AF_INET, "192.0.2.10", rec->saddr);

	t0 = now();
	for (i = 0; i < n; i++) {
		ev.error[0] = '\0';
		ev.nfields = 0;
		ev.probe = info;
		pt_addr_to_str(rec->family, rec->daddr, ev.daddr, sizeof(ev.daddr));
		pt_addr_to_str(rec->family, rec->saddr, ev.saddr, sizeof(ev.saddr));
		ev.port = rec->dport;
		ev.has_port = true;
		pt_proc_cache_resolve(cache, &rec->tree, 0, &ev);
		ev.ts_us = 1764322965759464ull + i;
		pt_buf_reset(&json);
		if (journald) {
			/* as the daemon with -o journald alone: no event JSON (event_json = no) */
			if (!pt_jd_fields_build(&jd, &ev, NULL, 0))
				return 1;
			jd_bytes = jd.data.len;
			continue;
		}
		pt_json_event(&json, &ev);
		sink->ops->emit(sink, &ev, json.data, json.len);
		if ((i & 63) == 63)
			sink->ops->flush(sink);
	}
	sink->ops->flush(sink);
	t = now() - t0;
	printf("replay%s: events=%lu depth=%d seconds=%.3f rate=%.0f events/s (%.0f ns/event) bytes/event=%zu\n",
	       journald ? " -j (journald fields)" : "", n, depth, t, n / t, t * 1e9 / n,
	       journald ? jd_bytes : json.len + 1);
	pt_jd_fields_free(&jd);
	(void)sink->ops->destroy(sink);
	pt_buf_free(&json);
	pt_proc_cache_free(cache);
	return 0;
}

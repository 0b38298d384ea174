// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Test driver for tests/integration/containers_api.sh: runs the container
 * layer (src/containers) in an epoll loop as the daemon would, and answers
 * commands read from stdin, one per line, each answer ending with
 * "END <n>" (n counts commands from 1):
 *
 *   wait NAME STATE SECS   until the container named NAME is in STATE
 *                          (running, stopped, unknown, gone); prints it
 *   show NAME | id ID | mntns INO | cgroup ID | pid PID
 *                          print the entry (or "none")
 *   match PATTERN...       names of running containers matching the
 *                          container_labels list PATTERN... (sorted)
 *   stats                  counters, "key=value" per line
 *   changes                the change callbacks so far: "STARTED name" ...
 *   wait-stat KEY N SECS   until counter KEY >= N
 *   sleep SECS             keep the loop running
 *
 * Arguments: [containers] key=value settings (pt_containers_setting).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "containers.h"
#include "log.h"

static struct pt_containers *m;
static char changes[1 << 16];
static size_t nchanges;

static const char *const change_names[] = { "STARTED", "UPDATED", "STOPPED", "REMOVED" };
static const char *const state_names[] = { "unknown", "running", "stopped" };

static void on_change(void *ctx, enum pt_container_change what, const struct pt_container *c,
		      const struct pt_container *prev)
{
	int n = snprintf(changes + nchanges, sizeof(changes) - nchanges, "%s %s\n",
			 change_names[what],
			 pt_container_display_name(c)[0] ? pt_container_display_name(c) : c->id);

	if (n > 0 && (size_t)n < sizeof(changes) - nchanges)
		nchanges += n;
}

static void print(const struct pt_container *c)
{
	size_t i;

	if (!c) {
		printf("none\n");
		return;
	}
	printf("id=%s name=%s image=%s runtime=%s pod=%s namespace=%s state=%s pid=%d "
	       "mntns=%u cgroup=%llu labels=",
	       c->id, c->name, c->image, c->runtime, c->pod, c->namespace, state_names[c->state],
	       (int)c->pid, c->mntns, (unsigned long long)c->cgroup_id);
	for (i = 0; i < c->labels.n; i++)
		printf("%s%s=%s", i ? ";" : "", c->labels.v[i].key, c->labels.v[i].value);
	printf("\n");
}

struct find {
	const char *name;
	const struct pt_container *c;
};

static int find_fn(void *ctx, const struct pt_container *c)
{
	struct find *f = ctx;

	/* the newest of that name: running first */
	if (!strcmp(c->name, f->name) &&
	    (!f->c || c->state == PT_CONTAINER_RUNNING ||
	     (f->c->state != PT_CONTAINER_RUNNING && c->stopped_at > f->c->stopped_at)))
		f->c = c;
	return 0;
}

static const struct pt_container *by_name(const char *name)
{
	struct find f = { name, NULL };

	pt_containers_foreach(m, find_fn, &f);
	return f.c;
}

/* Run the loop for up to ms. */
static void pump(int ep, int ms)
{
	struct epoll_event ev;

	if (epoll_wait(ep, &ev, 1, ms) > 0)
		pt_containers_handle(m);
	pt_containers_tick(m, pt_containers_now_ms());
}

static uint64_t stat_value(const char *key)
{
	struct pt_containers_stats st;

	pt_containers_stats(m, &st);
	if (!strcmp(key, "baselines"))
		return st.baselines;
	if (!strcmp(key, "containerd_scans"))
		return st.containerd_scans;
	if (!strcmp(key, "connects"))
		return st.connects;
	if (!strcmp(key, "running"))
		return st.cache.running;
	return 0;
}

static void stats(void)
{
	struct pt_containers_stats st;

	pt_containers_stats(m, &st);
	printf("entries=%zu\nrunning=%zu\nstopped=%zu\nunknown=%zu\nbaselines=%llu\n"
	       "connects=%llu\napi_errors=%llu\nbad_responses=%llu\nbad_events=%llu\n"
	       "msgs_dropped=%llu\nexpired=%llu\ncontainerd_scans=%llu\n",
	       st.cache.entries, st.cache.running, st.cache.stopped, st.cache.unknown,
	       (unsigned long long)st.baselines, (unsigned long long)st.connects,
	       (unsigned long long)st.api_errors, (unsigned long long)st.bad_responses,
	       (unsigned long long)st.bad_events, (unsigned long long)st.msgs_dropped,
	       (unsigned long long)st.cache.expired, (unsigned long long)st.containerd_scans);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct names {
	char *v[256];
	size_t n;
};

static void add_name(void *ctx, const struct pt_container *c)
{
	struct names *n = ctx;

	if (n->n < 256)
		n->v[n->n++] = strdup(c->name);
}

static void match(char **args, int nargs)
{
	struct pt_label_filter f;
	struct pt_diags d = { 0 };
	struct names names = { .n = 0 };
	size_t i;
	int k;

	pt_label_filter_init(&f);
	for (k = 0; k < nargs; k++)
		if (pt_label_filter_add(&f, args[k], "cmd", k + 1, &d))
			printf("error\n");
	pt_diags_print(&d);
	pt_diags_free(&d);
	pt_containers_foreach_match(m, &f, add_name, &names);
	qsort(names.v, names.n, sizeof(names.v[0]), cmp_str);
	for (i = 0; i < names.n; i++) {
		printf("%s%s", i ? " " : "", names.v[i]);
		free(names.v[i]);
	}
	printf("%s\n", names.n ? "" : "(none)");
	pt_label_filter_free(&f);
}

static void command(int ep, char *line)
{
	char *args[64], *save, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \t\n", &save); tok && n < 64; tok = strtok_r(NULL, " \t\n", &save))
		args[n++] = tok;
	if (!n)
		return;
	if (!strcmp(args[0], "wait") && n == 4) {
		uint64_t end = pt_containers_now_ms() + (uint64_t)atoi(args[3]) * 1000;
		const struct pt_container *c;

		for (;;) {
			c = by_name(args[1]);
			if (!strcmp(args[2], "gone") ? !c : (c && !strcmp(state_names[c->state], args[2])))
				break;
			if (pt_containers_now_ms() >= end) {
				printf("timeout\n");
				break;
			}
			pump(ep, 100);
		}
		print(c);
	} else if (!strcmp(args[0], "wait-stat") && n == 4) {
		uint64_t end = pt_containers_now_ms() + (uint64_t)atoi(args[3]) * 1000;

		while (stat_value(args[1]) < strtoull(args[2], NULL, 10)) {
			if (pt_containers_now_ms() >= end) {
				printf("timeout\n");
				break;
			}
			pump(ep, 100);
		}
		printf("%s=%llu\n", args[1], (unsigned long long)stat_value(args[1]));
	} else if (!strcmp(args[0], "sleep") && n == 2) {
		uint64_t end = pt_containers_now_ms() + (uint64_t)(atof(args[1]) * 1000);

		while (pt_containers_now_ms() < end)
			pump(ep, 100);
	} else if (!strcmp(args[0], "show") && n == 2) {
		print(by_name(args[1]));
	} else if (!strcmp(args[0], "id") && n == 2) {
		print(pt_containers_by_id(m, args[1]));
	} else if (!strcmp(args[0], "mntns") && n == 2) {
		print(pt_containers_by_mntns(m, (uint32_t)strtoul(args[1], NULL, 10)));
	} else if (!strcmp(args[0], "cgroup") && n == 2) {
		print(pt_containers_by_cgroup(m, strtoull(args[1], NULL, 10)));
	} else if (!strcmp(args[0], "pid") && n == 2) {
		print(pt_containers_lookup_pid(m, atoi(args[1])));
	} else if (!strcmp(args[0], "match")) {
		match(args + 1, n - 1);
	} else if (!strcmp(args[0], "stats")) {
		stats();
	} else if (!strcmp(args[0], "changes")) {
		fwrite(changes, 1, nchanges, stdout);
	} else {
		printf("unknown command\n");
	}
}

int main(int argc, char **argv)
{
	struct pt_containers_opts o;
	struct epoll_event ev = { .events = EPOLLIN };
	char line[4096], err[256];
	size_t len = 0;
	int ep, loop, i, seq = 0;

	pt_log_set_verbose(1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pt_containers_opts_init(&o);
	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "usage: %s [key=value...]\n", argv[0]);
			return 64;
		}
		*eq = '\0';
		if (pt_containers_setting(&o, argv[i], eq + 1, err, sizeof(err))) {
			fprintf(stderr, "containers_probe: %s\n", err);
			return 78;
		}
	}
	if (pt_containers_new(&m, &o, on_change, NULL)) {
		fprintf(stderr, "containers_probe: cannot start\n");
		return 1;
	}
	/* pump() polls the container fd alone; this loop polls it and stdin */
	ep = epoll_create1(EPOLL_CLOEXEC);
	loop = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = pt_containers_fd(m);
	epoll_ctl(ep, EPOLL_CTL_ADD, pt_containers_fd(m), &ev);
	epoll_ctl(loop, EPOLL_CTL_ADD, pt_containers_fd(m), &ev);
	ev.data.fd = STDIN_FILENO;
	epoll_ctl(loop, EPOLL_CTL_ADD, STDIN_FILENO, &ev);
	for (;;) {
		struct epoll_event in[2];
		int k, nev, sin = 0;
		ssize_t r;
		char *nl;

		nev = epoll_wait(loop, in, 2, 1000);
		for (k = 0; k < nev; k++)
			if (in[k].data.fd == STDIN_FILENO)
				sin = 1;
		pt_containers_handle(m);
		pt_containers_tick(m, pt_containers_now_ms());
		if (!sin)
			continue;
		r = read(STDIN_FILENO, line + len, sizeof(line) - 1 - len);
		if (r <= 0)
			break;
		len += r;
		line[len] = '\0';
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (!strcmp(line, "quit"))
				goto out;
			command(ep, line);
			printf("END %d\n", ++seq);
			len -= nl + 1 - line;
			memmove(line, nl + 1, len + 1);
		}
		if (len == sizeof(line) - 1)
			len = 0; /* an overlong line: dropped */
	}
out:
	close(ep);
	close(loop);
	pt_containers_free(m);
	return 0;
}

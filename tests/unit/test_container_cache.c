// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of src/containers/cache.c: lookups by id, mount namespace and
 * cgroup id; the change callback (started, updated with the previous
 * values, stopped, removed); the grace period of stopped containers and
 * its bounds; source priorities; syncs after a listing; UNKNOWN entries
 * from cgroup paths; the rule for reused mount namespace inodes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"
#include "containers.h"

#define MIN 60000ull

struct log {
	int n[4];
	enum pt_container_change last;
	char last_id[PT_CONTAINER_ID_MAX];
	char prev_label[64]; /* "app" of prev on the last UPDATED */
	uint32_t prev_mntns;
};

static void on_change(void *ctx, enum pt_container_change what, const struct pt_container *c,
		      const struct pt_container *prev)
{
	struct log *l = ctx;

	l->n[what]++;
	l->last = what;
	strcpy(l->last_id, c->id);
	if (what == PT_CHANGE_UPDATED) {
		const char *v;

		assert_non_null(prev);
		v = pt_container_label(prev, "app");
		snprintf(l->prev_label, sizeof(l->prev_label), "%s", v ? v : "");
		l->prev_mntns = prev->mntns;
	} else {
		assert_null(prev);
	}
}

/* A 64-hex id from a number. */
static const char *hid(int n)
{
	static char buf[4][65];
	static int k;
	char *b = buf[k++ % 4];

	snprintf(b, 65, "%064x", n);
	return b;
}

static void mk(struct pt_container *c, int n, enum pt_container_state st, uint32_t mntns,
	       uint64_t cg, const char *app, int source)
{
	struct pt_labels_builder b;

	memset(c, 0, sizeof(*c));
	strcpy(c->id, hid(n));
	snprintf(c->name, sizeof(c->name), "c%d", n);
	strcpy(c->image, "img");
	c->runtime = "podman";
	c->state = st;
	c->mntns = mntns;
	c->cgroup_id = cg;
	c->pid = mntns ? (pid_t)(1000 + n) : 0;
	c->source = source;
	pt_labels_builder_init(&b);
	if (app)
		pt_labels_builder_add(&b, "app", 3, app, strlen(app));
	assert_int_equal(pt_labels_builder_finish(&b, &c->labels, NULL), 0);
}

static int up(struct pt_container_cache *cache, int n, enum pt_container_state st, uint32_t mntns,
	      uint64_t cg, const char *app, int source, int prio, uint64_t now)
{
	struct pt_container c;

	mk(&c, n, st, mntns, cg, app, source);
	return pt_cache_upsert(cache, &c, prio, now);
}

static void test_lookups_and_changes(void **state)
{
	struct pt_container_cache *cache;
	const struct pt_container *c;
	struct log l = { 0 };

	assert_int_equal(pt_cache_new(&cache, NULL, on_change, &l), 0);
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 4026532249u, 44, "web", 1, 2, 0), 0);
	assert_int_equal(l.n[PT_CHANGE_STARTED], 1);
	c = pt_cache_by_id(cache, hid(1));
	assert_non_null(c);
	assert_string_equal(c->name, "c1");
	assert_string_equal(pt_container_label(c, "app"), "web");
	assert_ptr_equal(pt_cache_by_mntns(cache, 4026532249u), c);
	assert_ptr_equal(pt_cache_by_cgroup(cache, 44), c);
	assert_ptr_equal(pt_cache_resolve(cache, 4026532249u, 0), c);
	assert_ptr_equal(pt_cache_resolve(cache, 0, 44), c);
	assert_null(pt_cache_by_mntns(cache, 1));
	assert_null(pt_cache_by_cgroup(cache, 0));
	assert_null(pt_cache_by_id(cache, hid(2)));

	/* the same again: no callback */
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 4026532249u, 44, "web", 1, 2, 0), 0);
	assert_int_equal(l.n[PT_CHANGE_UPDATED], 0);
	/* labels changed: UPDATED with the previous values */
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 4026532249u, 44, "api", 1, 2, 0), 0);
	assert_int_equal(l.n[PT_CHANGE_UPDATED], 1);
	assert_string_equal(l.prev_label, "web");
	assert_string_equal(pt_container_label(pt_cache_by_id(cache, hid(1)), "app"), "api");
	/* a new mount namespace: re-indexed */
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 4026532300u, 45, "api", 1, 2, 0), 0);
	assert_int_equal(l.n[PT_CHANGE_UPDATED], 2);
	assert_int_equal(l.prev_mntns, 4026532249u);
	assert_null(pt_cache_by_mntns(cache, 4026532249u));
	assert_null(pt_cache_by_cgroup(cache, 44));
	assert_non_null(pt_cache_by_mntns(cache, 4026532300u));
	pt_cache_free(cache);
	assert_int_equal(l.n[PT_CHANGE_REMOVED], 1);
}

static void test_grace(void **state)
{
	struct pt_cache_limits lim = { .grace_ms = 10 * MIN };
	struct pt_container_cache *cache;
	const struct pt_container *c;
	struct pt_cache_stats st;
	struct log l = { 0 };

	assert_int_equal(pt_cache_new(&cache, &lim, on_change, &l), 0);
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 100, 200, "web", 1, 2, 0), 0);
	pt_cache_stop(cache, hid(1), 1 * MIN);
	assert_int_equal(l.n[PT_CHANGE_STOPPED], 1);
	pt_cache_stop(cache, hid(1), 2 * MIN); /* again: nothing */
	assert_int_equal(l.n[PT_CHANGE_STOPPED], 1);
	pt_cache_stop(cache, hid(9), 2 * MIN); /* unknown: nothing */
	c = pt_cache_by_id(cache, hid(1));
	assert_int_equal(c->state, PT_CONTAINER_STOPPED);
	assert_int_equal(c->stopped_at, 1 * MIN);
	/* late events still named, by both ids */
	assert_ptr_equal(pt_cache_by_mntns(cache, 100), c);
	assert_ptr_equal(pt_cache_resolve(cache, 100, 200), c);
	assert_ptr_equal(pt_cache_resolve(cache, 100, 0), c);
	/* an inspection after the exit (no pid, no ids) keeps the ids and stop time */
	assert_int_equal(up(cache, 1, PT_CONTAINER_STOPPED, 0, 0, "web", 1, 2, 3 * MIN), 0);
	c = pt_cache_by_id(cache, hid(1));
	assert_int_equal(c->mntns, 100);
	assert_int_equal(c->cgroup_id, 200);
	assert_int_equal(c->stopped_at, 1 * MIN);
	assert_int_equal(l.n[PT_CHANGE_STOPPED], 1);

	pt_cache_expire(cache, 11 * MIN - 1);
	assert_non_null(pt_cache_by_id(cache, hid(1)));
	pt_cache_expire(cache, 11 * MIN);
	assert_null(pt_cache_by_id(cache, hid(1)));
	assert_null(pt_cache_by_mntns(cache, 100));
	assert_null(pt_cache_by_cgroup(cache, 200));
	assert_int_equal(l.n[PT_CHANGE_REMOVED], 1);
	pt_cache_stats(cache, &st);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.stopped, 0);
	pt_cache_free(cache);
}

static void test_restart(void **state)
{
	struct pt_container_cache *cache;
	struct log l = { 0 };

	assert_int_equal(pt_cache_new(&cache, NULL, on_change, &l), 0);
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 100, 200, "web", 1, 2, 0), 0);
	pt_cache_stop(cache, hid(1), MIN);
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 101, 201, "web", 1, 2, 2 * MIN), 0);
	assert_int_equal(l.n[PT_CHANGE_STARTED], 2);
	assert_int_equal(pt_cache_by_id(cache, hid(1))->stopped_at, 0);
	assert_int_equal(pt_cache_by_id(cache, hid(1))->state, PT_CONTAINER_RUNNING);
	assert_null(pt_cache_by_mntns(cache, 100));
	/* running again: never expires */
	pt_cache_expire(cache, 1000 * MIN);
	assert_non_null(pt_cache_by_mntns(cache, 101));
	pt_cache_free(cache);
}

static void test_bounds(void **state)
{
	struct pt_cache_limits lim = { .max_entries = 8, .max_stopped = 3, .grace_ms = MIN };
	struct pt_container_cache *cache;
	struct pt_cache_stats st;
	struct log l = { 0 };
	int i;

	assert_int_equal(pt_cache_new(&cache, &lim, on_change, &l), 0);
	for (i = 1; i <= 5; i++) {
		assert_int_equal(up(cache, i, PT_CONTAINER_RUNNING, 100 + i, 0, NULL, 1, 2, 0), 0);
		pt_cache_stop(cache, hid(i), (uint64_t)i);
	}
	/* only the 3 latest stopped are kept */
	assert_null(pt_cache_by_id(cache, hid(1)));
	assert_null(pt_cache_by_id(cache, hid(2)));
	assert_non_null(pt_cache_by_id(cache, hid(3)));
	assert_non_null(pt_cache_by_id(cache, hid(5)));
	pt_cache_stats(cache, &st);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.stopped, 3);
	/* fill with running: stopped ones make room first, then refusal */
	for (i = 10; i < 18; i++)
		up(cache, i, PT_CONTAINER_RUNNING, 0, 0, NULL, 1, 2, 0);
	pt_cache_stats(cache, &st);
	assert_int_equal(st.entries, 8);
	assert_int_equal(st.running, 8);
	assert_int_equal(up(cache, 99, PT_CONTAINER_RUNNING, 0, 0, NULL, 1, 2, 0), -ENOSPC);
	pt_cache_stats(cache, &st);
	assert_int_equal(st.refused_full, 1);
	assert_null(pt_cache_seen(cache, hid(98), "docker", 1, 1, 0));
	/* bad input */
	{
		struct pt_container c;

		mk(&c, 1, PT_CONTAINER_UNKNOWN, 0, 0, NULL, 1);
		assert_int_equal(pt_cache_upsert(cache, &c, 2, 0), -EINVAL);
		mk(&c, 1, PT_CONTAINER_RUNNING, 0, 0, NULL, 1);
		c.id[0] = '\0';
		assert_int_equal(pt_cache_upsert(cache, &c, 2, 0), -EINVAL);
	}
	pt_cache_free(cache);
	assert_int_equal(l.n[PT_CHANGE_REMOVED], 2 + 3 + 8); /* evicted early, by the fill, freed */
}

static void test_priority(void **state)
{
	struct pt_container_cache *cache;
	struct log l = { 0 };

	assert_int_equal(pt_cache_new(&cache, NULL, on_change, &l), 0);
	/* the Docker API (2) describes it; containerd's moby task (1) does not overwrite */
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 100, 0, "web", 0, 2, 0), 0);
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 100, 0, NULL, 2, 1, 0), -EPERM);
	assert_string_equal(pt_container_label(pt_cache_by_id(cache, hid(1)), "app"), "web");
	/* once stopped, anyone may describe it */
	pt_cache_stop(cache, hid(1), 1);
	assert_int_equal(up(cache, 1, PT_CONTAINER_RUNNING, 101, 0, NULL, 2, 1, 2), 0);
	pt_cache_free(cache);
}

static void test_sync(void **state)
{
	char ids[2][PT_CONTAINER_ID_MAX];
	struct pt_container_cache *cache;
	struct log l = { 0 };

	assert_int_equal(pt_cache_new(&cache, NULL, on_change, &l), 0);
	up(cache, 1, PT_CONTAINER_RUNNING, 101, 0, NULL, 1, 2, 0);
	up(cache, 2, PT_CONTAINER_RUNNING, 102, 0, NULL, 1, 2, 0);
	up(cache, 3, PT_CONTAINER_RUNNING, 103, 0, NULL, 1, 2, 0);
	up(cache, 4, PT_CONTAINER_RUNNING, 104, 0, NULL, 2, 1, 0); /* another source */
	strcpy(ids[0], hid(3));
	strcpy(ids[1], hid(1));
	pt_cache_sync(cache, 1, ids, 2, 5);
	assert_int_equal(l.n[PT_CHANGE_STOPPED], 1);
	assert_string_equal(l.last_id, hid(2));
	assert_int_equal(pt_cache_by_id(cache, hid(2))->stopped_at, 5);
	assert_int_equal(pt_cache_by_id(cache, hid(1))->state, PT_CONTAINER_RUNNING);
	assert_int_equal(pt_cache_by_id(cache, hid(4))->state, PT_CONTAINER_RUNNING);
	/* an empty listing: all of that source stopped */
	pt_cache_sync(cache, 1, NULL, 0, 6);
	assert_int_equal(l.n[PT_CHANGE_STOPPED], 3);
	assert_int_equal(pt_cache_by_id(cache, hid(4))->state, PT_CONTAINER_RUNNING);
	pt_cache_free(cache);
}

static void test_sync_evicts_safely(void **state)
{
	/* a sync that stops more than max_stopped containers at once */
	struct pt_cache_limits lim = { .max_entries = 64, .max_stopped = 2, .grace_ms = MIN };
	struct pt_container_cache *cache;
	struct pt_cache_stats st;
	struct log l = { 0 };
	int i;

	assert_int_equal(pt_cache_new(&cache, &lim, on_change, &l), 0);
	for (i = 0; i < 40; i++)
		up(cache, i, PT_CONTAINER_RUNNING, 100 + i, 0, NULL, 1, 2, 0);
	pt_cache_sync(cache, 1, NULL, 0, 5);
	pt_cache_stats(cache, &st);
	assert_int_equal(l.n[PT_CHANGE_STOPPED], 40);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.evicted, 38);
	pt_cache_free(cache);
}

static void test_unknown(void **state)
{
	struct pt_cache_limits lim = { .grace_ms = 10 * MIN };
	struct pt_container_cache *cache;
	const struct pt_container *c;
	struct log l = { 0 };

	assert_int_equal(pt_cache_new(&cache, &lim, on_change, &l), 0);
	c = pt_cache_seen(cache, hid(7), "docker", 300, 400, 0);
	assert_non_null(c);
	assert_int_equal(c->state, PT_CONTAINER_UNKNOWN);
	assert_string_equal(c->runtime, "docker");
	assert_string_equal(c->name, "");
	assert_ptr_equal(pt_cache_by_mntns(cache, 300), c);
	assert_int_equal(l.n[PT_CHANGE_STARTED], 0); /* no callback for unknown ones */
	/* looked up again later: its expiry moves */
	assert_ptr_equal(pt_cache_seen(cache, hid(7), "docker", 300, 400, 9 * MIN), c);
	pt_cache_expire(cache, 12 * MIN);
	assert_non_null(pt_cache_by_id(cache, hid(7)));
	/* described at last: STARTED */
	assert_int_equal(up(cache, 7, PT_CONTAINER_RUNNING, 300, 400, "web", 0, 2, 13 * MIN), 0);
	assert_int_equal(l.n[PT_CHANGE_STARTED], 1);
	assert_int_equal(pt_cache_by_id(cache, hid(7))->state, PT_CONTAINER_RUNNING);
	pt_cache_expire(cache, 100 * MIN);
	assert_non_null(pt_cache_by_id(cache, hid(7)));
	/* seen for a running entry whose ids were unknown: filled, UPDATED */
	up(cache, 8, PT_CONTAINER_RUNNING, 0, 0, "x", 0, 2, 0);
	assert_non_null(pt_cache_seen(cache, hid(8), "docker", 500, 600, 0));
	assert_int_equal(l.n[PT_CHANGE_UPDATED], 1);
	assert_ptr_equal(pt_cache_by_cgroup(cache, 600), pt_cache_by_id(cache, hid(8)));
	/* an unknown one that is never described expires */
	pt_cache_seen(cache, hid(9), "podman", 0, 0, 100 * MIN);
	pt_cache_expire(cache, 110 * MIN);
	assert_null(pt_cache_by_id(cache, hid(9)));
	assert_null(pt_cache_seen(cache, "", "podman", 0, 0, 0));
	pt_cache_free(cache);
}

static void test_mntns_reuse(void **state)
{
	struct pt_container_cache *cache;
	const struct pt_container *c;

	assert_int_equal(pt_cache_new(&cache, NULL, NULL, NULL), 0);
	/* container 1 stopped; its mount namespace inode 100 is free for reuse */
	up(cache, 1, PT_CONTAINER_RUNNING, 100, 200, NULL, 1, 2, 0);
	pt_cache_stop(cache, hid(1), 1);
	/* a host process (cgroup 1) that got inode 100: not the container */
	assert_null(pt_cache_resolve(cache, 100, 1));
	/* the kernel did not give a cgroup id: the stopped container */
	assert_non_null(pt_cache_resolve(cache, 100, 0));
	/* same cgroup: it */
	assert_non_null(pt_cache_resolve(cache, 100, 200));
	/* a new container got inode 100: running beats stopped */
	up(cache, 2, PT_CONTAINER_RUNNING, 100, 201, NULL, 1, 2, 2);
	c = pt_cache_by_mntns(cache, 100);
	assert_string_equal(c->id, hid(2));
	assert_ptr_equal(pt_cache_resolve(cache, 100, 1), c); /* nsenter from the host */
	/* stopped ones: the latest */
	pt_cache_stop(cache, hid(2), 3);
	assert_string_equal(pt_cache_by_mntns(cache, 100)->id, hid(2));
	/* v1-only host: containers have no cgroup id, the kernel gives the root's */
	up(cache, 3, PT_CONTAINER_RUNNING, 300, 0, NULL, 1, 2, 0);
	pt_cache_stop(cache, hid(3), 4);
	assert_non_null(pt_cache_resolve(cache, 300, 1));
	pt_cache_free(cache);
}

static int count_fn(void *ctx, const struct pt_container *c)
{
	(*(int *)ctx)++;
	return strcmp(c->id, hid(3)) ? 0 : 7;
}

static void test_foreach(void **state)
{
	struct pt_container_cache *cache;
	int n = 0, i;

	assert_int_equal(pt_cache_new(&cache, NULL, NULL, NULL), 0);
	for (i = 1; i <= 5; i++)
		up(cache, i, PT_CONTAINER_RUNNING, 0, 0, NULL, 1, 2, 0);
	pt_cache_stop(cache, hid(2), 1);
	pt_cache_seen(cache, hid(6), "docker", 0, 0, 0);
	assert_int_equal(pt_cache_foreach(cache, count_fn, &n), 7); /* stopped at hid(3) */
	assert_true(n >= 1 && n <= 6);
	pt_cache_free(cache);
}

static void test_settings(void **state)
{
	struct pt_containers_opts o;
	char err[256];

	pt_containers_opts_init(&o);
	assert_int_equal(o.enabled, PT_CONTAINERS_AUTO);
	assert_string_equal(o.docker_socket, "/run/docker.sock");
	assert_string_equal(o.podman_socket, "/run/podman/podman.sock");
	assert_string_equal(o.containerd_state, "/run/containerd");
	assert_int_equal(o.rebaseline_interval, 1800);
	assert_int_equal(o.stopped_keep, 600);

	assert_int_equal(pt_containers_setting(&o, "enabled", "no", err, sizeof(err)), 0);
	assert_int_equal(o.enabled, PT_CONTAINERS_OFF);
	assert_int_equal(pt_containers_setting(&o, "enabled", "Yes", err, sizeof(err)), 0);
	assert_int_equal(o.enabled, PT_CONTAINERS_ON);
	assert_int_equal(pt_containers_setting(&o, "enabled", "maybe", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "enabled: 'maybe'"));
	assert_int_equal(pt_containers_setting(&o, "docker_socket", "none", err, sizeof(err)), 0);
	assert_string_equal(o.docker_socket, "");
	assert_int_equal(pt_containers_setting(&o, "podman_socket", "", err, sizeof(err)), 0);
	assert_string_equal(o.podman_socket, "");
	assert_int_equal(pt_containers_setting(&o, "containerd_state", "/srv/ctrd", err,
					       sizeof(err)), 0);
	assert_string_equal(o.containerd_state, "/srv/ctrd");
	assert_int_equal(pt_containers_setting(&o, "docker_socket", "run/docker.sock", err,
					       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "absolute path"));
	assert_int_equal(pt_containers_setting(&o, "rebaseline_interval", "0", err, sizeof(err)), 0);
	assert_int_equal(o.rebaseline_interval, 0);
	assert_int_equal(pt_containers_setting(&o, "rebaseline_interval", "5", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(pt_containers_setting(&o, "rebaseline_interval", "60s", err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(pt_containers_setting(&o, "stopped_keep", "0", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_containers_setting(&o, "stopped_keep", "86400", err, sizeof(err)), 0);
	assert_int_equal(pt_containers_setting(&o, "stopped_keep", "-1", err, sizeof(err)), -EINVAL);
	assert_int_equal(pt_containers_setting(&o, "sockets", "x", err, sizeof(err)), -ENOENT);
}

/* enabled=no: no thread, lookups from cgroup paths still work */
static void test_manager_off(void **state)
{
	struct pt_containers_opts o;
	struct pt_containers *m;
	char err[64];

	pt_containers_opts_init(&o);
	assert_int_equal(pt_containers_setting(&o, "enabled", "no", err, sizeof(err)), 0);
	assert_int_equal(pt_containers_new(&m, &o, NULL, NULL), 0);
	assert_true(pt_containers_fd(m) >= 0);
	assert_int_equal(pt_containers_handle(m), 0);
	pt_containers_tick(m, pt_containers_now_ms());
	/* this test runs on the host or in some container: either way no crash,
	 * and a vanished pid is none */
	pt_containers_lookup_pid(m, getpid());
	assert_null(pt_containers_lookup_pid(m, 0));
	assert_null(pt_containers_lookup_pid(m, 0x3fffffff));
	assert_null(pt_containers_by_mntns(m, 1));
	pt_containers_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups_and_changes),
		cmocka_unit_test(test_grace),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_sync),
		cmocka_unit_test(test_sync_evicts_safely),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_mntns_reuse),
		cmocka_unit_test(test_foreach),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_manager_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

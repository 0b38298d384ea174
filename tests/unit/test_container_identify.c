// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of pt_containers_identify (src/containers/containers.c): the
 * container of an event from what the kernel captured (mount namespace,
 * cgroup id, cgroup directory name), the /proc fallback against a fake
 * /proc, host cgroups remembered, and processes gone or moved.  The manager
 * runs with enabled=no (no runtime): every container here is known by id
 * only, as while the runtimes are down.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "containers.h"

#define ID "7969a20c9b6f866c67cffcec73dab511c1cb0cec62a967d3970c9463ab7574bc"
#define ID2 "cd66e5e2bdfff541cb5fa31c50969906f7cb447a29d037f4cbb3fdb6a4950a6e"

struct fake {
	char dir[64], proc[128];
	struct pt_containers *m;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* /proc/PID with ns/mnt and cgroup text; returns the mnt file's inode */
static uint32_t fake_pid(struct fake *f, int pid, const char *cgroup)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "mkdir -p %s/%d/ns", f->proc, pid);
	assert_int_equal(system(p), 0);
	snprintf(p, sizeof(p), "%s/%d/ns/mnt", f->proc, pid);
	write_file(p, "");
	assert_int_equal(stat(p, &st), 0);
	snprintf(p, sizeof(p), "%s/%d/cgroup", f->proc, pid);
	write_file(p, cgroup);
	return (uint32_t)st.st_ino;
}

static void fake_gone(struct fake *f, int pid)
{
	char p[256];

	snprintf(p, sizeof(p), "rm -rf %s/%d", f->proc, pid);
	assert_int_equal(system(p), 0);
}

static int setup(void **state)
{
	struct pt_containers_opts o;
	struct fake *f = calloc(1, sizeof(*f));
	char cmd[256], mi[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/pt-identify-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->dir);
	/* a cgroup2 "mount" (a plain directory: its cgroup ids are inodes) */
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/self %s/cg2/libpod_parent/libpod-" ID, f->proc,
		 f->dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/self/mountinfo", f->proc);
	snprintf(mi, sizeof(mi), "30 23 0:26 / %s/cg2 rw,nosuid - cgroup2 cgroup2 rw\n", f->dir);
	write_file(cmd, mi);
	pt_containers_opts_init(&o);
	o.enabled = PT_CONTAINERS_OFF;
	snprintf(o.proc, sizeof(o.proc), "%s", f->proc);
	assert_int_equal(pt_containers_new(&f->m, &o, NULL, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake *f = *state;
	char cmd[128];

	pt_containers_free(f->m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static size_t host_cgroups(const struct fake *f)
{
	struct pt_containers_stats st;

	pt_containers_stats(f->m, &st);
	return st.host_cgroups;
}

/* The kernel's cgroup name alone names the container, the process long gone. */
static void test_cgroup_name(void **state)
{
	struct fake *f = *state;
	const struct pt_container *c;

	c = pt_containers_identify(f->m, 999, 4026532001u, 1450, "libpod-" ID);
	assert_non_null(c);
	assert_string_equal(c->id, ID);
	assert_string_equal(c->runtime, "podman");
	assert_string_equal(pt_container_display_name(c), ""); /* no runtime: no name */
	assert_int_equal(c->state, PT_CONTAINER_UNKNOWN);
	/* later events of that cgroup: by its id, whatever their name says */
	c = pt_containers_identify(f->m, 1000, 4026532001u, 1450, "");
	assert_non_null(c);
	assert_string_equal(c->id, ID);
	/* systemd driver */
	c = pt_containers_identify(f->m, 999, 4026532002u, 1451, "docker-" ID2 ".scope");
	assert_non_null(c);
	assert_string_equal(c->id, ID2);
	assert_string_equal(c->runtime, "docker");
	/* the monitor is a host process; nothing is in /proc for it: unknown */
	assert_null(pt_containers_identify(f->m, 999, 4026531841u, 1452, "libpod-conmon-" ID2));
	assert_int_equal(host_cgroups(f), 0);
}

/* No cgroup name that says so: /proc/PID/cgroup (nested layouts). */
static void test_proc_fallback(void **state)
{
	struct fake *f = *state;
	const struct pt_container *c;
	uint32_t mnt;

	mnt = fake_pid(f, 4242, "0::/machine.slice/libpod-" ID ".scope/container\n");
	c = pt_containers_identify(f->m, 4242, mnt, 1500, "container");
	assert_non_null(c);
	assert_string_equal(c->id, ID);
	/* a /proc snapshot (no kernel identity at all) */
	c = pt_containers_identify(f->m, 4242, 0, 0, NULL);
	assert_non_null(c);
	assert_string_equal(c->id, ID);
	/* gone: nothing, and nothing remembered */
	fake_gone(f, 4242);
	assert_null(pt_containers_identify(f->m, 4242, 0, 0, NULL));
	assert_int_equal(host_cgroups(f), 0);
}

/* A host cgroup is remembered: its next events cost no /proc read. */
static void test_host_cgroups(void **state)
{
	struct fake *f = *state;
	uint32_t mnt;

	mnt = fake_pid(f, 4343, "0::/system.slice/cron.service\n");
	assert_null(pt_containers_identify(f->m, 4343, mnt, 77, "cron.service"));
	assert_int_equal(host_cgroups(f), 1);
	/* even a process that has gone, in that cgroup: a host process */
	fake_gone(f, 4343);
	assert_null(pt_containers_identify(f->m, 4343, mnt, 77, "cron.service"));
	assert_int_equal(host_cgroups(f), 1);
	/* the same cgroup again is not added twice */
	mnt = fake_pid(f, 4344, "0::/system.slice/cron.service\n");
	assert_null(pt_containers_identify(f->m, 4344, mnt, 77, "cron.service"));
	assert_int_equal(host_cgroups(f), 1);
	/* many host cgroups: bounded (the set starts afresh) */
	for (uint64_t id = 1000; id < 1000 + 5000; id++)
		assert_null(pt_containers_identify(f->m, 4344, mnt, id, "x.service"));
	assert_true(host_cgroups(f) <= 4096);
}

/* A pid whose /proc entry is in another cgroup than the event's names nothing. */
static void test_moved_or_reused(void **state)
{
	struct fake *f = *state;
	const struct pt_container *c;
	char p[256];
	struct stat st;
	uint32_t mnt;

	mnt = fake_pid(f, 4545, "0::/libpod_parent/libpod-" ID "\n");
	snprintf(p, sizeof(p), "%s/cg2/libpod_parent/libpod-" ID, f->dir);
	assert_int_equal(stat(p, &st), 0);
	/* the event's cgroup: /proc agrees */
	c = pt_containers_identify(f->m, 4545, mnt, st.st_ino, "");
	assert_non_null(c);
	assert_string_equal(c->id, ID);
	/* an event from another cgroup of a pid now elsewhere: not known */
	assert_null(pt_containers_identify(f->m, 4545, mnt + 1, st.st_ino + 1000, ""));
	assert_int_equal(host_cgroups(f), 0);
	/* the first one is now known by its cgroup id alone */
	fake_gone(f, 4545);
	c = pt_containers_identify(f->m, 4545, 0, st.st_ino, "");
	assert_non_null(c);
	assert_string_equal(c->id, ID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cgroup_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proc_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_cgroups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moved_or_reused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

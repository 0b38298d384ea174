// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of src/containers/cgroup.c: container ids and runtimes from
 * /proc/PID/cgroup text (docker, podman, containerd/CRI, cri-o; systemd and
 * cgroupfs drivers; cgroup v1, v2, hybrid), the v2 path, cgroup2's mount
 * point from mountinfo, and the ids read from a process's /proc entries.
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

#include "cgroup.h"

#define ID "7969a20c9b6f866c67cffcec73dab511c1cb0cec62a967d3970c9463ab7574bc"
#define ID2 "cd66e5e2bdfff541cb5fa31c50969906f7cb447a29d037f4cbb3fdb6a4950a6e"

static void expect(const char *text, const char *id, const char *runtime)
{
	struct pt_cgroup_match m;
	bool found;

	memset(&m, 0, sizeof(m));
	found = pt_cgroup_parse(text, strlen(text), &m);
	if (!id) {
		if (found)
			fail_msg("'%s': found %s (%s), expected none", text, m.id, m.runtime);
		return;
	}
	if (!found)
		fail_msg("'%s': nothing found, expected %s", text, runtime);
	assert_string_equal(m.id, id);
	assert_string_equal(m.runtime, runtime);
}

/* podman on this (hybrid) machine, cgroupfs driver: captured */
static const char podman_hybrid[] =
	"9:name=systemd:/libpod_parent/libpod-" ID "\n"
	"8:pids:/libpod_parent/libpod-" ID "\n"
	"7:blkio:/libpod_parent/libpod-" ID "\n"
	"4:memory:/libpod_parent/libpod-" ID "\n"
	"1:cpu:/libpod_parent/libpod-" ID "\n"
	"0::/libpod_parent/libpod-" ID "\n";

static void test_podman(void **state)
{
	expect(podman_hybrid, ID, "podman");
	/* systemd driver, v2, and podman --systemd's nested "container" cgroup */
	expect("0::/machine.slice/libpod-" ID ".scope\n", ID, "podman");
	expect("0::/machine.slice/libpod-" ID ".scope/container\n", ID, "podman");
	/* rootless */
	expect("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope\n",
	       ID, "podman");
	/* conmon, the container's monitor, is a host process */
	expect("0::/machine.slice/libpod-conmon-" ID ".scope\n", NULL, NULL);
	expect("1:cpu:/libpod_parent/conmon\n0::/\n", NULL, NULL);
	/* no trailing newline */
	expect("0::/libpod_parent/libpod-" ID, ID, "podman");
}

static void test_docker(void **state)
{
	/* systemd driver, v1 */
	expect("12:memory:/system.slice/docker-" ID ".scope\n"
	       "1:name=systemd:/system.slice/docker-" ID ".scope\n",
	       ID, "docker");
	/* cgroupfs driver, v1 */
	expect("11:devices:/docker/" ID "\n4:memory:/docker/" ID "\n", ID, "docker");
	/* v2 */
	expect("0::/system.slice/docker-" ID ".scope\n", ID, "docker");
	/* docker in docker: the outermost container, the one the host knows */
	expect("0::/docker/" ID "/docker/" ID2 "\n", ID, "docker");
	/* a container's own sub-cgroups */
	expect("0::/system.slice/docker-" ID ".scope/init.scope\n", ID, "docker");
}

static void test_kubernetes(void **state)
{
	/* containerd, systemd driver */
	expect("0::/kubepods.slice/kubepods-burstable.slice/"
	       "kubepods-burstable-pod1d3c1e82_1b4a_4e2b_9d6e_2f0a8b6b7c11.slice/"
	       "cri-containerd-" ID ".scope\n",
	       ID, "containerd");
	expect("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podab.slice/"
	       "cri-containerd-" ID2 ".scope\n",
	       ID2, "containerd");
	/* cgroupfs driver: burstable and guaranteed (no QoS level) */
	expect("0::/kubepods/burstable/pod1d3c1e82-1b4a-4e2b-9d6e-2f0a8b6b7c11/" ID "\n", ID,
	       "containerd");
	expect("5:memory:/kubepods/pod1d3c1e82-1b4a-4e2b-9d6e-2f0a8b6b7c11/" ID "\n", ID,
	       "containerd");
	/* docker under kubelet with the systemd driver */
	expect("0::/kubepods.slice/kubepods-pod12.slice/docker-" ID ".scope\n", ID, "docker");
	/* cri-o, and its conmon */
	expect("0::/kubepods.slice/kubepods-pod12.slice/crio-" ID ".scope\n", ID, "cri-o");
	expect("0::/kubepods.slice/kubepods-pod12.slice/crio-conmon-" ID ".scope\n", NULL, NULL);
	/* the pod's own cgroup holds no container */
	expect("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12.slice\n",
	       NULL, NULL);
}

static void test_host(void **state)
{
	expect("0::/\n", NULL, NULL);
	expect("0::/init.scope\n", NULL, NULL);
	expect("0::/user.slice/user-0.slice/session-3.scope\n", NULL, NULL);
	expect("0::/system.slice/docker.service\n", NULL, NULL);
	expect("0::/system.slice/containerd.service\n", NULL, NULL);
	/* this machine's own layout: a v1 memory cgroup named by hex, not a container */
	expect("9:name=systemd:/\n4:memory:/process_api/891afefd18cc2acf6607112747a1f53e\n0::/\n",
	       NULL, NULL);
	/* a bare 64-hex name outside docker/ and kubepods is not trusted */
	expect("0::/mine/" ID "\n", NULL, NULL);
}

static void test_hybrid_order(void **state)
{
	/* v2 root, v1 says docker: found in v1 */
	expect("0::/\n4:memory:/docker/" ID "\n", ID, "docker");
	/* both: v2 first, wherever the line is */
	expect("4:memory:/docker/" ID2 "\n0::/machine.slice/libpod-" ID ".scope\n", ID, "podman");
	/* v1 lines in order */
	expect("5:pids:/docker/" ID2 "\n4:memory:/docker/" ID "\n", ID2, "docker");
}

static void test_bad_ids(void **state)
{
	char upper[] = "0::/docker/" ID "\n";

	/* upper case */
	upper[12] = 'A';
	expect(upper, NULL, NULL);
	/* 63 and 65 digits */
	expect("0::/docker/7969a20c9b6f866c67cffcec73dab511c1cb0cec62a967d3970c9463ab7574b\n", NULL,
	       NULL);
	expect("0::/docker/" ID "0\n", NULL, NULL);
	expect("0::/system.slice/docker-" ID ".scopes\n", NULL, NULL);
	expect("0::/system.slice/docker-" ID "x.scope\n", NULL, NULL);
	expect("0::/system.slice/docker-.scope\n", NULL, NULL);
	/* garbage */
	expect("", NULL, NULL);
	expect("\n\n\n", NULL, NULL);
	expect("no colons here " ID "\n", NULL, NULL);
	expect(":::::\n0:\n::\n", NULL, NULL);
}

static void test_embedded_nul(void **state)
{
	static const char text[] = "0::/docker/\0" ID "\n4:memory:/docker/" ID2 "\n";
	struct pt_cgroup_match m;

	assert_true(pt_cgroup_parse(text, sizeof(text) - 1, &m));
	assert_string_equal(m.id, ID2);
}

static void test_path_match(void **state)
{
	struct pt_cgroup_match m;
	const char *leaf = "libpod-" ID;

	/* a single component, as a BPF program could read the leaf's name */
	assert_true(pt_cgroup_path_match(leaf, strlen(leaf), &m));
	assert_string_equal(m.id, ID);
	leaf = "cri-containerd-" ID ".scope";
	assert_true(pt_cgroup_path_match(leaf, strlen(leaf), &m));
	assert_string_equal(m.runtime, "containerd");
	assert_false(pt_cgroup_path_match(ID, 64, &m)); /* bare: no parent to trust */
}

static void test_v2_path(void **state)
{
	char buf[128];

	assert_true(pt_cgroup_v2_path(podman_hybrid, strlen(podman_hybrid), buf, sizeof(buf)));
	assert_string_equal(buf, "/libpod_parent/libpod-" ID);
	assert_true(pt_cgroup_v2_path("0::/\n", 5, buf, sizeof(buf)));
	assert_string_equal(buf, "/");
	/* v1 only */
	assert_false(pt_cgroup_v2_path("4:memory:/docker/x\n", 19, buf, sizeof(buf)));
	/* too long for the buffer */
	assert_false(pt_cgroup_v2_path(podman_hybrid, strlen(podman_hybrid), buf, 20));
	/* relative: refused */
	assert_false(pt_cgroup_v2_path("0::x\n", 5, buf, sizeof(buf)));
}

static void test_mountinfo(void **state)
{
	/* this machine's, shortened */
	static const char mi[] =
		"23 1 0:21 / / rw,relatime - overlay overlay rw\n"
		"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	/* v2-only, optional fields, and an escaped space; cgroup namespace root */
	static const char mi2[] =
		"25 1 8:1 / / rw shared:1 - ext4 /dev/sda1 rw\n"
		"30 25 0:26 /ns\\040root /sys/fs/my\\040cgroup rw,nosuid shared:9 master:2 - cgroup2 "
		"cgroup2 rw,nsdelegate\n";
	char dir[64], root[64];

	assert_true(pt_cgroup2_mount(mi, strlen(mi), dir, sizeof(dir), root, sizeof(root)));
	assert_string_equal(dir, "/sys/fs/cgroup/unified");
	assert_string_equal(root, "/");
	assert_true(pt_cgroup2_mount(mi2, strlen(mi2), dir, sizeof(dir), root, sizeof(root)));
	assert_string_equal(dir, "/sys/fs/my cgroup");
	assert_string_equal(root, "/ns root");
	/* v1 only */
	assert_false(pt_cgroup2_mount(mi, strstr(mi, "41 31") - mi, dir, sizeof(dir), root,
				      sizeof(root)));
	/* too small a buffer */
	assert_false(pt_cgroup2_mount(mi, strlen(mi), dir, 8, root, sizeof(root)));
	assert_false(pt_cgroup2_mount("", 0, dir, sizeof(dir), root, sizeof(root)));
	assert_false(pt_cgroup2_mount(" - cgroup2", 10, dir, sizeof(dir), root, sizeof(root)));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A fake /proc and cgroup2 tree in a temporary directory. */
static void test_proc_ids(void **state)
{
	char tmp[] = "/tmp/pt-cgroup-test.XXXXXX", p[256], cg[600];
	struct pt_cgroup_match m;
	struct stat mnt, dir;
	uint64_t cgid;
	uint32_t mntns;

	assert_non_null(mkdtemp(tmp));
	snprintf(p, sizeof(p), "%s/proc/4242/ns", tmp);
	snprintf(cg, sizeof(cg), "mkdir -p %s %s/cg2/libpod_parent/libpod-" ID, p, tmp);
	assert_int_equal(system(cg), 0);
	snprintf(p, sizeof(p), "%s/proc/4242/ns/mnt", tmp);
	write_file(p, "");
	assert_int_equal(stat(p, &mnt), 0);
	snprintf(p, sizeof(p), "%s/proc/4242/cgroup", tmp);
	write_file(p, podman_hybrid);
	snprintf(cg, sizeof(cg), "%s/cg2", tmp);
	snprintf(p, sizeof(p), "%s/cg2/libpod_parent/libpod-" ID, tmp);
	assert_int_equal(stat(p, &dir), 0);
	snprintf(p, sizeof(p), "%s/proc", tmp);

	assert_int_equal(pt_proc_container_ids(p, 4242, cg, "/", &mntns, &cgid, &m), 0);
	assert_int_equal(mntns, (uint32_t)mnt.st_ino);
	assert_int_equal(cgid, dir.st_ino); /* not cgroup2 here: the inode */
	assert_string_equal(m.id, ID);
	/* no cgroup2: no cgroup id, the rest still */
	assert_int_equal(pt_proc_container_ids(p, 4242, NULL, NULL, &mntns, &cgid, &m), 0);
	assert_int_equal(cgid, 0);
	assert_int_equal(mntns, (uint32_t)mnt.st_ino);
	/* a cgroup namespace root that the path is not under: unknown id */
	assert_int_equal(pt_proc_container_ids(p, 4242, cg, "/other", &mntns, &cgid, &m), 0);
	assert_int_equal(cgid, 0);
	/* gone */
	assert_int_equal(pt_proc_container_ids(p, 4343, cg, "/", &mntns, &cgid, &m), -ESRCH);
	assert_int_equal(pt_proc_container_ids(p, 0, cg, "/", &mntns, &cgid, &m), -ESRCH);
	snprintf(cg, sizeof(cg), "rm -rf %s", tmp);
	assert_int_equal(system(cg), 0);
}

/* The real cgroup2 root, when there is one: handle id == inode on 64-bit. */
static void test_real_cgroup_id(void **state)
{
	const char *dirs[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	struct stat st;
	uint64_t id;
	size_t i;

	for (i = 0; i < 2; i++) {
		char probe[64];

		snprintf(probe, sizeof(probe), "%s/cgroup.procs", dirs[i]);
		if (access(probe, F_OK) || stat(dirs[i], &st))
			continue;
		assert_int_equal(pt_cgroup_id(dirs[i], &id), 0);
		if (sizeof(long) == 8)
			assert_int_equal(id, st.st_ino);
		return;
	}
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_kubernetes),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_hybrid_order),
		cmocka_unit_test(test_bad_ids),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_path_match),
		cmocka_unit_test(test_v2_path),
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_proc_ids),
		cmocka_unit_test(test_real_cgroup_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

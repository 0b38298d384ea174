// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cgroup2 root, where the cgroup socket programs attach: found in
 * /proc/self/mountinfo (/sys/fs/cgroup on a unified layout,
 * /sys/fs/cgroup/unified on a hybrid one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "probe.h"

int pt_cgroup2_root(char *buf, size_t len)
{
	char line[4096], *f[10], *save, *p;
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	int err = -ENOENT;

	if (!mi)
		return -errno;
	/* id parent major:minor root mountpoint options [optional...] - fstype source ... */
	while (fgets(line, sizeof(line), mi)) {
		int n = 0;

		for (p = strtok_r(line, " \n", &save); p && n < 10; p = strtok_r(NULL, " \n", &save)) {
			f[n++] = p;
			if (!strcmp(p, "-"))
				break;
		}
		if (n < 5 || strcmp(f[n - 1], "-"))
			continue;
		p = strtok_r(NULL, " \n", &save);
		if (!p || strcmp(p, "cgroup2") || strcmp(f[3], "/"))
			continue;
		if ((size_t)snprintf(buf, len, "%s", f[4]) < len)
			err = 0;
		break;
	}
	fclose(mi);
	return err;
}

int pt_cgroup2_open(const char *who)
{
	char root[4096];
	int fd;

	if (pt_cgroup2_root(root, sizeof(root))) {
		pt_err("%s: no cgroup2 mount found in /proc/self/mountinfo", who);
		return -ENOENT;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		pt_err("%s: cannot open the cgroup2 root %s: %s", who, root, strerror(-fd));
	}
	return fd;
}

int pt_attach_cgroup(struct bpf_program *prog, int cgfd, struct bpf_link **link)
{
	*link = bpf_program__attach_cgroup(prog, cgfd);
	if (!*link) {
		int err = -errno;

		pt_err("cannot attach %s to the cgroup2 root: %s", bpf_program__name(prog),
		       strerror(-err));
		return err;
	}
	return 0;
}

int pt_attach_cgroup_all(const char *who, const struct pt_cgroup_prog *progs, size_t n)
{
	int cgfd, err = 0;

	cgfd = pt_cgroup2_open(who);
	if (cgfd < 0)
		return cgfd;
	for (size_t i = 0; !err && i < n; i++)
		err = pt_attach_cgroup(progs[i].prog, cgfd, progs[i].link);
	close(cgfd);
	return err;
}

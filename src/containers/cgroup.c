/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define PROC_CGROUP_MAX 65536 /* bytes of /proc/PID/cgroup read */

static bool has_prefix(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && !memcmp(s, p, pl);
}

static bool hex64_at(const char *s, size_t n, const char *prefix, struct pt_cgroup_match *m,
		     const char *runtime)
{
	size_t pl = strlen(prefix);

	if (!has_prefix(s, n, prefix) || !pt_container_id_is_hex64(s + pl, n - pl))
		return false;
	memcpy(m->id, s + pl, 64);
	m->id[64] = '\0';
	m->runtime = runtime;
	return true;
}

/* One component, ".scope" already removed.  1 match, 0 none, -1 a monitor. */
static int component(const char *s, size_t n, const char *parent, size_t plen, bool kubepods,
		     struct pt_cgroup_match *m)
{
	if (has_prefix(s, n, "libpod-conmon-") || has_prefix(s, n, "crio-conmon-"))
		return -1;
	if (hex64_at(s, n, "docker-", m, "docker") || hex64_at(s, n, "libpod-", m, "podman") ||
	    hex64_at(s, n, "cri-containerd-", m, "containerd") || hex64_at(s, n, "crio-", m, "cri-o"))
		return 1;
	if (!pt_container_id_is_hex64(s, n))
		return 0;
	if (plen == 6 && !memcmp(parent, "docker", 6))
		return hex64_at(s, n, "", m, "docker");
	if (kubepods)
		return hex64_at(s, n, "", m, "containerd");
	return 0;
}

bool pt_cgroup_path_match(const char *path, size_t n, struct pt_cgroup_match *m)
{
	const char *p = path, *end = path + n, *parent = "";
	size_t plen = 0;
	bool kubepods = false;

	while (p < end) {
		const char *slash = memchr(p, '/', end - p);
		size_t len = (slash ? slash : end) - p;
		size_t base = len;
		int r;

		if (len > 6 && !memcmp(p + len - 6, ".scope", 6))
			base = len - 6;
		if (len) {
			r = component(p, base, parent, plen, kubepods, m);
			if (r > 0)
				return true;
			if (r < 0)
				return false;
			if (has_prefix(p, len, "kubepods"))
				kubepods = true;
			parent = p;
			plen = len;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return false;
}

/*
 * Look at the "H:C:path" lines of one kind (v2 or v1): match a container
 * in them, or (v2buf) copy the first v2 path.
 */
static bool scan_lines(const char *text, size_t len, bool v2, struct pt_cgroup_match *m,
		       char *v2buf, size_t v2size)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *le = nl ? nl : end;
		const char *c1 = memchr(p, ':', le - p), *c2;

		if (c1 && (c2 = memchr(c1 + 1, ':', le - c1 - 1))) {
			bool is_v2 = c1 - p == 1 && p[0] == '0' && c2 == c1 + 1;
			const char *path = c2 + 1;
			size_t plen = le - path;

			if (is_v2 == v2) {
				if (v2buf) {
					if (plen && path[0] == '/' && plen < v2size &&
					    !memchr(path, '\0', plen)) {
						memcpy(v2buf, path, plen);
						v2buf[plen] = '\0';
						return true;
					}
					return false;
				}
				if (pt_cgroup_path_match(path, plen, m))
					return true;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

bool pt_cgroup_parse(const char *text, size_t len, struct pt_cgroup_match *m)
{
	return scan_lines(text, len, true, m, NULL, 0) || scan_lines(text, len, false, m, NULL, 0);
}

bool pt_cgroup_v2_path(const char *text, size_t len, char *buf, size_t size)
{
	return scan_lines(text, len, true, NULL, buf, size);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static bool unescape(const char *s, size_t n, char *dst, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= size || !c)
			return false;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return o > 0;
}

/* The index'th space-separated field of [p, le), or false. */
static bool field(const char *p, const char *le, int index, const char **f, size_t *n)
{
	int i = 0;

	while (p < le) {
		const char *sp = memchr(p, ' ', le - p);
		const char *fe = sp ? sp : le;

		if (i++ == index) {
			*f = p;
			*n = fe - p;
			return true;
		}
		if (!sp)
			break;
		p = sp + 1;
	}
	return false;
}

bool pt_cgroup2_mount(const char *mi, size_t len, char *dir, size_t dirsize, char *root,
		      size_t rootsize)
{
	const char *p = mi, *end = mi + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *le = nl ? nl : end, *sep = NULL, *q, *f;
		size_t fl;

		/* the optional fields end with a lone "-" */
		for (q = p; q + 3 <= le; q++)
			if (q[0] == ' ' && q[1] == '-' && q[2] == ' ') {
				sep = q;
				break;
			}
		if (sep && field(sep + 3, le, 0, &f, &fl) && fl == 7 && !memcmp(f, "cgroup2", 7)) {
			const char *r, *mp;
			size_t rl, ml;

			if (field(p, sep, 3, &r, &rl) && field(p, sep, 4, &mp, &ml) &&
			    unescape(r, rl, root, rootsize) && unescape(mp, ml, dir, dirsize))
				return true;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return false;
}

int pt_cgroup_id(const char *dir, uint64_t *id)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 16];
	} h;
	struct statfs sf;
	struct stat st;
	int mount_id;

	memset(&h, 0, sizeof(h));
	h.fh.handle_bytes = 16;
	/* only kernfs handles are the cgroup id; other file systems' are not */
	if (!statfs(dir, &sf) && sf.f_type == CGROUP2_SUPER_MAGIC &&
	    !name_to_handle_at(AT_FDCWD, dir, &h.fh, &mount_id, 0) && h.fh.handle_bytes == 8) {
		memcpy(id, h.fh.f_handle, 8);
		return 0;
	}
	if (stat(dir, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

static ssize_t read_small(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size) {
		n = read(fd, buf + total, size - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	return total;
}

int pt_proc_container_ids(const char *proc, pid_t pid, const char *cg2dir, const char *cg2root,
			  uint32_t *mntns, uint64_t *cgroup_id, struct pt_cgroup_match *m)
{
	char path[256], v2[4096], dir[8192];
	struct stat st;
	char *text;
	ssize_t n;
	size_t rl;
	int ret = 0;

	*mntns = 0;
	*cgroup_id = 0;
	if (m)
		m->id[0] = '\0';
	if (pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "%s/%d/ns/mnt", proc, (int)pid);
	if (!stat(path, &st))
		*mntns = (uint32_t)st.st_ino;
	else if (errno != EACCES && errno != EPERM) /* (without CAP_SYS_PTRACE: 0) */
		return errno == ENOENT ? -ESRCH : -errno;

	text = malloc(PROC_CGROUP_MAX);
	if (!text)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/%d/cgroup", proc, (int)pid);
	n = read_small(path, text, PROC_CGROUP_MAX);
	if (n < 0) {
		ret = n == -ENOENT ? -ESRCH : (int)n;
		goto out;
	}
	if (m && !pt_cgroup_parse(text, n, m))
		m->id[0] = '\0';
	if (!cg2dir || !cg2root || !pt_cgroup_v2_path(text, n, v2, sizeof(v2)))
		goto out;
	/* the path is relative to the cgroup2 mount's root ("/" normally) */
	rl = strlen(cg2root);
	if (rl == 1 && cg2root[0] == '/')
		rl = 0;
	if (rl && (strncmp(v2, cg2root, rl) || (v2[rl] && v2[rl] != '/')))
		goto out;
	if (snprintf(dir, sizeof(dir), "%s%s", cg2dir, v2 + rl) >= (int)sizeof(dir))
		goto out;
	if (pt_cgroup_id(dir, cgroup_id))
		*cgroup_id = 0; /* gone meanwhile: unknown, not an error */
out:
	free(text);
	return ret;
}

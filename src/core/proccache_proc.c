// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The process cache's use of /proc: the scan at start-up, the fall-back for
 * an ancestor the cache does not know, and ancestry snapshots of live
 * processes (listener snapshots).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "proccache_int.h"
#include "procfs.h"

int pt_proc_cache_scan(struct pt_proc_cache *c)
{
	struct pt_procfs_proc p;
	struct pt_cmd *m;
	struct pt_pent *e;
	struct dirent *de;
	size_t found = 0;
	unsigned long v;
	char *endp;
	DIR *dir;
	int fd, err = 0;

	fd = openat(c->procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		err = -errno;
		close(fd);
		return err;
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			err = -errno;
			break;
		}
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		v = strtoul(de->d_name, &endp, 10);
		if (*endp || v > UINT32_MAX)
			continue;
		/* a process that vanishes mid-scan is simply not there */
		if (pt_procfs_read(c->procfd, (uint32_t)v, PT_PROCFS_IDS, 0, &p, c->raw, c->join,
				   c->cmdline_max))
			continue;
		m = p.cmdline_known ? pt_pc_cmd_new(c->join, p.cmdline_len) : NULL;
		e = pt_pc_entry_get(c, (uint32_t)v, p.st.starttime_ticks);
		e->ppid = p.st.ppid;
		e->uid = p.uid;
		e->loginuid = p.loginuid;
		e->exec_id_known = false;
		memcpy(e->comm, p.st.comm, PT_COMM_LEN);
		if (m)
			pt_pc_entry_set_cmd(e, m);
		found++;
	}
	closedir(dir);
	pt_dbg("process cache: %zu processes from /proc", found);
	return err;
}

/*
 * Resolve (a->tgid, start) from /proc: only a process whose stat start time
 * matches may lend its cmdline.  i is the entry when cached (cmdline
 * unknown).  Success inserts/updates the entry; failure remembers it so the
 * next events do not try again (a new entry is marked exited, so it is
 * retried after the grace period at the latest).
 */
struct pt_cmd *pt_pc_proc_fallback(struct pt_proc_cache *c, const struct pt_ancestor *a,
				    uint64_t start, uint32_t i)
{
	struct pt_procfs_proc p;
	struct pt_cmd *m = NULL;
	struct timespec ts;

	/*
	 * /proc only shows the start time in clock ticks, so also require the
	 * comm the kernel saw at event time: a process that exec'd since (its
	 * cmdline is no longer the one that connected) or a pid recycled within
	 * the same tick by a different program is refused.  What remains
	 * ambiguous is the same program under the same pid started within one
	 * tick (10 ms), which needs the whole pid space to wrap in that time.
	 */
	if (!pt_procfs_read(c->procfd, a->tgid, PT_PROCFS_MATCH, start, &p, c->raw, c->join,
			    c->cmdline_max) && p.cmdline_known &&
	    (!a->comm[0] || !strncmp(p.st.comm, a->comm, PT_COMM_LEN)))
		m = pt_pc_cmd_new(c->join, p.cmdline_len);
	if (i == NIL) {
		i = pt_pc_entry_insert(c, a->tgid, start);
		pt_pc_entry_set_anc(&c->ent[i], a);
		if (!m && !clock_gettime(CLOCK_BOOTTIME, &ts))
			pt_pc_entry_mark_exited(c, i, (uint64_t)ts.tv_sec * 1000000000ull +
						(uint64_t)ts.tv_nsec);
	} else if (m) {
		pt_pc_entry_set_anc(&c->ent[i], a); /* /proc shows the current image */
	}
	if (m) {
		pt_pc_entry_set_cmd(&c->ent[i], m);
		return m;
	}
	c->ent[i].noproc = true;
	return NULL;
}

int pt_proc_cache_snapshot_ancestry(struct pt_proc_cache *c, uint32_t pid, uint32_t max_depth,
				    struct pt_ancestry *tree, uint32_t *rec_flags)
{
	struct pt_procfs_proc p;
	uint32_t n = 0;
	int err;

	if (max_depth > PT_MAX_DEPTH)
		max_depth = PT_MAX_DEPTH;
	*rec_flags = PT_F_FROM_PROC | PT_F_TRUNCATED;
	tree->argv_len = 0;
	/* no container identity from /proc: the daemon reads /proc/PID/cgroup */
	tree->mntns = 0;
	tree->pad = 0;
	tree->cgroup_id = 0;
	tree->cgroup_name[0] = '\0';
	while (n < max_depth) {
		struct pt_ancestor *a = &tree->anc[n];

		err = pt_procfs_read(c->procfd, pid, PT_PROCFS_IDS, 0, &p, c->raw, c->join,
				     c->cmdline_max);
		if (err) {
			if (n == 0)
				return err;
			break; /* an ancestor vanished: report what we have */
		}
		a->tgid = pid;
		a->ppid = p.st.ppid;
		a->uid = p.uid;
		a->loginuid = p.loginuid;
		a->start_ns = p.st.starttime_ticks * c->ns_per_tick;
		a->exec_id = 0;
		memcpy(a->comm, p.st.comm, PT_COMM_LEN);
		n++;
		if (p.st.ppid == 0) {
			*rec_flags &= ~PT_F_TRUNCATED;
			break;
		}
		pid = p.st.ppid;
	}
	tree->depth = n;
	return 0;
}


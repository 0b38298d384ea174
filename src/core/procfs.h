/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading one process from /proc for the process cache (proccache.c,
 * proccache_proc.c).  Internal: only the process cache and the unit and fuzz
 * tests use it.
 */
#ifndef PIDTREE_PROCFS_H
#define PIDTREE_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proccache.h"

#define PT_PF_KTHREAD 0x00200000u /* task->flags bit (stat field 9): kernel thread */
#define PT_LOGINUID_UNSET 4294967295u

struct pt_procfs_proc {
	struct pt_proc_stat st;
	uint32_t flags;     /* PF_* of stat field 9 */
	uint32_t uid;       /* real uid, first field of "Uid:" in status (PT_PROCFS_IDS) */
	uint32_t loginuid;  /* PT_LOGINUID_UNSET when the file is absent (PT_PROCFS_IDS) */
	bool cmdline_known; /* out holds the process's cmdline */
	size_t cmdline_len; /* strlen(out) */
};

#define PT_PROCFS_IDS   (1u << 0) /* also read status (uid) and loginuid */
#define PT_PROCFS_MATCH (1u << 1) /* -ESRCH unless stat's starttime == expect_ticks */

/* Open the proc root as a directory fd (O_CLOEXEC).  fd or -errno. */
int pt_procfs_open(const char *root);

/*
 * Read PID's stat, optionally its ids, then its cmdline joined with spaces
 * into out (at most max bytes incl. the NUL; raw is a scratch buffer of max
 * bytes).  All files are opened through one fd of the /proc/PID directory,
 * so they describe the same process even if PID is recycled meanwhile (a
 * stale directory fd fails instead of reading the new process).
 *
 * An empty cmdline is known ("") only for a kernel thread; for a zombie (or
 * a process whose mm is already gone) the real cmdline is lost and
 * cmdline_known is false.  0 or -errno (-ENOENT/-ESRCH: process gone).
 */
int pt_procfs_read(int procfd, uint32_t pid, unsigned int how, uint64_t expect_ticks,
		   struct pt_procfs_proc *p, char *raw, char *out, size_t max);

/* pt_proc_parse_stat that also returns the flags field (may be NULL). */
int pt_procfs_parse_stat(const char *buf, size_t len, struct pt_proc_stat *out,
			 uint32_t *flags);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Ancestry resolution: turns the in-kernel ancestry snapshot of a record
 * into the event's proctree, using a process cache keyed by (pid, start
 * time) that is filled by one /proc scan at start-up and then kept current
 * by the exec/fork/exit records of process.bpf.c.
 *
 * Identity: the kernel reports start_boottime in ns, /proc/PID/stat in clock
 * ticks; both are reduced to ticks (USER_HZ) for the key, so a /proc entry
 * and a kernel record of the same process always match and a recycled PID
 * (different start time) never does.
 */
#ifndef PIDTREE_PROCCACHE_H
#define PIDTREE_PROCCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pidtree.h"
#include "event.h"

struct pt_proc_cache;

struct pt_proc_cache_opts {
	size_t max_entries;      /* default 65536 */
	size_t cmdline_max;      /* bytes kept per cmdline, default 4096 */
	uint64_t exit_grace_ns;  /* keep exited entries this long, default 60 s */
	const char *proc_root;   /* default "/proc" (tests point it elsewhere) */
	const char *passwd_file; /* NULL: getpwuid_r; tests may point to a file */
};

struct pt_proc_cache_stats {
	size_t entries;
	uint64_t exits;          /* entries marked exited (their process's exit record) */
	uint64_t evictions;      /* live entries dropped because the cache was full */
	uint64_t proc_fallbacks; /* ancestors resolved from /proc */
	uint64_t unresolved;     /* ancestors left without a cmdline */
};

int pt_proc_cache_new(struct pt_proc_cache **out, const struct pt_proc_cache_opts *opts);
void pt_proc_cache_free(struct pt_proc_cache *c);

/* One pass over /proc, adding every process found.  0 or -errno. */
int pt_proc_cache_scan(struct pt_proc_cache *c);

/* r is whole: sizeof(*r) + r->argv_len bytes, argv_len <= PT_EXEC_ARGV_LEN (the caller checks). */
void pt_proc_cache_exec(struct pt_proc_cache *c, const struct pt_exec_record *r);
void pt_proc_cache_fork(struct pt_proc_cache *c, const struct pt_fork_record *r);
/* Marks process (tgid, start_ns) exited at now_ns (CLOCK_BOOTTIME); dropped after the grace. */
void pt_proc_cache_exit(struct pt_proc_cache *c, uint32_t tgid, uint64_t start_ns, uint64_t now_ns);
/*
 * pt_proc_cache_exit for each exit of batch b (len bytes, pidtree.h), in
 * the order they happened.  0, or -EINVAL, nothing applied, for a record
 * that is not a whole batch: short, count 0 or over PT_EXIT_BATCH, an
 * entry not in its place (e[seq % PT_EXIT_BATCH]).
 */
int pt_proc_cache_exits(struct pt_proc_cache *c, const struct pt_exit_batch *b, size_t len,
			uint64_t now_ns);
/* Drop exited entries whose grace period is over (call about once a second). */
void pt_proc_cache_expire(struct pt_proc_cache *c, uint64_t now_ns);

/*
 * Fill ev->proctree/nproc/pid, and ev->mntns/cgroup_id/cgroup_name (the
 * container identity the kernel captured), from the snapshot.  For each ancestor the
 * cmdline comes from, in order: the leaf's argv captured in the hook (when
 * complete), the cache, /proc (only when its start time matches).  When
 * nothing is known the cmdline is "" and ev->error names the ancestor.  A
 * truncated walk (rec_flags & PT_F_TRUNCATED) is reported in ev->error.
 * Strings stay valid until the next call that modifies the cache.
 */
/* (tree is whole: pt_ancestry_ok() holds) */
void pt_proc_cache_resolve(struct pt_proc_cache *c, const struct pt_ancestry *tree,
			   uint32_t rec_flags, struct pt_event *ev);

/*
 * Build an ancestry snapshot of a live process from /proc (pid, then its
 * parents up to pid 1, at most max_depth), for events that do not come from
 * the kernel (listener snapshots), into tree, which has room for
 * PT_ANCESTRY_MAX bytes (union pt_ancestry_buf).  Resolve it with
 * PT_F_FROM_PROC.
 * 0 or -errno (-ENOENT: the process is gone).
 */
int pt_proc_cache_snapshot_ancestry(struct pt_proc_cache *c, uint32_t pid, uint32_t max_depth,
				    struct pt_ancestry *tree, uint32_t *rec_flags);

/* User name for uid (cached getpwuid_r); the decimal uid when unknown. */
const char *pt_username(struct pt_proc_cache *c, uint32_t uid);
/* Forget cached user names (SIGHUP). */
void pt_username_cache_drop(struct pt_proc_cache *c);

void pt_proc_cache_get_stats(const struct pt_proc_cache *c, struct pt_proc_cache_stats *st);

/* ---- /proc parsing, exposed for the unit tests ---- */

struct pt_proc_stat {
	uint32_t pid;
	uint32_t ppid;
	char state;
	char comm[PT_COMM_LEN];
	uint64_t starttime_ticks;
};

/* Parse the text of /proc/PID/stat (comm may hold spaces and parentheses). */
int pt_proc_parse_stat(const char *buf, size_t len, struct pt_proc_stat *out);
/*
 * Join a NUL-separated argv (as in /proc/PID/cmdline or an exec record) with
 * spaces into out (NUL-terminated, at most max bytes incl. the NUL); marks
 * truncation with a trailing "..." and returns the length written.
 */
size_t pt_join_argv(const char *argv, size_t len, char *out, size_t max, bool truncated);
/* ns (start_boottime) -> clock ticks, the cache's identity unit. */
uint64_t pt_ns_to_ticks(uint64_t ns);

#endif

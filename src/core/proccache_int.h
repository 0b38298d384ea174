/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internals of the process cache shared by proccache.c and proccache_proc.c. */
#ifndef PIDTREE_PROCCACHE_INT_H
#define PIDTREE_PROCCACHE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "proccache.h"
#include "users.h"

#define NIL UINT32_MAX
#define PT_CACHE_MAX_ENTRIES (1u << 26)
#define PT_CMDLINE_MAX_MAX (16u << 20)

enum { PE_FREE, PE_LIVE, PE_EXITED };

/*
 * A cmdline (immutable, refcounted) and, once it has been in an event, its
 * JSON string (pt_json_str of s): json NULL with json_tried false until
 * then (NUL-terminated, json_len bytes before the NUL); NULL with
 * json_tried true when it is not kept (its JSON would be
 * more than PT_CMD_JSON_SLACK larger than s: a cmdline of quotes or control
 * bytes is escaped per event rather than cached at up to 6 times its size).
 */
struct pt_cmd {
	uint32_t ref;
	char *json;
	uint32_t json_len;
	bool json_tried;
	char s[];
};

/* the most a kept JSON string may add to its cmdline: 1/8, + 2 quotes, + 8 */
#define PT_CMD_JSON_SLACK(len) ((len) / 8 + 10)

struct pt_pent {
	uint64_t start;     /* clock ticks since boot */
	uint64_t exit_ns;   /* CLOCK_BOOTTIME, when PE_EXITED */
	struct pt_cmd *cmd; /* NULL: unknown */
	uint32_t pid, ppid, uid, loginuid;
	uint32_t hnext;     /* hash chain */
	uint32_t prev, next; /* lru or exited list; next = free list link */
	uint64_t exec_id;   /* image the cmdline belongs to (self_exec_id) */
	uint8_t state;
	bool noproc;        /* /proc had nothing for it: do not try again */
	bool exec_id_known; /* false for entries from the /proc scan */
	char comm[PT_COMM_LEN];
};

struct pt_list {
	uint32_t head, tail;
};

struct pt_proc_cache {
	struct pt_pent *ent;
	uint32_t *bucket;
	unsigned int shift; /* 64 - log2(buckets) */
	uint32_t cap, hiwater, freelist, nused;
	struct pt_list lru, exited;
	uint64_t ns_per_tick, grace_ns;
	size_t cmdline_max, leaf_max;
	int procfd;
	char *raw, *join; /* cmdline_max bytes each */
	struct pt_cmd *held[PT_MAX_DEPTH];
	size_t nheld;
	struct pt_users users;
	bool in_resolve;
	struct pt_proc_cache_stats st;
	char leaf[PT_LEAF_ARGV_LEN + 4];
};

struct pt_cmd *pt_pc_cmd_new(const char *s, size_t len);
/* The live entry of (pid, start), created when absent. */
struct pt_pent *pt_pc_entry_get(struct pt_proc_cache *c, uint32_t pid, uint64_t start);
uint32_t pt_pc_entry_insert(struct pt_proc_cache *c, uint32_t pid, uint64_t start);
void pt_pc_entry_set_anc(struct pt_pent *e, const struct pt_ancestor *a);
void pt_pc_entry_set_cmd(struct pt_pent *e, struct pt_cmd *m);
void pt_pc_entry_mark_exited(struct pt_proc_cache *c, uint32_t i, uint64_t now_ns);
/* The cmdline of ancestor a (start ticks) from /proc; i: its entry or NIL. */
struct pt_cmd *pt_pc_proc_fallback(struct pt_proc_cache *c, const struct pt_ancestor *a,
				   uint64_t start, uint32_t i);

#endif

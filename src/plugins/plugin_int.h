/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Internals shared by the plugin manager (manager.c) and the daemon's side
 * of the public plugin ABI (api.c: argument and event accessors,
 * messages).  Not installed.
 */
#ifndef PIDTREE_PLUGIN_INT_H
#define PIDTREE_PLUGIN_INT_H

#include <stdbool.h>
#include <sys/inotify.h>
#include <sys/types.h>
#include <time.h>

#include "plugins.h"
#include "users.h"

#define ARENA_SIZE 32768 /* plugin text per event */
#define WATCH_MASK                                                                      \
	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | \
	 IN_ONLYDIR)

struct pt_pinst;

struct pidtree_ctx {
	struct pt_plugins *m;
	struct pt_pinst *inst;
	struct pt_diags *diags; /* during init() only */
	bool errors;            /* report(PIDTREE_ERR) during init() */
};

/* Identity of a file, to notice it was replaced or changed. */
struct fid {
	bool valid;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

/* One plugin configured on one probe. */
struct pt_pinst {
	struct pidtree_ctx ctx;
	const struct pidtree_plugin *p;
	void *state;
	void *dl; /* dlopen() handle, NULL for a built-in */
	char *name;
	char *file; /* where it is configured */
	int line;
	const char *probe; /* the probe it is configured on (static name) */
	bool dirty; /* a watched file changed */
	/* reconfigure: an instance whose configuration is unchanged is kept */
	char *fp;      /* fingerprint of its configuration */
	bool reused;   /* taken over by the configuration being loaded */
};

/* The plugins of one probe, in configuration order. */
struct pt_pset {
	const char *probe; /* NULL: unused */
	struct pt_pinst **v;
	size_t n;
};

/* Probes with plugins at most (one set each). */
#define PT_PLUGIN_SETS 16

/* A watched directory (one inotify watch, shared by every file in it). */
struct pt_wdir {
	char *path;
	int wd; /* -1: not watched (removed; SIGHUP retries) */
	unsigned int refs;
	bool scan; /* an entry appeared under another name: compare identities */
};

struct pt_fwatch {
	struct pt_pinst *inst;
	struct pt_wdir *dir;
	char *path;
	const char *base; /* points into path */
	struct fid id;
};

struct pidtree_event {
	struct pt_event *ev;
	struct pt_plugins *m;
};

struct pt_plugins {
	struct pt_pset set[PT_PLUGIN_SETS];
	struct pt_wdir **dirs;
	size_t ndirs;
	struct pt_fwatch *watches;
	size_t nwatches, capwatches;
	int ifd;
	char *extra_path;
	bool path_changed; /* reconfigure: extra_path is new, external plugins reload */
	struct pt_users users;
	size_t arena_used;
	char arena[ARENA_SIZE];
	struct pidtree_event probe_ev; /* pt_plugins_event()'s handle */
};

/* A plugin argument is a YAML node of the configuration tree. */
#define YN(a) ((const struct pt_ynode *)(a))
#define ARG(n) ((const struct pidtree_arg *)(n))

/* The function table handed to every plugin (api.c). */
extern const struct pidtree_api pt_plugin_api;

size_t pt_plugin_arg_count(const struct pidtree_arg *a);
const char *pt_plugin_arg_key(const struct pidtree_arg *map, size_t i);
int pt_plugin_watch_file(struct pidtree_ctx *ctx, const char *path);
/* external.c: the plugin of in->name, built in or DIR/NAME.so.  0 or -EINVAL (reported). */
int pt_plugin_find(struct pt_plugins *m, struct pt_pinst *in);
/* watches.c: forget an instance's watches; reload it (its files changed, SIGHUP) */
void pt_plugin_unwatch(struct pt_plugins *m, struct pt_pinst *in);
void pt_plugin_reload_inst(struct pt_plugins *m, struct pt_pinst *in);
void pt_plugin_report(struct pidtree_ctx *ctx, enum pidtree_level level,
		   const struct pidtree_arg *at, const char *fmt, ...);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Probe configuration (the YAML file, pidtree-bcc compatible).
 *
 * config_yaml.c turns YAML (libyaml, with anchors/aliases and "!include")
 * into a tree of pt_ynode that remembers file:line for every node;
 * config.c interprets that tree into struct pt_config and validates it.
 */
#ifndef PIDTREE_CONFIG_H
#define PIDTREE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../bpf/pidtree.h"

/* ---- diagnostics ------------------------------------------------------ */

enum pt_diag_level { PT_DIAG_WARNING, PT_DIAG_ERROR };

struct pt_diag {
	enum pt_diag_level level;
	char *file; /* may be NULL */
	int line;   /* 1-based, 0 when unknown */
	char *msg;
};

struct pt_diags {
	struct pt_diag *v;
	size_t n, cap;
	size_t nerrors;
};

void pt_diag_add(struct pt_diags *d, enum pt_diag_level level, const char *file, int line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/*
 * Print every diagnostic through pt_log, at LOG_ERR or LOG_WARNING, as
 * "file:line: message" (pt_log adds "pidtree: error: " / "warning: ").
 */
void pt_diags_print(const struct pt_diags *d);
void pt_diags_free(struct pt_diags *d);

/* ---- generic YAML tree -------------------------------------------------- */

enum pt_ynode_type { PT_Y_SCALAR, PT_Y_SEQUENCE, PT_Y_MAPPING, PT_Y_NULL };

struct pt_ynode {
	enum pt_ynode_type type;
	const char *file; /* interned; owned by the pt_ytree */
	int line;
	char *scalar;      /* PT_Y_SCALAR: the text */
	bool quoted;       /* PT_Y_SCALAR: was written quoted ('x' / "x") */
	size_t n;          /* children count (sequence items or mapping pairs) */
	struct pt_ynode **items; /* PT_Y_SEQUENCE */
	struct pt_ynode **keys;  /* PT_Y_MAPPING: keys[i] -> values[i] */
	struct pt_ynode **values;
};

struct pt_ytree {
	struct pt_ynode *root;
	char **files; /* every file read, realpath()'d, the main file first */
	size_t nfiles;
	/* private: allocation bookkeeping */
	void *priv;
};

/*
 * Load path (and every "!include"d file, relative to the including file).
 * Errors (unreadable file, YAML syntax, include cycle, unknown tag) are added
 * to diags; returns 0 or -errno / -EINVAL.
 */
int pt_ytree_load(struct pt_ytree *t, const char *path, struct pt_diags *diags);

/* ---- remote includes: the loader's hook (remote.h implements it) -------- */
struct pt_yinclude {
	/*
	 * The document "!include target" (at line of document base) refers to.
	 * 1: a remote document, *name (malloc'd) to be read with open();
	 * 0: target is a local file name, the usual rules apply;
	 * <0: refused, the reason added to diags (-ENOMEM: nothing added).
	 */
	int (*resolve)(void *ctx, const char *base, const char *target, int line, char **name,
		       struct pt_diags *diags);
	/*
	 * The bytes of remote document name, included at from:line: 0 with
	 * *data (malloc'd, *len bytes), or <0 with the reason added to diags.
	 */
	int (*open)(void *ctx, const char *name, const char *from, int line, char **data,
		    size_t *len, struct pt_diags *diags);
	void *ctx;
};

struct pt_yload_opts {
	const struct pt_yinclude *include; /* NULL: every include is a local file */
};

/*
 * pt_ytree_load with options.  With o->include, t->files also holds the
 * URL (normalised, see pt_remote_is_url) of every remote document read.
 */
int pt_ytree_load_opts(struct pt_ytree *t, const char *path, const struct pt_yload_opts *o,
		       struct pt_diags *diags);
/* ---- end of remote includes ---------------------------------------------- */
void pt_ytree_free(struct pt_ytree *t);
/* Mapping lookup by key; NULL when absent or not a mapping. */
const struct pt_ynode *pt_ynode_get(const struct pt_ynode *map, const char *key);

/* ---- interpreted configuration ------------------------------------------ */

#define PT_MAX_SESSIONS_MAX (1 << 20)

#define PT_PROTO_TCP (1u << 0)
#define PT_PROTO_UDP (1u << 1)

struct pt_net_filter {
	char *subnet_name;
	char *description;
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network address, host bits cleared */
	int prefixlen;
	enum pt_filter_mode mode;
	int nranges;
	struct pt_port_range ranges[PT_MAX_PORT_RANGES];
	const char *file;
	int line;
};

struct pt_plugin_config {
	char *name;
	bool enabled;                  /* default true */
	bool unload_on_init_exception; /* default false */
	const struct pt_ynode *args;   /* the plugin's mapping (points into the ytree) */
	const char *file;
	int line;
};

enum pt_probe_kind {
	PT_PROBE_TCP_CONNECT,
	PT_PROBE_NET_LISTEN,
	PT_PROBE_UDP_SESSION,
	PT_PROBE_COUNT,
};

struct pt_probe_config {
	enum pt_probe_kind kind;
	bool present; /* the probe's key is in the file */
	const char *file;
	int line;
	struct pt_net_filter *filters;
	size_t nfilters;
	enum pt_port_mode port_mode; /* includeports / excludeports */
	struct pt_port_range *ports;
	size_t nports;
	struct pt_plugin_config *plugins;
	size_t nplugins;
	/* net_listen */
	unsigned protocols; /* PT_PROTO_* ; default TCP */
	long snapshot_periodicity; /* seconds, 0 = off */
	long snapshot_delay;       /* seconds before the first snapshot, default 5 */
	bool same_namespace_only;
	bool exclude_random_bind;
	/* udp_session */
	long session_max_duration; /* seconds, default 120 */
	long max_sessions;         /* tracked sockets (kernel and userland), default 16384 */
};

struct pt_config {
	struct pt_probe_config probes[PT_PROBE_COUNT];
	struct pt_ytree tree; /* kept alive for plugin args */
};

extern const char *const pt_probe_names[PT_PROBE_COUNT];

/*
 * Load and validate the probe configuration.  Every problem found is added
 * to diags (errors and warnings with file:line); returns 0 when there are no
 * errors, -EINVAL otherwise (the caller exits 78).  An unreadable file gives
 * -errno.  On error *cfg is freed and zeroed.
 */
int pt_config_load(struct pt_config *cfg, const char *path, struct pt_diags *diags);
/* pt_config_load with YAML loader options (remote includes); o may be NULL */
int pt_config_load_opts(struct pt_config *cfg, const char *path, const struct pt_yload_opts *o,
			struct pt_diags *diags);
void pt_config_free(struct pt_config *cfg);
/* A probe's defaults (present = false). */
void pt_probe_config_defaults(struct pt_probe_config *pc, enum pt_probe_kind kind);

/*
 * Internal to the loader (config_probe.c): interpret one probe's value
 * (mapping or null) into pc, which holds the defaults.  Problems go to diags;
 * returns 0 or -ENOMEM.
 */
int pt_config_parse_probe(struct pt_probe_config *pc, const struct pt_ynode *key,
			  const struct pt_ynode *val, struct pt_diags *diags);

/* Helpers shared by the parser and plugins (all return 0 or -EINVAL). */
int pt_parse_port_range(const char *s, struct pt_port_range *out);
int pt_parse_bool(const char *s, bool *out);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pidtree plugin ABI, version 1.
 *
 * A plugin enriches pidtree's events in userland, after the process tree has
 * been resolved and before the event is written to any output.  Plugins are
 * named per probe in the probe configuration, as in pidtree-bcc:
 *
 *     tcp_connect:
 *       plugins:
 *         example:                         # loaded from DIR/example.so
 *           enabled: true                  # default true
 *           unload_on_init_exception: false  # default false
 *           field: example_field           # the plugin's own arguments
 *
 * A name that is not a built-in plugin is loaded with dlopen() from
 * DIR/NAME.so, DIR being --extra-plugin-path (or [daemon]
 * extra_plugin_path= in pidtree.conf).  The .so, DIR and every directory
 * above them must be owned by root (or by the user pidtree runs as) and
 * writable by nobody else (a sticky directory such as /tmp is accepted
 * above DIR), or the plugin is refused.
 *
 * A plugin is a shared object that exports one symbol, "pidtree_plugin", a
 * const struct pidtree_plugin; define it with PIDTREE_PLUGIN(...):
 *
 *     #include <pidtree/plugin.h>
 *
 *     static const char *const probes[] = { "*", NULL };
 *     static void process(void *state, struct pidtree_event *ev) { ... }
 *     PIDTREE_PLUGIN(.name = "example", .probes = probes, .process = process);
 *
 * and build it with:  cc -shared -fPIC -o example.so example.c
 *
 * Everything a plugin needs from pidtree goes through the function table
 * struct pidtree_api handed to init(); a plugin links against nothing of
 * pidtree's.  Threads: pidtree calls every plugin function from its single
 * event-loop thread, never concurrently; process() runs once per event and
 * must not block (no file or network I/O, no sleeping) — load what you need in
 * init() and reload().
 *
 * Reloads: on SIGHUP (and with -w when the configuration changes) pidtree
 * reads its configuration again.  A plugin instance whose arguments did not
 * change is kept and its reload() is called; a changed one is replaced: the
 * new instance's init(), then the old one's fini().  A loaded .so stays
 * loaded: a new build takes effect when pidtree restarts (install it by
 * renaming it into place, as install(1) does, never by rewriting it).
 *
 * Compatibility: pidtree loads a plugin only when its abi_version equals
 * PIDTREE_PLUGIN_ABI_VERSION.  Within one ABI version, struct pidtree_api only
 * grows at its end (check api->size before using a member added later) and
 * the enums only gain values; an incompatible change bumps the version.
 * See pidtree-plugins(7).
 */
#ifndef PIDTREE_PLUGIN_H
#define PIDTREE_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PIDTREE_PLUGIN_ABI_VERSION 1
/* The symbol pidtree looks up in a plugin .so (see PIDTREE_PLUGIN). */
#define PIDTREE_PLUGIN_SYMBOL "pidtree_plugin"

/* A node of the plugin's YAML configuration (its mapping, or a value in it). */
struct pidtree_arg;
/* The event being processed (valid during process() only). */
struct pidtree_event;
/* One configured instance of the plugin, as pidtree sees it. */
struct pidtree_ctx;

enum pidtree_arg_type {
	PIDTREE_ARG_NONE = 0, /* absent key (NULL node) */
	PIDTREE_ARG_NULL,     /* "key:" with no value, or ~ / null */
	PIDTREE_ARG_SCALAR,   /* string, number or boolean: read with arg_str/int/bool */
	PIDTREE_ARG_LIST,
	PIDTREE_ARG_MAP,
};

/* Levels of log() and report(): the syslog(3) values. */
enum pidtree_level {
	PIDTREE_ERR = 3,
	PIDTREE_WARNING = 4,
	PIDTREE_INFO = 6,
	PIDTREE_DEBUG = 7,
};

/* Top-level event fields (ev_str / ev_int). */
enum pidtree_field {
	PIDTREE_FIELD_PROBE = 1,    /* str: "tcp_connect", "net_listen", "udp_session" */
	PIDTREE_FIELD_PID,          /* int: the process (proctree[0]) */
	PIDTREE_FIELD_TIMESTAMP_US, /* int: wall clock, microseconds since the epoch */
	PIDTREE_FIELD_DADDR,        /* str: tcp_connect destination */
	PIDTREE_FIELD_SADDR,        /* str: tcp_connect source */
	PIDTREE_FIELD_LADDR,        /* str: net_listen local (bound) address */
	PIDTREE_FIELD_PORT,         /* int: tcp_connect destination / net_listen port */
	PIDTREE_FIELD_PROTOCOL,     /* str: net_listen "tcp" / "udp" */
	PIDTREE_FIELD_ERROR,        /* str: "" or a short reason */
};

/* Fields of a proctree entry (proc_str / proc_int); entry 0 is the process. */
enum pidtree_proc_field {
	PIDTREE_PROC_PID = 1,  /* int */
	PIDTREE_PROC_PPID,     /* int */
	PIDTREE_PROC_UID,      /* int */
	PIDTREE_PROC_LOGINUID, /* int: 4294967295 when unset */
	PIDTREE_PROC_START_NS, /* int: start time, ns since boot */
	PIDTREE_PROC_CMDLINE,  /* str: "" when unknown */
	PIDTREE_PROC_USERNAME, /* str: the uid in decimal when it has no passwd entry */
};

/* Fields of a udp_session destination (dest_str / dest_int). */
enum pidtree_dest_field {
	PIDTREE_DEST_DADDR = 1,   /* str */
	PIDTREE_DEST_PORT,        /* int */
	PIDTREE_DEST_MSG_COUNT,   /* int */
	PIDTREE_DEST_DURATION_US, /* int */
};

#if defined(__GNUC__)
#define PIDTREE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PIDTREE_PRINTF(f, a)
#endif

/*
 * The functions pidtree offers a plugin.  Strings returned are owned by
 * pidtree: configuration nodes and strings live until init() returns (copy
 * what you keep), event strings until process() returns.  Functions
 * returning int give 0 or a negative errno.
 */
struct pidtree_api {
	uint32_t abi_version; /* PIDTREE_PLUGIN_ABI_VERSION */
	uint32_t size;        /* sizeof(struct pidtree_api) in the running pidtree */

	/* ---- configuration: valid in init() only ---- */

	/* Value of key in a mapping; NULL when absent (or map is not a mapping). */
	const struct pidtree_arg *(*arg_get)(const struct pidtree_arg *map, const char *key);
	enum pidtree_arg_type (*arg_type)(const struct pidtree_arg *a);
	/* Text of a scalar; NULL for anything else. */
	const char *(*arg_str)(const struct pidtree_arg *a);
	/* A decimal integer scalar.  -EINVAL (not one), -ERANGE. */
	int (*arg_int)(const struct pidtree_arg *a, long long *out);
	/* true/false (also yes/no, on/off; any case).  -EINVAL. */
	int (*arg_bool)(const struct pidtree_arg *a, bool *out);
	/* Items of a list, pairs of a mapping; 0 for anything else. */
	size_t (*arg_count)(const struct pidtree_arg *a);
	/* Item i of a list, or value i of a mapping; NULL when out of range. */
	const struct pidtree_arg *(*arg_item)(const struct pidtree_arg *a, size_t i);
	/* Key i of a mapping (a plugin's "enabled" and "unload_on_init_exception" included). */
	const char *(*arg_key)(const struct pidtree_arg *map, size_t i);
	/* Where a node was written: file and 1-based line (NULL / 0 when unknown). */
	void (*arg_where)(const struct pidtree_arg *a, const char **file, int *line);
	/*
	 * A configuration problem at node at (NULL: the plugin's own entry in
	 * the configuration; must be NULL outside init()), printed as
	 * "file:line: plugin NAME: message".  In init(), an error makes the
	 * configuration invalid (pidtree exits 78) unless the plugin has
	 * unload_on_init_exception: true; init() must then return an error.
	 */
	void (*report)(struct pidtree_ctx *ctx, enum pidtree_level level,
		       const struct pidtree_arg *at, const char *fmt, ...) PIDTREE_PRINTF(4, 5);

	/* ---- services ---- */

	/* Log a message ("pidtree: LEVEL: plugin NAME: message"). */
	void (*log)(struct pidtree_ctx *ctx, enum pidtree_level level, const char *fmt, ...)
		PIDTREE_PRINTF(3, 4);
	/*
	 * Call reload() when path changes: written and closed, renamed into
	 * place (atomic replace), re-created, touched; also when the directory
	 * entry is swapped by a symlink flip.  The directory of path is watched
	 * with inotify, so it must exist; the file need not.  path should be
	 * absolute.  Watching the same path again is harmless.  init() or
	 * reload(); the watch ends with the instance.
	 */
	int (*watch_file)(struct pidtree_ctx *ctx, const char *path);
	/* Whether key is acceptable to add_str() and friends (see there). */
	bool (*key_ok)(const char *key);

	/* ---- the event: valid in process() only ---- */

	/* NULL when the field does not apply to the event's probe. */
	const char *(*ev_str)(const struct pidtree_event *ev, enum pidtree_field f);
	/* -ENOENT when the field does not apply. */
	int (*ev_int)(const struct pidtree_event *ev, enum pidtree_field f, int64_t *out);
	size_t (*proc_count)(const struct pidtree_event *ev);
	const char *(*proc_str)(const struct pidtree_event *ev, size_t i, enum pidtree_proc_field f);
	int (*proc_int)(const struct pidtree_event *ev, size_t i, enum pidtree_proc_field f,
			int64_t *out);
	size_t (*dest_count)(const struct pidtree_event *ev);
	const char *(*dest_str)(const struct pidtree_event *ev, size_t i, enum pidtree_dest_field f);
	int (*dest_int)(const struct pidtree_event *ev, size_t i, enum pidtree_dest_field f,
			int64_t *out);
	/* User name of uid from pidtree's cache (the uid in decimal when unknown). */
	const char *(*username)(struct pidtree_event *ev, uint32_t uid);
	/*
	 * Add a top-level key to the event; key and value are copied.  A key
	 * already added is replaced.  Keys are [a-z0-9_], at most 56
	 * characters, and not one of pidtree's own (pid, port, ...): -EINVAL;
	 * -ENOSPC when the event has no room left (16 keys, 32 KiB of text).
	 */
	int (*add_str)(struct pidtree_event *ev, const char *key, const char *val);
	int (*add_int)(struct pidtree_event *ev, const char *key, int64_t val);
	int (*add_bool)(struct pidtree_event *ev, const char *key, bool val);
};

/*
 * What a plugin .so exports (as "pidtree_plugin", see PIDTREE_PLUGIN).
 * Only name, probes and process are required.
 */
struct pidtree_plugin {
	uint32_t abi_version; /* PIDTREE_PLUGIN_ABI_VERSION */
	uint32_t size;        /* sizeof(struct pidtree_plugin) */
	const char *name;     /* the NAME of NAME.so and of the configuration key */
	const char *version;  /* free text, shown with -v (optional) */
	/* Probes the plugin supports, NULL-terminated; "*" = every probe. */
	const char *const *probes;
	/*
	 * Argument keys the plugin understands, NULL-terminated; any other key
	 * is warned about with its file:line.  NULL: not checked.
	 */
	const char *const *args;
	/*
	 * Read the arguments (args is the plugin's mapping, NULL when the
	 * plugin was configured with no value), set *state.  0, or a negative
	 * errno after report()ing why.  Called once per probe the plugin is
	 * configured on; keep api and ctx in *state to use them later.
	 * Optional.
	 */
	int (*init)(const struct pidtree_api *api, struct pidtree_ctx *ctx,
		    const struct pidtree_arg *args, void **state);
	/* Enrich one event of a probe this instance is configured on. */
	void (*process)(void *state, struct pidtree_event *ev);
	/*
	 * SIGHUP, or a file given to watch_file() changed: re-read external
	 * data.  On failure keep the previous data and log() why.
	 */
	int (*reload)(void *state);
	/*
	 * Free state.  Called whenever *state is not NULL after init(), also
	 * when init() failed.  Optional.
	 */
	void (*fini)(void *state);
};

#if defined(__GNUC__)
#define PIDTREE_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define PIDTREE_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
#define PIDTREE_PLUGIN_LINKAGE extern "C" /* a const would be internal in C++ */
#else
#define PIDTREE_PLUGIN_LINKAGE
#endif

/*
 * Define the exported descriptor: PIDTREE_PLUGIN(.name = "x", .probes = p, ...);
 * (C++20: give the members in declaration order.)
 */
#define PIDTREE_PLUGIN(...)                                                       \
	PIDTREE_PLUGIN_LINKAGE PIDTREE_PLUGIN_EXPORT const struct pidtree_plugin      \
		pidtree_plugin = {                                                \
		.abi_version = PIDTREE_PLUGIN_ABI_VERSION,                        \
		.size = sizeof(struct pidtree_plugin),                            \
		__VA_ARGS__                                                       \
	}

#ifdef __cplusplus
}
#endif

#endif /* PIDTREE_PLUGIN_H */

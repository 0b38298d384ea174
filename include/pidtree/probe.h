/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pidtree external probe ABI, version 1.
 *
 * An external probe is a BPF object of its own, loaded by pidtree beside the
 * built-in probes, whose records go through pidtree's one ring buffer and
 * become pidtree events: the process tree resolved from pidtree's process
 * cache, plugins, every output (JSON, journald, syslog), the subnet and port
 * filters, reloads and the loss counters all apply to it as to a built-in
 * probe.  It is named by its top-level key in the probe configuration:
 *
 *     process_exec:              # not a built-in probe: DIR/process_exec.so
 *       uids: [0]                # the probe's own arguments
 *       plugins:                 # plugins, as on any probe
 *         example:
 *
 * DIR being --extra-probe-path (or [daemon] extra_probe_path= in
 * pidtree.conf).  The .so, DIR and every directory above them must be owned
 * by root (or by the user pidtree runs as) and writable by nobody else, as
 * for plugins; a probe that is refused, cannot be loaded or does not match
 * this ABI is a configuration error (exit status 78, also --check-config)
 * at the line of its key.
 *
 * The shared object exports one symbol, "pidtree_probe", a const struct
 * pidtree_probe; define it with PIDTREE_PROBE(...).  Its two halves:
 *
 * - the kernel side, built with clang -target bpf against pidtree's BPF
 *   headers (installed in $(includedir)/pidtree/bpf: -I/usr/include/pidtree/bpf):
 *     ringbuf.bpf.h   the shared ring buffer and loss counters: build a
 *                     record with r = pt_record(PT_REC(i)) (a per-CPU
 *                     scratch buffer), send it with pt_output(r,
 *                     PT_TREE_REC_LEN(r, size), PT_LOSS(j)); record i is
 *                     this probe's i-th type
 *     ancestry.bpf.h  pt_capture_tree(&r->tree, task, &size): the ancestry
 *                     snapshot and leaf argv, size bytes long (variable: the
 *                     struct pt_ancestry is the record's last member)
 *     filter.bpf.h    pt_filter_drops(): the probe's filters (network probes)
 *     net.bpf.h, vmlinux.h (a small CO-RE subset: declare more kernel types
 *                     with preserve_access_index in your own header),
 *     pidtree.h       the records' common parts (struct pt_record_hdr,
 *                     struct pt_ancestry), also included by the userland side;
 *   every record starts with struct pt_record_hdr and holds a struct
 *   pt_ancestry, which decode() points pidtree at;
 * - the userland side, this .so: it opens, loads and attaches its object
 *   with libbpf (a bpftool skeleton), between which it calls
 *   api->prepare() (before load) and, for a network probe, api->filters()
 *   (after load, before attach); and it decodes its records.  Link it with
 *   the system's shared libbpf (-lbpf), the one pidtree uses: pidtree works
 *   on the probe's struct bpf_object.
 *
 * Build:
 *     clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I/usr/include/pidtree/bpf \
 *         -c x.bpf.c -o x.bpf.o
 *     bpftool gen skeleton x.bpf.o name x > x.skel.h
 *     cc -shared -fPIC -I/usr/include/pidtree/bpf -o x.so x.c -lbpf
 *
 * Threads: pidtree calls every function from its single event-loop thread.
 * decode() runs once per record and must not block.  Reloads (SIGHUP, -w):
 * when only the keys pidtree handles changed (filters, includeports,
 * excludeports, plugins) the running object keeps going with new filters;
 * when the probe's own arguments changed, a new instance is opened (open())
 * and only then the old one closed (close()), so coverage never lapses.  A
 * loaded .so stays loaded until pidtree exits: a new build takes effect at
 * the next start.
 *
 * Compatibility: pidtree loads a probe only when its abi_version equals
 * PIDTREE_PROBE_ABI_VERSION and its size is at least the size of this
 * version's struct pidtree_probe.  Within one version struct
 * pidtree_probe_api only grows at its end (check api->size) and the enums
 * only gain values.  See pidtree-probes(7).
 */
#ifndef PIDTREE_PROBE_ABI_H
#define PIDTREE_PROBE_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pidtree/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PIDTREE_PROBE_ABI_VERSION 1
/* The symbol pidtree looks up in a probe .so (see PIDTREE_PROBE). */
#define PIDTREE_PROBE_SYMBOL "pidtree_probe"

/* A probe's name: [a-z][a-z0-9_]*, at most this long ("probe" of its events). */
#define PIDTREE_PROBE_NAME_MAX 32
/* Record types (PT_REC(0) ... PT_REC(nrecords - 1)) per probe at most. */
#define PIDTREE_PROBE_MAX_RECORDS 16
/* Kernel loss counters (PT_LOSS(0) ... PT_LOSS(nlosses - 1)) per probe at most. */
#define PIDTREE_PROBE_MAX_LOSSES 8

struct bpf_object;
/* From pidtree.h (the BPF headers): the ancestry snapshot a record holds. */
struct pt_ancestry;
/* One instance of the probe as pidtree sees it (check() and open()). */
struct pidtree_probe_ctx;

/* What the events look like: the keys pidtree writes for them. */
enum pidtree_probe_shape {
	PIDTREE_SHAPE_PROCESS = 0, /* no address: the process itself (an exec, ...) */
	PIDTREE_SHAPE_CONNECT = 1, /* daddr, saddr, port: an outbound connection */
	PIDTREE_SHAPE_LISTEN = 2,  /* laddr, port, protocol: a listening socket */
};

/* What a loss counter counts. */
enum pidtree_loss_kind {
	PIDTREE_LOSS_EVENTS = 0,  /* events lost (the telemetry's "count") */
	PIDTREE_LOSS_COUNTED = 2, /* only counted, nothing lost ("counted" in the totals) */
};

/* One kernel loss counter, PT_LOSS(i) of the BPF side. */
struct pidtree_probe_loss {
	/* in totals and telemetry: the probe's name, or NAME_something ([a-z0-9_]) */
	const char *name;
	/* logged with the count: "records lost (ring buffer full; raise --ringbuf-kib)" */
	const char *what;
	uint32_t kind; /* enum pidtree_loss_kind */
};

/* pidtree_probe.needs: kernel features checked before any probe is opened */
#define PIDTREE_PROBE_NEEDS_CGROUP  (1u << 0) /* cgroup programs on the cgroup2 root */
#define PIDTREE_PROBE_NEEDS_TRACEFS (1u << 1) /* tracepoint/ (not tp_btf/) programs */

/*
 * What pidtree offers a probe.  Functions returning int give 0 or a negative
 * errno; those of open() log why they failed ("probe NAME: ...").
 */
struct pidtree_probe_api {
	uint32_t abi_version; /* PIDTREE_PROBE_ABI_VERSION */
	uint32_t size;        /* sizeof(struct pidtree_probe_api) in the running pidtree */

	/*
	 * The plugin API (<pidtree/plugin.h>): its argument accessors (arg_get,
	 * arg_type, arg_str, ..., arg_where), key_ok, username, and the event
	 * functions add_str, add_int and add_bool for decode().  Its report,
	 * log and watch_file take a plugin's context: a probe uses report and
	 * log below instead.
	 */
	const struct pidtree_api *plugin;

	/* ---- check() and open() ---- */

	/*
	 * A configuration problem at node at (NULL: the probe's key), printed
	 * as "file:line: probe NAME: message".  An error in check() makes the
	 * configuration invalid (exit 78; a reload keeps the running one).
	 */
	void (*report)(struct pidtree_probe_ctx *ctx, enum pidtree_level level,
		       const struct pidtree_arg *at, const char *fmt, ...) PIDTREE_PRINTF(4, 5);
	/* "probe NAME: message" in pidtree's log. */
	void (*log)(struct pidtree_probe_ctx *ctx, enum pidtree_level level, const char *fmt, ...)
		PIDTREE_PRINTF(3, 4);

	/* ---- open() ---- */

	/*
	 * Before load: set the object's pt_consts (its record types and loss
	 * counters, the ancestry depth, the wake-up threshold: ringbuf.bpf.h),
	 * point its pt_events and pt_lost maps at pidtree's shared ones and, for
	 * an object with filter maps (filter.bpf.h), size them for the
	 * configured filters.  Required: without it the records never reach
	 * pidtree, and open() fails.
	 */
	int (*prepare)(struct pidtree_probe_ctx *ctx, struct bpf_object *obj);
	/*
	 * After load, before attach (network probes): install the configured
	 * filters into the object's filter maps and remember its generation
	 * switch (&skel->bss->pt_generation), which reloads flip.  Required for
	 * a network probe: nothing unfiltered may be attached.
	 */
	int (*filters)(struct pidtree_probe_ctx *ctx, struct bpf_object *obj,
		       volatile uint32_t *generation);
	/*
	 * A read-only descriptor of the cgroup2 root, to attach cgroup programs
	 * to (bpf_program__attach_cgroup); close it after attaching.  Declare
	 * PIDTREE_PROBE_NEEDS_CGROUP.
	 */
	int (*cgroup2_open)(struct pidtree_probe_ctx *ctx);

	/* ---- decode() ---- */

	/*
	 * The event's address keys (shape CONNECT: PIDTREE_FIELD_DADDR and
	 * SADDR; LISTEN: LADDR): family AF_INET (4 bytes at addr) or AF_INET6
	 * (16), network order, written in canonical text (RFC 5952).  -EINVAL
	 * for another field or family.
	 */
	int (*set_addr)(struct pidtree_event *ev, enum pidtree_field f, int family,
			const void *addr);
	/* The event's port (shapes CONNECT and LISTEN), host order. */
	int (*set_port)(struct pidtree_event *ev, uint16_t port);
	/* The event's protocol (shape LISTEN): "tcp" or "udp"; -EINVAL otherwise. */
	int (*set_protocol)(struct pidtree_event *ev, const char *protocol);
	/* Append a short reason to the event's "error" key ("a; b"). */
	int (*add_error)(struct pidtree_event *ev, const char *reason);
};

/*
 * What a probe .so exports (as "pidtree_probe", see PIDTREE_PROBE).
 * Required: name, attach, nrecords, losses and nlosses, open, decode, close.
 */
struct pidtree_probe {
	uint32_t abi_version; /* PIDTREE_PROBE_ABI_VERSION */
	uint32_t size;        /* sizeof(struct pidtree_probe) */
	const char *name;     /* the NAME of NAME.so and its YAML key: [a-z][a-z0-9_]* */
	const char *version;  /* free text, shown with -p (optional) */
	/* journald MESSAGE_ID of its events: 32 lowercase hex digits (optional) */
	const char *message_id;
	const char *attach; /* its attach points, for -p and messages */
	uint32_t shape;     /* enum pidtree_probe_shape */
	uint32_t needs;     /* PIDTREE_PROBE_NEEDS_* */
	/*
	 * Takes filters, includeports and excludeports (its BPF side calls
	 * pt_filter_drops() on each event, and open() calls api->filters()).
	 * Every probe takes plugins.
	 */
	bool network;
	uint32_t nrecords; /* 1 .. PIDTREE_PROBE_MAX_RECORDS */
	const struct pidtree_probe_loss *losses; /* nlosses entries */
	uint32_t nlosses;  /* 1 .. PIDTREE_PROBE_MAX_LOSSES */
	/*
	 * Its own argument keys, NULL-terminated ([a-z0-9_], none of filters,
	 * includeports, excludeports, plugins); any other key is warned about.
	 */
	const char *const *args;
	/*
	 * Validate the arguments (args: the probe's mapping, NULL when the key
	 * has no value) without opening anything; called on every load of the
	 * configuration, --check-config included.  0, or a negative errno after
	 * report()ing why.  Optional.
	 */
	int (*check)(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		     const struct pidtree_arg *args);
	/*
	 * Open, prepare, load, install filters and attach; set *state (also on
	 * failure, if there is something for close() to free).  args are valid
	 * during the call only.  0, or a negative errno after logging why.
	 */
	int (*open)(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		    const struct pidtree_arg *args, void **state);
	/*
	 * One record of type rec (0 .. nrecords - 1: PT_REC(rec) on the BPF
	 * side), len bytes (check it: at least your record's size).  Add the
	 * probe's keys to ev (api->plugin->add_str and friends, api->set_*), and
	 * point *tree at the record's ancestry snapshot; pidtree then resolves
	 * the process tree, runs the plugins and writes the event.  The
	 * proctree is not resolved yet: ev's proc_* accessors give nothing
	 * here.  0, or -EINVAL for a malformed record (counted, not written).
	 */
	int (*decode)(void *state, uint32_t rec, const void *data, size_t len,
		      struct pidtree_event *ev, const struct pt_ancestry **tree);
	/* Detach and free everything of state (called whenever state is not NULL). */
	void (*close)(void *state);
};

#if defined(__GNUC__)
#define PIDTREE_PROBE_EXPORT __attribute__((visibility("default")))
#else
#define PIDTREE_PROBE_EXPORT
#endif

#ifdef __cplusplus
#define PIDTREE_PROBE_LINKAGE extern "C"
#else
#define PIDTREE_PROBE_LINKAGE
#endif

/* Define the exported descriptor: PIDTREE_PROBE(.name = "x", .open = ..., ...); */
#define PIDTREE_PROBE(...)                                                              \
	PIDTREE_PROBE_LINKAGE PIDTREE_PROBE_EXPORT const struct pidtree_probe pidtree_probe = { \
		.abi_version = PIDTREE_PROBE_ABI_VERSION,                                \
		.size = sizeof(struct pidtree_probe),                                    \
		__VA_ARGS__                                                              \
	}

#ifdef __cplusplus
}
#endif

#endif /* PIDTREE_PROBE_ABI_H */

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A probe: one BPF object (bpf/NAME.bpf.c), one file here (src/probes/
 * NAME.c) holding its descriptor, and one row in the probe table
 * (table.c).  The descriptor is everything the rest of pidtree knows about
 * the probe: its name, journald MESSAGE_ID and event shape, its YAML keys,
 * its record types and loss counters and their names, the kernel features
 * it needs, and how it is opened, decodes its records, is reconfigured and
 * ticks.  Logs, STATUS=, telemetry, -p, feature checks, journald and JSON
 * all read it from there.
 *
 * What every probe object shares: the ring buffer and loss counters
 * (created by the daemon, struct pt_probe_env), the read-only pt_consts
 * (depth limit, wake-up threshold, its record types and loss counters), the
 * filter maps with their generation switch (filter.bpf.h), and the
 * container_labels map (containers.bpf.h, container_maps.c).
 */
#ifndef PIDTREE_PROBE_H
#define PIDTREE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"
#include "filter.h"
#include "pidtree.h"

struct bpf_map;
struct bpf_object;
struct bpf_object_skeleton;
struct bpf_program;
struct bpf_link;
struct pt_probe;
struct pt_proc_cache;

/* What the daemon sets up once for every probe object. */
struct pt_probe_env {
	int events_fd; /* the ring buffer all records go through */
	int lost_fd;   /* per-CPU loss counters, PT_LOSS_SLOTS entries */
	uint32_t max_depth;
	uint64_t wakeup_bytes; /* ring backlog that wakes the consumer */
	/*
	 * container_labels: fill p's map (pt_probe_containers_set) with the
	 * mount namespaces of the running containers matching pc's filter.
	 * Called after load and before attach, so that a probe opened (or
	 * re-opened on reload) never runs with an empty map it should not
	 * have.  NULL: nothing fills it (the map stays empty: nothing matches).
	 */
	int (*containers_fill)(void *ctx, struct pt_probe *p, const struct pt_probe_config *pc);
	void *containers_ctx;
};

/* A DNS answer the dns probe captured, checked, for the daemon's name table. */
struct pt_dns_answer {
	uint64_t ts_ns;         /* when it arrived (boot clock, as every record) */
	uint32_t netns;         /* network namespace of the socket that sent the query */
	uint32_t tgid;          /* the process that sent it; 0: not known */
	const uint8_t *payload; /* the DNS message, without TCP's length prefix */
	size_t caplen;          /* bytes at payload */
	size_t msglen;          /* the whole message's length (> caplen: captured in part) */
};

/*
 * What a probe needs to produce events outside the plain record -> event
 * path (udp_session's start/end records, net_listen's snapshots, the
 * process records): the process cache and the daemon's emit function; and
 * where the dns probe hands its answers (the daemon's name table).
 */
struct pt_emitter {
	struct pt_proc_cache *cache;
	void (*emit)(void *ctx, struct pt_event *ev);
	void (*dns_answer)(void *ctx, const struct pt_dns_answer *a);
	void *ctx;
	int64_t boot_to_real_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
};

/* What a loss counter counts. */
enum pt_loss_kind {
	PT_LOST_EVENTS = 0,  /* events pidtree lost (telemetry "count") */
	PT_LOST_RECORDS = 1, /* records events depend on (exec/fork/exit): not events */
	PT_COUNTED = 2,      /* seen and only counted, not lost (never accepted connections) */
};

/* A loss counter: its name in totals and telemetry, and what it counts. */
struct pt_loss_def {
	const char *name;
	const char *what; /* "records lost (ring buffer full; raise --ringbuf-kib)" */
	enum pt_loss_kind kind;
};

/* The counter every network probe has for container_labels (containers.bpf.h). */
#define PT_CONTAINER_FILTERED_WHAT \
	"events of processes outside the containers container_labels matches (dropped in the kernel)"

/* Kernel features a probe needs (kernel_features.c checks them at start-up). */
#define PT_FEAT_CGROUP_SOCK  (1u << 0) /* cgroup socket programs on the cgroup2 root */
#define PT_FEAT_CGROUP_MOUNT (1u << 1) /* a mounted cgroup2 file system */
#define PT_FEAT_PROC_FDS     (1u << 2) /* reads other processes' /proc/PID/fd (CAP_SYS_PTRACE) */
#define PT_FEAT_TRACEFS      (1u << 3) /* tracepoint programs: tracefs mounted, syscall tracepoints */

#define PT_PROBE_USER_LOSSES 4

struct pt_probe_desc {
	struct pt_probe_info info;     /* name, MESSAGE_ID, event shape */
	struct pt_probe_schema schema; /* YAML key and own keys; name NULL: not configurable */
	bool always;                   /* opened whatever the configuration */
	bool by_default;               /* on when there is no probe configuration file */
	/*
	 * A probe no YAML key configures, whose configuration the daemon
	 * derives (the dns capture: from [dns] and the probes whose events are
	 * named): that configuration within cfg (optional; it runs when
	 * present, like a configured probe).
	 */
	const struct pt_probe_config *(*derived_config)(const struct pt_config *cfg);
	/*
	 * An enrichment of the other probes' events (the dns capture): its
	 * kernel features are not required at start-up and a failure to open
	 * it leaves pidtree running without it, with a warning, rather than
	 * take the other probes down.
	 */
	bool optional;
	const char *attach;            /* attach points, for -p and messages */
	const char *origin;            /* external probes: "PATH (external, version V)", for -p */
	unsigned int nrecords;         /* record types rec_base + 0 .. nrecords - 1 */
	const struct pt_loss_def *losses; /* kernel counters pt_lost[loss_base + i] */
	unsigned int nlosses;
	const struct pt_loss_def *user_losses; /* counted by the probe in user_lost[i] */
	unsigned int nuser_losses;
	size_t priv_size;              /* zeroed private state, p->priv */
	void (*free_priv)(void *priv); /* what priv owns (optional; priv itself is freed) */
	/* PT_FEAT_* needed with configuration pc (optional) */
	unsigned int (*features)(const struct pt_probe_config *pc);
	/*
	 * Open, load and attach the BPF object into p (desc, consts and priv
	 * set).  pc is NULL for a probe that is not configurable.  0 or
	 * -errno, logged; on failure the caller destroys p.
	 */
	int (*open)(struct pt_probe *p, const struct pt_probe_env *env,
		    const struct pt_probe_config *pc);
	/*
	 * Fill the probe-specific fields of ev from record rec (0 ..
	 * nrecords - 1) and point *tree at its ancestry snapshot.  0 or -EINVAL.
	 * ev->probe is already &info (external probes find themselves by it).
	 */
	int (*decode)(unsigned int rec, const void *data, size_t len, struct pt_event *ev,
		      const struct pt_ancestry **tree);
	/* Instead of decode: the probe handles its records itself.  0 or -EINVAL. */
	int (*handle)(struct pt_probe *p, unsigned int rec, const void *data, size_t len,
		      const struct pt_emitter *em);
	/*
	 * Reload: true when the change from old to new needs the BPF object
	 * re-opened (options baked into it at load time); else reconfigure()
	 * applies the userland-side options (filters are swapped generically).
	 */
	bool (*needs_reopen)(const struct pt_probe_config *old, const struct pt_probe_config *new);
	void (*reconfigure)(struct pt_probe *p, const struct pt_probe_config *pc);
	/* Called about once a second from the main loop (optional). */
	void (*tick)(struct pt_probe *p, uint64_t now_boot_ns, const struct pt_emitter *em);
};

struct pt_probe {
	const struct pt_probe_desc *desc;
	struct pt_obj_consts consts; /* its object's pt_consts (set before open) */
	void *skel;
	void (*destroy_skel)(void *skel);
	struct bpf_object_skeleton *skeleton; /* its programs and links */
	/* filter maps of this object (none for the process probe) */
	struct bpf_map *filter_v4, *filter_v6, *ports;
	volatile uint32_t *generation; /* the object's pt_generation (mmapped .bss) */
	uint32_t filter_cap;           /* entries each LPM map holds (both generations) */
	struct pt_filter_plan live;    /* the entries of the live generation */
	/* container_labels (container_maps.c): the object's pt_containers, and
	 * the mount namespaces it holds (sorted), when consts.flags has
	 * PT_CONSTS_F_CONTAINERS */
	const struct pt_probe_env *env;
	struct pt_label_filter cfilter; /* the container_labels it runs with */
	struct bpf_map *containers;
	uint32_t *cmnt;
	size_t ncmnt, capcmnt;
	uint64_t containers_full; /* namespaces refused: the map was full */
	void *priv;
	uint64_t user_lost[PT_PROBE_USER_LOSSES];
};

/* ---- the probe table (table.c) ------------------------------------------- */

/* Every built-in probe; NULL-terminated. */
extern const struct pt_probe_desc *const pt_probe_table[];
/* The built-in probe called name, NULL if none. */
const struct pt_probe_desc *pt_probe_find(const char *name);

/* ---- steps shared by every probe's open() (probe.c) ---------------------- */

/*
 * Before load: point the object's ring buffer and loss counters (the maps
 * pt_events and pt_lost of ringbuf.bpf.h) at the shared ones and, for an
 * object with filter maps (filter.bpf.h), size them for pc with room for the
 * reload generation.  The skeleton (skel->skeleton) is remembered: its links
 * are what the health check looks at.  0 or -errno, logged.
 */
int pt_probe_prepare(struct pt_probe *p, const struct pt_probe_env *env,
		     const struct pt_probe_config *pc, struct bpf_object_skeleton *skeleton);
/* The same for an object without a skeleton (external probes): its links go unchecked. */
int pt_probe_prepare_obj(struct pt_probe *p, const struct pt_probe_env *env,
			 const struct pt_probe_config *pc, struct bpf_object *obj);
/*
 * After load, before attach: remember the object's filter maps and its
 * generation switch (its pt_generation, in the skeleton's .bss), and
 * install pc's filters, so nothing unfiltered leaks.  0 or -errno, logged.
 */
int pt_probe_filters_init(struct pt_probe *p, const struct pt_probe_config *pc,
			  struct bpf_object *obj, volatile uint32_t *generation);
/* The map called name of obj; NULL, logged, when there is none. */
struct bpf_map *pt_probe_map(const struct pt_probe *p, struct bpf_object *obj, const char *name);
/* Size the LPM maps for pc's filters, both generations (part of prepare). */
int pt_probe_size_filters(struct pt_probe *p, const struct pt_probe_config *pc,
			  struct bpf_map *filter_v4, struct bpf_map *filter_v6);
/* Replace the probe's filters with pc's: fill the idle generation, flip, clean. */
int pt_probe_install_filters(struct pt_probe *p, const struct pt_probe_config *pc);
/* Whether pc's filters fit in the maps the running object has. */
bool pt_probe_filters_fit(const struct pt_probe *p, const struct pt_probe_config *pc);
/* Log a failed load or attach step: "NAME: cannot WHAT: reason". */
int pt_probe_fail(const struct pt_probe *p, const char *what, int err);

/* ---- container_labels (container_maps.c) --------------------------------- */

/* Whether p runs with container_labels (its object filters by pt_containers). */
bool pt_probe_container_filter(const struct pt_probe *p);
/* Before load (part of prepare): size pt_containers, 1 entry when unused. */
int pt_probe_size_containers(struct pt_probe *p, struct bpf_object *obj);
/*
 * After load, before attach (part of pt_probe_filters_init): remember the
 * object's pt_containers and have env->containers_fill fill it.  0 or
 * -errno, logged.
 */
int pt_probe_containers_init(struct pt_probe *p, const struct pt_probe_config *pc,
			     struct bpf_object *obj);
/* One mount namespace in or out of the map: 0, -E2BIG (full, counted), -errno. */
int pt_probe_container_add(struct pt_probe *p, uint32_t mntns);
int pt_probe_container_del(struct pt_probe *p, uint32_t mntns);
bool pt_probe_container_has(const struct pt_probe *p, uint32_t mntns);
/*
 * Make the map hold exactly want[0..n) (any order; sorted in place): the
 * new ones are added before the old ones are removed, so a container in
 * both sets never drops out.  0, or the first error (the rest is still
 * applied).
 */
int pt_probe_containers_set(struct pt_probe *p, uint32_t *want, size_t n);

/*
 * A probe of desc with its consts and zeroed priv; NULL when out of memory.
 * pc (NULL: not configurable) decides the consts' flags (container_labels).
 */
struct pt_probe *pt_probe_new(const struct pt_probe_desc *desc, const struct pt_obj_consts *c,
			      const struct pt_probe_config *pc);
void pt_probe_destroy(struct pt_probe *p);

/*
 * --health-check-period: every program attached by the skeleton still is
 * (a link someone detached, e.g. with bpftool link detach, is not).  0, or
 * -ENOLINK with the program in why.
 */
int pt_probe_health(const struct pt_probe *p, char *why, size_t len);

/* Sum of the per-CPU loss counters at idx. */
uint64_t pt_lost_read(int lost_fd, uint32_t idx);

/* Path of the cgroup2 root (from /proc/self/mountinfo) into buf.  0 or -ENOENT. */
int pt_cgroup2_root(char *buf, size_t len);
/* Open the cgroup2 root read-only for attaching (fd, or -errno after a log line). */
int pt_cgroup2_open(const char *who);
/* Attach a cgroup program to the cgroup2 root; the link is stored in *link. */
int pt_attach_cgroup(struct bpf_program *prog, int cgfd, struct bpf_link **link);

/* One cgroup program of a skeleton and the skeleton's slot for its link. */
struct pt_cgroup_prog {
	struct bpf_program *prog;
	struct bpf_link **link;
};
/*
 * Attach the n programs of progs to the cgroup2 root, in order, each link
 * into its *link; who names the probe in the log lines.  Stops at the first
 * failure: 0, or -errno after a log line.  Links attached before a failure
 * stay in their slots, so destroying the skeleton detaches them.
 */
int pt_attach_cgroup_all(const char *who, const struct pt_cgroup_prog *progs, size_t n);

/* libbpf messages through pt_log. */
void pt_libbpf_logging(void);

#endif

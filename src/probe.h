/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every probe object has in common: the shared ring buffer and loss
 * counters (owned by the process object), the filter maps and their
 * generation switch, and the decode step from a ring-buffer record to a
 * struct pt_event.
 */
#ifndef PIDTREE_PROBE_H
#define PIDTREE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"

struct bpf_object;
struct pt_probe;
struct bpf_map;
struct bpf_program;
struct bpf_link;
struct pt_proc_cache;

/*
 * What a probe needs to produce events outside the plain record -> event
 * path (udp_session's start/end records, net_listen's snapshots): the
 * process cache and the daemon's emit function (JSON once, every sink).
 */
struct pt_emitter {
	struct pt_proc_cache *cache;
	void (*emit)(void *ctx, struct pt_event *ev);
	void *ctx;
	int64_t boot_to_real_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
};

/* Reset every per-event field of ev (the proctree is filled by resolve). */
void pt_event_reset(struct pt_event *ev);

/* Resources shared by all probe objects, created by the process probe. */
struct pt_shared {
	int events_fd;  /* pt_events ring buffer */
	int lost_fd;    /* pt_lost per-CPU counters */
	uint32_t max_depth;
	uint64_t wakeup_bytes; /* backlog that wakes the consumer */
};

/* Static description of a probe, used for -p and by main.c. */
struct pt_probe_desc {
	const char *name;
	enum pt_probe_kind kind;
	uint32_t record_type; /* PT_REC_* it emits */
	uint32_t record_type2; /* a second record type (0: none) */
	const char *attach;   /* human list of attach points */
	int (*open)(struct pt_probe **out, const struct pt_shared *sh,
		    const struct pt_probe_config *pc);
	/*
	 * Fill the probe-specific fields of ev from a record of record_type and
	 * point *tree at the record's ancestry snapshot.  0 or -EINVAL.
	 */
	int (*decode)(const void *data, size_t len, struct pt_event *ev,
		      const struct pt_ancestry **tree);
	/* Instead of decode: the probe handles its records itself. */
	int (*handle)(struct pt_probe *p, const void *data, size_t len, const struct pt_emitter *em);
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
	void *skel;
	void (*destroy)(void *skel);
	/* filter maps of this object */
	struct bpf_map *filter_v4, *filter_v6, *ports;
	volatile uint32_t *generation; /* the object's pt_generation (mmapped .bss) */
	void *priv; /* probe-specific state */
	void (*free_priv)(void *priv);
};

extern const struct pt_probe_desc pt_tcp_connect_desc;
extern const struct pt_probe_desc pt_net_listen_desc;
extern const struct pt_probe_desc pt_udp_session_desc;
extern const struct pt_probe_desc *const pt_probe_descs[];
const struct pt_probe_desc *pt_probe_desc_for(uint32_t record_type);

/* Replace the probe's filters with pc's: fill the idle generation, flip, clean. */
int pt_probe_install_filters(struct pt_probe *p, const struct pt_probe_config *pc);
/* Point an object's pt_events/pt_lost at the shared maps. */
int pt_probe_share_maps(struct bpf_map *events, struct bpf_map *lost, const struct pt_shared *sh);
void pt_probe_destroy(struct pt_probe *p);
/* Sum of the per-CPU loss counters at idx (enum pt_loss_index). */
uint64_t pt_lost_read(int lost_fd, uint32_t idx);

/* The process-lifecycle object: owns the shared maps. */
struct pt_process_probe;
int pt_process_probe_open(struct pt_process_probe **out, size_t ringbuf_bytes, uint32_t max_depth,
			  struct pt_shared *sh);
/* Wake-up threshold for a ring of ringbuf_bytes. */
uint64_t pt_wakeup_bytes_for(size_t ringbuf_bytes);
void pt_process_probe_destroy(struct pt_process_probe *p);

/* Path of the cgroup2 root (from /proc/self/mountinfo) into buf.  0 or -ENOENT. */
int pt_cgroup2_root(char *buf, size_t len);
/* Open the cgroup2 root read-only for attaching (fd, or -errno after a log line). */
int pt_cgroup2_open(const char *who);

/* The maps every probe object has (filter.bpf.h, proctree.bpf.h). */
struct pt_probe_maps {
	void *skel;
	int (*load)(void *skel); /* the skeleton's __load: loads and maps .bss/.rodata */
	struct bpf_map *events, *lost, *filter_v4, *filter_v6, *ports;
	/* where the skeleton keeps its .bss pointer (it moves at load) and the
	 * offset of pt_generation in it */
	void **bss;
	size_t generation_off;
};

/*
 * Skeletons have no common type; these generate what a probe hands to the
 * shared code.  PT_PROBE_SKEL_ADAPTERS(NAME): NAME_skel_destroy() and
 * NAME_skel_load() over skeleton pt_NAME.  PT_PROBE_OPEN_SKEL: open the
 * skeleton into s and p->skel and set the read-only data every probe object
 * has (ancestry depth, wake-up threshold); 0 or -errno, logged.
 * PT_PROBE_MAPS: the pt_probe_maps of skeleton s.
 */
#define PT_PROBE_SKEL_ADAPTERS(NAME)                                                              \
	static void NAME##_skel_destroy(void *skel)                                               \
	{                                                                                         \
		pt_##NAME##__destroy(skel);                                                       \
	}                                                                                         \
	static int NAME##_skel_load(void *skel)                                                   \
	{                                                                                         \
		return pt_##NAME##__load(skel);                                                   \
	}

#define PT_PROBE_OPEN_SKEL(p, s, NAME, sh)                                                        \
	({                                                                                        \
		int err_ = 0;                                                                     \
		(s) = pt_##NAME##__open();                                                        \
		if (s) {                                                                          \
			(p)->skel = (s);                                                          \
			(s)->rodata->pt_max_depth = (sh)->max_depth;                              \
			(s)->rodata->pt_wakeup_bytes = (sh)->wakeup_bytes;                        \
		} else {                                                                          \
			err_ = -errno;                                                            \
			pt_err("%s: cannot open BPF object: %s", #NAME, strerror(errno));         \
		}                                                                                 \
		err_;                                                                             \
	})

#define PT_PROBE_MAPS(s, NAME)                                                                    \
	(&(struct pt_probe_maps){                                                                 \
		.skel = (s),                                                                      \
		.load = NAME##_skel_load,                                                         \
		.events = (s)->maps.pt_events,                                                    \
		.lost = (s)->maps.pt_lost,                                                        \
		.filter_v4 = (s)->maps.pt_filter_v4,                                              \
		.filter_v6 = (s)->maps.pt_filter_v6,                                              \
		.ports = (s)->maps.pt_ports,                                                      \
		.bss = (void **)&(s)->bss,                                                        \
		.generation_off = offsetof(typeof(*(s)->bss), pt_generation),                     \
	})

/*
 * A new probe of desc whose skeleton is freed with destroy, with priv_size
 * zeroed bytes of private state (0: none) freed by free_priv.  NULL when out
 * of memory.
 */
struct pt_probe *pt_probe_alloc(const struct pt_probe_desc *desc, void (*destroy)(void *skel),
				size_t priv_size, void (*free_priv)(void *priv));

/*
 * The steps shared by every probe's open(), once its read-only data is set:
 * share the ring buffer and loss counters, load the object, and install the
 * filters (before anything is attached, so nothing unfiltered leaks).
 * 0 or -errno, logged.
 */
int pt_probe_load(struct pt_probe *p, const struct pt_probe_maps *m, const struct pt_shared *sh,
		  const struct pt_probe_config *pc);
/* Attach a cgroup program to the cgroup2 root; the link is stored in *link. */
int pt_attach_cgroup(struct bpf_program *prog, int cgfd, struct bpf_link **link);

/*
 * Apply a new probe configuration to running probes (SIGHUP, -w): filters
 * and port lists are swapped into the maps of the running programs (the new
 * generation is filled, then switched to, then the old one removed, so no
 * event is judged by half a configuration); a probe whose load-time options
 * changed is opened anew and only then is the old one closed (so coverage
 * never lapses; an event in that instant may be reported twice); probes
 * added or removed are opened or closed.  A probe that fails to re-open
 * keeps running as before.  Returns the number of failures.
 */
int pt_probes_reload(struct pt_probe *probes[PT_PROBE_COUNT], const struct pt_shared *sh,
		     const struct pt_config *old, const struct pt_config *new);

/* libbpf messages through pt_log. */
void pt_libbpf_logging(void);

#endif

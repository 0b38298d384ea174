/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What every probe object has in common: the shared ring buffer and loss
 * counters (owned by the process object), the filter maps and their
 * generation switch, and the decode step from a ring-buffer record to a
 * struct pt_event.
 */
#ifndef PIDTREE_PROBE_H
#define PIDTREE_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"

struct bpf_object;
struct pt_probe;
struct bpf_map;

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
	const char *attach;   /* human list of attach points */
	int (*open)(struct pt_probe **out, const struct pt_shared *sh,
		    const struct pt_probe_config *pc);
	/*
	 * Fill the probe-specific fields of ev from a record of record_type and
	 * point *tree at the record's ancestry snapshot.  0 or -EINVAL.
	 */
	int (*decode)(const void *data, size_t len, struct pt_event *ev,
		      const struct pt_ancestry **tree);
};

struct pt_probe {
	const struct pt_probe_desc *desc;
	void *skel;
	void (*destroy)(void *skel);
	/* filter maps of this object */
	struct bpf_map *filter_v4, *filter_v6, *ports;
	volatile uint32_t *generation; /* the object's pt_generation (mmapped .bss) */
};

extern const struct pt_probe_desc pt_tcp_connect_desc;
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

/* libbpf messages through pt_log. */
void pt_libbpf_logging(void);

#endif

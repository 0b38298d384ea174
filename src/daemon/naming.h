/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS names of the addresses in events (issue 17): the daemon's name table
 * (src/dns), fed by the dns probe's answers, read for every event of a
 * probe whose events are named.
 *
 * When it runs: [dns] enabled = yes in pidtree.conf (the default) and at
 * least one configured tcp_connect, udp_session or tcp_accept probe whose
 * dns: key is not false.  Then the dns capture runs (its configuration is
 * derived into pt_config.dns) and the table exists; otherwise neither does.
 * The capture is optional (probe.h): when it cannot be opened (an older
 * kernel, no cgroup2), pidtree warns and runs without names.
 *
 * What is named: tcp_connect's daddr, each udp_session destination's daddr
 * (as of its first datagram), tcp_accept's saddr (the peer); the lookup key
 * is (network namespace of the event's socket, address), the preference is
 * the answer received by the event's process, else its nearest ancestor,
 * else the newest (src/dns/names.h).
 */
#ifndef PIDTREE_NAMING_H
#define PIDTREE_NAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "event.h"
#include "ingest.h"
#include "names.h"
#include "probe.h"
#include "settings.h"

/*
 * Expired names are kept this long before the sweep removes them (never
 * returned for a later time): a udp_session event, written when the socket
 * closes, is named as of its destinations' first datagrams.
 */
#define PT_NAMING_LINGER_S 600

#define PT_NAMING_PROBES_MAX 16
#define PT_NAMING_LOSSES 4

struct pt_naming {
	struct pt_dns_table *table;       /* NULL: nothing is named */
	struct pt_dns_opts opts;          /* what table was made with */
	struct pt_dns_ingest_stats st;    /* answers since start-up */
	uint64_t unowned;                 /* answers whose query had no known sender */
	uint64_t evicted_retired;         /* evictions of tables replaced */
	uint64_t evicted_warned;          /* evictions already logged */
	uint64_t warned_ns;               /* when */
	const struct pt_probe_info *named[PT_NAMING_PROBES_MAX]; /* probes whose events are named */
	size_t nnamed;
};

struct daemon;

/*
 * Loading (load.c): the dns capture's configuration in cfg (pt_config.dns)
 * from s's [dns] and cfg's probes.  0 or -ENOMEM.
 */
int pt_naming_derive(const struct daemon *d, const struct pt_daemon_settings *s,
		     struct pt_config *cfg);
/* Start-up and after a reload: the table and the named probes as d->cfg says.  0 or -errno. */
int pt_naming_apply(struct daemon *d);
/* The emitter's dns_answer: one captured answer into the table. */
void pt_naming_answer(void *ctx, const struct pt_dns_answer *a);
/* Name the addresses of ev (before plugins and outputs see it). */
void pt_naming_event(struct daemon *d, struct pt_event *ev);
/* 1 s: expire names, log evictions. */
void pt_naming_tick(struct daemon *d, uint64_t now_boot_ns);
/* -p: what is named */
void pt_naming_describe(const struct daemon *d);
void pt_naming_free(struct daemon *d);

/* The loss table's rows of the name table (losses.c). */
extern const struct pt_loss_def pt_naming_loss_defs[PT_NAMING_LOSSES];
uint64_t pt_naming_loss(const struct daemon *d, unsigned int i);

#endif

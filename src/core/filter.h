/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Compilation of a probe's filters (subnet filters, includeports /
 * excludeports) into the entries of its BPF filter maps, plus a userland
 * model of the in-kernel decision (used by the tests and by -p).
 */
#ifndef PIDTREE_FILTER_H
#define PIDTREE_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pidtree.h"

/*
 * One map entry: key and val are what goes into the BPF map; name and
 * description (copies, may be NULL) only serve pt_filter_describe().
 */
/* One subnet filter of a probe's "filters:" list (pidtree-bcc's keys). */
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

/* A probe's whole filter: subnets, and the global includeports/excludeports. */
struct pt_filter_spec {
	struct pt_net_filter *filters;
	size_t nfilters;
	enum pt_port_mode port_mode;
	struct pt_port_range *ports;
	size_t nports;
};

/* Free what the spec owns (filter names, arrays) and zero it. */
void pt_filter_spec_free(struct pt_filter_spec *s);

struct pt_filter_v4 {
	struct pt_lpm_v4_key key;
	struct pt_filter_value val;
	char *name;
	char *description;
};

struct pt_filter_v6 {
	struct pt_lpm_v6_key key;
	struct pt_filter_value val;
	char *name;
	char *description;
};

struct pt_filter_plan {
	uint8_t gen; /* generation byte of every key */
	struct pt_filter_v4 *v4;
	size_t nv4;
	struct pt_filter_v6 *v6;
	size_t nv6;
	struct pt_port_bitmap ports; /* mode + one bit per port */
};

/*
 * Build the map entries of generation gen (0 or 1).  Two filters on the same
 * network/prefix give one entry, the later one winning, as in the map.
 * 0, -ENOMEM, or -EINVAL (bad gen, family or prefix length).
 */
int pt_filter_compile(const struct pt_filter_spec *spec, uint8_t gen, struct pt_filter_plan *out);
void pt_filter_plan_free(struct pt_filter_plan *plan);

/* Userland model of filter.bpf.h: true when the kernel drops this event. */
bool pt_filter_drops(const struct pt_filter_plan *plan, int family, const uint8_t *addr,
		     uint16_t port);

/*
 * One line per entry, for -p, e.g. "10.0.0.0/8 (10: all RFC 1918 10/8): drop all",
 * "fd00::/8: drop except ports 80,443-445", then "ports: report only 80" or
 * "ports: drop 22" when a global port filter is set.
 */
void pt_filter_describe(const struct pt_filter_plan *plan, void (*line)(void *ctx, const char *s),
			void *ctx);

#endif

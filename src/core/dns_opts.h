/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The [dns] section of pidtree.conf: the options of the DNS name table
 * (src/dns/names.h) and of the capture that feeds it (the dns probe).
 *
 * Here in core, I/O-free and without any other project header, because
 * three layers read it: the settings parser (config), the name table (dns)
 * and the probe (probes); none of them may include another's headers.
 */
#ifndef PIDTREE_DNS_OPTS_H
#define PIDTREE_DNS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the name table: defaults and bounds */
#define PT_DNS_DEFAULT_ENTRIES 8192u
#define PT_DNS_ENTRIES_MIN 16u
#define PT_DNS_ENTRIES_MAX 1048576u
#define PT_DNS_DEFAULT_MIN_TTL 60u
#define PT_DNS_DEFAULT_MAX_TTL 86400u
#define PT_DNS_TTL_LIMIT 604800u /* a week: RFC 8767's cap on a cached TTL */
#define PT_DNS_DEFAULT_PER_ADDR 4u
#define PT_DNS_PER_ADDR_MAX 16u

/* the capture: DNS server ports and the kernel's table of queries in flight */
#define PT_DNS_PORTS_MAX 4
#define PT_DNS_DEFAULT_PORT 53
#define PT_DNS_DEFAULT_PENDING 8192u
#define PT_DNS_PENDING_MIN 64u
#define PT_DNS_PENDING_MAX 1048576u

struct pt_dns_opts {
	uint32_t max_entries;    /* max_entries = */
	uint32_t min_ttl;        /* min_ttl = (seconds) */
	uint32_t max_ttl;        /* max_ttl = (seconds) */
	uint32_t names_per_addr; /* names_per_address = */
	uint64_t seed;           /* hash key; 0 = random (tests pass one) */
	/* the capture (the dns probe) */
	bool enabled;                     /* enabled = (default yes) */
	uint16_t ports[PT_DNS_PORTS_MAX]; /* ports = (default 53); 0: unused slot */
	uint32_t pending_entries;         /* pending_entries = */
};

/* The defaults above. */
void pt_dns_opts_init(struct pt_dns_opts *o);
/*
 * Set one [dns] key of pidtree.conf from its text value: enabled,
 * max_entries, min_ttl, max_ttl, names_per_address, ports (up to
 * PT_DNS_PORTS_MAX, comma or blank separated), pending_entries.  0; -ENOENT
 * for an unknown key; -EINVAL for a bad value, with a message
 * ("max_entries: 'x' is not a number in 16-1048576") in err.
 */
int pt_dns_opts_set(struct pt_dns_opts *o, const char *key, const char *value, char *err,
		    size_t errlen);
/* Checks of every value and across keys (min_ttl <= max_ttl).  0 or -EINVAL with err set. */
int pt_dns_opts_check(const struct pt_dns_opts *o, char *err, size_t errlen);
/* Whether a and b give the same name table (its size, TTL bounds, names per address). */
bool pt_dns_opts_same_table(const struct pt_dns_opts *a, const struct pt_dns_opts *b);
/* Whether a and b give the same capture (its ports and in-flight query table). */
bool pt_dns_opts_same_capture(const struct pt_dns_opts *a, const struct pt_dns_opts *b);

#endif

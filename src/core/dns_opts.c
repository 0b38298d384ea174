// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The [dns] section of pidtree.conf (see dns_opts.h). */
#include "dns_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void pt_dns_opts_init(struct pt_dns_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_entries = PT_DNS_DEFAULT_ENTRIES;
	o->min_ttl = PT_DNS_DEFAULT_MIN_TTL;
	o->max_ttl = PT_DNS_DEFAULT_MAX_TTL;
	o->names_per_addr = PT_DNS_DEFAULT_PER_ADDR;
	o->enabled = true;
	o->ports[0] = PT_DNS_DEFAULT_PORT;
	o->pending_entries = PT_DNS_DEFAULT_PENDING;
}

static int number(const char *key, const char *v, unsigned long lo, unsigned long hi,
		  uint32_t *out, char *err, size_t errlen)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end || errno || n < lo || n > hi) {
		snprintf(err, errlen, "%s: '%s' is not a number in %lu-%lu", key, v, lo, hi);
		return -EINVAL;
	}
	*out = (uint32_t)n;
	return 0;
}

static int boolean(const char *key, const char *v, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*out = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	snprintf(err, errlen, "%s: '%s' is not yes or no", key, v);
	return -EINVAL;
}

/* "53", "53, 5353": up to PT_DNS_PORTS_MAX ports, each 1-65535, no repeats */
static int ports(const char *v, uint16_t *out, char *err, size_t errlen)
{
	uint16_t p[PT_DNS_PORTS_MAX] = { 0 };
	char tmp[128], *save = NULL, *tok;
	size_t n = 0;

	if (strlen(v) >= sizeof(tmp)) {
		snprintf(err, errlen, "ports: value too long");
		return -EINVAL;
	}
	strcpy(tmp, v);
	for (tok = strtok_r(tmp, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		uint32_t port;

		if (n == PT_DNS_PORTS_MAX) {
			snprintf(err, errlen, "ports: at most %d ports", PT_DNS_PORTS_MAX);
			return -EINVAL;
		}
		if (number("ports", tok, 1, 65535, &port, err, errlen))
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			if (p[i] == port) {
				snprintf(err, errlen, "ports: %u given twice", port);
				return -EINVAL;
			}
		}
		p[n++] = (uint16_t)port;
	}
	if (!n) {
		snprintf(err, errlen, "ports: no port given");
		return -EINVAL;
	}
	memcpy(out, p, sizeof(p));
	return 0;
}

int pt_dns_opts_set(struct pt_dns_opts *o, const char *key, const char *value, char *err,
		    size_t errlen)
{
	if (!strcmp(key, "enabled"))
		return boolean(key, value, &o->enabled, err, errlen);
	if (!strcmp(key, "max_entries"))
		return number(key, value, PT_DNS_ENTRIES_MIN, PT_DNS_ENTRIES_MAX, &o->max_entries,
			      err, errlen);
	if (!strcmp(key, "min_ttl"))
		return number(key, value, 0, PT_DNS_TTL_LIMIT, &o->min_ttl, err, errlen);
	if (!strcmp(key, "max_ttl"))
		return number(key, value, 1, PT_DNS_TTL_LIMIT, &o->max_ttl, err, errlen);
	if (!strcmp(key, "names_per_address"))
		return number(key, value, 1, PT_DNS_PER_ADDR_MAX, &o->names_per_addr, err, errlen);
	if (!strcmp(key, "ports"))
		return ports(value, o->ports, err, errlen);
	if (!strcmp(key, "pending_entries"))
		return number(key, value, PT_DNS_PENDING_MIN, PT_DNS_PENDING_MAX,
			      &o->pending_entries, err, errlen);
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

int pt_dns_opts_check(const struct pt_dns_opts *o, char *err, size_t errlen)
{
	if (o->max_entries < PT_DNS_ENTRIES_MIN || o->max_entries > PT_DNS_ENTRIES_MAX) {
		snprintf(err, errlen, "max_entries: %u is not in %u-%u", o->max_entries,
			 PT_DNS_ENTRIES_MIN, PT_DNS_ENTRIES_MAX);
		return -EINVAL;
	}
	if (o->names_per_addr < 1 || o->names_per_addr > PT_DNS_PER_ADDR_MAX) {
		snprintf(err, errlen, "names_per_address: %u is not in 1-%u", o->names_per_addr,
			 PT_DNS_PER_ADDR_MAX);
		return -EINVAL;
	}
	if (o->max_ttl < 1 || o->max_ttl > PT_DNS_TTL_LIMIT || o->min_ttl > o->max_ttl) {
		snprintf(err, errlen, "min_ttl (%u) and max_ttl (%u) must satisfy 0 <= min_ttl <= max_ttl <= %u",
			 o->min_ttl, o->max_ttl, PT_DNS_TTL_LIMIT);
		return -EINVAL;
	}
	if (o->pending_entries < PT_DNS_PENDING_MIN || o->pending_entries > PT_DNS_PENDING_MAX) {
		snprintf(err, errlen, "pending_entries: %u is not in %u-%u", o->pending_entries,
			 PT_DNS_PENDING_MIN, PT_DNS_PENDING_MAX);
		return -EINVAL;
	}
	if (!o->ports[0]) {
		snprintf(err, errlen, "ports: no port given");
		return -EINVAL;
	}
	return 0;
}

bool pt_dns_opts_same_table(const struct pt_dns_opts *a, const struct pt_dns_opts *b)
{
	return a->max_entries == b->max_entries && a->min_ttl == b->min_ttl &&
	       a->max_ttl == b->max_ttl && a->names_per_addr == b->names_per_addr &&
	       a->seed == b->seed;
}

bool pt_dns_opts_same_capture(const struct pt_dns_opts *a, const struct pt_dns_opts *b)
{
	return !memcmp(a->ports, b->ports, sizeof(a->ports)) &&
	       a->pending_entries == b->pending_entries;
}

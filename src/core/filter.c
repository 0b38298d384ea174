// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe filters -> BPF map entries, and the userland model of the kernel's
 * decision (bpf/filter.bpf.h implements the same semantics; keep them in
 * step).  pidtree-bcc compatible.
 *
 * Decision for an event with address A (the destination for tcp_connect and
 * udp_session, the local address for net_listen) and port P:
 *
 *  1. Global port filter (includeports / excludeports), one bitmap per
 *     generation:  mode INCLUDE and bit P clear -> drop;
 *                  mode EXCLUDE and bit P set   -> drop;
 *                  mode NONE                    -> go on.
 *  2. Subnet filters: longest-prefix match of A in the LPM trie of A's
 *     family.  The key data is the generation byte followed by the address,
 *     the key prefix length 8 + the network's prefix length, so a lookup
 *     with {8 + 32 (or 128), live generation, A} only ever matches entries
 *     of the live generation.  An IPv4-mapped IPv6 address (::ffff:a.b.c.d)
 *     is looked up as the IPv4 address a.b.c.d in the IPv4 trie.
 *       no match       -> keep;
 *       mode ALL       -> drop;
 *       mode EXCEPT    -> drop unless P is in one of the entry's ranges
 *                         (pidtree-bcc except_ports);
 *       mode INCLUDE   -> drop only when P is in one of the ranges
 *                         (pidtree-bcc include_ports).
 *     Ranges are inclusive [lo, hi]; only the first nranges (<= 8) count.
 *
 * E.g. 10.0.0.0/8 with except_ports [80] drops everything to 10/8 but port
 * 80; with include_ports [80] it drops only port 80 to 10/8.  A more
 * specific subnet overrides a broader one completely (10.1.0.0/16 EXCEPT
 * [443] under 10.0.0.0/8 ALL keeps 10.1.2.3:443 and drops 10.1.2.3:80).
 * Only the best match decides: there is no fall-back to a shorter prefix.
 */
#include "filter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static bool port_in_ranges(const struct pt_filter_value *v, uint16_t port)
{
	unsigned int i, n = v->nranges < PT_MAX_PORT_RANGES ? v->nranges : PT_MAX_PORT_RANGES;

	for (i = 0; i < n; i++)
		if (port >= v->ranges[i].lo && port <= v->ranges[i].hi)
			return true;
	return false;
}

static bool port_bit(const struct pt_port_bitmap *pm, unsigned int port)
{
	return (pm->bits[port / 64] >> (port % 64)) & 1;
}

/* Clear the bits of addr (nbytes long) past the first plen bits. */
static void mask_addr(uint8_t *addr, size_t nbytes, unsigned int plen)
{
	size_t i;

	for (i = 0; i < nbytes; i++) {
		if (plen >= 8) {
			plen -= 8;
			continue;
		}
		addr[i] &= (uint8_t)(0xff00u >> plen);
		plen = 0;
	}
}

/* Do the first plen bits of a and b agree? */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int full = plen / 8, rest = plen % 8;
	uint8_t m;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	m = (uint8_t)(0xff00u >> rest);
	return ((a[full] ^ b[full]) & m) == 0;
}

static void fill_value(struct pt_filter_value *v, const struct pt_net_filter *f)
{
	int i, n = f->nranges;

	if (n < 0)
		n = 0;
	if (n > PT_MAX_PORT_RANGES)
		n = PT_MAX_PORT_RANGES;
	memset(v, 0, sizeof(*v));
	v->mode = (uint8_t)f->mode;
	v->nranges = (uint8_t)n;
	for (i = 0; i < n; i++)
		v->ranges[i] = f->ranges[i];
}

static int dup_str(char **dst, const char *src)
{
	char *s = NULL;

	if (src) {
		s = strdup(src);
		if (!s)
			return -ENOMEM;
	}
	free(*dst);
	*dst = s;
	return 0;
}

/*
 * The entry of arr (n used) with key k, or a new one: two filters on the
 * same network give one map entry, the later filter winning, as in the map.
 */
static struct pt_filter_v4 *v4_slot(struct pt_filter_v4 *arr, size_t *n,
				    const struct pt_lpm_v4_key *k)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (arr[i].key.prefixlen == k->prefixlen && arr[i].key.gen == k->gen &&
		    !memcmp(arr[i].key.addr, k->addr, sizeof(k->addr)))
			return &arr[i];
	return &arr[(*n)++];
}

static struct pt_filter_v6 *v6_slot(struct pt_filter_v6 *arr, size_t *n,
				    const struct pt_lpm_v6_key *k)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (arr[i].key.prefixlen == k->prefixlen && arr[i].key.gen == k->gen &&
		    !memcmp(arr[i].key.addr, k->addr, sizeof(k->addr)))
			return &arr[i];
	return &arr[(*n)++];
}

int pt_filter_compile(const struct pt_filter_spec *spec, uint8_t gen, struct pt_filter_plan *out)
{
	size_t i, n4 = 0, n6 = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (gen > 1)
		return -EINVAL;
	out->gen = gen;

	for (i = 0; i < spec->nfilters; i++) {
		const struct pt_net_filter *f = &spec->filters[i];

		if (f->family == AF_INET && f->prefixlen >= 0 && f->prefixlen <= 32)
			n4++;
		else if (f->family == AF_INET6 && f->prefixlen >= 0 && f->prefixlen <= 128)
			n6++;
		else
			return -EINVAL;
	}
	if (n4) {
		out->v4 = calloc(n4, sizeof(*out->v4));
		if (!out->v4)
			goto nomem;
	}
	if (n6) {
		out->v6 = calloc(n6, sizeof(*out->v6));
		if (!out->v6)
			goto nomem;
	}

	for (i = 0; i < spec->nfilters; i++) {
		const struct pt_net_filter *f = &spec->filters[i];
		char **name, **desc;

		if (f->family == AF_INET) {
			struct pt_lpm_v4_key k;
			struct pt_filter_v4 *e;

			memset(&k, 0, sizeof(k));
			k.prefixlen = 8 + (uint32_t)f->prefixlen;
			k.gen = gen;
			memcpy(k.addr, f->addr, sizeof(k.addr));
			mask_addr(k.addr, sizeof(k.addr), (unsigned int)f->prefixlen);
			e = v4_slot(out->v4, &out->nv4, &k);
			memcpy(&e->key, &k, sizeof(k)); /* with its zeroed padding */
			fill_value(&e->val, f);
			name = &e->name;
			desc = &e->description;
		} else {
			struct pt_lpm_v6_key k;
			struct pt_filter_v6 *e;

			memset(&k, 0, sizeof(k));
			k.prefixlen = 8 + (uint32_t)f->prefixlen;
			k.gen = gen;
			memcpy(k.addr, f->addr, sizeof(k.addr));
			mask_addr(k.addr, sizeof(k.addr), (unsigned int)f->prefixlen);
			e = v6_slot(out->v6, &out->nv6, &k);
			memcpy(&e->key, &k, sizeof(k));
			fill_value(&e->val, f);
			name = &e->name;
			desc = &e->description;
		}
		err = dup_str(name, f->subnet_name);
		if (!err)
			err = dup_str(desc, f->description);
		if (err)
			goto nomem;
	}

	out->ports.mode = (uint32_t)spec->port_mode;
	for (i = 0; i < spec->nports; i++) {
		uint32_t lo = spec->ports[i].lo, hi = spec->ports[i].hi, p;

		if (lo > hi) {
			p = lo;
			lo = hi;
			hi = p;
		}
		for (p = lo; p <= hi; p++)
			out->ports.bits[p / 64] |= 1ull << (p % 64);
	}
	return 0;
nomem:
	pt_filter_plan_free(out);
	return -ENOMEM;
}

void pt_filter_spec_free(struct pt_filter_spec *s)
{
	size_t i;

	for (i = 0; i < s->nfilters; i++) {
		free(s->filters[i].subnet_name);
		free(s->filters[i].description);
	}
	free(s->filters);
	free(s->ports);
	memset(s, 0, sizeof(*s));
}

void pt_filter_plan_free(struct pt_filter_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; plan->v4 && i < plan->nv4; i++) {
		free(plan->v4[i].name);
		free(plan->v4[i].description);
	}
	for (i = 0; plan->v6 && i < plan->nv6; i++) {
		free(plan->v6[i].name);
		free(plan->v6[i].description);
	}
	free(plan->v4);
	free(plan->v6);
	memset(plan, 0, sizeof(*plan));
}

bool pt_filter_drops(const struct pt_filter_plan *plan, int family, const uint8_t *addr,
		     uint16_t port)
{
	/* lookup key data: generation byte + address, as in the kernel */
	uint8_t want[1 + 16], have[1 + 16];
	const struct pt_filter_value *best = NULL;
	unsigned int best_len = 0;
	size_t i;

	if (plan->ports.mode == PT_PORTS_INCLUDE && !port_bit(&plan->ports, port))
		return true;
	if (plan->ports.mode == PT_PORTS_EXCLUDE && port_bit(&plan->ports, port))
		return true;

	if (!addr)
		return false;
	if (family == AF_INET6) {
		static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

		if (!memcmp(addr, v4mapped, sizeof(v4mapped))) {
			family = AF_INET;
			addr += 12;
		}
	}
	want[0] = plan->gen;
	if (family == AF_INET) {
		memcpy(want + 1, addr, 4);
		for (i = 0; i < plan->nv4; i++) {
			const struct pt_filter_v4 *e = &plan->v4[i];
			unsigned int plen = e->key.prefixlen;

			if (plen > 8 + 32 || (best && plen <= best_len))
				continue;
			have[0] = e->key.gen;
			memcpy(have + 1, e->key.addr, 4);
			if (prefix_eq(want, have, plen)) {
				best = &e->val;
				best_len = plen;
			}
		}
	} else if (family == AF_INET6) {
		memcpy(want + 1, addr, 16);
		for (i = 0; i < plan->nv6; i++) {
			const struct pt_filter_v6 *e = &plan->v6[i];
			unsigned int plen = e->key.prefixlen;

			if (plen > 8 + 128 || (best && plen <= best_len))
				continue;
			have[0] = e->key.gen;
			memcpy(have + 1, e->key.addr, 16);
			if (prefix_eq(want, have, plen)) {
				best = &e->val;
				best_len = plen;
			}
		}
	}
	if (!best)
		return false;
	switch (best->mode) {
	case PT_FILTER_ALL:
		return true;
	case PT_FILTER_EXCEPT:
		return !port_in_ranges(best, port);
	case PT_FILTER_INCLUDE:
		return port_in_ranges(best, port);
	default:
		return false;
	}
}

/* ---- description for -p ------------------------------------------------- */

/* Append s with control characters shown as '?' (names come from YAML). */
static void add_clean(struct pt_buf *b, const char *s)
{
	for (; *s; s++)
		pt_buf_addc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void add_range(struct pt_buf *b, unsigned int lo, unsigned int hi, bool first)
{
	if (!first)
		pt_buf_addc(b, ',');
	if (lo == hi)
		pt_buf_printf(b, "%u", lo);
	else
		pt_buf_printf(b, "%u-%u", lo, hi);
}

static void describe_entry(struct pt_buf *b, int family, const uint8_t *addr, uint32_t plen,
			   const char *name, const char *desc, const struct pt_filter_value *v,
			   void (*line)(void *ctx, const char *s), void *ctx)
{
	char text[INET6_ADDRSTRLEN];
	bool has_name = name && name[0], has_desc = desc && desc[0];
	unsigned int i, n = v->nranges < PT_MAX_PORT_RANGES ? v->nranges : PT_MAX_PORT_RANGES;

	pt_buf_reset(b);
	if (!inet_ntop(family, addr, text, sizeof(text)))
		strcpy(text, "?");
	pt_buf_printf(b, "%s/%u", text, plen >= 8 ? plen - 8 : 0);
	if (has_name || has_desc) {
		pt_buf_adds(b, " (");
		if (has_name)
			add_clean(b, name);
		if (has_name && has_desc)
			pt_buf_adds(b, ": ");
		if (has_desc)
			add_clean(b, desc);
		pt_buf_addc(b, ')');
	}
	switch (v->mode) {
	case PT_FILTER_ALL:
		pt_buf_adds(b, ": drop all");
		break;
	case PT_FILTER_EXCEPT:
		pt_buf_adds(b, n ? ": drop except ports " : ": drop all (no except_ports)");
		break;
	case PT_FILTER_INCLUDE:
		pt_buf_adds(b, n ? ": drop only ports " : ": drop nothing (no include_ports)");
		break;
	default:
		pt_buf_printf(b, ": unknown mode %u", v->mode);
		n = 0;
		break;
	}
	for (i = 0; i < n; i++)
		add_range(b, v->ranges[i].lo, v->ranges[i].hi, i == 0);
	if (!b->oom)
		line(ctx, pt_buf_str(b));
}

static void describe_ports(struct pt_buf *b, const struct pt_port_bitmap *pm,
			   void (*line)(void *ctx, const char *s), void *ctx)
{
	unsigned int p = 0, lo;
	bool first = true;

	if (pm->mode != PT_PORTS_INCLUDE && pm->mode != PT_PORTS_EXCLUDE)
		return;
	pt_buf_reset(b);
	pt_buf_adds(b, pm->mode == PT_PORTS_INCLUDE ? "ports: report only " : "ports: drop ");
	while (p < 65536) {
		if (!port_bit(pm, p)) {
			p++;
			continue;
		}
		lo = p;
		while (p + 1 < 65536 && port_bit(pm, p + 1))
			p++;
		add_range(b, lo, p, first);
		first = false;
		p++;
	}
	if (first)
		pt_buf_adds(b, "(no port)");
	if (!b->oom)
		line(ctx, pt_buf_str(b));
}

void pt_filter_describe(const struct pt_filter_plan *plan, void (*line)(void *ctx, const char *s),
			void *ctx)
{
	struct pt_buf b;
	size_t i;

	pt_buf_init(&b);
	for (i = 0; i < plan->nv4; i++) {
		const struct pt_filter_v4 *e = &plan->v4[i];

		describe_entry(&b, AF_INET, e->key.addr, e->key.prefixlen, e->name, e->description,
			       &e->val, line, ctx);
	}
	for (i = 0; i < plan->nv6; i++) {
		const struct pt_filter_v6 *e = &plan->v6[i];

		describe_entry(&b, AF_INET6, e->key.addr, e->key.prefixlen, e->name,
			       e->description, &e->val, line, ctx);
	}
	describe_ports(&b, &plan->ports, line, ctx);
	pt_buf_free(&b);
}

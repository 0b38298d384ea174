// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A probe's "filters:" list, pidtree-bcc's schema: subnet_name, network
 * (address or CIDR), network_mask, description, except_ports or
 * include_ports.  The filter model itself is core/filter.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <search.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "keys.h"

struct filter_keys {
	const struct pt_ynode *name, *network, *mask, *desc;
	const struct pt_ynode *exc_k, *exc, *inc_k, *inc;
};

/* Prefix length of a contiguous mask, -1 when it is not contiguous. */
static int mask_prefix(const uint8_t *m, int len)
{
	int i, bits = 0;
	uint8_t b;

	for (i = 0; i < len && m[i] == 0xff; i++)
		bits += 8;
	if (i == len)
		return bits;
	for (b = m[i]; b & 0x80; b = (uint8_t)(b << 1))
		bits++;
	if (b)
		return -1;
	for (i++; i < len; i++)
		if (m[i])
			return -1;
	return bits;
}

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* network_mask: prefix length, dotted quad or IPv6 mask; -1 on error. */
static int parse_mask(struct pt_diags *d, const struct pt_ynode *m, int family)
{
	int maxlen = family == AF_INET ? 32 : 128, mfamily, plen;
	uint8_t buf[16];
	long long v;

	if (m->type != PT_Y_SCALAR) {
		PT_KEY_ERR(d, m, "network_mask must be a mask or a prefix length, got %s", pt_ynode_type_name(m));
		return -1;
	}
	if (pt_parse_decimal(m->scalar, &v) != -EINVAL) {
		if (v < 0 || v > maxlen) {
			PT_KEY_ERR(d, m, "network_mask prefix length '%s' is out of range (0-%d)",
			     m->scalar, maxlen);
			return -1;
		}
		return (int)v;
	}
	if (inet_pton(AF_INET, m->scalar, buf) == 1) {
		mfamily = AF_INET;
	} else if (inet_pton(AF_INET6, m->scalar, buf) == 1) {
		mfamily = AF_INET6;
	} else {
		PT_KEY_ERR(d, m, "invalid network_mask '%s'", m->scalar);
		return -1;
	}
	if (mfamily != family) {
		PT_KEY_ERR(d, m, "network_mask '%s' is %s but the network is %s", m->scalar,
		     family_name(mfamily), family_name(family));
		return -1;
	}
	plen = mask_prefix(buf, maxlen / 8);
	if (plen < 0)
		PT_KEY_ERR(d, m, "network_mask '%s' is not contiguous", m->scalar);
	return plen;
}

/* Clear the bits beyond plen; true when some were set. */
static bool clear_host_bits(uint8_t *addr, int len, int plen)
{
	bool changed = false;
	int i;

	for (i = 0; i < len; i++, plen -= 8) {
		uint8_t keep = plen >= 8 ? 0xff : plen <= 0 ? 0 : (uint8_t)(0xff << (8 - plen));

		if (addr[i] & ~keep)
			changed = true;
		addr[i] &= keep;
	}
	return changed;
}

/*
 * An IPv4-mapped network (::ffff:a.b.c.d/n, n >= 96) is an IPv4 one: events
 * carry IPv4-mapped addresses as IPv4 (dual-stack sockets), so the kernel
 * looks them up in the IPv4 trie, where this filter must be to match.
 */
static void unmap_v4(struct pt_diags *d, struct pt_net_filter *f, const struct pt_ynode *net)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	char txt[INET_ADDRSTRLEN];

	/* (host bits are clear: a prefix shorter than 96 bits cannot keep ffff) */
	if (f->family != AF_INET6 || f->prefixlen < 96 || memcmp(f->addr, mapped, sizeof(mapped)))
		return;
	memmove(f->addr, f->addr + 12, 4);
	memset(f->addr + 4, 0, 12);
	f->family = AF_INET;
	f->prefixlen -= 96;
	inet_ntop(AF_INET, f->addr, txt, sizeof(txt));
	PT_KEY_WARN(d, net, "network '%s' is IPv4-mapped: matched as %s/%d", net->scalar, txt,
		    f->prefixlen);
}

static void parse_network(struct pt_diags *d, struct pt_net_filter *f, const struct pt_ynode *net,
			  const struct pt_ynode *mask)
{
	char buf[INET6_ADDRSTRLEN + 1], txt[INET6_ADDRSTRLEN];
	int maxlen, cidr = -1, mlen = -1;
	const char *s, *slash;
	long long v;
	size_t alen;

	if (net->type != PT_Y_SCALAR) {
		PT_KEY_ERR(d, net, "network must be an IP address, got %s", pt_ynode_type_name(net));
		return;
	}
	s = net->scalar;
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, f->addr) == 1)
		f->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, f->addr) == 1)
		f->family = AF_INET6;
	else
		goto bad;
	maxlen = f->family == AF_INET ? 32 : 128;
	if (slash) {
		if (pt_parse_decimal(slash + 1, &v) || v < 0 || v > maxlen) {
			PT_KEY_ERR(d, net, "invalid prefix length in network '%s' (0-%d)", s, maxlen);
			return;
		}
		cidr = (int)v;
	}
	if (mask && mask->type != PT_Y_NULL) {
		mlen = parse_mask(d, mask, f->family);
		if (mlen < 0)
			return;
		if (cidr >= 0 && mlen != cidr) {
			PT_KEY_ERR(d, mask, "network_mask '%s' (/%d) disagrees with network '%s'",
			     mask->scalar, mlen, s);
			return;
		}
	} else if (cidr < 0) {
		PT_KEY_ERR(d, net, "network '%s' needs a network_mask or a CIDR prefix ('%s/N')", s, s);
		return;
	}
	f->prefixlen = cidr >= 0 ? cidr : mlen;
	if (clear_host_bits(f->addr, maxlen / 8, f->prefixlen)) {
		inet_ntop(f->family, f->addr, txt, sizeof(txt));
		PT_KEY_WARN(d, net, "network '%s' has host bits set; using %s/%d", s, txt, f->prefixlen);
	}
	unmap_v4(d, f, net);
	return;
bad:
	PT_KEY_ERR(d, net, "invalid network address '%s'", s);
}

static int filter_ports(struct pt_diags *d, struct pt_net_filter *f, const struct filter_keys *fk)
{
	bool exc = fk->exc && !pt_ynode_empty(fk->exc), inc = fk->inc && !pt_ynode_empty(fk->inc);
	const struct pt_ynode *k, *v;
	struct pt_port_range *r;
	size_t n;
	int ret;

	if (fk->exc && !exc)
		PT_KEY_WARN(d, fk->exc_k, "empty except_ports ignored");
	if (fk->inc && !inc)
		PT_KEY_WARN(d, fk->inc_k, "empty include_ports ignored");
	if (exc && inc) {
		PT_KEY_ERR(d, fk->inc_k, "except_ports and include_ports cannot be used together");
		return 0;
	}
	if (!exc && !inc)
		return 0;
	k = exc ? fk->exc_k : fk->inc_k;
	v = exc ? fk->exc : fk->inc;
	ret = pt_key_ports(d, k->scalar, v, &r, &n);
	if (ret)
		return ret;
	if (v->type == PT_Y_SEQUENCE && v->n > PT_MAX_PORT_RANGES) {
		PT_KEY_ERR(d, k, "at most %d port ranges per filter (%zu given)", PT_MAX_PORT_RANGES,
		     v->n);
	} else if (n) {
		memcpy(f->ranges, r, n * sizeof(*r));
		f->nranges = (int)n;
		f->mode = exc ? PT_FILTER_EXCEPT : PT_FILTER_INCLUDE;
	}
	free(r);
	return 0;
}

static void filter_keys(struct pt_diags *d, const struct pt_ynode *it, struct filter_keys *fk)
{
	size_t i;

	for (i = 0; i < it->n; i++) {
		const struct pt_ynode *k = it->keys[i], *v = it->values[i];

		if (k->type != PT_Y_SCALAR) {
			PT_KEY_ERR(d, k, "filter keys must be names, got %s", pt_ynode_type_name(k));
		} else if (!strcmp(k->scalar, "subnet_name")) {
			fk->name = v;
		} else if (!strcmp(k->scalar, "network")) {
			fk->network = v;
		} else if (!strcmp(k->scalar, "network_mask")) {
			fk->mask = v;
		} else if (!strcmp(k->scalar, "description")) {
			fk->desc = v;
		} else if (!strcmp(k->scalar, "except_ports")) {
			fk->exc_k = k;
			fk->exc = v;
		} else if (!strcmp(k->scalar, "include_ports")) {
			fk->inc_k = k;
			fk->inc = v;
		} else {
			PT_KEY_WARN(d, k, "unknown key '%s' in filter ignored", k->scalar);
		}
	}
}

/*
 * A subnet_name seen before is an error naming the first one's line.  The
 * names are kept in a hash table (hsearch_r: one lookup per filter, where a
 * list of 100000 filters compared pairwise would take minutes).
 */
static int check_unique(struct pt_diags *d, struct hsearch_data *names,
			const struct pt_net_filter *f, const struct pt_ynode *at)
{
	ENTRY e = { .key = f->subnet_name, .data = (void *)f }, *found = NULL;

	if (!hsearch_r(e, FIND, &found, names) || !found) {
		if (!hsearch_r(e, ENTER, &found, names))
			return -ENOMEM;
		return 0;
	}
	PT_KEY_ERR(d, at, "duplicate subnet_name '%s' (first at line %d)", f->subnet_name,
		   ((const struct pt_net_filter *)found->data)->line);
	return 0;
}

/* Appends to pc->filters (room for it is there) whatever the outcome. */
static int parse_filter(struct pt_diags *d, struct pt_filter_spec *pc, struct hsearch_data *names,
			const struct pt_ynode *it)
{
	struct pt_net_filter *f = &pc->filters[pc->nfilters];
	struct filter_keys fk = { 0 };
	int ret;

	if (it->type != PT_Y_MAPPING) {
		PT_KEY_ERR(d, it, "a filter must be a mapping, got %s", pt_ynode_type_name(it));
		return 0;
	}
	memset(f, 0, sizeof(*f));
	f->file = it->file;
	f->line = it->line;
	f->mode = PT_FILTER_ALL;
	pc->nfilters++;
	filter_keys(d, it, &fk);

	if (!fk.name) {
		PT_KEY_ERR(d, it, "filter without subnet_name");
	} else if (fk.name->type != PT_Y_SCALAR) {
		PT_KEY_ERR(d, fk.name, "subnet_name must be a string or a number, got %s",
		     pt_ynode_type_name(fk.name));
	} else {
		f->subnet_name = strdup(fk.name->scalar);
		if (!f->subnet_name)
			return -ENOMEM;
		ret = check_unique(d, names, f, fk.name);
		if (ret)
			return ret;
	}
	if (fk.network)
		parse_network(d, f, fk.network, fk.mask);
	else
		PT_KEY_ERR(d, it, "filter without network");
	if (fk.desc && fk.desc->type == PT_Y_SCALAR) {
		f->description = strdup(fk.desc->scalar);
		if (!f->description)
			return -ENOMEM;
	} else if (fk.desc && fk.desc->type != PT_Y_NULL) {
		PT_KEY_ERR(d, fk.desc, "description must be a string, got %s", pt_ynode_type_name(fk.desc));
	}
	return filter_ports(d, f, &fk);
}

int pt_config_parse_filters(struct pt_diags *d, struct pt_filter_spec *pc, const struct pt_ynode *v)
{
	struct hsearch_data names;
	size_t i;
	int ret = 0;

	if (v->type == PT_Y_NULL)
		return 0;
	if (v->type != PT_Y_SEQUENCE) {
		PT_KEY_ERR(d, v, "filters must be a list, got %s", pt_ynode_type_name(v));
		return 0;
	}
	if (!v->n || pc->filters)
		return 0;
	if (v->n > PT_FILTERS_MAX) {
		PT_KEY_ERR(d, v, "at most %d subnet filters per probe, got %zu", PT_FILTERS_MAX, v->n);
		return 0;
	}
	pc->filters = calloc(v->n, sizeof(*pc->filters));
	memset(&names, 0, sizeof(names));
	if (!pc->filters || !hcreate_r(v->n * 2, &names)) {
		free(pc->filters);
		pc->filters = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < v->n && !ret; i++)
		ret = parse_filter(d, pc, &names, v->items[i]);
	hdestroy_r(&names);
	return ret;
}


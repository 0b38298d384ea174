// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Interpretation of one probe's configuration, pidtree-bcc's schema:
 * filters (subnet filters with optional port lists), includeports /
 * excludeports, plugins, and the net_listen / udp_session options.
 *
 * Every problem is a diagnostic at the line of the offending node and the
 * walk goes on, so one run reports everything that is wrong.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Upper bound of every duration (seconds): keeps seconds * 1e9 in 64 bits. */
#define PT_SECONDS_MAX 2147483647L

#define perr(d, n, ...) pt_diag_add(d, PT_DIAG_ERROR, (n)->file, (n)->line, __VA_ARGS__)
#define pwarn(d, n, ...) pt_diag_add(d, PT_DIAG_WARNING, (n)->file, (n)->line, __VA_ARGS__)

static const char *const listen_keys[] = {
	"protocols", "snapshot_periodicity", "snapshot_delay", "same_namespace_only",
	"exclude_random_bind", NULL,
};
static const char *const udp_keys[] = { "session_max_duration", "max_sessions", NULL };

static const char *type_name(const struct pt_ynode *n)
{
	switch (n->type) {
	case PT_Y_SCALAR:
		return "a scalar";
	case PT_Y_SEQUENCE:
		return "a list";
	case PT_Y_MAPPING:
		return "a mapping";
	default:
		return "nothing";
	}
}

static bool key_in(const char *key, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

static bool is_empty(const struct pt_ynode *v)
{
	return v->type == PT_Y_NULL || (v->type == PT_Y_SEQUENCE && !v->n);
}

/* Decimal integer with optional sign: -EINVAL on junk, -ERANGE on overflow. */
static int parse_decimal(const char *s, long long *out)
{
	unsigned long long v = 0;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned int digit = (unsigned int)(*s - '0');

		if (v > ((unsigned long long)LLONG_MAX - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	if (*s)
		return -EINVAL;
	*out = neg ? -(long long)v : (long long)v;
	return 0;
}

static void get_bool(struct pt_diags *d, const char *what, const struct pt_ynode *v, bool *out)
{
	if (v->type != PT_Y_SCALAR)
		perr(d, v, "%s must be true or false, got %s", what, type_name(v));
	else if (pt_parse_bool(v->scalar, out))
		perr(d, v, "%s: invalid boolean '%s' (use true or false)", what, v->scalar);
}

/* Seconds in [min, PT_SECONDS_MAX]; *out is left alone on error. */
static void get_seconds(struct pt_diags *d, const char *what, const struct pt_ynode *v, long min,
			long *out)
{
	long long n;
	int ret;

	if (v->type != PT_Y_SCALAR) {
		perr(d, v, "%s must be an integer, got %s", what, type_name(v));
		return;
	}
	ret = parse_decimal(v->scalar, &n);
	if (ret == -EINVAL) {
		perr(d, v, "%s: invalid integer '%s'", what, v->scalar);
		return;
	}
	if (ret || n < min || n > PT_SECONDS_MAX) {
		perr(d, v, "%s must be between %ld and %ld, got %s", what, min, PT_SECONDS_MAX,
		     v->scalar);
		return;
	}
	*out = (long)n;
}

/* ---- ports -------------------------------------------------------------- */

/* A list of ports / "lo-hi" ranges; *out is NULL when nothing valid. */
static int parse_ports(struct pt_diags *d, const char *what, const struct pt_ynode *v,
		       struct pt_port_range **out, size_t *n)
{
	struct pt_port_range *r;
	size_t i;

	*out = NULL;
	*n = 0;
	if (v->type == PT_Y_NULL)
		return 0;
	if (v->type != PT_Y_SEQUENCE) {
		perr(d, v, "%s must be a list of ports, got %s", what, type_name(v));
		return 0;
	}
	if (!v->n)
		return 0;
	r = calloc(v->n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < v->n; i++) {
		const struct pt_ynode *it = v->items[i];

		if (it->type != PT_Y_SCALAR)
			perr(d, it, "%s: a port must be a number or a 'lo-hi' range, got %s", what,
			     type_name(it));
		else if (pt_parse_port_range(it->scalar, &r[*n]))
			perr(d, it,
			     "%s: invalid port or port range '%s' (ports are 1-65535, ranges lo-hi with lo <= hi)",
			     what, it->scalar);
		else
			(*n)++;
	}
	if (*n)
		*out = r;
	else
		free(r);
	return 0;
}

static int probe_ports(struct pt_diags *d, struct pt_probe_config *pc, const struct pt_ynode *inc_k,
		       const struct pt_ynode *inc, const struct pt_ynode *exc_k,
		       const struct pt_ynode *exc)
{
	struct pt_port_range *ri = NULL, *re = NULL;
	size_t ni = 0, ne = 0;
	int ret = 0;

	if (inc)
		ret = parse_ports(d, "includeports", inc, &ri, &ni);
	if (!ret && exc)
		ret = parse_ports(d, "excludeports", exc, &re, &ne);
	if (ret)
		goto out;
	if (ni && ne)
		pwarn(d, exc_k,
		      "includeports and excludeports are mutually exclusive; includeports takes precedence and excludeports is ignored");
	if (ni) {
		pc->port_mode = PT_PORTS_INCLUDE;
		pc->ports = ri;
		pc->nports = ni;
		ri = NULL;
	} else if (ne) {
		pc->port_mode = PT_PORTS_EXCLUDE;
		pc->ports = re;
		pc->nports = ne;
		re = NULL;
	}
out:
	free(ri);
	free(re);
	return ret;
}

/* ---- subnet filters ------------------------------------------------------ */

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
		perr(d, m, "network_mask must be a mask or a prefix length, got %s", type_name(m));
		return -1;
	}
	if (parse_decimal(m->scalar, &v) != -EINVAL) {
		if (v < 0 || v > maxlen) {
			perr(d, m, "network_mask prefix length '%s' is out of range (0-%d)",
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
		perr(d, m, "invalid network_mask '%s'", m->scalar);
		return -1;
	}
	if (mfamily != family) {
		perr(d, m, "network_mask '%s' is %s but the network is %s", m->scalar,
		     family_name(mfamily), family_name(family));
		return -1;
	}
	plen = mask_prefix(buf, maxlen / 8);
	if (plen < 0)
		perr(d, m, "network_mask '%s' is not contiguous", m->scalar);
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

static void parse_network(struct pt_diags *d, struct pt_net_filter *f, const struct pt_ynode *net,
			  const struct pt_ynode *mask)
{
	char buf[INET6_ADDRSTRLEN + 1], txt[INET6_ADDRSTRLEN];
	int maxlen, cidr = -1, mlen = -1;
	const char *s, *slash;
	long long v;
	size_t alen;

	if (net->type != PT_Y_SCALAR) {
		perr(d, net, "network must be an IP address, got %s", type_name(net));
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
		if (parse_decimal(slash + 1, &v) || v < 0 || v > maxlen) {
			perr(d, net, "invalid prefix length in network '%s' (0-%d)", s, maxlen);
			return;
		}
		cidr = (int)v;
	}
	if (mask && mask->type != PT_Y_NULL) {
		mlen = parse_mask(d, mask, f->family);
		if (mlen < 0)
			return;
		if (cidr >= 0 && mlen != cidr) {
			perr(d, mask, "network_mask '%s' (/%d) disagrees with network '%s'",
			     mask->scalar, mlen, s);
			return;
		}
	} else if (cidr < 0) {
		perr(d, net, "network '%s' needs a network_mask or a CIDR prefix ('%s/N')", s, s);
		return;
	}
	f->prefixlen = cidr >= 0 ? cidr : mlen;
	if (clear_host_bits(f->addr, maxlen / 8, f->prefixlen)) {
		inet_ntop(f->family, f->addr, txt, sizeof(txt));
		pwarn(d, net, "network '%s' has host bits set; using %s/%d", s, txt, f->prefixlen);
	}
	return;
bad:
	perr(d, net, "invalid network address '%s'", s);
}

static int filter_ports(struct pt_diags *d, struct pt_net_filter *f, const struct filter_keys *fk)
{
	bool exc = fk->exc && !is_empty(fk->exc), inc = fk->inc && !is_empty(fk->inc);
	const struct pt_ynode *k, *v;
	struct pt_port_range *r;
	size_t n;
	int ret;

	if (fk->exc && !exc)
		pwarn(d, fk->exc_k, "empty except_ports ignored");
	if (fk->inc && !inc)
		pwarn(d, fk->inc_k, "empty include_ports ignored");
	if (exc && inc) {
		perr(d, fk->inc_k, "except_ports and include_ports cannot be used together");
		return 0;
	}
	if (!exc && !inc)
		return 0;
	k = exc ? fk->exc_k : fk->inc_k;
	v = exc ? fk->exc : fk->inc;
	ret = parse_ports(d, k->scalar, v, &r, &n);
	if (ret)
		return ret;
	if (v->type == PT_Y_SEQUENCE && v->n > PT_MAX_PORT_RANGES) {
		perr(d, k, "at most %d port ranges per filter (%zu given)", PT_MAX_PORT_RANGES,
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
			perr(d, k, "filter keys must be names, got %s", type_name(k));
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
			pwarn(d, k, "unknown key '%s' in filter ignored", k->scalar);
		}
	}
}

/* Appends to pc->filters (room for it is there) whatever the outcome. */
static int parse_filter(struct pt_diags *d, struct pt_probe_config *pc, const struct pt_ynode *it)
{
	struct pt_net_filter *f = &pc->filters[pc->nfilters];
	struct filter_keys fk = { 0 };
	size_t i;

	if (it->type != PT_Y_MAPPING) {
		perr(d, it, "a filter must be a mapping, got %s", type_name(it));
		return 0;
	}
	memset(f, 0, sizeof(*f));
	f->file = it->file;
	f->line = it->line;
	f->mode = PT_FILTER_ALL;
	pc->nfilters++;
	filter_keys(d, it, &fk);

	if (!fk.name) {
		perr(d, it, "filter without subnet_name");
	} else if (fk.name->type != PT_Y_SCALAR) {
		perr(d, fk.name, "subnet_name must be a string or a number, got %s",
		     type_name(fk.name));
	} else {
		for (i = 0; i + 1 < pc->nfilters; i++) {
			if (pc->filters[i].subnet_name &&
			    !strcmp(pc->filters[i].subnet_name, fk.name->scalar)) {
				perr(d, fk.name, "duplicate subnet_name '%s' (first at line %d)",
				     fk.name->scalar, pc->filters[i].line);
				break;
			}
		}
		f->subnet_name = strdup(fk.name->scalar);
		if (!f->subnet_name)
			return -ENOMEM;
	}
	if (fk.network)
		parse_network(d, f, fk.network, fk.mask);
	else
		perr(d, it, "filter without network");
	if (fk.desc && fk.desc->type == PT_Y_SCALAR) {
		f->description = strdup(fk.desc->scalar);
		if (!f->description)
			return -ENOMEM;
	} else if (fk.desc && fk.desc->type != PT_Y_NULL) {
		perr(d, fk.desc, "description must be a string, got %s", type_name(fk.desc));
	}
	return filter_ports(d, f, &fk);
}

static int parse_filters(struct pt_diags *d, struct pt_probe_config *pc, const struct pt_ynode *v)
{
	size_t i;
	int ret;

	if (v->type == PT_Y_NULL)
		return 0;
	if (v->type != PT_Y_SEQUENCE) {
		perr(d, v, "filters must be a list, got %s", type_name(v));
		return 0;
	}
	if (!v->n || pc->filters)
		return 0;
	pc->filters = calloc(v->n, sizeof(*pc->filters));
	if (!pc->filters)
		return -ENOMEM;
	for (i = 0; i < v->n; i++) {
		ret = parse_filter(d, pc, v->items[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- plugins and probe options ------------------------------------------- */

static int parse_plugins(struct pt_diags *d, struct pt_probe_config *pc, const struct pt_ynode *v)
{
	const struct pt_ynode *opt;
	size_t i;

	if (v->type == PT_Y_NULL)
		return 0;
	if (v->type != PT_Y_MAPPING) {
		perr(d, v, "plugins must be a mapping of plugin names, got %s", type_name(v));
		return 0;
	}
	if (!v->n || pc->plugins)
		return 0;
	pc->plugins = calloc(v->n, sizeof(*pc->plugins));
	if (!pc->plugins)
		return -ENOMEM;
	for (i = 0; i < v->n; i++) {
		const struct pt_ynode *k = v->keys[i], *pv = v->values[i];
		struct pt_plugin_config *p;

		if (k->type != PT_Y_SCALAR) {
			perr(d, k, "plugin names must be strings, got %s", type_name(k));
			continue;
		}
		if (pv->type != PT_Y_NULL && pv->type != PT_Y_MAPPING) {
			perr(d, pv, "plugin '%s' configuration must be a mapping, got %s",
			     k->scalar, type_name(pv));
			continue;
		}
		p = &pc->plugins[pc->nplugins++];
		p->name = strdup(k->scalar);
		if (!p->name)
			return -ENOMEM;
		p->enabled = true;
		p->unload_on_init_exception = false;
		p->args = pv->type == PT_Y_MAPPING ? pv : NULL;
		p->file = k->file;
		p->line = k->line;
		opt = pt_ynode_get(pv, "enabled");
		if (opt)
			get_bool(d, "enabled", opt, &p->enabled);
		opt = pt_ynode_get(pv, "unload_on_init_exception");
		if (opt)
			get_bool(d, "unload_on_init_exception", opt, &p->unload_on_init_exception);
	}
	return 0;
}

static void parse_protocols(struct pt_diags *d, struct pt_probe_config *pc,
			    const struct pt_ynode *k, const struct pt_ynode *v)
{
	unsigned int protos = 0;
	size_t i;

	if (is_empty(v)) {
		perr(d, k, "protocols must not be empty (choices: tcp, udp)");
		return;
	}
	if (v->type != PT_Y_SEQUENCE) {
		perr(d, v, "protocols must be a list (choices: tcp, udp), got %s", type_name(v));
		return;
	}
	for (i = 0; i < v->n; i++) {
		const struct pt_ynode *it = v->items[i];

		if (it->type == PT_Y_SCALAR && !strcmp(it->scalar, "tcp"))
			protos |= PT_PROTO_TCP;
		else if (it->type == PT_Y_SCALAR && !strcmp(it->scalar, "udp"))
			protos |= PT_PROTO_UDP;
		else if (it->type == PT_Y_SCALAR)
			perr(d, it, "unknown protocol '%s' (choices: tcp, udp)", it->scalar);
		else
			perr(d, it, "a protocol must be tcp or udp, got %s", type_name(it));
	}
	if (protos)
		pc->protocols = protos;
}

/* The options only some probes have; false when key is not one of pc's. */
static bool probe_option(struct pt_diags *d, struct pt_probe_config *pc, const struct pt_ynode *k,
			 const struct pt_ynode *v)
{
	const char *key = k->scalar;

	if (pc->kind == PT_PROBE_NET_LISTEN) {
		if (!strcmp(key, "protocols"))
			parse_protocols(d, pc, k, v);
		else if (!strcmp(key, "snapshot_periodicity"))
			get_seconds(d, key, v, 0, &pc->snapshot_periodicity);
		else if (!strcmp(key, "snapshot_delay"))
			get_seconds(d, key, v, 0, &pc->snapshot_delay);
		else if (!strcmp(key, "same_namespace_only"))
			get_bool(d, key, v, &pc->same_namespace_only);
		else if (!strcmp(key, "exclude_random_bind"))
			get_bool(d, key, v, &pc->exclude_random_bind);
		else
			return false;
		return true;
	}
	if (pc->kind == PT_PROBE_UDP_SESSION && !strcmp(key, "session_max_duration")) {
		get_seconds(d, key, v, 1, &pc->session_max_duration);
		return true;
	}
	if (pc->kind == PT_PROBE_UDP_SESSION && !strcmp(key, "max_sessions")) {
		long n = pc->max_sessions;

		get_seconds(d, key, v, 1, &n); /* an integer >= 1; range checked below */
		if (n > PT_MAX_SESSIONS_MAX)
			perr(d, v, "max_sessions must be at most %d, got %ld", PT_MAX_SESSIONS_MAX, n);
		else
			pc->max_sessions = n;
		return true;
	}
	return false;
}

int pt_config_parse_probe(struct pt_probe_config *pc, const struct pt_ynode *key,
			  const struct pt_ynode *val, struct pt_diags *d)
{
	const struct pt_ynode *inc_k = NULL, *inc = NULL, *exc_k = NULL, *exc = NULL;
	const char *name = pt_probe_names[pc->kind];
	size_t i;
	int ret = 0;

	pc->present = true;
	pc->file = key->file;
	pc->line = key->line;
	if (val->type == PT_Y_NULL)
		return 0; /* enabled with the defaults */
	if (val->type != PT_Y_MAPPING) {
		perr(d, val, "probe %s must be a mapping, got %s", name, type_name(val));
		return 0;
	}
	for (i = 0; i < val->n && !ret; i++) {
		const struct pt_ynode *k = val->keys[i], *v = val->values[i];

		if (k->type != PT_Y_SCALAR) {
			perr(d, k, "keys of probe %s must be names, got %s", name, type_name(k));
		} else if (!strcmp(k->scalar, "filters")) {
			ret = parse_filters(d, pc, v);
		} else if (!strcmp(k->scalar, "includeports")) {
			inc_k = k;
			inc = v;
		} else if (!strcmp(k->scalar, "excludeports")) {
			exc_k = k;
			exc = v;
		} else if (!strcmp(k->scalar, "plugins")) {
			ret = parse_plugins(d, pc, v);
		} else if (!strcmp(k->scalar, "container_labels")) {
			pwarn(d, k, "container_labels is not supported yet; ignored");
		} else if (probe_option(d, pc, k, v)) {
			continue;
		} else if (key_in(k->scalar, listen_keys) || key_in(k->scalar, udp_keys)) {
			pwarn(d, k, "unknown key '%s' for probe %s (an option of %s); ignored",
			      k->scalar, name,
			      key_in(k->scalar, listen_keys) ? "net_listen" : "udp_session");
		} else {
			pwarn(d, k, "unknown key '%s' in probe %s ignored", k->scalar, name);
		}
	}
	if (ret)
		return ret;
	return probe_ports(d, pc, inc_k, inc, exc_k, exc);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Interpretation of one probe's configuration, pidtree-bcc's schema: the
 * keys every network probe has (filters, includeports / excludeports,
 * container_labels, plugins, and pidtree's dns) here, the probe's own keys by its schema
 * (the probe's file).
 *
 * Every problem is a diagnostic at the line of the offending node and the
 * walk goes on, so one run reports everything that is wrong.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "keys.h"

static bool key_in(const char *key, const char *const *list)
{
	for (; list && *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

static int probe_ports(struct pt_diags *d, struct pt_probe_config *pc, const struct pt_ynode *inc_k,
		       const struct pt_ynode *inc, const struct pt_ynode *exc_k,
		       const struct pt_ynode *exc)
{
	struct pt_port_range *ri = NULL, *re = NULL;
	size_t ni = 0, ne = 0;
	int ret = 0;

	if (inc)
		ret = pt_key_ports(d, "includeports", inc, &ri, &ni);
	if (!ret && exc)
		ret = pt_key_ports(d, "excludeports", exc, &re, &ne);
	if (ret)
		goto out;
	if (ni && ne)
		PT_KEY_WARN(d, exc_k,
		      "includeports and excludeports are mutually exclusive; includeports takes precedence and excludeports is ignored");
	if (ni) {
		pc->filter.port_mode = PT_PORTS_INCLUDE;
		pc->filter.ports = ri;
		pc->filter.nports = ni;
		ri = NULL;
	} else if (ne) {
		pc->filter.port_mode = PT_PORTS_EXCLUDE;
		pc->filter.ports = re;
		pc->filter.nports = ne;
		re = NULL;
	}
out:
	free(ri);
	free(re);
	return ret;
}

static int parse_plugins(struct pt_diags *d, struct pt_probe_config *pc, const struct pt_ynode *v)
{
	const struct pt_ynode *opt;
	size_t i;

	if (v->type == PT_Y_NULL)
		return 0;
	if (v->type != PT_Y_MAPPING) {
		PT_KEY_ERR(d, v, "plugins must be a mapping of plugin names, got %s", pt_ynode_type_name(v));
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
			PT_KEY_ERR(d, k, "plugin names must be strings, got %s", pt_ynode_type_name(k));
			continue;
		}
		if (pv->type != PT_Y_NULL && pv->type != PT_Y_MAPPING) {
			PT_KEY_ERR(d, pv, "plugin '%s' configuration must be a mapping, got %s",
			     k->scalar, pt_ynode_type_name(pv));
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
			pt_key_bool(d, "enabled", opt, &p->enabled);
		opt = pt_ynode_get(pv, "unload_on_init_exception");
		if (opt)
			pt_key_bool(d, "unload_on_init_exception", opt, &p->unload_on_init_exception);
	}
	return 0;
}

/*
 * container_labels: a list of "label=glob[,label=glob...]" strings
 * (label_filter.h), each checked with its own line.  An entry refused is an
 * error (a filter silently narrower or wider than asked is worse than none).
 */
static int parse_container_labels(struct pt_diags *d, struct pt_probe_config *pc,
				  const struct pt_ynode *k, const struct pt_ynode *v)
{
	size_t i;
	int err;

	if (v->type == PT_Y_NULL || (v->type == PT_Y_SEQUENCE && !v->n)) {
		PT_KEY_WARN(d, k, "container_labels is empty: no container filter (as pidtree-bcc)");
		pt_label_filter_free(&pc->containers);
		return 0;
	}
	if (v->type != PT_Y_SEQUENCE) {
		PT_KEY_ERR(d, v, "container_labels must be a list of label=glob[,label=glob...] "
			   "strings, got %s", pt_ynode_type_name(v));
		return 0;
	}
	pt_label_filter_free(&pc->containers); /* a repeated key: the last one counts */
	for (i = 0; i < v->n; i++) {
		const struct pt_ynode *e = v->items[i];

		if (e->type != PT_Y_SCALAR) {
			PT_KEY_ERR(d, e, "container_labels entries must be label=glob strings, got %s",
				   pt_ynode_type_name(e));
			continue;
		}
		err = pt_label_filter_add(&pc->containers, e->scalar, e->file, e->line, d);
		if (err == -ENOMEM)
			return err;
	}
	return 0;
}

/* The other probe whose own key k is, or NULL. */
static const struct pt_probe_schema *owner_of(const char *k, const struct pt_probe_schema *self,
					      const struct pt_probe_schema *const *others)
{
	for (; others && *others; others++)
		if (*others != self && key_in(k, (*others)->keys))
			return *others;
	return NULL;
}

int pt_config_parse_probe(struct pt_probe_config *pc, const struct pt_ynode *key,
			  const struct pt_ynode *val, const struct pt_probe_schema *const *others,
			  struct pt_diags *d)
{
	const struct pt_ynode *inc_k = NULL, *inc = NULL, *exc_k = NULL, *exc = NULL;
	const struct pt_probe_schema *sc = pc->schema, *other;
	const char *name = sc->name;
	size_t i;
	int ret = 0;

	pc->present = true;
	pc->file = key->file;
	pc->line = key->line;
	pc->node = val; /* external probes read their own keys from it */
	if (val->type == PT_Y_NULL)
		return 0; /* enabled with the defaults */
	if (val->type != PT_Y_MAPPING) {
		PT_KEY_ERR(d, val, "probe %s must be a mapping, got %s", name,
			   pt_ynode_type_name(val));
		return 0;
	}
	for (i = 0; i < val->n && !ret; i++) {
		const struct pt_ynode *k = val->keys[i], *v = val->values[i];

		if (k->type != PT_Y_SCALAR) {
			PT_KEY_ERR(d, k, "keys of probe %s must be names, got %s", name,
				   pt_ynode_type_name(k));
		} else if (sc->network && !strcmp(k->scalar, "filters")) {
			ret = pt_config_parse_filters(d, &pc->filter, v);
		} else if (sc->network && !strcmp(k->scalar, "includeports")) {
			inc_k = k;
			inc = v;
		} else if (sc->network && !strcmp(k->scalar, "excludeports")) {
			exc_k = k;
			exc = v;
		} else if ((sc->network || sc->plugins) && !strcmp(k->scalar, "plugins")) {
			ret = parse_plugins(d, pc, v);
		} else if (sc->network && !strcmp(k->scalar, "dns")) {
			pt_key_bool(d, "dns", v, &pc->dns); /* names of addresses */
		} else if (sc->network && !strcmp(k->scalar, "container_labels")) {
			ret = parse_container_labels(d, pc, k, v);
		} else if (key_in(k->scalar, sc->keys) && sc->parse_key) {
			ret = sc->parse_key(pc->opts, k, v, d);
		} else if ((other = owner_of(k->scalar, sc, others)) != NULL) {
			PT_KEY_WARN(d, k, "unknown key '%s' for probe %s (an option of %s); ignored",
				    k->scalar, name, other->name);
		} else {
			PT_KEY_WARN(d, k, "unknown key '%s' in probe %s ignored", k->scalar, name);
		}
	}
	if (ret)
		return ret;
	return probe_ports(d, pc, inc_k, inc, exc_k, exc);
}

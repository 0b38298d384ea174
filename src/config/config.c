// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe configuration: the top level of the file (probe names), one
 * pt_probe_config per known probe, and one per external probe that the
 * caller's resolver (pt_config_unknown) supplies for a key no schema
 * names.  The YAML itself is read by ytree.c, each probe's mapping is
 * interpreted by probe_keys.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void probe_free(struct pt_probe_config *pc)
{
	size_t i;

	pt_filter_spec_free(&pc->filter);
	pt_label_filter_free(&pc->containers);
	for (i = 0; i < pc->nplugins; i++)
		free(pc->plugins[i].name);
	free(pc->plugins);
	if (pc->opts && pc->schema && pc->schema->opts_free)
		pc->schema->opts_free(pc->opts);
	free(pc->opts);
}

/* pc for schema sc, with its defaults.  0 or -ENOMEM. */
static int probe_init(struct pt_probe_config *pc, const struct pt_probe_schema *sc)
{
	memset(pc, 0, sizeof(*pc));
	pc->schema = sc;
	pc->filter.port_mode = PT_PORTS_NONE;
	pc->dns = true; /* destination names, where [dns] is on */
	if (!sc->opts_size)
		return 0;
	pc->opts = calloc(1, sc->opts_size);
	if (!pc->opts)
		return -ENOMEM;
	if (sc->opts_defaults)
		sc->opts_defaults(pc->opts);
	return 0;
}

int pt_config_defaults(struct pt_config *cfg, const struct pt_probe_schema *const *schemas)
{
	size_t n = 0, i;

	memset(cfg, 0, sizeof(*cfg));
	while (schemas[n])
		n++;
	cfg->probes = calloc(n ? n : 1, sizeof(*cfg->probes));
	if (!cfg->probes)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		cfg->nprobes = i + 1; /* so that pt_config_free frees what is set up */
		if (probe_init(&cfg->probes[i], schemas[i])) {
			pt_config_free(cfg);
			return -ENOMEM;
		}
	}
	cfg->nprobes = n;
	return 0;
}

/* A configuration for sc appended to cfg (an external probe); NULL: ENOMEM. */
static struct pt_probe_config *probe_append(struct pt_config *cfg,
					    const struct pt_probe_schema *sc)
{
	struct pt_probe_config *v = realloc(cfg->probes, (cfg->nprobes + 1) * sizeof(*v));

	if (!v)
		return NULL;
	cfg->probes = v;
	if (probe_init(&v[cfg->nprobes], sc))
		return NULL;
	return &v[cfg->nprobes++];
}

struct pt_probe_config *pt_config_probe(const struct pt_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nprobes; i++)
		if (!strcmp(cfg->probes[i].schema->name, name))
			return &cfg->probes[i];
	return NULL;
}

/*
 * The probe of top-level key k that no schema names: resolved by u (an
 * external probe), else a warning.  0 with *pc NULL when there is none,
 * -ENOMEM.
 */
static int unknown_probe(struct pt_config *cfg, const struct pt_ynode *k,
			 const struct pt_config_unknown *u, struct pt_diags *d,
			 struct pt_probe_config **pc)
{
	const struct pt_probe_schema *sc = NULL;
	size_t nerrors = d->nerrors;
	int r;

	*pc = NULL;
	r = u && u->resolve ? u->resolve(u->ctx, k, &sc, d) : 0;
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		if (d->nerrors == nerrors) /* the resolver must say why */
			pt_diag_add(d, PT_DIAG_ERROR, k->file, k->line, "probe '%s' refused",
				    k->scalar);
		return 0;
	}
	if (r == 0 || !sc || strcmp(sc->name, k->scalar)) {
		pt_diag_add(d, PT_DIAG_WARNING, k->file, k->line, "unknown probe '%s' ignored",
			    k->scalar);
		return 0;
	}
	*pc = probe_append(cfg, sc);
	return *pc ? 0 : -ENOMEM;
}

static int parse_root(struct pt_config *cfg, const struct pt_probe_schema *const *schemas,
		      const struct pt_config_unknown *u, struct pt_diags *d)
{
	const struct pt_ynode *root = cfg->tree.root;
	struct pt_probe_config *pc;
	size_t i;
	int ret;

	if (!root || root->type == PT_Y_NULL)
		return 0; /* empty file: no probes */
	if (root->type != PT_Y_MAPPING) {
		pt_diag_add(d, PT_DIAG_ERROR, root->file, root->line,
			    "the configuration must be a mapping of probe names");
		return 0;
	}
	for (i = 0; i < root->n; i++) {
		const struct pt_ynode *k = root->keys[i], *v = root->values[i];

		if (k->type != PT_Y_SCALAR) {
			pt_diag_add(d, PT_DIAG_ERROR, k->file, k->line,
				    "top-level keys must be probe names");
			continue;
		}
		if (k->scalar[0] == '_')
			continue; /* anchors and the like */
		pc = pt_config_probe(cfg, k->scalar);
		if (!pc) {
			ret = unknown_probe(cfg, k, u, d, &pc);
			if (ret)
				return ret;
			if (!pc)
				continue;
		}
		ret = pt_config_parse_probe(pc, k, v, schemas, d);
		if (ret)
			return ret;
	}
	return 0;
}

int pt_config_load(struct pt_config *cfg, const char *path,
		   const struct pt_probe_schema *const *schemas, struct pt_diags *diags)
{
	return pt_config_load_opts(cfg, path, schemas, NULL, diags);
}

int pt_config_load_opts(struct pt_config *cfg, const char *path,
			const struct pt_probe_schema *const *schemas, const struct pt_yload_opts *o,
			struct pt_diags *diags)
{
	return pt_config_load_ext(cfg, path, schemas, o, NULL, diags);
}

int pt_config_load_ext(struct pt_config *cfg, const char *path,
		       const struct pt_probe_schema *const *schemas, const struct pt_yload_opts *o,
		       const struct pt_config_unknown *u, struct pt_diags *diags)
{
	size_t nerrors = diags->nerrors;
	int ret;

	ret = pt_config_defaults(cfg, schemas);
	if (ret)
		return ret;
	ret = pt_ytree_load_opts(&cfg->tree, path, o, diags);
	if (ret && ret != -EINVAL)
		goto out; /* unreadable main file or ENOMEM */
	/* even after YAML errors in an include, report what else is wrong */
	ret = parse_root(cfg, schemas, u, diags);
	if (!ret && diags->nerrors > nerrors)
		ret = -EINVAL;
out:
	if (ret)
		pt_config_free(cfg);
	return ret;
}

void pt_config_free(struct pt_config *cfg)
{
	for (size_t i = 0; cfg->probes && i < cfg->nprobes; i++)
		probe_free(&cfg->probes[i]);
	free(cfg->probes);
	probe_free(&cfg->dns);
	pt_ytree_free(&cfg->tree);
	memset(cfg, 0, sizeof(*cfg));
}

int pt_config_set_dns(struct pt_config *cfg, const struct pt_dns_opts *o, bool present)
{
	struct pt_dns_opts *copy = cfg->dns.opts;

	if (!copy) {
		copy = malloc(sizeof(*copy));
		if (!copy)
			return -ENOMEM;
	}
	*copy = *o;
	cfg->dns.opts = copy;
	cfg->dns.present = present;
	cfg->dns.dns = false;
	cfg->dns.filter.port_mode = PT_PORTS_NONE;
	return 0;
}

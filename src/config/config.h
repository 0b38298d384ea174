/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Probe configuration (the YAML file, pidtree-bcc compatible): the top-level
 * keys are probe names, each a mapping of that probe's settings.
 *
 * The loader knows no probe by name.  It is handed the schemas of the probes
 * that exist (the probe table, src/probes/table.c): each names its YAML key
 * and parses the keys that are its own into a block of options only the
 * probe reads.  The keys every network probe shares (filters, includeports,
 * excludeports, container_labels, plugins, dns) are parsed here, into struct
 * pt_probe_config.
 */
#ifndef PIDTREE_CONFIG_H
#define PIDTREE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "dns_opts.h"
#include "filter.h"
#include "label_filter.h"
#include "ytree.h"

struct pt_plugin_config {
	char *name;
	bool enabled;                  /* default true */
	bool unload_on_init_exception; /* default false */
	const struct pt_ynode *args;   /* the plugin's mapping (points into the ytree) */
	const char *file;
	int line;
};

/* What the loader knows of one probe: its key and its own settings. */
struct pt_probe_schema {
	const char *name;          /* top-level YAML key */
	const char *const *keys;   /* its own keys, NULL-terminated (for messages) */
	bool network;              /* takes filters, includeports/excludeports, plugins */
	bool plugins;              /* takes plugins (network probes always do) */
	size_t opts_size;          /* bytes of probe-specific options, 0: none */
	void (*opts_defaults)(void *opts);
	/*
	 * Parse k (one of keys) with value v into opts; problems go to d as
	 * file:line diagnostics.  0 or -ENOMEM.
	 */
	int (*parse_key)(void *opts, const struct pt_ynode *k, const struct pt_ynode *v,
			 struct pt_diags *d);
	/* Release what parse_key allocated in opts (optional). */
	void (*opts_free)(void *opts);
	/* Whether two option blocks are equal (reload: nothing to do). */
	bool (*opts_equal)(const void *a, const void *b);
};

struct pt_probe_config {
	const struct pt_probe_schema *schema;
	bool present; /* the probe's key is in the file */
	const char *file;
	int line;
	const struct pt_ynode *node; /* its value (mapping or null; points into the ytree) */
	struct pt_filter_spec filter;
	/*
	 * container_labels (label_filter.h): with entries, only events of
	 * processes in running containers that match are reported; none (the
	 * key absent, or an empty list): no container filter
	 */
	struct pt_label_filter containers;
	struct pt_plugin_config *plugins;
	size_t nplugins;
	void *opts; /* schema->opts_size bytes (NULL when 0) */
	bool dns;   /* dns: name the addresses of its events (default true) */
};

struct pt_config {
	struct pt_probe_config *probes; /* one per schema, in the schemas' order */
	size_t nprobes;
	struct pt_ytree tree; /* kept alive for plugin args */
	/*
	 * ---- dns ----
	 * The configuration of the dns capture, which no YAML key configures
	 * (schema NULL, no filters): set by pt_config_set_dns() after loading,
	 * from [dns] of pidtree.conf; opts is a struct pt_dns_opts.
	 */
	struct pt_probe_config dns;
};

/*
 * Load and validate the probe configuration of path for the probes of
 * schemas (NULL-terminated).  Every problem found is added to diags (errors
 * and warnings with file:line); returns 0 when there are no errors, -EINVAL
 * otherwise (the caller exits 78).  An unreadable file gives -errno.  On
 * error *cfg is freed and zeroed.
 */
int pt_config_load(struct pt_config *cfg, const char *path,
		   const struct pt_probe_schema *const *schemas, struct pt_diags *diags);
/* pt_config_load with YAML loader options (remote includes); o may be NULL */
int pt_config_load_opts(struct pt_config *cfg, const char *path,
			const struct pt_probe_schema *const *schemas, const struct pt_yload_opts *o,
			struct pt_diags *diags);
/* ---- external probes: top-level keys that are no known probe ------------- */
struct pt_config_unknown {
	/*
	 * The schema of the probe named by key (a key no schema handed to the
	 * loader has): 1 with *schema (it must stay valid as long as any
	 * configuration using it), 0: no such probe (a warning), <0: refused,
	 * the reason added to diags at key's file:line (-ENOMEM: nothing added).
	 */
	int (*resolve)(void *ctx, const struct pt_ynode *key,
		       const struct pt_probe_schema **schema, struct pt_diags *diags);
	void *ctx;
};
/*
 * pt_config_load_opts, with unknown top-level keys resolved by u (NULL: they
 * are warnings).  A resolved probe gets a configuration after those of
 * schemas, in the order of the keys.
 */
int pt_config_load_ext(struct pt_config *cfg, const char *path,
		       const struct pt_probe_schema *const *schemas, const struct pt_yload_opts *o,
		       const struct pt_config_unknown *u, struct pt_diags *diags);
/* Every probe with its defaults, none present (no configuration file). */
int pt_config_defaults(struct pt_config *cfg, const struct pt_probe_schema *const *schemas);
void pt_config_free(struct pt_config *cfg);
/*
 * The dns capture's configuration in cfg: a copy of o, present or not (the
 * daemon decides: [dns] enabled and some probe's events named).  0 or
 * -ENOMEM.  Freed with cfg.
 */
int pt_config_set_dns(struct pt_config *cfg, const struct pt_dns_opts *o, bool present);
/* The configuration of the probe named name, NULL if no such probe. */
struct pt_probe_config *pt_config_probe(const struct pt_config *cfg, const char *name);

/*
 * Internal to the loader (probe_keys.c): interpret one probe's value
 * (mapping or null) into pc, which holds the defaults.  Problems go to
 * diags; returns 0 or -ENOMEM.  others: every schema, for messages about a
 * key that belongs to another probe.
 */
int pt_config_parse_probe(struct pt_probe_config *pc, const struct pt_ynode *key,
			  const struct pt_ynode *val, const struct pt_probe_schema *const *others,
			  struct pt_diags *diags);
/* Subnet filters per probe at most (each costs two LPM entries in the kernel). */
#define PT_FILTERS_MAX 100000
/* filters.c: a "filters:" list into spec->filters.  0 or -ENOMEM. */
int pt_config_parse_filters(struct pt_diags *d, struct pt_filter_spec *spec,
			    const struct pt_ynode *v);

#endif

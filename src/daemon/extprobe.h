/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * External probes (include/pidtree/probe.h, pidtree-probes(7)): a top-level
 * key of the probe configuration that is no built-in probe loads
 * DIR/NAME.so from --extra-probe-path.  The .so is checked against the
 * trusted-file policy, its descriptor against the ABI, and it becomes one
 * more row of the probe table: a pt_probe_desc built here whose open and
 * decode wrap the ABI's (extprobe_run.c), so the daemon runs it as any
 * built-in probe.  Rows are never removed: an .so is loaded once per name
 * and stays loaded until exit.
 *
 * This lives in the daemon because it is the one layer that sees both the
 * probe layer (descriptors, the BPF object's preparation) and the plugin
 * layer (the event API external probes share with plugins).
 */
#ifndef PIDTREE_EXTPROBE_H
#define PIDTREE_EXTPROBE_H

#include <stdbool.h>
#include <stddef.h>

#include "pidtree/probe.h"
#include "config.h"
#include "plugins.h"
#include "probe.h"

/* External probes at most (each is a row of the probe table too). */
#define PT_EXTPROBES_MAX 8

struct pt_extprobes;
struct pt_ext_inst;

/* One loaded probe .so. */
struct pt_extprobe {
	struct pt_probe_desc desc; /* its row: info, schema, records, losses, the wrappers */
	struct pt_extprobes *set;  /* the registry it belongs to */
	const struct pidtree_probe *abi;
	void *dl;
	char *path; /* DIR/NAME.so as loaded */
	char *version;
	char name[PIDTREE_PROBE_NAME_MAX + 1];
	char message_id[33];
	char *attach;
	char *origin; /* "DIR/NAME.so (version V)", for -p */
	struct pt_loss_def losses[PIDTREE_PROBE_MAX_LOSSES];
	const char **keys; /* its own YAML keys, NULL-terminated (copies) */
	struct pt_ext_inst *live; /* the instance whose state decode() uses, NULL: none */
};

struct pt_extprobes {
	struct pt_plugins *arena; /* a plugin manager with no plugins: decode()'s event handle */
	struct pt_extprobe *v[PT_EXTPROBES_MAX];
	size_t n;
};

int pt_extprobes_new(struct pt_extprobes **out);
/* After every probe is closed: unload every .so. */
void pt_extprobes_free(struct pt_extprobes *s);
/* The loaded probe called name, NULL if none. */
struct pt_extprobe *pt_extprobes_find(const struct pt_extprobes *s, const char *name);

/* Whether name can name an external probe: [a-z][a-z0-9_]*, 1..PIDTREE_PROBE_NAME_MAX. */
bool pt_extprobe_name_ok(const char *name);
/*
 * Whether abi is a usable version-1 descriptor for a probe loaded as
 * NAME.so: 0, or -EINVAL with the reason in why (a sentence without the
 * file name).  Checks the version, size, name, message id, shape, needs,
 * record and loss counts, loss names and kinds, argument keys, functions.
 */
int pt_extprobe_validate(const struct pidtree_probe *abi, const char *name, char *why,
			 size_t whylen);
/*
 * A row for validated descriptor abi, loaded from path (dl: its handle,
 * owned by the result from now on, may be NULL), added to s.  0, -ENOSPC
 * (PT_EXTPROBES_MAX), -ENOMEM.
 */
int pt_extprobe_build(struct pt_extprobes *s, const struct pidtree_probe *abi, const char *path,
		      void *dl, struct pt_extprobe **out);
/*
 * Load DIR/NAME.so: trusted-file policy on DIR and the file, dlopen(), the
 * "pidtree_probe" symbol, pt_extprobe_validate, pt_extprobe_build.  0, or
 * -EINVAL / -ENOSPC with the reason in why ("refusing to load PATH: ...",
 * naming the file), -ENOMEM.
 */
int pt_extprobe_load(struct pt_extprobes *s, const char *dir, const char *name,
		     struct pt_extprobe **out, char *why, size_t whylen);
/* Take back the last probe loaded (its row could not be added) and unload it. */
void pt_extprobe_unload(struct pt_extprobes *s, struct pt_extprobe *x);
/*
 * check() of every external probe present in cfg, problems in diags at
 * file:line.  0, or -EINVAL when one reported an error.
 */
int pt_extprobes_check(struct pt_extprobes *s, const struct pt_config *cfg,
		       struct pt_diags *diags);

/* ---- extprobe_run.c: the descriptor's functions and the ABI table ---------- */

int pt_extprobe_open(struct pt_probe *p, const struct pt_probe_env *env,
		     const struct pt_probe_config *pc);
int pt_extprobe_decode(unsigned int rec, const void *data, size_t len, struct pt_event *ev,
		       const struct pt_ancestry **tree);
void pt_extprobe_free_priv(void *priv);
size_t pt_extprobe_priv_size(void);
unsigned int pt_extprobe_features(const struct pt_probe_config *pc);
bool pt_extprobe_needs_reopen(const struct pt_probe_config *old,
			      const struct pt_probe_config *new);
/* Whether two values of a probe's key have the same own arguments (not filters, plugins...). */
bool pt_extprobe_args_equal(const struct pt_ynode *a, const struct pt_ynode *b);
/* check() of x with configuration pc (present), problems to diags.  0 or -EINVAL. */
int pt_extprobe_check(struct pt_extprobe *x, const struct pt_probe_config *pc,
		      struct pt_diags *diags);

#endif

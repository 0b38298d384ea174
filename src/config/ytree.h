/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The probe configuration's YAML, read with libyaml into a tree of
 * pt_ynode that remembers file:line for every node (see ytree.c for
 * includes, aliases and merge keys).
 */
#ifndef PIDTREE_YTREE_H
#define PIDTREE_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

enum pt_ynode_type { PT_Y_SCALAR, PT_Y_SEQUENCE, PT_Y_MAPPING, PT_Y_NULL };

struct pt_ynode {
	enum pt_ynode_type type;
	const char *file; /* interned; owned by the pt_ytree */
	int line;
	char *scalar;      /* PT_Y_SCALAR: the text */
	bool quoted;       /* PT_Y_SCALAR: was written quoted ('x' / "x") */
	size_t n;          /* children count (sequence items or mapping pairs) */
	struct pt_ynode **items; /* PT_Y_SEQUENCE */
	struct pt_ynode **keys;  /* PT_Y_MAPPING: keys[i] -> values[i] */
	struct pt_ynode **values;
};

struct pt_ytree {
	struct pt_ynode *root;
	char **files; /* every file read, by canonical path (trust.h), the main file first */
	size_t nfiles;
	/* private: allocation bookkeeping */
	void *priv;
};

/*
 * Load path (and every "!include"d file, relative to the including file).
 * Every file is opened and read under the trusted-file policy (trust.h):
 * one that others could edit is refused like one that cannot be opened.
 * Errors (unreadable or untrusted file, YAML syntax, include cycle, unknown
 * tag) are added to diags; returns 0 or -errno / -EINVAL.
 */
int pt_ytree_load(struct pt_ytree *t, const char *path, struct pt_diags *diags);

/* ---- remote includes: the loader's hook (remote.h implements it) -------- */
struct pt_yinclude {
	/*
	 * The document "!include target" (at line of document base) refers to.
	 * 1: a remote document, *name (malloc'd) to be read with open();
	 * 0: target is a local file name, the usual rules apply;
	 * <0: refused, the reason added to diags (-ENOMEM: nothing added).
	 */
	int (*resolve)(void *ctx, const char *base, const char *target, int line, char **name,
		       struct pt_diags *diags);
	/*
	 * The bytes of remote document name, included at from:line: 0 with
	 * *data (malloc'd, *len bytes), or <0 with the reason added to diags.
	 */
	int (*open)(void *ctx, const char *name, const char *from, int line, char **data,
		    size_t *len, struct pt_diags *diags);
	void *ctx;
};

struct pt_yload_opts {
	const struct pt_yinclude *include; /* NULL: every include is a local file */
};

/*
 * pt_ytree_load with options.  With o->include, t->files also holds the
 * URL (normalised, see pt_remote_is_url) of every remote document read.
 */
int pt_ytree_load_opts(struct pt_ytree *t, const char *path, const struct pt_yload_opts *o,
		       struct pt_diags *diags);
void pt_ytree_free(struct pt_ytree *t);
/* Mapping lookup by key; NULL when absent or not a mapping. */
const struct pt_ynode *pt_ynode_get(const struct pt_ynode *map, const char *key);

#endif

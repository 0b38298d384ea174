/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a pt_ytree owns, for the loader (ytree.c): every node and string in
 * an arena freed with the tree, and the files read, each once, with the
 * converted root and height of each; and the loader's error reports.
 */
#ifndef PIDTREE_YTREE_STORE_H
#define PIDTREE_YTREE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include <stdio.h>
#include <yaml.h>

#include "ytree.h"

/* One file on the include stack. */
struct pt_yframe {
	const struct pt_yframe *up;
	size_t file; /* index in t->files */
	const char *name;
};

struct arena_block {
	struct arena_block *next;
	size_t size, used;
	max_align_t data[];
};

struct ytree_priv {
	struct arena_block *blocks;
	/* parallel to pt_ytree.files: converted root and height of each file */
	struct pt_ynode **roots;
	int *heights;
	size_t cap;
};

/* Zeroed memory that lives as long as the tree; NULL on overflow/ENOMEM. */
void *pt_ya_alloc(struct ytree_priv *p, size_t size);
void *pt_ya_array(struct ytree_priv *p, size_t n, size_t elsize);
char *pt_ya_strndup(struct ytree_priv *p, const char *s, size_t len);

/* The index of file real (realpath) in t->files, if it was read. */
bool pt_yfiles_find(const struct pt_ytree *t, const char *real, size_t *idx);
/* Record real (taking ownership) in t->files; its root is filled in later.  0 or -ENOMEM. */
int pt_yfiles_add(struct pt_ytree *t, struct ytree_priv *p, char *real, size_t *idx);

/*
 * libyaml's parse error of file name as a diagnostic (fp: the file, for the
 * line of a reader error's byte offset).  The line, or -ENOMEM.
 */
int pt_yaml_syntax_error(struct pt_diags *diags, const char *name, yaml_parser_t *ps, FILE *fp);
/* "include cycle: a -> b -> a" for name, included at from, stack top. */
void pt_ycycle_error(struct pt_diags *diags, const struct pt_ynode *from,
		     const struct pt_yframe *top, size_t file, const char *name);

/*
 * Open file name (included at from; NULL for the main file) under the
 * trusted-file policy (trust.h): *fp reads what was checked (never the path
 * again), *real is its canonical path (malloc'd).  0; -ENOMEM; or another
 * -errno after the failure was reported in diags.
 */
int pt_yopen_trusted(struct pt_diags *diags, const char *name, const struct pt_ynode *from,
		     FILE **fp, char **real);

#endif

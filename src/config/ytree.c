// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * YAML loading for the probe configuration: libyaml's document API turned
 * into a tree of pt_ynode that remembers file:line for every node.
 *
 * - "!include FILE" is replaced by the root of FILE (relative to the
 *   directory of the including file, as pidtree-bcc does); each file is
 *   parsed once and its tree shared by every include of it; include cycles
 *   are reported.  Every file is opened with pt_trust_open() and parsed
 *   from that descriptor (pt_yopen_trusted()).  With an include hook (struct
 *   pt_yinclude, remote.h), "!include https://..." documents come from the
 *   hook, named by their URL.
 * - Aliases share the converted node; an alias to an enclosing node
 *   (a recursive structure) is an error.
 * - Merge keys ("<<: *anchor", YAML 1.1, supported by PyYAML) are applied;
 *   explicit keys win.  Duplicate keys: warning, the last value wins (PyYAML).
 * - Nesting (including include depth) is limited to PT_Y_MAX_DEPTH levels,
 *   also when a shared subtree is reused deeper, so no consumer of the tree
 *   can be driven into deep recursion.
 *
 * All nodes and strings live in an arena owned by the pt_ytree.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ytree.h"
#include "ytree_store.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define PT_Y_MAX_DEPTH 64
#define YAML_TAG_PREFIX "tag:yaml.org,2002:"
#define TAG_INCLUDE "!include"

/* ---- loader ------------------------------------------------------------- */

struct yload {
	struct pt_ytree *t;
	struct ytree_priv *p;
	struct pt_diags *diags;
	bool depth_reported;
	const struct pt_yinclude *inc; /* remote includes; NULL = none */
};


enum { ST_NEW, ST_BUSY, ST_DONE };

struct ydoc {
	yaml_document_t doc;
	const char *name; /* display name (interned) */
	const struct pt_yframe *frame;
	struct pt_ynode **memo;
	int *height;
	unsigned char *state;
};

#define yerr(L, file, line, ...) pt_diag_add((L)->diags, PT_DIAG_ERROR, file, line, __VA_ARGS__)
#define ywarn(L, file, line, ...) pt_diag_add((L)->diags, PT_DIAG_WARNING, file, line, __VA_ARGS__)

static struct pt_ynode *new_node(struct yload *L, enum pt_ynode_type type, const char *file,
				 int line)
{
	struct pt_ynode *n = pt_ya_alloc(L->p, sizeof(*n));

	if (n) {
		n->type = type;
		n->file = file;
		n->line = line;
	}
	return n;
}

/* A NULL node standing for something that could not be loaded. */
static int null_node(struct yload *L, const char *file, int line, struct pt_ynode **out,
		     int *height)
{
	*out = new_node(L, PT_Y_NULL, file, line);
	*height = 1;
	return *out ? 0 : -ENOMEM;
}

static void too_deep(struct yload *L, const char *file, int line)
{
	if (L->depth_reported)
		return;
	L->depth_reported = true;
	yerr(L, file, line, "nesting deeper than %d levels", PT_Y_MAX_DEPTH);
}

static int load_file(struct yload *L, const char *name, bool remote, const struct pt_yframe *up,
		     int depth, const struct pt_ynode *from, struct pt_ynode **out, int *height);
static int conv_node(struct yload *L, struct ydoc *d, int idx, int depth, struct pt_ynode **out,
		     int *height);

static bool is_null_word(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static int conv_scalar(struct yload *L, struct ydoc *d, yaml_node_t *yn, int line,
		       struct pt_ynode **out)
{
	const char *v = (const char *)yn->data.scalar.value;
	size_t len = yn->data.scalar.length;
	yaml_scalar_style_t style = yn->data.scalar.style;
	struct pt_ynode *n;

	if (memchr(v, 0, len)) {
		yerr(L, d->name, line, "string contains a NUL character");
		*out = new_node(L, PT_Y_NULL, d->name, line);
		return *out ? 0 : -ENOMEM;
	}
	if (!strcmp((const char *)yn->tag, YAML_TAG_PREFIX "null") ||
	    (style == YAML_PLAIN_SCALAR_STYLE && is_null_word(v))) {
		*out = new_node(L, PT_Y_NULL, d->name, line);
		return *out ? 0 : -ENOMEM;
	}
	n = new_node(L, PT_Y_SCALAR, d->name, line);
	if (!n)
		return -ENOMEM;
	n->scalar = pt_ya_strndup(L->p, v, len);
	if (!n->scalar)
		return -ENOMEM;
	n->quoted = style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	*out = n;
	return 0;
}

static int conv_sequence(struct yload *L, struct ydoc *d, yaml_node_t *yn, int line, int depth,
			 struct pt_ynode **out, int *height)
{
	yaml_node_item_t *it = yn->data.sequence.items.start;
	size_t i, n = yn->data.sequence.items.top - it;
	struct pt_ynode *s = new_node(L, PT_Y_SEQUENCE, d->name, line);
	int h, ret;

	if (!s)
		return -ENOMEM;
	s->items = pt_ya_array(L->p, n, sizeof(*s->items));
	if (!s->items)
		return -ENOMEM;
	s->n = n;
	for (i = 0; i < n; i++) {
		ret = conv_node(L, d, it[i], depth + 1, &s->items[i], &h);
		if (ret)
			return ret;
		if (h + 1 > *height)
			*height = h + 1;
	}
	*out = s;
	return 0;
}

static bool same_key(const struct pt_ynode *a, const struct pt_ynode *b)
{
	return a->type == PT_Y_SCALAR && b->type == PT_Y_SCALAR && !strcmp(a->scalar, b->scalar);
}

/*
 * Add a pair to map (whose arrays are large enough).  An explicit duplicate
 * key replaces the earlier value (warning); a merged key never replaces.
 */
static void map_put(struct yload *L, struct pt_ynode *map, struct pt_ynode *k,
		    struct pt_ynode *v, bool merged)
{
	size_t i;

	for (i = 0; i < map->n; i++) {
		if (!same_key(map->keys[i], k))
			continue;
		if (merged)
			return;
		ywarn(L, k->file, k->line,
		      "duplicate key '%s' (first at line %d); the last value is used", k->scalar,
		      map->keys[i]->line);
		map->values[i] = v;
		return;
	}
	map->keys[map->n] = k;
	map->values[map->n] = v;
	map->n++;
}

static bool is_merge_key(const struct pt_ynode *k)
{
	return k->type == PT_Y_SCALAR && !k->quoted && !strcmp(k->scalar, "<<");
}

static size_t merge_size(const struct pt_ynode *v)
{
	size_t i, n = 0;

	if (v->type == PT_Y_MAPPING)
		return v->n;
	if (v->type == PT_Y_SEQUENCE)
		for (i = 0; i < v->n; i++)
			if (v->items[i]->type == PT_Y_MAPPING)
				n += v->items[i]->n;
	return n;
}

static void merge_from(struct yload *L, struct pt_ynode *map, const struct pt_ynode *src)
{
	size_t i;

	if (src->type != PT_Y_MAPPING) {
		yerr(L, src->file, src->line,
		     "merge key '<<' needs a mapping or a list of mappings");
		return;
	}
	for (i = 0; i < src->n; i++)
		map_put(L, map, src->keys[i], src->values[i], true);
}

static int conv_mapping(struct yload *L, struct ydoc *d, yaml_node_t *yn, int line, int depth,
			struct pt_ynode **out, int *height)
{
	yaml_node_pair_t *pairs = yn->data.mapping.pairs.start;
	size_t i, np = yn->data.mapping.pairs.top - pairs, nreg = 0, nmerge = 0, cap;
	struct pt_ynode **ks, **vs, **merges;
	struct pt_ynode *m = new_node(L, PT_Y_MAPPING, d->name, line);
	int h, ret;

	if (!m)
		return -ENOMEM;
	ks = pt_ya_array(L->p, np, sizeof(*ks));
	vs = pt_ya_array(L->p, np, sizeof(*vs));
	merges = pt_ya_array(L->p, np, sizeof(*merges));
	if (!ks || !vs || !merges)
		return -ENOMEM;
	cap = 0;
	for (i = 0; i < np; i++) {
		struct pt_ynode *k, *v;

		ret = conv_node(L, d, pairs[i].key, depth + 1, &k, &h);
		if (ret)
			return ret;
		if (h + 1 > *height)
			*height = h + 1;
		ret = conv_node(L, d, pairs[i].value, depth + 1, &v, &h);
		if (ret)
			return ret;
		if (h + 1 > *height)
			*height = h + 1;
		if (is_merge_key(k)) {
			merges[nmerge++] = v;
			cap += merge_size(v);
		} else {
			ks[nreg] = k;
			vs[nreg++] = v;
		}
	}
	cap += nreg;
	m->keys = pt_ya_array(L->p, cap, sizeof(*m->keys));
	m->values = pt_ya_array(L->p, cap, sizeof(*m->values));
	if (!m->keys || !m->values)
		return -ENOMEM;
	for (i = 0; i < nreg; i++)
		map_put(L, m, ks[i], vs[i], false);
	/* PyYAML order: a later "<<" beats an earlier one, in a list the first wins */
	while (nmerge--) {
		const struct pt_ynode *src = merges[nmerge];

		if (src->type != PT_Y_SEQUENCE) {
			merge_from(L, m, src);
			continue;
		}
		for (i = 0; i < src->n; i++)
			merge_from(L, m, src->items[i]);
	}
	*out = m;
	return 0;
}

static int conv_include(struct yload *L, struct ydoc *d, yaml_node_t *yn, int line, int depth,
			struct pt_ynode **out, int *height)
{
	const char *slash = strrchr(d->name, '/');
	struct pt_ynode from = { .type = PT_Y_NULL, .file = d->name, .line = line };
	size_t dirlen, alen;
	const char *arg;
	char *path;
	int ret;

	if (yn->type != YAML_SCALAR_NODE || !yn->data.scalar.length ||
	    memchr(yn->data.scalar.value, 0, yn->data.scalar.length)) {
		yerr(L, d->name, line, "!include needs a file name");
		return null_node(L, d->name, line, out, height);
	}
	arg = (const char *)yn->data.scalar.value;
	alen = yn->data.scalar.length;
	/* remote includes: the hook names the document (remote.h) */
	if (L->inc) {
		char *rname = NULL;

		ret = L->inc->resolve(L->inc->ctx, d->name, arg, line, &rname, L->diags);
		if (ret < 0)
			return ret == -ENOMEM ? ret : null_node(L, d->name, line, out, height);
		if (ret > 0) {
			path = pt_ya_strndup(L->p, rname, strlen(rname));
			free(rname);
			if (!path)
				return -ENOMEM;
			ret = load_file(L, path, true, d->frame, depth + 1, &from, out, height);
			(*height)++;
			return ret;
		}
	}
	dirlen = (arg[0] != '/' && slash) ? (size_t)(slash - d->name) + 1 : 0;
	path = pt_ya_alloc(L->p, dirlen + alen + 1);
	if (!path)
		return -ENOMEM;
	memcpy(path, d->name, dirlen);
	memcpy(path + dirlen, arg, alen);
	/* the included root sits one level below the include */
	ret = load_file(L, path, false, d->frame, depth + 1, &from, out, height);
	(*height)++;
	return ret;
}

static int conv_node(struct yload *L, struct ydoc *d, int idx, int depth, struct pt_ynode **out,
		     int *height)
{
	yaml_node_t *yn = yaml_document_get_node(&d->doc, idx);
	const char *tag = (const char *)yn->tag;
	int line = (int)yn->start_mark.line + 1;
	int ret;

	switch (d->state[idx - 1]) {
	case ST_DONE:
		*out = d->memo[idx - 1];
		*height = d->height[idx - 1];
		if (depth + *height - 1 > PT_Y_MAX_DEPTH) {
			if (!L->depth_reported)
				yerr(L, d->name, line,
				     "an alias of this node nests deeper than %d levels",
				     PT_Y_MAX_DEPTH);
			L->depth_reported = true;
			return null_node(L, d->name, line, out, height);
		}
		return 0;
	case ST_BUSY:
		yerr(L, d->name, line, "alias refers to an enclosing node (recursive structure)");
		return null_node(L, d->name, line, out, height);
	}
	if (depth > PT_Y_MAX_DEPTH) {
		too_deep(L, d->name, line);
		return null_node(L, d->name, line, out, height);
	}

	d->state[idx - 1] = ST_BUSY;
	*height = 1;
	if (tag && !strcmp(tag, TAG_INCLUDE)) {
		ret = conv_include(L, d, yn, line, depth, out, height);
	} else if (tag && strncmp(tag, YAML_TAG_PREFIX, strlen(YAML_TAG_PREFIX))) {
		yerr(L, d->name, line, "unknown tag '%s'", tag);
		ret = null_node(L, d->name, line, out, height);
	} else if (yn->type == YAML_SCALAR_NODE) {
		ret = conv_scalar(L, d, yn, line, out);
	} else if (yn->type == YAML_SEQUENCE_NODE) {
		ret = conv_sequence(L, d, yn, line, depth, out, height);
	} else if (yn->type == YAML_MAPPING_NODE) {
		ret = conv_mapping(L, d, yn, line, depth, out, height);
	} else {
		ret = null_node(L, d->name, line, out, height);
	}
	if (ret)
		return ret;
	d->state[idx - 1] = ST_DONE;
	d->memo[idx - 1] = *out;
	d->height[idx - 1] = *height;
	return 0;
}

static int parse_and_convert(struct yload *L, struct ydoc *d, FILE *fp, int depth,
			     struct pt_ynode **out, int *height)
{
	yaml_parser_t ps;
	size_t nnodes;
	int ret, line;

	if (!yaml_parser_initialize(&ps))
		return -ENOMEM;
	yaml_parser_set_input_file(&ps, fp);
	if (!yaml_parser_load(&ps, &d->doc)) {
		line = pt_yaml_syntax_error(L->diags, d->name, &ps, fp);
		ret = line < 0 ? line : null_node(L, d->name, line, out, height);
		goto out_parser;
	}
	if (!yaml_document_get_root_node(&d->doc)) {
		ret = null_node(L, d->name, 1, out, height); /* empty file */
		goto out_doc;
	}
	nnodes = d->doc.nodes.top - d->doc.nodes.start;
	d->memo = calloc(nnodes, sizeof(*d->memo));
	d->height = calloc(nnodes, sizeof(*d->height));
	d->state = calloc(nnodes, sizeof(*d->state));
	ret = -ENOMEM;
	if (d->memo && d->height && d->state)
		ret = conv_node(L, d, 1, depth, out, height);
	free(d->memo);
	free(d->height);
	free(d->state);
out_doc:
	yaml_document_delete(&d->doc);
	if (ret)
		goto out_parser;
	/* pidtree-bcc reads one document: anything after it is an error */
	if (!yaml_parser_load(&ps, &d->doc)) {
		line = pt_yaml_syntax_error(L->diags, d->name, &ps, fp);
		ret = line < 0 ? line : 0;
		goto out_parser;
	}
	if (yaml_document_get_root_node(&d->doc))
		yerr(L, d->name, (int)d->doc.start_mark.line + 1,
		     "more than one YAML document in the file");
	yaml_document_delete(&d->doc);
out_parser:
	yaml_parser_delete(&ps);
	return ret;
}

/*
 * The stream of remote document name (an URL): its bytes from the include
 * hook (*data, freed by the caller after fclose).  0; 1 when the hook
 * reported the problem; or -ENOMEM.
 */
static int open_remote(struct yload *L, const char *name, const struct pt_ynode *from, FILE **fp,
		       char **data)
{
	size_t dlen;
	int ret;

	ret = L->inc->open(L->inc->ctx, name, from->file, from->line, data, &dlen, L->diags);
	if (ret)
		return ret == -ENOMEM ? ret : 1;
	*fp = fmemopen(*data, dlen, "r");
	if (!*fp) {
		free(*data);
		*data = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * Load name (display path) as the node at the given depth.  from is the
 * "!include" node (NULL for the main file).  Problems with an included file
 * become diagnostics and a NULL node; only ENOMEM and the main file not being
 * readable are returned as errors.  remote: name is an URL, read through
 * L->inc (it reports its own problems).
 */
static int load_file(struct yload *L, const char *name, bool remote, const struct pt_yframe *up,
		     int depth, const struct pt_ynode *from, struct pt_ynode **out, int *height)
{
	struct ydoc d = { .name = name };
	struct pt_yframe frame;
	const struct pt_yframe *f;
	char *real, *data = NULL;
	FILE *fp;
	size_t idx;
	int ret;

	/* a remote document is named by its URL, a file by its canonical path */
	fp = NULL;
	if (remote) {
		real = strdup(name);
		if (!real)
			return -ENOMEM;
	} else {
		ret = pt_yopen_trusted(L->diags, name, from, &fp, &real);
		if (ret == -ENOMEM || (ret && !from))
			return ret;
		if (ret)
			return null_node(L, from->file, from->line, out, height);
	}
	if (pt_yfiles_find(L->t, real, &idx)) {
		free(real);
		if (fp)
			fclose(fp);
		for (f = up; f; f = f->up) {
			if (f->file == idx) {
				pt_ycycle_error(L->diags, from, up, idx, name);
				return null_node(L, from->file, from->line, out, height);
			}
		}
		*out = L->p->roots[idx];
		*height = L->p->heights[idx];
		if (depth + *height - 1 > PT_Y_MAX_DEPTH) {
			too_deep(L, from->file, from->line);
			return null_node(L, from->file, from->line, out, height);
		}
		return 0;
	}

	if (remote) {
		ret = open_remote(L, name, from, &fp, &data);
		if (ret) {
			free(real);
			return ret < 0 ? ret : null_node(L, from->file, from->line, out, height);
		}
	}
	ret = pt_yfiles_add(L->t, L->p, real, &idx);
	if (ret) {
		free(real);
		fclose(fp);
		free(data);
		return ret;
	}
	frame = (struct pt_yframe){ .up = up, .file = idx, .name = name };
	d.frame = &frame;
	ret = parse_and_convert(L, &d, fp, depth, out, height);
	fclose(fp);
	free(data);
	if (ret)
		return ret;
	L->p->roots[idx] = *out;
	L->p->heights[idx] = *height;
	return 0;
}

int pt_ytree_load(struct pt_ytree *t, const char *path, struct pt_diags *diags)
{
	return pt_ytree_load_opts(t, path, NULL, diags);
}

int pt_ytree_load_opts(struct pt_ytree *t, const char *path, const struct pt_yload_opts *o,
		       struct pt_diags *diags)
{
	struct yload L = { .t = t, .diags = diags, .inc = o ? o->include : NULL };
	size_t nerrors = diags->nerrors;
	struct pt_ynode *root = NULL;
	char *name;
	int height, ret;

	memset(t, 0, sizeof(*t));
	L.p = calloc(1, sizeof(*L.p));
	if (!L.p)
		return -ENOMEM;
	t->priv = L.p;
	name = pt_ya_strndup(L.p, path, strlen(path));
	if (!name) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = load_file(&L, name, false, NULL, 1, NULL, &root, &height);
	if (ret)
		goto fail;
	t->root = root;
	return diags->nerrors > nerrors ? -EINVAL : 0;
fail:
	pt_ytree_free(t);
	return ret;
}

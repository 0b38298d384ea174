// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What a YAML tree owns (its arena, the list of files read) and how a file
 * is opened for it (see ytree_store.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "ytree_store.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

#include "diag.h"
#include "trust.h"

#define ARENA_BLOCK_SIZE 16384

/* Zeroed memory that lives as long as the tree; NULL on overflow/ENOMEM. */
void *pt_ya_alloc(struct ytree_priv *p, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	struct arena_block *b = p->blocks;
	size_t bsize;
	void *r;

	if (size > SIZE_MAX / 4)
		return NULL;
	size = size ? (size + align - 1) & ~(align - 1) : align;
	if (b && b->size - b->used >= size) {
		r = (char *)b->data + b->used;
		b->used += size;
		return r;
	}
	bsize = size > ARENA_BLOCK_SIZE ? size : ARENA_BLOCK_SIZE;
	b = calloc(1, sizeof(*b) + bsize);
	if (!b)
		return NULL;
	b->size = bsize;
	b->used = size;
	if (p->blocks && size > ARENA_BLOCK_SIZE) {
		/* one-off big block: keep filling the current one */
		b->next = p->blocks->next;
		p->blocks->next = b;
	} else {
		b->next = p->blocks;
		p->blocks = b;
	}
	return b->data;
}

void *pt_ya_array(struct ytree_priv *p, size_t n, size_t elsize)
{
	if (elsize && n > SIZE_MAX / 4 / elsize)
		return NULL;
	return pt_ya_alloc(p, n * elsize);
}

char *pt_ya_strndup(struct ytree_priv *p, const char *s, size_t len)
{
	char *r = pt_ya_alloc(p, len + 1);

	if (r)
		memcpy(r, s, len);
	return r;
}

bool pt_yfiles_find(const struct pt_ytree *t, const char *real, size_t *idx)
{
	size_t i;

	for (i = 0; i < t->nfiles; i++) {
		if (!strcmp(t->files[i], real)) {
			*idx = i;
			return true;
		}
	}
	return false;
}

int pt_yfiles_add(struct pt_ytree *t, struct ytree_priv *p, char *real, size_t *idx)
{
	if (t->nfiles == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		char **files = reallocarray(t->files, cap, sizeof(*files));
		struct pt_ynode **roots;
		int *heights;

		if (!files)
			return -ENOMEM;
		t->files = files;
		roots = reallocarray(p->roots, cap, sizeof(*roots));
		if (!roots)
			return -ENOMEM;
		p->roots = roots;
		heights = reallocarray(p->heights, cap, sizeof(*heights));
		if (!heights)
			return -ENOMEM;
		p->heights = heights;
		p->cap = cap;
	}
	*idx = t->nfiles;
	t->files[t->nfiles] = real;
	p->roots[t->nfiles] = NULL;
	p->heights[t->nfiles] = 1;
	t->nfiles++;
	return 0;
}

void pt_ytree_free(struct pt_ytree *t)
{
	struct ytree_priv *p = t->priv;
	struct arena_block *b, *next;
	size_t i;

	for (i = 0; i < t->nfiles; i++)
		free(t->files[i]);
	free(t->files);
	if (p) {
		for (b = p->blocks; b; b = next) {
			next = b->next;
			free(b);
		}
		free(p->roots);
		free(p->heights);
		free(p);
	}
	memset(t, 0, sizeof(*t));
}

const struct pt_ynode *pt_ynode_get(const struct pt_ynode *map, const char *key)
{
	size_t i;

	if (!map || map->type != PT_Y_MAPPING)
		return NULL;
	for (i = 0; i < map->n; i++)
		if (map->keys[i]->type == PT_Y_SCALAR && !strcmp(map->keys[i]->scalar, key))
			return map->values[i];
	return NULL;
}

/* The line of a byte offset (for reader errors, which carry no mark). */
static int offset_line(FILE *fp, size_t offset)
{
	int c, line = 1;

	if (fseek(fp, 0, SEEK_SET))
		return 0;
	while (offset-- && (c = getc(fp)) != EOF)
		if (c == '\n')
			line++;
	return line;
}

/*
 * The number of lines of the file as libyaml counts them (a break is CR LF,
 * CR, LF, NEL, LS or PS).  At the end of a stream that lacks a final break,
 * libyaml puts its mark on the line after the last one: the last line is
 * reported instead.
 */
static int yaml_lines(FILE *fp)
{
	int c, prev = 0, prev2 = 0, lines = 1;

	if (fseek(fp, 0, SEEK_SET))
		return INT_MAX;
	while ((c = getc(fp)) != EOF) {
		if ((c == '\n' && prev != '\r') || c == '\r' || (c == 0x85 && prev == 0xc2) ||
		    ((c == 0xa8 || c == 0xa9) && prev == 0x80 && prev2 == 0xe2))
			lines++;
		prev2 = prev;
		prev = c;
	}
	return lines;
}

int pt_yaml_syntax_error(struct pt_diags *diags, const char *name, yaml_parser_t *ps, FILE *fp)
{
	const char *problem = ps->problem ? ps->problem : "unknown error";
	int line, last;

	if (ps->error == YAML_MEMORY_ERROR)
		return -ENOMEM;
	if (ps->error == YAML_READER_ERROR) {
		line = offset_line(fp, ps->problem_offset);
		pt_diag_add(diags, PT_DIAG_ERROR, name, line, "invalid input: %s (byte offset %zu)",
			    problem, ps->problem_offset);
		return line;
	}
	line = (int)ps->problem_mark.line + 1;
	last = yaml_lines(fp);
	if (line > last)
		line = last;
	if (ps->context)
		pt_diag_add(diags, PT_DIAG_ERROR, name, line, "YAML syntax error: %s (%s at line %d)",
			    problem, ps->context, (int)ps->context_mark.line + 1);
	else
		pt_diag_add(diags, PT_DIAG_ERROR, name, line, "YAML syntax error: %s", problem);
	return line;
}

/* "a -> b -> " for the include stack from the frame of file up to top */
static void print_chain(FILE *ms, const struct pt_yframe *f, size_t file)
{
	if (f->file != file && f->up)
		print_chain(ms, f->up, file);
	fprintf(ms, "%s -> ", f->name);
}

void pt_ycycle_error(struct pt_diags *diags, const struct pt_ynode *from,
		     const struct pt_yframe *top, size_t file, const char *name)
{
	char *chain = NULL;
	size_t len;
	FILE *ms = open_memstream(&chain, &len);

	if (ms) {
		print_chain(ms, top, file);
		fclose(ms);
	}
	pt_diag_add(diags, PT_DIAG_ERROR, from->file, from->line, "include cycle: %s%s", chain ? chain : "", name);
	free(chain);
}

int pt_yopen_trusted(struct pt_diags *diags, const char *name, const struct pt_ynode *from,
		     FILE **fp, char **real)
{
	const char *file = from ? from->file : name;
	int line = from ? from->line : 0;
	struct pt_trust_file tf;
	char why[PATH_MAX + 256];
	int fd;

	*fp = NULL;
	*real = NULL;
	fd = pt_trust_open(name, 0, &tf, why, sizeof(why));
	if (fd < 0) {
		if (fd == -EPERM && from)
			pt_diag_add(diags, PT_DIAG_ERROR, file, line,
				    "refusing to trust include '%s': %s", name, why);
		else if (fd == -EPERM)
			pt_diag_add(diags, PT_DIAG_ERROR, file, line,
				    "refusing to trust this file: %s", why);
		else if (from)
			pt_diag_add(diags, PT_DIAG_ERROR, file, line,
				    "cannot open include '%s': %s (%s)", name, strerror(-fd), why);
		else
			pt_diag_add(diags, PT_DIAG_ERROR, file, line, "cannot open: %s (%s)",
				    strerror(-fd), why);
		return fd == -ENOMEM ? -EIO : fd;
	}
	*real = strdup(tf.path);
	if (*real)
		*fp = fdopen(fd, "r");
	if (!*fp) {
		close(fd);
		free(*real);
		*real = NULL;
		return -ENOMEM;
	}
	return 0;
}

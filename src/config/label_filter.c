/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "label_filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYWORD "container_labels"

void pt_label_filter_init(struct pt_label_filter *f)
{
	f->v = NULL;
	f->n = 0;
}

static void entry_free(struct pt_label_entry *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		free(e->terms[i].key);
		free(e->terms[i].glob);
	}
	free(e->terms);
	e->terms = NULL;
	e->n = 0;
}

void pt_label_filter_free(struct pt_label_filter *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		entry_free(&f->v[i]);
	free(f->v);
	pt_label_filter_init(f);
}

/*
 * Where does the bracket set opening at g[0] == '[' end?  As fnmatch(3):
 * an optional '!' or '^', then a ']' right away is a member, then the set
 * runs to the next ']'.  Returns the index of that ']', or 0 when none.
 */
static size_t set_end(const char *g)
{
	size_t i = 1;

	if (g[i] == '!' || g[i] == '^')
		i++;
	if (g[i] == ']')
		i++;
	for (; g[i]; i++) {
		/* a "[:class:]" inside a set holds no closing bracket */
		if (g[i] == '[' && g[i + 1] == ':') {
			const char *e = strstr(g + i + 2, ":]");

			if (e) {
				i = e - g + 1;
				continue;
			}
		}
		if (g[i] == ']')
			return i;
	}
	return 0;
}

static bool glob_ok(const char *g, size_t *bad)
{
	size_t i;

	for (i = 0; g[i]; i++) {
		if (g[i] != '[')
			continue;
		size_t e = set_end(g + i);

		if (!e) {
			*bad = i;
			return false;
		}
		i += e;
	}
	return true;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Parse "k=g" (n bytes at t) into term; false with a diagnostic when refused. */
static bool parse_term(struct pt_label_term *term, const char *pattern, const char *t, size_t n,
		       const char *file, int line, struct pt_diags *d, int *err)
{
	const char *eq = memchr(t, '=', n);
	size_t klen, glen, bad;

	if (!n) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": '%s' has an empty term (expected label=glob[,label=glob...])",
			    pattern);
		return false;
	}
	if (!eq) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": '%.*s' has no '=' (expected label=glob)", (int)n, t);
		return false;
	}
	klen = eq - t;
	glen = n - klen - 1;
	if (!klen) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": '%.*s' has an empty label name", (int)n, t);
		return false;
	}
	if (klen > PT_LABEL_FILTER_KEY_MAX) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": label name of %zu bytes is too long (at most %d)", klen,
			    PT_LABEL_FILTER_KEY_MAX);
		return false;
	}
	if (glen > PT_LABEL_FILTER_VALUE_MAX) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": glob of %zu bytes is too long (at most %d)", glen,
			    PT_LABEL_FILTER_VALUE_MAX);
		return false;
	}
	term->key = strndup(t, klen);
	term->glob = strndup(eq + 1, glen);
	if (!term->key || !term->glob) {
		*err = -ENOMEM;
		return false;
	}
	if (!glob_ok(term->glob, &bad)) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": '%.*s': unterminated '[' at offset %zu of the glob", (int)n, t,
			    bad);
		return false;
	}
	if (t[0] == ' ' || t[0] == '\t' || eq[-1] == ' ' || eq[-1] == '\t')
		pt_diag_add(d, PT_DIAG_WARNING, file, line,
			    KEYWORD ": label name '%s' has leading or trailing blanks, which are "
			    "part of the name (pidtree-bcc does not trim either)", term->key);
	return true;
}

int pt_label_filter_add(struct pt_label_filter *f, const char *pattern, const char *file,
			int line, struct pt_diags *d)
{
	struct pt_label_entry e = { 0 };
	const char *p, *comma;
	size_t len = strlen(pattern);
	int err = -EINVAL;

	if (f->n >= PT_LABEL_FILTER_ENTRIES_MAX) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line, KEYWORD ": more than %d entries",
			    PT_LABEL_FILTER_ENTRIES_MAX);
		return -EINVAL;
	}
	if (!len) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": empty pattern (expected label=glob[,label=glob...])");
		return -EINVAL;
	}
	if (len > PT_LABEL_PATTERN_MAX) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": pattern of %zu bytes is too long (at most %d)", len,
			    PT_LABEL_PATTERN_MAX);
		return -EINVAL;
	}
	if (has_control(pattern)) {
		pt_diag_add(d, PT_DIAG_ERROR, file, line,
			    KEYWORD ": pattern holds control characters");
		return -EINVAL;
	}
	for (p = pattern;; p = comma + 1) {
		struct pt_label_term *nt;

		comma = strchr(p, ',');
		if (!comma)
			comma = pattern + len;
		if (e.n >= PT_LABEL_FILTER_TERMS_MAX) {
			pt_diag_add(d, PT_DIAG_ERROR, file, line,
				    KEYWORD ": more than %d terms in one entry",
				    PT_LABEL_FILTER_TERMS_MAX);
			goto fail;
		}
		nt = reallocarray(e.terms, e.n + 1, sizeof(*e.terms));
		if (!nt) {
			err = -ENOMEM;
			goto fail;
		}
		e.terms = nt;
		memset(&e.terms[e.n], 0, sizeof(e.terms[e.n]));
		e.n++; /* counted now so that a half-parsed term is freed */
		if (!parse_term(&e.terms[e.n - 1], pattern, p, comma - p, file, line, d, &err))
			goto fail;
		if (!*comma)
			break;
	}
	{
		struct pt_label_entry *nv = reallocarray(f->v, f->n + 1, sizeof(*f->v));

		if (!nv) {
			err = -ENOMEM;
			goto fail;
		}
		f->v = nv;
		f->v[f->n++] = e;
	}
	return 0;
fail:
	entry_free(&e);
	return err;
}

int pt_label_filter_copy(struct pt_label_filter *dst, const struct pt_label_filter *src)
{
	size_t i, j;

	pt_label_filter_init(dst);
	if (!src->n)
		return 0;
	dst->v = calloc(src->n, sizeof(*dst->v));
	if (!dst->v)
		return -ENOMEM;
	dst->n = src->n;
	for (i = 0; i < src->n; i++) {
		struct pt_label_entry *e = &dst->v[i];

		e->terms = calloc(src->v[i].n, sizeof(*e->terms));
		if (!e->terms)
			goto oom;
		e->n = src->v[i].n;
		for (j = 0; j < e->n; j++) {
			e->terms[j].key = strdup(src->v[i].terms[j].key);
			e->terms[j].glob = strdup(src->v[i].terms[j].glob);
			if (!e->terms[j].key || !e->terms[j].glob)
				goto oom;
		}
	}
	return 0;
oom:
	pt_label_filter_free(dst);
	return -ENOMEM;
}

bool pt_label_filter_equal(const struct pt_label_filter *a, const struct pt_label_filter *b)
{
	size_t i, j;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		if (a->v[i].n != b->v[i].n)
			return false;
		for (j = 0; j < a->v[i].n; j++)
			if (strcmp(a->v[i].terms[j].key, b->v[i].terms[j].key) ||
			    strcmp(a->v[i].terms[j].glob, b->v[i].terms[j].glob))
				return false;
	}
	return true;
}

void pt_label_filter_format(const struct pt_label_filter *f, char *buf, size_t len)
{
	size_t off = 0, i, j;
	int n;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < f->n && off < len; i++) {
		for (j = 0; j < f->v[i].n && off < len; j++) {
			n = snprintf(buf + off, len - off, "%s%s=%s", j ? "," : i ? " " : "",
				     f->v[i].terms[j].key, f->v[i].terms[j].glob);
			if (n < 0)
				return;
			off += (size_t)n;
		}
	}
}

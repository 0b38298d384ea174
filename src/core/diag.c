// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void pt_diag_add(struct pt_diags *d, enum pt_diag_level level, const char *file, int line,
		 const char *fmt, ...)
{
	struct pt_diag *v;
	char *msg = NULL, *f = NULL;
	va_list ap;
	int ret;

	if (level == PT_DIAG_ERROR)
		d->nerrors++; /* counted even if the text cannot be stored */
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		v = reallocarray(d->v, cap, sizeof(*v));
		if (!v)
			return;
		d->v = v;
		d->cap = cap;
	}
	va_start(ap, fmt);
	ret = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return;
	if (file) {
		f = strdup(file);
		if (!f) {
			free(msg);
			return;
		}
	}
	d->v[d->n++] = (struct pt_diag){ .level = level, .file = f, .line = line, .msg = msg };
}

void pt_diags_print(const struct pt_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct pt_diag *g = &d->v[i];
		int lvl = g->level == PT_DIAG_ERROR ? LOG_ERR : LOG_WARNING;

		if (g->file && g->line > 0)
			pt_log(lvl, "%s:%d: %s", g->file, g->line, g->msg);
		else if (g->file)
			pt_log(lvl, "%s: %s", g->file, g->msg);
		else
			pt_log(lvl, "%s", g->msg);
	}
}

void pt_diags_free(struct pt_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}


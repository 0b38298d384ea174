/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Diagnostics: every problem found in a configuration file, with the file
 * and line it comes from, collected so that one run reports all of them.
 */
#ifndef PIDTREE_DIAG_H
#define PIDTREE_DIAG_H

#include <stddef.h>

enum pt_diag_level { PT_DIAG_WARNING, PT_DIAG_ERROR };

struct pt_diag {
	enum pt_diag_level level;
	char *file; /* may be NULL */
	int line;   /* 1-based, 0 when unknown */
	char *msg;
};

struct pt_diags {
	struct pt_diag *v;
	size_t n, cap;
	size_t nerrors; /* counted even when the text could not be stored */
};

void pt_diag_add(struct pt_diags *d, enum pt_diag_level level, const char *file, int line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/*
 * Print every diagnostic through pt_log, at LOG_ERR or LOG_WARNING, as
 * "file:line: message" (pt_log adds "pidtree: error: " / "warning: ").
 */
void pt_diags_print(const struct pt_diags *d);
void pt_diags_free(struct pt_diags *d);

#endif

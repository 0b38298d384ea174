/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A growable byte buffer.  Appends never fail loudly: an allocation failure
 * sets oom, after which every append is a no-op, and the writer checks oom
 * once at the end (an event that could not be built is counted as lost).
 */
#ifndef PIDTREE_BUF_H
#define PIDTREE_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct pt_buf {
	char *data;
	size_t len, cap;
	bool oom; /* an allocation failed; contents are incomplete */
};

void pt_buf_init(struct pt_buf *b);
void pt_buf_free(struct pt_buf *b);
void pt_buf_reset(struct pt_buf *b);
void pt_buf_add(struct pt_buf *b, const char *s, size_t n);
void pt_buf_adds(struct pt_buf *b, const char *s);
void pt_buf_addc(struct pt_buf *b, char c);
void pt_buf_printf(struct pt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminated view of the contents (always valid, "" when empty). */
const char *pt_buf_str(struct pt_buf *b);

/* Grow for n more bytes plus a NUL; false (and oom set) when impossible. */
bool pt_buf_grow(struct pt_buf *b, size_t n);
/* Room for n more bytes plus a terminating NUL.  False once oom is set. */
static inline bool pt_buf_reserve(struct pt_buf *b, size_t n)
{
	if (unlikely(b->oom))
		return false;
	if (likely(n < b->cap - b->len))
		return true;
	return pt_buf_grow(b, n);
}

#endif

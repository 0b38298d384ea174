/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A small JSON writer (RFC 8259) into a pt_buf. */
#ifndef PIDTREE_JSON_H
#define PIDTREE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Append s (n bytes, NULs allowed) as a JSON string literal with quotes:
 * '"', '\\' and control characters escaped (\n \r \t \b \f, others and DEL
 * as \u00XX), each maximal invalid UTF-8 subpart (stray continuation byte,
 * overlong form, surrogate, > U+10FFFF, truncated sequence) replaced by
 * U+FFFD, so the output is always valid UTF-8 JSON whatever the input bytes.
 * Valid multibyte UTF-8 is copied unchanged, except the characters that
 * would mislead a reader (pt_unicode_unsafe: C1 controls, U+2028/U+2029,
 * bidirectional formatting), written as \uXXXX: the decoded string is the
 * same, and the line holds no U+0085 or U+2028 that a line-oriented reader
 * would break at, nor a U+202E that reorders what an editor shows.
 */
void pt_json_str(struct pt_buf *b, const char *s, size_t n);
void pt_json_strz(struct pt_buf *b, const char *s);
/*
 * The decimal digits of v into out (at least 20 bytes, no NUL); returns how
 * many.  What the writers here use instead of printf's "%llu".
 */
size_t pt_fmt_u64(char *out, uint64_t v);
/* Numbers: decimal integers; seconds with 1 to 6 decimals ("1.25", "2.0"). */
void pt_json_u64(struct pt_buf *b, uint64_t v);
void pt_json_i64(struct pt_buf *b, int64_t v);
void pt_json_seconds(struct pt_buf *b, double d);

/* "2026-11-28T09:42:45.759464Z" (UTC, microseconds) into buf (>= 28 bytes). */
void pt_format_timestamp(uint64_t ts_us, char *buf, size_t len);

/* A string literal without its NUL. */
#define PT_JSON_LIT(b, lit) pt_buf_add((b), (lit), sizeof(lit) - 1)

#endif

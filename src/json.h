/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small JSON writer (RFC 8259) into a growable buffer, and the event
 * serialisation shared by every sink.
 */
#ifndef PIDTREE_JSON_H
#define PIDTREE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

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

/*
 * Append s (n bytes, NULs allowed) as a JSON string literal with quotes:
 * '"', '\\' and control characters escaped (\n \r \t \b \f, others and DEL
 * as \u00XX), each maximal invalid UTF-8 subpart (stray continuation byte,
 * overlong form, surrogate, > U+10FFFF, truncated sequence) replaced by
 * U+FFFD, so the output is always valid UTF-8 JSON whatever the input bytes.
 * Valid multibyte UTF-8 is copied unchanged.
 */
void pt_json_str(struct pt_buf *b, const char *s, size_t n);
void pt_json_strz(struct pt_buf *b, const char *s);

/* "2026-11-28T09:42:45.759464Z" (UTC, microseconds) into buf (>= 28 bytes). */
void pt_format_timestamp(uint64_t ts_us, char *buf, size_t len);

/* The proctree array: [{"pid":1,"cmdline":"..","username":".."},...] */
void pt_json_proctree(struct pt_buf *b, const struct pt_event *ev);
/* The whole event as one JSON object, no trailing newline. */
void pt_json_event(struct pt_buf *b, const struct pt_event *ev);

#endif

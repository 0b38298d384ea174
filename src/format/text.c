// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Safe text for people and for RFC 5424 values (see text.h). */
#include "text.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

#define UNIT_MAX 8 /* the longest rendering of one unit: "\u202e" */

/*
 * Length of the unit at p (n > 0 bytes) when it is copied as it is: printable
 * ASCII but the mode's specials, or a well-formed sequence that is not an
 * unsafe character; 0 when it must be changed.
 */
static size_t keep_len(const unsigned char *p, size_t n, enum pt_text_mode mode)
{
	unsigned char c = p[0];
	int k;

	if (c < 0x80)
		return c >= 0x20 && c != 0x7f && c != '\\' &&
		       !(mode == PT_TEXT_SD && (c == '"' || c == ']'));
	k = pt_utf8_seq(p, n);
	if (k <= 0 || pt_utf8_unsafe_seq(p, k))
		return 0;
	return (size_t)k;
}

/*
 * The unit at p that keep_len() refused, rendered into out (at most
 * UNIT_MAX bytes, *outlen; every byte one column); returns the input bytes
 * it takes.
 */
static size_t render_changed(const unsigned char *p, size_t n, enum pt_text_mode mode,
			     char *out, size_t *outlen)
{
	unsigned char c = p[0];
	int k = c >= 0x80 ? pt_utf8_seq(p, n) : 1;

	if (k > 1) {
		/* a valid but unsafe character: C1 control, U+2028/9, bidi */
		if (mode == PT_TEXT_SD)
			*outlen = (size_t)snprintf(out, UNIT_MAX, "\xef\xbf\xbd");
		else
			*outlen = (size_t)snprintf(out, UNIT_MAX, "\\u%04x",
						   (unsigned int)pt_utf8_cp(p, k));
		return (size_t)k;
	}
	if (mode == PT_TEXT_SD) {
		if (c == '"' || c == '\\' || c == ']')
			*outlen = (size_t)snprintf(out, UNIT_MAX, "\\%c", c);
		else /* control character or invalid byte */
			*outlen = (size_t)snprintf(out, UNIT_MAX, "\xef\xbf\xbd");
		return 1;
	}
	switch (c) {
	case '\\': *outlen = (size_t)snprintf(out, UNIT_MAX, "\\\\"); break;
	case '\n': *outlen = (size_t)snprintf(out, UNIT_MAX, "\\n"); break;
	case '\r': *outlen = (size_t)snprintf(out, UNIT_MAX, "\\r"); break;
	case '\t': *outlen = (size_t)snprintf(out, UNIT_MAX, "\\t"); break;
	case 0x1b: *outlen = (size_t)snprintf(out, UNIT_MAX, "\\e"); break;
	default: *outlen = (size_t)snprintf(out, UNIT_MAX, "\\x%02x", c); break;
	}
	return 1;
}

void pt_text_append(struct pt_buf *b, const char *s, size_t n, size_t max,
		    enum pt_text_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, end = pt_utf8_cut(s, n, max), run, k, olen;
	char out[UNIT_MAX];

	while (i < end) {
		/* copy the run of units needing no change at once */
		for (run = i; run < end && (k = keep_len(p + run, end - run, mode)); run += k)
			;
		pt_buf_add(b, s + i, run - i);
		i = run;
		if (i < end) {
			i += render_changed(p + i, end - i, mode, out, &olen);
			pt_buf_add(b, out, olen);
		}
	}
	if (end < n)
		pt_buf_adds(b, PT_CUT_MARKER);
}

/*
 * Walk the rendering of s[0..n) unit by unit, appending to b (when not
 * NULL) while the columns stay within limit; returns the columns of the
 * whole rendering, or of what was appended when it stopped (*cut set).
 */
static size_t walk(struct pt_buf *b, const unsigned char *p, size_t n, size_t limit,
		   enum pt_text_mode mode, bool *cut)
{
	size_t i = 0, cols = 0, k, olen;
	char out[UNIT_MAX];

	*cut = false;
	while (i < n) {
		k = keep_len(p + i, n - i, mode);
		if (k) {
			if (cols + 1 > limit)
				goto stop;
			if (b)
				pt_buf_add(b, (const char *)p + i, k);
			cols++;
			i += k;
			continue;
		}
		k = render_changed(p + i, n - i, mode, out, &olen);
		if (cols + olen > limit)
			goto stop;
		if (b)
			pt_buf_add(b, out, olen);
		cols += olen;
		i += k;
	}
	return cols;
stop:
	*cut = true;
	return cols;
}

size_t pt_text_cols(const char *s, size_t n, enum pt_text_mode mode)
{
	bool cut;

	return walk(NULL, (const unsigned char *)s, n, (size_t)-1, mode, &cut);
}

size_t pt_text_append_cols(struct pt_buf *b, const char *s, size_t n, size_t cols,
			   enum pt_text_mode mode)
{
	const size_t marker = sizeof(PT_CUT_MARKER) - 1;
	size_t all = pt_text_cols(s, n, mode), got;
	bool cut;

	if (all <= cols)
		return walk(b, (const unsigned char *)s, n, all, mode, &cut);
	if (cols < marker)
		return 0;
	got = walk(b, (const unsigned char *)s, n, cols - marker, mode, &cut);
	pt_buf_adds(b, PT_CUT_MARKER);
	return got + marker;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Safe text for people and for RFC 5424 values (see text.h). */
#include "text.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

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

static void add_fffd(struct pt_buf *b)
{
	pt_buf_add(b, "\xef\xbf\xbd", 3);
}

/* The unit at p that keep_len() refused; returns the input bytes it took. */
static size_t put_changed(struct pt_buf *b, const unsigned char *p, size_t n,
			  enum pt_text_mode mode)
{
	unsigned char c = p[0];
	int k = c >= 0x80 ? pt_utf8_seq(p, n) : 1;

	if (k > 1) {
		/* a valid but unsafe character: C1 control, U+2028/9, bidi */
		if (mode == PT_TEXT_SD)
			add_fffd(b);
		else
			pt_buf_printf(b, "\\u%04x", (unsigned int)pt_utf8_cp(p, k));
		return (size_t)k;
	}
	if (mode == PT_TEXT_SD) {
		if (c == '"' || c == '\\' || c == ']') {
			pt_buf_addc(b, '\\');
			pt_buf_addc(b, (char)c);
		} else {
			add_fffd(b); /* control character or invalid byte */
		}
		return 1;
	}
	switch (c) {
	case '\\': pt_buf_add(b, "\\\\", 2); break;
	case '\n': pt_buf_add(b, "\\n", 2); break;
	case '\r': pt_buf_add(b, "\\r", 2); break;
	case '\t': pt_buf_add(b, "\\t", 2); break;
	case 0x1b: pt_buf_add(b, "\\e", 2); break;
	default: pt_buf_printf(b, "\\x%02x", c); break;
	}
	return 1;
}

void pt_text_append(struct pt_buf *b, const char *s, size_t n, size_t max,
		    enum pt_text_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, end = pt_utf8_cut(s, n, max), run, k;

	while (i < end) {
		/* copy the run of units needing no change at once */
		for (run = i; run < end && (k = keep_len(p + run, end - run, mode)); run += k)
			;
		pt_buf_add(b, s + i, run - i);
		i = run;
		if (i < end)
			i += put_changed(b, p + i, end - i, mode);
	}
	if (end < n)
		pt_buf_adds(b, PT_CUT_MARKER);
}

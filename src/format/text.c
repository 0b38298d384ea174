// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Safe text for people and for RFC 5424 values (see text.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* newlocale, uselocale */
#endif
#include "text.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "utf8.h"

#define UNIT_MAX 8 /* the longest rendering of one unit: "\u202e" */

static inline size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Printable ASCII that mode copies as it is: a unit of one byte and one
 * column (what keep_len() keeps of the bytes below 0x80).
 */
static inline bool plain(unsigned char c, enum pt_text_mode mode)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && !(mode == PT_TEXT_SD && (c == '"' || c == ']'));
}

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
		return plain(c, mode);
	k = pt_utf8_seq(p, n);
	if (k <= 0 || pt_utf8_unsafe_seq(p, k))
		return 0;
	return (size_t)k;
}

/* How many of p[0..n) from the start are plain() (cmdlines mostly are, whole). */
static inline size_t plain_run(const unsigned char *p, size_t n, enum pt_text_mode mode)
{
	size_t r = 0;

	while (r < n && plain(p[r], mode))
		r++;
	return r;
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
 * The columns a terminal gives a character: the C library's wcwidth() in
 * the C.UTF-8 locale (two for a wide East Asian character, none for a
 * combining mark), whatever the daemon's own locale is (the thread's is
 * switched for the call only); one when that locale is missing.
 */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
	utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static size_t char_cols(const unsigned char *p, int k)
{
	locale_t old;
	int w;

	pthread_once(&utf8_once, utf8_locale_init);
	if (!utf8_locale)
		return 1;
	old = uselocale(utf8_locale);
	w = wcwidth((wchar_t)pt_utf8_cp(p, k));
	uselocale(old);
	return w < 0 ? 1 : (size_t)w;
}

/*
 * The unit at i: its input bytes, its columns, and its rendering (*out,
 * *olen; *out NULL: the input bytes as they are).
 */
static size_t unit(const unsigned char *p, size_t n, enum pt_text_mode mode, char *buf,
		   const char **out, size_t *olen, size_t *cols)
{
	size_t k = keep_len(p, n, mode);

	if (k) {
		*out = NULL;
		*olen = k;
		*cols = k > 1 ? char_cols(p, (int)k) : 1;
		return k;
	}
	k = render_changed(p, n, mode, buf, olen);
	*out = buf;
	*cols = *olen;
	return k;
}

size_t pt_text_cols(const char *s, size_t n, size_t max, enum pt_text_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, cols = 0, olen, w;
	const char *out;
	char buf[UNIT_MAX];

	while (i < n && cols < max) {
		/* plain bytes a run at a time, as many as may still count */
		size_t r = plain_run(p + i, min_sz(n - i, max - cols), mode);

		i += r;
		cols += r;
		if (i >= n || cols >= max)
			break;
		i += unit(p + i, n - i, mode, buf, &out, &olen, &w);
		cols += w;
	}
	return cols < max ? cols : max;
}

size_t pt_text_append_cols(struct pt_buf *b, const char *s, size_t n, size_t cols,
			   enum pt_text_mode mode)
{
	const size_t marker = sizeof(PT_CUT_MARKER) - 1;
	const unsigned char *p = (const unsigned char *)s;
	size_t start = b->len, i = 0, c = 0, k, olen, w, keep = (size_t)-1, keep_cols = 0;
	const char *out;
	char buf[UNIT_MAX];

	/*
	 * One pass: write while the text fits; remember the last place where
	 * the marker still fits after it, and go back there if the rest does
	 * not fit whole.
	 */
	while (i < n) {
		/*
		 * Plain bytes a run at a time while the marker still fits after
		 * them: there the loop below would copy each and neither cut
		 * nor remember a place (c + 1 <= cols - marker).
		 */
		if (cols >= marker && c < cols - marker) {
			size_t r = plain_run(p + i, min_sz(n - i, cols - marker - c), mode);

			pt_buf_add(b, s + i, r);
			c += r;
			i += r;
			if (i >= n)
				break;
		}
		k = unit(p + i, n - i, mode, buf, &out, &olen, &w);
		if (c + w > cols) {
			if (cols < marker) {
				b->len = start;
				return 0;
			}
			if (keep == (size_t)-1) {
				keep = b->len;
				keep_cols = c;
			}
			b->len = keep;
			pt_buf_adds(b, PT_CUT_MARKER);
			return keep_cols + marker;
		}
		if (keep == (size_t)-1 && cols >= marker && c + w > cols - marker) {
			keep = b->len;
			keep_cols = c;
		}
		pt_buf_add(b, out ? out : (const char *)p + i, olen);
		c += w;
		i += k;
	}
	return c;
}

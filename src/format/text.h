/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text for people and for RFC 5424 values, free of I/O so the unit tests can
 * check it byte for byte: control characters, invalid UTF-8 and cuts that
 * never split a UTF-8 sequence.
 */
#ifndef PIDTREE_TEXT_H
#define PIDTREE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appended to every value cut at a size limit (as the process cache does). */
#define PT_CUT_MARKER "..."

enum pt_text_mode {
	/*
	 * For people (journald MESSAGE, the text output): \n \r \t \e and \\
	 * as C escapes, other control characters and invalid UTF-8 bytes as
	 * \xNN, the valid characters that mislead a reader (pt_unicode_unsafe:
	 * C1 controls, U+2028/U+2029, bidirectional formatting) as \uXXXX
	 * (lower case), so that nothing can move the cursor, end the line or
	 * show the text in another order than it is stored.
	 */
	PT_TEXT_HUMAN,
	/*
	 * RFC 5424 PARAM-VALUE: '"', '\' and ']' escaped with '\'; control
	 * characters, the unsafe characters and invalid UTF-8 bytes replaced
	 * by U+FFFD (a PARAM-VALUE has no other escape), so the value is valid
	 * UTF-8 without control characters or line breaks.
	 */
	PT_TEXT_SD,
};

/*
 * Append s[0..n): at most max input bytes (cut at a UTF-8 boundary and
 * followed by PT_CUT_MARKER when longer).
 */
void pt_text_append(struct pt_buf *b, const char *s, size_t n, size_t max,
		    enum pt_text_mode mode);

/*
 * Columns of s[0..n) rendered in mode: per character copied, the columns a
 * terminal gives it (wcwidth() in C.UTF-8: one, two for a wide East Asian
 * character, none for a combining mark), one per byte of an escape; max
 * when there are more (the count stops there).
 */
size_t pt_text_cols(const char *s, size_t n, size_t max, enum pt_text_mode mode);

/*
 * Append the rendering of s[0..n) in at most cols columns: whole, or cut
 * between two units (never inside an escape or a character) and followed
 * by PT_CUT_MARKER, which counts in cols.  Returns the columns written.
 * Reads s only as far as cols columns of it go.
 */
size_t pt_text_append_cols(struct pt_buf *b, const char *s, size_t n, size_t cols,
			   enum pt_text_mode mode);

#endif

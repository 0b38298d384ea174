// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Safe text for people and for RFC 5424 values (see text.h). */
#include "text.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"

/* Length of the well-formed sequence at p, 0 when it is not one. */
static size_t seq_len(const unsigned char *p, size_t n)
{
	int k = pt_utf8_seq(p, n);

	return k > 0 ? (size_t)k : 0;
}

static void add_fffd(struct pt_buf *b)
{
	pt_buf_add(b, "\xef\xbf\xbd", 3);
}

void pt_text_append(struct pt_buf *b, const char *s, size_t n, size_t max,
		    enum pt_text_mode mode)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, end = pt_utf8_cut(s, n, max), run;

	while (i < end) {
		size_t k = seq_len(p + i, end - i);
		unsigned char c = p[i];

		if (k > 1 || (k == 1 && c >= 0x20 && c != 0x7f && c != '\\' &&
			      !(mode == PT_TEXT_SD && (c == '"' || c == ']')))) {
			/* copy the run of bytes needing no change at once */
			run = i;
			for (;;) {
				run += k;
				if (run >= end)
					break;
				k = seq_len(p + run, end - run);
				c = p[run];
				if (!(k > 1 || (k == 1 && c >= 0x20 && c != 0x7f && c != '\\' &&
						!(mode == PT_TEXT_SD && (c == '"' || c == ']')))))
					break;
			}
			pt_buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		if (mode == PT_TEXT_SD) {
			if (c == '"' || c == '\\' || c == ']') {
				pt_buf_addc(b, '\\');
				pt_buf_addc(b, (char)c);
			} else {
				add_fffd(b); /* control character or invalid byte */
			}
		} else {
			switch (c) {
			case '\\': pt_buf_add(b, "\\\\", 2); break;
			case '\n': pt_buf_add(b, "\\n", 2); break;
			case '\r': pt_buf_add(b, "\\r", 2); break;
			case '\t': pt_buf_add(b, "\\t", 2); break;
			case 0x1b: pt_buf_add(b, "\\e", 2); break;
			default: pt_buf_printf(b, "\\x%02x", c); break;
			}
		}
		i++;
	}
	if (end < n)
		pt_buf_adds(b, PT_CUT_MARKER);
}


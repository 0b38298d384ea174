// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON writer (RFC 8259).
 *
 * This runs once per event on the hot path, so it avoids printf for numbers
 * and copies runs of bytes that need no escaping with one memcpy.  Strings
 * are written so that the output is always valid UTF-8 JSON whatever the
 * input bytes: cmdlines are attacker controlled (any process can put any
 * bytes in its argv) and must not be able to break the document, forge keys
 * or corrupt a downstream SIEM.
 */
#include "json.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

/* Input bytes escaped per capacity check in pt_json_str(). */
#define JSON_CHUNK 4096
/*
 * Worst case output per input byte: "\u00XX" for a control byte; an unsafe
 * character (2 or 3 bytes) becomes one 6-byte "\uXXXX", less per byte.
 */
#define JSON_MAX_EXPANSION 6


/* ---- numbers ------------------------------------------------------------ */

size_t pt_fmt_u64(char *out, uint64_t v)
{
	char tmp[20], *p = tmp + sizeof(tmp);
	size_t n;

	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		*--p = (char)('0' + r % 10);
		*--p = (char)('0' + r / 10);
	}
	if (v >= 10) {
		*--p = (char)('0' + v % 10);
		*--p = (char)('0' + v / 10);
	} else {
		*--p = (char)('0' + v);
	}
	n = (size_t)(tmp + sizeof(tmp) - p);
	memcpy(out, p, n);
	return n;
}

void pt_json_u64(struct pt_buf *b, uint64_t v)
{
	if (!pt_buf_reserve(b, 20))
		return;
	b->len += pt_fmt_u64(b->data + b->len, v);
}

void pt_json_i64(struct pt_buf *b, int64_t v)
{
	if (v < 0) {
		pt_buf_addc(b, '-');
		pt_json_u64(b, -(uint64_t)v);
	} else {
		pt_json_u64(b, (uint64_t)v);
	}
}

/*
 * Seconds with at most 6 decimals and at least one ("1.25", "2.0"), so the
 * value always reads as a float.  Written by hand rather than with "%f":
 * the decimal point of printf follows LC_NUMERIC.
 */
void pt_json_seconds(struct pt_buf *b, double d)
{
	char tmp[40];
	uint64_t us, frac;
	size_t n;
	int i;

	if (!isfinite(d) || d < 0)
		d = 0;
	if (d > 1e12)
		d = 1e12;
	us = (uint64_t)(d * 1e6 + 0.5);
	n = pt_fmt_u64(tmp, us / 1000000);
	tmp[n++] = '.';
	frac = us % 1000000;
	for (i = 5; i >= 0; i--) {
		tmp[n + (size_t)i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	n += 6;
	while (tmp[n - 1] == '0' && tmp[n - 2] != '.')
		n--;
	pt_buf_add(b, tmp, n);
}

/* ---- strings ------------------------------------------------------------ */

enum { C_SAFE = 0, C_ESC = 1, C_HIGH = 2 };

static const unsigned char json_class[256] = {
	[0x00 ... 0x1f] = C_ESC,
	['"'] = C_ESC,
	['\\'] = C_ESC,
	[0x7f] = C_ESC,
	[0x80 ... 0xff] = C_HIGH,
};

static const char hexdig[16] = "0123456789abcdef";

/*
 * Whether any of the 8 bytes at p is not C_SAFE: a control byte (< 0x20),
 * '"', '\\', 0x7f or a byte with the high bit set.  Exact for "any"
 * (a borrow of the subtractions runs only above a byte that matched),
 * so a word for which it is false is 8 bytes the loop below would copy
 * one by one.
 */
static inline bool word_needs_care(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t w, q, b, d;

	memcpy(&w, p, sizeof(w));
	q = w ^ (ones * '"');
	b = w ^ (ones * '\\');
	d = w ^ (ones * 0x7f);
	/* a byte < 0x20, a zero byte of q, b or d, a high bit */
	return ((((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b) |
		 ((d - ones) & ~d) | w) &
		high) != 0;
}

/* "\uXXXX" for a code point of the BMP. */
static char *put_u(char *o, uint32_t cp)
{
	*o++ = '\\';
	*o++ = 'u';
	*o++ = hexdig[cp >> 12 & 15];
	*o++ = hexdig[cp >> 8 & 15];
	*o++ = hexdig[cp >> 4 & 15];
	*o++ = hexdig[cp & 15];
	return o;
}

static char *put_escape(char *o, unsigned char c)
{
	*o++ = '\\';
	switch (c) {
	case '"':
	case '\\':
		*o++ = (char)c;
		break;
	case '\b':
		*o++ = 'b';
		break;
	case '\f':
		*o++ = 'f';
		break;
	case '\n':
		*o++ = 'n';
		break;
	case '\r':
		*o++ = 'r';
		break;
	case '\t':
		*o++ = 't';
		break;
	default:
		*o++ = 'u';
		*o++ = '0';
		*o++ = '0';
		*o++ = hexdig[c >> 4];
		*o++ = hexdig[c & 15];
		break;
	}
	return o;
}

void pt_json_str(struct pt_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end, *stop, *run;
	char *o;
	int l;

	if (!s)
		n = 0;
	end = p + n;
	pt_buf_addc(b, '"');
	while (p < end) {
		size_t chunk = (size_t)(end - p) < JSON_CHUNK ? (size_t)(end - p) : JSON_CHUNK;

		/*
		 * Every input position produces at most 6 bytes; a valid
		 * sequence starting before stop may end up to 3 bytes after it.
		 */
		if (!pt_buf_reserve(b, chunk * JSON_MAX_EXPANSION + 4))
			return;
		stop = p + chunk;
		o = b->data + b->len;
		while (p < stop) {
			/*
			 * The longest run copied unchanged: safe ASCII and valid
			 * UTF-8 but for the unsafe characters, which only
			 * sequences with a low lead byte can be.  It ends with l
			 * < 0 (invalid), l > 1 (an unsafe character) or l == 0
			 * (a byte to escape).
			 */
			run = p;
			l = 0;
			while (p < stop) {
				unsigned char cls;

				/* 8 safe ASCII bytes at a time (cmdlines mostly are) */
				while ((size_t)(stop - p) >= 8 && !word_needs_care(p))
					p += 8;
				if (p >= stop)
					break;
				cls = json_class[*p];

				if (likely(cls == C_SAFE)) {
					p++;
					continue;
				}
				if (cls == C_HIGH) {
					l = pt_utf8_seq(p, (size_t)(end - p));
					if (l > 0 && !pt_utf8_unsafe_seq(p, l)) {
						p += l;
						continue;
					}
				} else {
					l = 0;
				}
				break;
			}
			memcpy(o, run, (size_t)(p - run));
			o += p - run;
			if (p >= stop)
				break;
			if (l < 0) {
				/* U+FFFD REPLACEMENT CHARACTER */
				*o++ = (char)0xef;
				*o++ = (char)0xbf;
				*o++ = (char)0xbd;
				p += -l;
			} else if (l > 1) {
				o = put_u(o, pt_utf8_cp(p, l));
				p += l;
			} else {
				o = put_escape(o, *p++);
			}
		}
		b->len = (size_t)(o - b->data);
	}
	pt_buf_addc(b, '"');
}

void pt_json_strz(struct pt_buf *b, const char *s)
{
	pt_json_str(b, s, s ? strlen(s) : 0);
}


/* ---- timestamps --------------------------------------------------------- */

static void put2(char *o, unsigned int v)
{
	o[0] = (char)('0' + v / 10 % 10);
	o[1] = (char)('0' + v % 10);
}

void pt_format_timestamp(uint64_t ts_us, char *buf, size_t len)
{
	char tmp[64];
	time_t secs = (time_t)(ts_us / 1000000);
	unsigned int us = (unsigned int)(ts_us % 1000000);
	struct tm tm;
	size_t n;

	if (!buf || !len)
		return;
	if ((uint64_t)secs != ts_us / 1000000 || !gmtime_r(&secs, &tm)) {
		secs = 0;
		gmtime_r(&secs, &tm);
	}
	if (tm.tm_year + 1900 <= 9999) {
		unsigned int y = (unsigned int)(tm.tm_year + 1900);

		/* YYYY-MM-DDTHH:MM:SS.uuuuuuZ */
		put2(tmp, y / 100);
		put2(tmp + 2, y % 100);
		tmp[4] = '-';
		put2(tmp + 5, (unsigned int)tm.tm_mon + 1);
		tmp[7] = '-';
		put2(tmp + 8, (unsigned int)tm.tm_mday);
		tmp[10] = 'T';
		put2(tmp + 11, (unsigned int)tm.tm_hour);
		tmp[13] = ':';
		put2(tmp + 14, (unsigned int)tm.tm_min);
		tmp[16] = ':';
		put2(tmp + 17, (unsigned int)tm.tm_sec);
		tmp[19] = '.';
		put2(tmp + 20, us / 10000);
		put2(tmp + 22, us / 100 % 100);
		put2(tmp + 24, us % 100);
		tmp[26] = 'Z';
		n = 27;
	} else {
		int r = snprintf(tmp, sizeof(tmp), "%d-%02d-%02dT%02d:%02d:%02d.%06uZ",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				 tm.tm_min, tm.tm_sec, us);

		n = r < 0 ? 0 : (size_t)r;
		if (n >= sizeof(tmp))
			n = sizeof(tmp) - 1;
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
}


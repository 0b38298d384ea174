// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON writer (RFC 8259) and event serialisation.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define PT_BUF_MIN_CAP 512
/* Input bytes escaped per capacity check in pt_json_str(). */
#define JSON_CHUNK 4096
/* Worst case output per input byte: "\u00XX". */
#define JSON_MAX_EXPANSION 6

/* ---- growable buffer ---------------------------------------------------- */

void pt_buf_init(struct pt_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void pt_buf_free(struct pt_buf *b)
{
	free(b->data);
	pt_buf_init(b);
}

void pt_buf_reset(struct pt_buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

static __attribute__((noinline)) bool buf_grow(struct pt_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > SIZE_MAX - 1 - b->len)
		goto fail;
	need = b->len + n + 1;
	cap = b->cap < PT_BUF_MIN_CAP ? PT_BUF_MIN_CAP : b->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return true;
fail:
	b->oom = true;
	return false;
}

/* Room for n more bytes plus a terminating NUL.  False once oom is set. */
static inline bool buf_reserve(struct pt_buf *b, size_t n)
{
	if (unlikely(b->oom))
		return false;
	if (likely(n < b->cap - b->len))
		return true;
	return buf_grow(b, n);
}

void pt_buf_add(struct pt_buf *b, const char *s, size_t n)
{
	if (!n || !buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

void pt_buf_adds(struct pt_buf *b, const char *s)
{
	if (s)
		pt_buf_add(b, s, strlen(s));
}

void pt_buf_addc(struct pt_buf *b, char c)
{
	if (!buf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
}

void pt_buf_printf(struct pt_buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	size_t avail;
	int r;

	if (b->oom)
		return;
	avail = b->data ? b->cap - b->len : 0;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	r = vsnprintf(b->data ? b->data + b->len : NULL, avail, fmt, ap);
	if (r < 0)
		goto out;
	if ((size_t)r >= avail) {
		if (!buf_reserve(b, (size_t)r))
			goto out;
		r = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
		if (r < 0)
			goto out;
	}
	b->len += (size_t)r;
out:
	va_end(ap2);
	va_end(ap);
	/* a failed vsnprintf may have scribbled past len: re-terminate */
	if (b->data)
		b->data[b->len] = '\0';
}

const char *pt_buf_str(struct pt_buf *b)
{
	if (!b->data)
		return "";
	b->data[b->len] = '\0';
	return b->data;
}

#define ADD_LIT(b, lit) pt_buf_add((b), (lit), sizeof(lit) - 1)

/* ---- numbers ------------------------------------------------------------ */

/* Decimal digits of v into out (>= 20 bytes); returns the length. */
static size_t fmt_u64(char *out, uint64_t v)
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

static void put_u64(struct pt_buf *b, uint64_t v)
{
	if (!buf_reserve(b, 20))
		return;
	b->len += fmt_u64(b->data + b->len, v);
}

static void put_i64(struct pt_buf *b, int64_t v)
{
	if (v < 0) {
		pt_buf_addc(b, '-');
		put_u64(b, -(uint64_t)v);
	} else {
		put_u64(b, (uint64_t)v);
	}
}

/*
 * Seconds with at most 6 decimals and at least one ("1.25", "2.0"), so the
 * value always reads as a float.  Written by hand rather than with "%f":
 * the decimal point of printf follows LC_NUMERIC.
 */
static void put_seconds(struct pt_buf *b, double d)
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
	n = fmt_u64(tmp, us / 1000000);
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
 * Check the UTF-8 sequence at p (p[0] >= 0x80) against RFC 3629 / Unicode
 * table 3-7.  Returns its length when valid, else -k where k is the length
 * of the maximal invalid subpart to replace by one U+FFFD (the Unicode
 * "substitution of maximal subparts" practice, as Python and browsers do):
 * a stray continuation byte, an impossible lead byte (C0, C1, F5..FF), an
 * overlong form (E0 80.., F0 80..), a surrogate (ED A0..BF), a code point
 * above U+10FFFF (F4 90.., F5..) or a truncated sequence.
 */
static int utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t left = (size_t)(end - p);
	int need, i;

	if (c < 0xc2)
		return -1;
	if (c < 0xe0) {
		need = 1;
	} else if (c < 0xf0) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c < 0xf5) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* > U+10FFFF */
	} else {
		return -1;
	}
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= left || p[i] < lo || p[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
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
		if (!buf_reserve(b, chunk * JSON_MAX_EXPANSION + 4))
			return;
		stop = p + chunk;
		o = b->data + b->len;
		while (p < stop) {
			/* the longest run copied unchanged: safe ASCII and valid UTF-8 */
			run = p;
			l = 0;
			while (p < stop) {
				unsigned char cls = json_class[*p];

				if (likely(cls == C_SAFE)) {
					p++;
					continue;
				}
				if (cls == C_HIGH) {
					l = utf8_seq(p, end);
					if (l > 0) {
						p += l;
						continue;
					}
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

/* A string held in a fixed char array that may lack its NUL. */
#define JSON_ARR(b, arr) pt_json_str((b), (arr), strnlen((arr), sizeof(arr)))

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

/* ---- events ------------------------------------------------------------- */

void pt_json_proctree(struct pt_buf *b, const struct pt_event *ev)
{
	size_t i, n = ev->nproc < PT_MAX_DEPTH ? ev->nproc : PT_MAX_DEPTH;

	pt_buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		const struct pt_event_proc *pr = &ev->proctree[i];

		if (i)
			ADD_LIT(b, ",{\"pid\":");
		else
			ADD_LIT(b, "{\"pid\":");
		put_u64(b, pr->pid);
		ADD_LIT(b, ",\"cmdline\":");
		pt_json_strz(b, pr->cmdline);
		ADD_LIT(b, ",\"username\":");
		pt_json_strz(b, pr->username);
		if (pr->loginname) {
			ADD_LIT(b, ",\"loginuid\":");
			put_u64(b, pr->loginuid);
			ADD_LIT(b, ",\"loginname\":");
			pt_json_strz(b, pr->loginname);
		}
		pt_buf_addc(b, '}');
	}
	pt_buf_addc(b, ']');
}

static void put_destinations(struct pt_buf *b, const struct pt_event *ev)
{
	size_t i;

	ADD_LIT(b, ",\"destinations\":[");
	for (i = 0; i < ev->ndests; i++) {
		const struct pt_udp_dest *d = &ev->dests[i];

		if (i)
			ADD_LIT(b, ",{\"daddr\":");
		else
			ADD_LIT(b, "{\"daddr\":");
		JSON_ARR(b, d->daddr);
		ADD_LIT(b, ",\"port\":");
		put_u64(b, d->port);
		ADD_LIT(b, ",\"duration\":");
		put_seconds(b, d->duration);
		ADD_LIT(b, ",\"msg_count\":");
		put_u64(b, d->msg_count);
		pt_buf_addc(b, '}');
	}
	pt_buf_addc(b, ']');
}

static void put_field(struct pt_buf *b, const struct pt_event_field *f)
{
	pt_buf_addc(b, ',');
	pt_json_strz(b, f->key);
	pt_buf_addc(b, ':');
	switch (f->type) {
	case PT_FIELD_INT:
		put_i64(b, f->num);
		break;
	case PT_FIELD_BOOL:
		if (f->num)
			ADD_LIT(b, "true");
		else
			ADD_LIT(b, "false");
		break;
	case PT_FIELD_STR:
	default:
		pt_json_strz(b, f->str);
		break;
	}
}

/*
 * Key order: timestamp, probe, pid, proctree, the probe's own keys, error,
 * then the extra fields in the order they were added.  Each probe key is
 * written at most once, so the object never holds a duplicate key.
 */
void pt_json_event(struct pt_buf *b, const struct pt_event *ev)
{
	char ts[32];
	bool port_done = false, proto_done = false;
	size_t i, nfields;

	pt_format_timestamp(ev->ts_us, ts, sizeof(ts));
	ADD_LIT(b, "{\"timestamp\":\"");
	pt_buf_adds(b, ts);
	ADD_LIT(b, "\",\"probe\":");
	pt_json_strz(b, ev->probe);
	ADD_LIT(b, ",\"pid\":");
	put_u64(b, ev->pid);
	ADD_LIT(b, ",\"proctree\":");
	pt_json_proctree(b, ev);

	if (ev->daddr[0]) { /* tcp_connect */
		ADD_LIT(b, ",\"daddr\":");
		JSON_ARR(b, ev->daddr);
		ADD_LIT(b, ",\"saddr\":");
		JSON_ARR(b, ev->saddr);
		ADD_LIT(b, ",\"port\":");
		put_u64(b, ev->port);
		port_done = true;
	}
	if (ev->laddr[0]) { /* net_listen */
		ADD_LIT(b, ",\"laddr\":");
		JSON_ARR(b, ev->laddr);
		if (!port_done) {
			ADD_LIT(b, ",\"port\":");
			put_u64(b, ev->port);
		}
		if (ev->protocol) {
			ADD_LIT(b, ",\"protocol\":");
			pt_json_strz(b, ev->protocol);
			proto_done = true;
		}
	}
	if (ev->ndests && ev->dests) { /* udp_session */
		put_destinations(b, ev);
		if (ev->protocol && !proto_done) {
			ADD_LIT(b, ",\"protocol\":");
			pt_json_strz(b, ev->protocol);
		}
	}

	ADD_LIT(b, ",\"error\":");
	JSON_ARR(b, ev->error);

	nfields = ev->nfields < PT_EVENT_MAX_FIELDS ? ev->nfields : PT_EVENT_MAX_FIELDS;
	for (i = 0; i < nfields; i++)
		put_field(b, &ev->fields[i]);
	pt_buf_addc(b, '}');
}

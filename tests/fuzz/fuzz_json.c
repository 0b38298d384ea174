// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The JSON writer (src/core/json.c) and the event serialisation
 * (src/core/event_json.c, src/format/json_fit.c).  The first byte picks:
 *  0 pt_json_str on the rest: one valid JSON string (strict UTF-8), whose
 *    decoded value is the input when the input is valid UTF-8, and keeps
 *    every ASCII byte of the input in order whatever the input;
 *  1 numbers: pt_json_u64/i64 print what printf prints, pt_json_seconds a
 *    JSON number with 1-6 decimals within a microsecond of the value;
 *  2 timestamps: pt_format_timestamp matches strftime, within the buffer;
 *  3 an event: pt_json_event and pt_json_proctree are valid JSON, and
 *    pt_json_fit stays within its limit or appends nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "event_json.h"
#include "fuzz.h"
#include "utf8.h"
#include "json.h"
#include "json_check.h"
#include "json_fit.h"

/*
 * Decode the JSON string literal s[0..n) into out (at least n bytes); its
 * length, or -1 when it is not a single literal of the escapes pt_json_str
 * writes.
 */
static long decode_str(const char *s, size_t n, char *out)
{
	size_t i = 1, o = 0;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return -1;
	while (i < n - 1) {
		char c = s[i++];

		if (c == '"')
			return -1;
		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		if (i >= n - 1)
			return -1;
		c = s[i++];
		switch (c) {
		case '"': case '\\': case '/': out[o++] = c; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'u': {
			unsigned int v;
			char hex[5];

			if (i + 4 > n - 1)
				return -1;
			memcpy(hex, s + i, 4);
			hex[4] = '\0';
			if (sscanf(hex, "%4x", &v) != 1)
				return -1;
			i += 4;
			if (v < 0x80) {
				out[o++] = (char)v; /* a control character */
			} else if (pt_unicode_unsafe(v)) { /* C1, U+2028/9, bidi: as UTF-8 */
				if (v < 0x800) {
					out[o++] = (char)(0xc0 | (v >> 6));
				} else {
					out[o++] = (char)(0xe0 | (v >> 12));
					out[o++] = (char)(0x80 | ((v >> 6) & 0x3f));
				}
				out[o++] = (char)(0x80 | (v & 0x3f));
			} else {
				return -1; /* only those are escaped this way */
			}
			break;
		}
		default:
			return -1;
		}
	}
	return (long)o;
}

/* The ASCII bytes of s[0..n) into out; their count. */
static size_t ascii_of(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++)
		if (!((unsigned char)s[i] & 0x80))
			out[o++] = s[i];
	return o;
}

/* No U+2028/2029, C1 control or bidi override left raw (issue 12 item 6). */
static void check_no_unsafe(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int k = pt_utf8_seq((const unsigned char *)s + i, n - i);

		FZ_ASSERT(k > 0, "invalid UTF-8 at %zu", i);
		FZ_ASSERT(!pt_unicode_unsafe(pt_utf8_cp((const unsigned char *)s + i, k)),
			  "unsafe code point left raw at byte %zu", i);
		i += (size_t)k;
	}
}

static void fuzz_str(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct pt_buf b;
	char *dec, *a1, *a2;
	size_t n1, n2;
	long dn;

	pt_buf_init(&b);
	pt_json_str(&b, in, size);
	FZ_ASSERT(!b.oom, "out of memory");
	FZ_ASSERT(json_valid(b.data, b.len), "not one valid JSON string (%zu bytes in)", size);
	FZ_ASSERT(b.len <= 2 + 6 * size, "%zu bytes out for %zu in", b.len, size);
	check_no_unsafe(b.data, b.len);
	dec = malloc(b.len + 1);
	a1 = malloc(size + 1);
	a2 = malloc(b.len + 1);
	FZ_ASSERT(dec && a1 && a2, "out of memory");
	dn = decode_str(b.data, b.len, dec);
	FZ_ASSERT(dn >= 0, "an escape pt_json_str does not write");
	FZ_ASSERT(fz_utf8_valid(dec, (size_t)dn), "decoded value is not valid UTF-8");
	if (fz_utf8_valid(in, size))
		FZ_ASSERT((size_t)dn == size && !memcmp(dec, in, size),
			  "valid UTF-8 did not survive unchanged");
	n1 = ascii_of(in, size, a1);
	n2 = ascii_of(dec, (size_t)dn, a2);
	FZ_ASSERT(n1 == n2 && !memcmp(a1, a2, n1), "ASCII bytes lost or added (%zu vs %zu)", n1,
		  n2);
	free(dec);
	free(a1);
	free(a2);
	pt_buf_free(&b);
}

static void fuzz_numbers(struct fz *z)
{
	char want[32], *end;
	struct pt_buf b;
	uint64_t u = fz_u64(z), bits = fz_u64(z);
	int64_t i = (int64_t)fz_u64(z);
	double d, v, clamped;
	size_t dot;

	pt_buf_init(&b);
	pt_json_u64(&b, u);
	snprintf(want, sizeof(want), "%" PRIu64, u);
	FZ_ASSERT(!strcmp(pt_buf_str(&b), want), "u64 %s written as %s", want, pt_buf_str(&b));
	pt_buf_reset(&b);
	pt_json_i64(&b, i);
	snprintf(want, sizeof(want), "%" PRId64, i);
	FZ_ASSERT(!strcmp(pt_buf_str(&b), want), "i64 %s written as %s", want, pt_buf_str(&b));

	memcpy(&d, &bits, sizeof(d));
	pt_buf_reset(&b);
	pt_json_seconds(&b, d);
	FZ_ASSERT(json_valid(b.data, b.len), "seconds: '%s' is not JSON", pt_buf_str(&b));
	end = memchr(b.data, '.', b.len);
	FZ_ASSERT(end, "seconds: '%s' has no decimal point", pt_buf_str(&b));
	dot = (size_t)(end - b.data);
	FZ_ASSERT(b.len - dot - 1 >= 1 && b.len - dot - 1 <= 6, "seconds: '%s': 1-6 decimals",
		  pt_buf_str(&b));
	v = strtod(pt_buf_str(&b), &end);
	FZ_ASSERT(!*end, "seconds: '%s' does not parse", pt_buf_str(&b));
	clamped = !isfinite(d) || d < 0 ? 0 : d > 1e12 ? 1e12 : d;
	FZ_ASSERT(fabs(v - clamped) <= 1e-6 + clamped * 1e-12, "seconds: %.9g written as %s",
		  clamped, pt_buf_str(&b));
	pt_buf_free(&b);
}

static void fuzz_timestamp(struct fz *z)
{
	uint64_t ts = fz_u64(z);
	size_t len = (size_t)fz_range(z, 1, 64);
	char buf[64], want[64];
	time_t secs = (time_t)(ts / 1000000);
	struct tm tm;

	memset(buf, 'x', sizeof(buf));
	pt_format_timestamp(ts, buf, len);
	FZ_ASSERT(memchr(buf, '\0', len), "timestamp not NUL-terminated within %zu bytes", len);
	if (ts / 1000000 > INT64_MAX || !gmtime_r(&secs, &tm) || tm.tm_year + 1900 > 9999)
		return;
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(want + strlen(want), sizeof(want) - strlen(want), ".%06uZ",
		 (unsigned int)(ts % 1000000));
	if (len > strlen(want))
		FZ_ASSERT(!strcmp(buf, want), "timestamp %" PRIu64 ": '%s', want '%s'", ts, buf,
			  want);
	else
		FZ_ASSERT(strlen(buf) == len - 1 && !strncmp(buf, want, len - 1),
			  "timestamp cut to %zu: '%s'", len, buf);
}

static void fuzz_event(struct fz *z)
{
	struct pt_udp_dest dests[64];
	struct fz_arena a = { .n = 0 };
	struct pt_event ev;
	struct pt_buf b, f;
	size_t max, before;
	int err;

	fz_event(z, &a, &ev, dests, 64, true);
	max = (size_t)fz_range(z, 0, 65536);
	pt_buf_init(&b);
	pt_buf_init(&f);
	pt_json_event(&b, &ev);
	FZ_ASSERT(!b.oom, "out of memory");
	FZ_ASSERT(json_valid(b.data, b.len), "event JSON invalid: %.200s", pt_buf_str(&b));
	FZ_ASSERT(b.len > 15 && !memcmp(b.data, "{\"timestamp\":\"", 14), "event starts with %.20s",
		  b.data);
	check_no_unsafe(b.data, b.len);
	pt_buf_reset(&f);
	pt_json_proctree(&f, &ev);
	FZ_ASSERT(json_valid(f.data, f.len), "proctree JSON invalid");
	FZ_ASSERT(memmem(b.data, b.len, f.data, f.len), "the event does not hold its proctree");

	/* after some bytes already in the buffer, as the sinks call it */
	pt_buf_reset(&f);
	pt_buf_adds(&f, "prefix");
	before = f.len;
	err = pt_json_fit(&f, &ev, max, pt_json_event);
	FZ_ASSERT(err == 0 || err == -EMSGSIZE, "pt_json_fit: %d", err);
	if (err) {
		FZ_ASSERT(f.len == before, "pt_json_fit failed yet appended %zu bytes",
			  f.len - before);
		FZ_ASSERT(b.len > max, "pt_json_fit refused %zu bytes within %zu", b.len, max);
	} else {
		FZ_ASSERT(f.len - before <= max, "pt_json_fit: %zu bytes over the limit %zu",
			  f.len - before, max);
		FZ_ASSERT(json_valid(f.data + before, f.len - before), "fitted JSON invalid: %.200s",
			  f.data + before);
		if (b.len <= max)
			FZ_ASSERT(f.len - before == b.len && !memcmp(f.data + before, b.data, b.len),
				  "an event that fits was changed");
	}
	pt_buf_free(&b);
	pt_buf_free(&f);
	fz_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };

	if (!size)
		return 0;
	switch (fz_u8(&z) % 4) {
	case 0:
		fuzz_str(z.p, z.n);
		break;
	case 1:
		fuzz_numbers(&z);
		break;
	case 2:
		fuzz_timestamp(&z);
		break;
	default:
		fuzz_event(&z);
		break;
	}
	return 0;
}

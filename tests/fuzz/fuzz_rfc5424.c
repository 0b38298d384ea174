// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The RFC 5424 writer (src/format/rfc5424.c, pt_syslog_format): an event
 * (or a record that is not one) and the [syslog] settings from the input.
 * The record is parsed back here by the grammar of RFC 5424 section 6:
 *  - one line: no control byte anywhere, all of it valid UTF-8;
 *  - PRI, VERSION, TIMESTAMP (the event's, RFC 3339 with microseconds),
 *    HOSTNAME, APP-NAME, PROCID and MSGID as configured, printable ASCII
 *    within RFC 5424's lengths, "-" when empty;
 *  - SD: "-" or one element [SD-ID PARAM="VALUE"...] within max_size / 4
 *    bytes, every '"', '\' and ']' of a value escaped, values valid UTF-8
 *    without control characters;
 *  - MSG: the JSON event, valid, unchanged when it fits, after a BOM
 *    exactly when bom says so;
 *  - the whole record within max_size; a failure appends nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event_json.h"
#include "fuzz.h"
#include "utf8.h"
#include "json.h"
#include "json_check.h"
#include "json_fit.h"
#include "rfc5424.h"

static void check_no_unsafe(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int k = pt_utf8_seq((const unsigned char *)s + i, n - i);

		FZ_ASSERT(k > 0, "invalid UTF-8");
		FZ_ASSERT(!pt_unicode_unsafe(pt_utf8_cp((const unsigned char *)s + i, k)),
			  "unsafe code point left raw in an SD value");
		i += (size_t)k;
	}
}

struct rec {
	const char *p, *end;
};

/* The next header field (up to SP); its length, p moved past the SP. */
static size_t field(struct rec *r, const char **start)
{
	const char *sp = memchr(r->p, ' ', (size_t)(r->end - r->p));

	FZ_ASSERT(sp, "header field without its SP");
	*start = r->p;
	r->p = sp + 1;
	return (size_t)(sp - *start);
}

/* What put_name makes of s: printable ASCII, '_' for the rest, max bytes, "-" if empty. */
static void want_name(const char *s, size_t max, char *out)
{
	size_t i;

	if (!s || !s[0]) {
		strcpy(out, "-");
		return;
	}
	for (i = 0; s[i] && i < max; i++)
		out[i] = (unsigned char)s[i] >= 33 && (unsigned char)s[i] <= 126 ? s[i] : '_';
	out[i] = '\0';
}

static void expect_field(struct rec *r, const char *what, const char *want)
{
	const char *s;
	size_t n = field(r, &s);

	FZ_ASSERT(n == strlen(want) && !memcmp(s, want, n), "%s '%.*s', want '%s'", what, (int)n,
		  s, want);
}

static bool sd_name_char(unsigned char c)
{
	return c >= 33 && c <= 126 && c != '=' && c != ']' && c != '"';
}

/* One SD element at r->p; returns its length. */
static size_t sd_element(struct rec *r, const char *sd_id)
{
	const char *start = r->p, *s;
	char *val = malloc((size_t)(r->end - r->p) + 1);
	size_t n, vn;

	FZ_ASSERT(val, "out of memory");
	FZ_ASSERT(r->p < r->end && *r->p == '[', "SD is neither - nor [");
	r->p++;
	for (s = r->p; r->p < r->end && sd_name_char((unsigned char)*r->p); r->p++)
		;
	n = (size_t)(r->p - s);
	FZ_ASSERT(n == strlen(sd_id) && !memcmp(s, sd_id, n), "SD-ID '%.*s', want '%s'", (int)n, s,
		  sd_id);
	while (r->p < r->end && *r->p == ' ') {
		r->p++;
		for (s = r->p; r->p < r->end && sd_name_char((unsigned char)*r->p); r->p++)
			;
		n = (size_t)(r->p - s);
		FZ_ASSERT(n >= 1 && n <= 32, "PARAM-NAME of %zu bytes", n);
		FZ_ASSERT(r->end - r->p >= 2 && r->p[0] == '=' && r->p[1] == '"',
			  "PARAM-NAME '%.*s' without =\"", (int)n, s);
		r->p += 2;
		vn = 0;
		for (;;) {
			FZ_ASSERT(r->p < r->end, "unterminated PARAM-VALUE");
			if (*r->p == '"')
				break;
			FZ_ASSERT(*r->p != ']', "unescaped ']' in a PARAM-VALUE");
			if (*r->p == '\\') {
				FZ_ASSERT(r->end - r->p >= 2 && strchr("\"\\]", r->p[1]) && r->p[1],
					  "'\\' before '%c' in a PARAM-VALUE", r->p[1]);
				r->p++;
			}
			val[vn++] = *r->p++;
		}
		r->p++;
		FZ_ASSERT(fz_utf8_valid(val, vn), "PARAM-VALUE is not valid UTF-8");
		FZ_ASSERT(!fz_has_ctl(val, vn), "control character in a PARAM-VALUE");
		check_no_unsafe(val, vn);
	}
	FZ_ASSERT(r->p < r->end && *r->p == ']', "SD element not closed");
	r->p++;
	free(val);
	return (size_t)(r->p - start);
}

static bool non_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

static void check_record(const char *s, size_t n, const struct pt_syslog_fmt *f,
			 const struct pt_event *ev, const char *json, size_t jlen, const char *type)
{
	struct rec r = { s, s + n };
	char want[300], ts[40];
	const char *t;
	size_t len, sdlen, budget;
	bool bom;

	FZ_ASSERT(n <= f->max_size, "%zu bytes over max_size %zu", n, f->max_size);
	FZ_ASSERT(!fz_has_ctl(s, n), "control byte in the record");
	FZ_ASSERT(fz_utf8_valid(s, n), "the record is not valid UTF-8");
	snprintf(want, sizeof(want), "<%d>1", f->facility * 8 + f->severity);
	expect_field(&r, "PRI and VERSION", want);
	len = field(&r, &t);
	if (ev) {
		pt_format_timestamp(ev->ts_us, ts, sizeof(ts));
		FZ_ASSERT(len == strlen(ts) && !memcmp(t, ts, len), "TIMESTAMP '%.*s', want '%s'",
			  (int)len, t, ts);
	}
	FZ_ASSERT(len == 27 && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
		  t[16] == ':' && t[19] == '.' && t[26] == 'Z', "TIMESTAMP '%.*s'", (int)len, t);
	want_name(f->hostname, 255, want);
	expect_field(&r, "HOSTNAME", want);
	want_name(f->app_name, 48, want);
	expect_field(&r, "APP-NAME", want);
	if (f->procid)
		snprintf(want, sizeof(want), "%lu", f->procid);
	else
		strcpy(want, "-");
	expect_field(&r, "PROCID", want);
	want_name(ev ? (ev->probe ? ev->probe->name : "") : type, 32, want);
	expect_field(&r, "MSGID", want);

	if (!f->sd_id[0] || (!ev && !type[0])) {
		FZ_ASSERT(r.p < r.end && *r.p == '-', "SD should be -");
		r.p++;
	} else {
		want_name(f->sd_id, 32, want);
		sdlen = sd_element(&r, want);
		FZ_ASSERT(sdlen <= f->max_size / 4, "SD of %zu bytes over %zu", sdlen,
			  f->max_size / 4);
	}
	FZ_ASSERT(r.p < r.end && *r.p == ' ', "no SP before MSG");
	r.p++;
	len = (size_t)(r.end - r.p);
	bom = len >= 3 && !memcmp(r.p, "\xef\xbb\xbf", 3);
	if (bom) {
		r.p += 3;
		len -= 3;
	}
	FZ_ASSERT(json_valid(r.p, len), "MSG is not valid JSON: %.*s", (int)(len > 200 ? 200 : len),
		  r.p);
	if (f->bom == PT_BOM_YES)
		FZ_ASSERT(bom, "bom=yes without a BOM");
	else if (f->bom == PT_BOM_NO)
		FZ_ASSERT(!bom, "bom=no with a BOM");
	else
		FZ_ASSERT(bom == non_ascii(r.p, len), "bom=auto: BOM %d for non-ASCII %d", bom,
			  non_ascii(r.p, len));
	budget = f->max_size - (size_t)(r.p - s) + (bom ? 3 : 0);
	if (jlen <= budget - (f->bom == PT_BOM_NO ? 0 : 3) || !ev)
		FZ_ASSERT(len == jlen && !memcmp(r.p, json, jlen), "a MSG that fits was changed");
}

/* RFC 5424 SD-ID as pidtree.conf allows it: printable, no '=', ']', '"' (or ""). */
static void sd_id_of(struct fz *z, struct fz_arena *a, char *out)
{
	char *s = fz_str(z, a, 40);
	size_t i;

	if (fz_u8(z) % 4 == 0) {
		strcpy(out, fz_bool(z) ? "" : PT_SD_ID_EXAMPLE);
		return;
	}
	for (i = 0; s[i] && i < PT_SD_ID_MAX; i++)
		out[i] = sd_name_char((unsigned char)s[i]) ? s[i] : 'x';
	out[i] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };
	struct fz_arena a = { .n = 0 };
	struct pt_udp_dest dests[16];
	struct pt_syslog_fmt f = { 0 };
	struct pt_event ev, *evp = &ev;
	char sd_id[PT_SD_ID_MAX + 1], type[PT_RECORD_TYPE_MAX + 1] = "";
	struct pt_buf json, b;
	size_t before;
	int err;

	f.facility = (int)fz_range(&z, 0, 23);
	f.severity = (int)fz_range(&z, 0, 7);
	f.hostname = fz_str(&z, &a, 300);
	f.app_name = fz_str(&z, &a, 60);
	sd_id_of(&z, &a, sd_id);
	f.sd_id = sd_id;
	f.procid = fz_bool(&z) ? fz_u32(&z) : 0;
	f.max_size = fz_bool(&z) ? (size_t)fz_range(&z, PT_SYSLOG_MIN_SIZE, 4096) :
				  (size_t)fz_range(&z, PT_SYSLOG_MIN_SIZE, PT_SYSLOG_MAX_SIZE);
	f.bom = (enum pt_bom)fz_range(&z, 0, 2);
	pt_buf_init(&json);
	pt_buf_init(&b);
	if (fz_u8(&z) < 0x20) {
		/* a record that is not an event, as the daemon writes them */
		const char *t = fz_str(&z, &a, 40);
		size_t i;

		evp = NULL;
		PT_JSON_LIT(&json, "{\"type\":");
		pt_json_strz(&json, t);
		PT_JSON_LIT(&json, ",\"lost\":");
		pt_json_u64(&json, fz_u64(&z));
		pt_buf_addc(&json, '}');
		for (i = 0; t[i] && i < PT_RECORD_TYPE_MAX; i++)
			if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') ||
			      t[i] == '_'))
				break;
		if (!t[i] && i)
			snprintf(type, sizeof(type), "%s", t);
	} else {
		fz_event(&z, &a, &ev, dests, 16, true);
		pt_json_event(&json, &ev);
	}
	FZ_ASSERT(!json.oom, "out of memory");
	pt_buf_adds(&b, "<previous record>");
	before = b.len;
	err = pt_syslog_format(&b, &f, evp, json.data, json.len);
	FZ_ASSERT(err == 0 || err == -EMSGSIZE, "pt_syslog_format: %d", err);
	if (err) {
		FZ_ASSERT(b.len == before, "a failed record appended %zu bytes", b.len - before);
		/*
		 * The longest header: "<191>1 ", TIMESTAMP, HOSTNAME 255, APP-NAME
		 * 48, PROCID 10, MSGID 32, SP between them, SD max_size / 4, BOM.
		 */
		size_t hdr_max = 7 + 27 + 1 + 255 + 1 + 48 + 1 + 10 + 1 + 32 + 1 + f.max_size / 4 +
				 1 + 3;

		FZ_ASSERT(json.len + hdr_max > f.max_size,
			  "a %zu-byte JSON refused for max_size %zu", json.len, f.max_size);
	} else {
		FZ_ASSERT(!memcmp(b.data, "<previous record>", before), "earlier bytes changed");
		if (fz_verbose)
			fprintf(stderr, "record: %.*s\n", (int)(b.len - before), b.data + before);
		check_record(b.data + before, b.len - before, &f, evp, json.data, json.len, type);
	}
	pt_buf_free(&json);
	pt_buf_free(&b);
	fz_arena_free(&a);
	return 0;
}

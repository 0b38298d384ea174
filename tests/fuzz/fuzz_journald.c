// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The journald field builder (src/format/journald_fields.c): an event, or
 * a JSON record that is not one, and the [journald] settings from the
 * input.  The fields are what sd_journal_sendv() would get:
 *  - at most PT_JD_MAX_FIELDS, their lengths adding up to the data;
 *  - each "NAME=value" with a name journald accepts (1-64 of [A-Z0-9_],
 *    not starting with a digit or '_': those are journald's own) and a
 *    value of at most field_max bytes;
 *  - MESSAGE, PRIORITY and SYSLOG_IDENTIFIER always, as configured;
 *    MESSAGE one line of valid UTF-8 without control characters;
 *  - for an event: PIDTREE_PROBE and PIDTREE_PID, and the JSON fields
 *    (PIDTREE_EVENT_JSON, PIDTREE_PROCTREE_JSON, PIDTREE_RECORD_JSON)
 *    valid JSON, the event's own JSON unchanged when it fits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "event_json.h"
#include "fuzz.h"
#include "utf8.h"
#include "journald_fields.h"
#include "json.h"
#include "json_check.h"
#include "sinkspec.h"

static void check_no_unsafe(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		int k = pt_utf8_seq((const unsigned char *)s + i, n - i);

		FZ_ASSERT(k > 0, "invalid UTF-8");
		FZ_ASSERT(!pt_unicode_unsafe(pt_utf8_cp((const unsigned char *)s + i, k)),
			  "unsafe code point left raw in MESSAGE");
		i += (size_t)k;
	}
}

static bool name_ok(const char *s, size_t n)
{
	if (!n || n > PT_JD_NAME_MAX || (s[0] >= '0' && s[0] <= '9') || s[0] == '_')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

struct seen {
	bool message, priority, ident, probe, pid, event_json;
};

static void check_field(const char *f, size_t n, const struct pt_journald_opts *o,
			const struct pt_event *ev, const char *json, size_t jlen, struct seen *s)
{
	const char *eq = memchr(f, '=', n), *v;
	size_t nl, vl;
	char tmp[32];

	FZ_ASSERT(eq, "field without '=': %.*s", (int)(n > 80 ? 80 : n), f);
	nl = (size_t)(eq - f);
	v = eq + 1;
	vl = n - nl - 1;
	FZ_ASSERT(name_ok(f, nl), "field name '%.*s' journald refuses", (int)nl, f);
	FZ_ASSERT(vl <= o->field_max, "%.*s: %zu bytes over field_max %zu", (int)nl, f, vl,
		  o->field_max);
#define IS(name) (nl == sizeof(name) - 1 && !memcmp(f, name, nl))
	if (IS("MESSAGE")) {
		FZ_ASSERT(!s->message, "two MESSAGE fields");
		s->message = true;
		FZ_ASSERT(!fz_has_ctl(v, vl), "control character in MESSAGE");
		FZ_ASSERT(fz_utf8_valid(v, vl), "MESSAGE is not valid UTF-8");
		check_no_unsafe(v, vl);
	} else if (IS("PRIORITY")) {
		s->priority = true;
		snprintf(tmp, sizeof(tmp), "%d", o->priority);
		FZ_ASSERT(vl == strlen(tmp) && !memcmp(v, tmp, vl), "PRIORITY=%.*s", (int)vl, v);
	} else if (IS("SYSLOG_IDENTIFIER")) {
		s->ident = true;
		FZ_ASSERT(vl == strlen(o->identifier) && !memcmp(v, o->identifier, vl),
			  "SYSLOG_IDENTIFIER=%.*s", (int)vl, v);
	} else if (IS("PIDTREE_PROBE")) {
		s->probe = true;
	} else if (IS("PIDTREE_PID")) {
		s->pid = true;
		snprintf(tmp, sizeof(tmp), "%u", ev ? ev->pid : 0);
		FZ_ASSERT(vl == strlen(tmp) && !memcmp(v, tmp, vl), "PIDTREE_PID=%.*s", (int)vl, v);
	} else if (IS("PIDTREE_EVENT_JSON") || IS("PIDTREE_RECORD_JSON")) {
		s->event_json = true;
		FZ_ASSERT(json_valid(v, vl), "%.*s is not valid JSON", (int)nl, f);
		if (jlen <= o->field_max)
			FZ_ASSERT(vl == jlen && !memcmp(v, json, jlen), "JSON that fits was changed");
	} else if (IS("PIDTREE_PROCTREE_JSON")) {
		FZ_ASSERT(json_valid(v, vl), "PIDTREE_PROCTREE_JSON is not valid JSON");
	}
#undef IS
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };
	struct fz_arena a = { .n = 0 };
	struct pt_udp_dest dests[64];
	struct pt_journald_opts o;
	struct pt_event ev, *evp = &ev;
	struct pt_jd_fields f;
	struct seen s = { 0 };
	struct pt_buf json;
	const char *id;
	size_t i, off = 0;

	memset(&o, 0, sizeof(o));
	id = fz_str(&z, &a, 64);
	/* identifier= is 1-64 printable ASCII characters (settings.c) */
	for (i = 0; id[i]; i++)
		o.identifier[i] = (unsigned char)id[i] >= 33 && (unsigned char)id[i] <= 126 ? id[i] :
											     'x';
	if (!i)
		strcpy(o.identifier, "pidtree");
	o.priority = (int)fz_range(&z, 0, 7);
	o.field_max = fz_bool(&z) ? (size_t)fz_range(&z, 1024, 4096) :
				   (size_t)fz_range(&z, 1024, 1u << 24);
	o.event_json = fz_bool(&z); /* PIDTREE_EVENT_JSON both ways */
	pt_buf_init(&json);
	if (fz_u8(&z) < 0x20) {
		evp = NULL;
		PT_JSON_LIT(&json, "{\"type\":");
		pt_json_strz(&json, fz_str(&z, &a, 40));
		PT_JSON_LIT(&json, ",\"text\":");
		pt_json_strz(&json, fz_str(&z, &a, 4096));
		pt_buf_addc(&json, '}');
	} else {
		fz_event(&z, &a, &ev, dests, 64, false);
		pt_json_event(&json, &ev);
	}
	FZ_ASSERT(!json.oom, "out of memory");

	pt_jd_fields_init(&f, &o);
	/* twice: the second build must replace what the first left */
	for (int round = 0; round < 2; round++) {
		FZ_ASSERT(pt_jd_fields_build(&f, evp, json.data, json.len), "out of memory");
		FZ_ASSERT(f.n <= PT_JD_MAX_FIELDS, "%zu fields", f.n);
		FZ_ASSERT(!f.overflow || f.n == PT_JD_MAX_FIELDS, "overflow with %zu fields", f.n);
		memset(&s, 0, sizeof(s));
		off = 0;
		for (i = 0; i < f.n; i++) {
			FZ_ASSERT(off + f.lens[i] <= f.data.len, "field %zu past the data", i);
			if (fz_verbose && !round)
				fprintf(stderr, "field: %.*s\n", (int)f.lens[i], f.data.data + off);
			check_field(f.data.data + off, f.lens[i], &o, evp, json.data, json.len, &s);
			off += f.lens[i];
		}
		FZ_ASSERT(off == f.data.len, "%zu bytes of fields, %zu of data", off, f.data.len);
		FZ_ASSERT(s.message && s.priority && s.ident, "MESSAGE, PRIORITY or SYSLOG_IDENTIFIER missing");
		if (evp) {
			FZ_ASSERT(s.probe && s.pid, "PIDTREE_PROBE or PIDTREE_PID missing");
			FZ_ASSERT(!s.event_json || o.event_json, "PIDTREE_EVENT_JSON with event_json = no");
		}
		else if (json.len <= o.field_max)
			FZ_ASSERT(s.event_json, "PIDTREE_RECORD_JSON missing");
	}
	pt_jd_fields_free(&f);
	pt_buf_free(&json);
	fz_arena_free(&a);
	return 0;
}

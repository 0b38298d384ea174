// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RFC 5424 records: the part of the syslog output that does no I/O, so
 * the unit tests can check it byte for byte.
 *
 * Record: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG
 *  - header fields: printable US-ASCII (33-126, others become '_'), cut to
 *    RFC 5424's lengths (255/48/128/32), "-" (NILVALUE) when empty;
 *  - TIMESTAMP: the event time, UTC, microseconds (RFC 3339);
 *  - SD: [SD-ID probe="" pid="" user="" daddr="" daddr_name="" saddr=""
 *    saddr_name="" laddr="" port="" sport="" protocol="" container_id=""
 *    container_name="" container_image="" container_runtime="" pod=""
 *    pod_namespace="" error="" <plugin fields> cmdline=""] (the names, dns,
 *    when known; container_*: a process in a container, the id always, the
 *    others when known; pod*: Kubernetes); PARAM-VALUEs escaped
 *    ('"', '\', ']'), valid UTF-8 without control characters, values cut at
 *    PT_SD_VALUE_MAX (cmdline: PT_SD_CMDLINE_MAX) input bytes + "...";
 *  - MSG: the JSON event, optionally after a UTF-8 BOM.
 */
#include "rfc5424.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "event_json.h"
#include "json.h"
#include "json_fit.h"
#include "text.h"
#include "util.h"

#define SD_NAME_MAX 32

/* ---- header ------------------------------------------------------------------ */

/* PRINTUSASCII, at most max characters, NILVALUE when empty. */
static void put_name(struct pt_buf *b, const char *s, size_t max)
{
	size_t i;

	if (!s || !s[0]) {
		pt_buf_addc(b, '-');
		return;
	}
	for (i = 0; s[i] && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		pt_buf_addc(b, c >= 33 && c <= 126 ? (char)c : '_');
	}
}

static void put_hdr(struct pt_buf *b, const char *s, size_t max)
{
	pt_buf_addc(b, ' ');
	put_name(b, s, max);
}

/* ---- structured data ----------------------------------------------------------- */

struct sd {
	struct pt_buf *b;
	size_t budget; /* the SD element may not exceed this many bytes */
	size_t start;
};

/*
 * Append one PARAM (name="value") if the element still fits its budget,
 * cutting the value further (halving, down to 16 input bytes) if need be;
 * a parameter that does not fit even so is left out.
 */
static void sd_param(struct sd *sd, const char *name, const char *v, size_t n, size_t max)
{
	size_t before = sd->b->len;

	for (;;) {
		pt_buf_addc(sd->b, ' ');
		pt_buf_adds(sd->b, name);
		pt_buf_add(sd->b, "=\"", 2);
		pt_text_append(sd->b, v, n, max, PT_TEXT_SD);
		pt_buf_addc(sd->b, '"');
		if (sd->b->len - sd->start + 1 <= sd->budget) /* + the closing ']' */
			return;
		sd->b->len = before;
		if (max > n)
			max = n;
		if (max <= 16)
			return;
		max /= 2;
	}
}

static void sd_str(struct sd *sd, const char *name, const char *v)
{
	sd_param(sd, name, v, strlen(v), PT_SD_VALUE_MAX);
}

static void sd_num(struct sd *sd, const char *name, long long v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%lld", v);
	sd_str(sd, name, tmp);
}

/* Our own PARAM-NAMEs: a plugin field with one of these names stays in MSG only. */
static bool own_param(const char *key)
{
	static const char *const own[] = { "probe", "pid", "user", "daddr", "saddr", "laddr",
					   "port", "sport", "protocol", "error", "cmdline",
					   /* containers */
					   "container_id", "container_name", "container_image",
					   "container_runtime", "pod", "pod_namespace",
					   "daddr_name", "saddr_name" /* dns */ };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(own); i++)
		if (!strcmp(key, own[i]))
			return true;
	return false;
}

/* ---- containers ---- */
static void sd_str_set(struct sd *sd, const char *name, const char *v)
{
	if (v && v[0])
		sd_str(sd, name, v);
}

static void sd_container(struct sd *sd, const struct pt_event_container *c)
{
	sd_str(sd, "container_id", c->id);
	sd_str_set(sd, "container_name", c->name);
	sd_str_set(sd, "container_image", c->image);
	sd_str_set(sd, "container_runtime", c->runtime);
	sd_str_set(sd, "pod", c->pod);
	sd_str_set(sd, "pod_namespace", c->pod_namespace);
}
/* ---- end containers ---- */

static void put_sd(struct pt_buf *b, const struct pt_syslog_fmt *f, const struct pt_event *ev,
		   const char *type)
{
	struct sd sd = { .b = b, .budget = f->max_size / 4 };
	const struct pt_event_proc *leaf;
	size_t i, nfields;

	pt_buf_addc(b, ' ');
	if (!f->sd_id || !f->sd_id[0] || (!ev && !type[0])) {
		pt_buf_addc(b, '-');
		return;
	}
	sd.start = b->len;
	pt_buf_addc(b, '[');
	put_name(b, f->sd_id, SD_NAME_MAX);
	if (!ev) { /* a record that is not an event: its type */
		sd_str(&sd, "type", type);
		pt_buf_addc(b, ']');
		return;
	}
	leaf = ev->nproc ? &ev->proctree[0] : NULL;
	sd_str(&sd, "probe", ev->probe ? ev->probe->name : "");
	sd_num(&sd, "pid", ev->pid);
	if (leaf)
		sd_str(&sd, "user", leaf->username);
	if (ev->daddr[0]) {
		sd_str(&sd, "daddr", ev->daddr);
		if (ev->peer_name.name && ev->probe && ev->probe->shape == PT_SHAPE_CONNECT)
			sd_str(&sd, "daddr_name", ev->peer_name.name); /* dns */
		if (ev->saddr[0])
			sd_str(&sd, "saddr", ev->saddr);
		if (ev->peer_name.name && ev->probe && ev->probe->shape == PT_SHAPE_ACCEPT)
			sd_str(&sd, "saddr_name", ev->peer_name.name); /* dns */
	}
	if (ev->laddr[0])
		sd_str(&sd, "laddr", ev->laddr);
	if (ev->daddr[0] || ev->laddr[0] || ev->has_port)
		sd_num(&sd, "port", ev->port);
	if (ev->probe && ev->probe->shape == PT_SHAPE_ACCEPT)
		sd_num(&sd, "sport", ev->sport);
	for (i = 0; ev->dests && i < ev->ndests && i < 8; i++) {
		sd_str(&sd, "daddr", ev->dests[i].daddr);
		if (ev->dests[i].name.name)
			sd_str(&sd, "daddr_name", ev->dests[i].name.name); /* dns */
		sd_num(&sd, "port", ev->dests[i].port);
	}
	if (ev->protocol)
		sd_str(&sd, "protocol", ev->protocol);
	if (ev->container) /* containers */
		sd_container(&sd, ev->container);
	if (ev->error[0])
		sd_param(&sd, "error", ev->error, strnlen(ev->error, sizeof(ev->error)),
			 PT_SD_VALUE_MAX);
	nfields = ev->nfields < PT_EVENT_MAX_FIELDS ? ev->nfields : PT_EVENT_MAX_FIELDS;
	for (i = 0; i < nfields; i++) {
		const struct pt_event_field *fl = &ev->fields[i];

		/* keys are [a-z0-9_]+ (event.c); longer than a PARAM-NAME: MSG only */
		if (strlen(fl->key) > SD_NAME_MAX || own_param(fl->key))
			continue;
		if (fl->type == PT_FIELD_STR)
			sd_str(&sd, fl->key, fl->str ? fl->str : "");
		else if (fl->type == PT_FIELD_BOOL)
			sd_str(&sd, fl->key, fl->num ? "true" : "false");
		else
			sd_num(&sd, fl->key, fl->num);
	}
	if (leaf)
		sd_param(&sd, "cmdline", leaf->cmdline, strlen(leaf->cmdline), PT_SD_CMDLINE_MAX);
	pt_buf_addc(b, ']');
}

static bool has_non_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

int pt_syslog_format(struct pt_buf *b, const struct pt_syslog_fmt *f,
		     const struct pt_event *ev, const char *json, size_t len)
{
	size_t start = b->len, hdr, budget, msg;
	char ts[40], procid[24] = "", type[PT_RECORD_TYPE_MAX + 1] = "";
	bool bom = false;
	int err;

	if (ev) {
		pt_format_timestamp(ev->ts_us, ts, sizeof(ts));
	} else {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		pt_format_timestamp((uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000,
				    ts, sizeof(ts));
		pt_json_record_type(json, len, type, sizeof(type));
	}
	if (f->procid)
		snprintf(procid, sizeof(procid), "%lu", f->procid);
	pt_buf_printf(b, "<%d>1 %s", f->facility * 8 + f->severity, ts);
	put_hdr(b, f->hostname, 255);
	put_hdr(b, f->app_name, 48);
	put_hdr(b, procid, 128);
	put_hdr(b, ev ? (ev->probe ? ev->probe->name : "") : type, 32);
	put_sd(b, f, ev, type);
	pt_buf_addc(b, ' ');
	if (b->oom) {
		err = -ENOMEM;
		goto fail;
	}
	hdr = b->len - start;
	/* room for the MSG, and for a BOM unless it is never written */
	budget = f->max_size > hdr + 3 ? f->max_size - hdr - 3 : 0;
	if (f->bom == PT_BOM_NO && f->max_size > hdr)
		budget = f->max_size - hdr;
	if (f->bom == PT_BOM_YES || (f->bom == PT_BOM_AUTO && has_non_ascii(json, len))) {
		pt_buf_add(b, "\xef\xbb\xbf", 3);
		bom = true;
	}
	msg = b->len;
	if (len <= budget) {
		pt_buf_add(b, json, len);
	} else if (!ev) {
		err = -EMSGSIZE; /* not an event: nothing to shorten */
		goto fail;
	} else {
		err = pt_json_fit(b, ev, budget, pt_json_event);
		if (err)
			goto fail;
		/* the refitted JSON may have lost its only non-ASCII bytes */
		if (f->bom == PT_BOM_AUTO && bom && !has_non_ascii(b->data + msg, b->len - msg)) {
			memmove(b->data + msg - 3, b->data + msg, b->len - msg);
			b->len -= 3;
		}
	}
	if (b->oom) {
		err = -ENOMEM;
		goto fail;
	}
	return 0;
fail:
	b->len = start;
	return err;
}


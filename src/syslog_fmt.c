// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * RFC 5424 records, syslog targets and sink specifications: the parts of the
 * sinks that do no I/O, shared by the daemon, the settings parser and the
 * unit tests.
 *
 * Record: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG
 *  - header fields: printable US-ASCII (33-126, others become '_'), cut to
 *    RFC 5424's lengths (255/48/128/32), "-" (NILVALUE) when empty;
 *  - TIMESTAMP: the event time, UTC, microseconds (RFC 3339);
 *  - SD: [SD-ID probe="" pid="" user="" daddr="" saddr="" laddr="" port=""
 *    protocol="" error="" <plugin fields> cmdline=""]; PARAM-VALUEs escaped
 *    ('"', '\', ']'), valid UTF-8 without control characters, values cut at
 *    PT_SD_VALUE_MAX (cmdline: PT_SD_CMDLINE_MAX) input bytes + "...";
 *  - MSG: the JSON event, optionally after a UTF-8 BOM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sink_fmt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SD_NAME_MAX 32

static const char *const facilities[24] = {
	"kern",	  "user",   "mail",   "daemon", "auth",	  "syslog", "lpr",    "news",
	"uucp",	  "cron",   "authpriv", "ftp",  "ntp",	  "security", "console", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static const char *const severities[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static int name_or_number(const char *name, const char *const *names, int n)
{
	char *end;
	long v;
	int i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(name, names[i]))
			return i;
	if (n == 8) { /* common aliases of syslog(3) */
		if (!strcasecmp(name, "error"))
			return 3;
		if (!strcasecmp(name, "warn"))
			return 4;
		if (!strcasecmp(name, "emergency"))
			return 0;
		if (!strcasecmp(name, "critical"))
			return 2;
	}
	if (name[0] < '0' || name[0] > '9')
		return -1;
	v = strtol(name, &end, 10);
	if (*end || v < 0 || v >= n)
		return -1;
	return (int)v;
}

int pt_syslog_facility(const char *name)
{
	return name_or_number(name, facilities, 24);
}

int pt_syslog_severity(const char *name)
{
	return name_or_number(name, severities, 8);
}

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
					   "port", "protocol", "error", "cmdline" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(own); i++)
		if (!strcmp(key, own[i]))
			return true;
	return false;
}

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
	sd_str(&sd, "probe", ev->probe ? ev->probe : "");
	sd_num(&sd, "pid", ev->pid);
	if (leaf)
		sd_str(&sd, "user", leaf->username);
	if (ev->daddr[0]) {
		sd_str(&sd, "daddr", ev->daddr);
		if (ev->saddr[0])
			sd_str(&sd, "saddr", ev->saddr);
	}
	if (ev->laddr[0])
		sd_str(&sd, "laddr", ev->laddr);
	if (ev->daddr[0] || ev->laddr[0] || ev->has_port)
		sd_num(&sd, "port", ev->port);
	for (i = 0; ev->dests && i < ev->ndests && i < 8; i++) {
		sd_str(&sd, "daddr", ev->dests[i].daddr);
		sd_num(&sd, "port", ev->dests[i].port);
	}
	if (ev->protocol)
		sd_str(&sd, "protocol", ev->protocol);
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
	put_hdr(b, ev ? ev->probe : type, 32);
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

/* ---- targets and sink specifications ------------------------------------------ */

static int parse_port(const char *s, char *out, size_t outlen)
{
	char *end;
	long v;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -EINVAL;
	snprintf(out, outlen, "%ld", v);
	return 0;
}

int pt_syslog_target_parse(const char *s, struct pt_syslog_target *t, const char **why)
{
	const char *hp, *colon;
	size_t hl;

	memset(t, 0, sizeof(*t));
	*why = "expected unix:PATH, udp://HOST:PORT or tcp://HOST:PORT";
	if (!strncmp(s, "unix:", 5)) {
		t->transport = PT_SYSLOG_UNIX;
		if (!s[5] || s[5] != '/') {
			*why = "unix: needs an absolute socket path";
			return -EINVAL;
		}
		if (strlen(s + 5) >= sizeof(t->path)) {
			*why = "socket path too long (at most 107 bytes)";
			return -EINVAL;
		}
		strcpy(t->path, s + 5);
		return 0;
	}
	if (!strncmp(s, "udp://", 6))
		t->transport = PT_SYSLOG_UDP;
	else if (!strncmp(s, "tcp://", 6))
		t->transport = PT_SYSLOG_TCP;
	else
		return -EINVAL;
	hp = s + 6;
	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		if (!close || close[1] != ':') {
			*why = "IPv6 address needs the form [ADDR]:PORT";
			return -EINVAL;
		}
		hl = (size_t)(close - hp - 1);
		hp++;
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (!colon) {
			*why = "missing :PORT";
			return -EINVAL;
		}
		hl = (size_t)(colon - hp);
		if (memchr(hp, ':', hl)) {
			*why = "IPv6 address needs the form [ADDR]:PORT";
			return -EINVAL;
		}
	}
	if (!hl || hl >= sizeof(t->host) || memchr(hp, '/', hl) || memchr(hp, ' ', hl)) {
		*why = "bad host";
		return -EINVAL;
	}
	memcpy(t->host, hp, hl);
	t->host[hl] = '\0';
	if (parse_port(colon + 1, t->port, sizeof(t->port))) {
		*why = "port must be a number in 1-65535";
		return -EINVAL;
	}
	return 0;
}

int pt_sink_spec_check(const char *spec, char *err, size_t errlen)
{
	struct pt_syslog_target t;
	const char *why;

	if (!strcmp(spec, "json") || !strcmp(spec, "journald") || !strcmp(spec, "syslog"))
		return 0;
	if (!strncmp(spec, "json:", 5)) {
		if (spec[5])
			return 0;
		snprintf(err, errlen, "json: needs a file name (json:PATH, json:- for stdout)");
		return -EINVAL;
	}
	if (!strncmp(spec, "syslog:", 7)) {
		if (pt_syslog_target_parse(spec + 7, &t, &why) == 0)
			return 0;
		snprintf(err, errlen, "'%s': %s", spec, why);
		return -EINVAL;
	}
	snprintf(err, errlen,
		 "unknown output '%s' (expected json, json:PATH, journald, syslog, "
		 "syslog:unix:PATH, syslog:udp://HOST:PORT or syslog:tcp://HOST:PORT)", spec);
	return -EINVAL;
}

void pt_sink_opts_init(struct pt_sink_opts *o)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->journald.identifier, "pidtree");
	o->journald.priority = 6;
	o->journald.field_max = 64 * 1024;
	o->journald.queue_len = 4096;
	strcpy(o->syslog.target, "unix:/dev/log");
	o->syslog.facility = 10; /* authpriv: cmdlines may hold secrets */
	o->syslog.severity = 6;
	strcpy(o->syslog.sd_id, PT_SD_ID_EXAMPLE);
	strcpy(o->syslog.app_name, "pidtree");
	o->syslog.max_size = PT_SYSLOG_DEFAULT_SIZE;
	o->syslog.bom = PT_BOM_AUTO;
	o->syslog.queue_len = 4096;
}

static bool journald_same(const struct pt_journald_opts *a, const struct pt_journald_opts *b)
{
	return !strcmp(a->identifier, b->identifier) && a->priority == b->priority &&
	       a->field_max == b->field_max && a->queue_len == b->queue_len;
}

static bool syslog_same(const struct pt_syslog_opts *a, const struct pt_syslog_opts *b,
			bool target)
{
	return (!target || !strcmp(a->target, b->target)) && a->facility == b->facility &&
	       a->severity == b->severity && !strcmp(a->sd_id, b->sd_id) &&
	       !strcmp(a->app_name, b->app_name) && !strcmp(a->hostname, b->hostname) &&
	       a->max_size == b->max_size && a->bom == b->bom && a->queue_len == b->queue_len;
}

bool pt_sink_same(const char *spec, const struct pt_sink_opts *a, const struct pt_sink_opts *b)
{
	if (!strcmp(spec, "json"))
		return !strcmp(a->json_path, b->json_path);
	if (!strncmp(spec, "json:", 5))
		return true;
	if (!strcmp(spec, "journald"))
		return journald_same(&a->journald, &b->journald);
	return syslog_same(&a->syslog, &b->syslog, !strcmp(spec, "syslog"));
}

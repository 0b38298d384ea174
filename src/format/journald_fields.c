// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The journal fields of an event (see journald_fields.h).
 *
 * Fields (names fixed, or built from plugin keys sanitised to [A-Z0-9_];
 * never taken from event data):
 *   MESSAGE              one-line summary (pt_event_summary, as the text
 *                        output's lines; control bytes escaped)
 *   MESSAGE_ID           fixed per probe (conf/pidtree.catalog explains each)
 *   PRIORITY, SYSLOG_IDENTIFIER   [journald] priority= / identifier=
 *   PIDTREE_PROBE PIDTREE_TIMESTAMP PIDTREE_PID PIDTREE_UID PIDTREE_USERNAME
 *   PIDTREE_CMDLINE      the process's own cmdline, bytes as they are
 *   PIDTREE_DADDR PIDTREE_SADDR PIDTREE_LADDR PIDTREE_PORT PIDTREE_PROTOCOL
 *                        (udp_session: one PIDTREE_DADDR, PIDTREE_PORT,
 *                        PIDTREE_DURATION (seconds) and PIDTREE_MSG_COUNT
 *                        value per destination, in the same order, so that
 *                        the entry says all the event does without
 *                        PIDTREE_EVENT_JSON;
 *                        tcp_accept: PIDTREE_SADDR and PIDTREE_SPORT are the
 *                        remote peer, PIDTREE_DADDR and PIDTREE_PORT local)
 *   PIDTREE_SPORT        tcp_accept
 *   PIDTREE_CONTAINER_ID PIDTREE_CONTAINER_NAME PIDTREE_CONTAINER_IMAGE
 *   PIDTREE_CONTAINER_RUNTIME PIDTREE_POD PIDTREE_POD_NAMESPACE
 *                        a process in a container (the ID always, the
 *                        others when known; the pod's for Kubernetes)
 *   PIDTREE_DADDR_NAME PIDTREE_DADDR_CNAMES   dns: the name of PIDTREE_DADDR
 *                        and its CNAME chain (space-separated), when known
 *                        (udp_session: one per named destination);
 *                        tcp_accept: PIDTREE_SADDR_NAME PIDTREE_SADDR_CNAMES
 *   PIDTREE_ERROR        when the event has an error
 *   PIDTREE_<KEY>        plugin fields (PIDTREE_FIELD_<KEY> if KEY is one of
 *                        the names above)
 *   PIDTREE_PROCTREE_JSON  the ancestry as JSON
 *   PIDTREE_EVENT_JSON   the whole JSON event, with [journald] event_json = yes
 * A JSON record that is not an event (e.g. lost_event_telemetry) gives
 * MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, PIDTREE_RECORD_TYPE and
 * PIDTREE_RECORD_JSON.
 *
 * Every value is at most [journald] field_max bytes: strings are cut at a
 * UTF-8 boundary and end with "...", the JSON fields are re-serialised with
 * shortened cmdlines (pt_json_fit) so they stay valid JSON.
 */
#include "journald_fields.h"

#include <stdio.h>
#include <string.h>

#include "event_json.h"
#include "json.h"
#include "json_fit.h"
#include "summary.h"
#include "text.h"
#include "utf8.h"
#include "util.h"


static const char *const own_names[] = {
	"PROBE", "TIMESTAMP", "PID",   "UID",	   "USERNAME",	    "CMDLINE",	  "DADDR",
	"SADDR", "LADDR",     "PORT",  "PROTOCOL", "ERROR",	    "PROCTREE_JSON", "EVENT_JSON",
	"SPORT", "DURATION", "MSG_COUNT",
	"CONTAINER_ID", "CONTAINER_NAME", "CONTAINER_IMAGE", "CONTAINER_RUNTIME", "POD",
	"POD_NAMESPACE", /* containers */
	"DADDR_NAME", "DADDR_CNAMES", "SADDR_NAME", "SADDR_CNAMES", /* dns */
};


static void field(struct pt_jd_fields *s, const char *name, const char *v, size_t n, size_t max)
{
	size_t before = s->data.len, k = n;
	bool cut = false;

	if (s->n == PT_JD_MAX_FIELDS) {
		s->overflow = true;
		return;
	}
	if (n > max) {
		k = pt_utf8_cut(v, n, max - strlen(PT_CUT_MARKER));
		cut = true;
	}
	pt_buf_adds(&s->data, name);
	pt_buf_addc(&s->data, '=');
	pt_buf_add(&s->data, v, k);
	if (cut)
		pt_buf_adds(&s->data, PT_CUT_MARKER);
	s->lens[s->n++] = (uint32_t)(s->data.len - before);
}

static void fieldz(struct pt_jd_fields *s, const char *name, const char *v)
{
	field(s, name, v, strlen(v), s->o->field_max);
}

static void fieldu(struct pt_jd_fields *s, const char *name, long long v)
{
	char tmp[21];
	size_t n = 0;

	if (v < 0)
		tmp[n++] = '-';
	n += pt_fmt_u64(tmp + n, v < 0 ? -(unsigned long long)v : (unsigned long long)v);
	field(s, name, tmp, n, s->o->field_max);
}

/* dns: PIDTREE_<ADDR>_NAME and PIDTREE_<ADDR>_CNAMES (the chain, space-separated) */
static void name_fields(struct pt_jd_fields *s, const char *addr, const struct pt_event_name *n)
{
	size_t i, nc = n->ncnames < PT_EVENT_CNAMES_MAX ? n->ncnames : PT_EVENT_CNAMES_MAX;
	char fname[32];

	if (!n->name)
		return;
	snprintf(fname, sizeof(fname), "PIDTREE_%s_NAME", addr);
	fieldz(s, fname, n->name);
	if (!nc)
		return;
	pt_buf_reset(&s->tmp);
	for (i = 0; i < nc; i++) {
		if (i)
			pt_buf_addc(&s->tmp, ' ');
		pt_buf_adds(&s->tmp, n->cnames[i] ? n->cnames[i] : "");
	}
	snprintf(fname, sizeof(fname), "PIDTREE_%s_CNAMES", addr);
	field(s, fname, s->tmp.data ? s->tmp.data : "", s->tmp.len, s->o->field_max);
}

/* PIDTREE_<KEY>: upper case, anything outside [A-Z0-9_] as '_', <= 64 bytes. */
static void plugin_name(const char *key, char *out)
{
	char up[PT_JD_NAME_MAX + 1];
	const char *prefix;
	size_t i, n;

	for (i = 0; key[i] && i < PT_JD_NAME_MAX; i++) {
		char c = key[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		up[i] = c;
	}
	up[i] = '\0';
	for (i = 0; i < ARRAY_SIZE(own_names); i++)
		if (!strcmp(up, own_names[i]))
			break;
	/* journald field names are at most 64 characters: cut the end off */
	prefix = i < ARRAY_SIZE(own_names) ? "PIDTREE_FIELD_" : "PIDTREE_";
	n = strlen(prefix);
	memcpy(out, prefix, n);
	i = strlen(up);
	if (n + i > PT_JD_NAME_MAX)
		i = PT_JD_NAME_MAX - n;
	memcpy(out + n, up, i);
	out[n + i] = '\0';
}

static void json_field(struct pt_jd_fields *s, const char *name, const struct pt_event *ev,
		       const char *json, size_t len, pt_json_ser ser)
{
	size_t max = s->o->field_max;

	if (json && len <= max) {
		field(s, name, json, len, len);
		return;
	}
	pt_buf_reset(&s->tmp);
	if (pt_json_fit(&s->tmp, ev, max, ser) == 0 && !s->tmp.oom)
		field(s, name, s->tmp.data, s->tmp.len, s->tmp.len);
}

/* ---- containers ---- */
static void fieldz_set(struct pt_jd_fields *s, const char *name, const char *v)
{
	if (v && v[0])
		fieldz(s, name, v);
}

static void container_fields(struct pt_jd_fields *s, const struct pt_event_container *c)
{
	fieldz(s, "PIDTREE_CONTAINER_ID", c->id);
	fieldz_set(s, "PIDTREE_CONTAINER_NAME", c->name);
	fieldz_set(s, "PIDTREE_CONTAINER_IMAGE", c->image);
	fieldz_set(s, "PIDTREE_CONTAINER_RUNTIME", c->runtime);
	fieldz_set(s, "PIDTREE_POD", c->pod);
	fieldz_set(s, "PIDTREE_POD_NAMESPACE", c->pod_namespace);
}
/* ---- end containers ---- */

/* A JSON record that is not an event (ev NULL), e.g. lost_event_telemetry. */
static void build_record(struct pt_jd_fields *s, const char *json, size_t len)
{
	char type[PT_RECORD_TYPE_MAX + 1];

	pt_json_record_type(json, len, type, sizeof(type));
	pt_buf_reset(&s->tmp);
	pt_buf_printf(&s->tmp, "pidtree %s: ", type[0] ? type : "record");
	pt_text_append(&s->tmp, json, len, 1024, PT_TEXT_HUMAN);
	field(s, "MESSAGE", s->tmp.data, s->tmp.len, s->o->field_max);
	fieldu(s, "PRIORITY", s->o->priority);
	fieldz(s, "SYSLOG_IDENTIFIER", s->o->identifier);
	if (type[0])
		fieldz(s, "PIDTREE_RECORD_TYPE", type);
	if (len <= s->o->field_max) /* JSON cannot be cut */
		field(s, "PIDTREE_RECORD_JSON", json, len, len);
}

static void build(struct pt_jd_fields *s, const struct pt_event *ev, const char *json, size_t len)
{
	const struct pt_event_proc *leaf = ev->nproc ? &ev->proctree[0] : NULL;
	char name[PT_JD_NAME_MAX + 1], ts[40];
	size_t i, nfields;

	pt_buf_reset(&s->tmp);
	pt_event_summary(&s->tmp, ev, &(struct pt_summary_opts){ .width = PT_SUMMARY_JOURNAL_WIDTH });
	field(s, "MESSAGE", s->tmp.data ? s->tmp.data : "", s->tmp.len, s->o->field_max);
	if (ev->probe && ev->probe->message_id)
		fieldz(s, "MESSAGE_ID", ev->probe->message_id);
	fieldu(s, "PRIORITY", s->o->priority);
	fieldz(s, "SYSLOG_IDENTIFIER", s->o->identifier);
	fieldz(s, "PIDTREE_PROBE", ev->probe ? ev->probe->name : "");
	pt_format_timestamp(ev->ts_us, ts, sizeof(ts));
	fieldz(s, "PIDTREE_TIMESTAMP", ts);
	fieldu(s, "PIDTREE_PID", ev->pid);
	if (leaf) {
		fieldu(s, "PIDTREE_UID", leaf->uid);
		fieldz(s, "PIDTREE_USERNAME", leaf->username);
		fieldz(s, "PIDTREE_CMDLINE", leaf->cmdline);
	}
	if (ev->daddr[0]) {
		fieldz(s, "PIDTREE_DADDR", ev->daddr);
		if (ev->saddr[0])
			fieldz(s, "PIDTREE_SADDR", ev->saddr);
	}
	if (ev->probe && ev->probe->shape == PT_SHAPE_CONNECT)
		name_fields(s, "DADDR", &ev->peer_name);
	else if (ev->probe && ev->probe->shape == PT_SHAPE_ACCEPT)
		name_fields(s, "SADDR", &ev->peer_name);
	if (ev->laddr[0])
		fieldz(s, "PIDTREE_LADDR", ev->laddr);
	if (ev->daddr[0] || ev->laddr[0] || ev->has_port)
		fieldu(s, "PIDTREE_PORT", ev->port);
	if (ev->probe && ev->probe->shape == PT_SHAPE_ACCEPT)
		fieldu(s, "PIDTREE_SPORT", ev->sport);
	for (i = 0; ev->dests && i < ev->ndests; i++) {
		fieldz(s, "PIDTREE_DADDR", ev->dests[i].daddr);
		fieldu(s, "PIDTREE_PORT", ev->dests[i].port);
		pt_buf_reset(&s->tmp);
		pt_json_seconds(&s->tmp, ev->dests[i].duration); /* as the JSON event has it */
		field(s, "PIDTREE_DURATION", s->tmp.data ? s->tmp.data : "0", s->tmp.len,
		      s->o->field_max);
		fieldu(s, "PIDTREE_MSG_COUNT", (long long)ev->dests[i].msg_count);
		name_fields(s, "DADDR", &ev->dests[i].name);
	}
	if (ev->protocol)
		fieldz(s, "PIDTREE_PROTOCOL", ev->protocol);
	if (ev->container) /* containers */
		container_fields(s, ev->container);
	if (ev->error[0])
		field(s, "PIDTREE_ERROR", ev->error, strnlen(ev->error, sizeof(ev->error)),
		      s->o->field_max);
	nfields = ev->nfields < PT_EVENT_MAX_FIELDS ? ev->nfields : PT_EVENT_MAX_FIELDS;
	for (i = 0; i < nfields; i++) {
		const struct pt_event_field *f = &ev->fields[i];

		plugin_name(f->key, name);
		if (f->type == PT_FIELD_STR)
			fieldz(s, name, f->str ? f->str : "");
		else if (f->type == PT_FIELD_BOOL)
			fieldz(s, name, f->num ? "true" : "false");
		else
			fieldu(s, name, f->num);
	}
	json_field(s, "PIDTREE_PROCTREE_JSON", ev, NULL, 0, pt_json_proctree);
	/*
	 * The whole event again: only on request ([journald] event_json).
	 * It repeats every field above and, with its own timestamp, is a new
	 * object for journald to hash, compress and store on every entry: it
	 * doubled journald's cost per entry (bench/outputs.sh).
	 */
	if (s->o->event_json)
		json_field(s, "PIDTREE_EVENT_JSON", ev, json, len, pt_json_event);
}

void pt_jd_fields_init(struct pt_jd_fields *f, const struct pt_journald_opts *o)
{
	memset(f, 0, sizeof(*f));
	f->o = o;
	pt_buf_init(&f->data);
	pt_buf_init(&f->tmp);
}

void pt_jd_fields_free(struct pt_jd_fields *f)
{
	pt_buf_free(&f->data);
	pt_buf_free(&f->tmp);
}

bool pt_jd_fields_build(struct pt_jd_fields *f, const struct pt_event *ev, const char *json,
			size_t len)
{
	pt_buf_reset(&f->data);
	f->n = 0;
	f->overflow = false;
	if (ev)
		build(f, ev, json, len);
	else
		build_record(f, json, len);
	return !f->data.oom && !f->tmp.oom;
}

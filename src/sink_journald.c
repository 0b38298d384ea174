// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * journald sink: one journal entry per event with sd_journal_sendv().
 *
 * Fields (names fixed, or built from plugin keys sanitised to [A-Z0-9_];
 * never taken from event data):
 *   MESSAGE              one-line summary (pt_event_summary, control bytes escaped)
 *   MESSAGE_ID           fixed per probe (conf/pidtree.catalog explains each)
 *   PRIORITY, SYSLOG_IDENTIFIER   [journald] priority= / identifier=
 *   PIDTREE_PROBE PIDTREE_TIMESTAMP PIDTREE_PID PIDTREE_UID PIDTREE_USERNAME
 *   PIDTREE_CMDLINE      the process's own cmdline, bytes as they are
 *   PIDTREE_DADDR PIDTREE_SADDR PIDTREE_LADDR PIDTREE_PORT PIDTREE_PROTOCOL
 *                        (udp_session: one PIDTREE_DADDR and PIDTREE_PORT
 *                        value per destination, in the same order)
 *   PIDTREE_ERROR        when the event has an error
 *   PIDTREE_<KEY>        plugin fields (PIDTREE_FIELD_<KEY> if KEY is one of
 *                        the names above)
 *   PIDTREE_PROCTREE_JSON, PIDTREE_EVENT_JSON
 * A JSON record that is not an event (e.g. lost_event_telemetry) gives
 * MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, PIDTREE_RECORD_TYPE and
 * PIDTREE_RECORD_JSON.
 *
 * Values are passed as iovecs; sd_journal_sendv() sends any value holding a
 * newline in journald's binary-safe form (name, 64-bit length, bytes), so no
 * value can start a field of its own.  Every value is at most
 * [journald] field_max bytes (default 64 KiB): strings are cut at a UTF-8
 * boundary and end with "...", the JSON fields are re-serialised with
 * shortened cmdlines (pt_json_fit) so they stay valid JSON.
 *
 * sd_journal_sendv() blocks while journald's socket is full, so entries are
 * built on the event loop and written by a thread behind a bounded queue
 * (queue.h); a journald restart only delays them (the socket is addressed
 * by path on every send).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "json.h"
#include "log.h"
#include "queue.h"
#include "sink.h"
#include "sink_fmt.h"

#define JD_MAX_FIELDS 80
#define JD_QUEUE_BYTES (64u << 20)
#define JD_NAME_MAX 64
#define JD_SOCKET "/run/systemd/journal/socket" /* where libsystemd sends */

static const struct {
	const char *probe, *id;
} message_ids[] = {
	{ "tcp_connect", "dc4cef5a2d98417a9d22e6f2a455162d" },
	{ "net_listen", "8c7192b4f258416ab76370ba47c2c383" },
	{ "udp_session", "8f263f34531546fca7a8a14acae3bf87" },
};

static const char *const own_names[] = {
	"PROBE", "TIMESTAMP", "PID",   "UID",	   "USERNAME",	    "CMDLINE",	  "DADDR",
	"SADDR", "LADDR",     "PORT",  "PROTOCOL", "ERROR",	    "PROCTREE_JSON", "EVENT_JSON",
};

struct jd_sink {
	struct pt_sink base;
	struct pt_journald_opts o;
	struct pt_async *q;
	struct pt_buf data, tmp;
	uint32_t lens[JD_MAX_FIELDS];
	size_t n;
	bool overflow;      /* more than JD_MAX_FIELDS fields */
	unsigned int warned_overflow;
	uint64_t not_built; /* events lost before the queue (out of memory) */
	struct pt_loss_report rep;
	struct pt_link link; /* journald's state, as the writer thread sees it */
};

/* A record: uint32_t n, uint32_t len[n], then the n "NAME=value" strings. */

static void field(struct jd_sink *s, const char *name, const char *v, size_t n, size_t max)
{
	size_t before = s->data.len, k = n;
	bool cut = false;

	if (s->n == JD_MAX_FIELDS) {
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

static void fieldz(struct jd_sink *s, const char *name, const char *v)
{
	field(s, name, v, strlen(v), s->o.field_max);
}

static void fieldu(struct jd_sink *s, const char *name, long long v)
{
	char tmp[24];

	snprintf(tmp, sizeof(tmp), "%lld", v);
	fieldz(s, name, tmp);
}

/* PIDTREE_<KEY>: upper case, anything outside [A-Z0-9_] as '_', <= 64 bytes. */
static void plugin_name(const char *key, char *out)
{
	char up[JD_NAME_MAX + 1];
	const char *prefix;
	size_t i, n;

	for (i = 0; key[i] && i < JD_NAME_MAX; i++) {
		char c = key[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			c = '_';
		up[i] = c;
	}
	up[i] = '\0';
	for (i = 0; i < sizeof(own_names) / sizeof(own_names[0]); i++)
		if (!strcmp(up, own_names[i]))
			break;
	/* journald field names are at most 64 characters: cut the end off */
	prefix = i < sizeof(own_names) / sizeof(own_names[0]) ? "PIDTREE_FIELD_" : "PIDTREE_";
	n = strlen(prefix);
	memcpy(out, prefix, n);
	i = strlen(up);
	if (n + i > JD_NAME_MAX)
		i = JD_NAME_MAX - n;
	memcpy(out + n, up, i);
	out[n + i] = '\0';
}

static void json_field(struct jd_sink *s, const char *name, const struct pt_event *ev,
		       const char *json, size_t len, pt_json_ser ser)
{
	size_t max = s->o.field_max;

	if (json && len <= max) {
		field(s, name, json, len, len);
		return;
	}
	pt_buf_reset(&s->tmp);
	if (pt_json_fit(&s->tmp, ev, max, ser) == 0 && !s->tmp.oom)
		field(s, name, s->tmp.data, s->tmp.len, s->tmp.len);
}

/* A JSON record that is not an event (ev NULL), e.g. lost_event_telemetry. */
static void build_record(struct jd_sink *s, const char *json, size_t len)
{
	char type[PT_RECORD_TYPE_MAX + 1];

	pt_json_record_type(json, len, type, sizeof(type));
	pt_buf_reset(&s->tmp);
	pt_buf_printf(&s->tmp, "pidtree %s: ", type[0] ? type : "record");
	pt_text_append(&s->tmp, json, len, 1024, PT_TEXT_HUMAN);
	field(s, "MESSAGE", s->tmp.data, s->tmp.len, s->o.field_max);
	fieldu(s, "PRIORITY", s->o.priority);
	fieldz(s, "SYSLOG_IDENTIFIER", s->o.identifier);
	if (type[0])
		fieldz(s, "PIDTREE_RECORD_TYPE", type);
	if (len <= s->o.field_max) /* JSON cannot be cut */
		field(s, "PIDTREE_RECORD_JSON", json, len, len);
}

static void build(struct jd_sink *s, const struct pt_event *ev, const char *json, size_t len)
{
	const struct pt_event_proc *leaf = ev->nproc ? &ev->proctree[0] : NULL;
	char name[JD_NAME_MAX + 1], ts[40];
	size_t i, nfields;

	pt_buf_reset(&s->tmp);
	pt_event_summary(&s->tmp, ev);
	field(s, "MESSAGE", s->tmp.data ? s->tmp.data : "", s->tmp.len, s->o.field_max);
	for (i = 0; ev->probe && i < sizeof(message_ids) / sizeof(message_ids[0]); i++)
		if (!strcmp(ev->probe, message_ids[i].probe))
			fieldz(s, "MESSAGE_ID", message_ids[i].id);
	fieldu(s, "PRIORITY", s->o.priority);
	fieldz(s, "SYSLOG_IDENTIFIER", s->o.identifier);
	fieldz(s, "PIDTREE_PROBE", ev->probe ? ev->probe : "");
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
	if (ev->laddr[0])
		fieldz(s, "PIDTREE_LADDR", ev->laddr);
	if (ev->daddr[0] || ev->laddr[0] || ev->has_port)
		fieldu(s, "PIDTREE_PORT", ev->port);
	for (i = 0; ev->dests && i < ev->ndests; i++) {
		fieldz(s, "PIDTREE_DADDR", ev->dests[i].daddr);
		fieldu(s, "PIDTREE_PORT", ev->dests[i].port);
	}
	if (ev->protocol)
		fieldz(s, "PIDTREE_PROTOCOL", ev->protocol);
	if (ev->error[0])
		field(s, "PIDTREE_ERROR", ev->error, strnlen(ev->error, sizeof(ev->error)),
		      s->o.field_max);
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
	json_field(s, "PIDTREE_EVENT_JSON", ev, json, len, pt_json_event);
}

static int jd_emit(struct pt_sink *base, const struct pt_event *ev, const char *json, size_t len)
{
	struct jd_sink *s = (struct jd_sink *)base;
	size_t hdr;
	uint32_t *rec;

	pt_buf_reset(&s->data);
	s->n = 0;
	s->overflow = false;
	if (ev)
		build(s, ev, json, len);
	else
		build_record(s, json, len);
	if (s->data.oom || s->tmp.oom) {
		s->not_built++;
		return -ENOMEM;
	}
	if (s->overflow && !s->warned_overflow++)
		pt_warn("journald sink: more than %d fields in an event; the rest left out",
			JD_MAX_FIELDS);
	hdr = (1 + s->n) * sizeof(uint32_t);
	rec = malloc(hdr + s->data.len);
	if (!rec) {
		s->not_built++;
		return -ENOMEM;
	}
	rec[0] = (uint32_t)s->n;
	memcpy(rec + 1, s->lens, s->n * sizeof(uint32_t));
	memcpy((char *)rec + hdr, s->data.data, s->data.len);
	return pt_async_push(s->q, rec, hdr + s->data.len);
}

/* Writer thread. */
static int jd_deliver(void *ctx, const void *rec, size_t len)
{
	struct jd_sink *s = ctx;
	const uint32_t *hdr = rec;
	struct iovec iov[JD_MAX_FIELDS];
	const char *p;
	uint32_t i, n = hdr[0];
	int r;

	if (n > JD_MAX_FIELDS)
		return -EINVAL;
	p = (const char *)(hdr + 1 + n);
	for (i = 0; i < n; i++) {
		iov[i].iov_base = (void *)p;
		iov[i].iov_len = hdr[1 + i];
		p += hdr[1 + i];
	}
	/*
	 * sd_journal_sendv() reports success when the socket does not exist
	 * ("fail silently if the journal is not available"): check first, so
	 * a journald that is not (yet) running holds events instead of
	 * losing them uncounted.
	 */
	if (access(JD_SOCKET, F_OK))
		r = -errno;
	else
		r = sd_journal_sendv(iov, (int)n);
	if (r == 0) {
		pt_link_up(&s->link);
		return 0;
	}
	if (r == -EINVAL) {
		pt_link_refused(&s->link, -r);
		return r;
	}
	pt_link_down(&s->link, -r);
	return -EAGAIN;
}

static int jd_flush(struct pt_sink *base)
{
	struct jd_sink *s = (struct jd_sink *)base;
	struct pt_async_stats st;

	pt_link_report(&s->link, "journald sink");
	pt_async_get_stats(s->q, &st);
	pt_sink_report(base, "journald sink", &st, s->not_built, &s->rep, false);
	return 0;
}

static uint64_t jd_destroy(struct pt_sink *base)
{
	struct jd_sink *s = (struct jd_sink *)base;
	struct pt_async_stats st;
	uint64_t dropped;

	pt_async_stop(s->q, PT_SINK_DRAIN_MS, &st);
	pt_link_report(&s->link, "journald sink");
	pt_sink_report(base, "journald sink", &st, s->not_built, &s->rep, true);
	dropped = base->dropped;
	pt_buf_free(&s->data);
	pt_buf_free(&s->tmp);
	free(s);
	return dropped;
}

static const struct pt_sink_ops jd_ops = {
	.name = "journald",
	.emit = jd_emit,
	.flush = jd_flush,
	.destroy = jd_destroy,
};

static const struct pt_async_ops jd_async_ops = {
	.deliver = jd_deliver,
};

int pt_sink_journald_open(struct pt_sink **out, const struct pt_journald_opts *o)
{
	struct jd_sink *s;
	int err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &jd_ops;
	s->o = *o;
	if (s->o.field_max < 1024)
		s->o.field_max = 1024;
	pt_buf_init(&s->data);
	pt_buf_init(&s->tmp);
	err = pt_async_start(&s->q, "journald sink", o->queue_len ? o->queue_len : 4096,
			     JD_QUEUE_BYTES, &jd_async_ops, s);
	if (err) {
		free(s);
		return err;
	}
	*out = &s->base;
	return 0;
}

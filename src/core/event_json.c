// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The event as JSON: the object every output carries (see event_json.h). */
#include "event_json.h"

#include <string.h>

#include "json.h"

/* A string held in a fixed char array that may lack its NUL. */
#define JSON_ARR(b, arr) pt_json_str((b), (arr), strnlen((arr), sizeof(arr)))

/* the cmdline's JSON from the process cache when it is this cmdline's */
static void put_cmdline(struct pt_buf *b, const struct pt_event_proc *pr)
{
	if (pr->cmdline_json && pr->cmdline_json_of == pr->cmdline)
		pt_buf_add(b, pr->cmdline_json, pr->cmdline_json_len);
	else
		pt_json_strz(b, pr->cmdline);
}

void pt_json_proctree(struct pt_buf *b, const struct pt_event *ev)
{
	size_t i, n = ev->nproc < PT_MAX_DEPTH ? ev->nproc : PT_MAX_DEPTH;

	pt_buf_addc(b, '[');
	for (i = 0; i < n; i++) {
		const struct pt_event_proc *pr = &ev->proctree[i];

		if (i)
			PT_JSON_LIT(b, ",{\"pid\":");
		else
			PT_JSON_LIT(b, "{\"pid\":");
		pt_json_u64(b, pr->pid);
		PT_JSON_LIT(b, ",\"cmdline\":");
		put_cmdline(b, pr);
		PT_JSON_LIT(b, ",\"username\":");
		pt_json_strz(b, pr->username);
		if (pr->loginname) {
			PT_JSON_LIT(b, ",\"loginuid\":");
			pt_json_u64(b, pr->loginuid);
			PT_JSON_LIT(b, ",\"loginname\":");
			pt_json_strz(b, pr->loginname);
		}
		pt_buf_addc(b, '}');
	}
	pt_buf_addc(b, ']');
}

/* dns: ,"<addr>_name":"...","<addr>_cnames":[...] when a name is known */
static void put_name(struct pt_buf *b, const char *addr_key, const struct pt_event_name *n)
{
	size_t i, nc = n->ncnames < PT_EVENT_CNAMES_MAX ? n->ncnames : PT_EVENT_CNAMES_MAX;

	if (!n->name)
		return;
	pt_buf_printf(b, ",\"%s_name\":", addr_key);
	pt_json_strz(b, n->name);
	if (!nc)
		return;
	pt_buf_printf(b, ",\"%s_cnames\":[", addr_key);
	for (i = 0; i < nc; i++) {
		if (i)
			pt_buf_addc(b, ',');
		pt_json_strz(b, n->cnames[i] ? n->cnames[i] : "");
	}
	pt_buf_addc(b, ']');
}

static void put_destinations(struct pt_buf *b, const struct pt_event *ev)
{
	size_t i;

	PT_JSON_LIT(b, ",\"destinations\":[");
	for (i = 0; i < ev->ndests; i++) {
		const struct pt_udp_dest *d = &ev->dests[i];

		if (i)
			PT_JSON_LIT(b, ",{\"daddr\":");
		else
			PT_JSON_LIT(b, "{\"daddr\":");
		JSON_ARR(b, d->daddr);
		put_name(b, "daddr", &d->name);
		PT_JSON_LIT(b, ",\"port\":");
		pt_json_u64(b, d->port);
		PT_JSON_LIT(b, ",\"duration\":");
		pt_json_seconds(b, d->duration);
		PT_JSON_LIT(b, ",\"msg_count\":");
		pt_json_u64(b, d->msg_count);
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
		pt_json_i64(b, f->num);
		break;
	case PT_FIELD_BOOL:
		if (f->num)
			PT_JSON_LIT(b, "true");
		else
			PT_JSON_LIT(b, "false");
		break;
	case PT_FIELD_STR:
	default:
		pt_json_strz(b, f->str);
		break;
	}
}

/* ---- containers ----
 * "container_name" (pidtree-bcc's key: the name, else the pod name) and
 * "container": {id, name, image, runtime[, pod, namespace]}; pod and
 * namespace only for a Kubernetes pod.  Unknown strings are "".
 */
static void put_container(struct pt_buf *b, const struct pt_event_container *c)
{
	PT_JSON_LIT(b, ",\"container_name\":");
	pt_json_strz(b, c->name);
	PT_JSON_LIT(b, ",\"container\":{\"id\":");
	pt_json_strz(b, c->id);
	PT_JSON_LIT(b, ",\"name\":");
	pt_json_strz(b, c->name);
	PT_JSON_LIT(b, ",\"image\":");
	pt_json_strz(b, c->image);
	PT_JSON_LIT(b, ",\"runtime\":");
	pt_json_strz(b, c->runtime);
	if (c->pod[0]) {
		PT_JSON_LIT(b, ",\"pod\":");
		pt_json_strz(b, c->pod);
	}
	if (c->pod_namespace[0]) {
		PT_JSON_LIT(b, ",\"namespace\":");
		pt_json_strz(b, c->pod_namespace);
	}
	pt_buf_addc(b, '}');
}
/* ---- end containers ---- */

/*
 * Key order: timestamp, probe, pid, proctree, the keys of the probe's shape,
 * container_name and container (a process in a container), error, then the
 * extra fields in the order they were added (check_key in
 * event.c keeps them from repeating a key written here).
 */
void pt_json_event(struct pt_buf *b, const struct pt_event *ev)
{
	enum pt_event_shape shape = ev->probe ? ev->probe->shape : PT_SHAPE_PROCESS;
	char ts[32];
	size_t i, nfields;

	pt_format_timestamp(ev->ts_us, ts, sizeof(ts));
	PT_JSON_LIT(b, "{\"timestamp\":\"");
	pt_buf_adds(b, ts);
	PT_JSON_LIT(b, "\",\"probe\":");
	pt_json_strz(b, ev->probe ? ev->probe->name : "");
	PT_JSON_LIT(b, ",\"pid\":");
	pt_json_u64(b, ev->pid);
	PT_JSON_LIT(b, ",\"proctree\":");
	pt_json_proctree(b, ev);

	/* a shape's keys, when the event has them */
	switch (shape) {
	case PT_SHAPE_CONNECT:
		if (!ev->daddr[0])
			break;
		PT_JSON_LIT(b, ",\"daddr\":");
		JSON_ARR(b, ev->daddr);
		put_name(b, "daddr", &ev->peer_name);
		PT_JSON_LIT(b, ",\"saddr\":");
		JSON_ARR(b, ev->saddr);
		PT_JSON_LIT(b, ",\"port\":");
		pt_json_u64(b, ev->port);
		break;
	case PT_SHAPE_LISTEN:
		if (!ev->laddr[0])
			break;
		PT_JSON_LIT(b, ",\"laddr\":");
		JSON_ARR(b, ev->laddr);
		PT_JSON_LIT(b, ",\"port\":");
		pt_json_u64(b, ev->port);
		if (ev->protocol) {
			PT_JSON_LIT(b, ",\"protocol\":");
			pt_json_strz(b, ev->protocol);
		}
		break;
	case PT_SHAPE_SESSION:
		if (!ev->ndests || !ev->dests)
			break;
		put_destinations(b, ev);
		if (ev->protocol) {
			PT_JSON_LIT(b, ",\"protocol\":");
			pt_json_strz(b, ev->protocol);
		}
		break;
	case PT_SHAPE_ACCEPT:
		if (!ev->saddr[0])
			break;
		PT_JSON_LIT(b, ",\"saddr\":");
		JSON_ARR(b, ev->saddr);
		put_name(b, "saddr", &ev->peer_name);
		PT_JSON_LIT(b, ",\"sport\":");
		pt_json_u64(b, ev->sport);
		PT_JSON_LIT(b, ",\"daddr\":");
		JSON_ARR(b, ev->daddr);
		PT_JSON_LIT(b, ",\"port\":");
		pt_json_u64(b, ev->port);
		break;
	case PT_SHAPE_PROCESS:
		break;
	}

	if (ev->container) /* containers */
		put_container(b, ev->container);

	PT_JSON_LIT(b, ",\"error\":");
	JSON_ARR(b, ev->error);

	nfields = ev->nfields < PT_EVENT_MAX_FIELDS ? ev->nfields : PT_EVENT_MAX_FIELDS;
	for (i = 0; i < nfields; i++)
		put_field(b, &ev->fields[i]);
	pt_buf_addc(b, '}');
}

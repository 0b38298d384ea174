// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * From a ring-buffer record to the outputs: find the record's probe by its
 * type, let the probe decode it (or handle it itself), resolve the ancestry
 * from the process cache and the container from the container cache, name
 * its addresses (naming.c), run the plugins, serialise the event to JSON once
 * and hand event and JSON to every output.
 */
#include <stdio.h>

#include "clock.h"
#include "daemon.h"
#include "event_json.h"
#include "log.h"
#include "proccache.h"

static void emit_event(struct daemon *d, struct pt_event *ev)
{
	bool json = false;

	pt_daemon_container_of(d, ev); /* containers: before plugins, which may read it */
	pt_naming_event(d, ev); /* dns: names of its addresses */
	pt_plugins_process(d->plugins, ev);
	for (int i = 0; i < d->out.n; i++)
		json |= !d->out.sinks[i]->no_event_json;
	pt_buf_reset(&d->json);
	if (json) {
		pt_json_event(&d->json, ev);
		if (d->json.oom) {
			if (!d->oom_events++)
				pt_err("out of memory formatting an event");
			return;
		}
	}
	for (int i = 0; i < d->out.n; i++)
		d->out.sinks[i]->ops->emit(d->out.sinks[i], ev, json ? d->json.data : NULL,
					   json ? d->json.len : 0);
	d->events++;
	pt_losses_after_event(d);
}

void pt_daemon_emit_record(struct daemon *d, const char *json, size_t len)
{
	for (int i = 0; i < d->out.n; i++)
		d->out.sinks[i]->ops->emit(d->out.sinks[i], NULL, json, len);
}

/* pt_emitter callback: probes that build their own events (udp_session, snapshots) */
static void emit_cb(void *ctx, struct pt_event *ev)
{
	emit_event(ctx, ev);
}

const struct pt_emitter *pt_daemon_emitter(struct daemon *d)
{
	d->em.cache = d->cache;
	d->em.emit = emit_cb;
	d->em.dns_answer = pt_naming_answer;
	d->em.ctx = d;
	return &d->em;
}

int pt_daemon_on_record(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct pt_record_hdr *hdr = data;
	const struct pt_ancestry *tree = NULL;
	const struct pt_probe_desc *desc;
	struct pt_probe *p;
	unsigned int row, rec;

	if (len < sizeof(*hdr) || hdr->type >= PT_REC_TYPES || !d->rec_row[hdr->type])
		goto bad;
	row = d->rec_row[hdr->type] - 1u;
	p = d->probes[row];
	desc = d->rows[row];
	rec = hdr->type - d->consts[row].rec_base;
	if (desc->handle) {
		/* (a record of a probe closed by a reload has no state to go to) */
		if (!p || desc->handle(p, rec, data, len, &d->em))
			goto bad;
		return 0;
	}
	pt_event_reset(&d->ev);
	d->ev.probe = &desc->info;
	if (desc->decode(rec, data, len, &d->ev, &tree) || !tree)
		goto bad;
	pt_proc_cache_resolve(d->cache, tree, hdr->flags, &d->ev);
	d->ev.ts_us = pt_boot_ns_to_real_us(hdr->ts_ns, d->em.boot_to_real_ns);
	emit_event(d, &d->ev);
	return 0;
bad:
	if (!d->bad_records++)
		pt_warn("malformed ring-buffer record (type %u, %zu bytes) ignored",
			len >= sizeof(*hdr) ? hdr->type : 0, len);
	return 0;
}

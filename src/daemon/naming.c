// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DNS names of the addresses in events (see naming.h): the bridge between
 * the dns probe, the name table of src/dns and the events.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"

#define NS_PER_S 1000000000ull

_Static_assert(PT_EVENT_CNAMES_MAX == PT_DNS_MAX_CNAMES, "an event holds a whole kept chain");
_Static_assert(PT_NAMING_PROBES_MAX >= PT_PROBES_MAX, "every row can be named");

/* The shapes whose events have an address to name. */
static bool shape_named(enum pt_event_shape shape)
{
	return shape == PT_SHAPE_CONNECT || shape == PT_SHAPE_ACCEPT || shape == PT_SHAPE_SESSION;
}

/* Row i's events are named with configuration cfg (the table aside). */
static bool row_named(const struct daemon *d, size_t i, const struct pt_config *cfg)
{
	const struct pt_probe_config *pc;

	if (!shape_named(d->rows[i]->info.shape) || !d->rows[i]->schema.name)
		return false;
	pc = pt_daemon_probe_config(d, i, cfg);
	return pc && pc->present && pc->dns;
}

int pt_naming_derive(const struct daemon *d, const struct pt_daemon_settings *s,
		     struct pt_config *cfg)
{
	bool want = false;

	for (size_t i = 0; s->dns.enabled && i < d->nrows && !want; i++)
		want = row_named(d, i, cfg);
	return pt_config_set_dns(cfg, &s->dns, want);
}

/* The evictions of the current table plus those of the tables before it. */
static uint64_t evicted(const struct pt_naming *n)
{
	struct pt_dns_table_stats st = { 0 };

	if (n->table)
		pt_dns_table_stats(n->table, &st);
	return n->evicted_retired + st.evicted;
}

static void drop_table(struct pt_naming *n)
{
	n->evicted_retired = evicted(n);
	pt_dns_table_free(n->table);
	n->table = NULL;
}

/* Whether the dns capture (the probe table's row "dns") is running. */
static bool capture_running(const struct daemon *d)
{
	const struct pt_probe_desc *desc = pt_probe_find("dns");

	for (size_t i = 0; desc && i < d->nrows; i++)
		if (d->rows[i] == desc)
			return d->probes[i] != NULL;
	return false;
}

int pt_naming_apply(struct daemon *d)
{
	struct pt_naming *n = &d->naming;
	const struct pt_probe_config *dc = &d->cfg.dns;
	const struct pt_dns_opts *o = dc->opts;
	int err;

	n->nnamed = 0;
	if (!dc->present || !o) {
		if (n->table)
			pt_info("dns: names of addresses off (no probe names its events, or [dns] enabled = no)");
		drop_table(n);
		return 0;
	}
	if (!capture_running(d)) {
		pt_warn("dns: the capture is not running: events are not named");
		drop_table(n);
		return 0;
	}
	for (size_t i = 0; i < d->nrows && n->nnamed < PT_NAMING_PROBES_MAX; i++)
		if (row_named(d, i, &d->cfg))
			n->named[n->nnamed++] = &d->rows[i]->info;
	if (n->table && pt_dns_opts_same_table(&n->opts, o))
		return 0;
	if (n->table) {
		pt_info("dns: [dns] table options changed: the name table starts anew");
		drop_table(n);
	}
	err = pt_dns_table_new(&n->table, o);
	if (err) {
		pt_err("dns: cannot create the name table (%u entries, %zu bytes): %s",
		       o->max_entries, pt_dns_table_bytes(o->max_entries), strerror(-err));
		n->table = NULL;
		n->nnamed = 0;
		return err;
	}
	n->opts = *o;
	pt_info("dns: naming addresses from DNS answers (table of %u names, %zu KiB)",
		o->max_entries, pt_dns_table_bytes(o->max_entries) / 1024);
	return 0;
}

void pt_naming_answer(void *ctx, const struct pt_dns_answer *a)
{
	struct daemon *d = ctx;
	struct pt_naming *n = &d->naming;
	struct pt_dns_capture cap;

	if (!n->table)
		return;
	/* without the query's sender its namespace is not known either */
	if (!a->tgid) {
		n->unowned++;
		return;
	}
	cap.netns = a->netns;
	cap.tgid = a->tgid;
	cap.payload = a->payload;
	cap.caplen = a->caplen;
	cap.msglen = a->msglen;
	/* the record's time, not now: a backlog must not age the names */
	pt_dns_ingest(n->table, &cap, a->ts_ns, NULL, &n->st);
}

static bool probe_named(const struct pt_naming *n, const struct pt_probe_info *info)
{
	for (size_t i = 0; i < n->nnamed; i++)
		if (n->named[i] == info)
			return true;
	return false;
}

static void lookup(struct pt_naming *n, const struct pt_event_addr *a, const uint32_t *anc,
		   size_t nanc, struct pt_event_name *out)
{
	struct pt_dns_result r;

	out->name = NULL;
	out->ncnames = 0;
	if (!a->family)
		return;
	if (pt_dns_table_lookup(n->table, a->netns, a->family, a->addr, a->ts_ns, anc, nanc, &r))
		return;
	out->name = r.name;
	out->ncnames = r.ncnames < PT_EVENT_CNAMES_MAX ? r.ncnames : PT_EVENT_CNAMES_MAX;
	memcpy(out->cnames, r.cnames, out->ncnames * sizeof(out->cnames[0]));
}

void pt_naming_event(struct daemon *d, struct pt_event *ev)
{
	struct pt_naming *n = &d->naming;
	uint32_t anc[PT_MAX_DEPTH];
	size_t nanc = 0;

	if (!n->table || !ev->probe || !probe_named(n, ev->probe))
		return;
	/* preference: answers received by the process, then by its ancestors */
	for (size_t i = 0; i < ev->nproc && i < PT_MAX_DEPTH; i++)
		anc[nanc++] = ev->proctree[i].pid;
	if (!nanc && ev->pid)
		anc[nanc++] = ev->pid;
	/* lookups change no entry's text: every name found stays valid for this event */
	switch (ev->probe->shape) {
	case PT_SHAPE_CONNECT:
	case PT_SHAPE_ACCEPT:
		lookup(n, &ev->peer, anc, nanc, &ev->peer_name);
		break;
	case PT_SHAPE_SESSION:
		for (size_t i = 0; ev->dests && i < ev->ndests; i++)
			lookup(n, &ev->dests[i].key, anc, nanc, &ev->dests[i].name);
		break;
	default:
		break;
	}
}

void pt_naming_tick(struct daemon *d, uint64_t now)
{
	struct pt_naming *n = &d->naming;
	uint64_t linger = PT_NAMING_LINGER_S * NS_PER_S, ev;

	if (!n->table)
		return;
	pt_dns_table_expire(n->table, now > linger ? now - linger : 0);
	ev = evicted(n);
	/* the first eviction at once, then at most one line a minute */
	if (ev > n->evicted_warned && (!n->evicted_warned || now - n->warned_ns >= 60 * NS_PER_S)) {
		pt_warn("dns: %" PRIu64 " names dropped from the full name table (%" PRIu64
			" in all; raise [dns] max_entries)",
			ev - n->evicted_warned, ev);
		n->evicted_warned = ev;
		n->warned_ns = now;
	}
}

void pt_naming_describe(const struct daemon *d)
{
	const struct pt_probe_config *dc = &d->cfg.dns;
	const struct pt_dns_opts *o = dc->opts;

	printf("  names the events of:");
	for (size_t i = 0; i < d->nrows; i++)
		if (row_named(d, i, &d->cfg))
			printf(" %s", d->rows[i]->info.name);
	printf("\n");
	if (!o)
		return;
	printf("  DNS ports:");
	for (size_t i = 0; i < PT_DNS_PORTS_MAX && o->ports[i]; i++)
		printf(" %u", o->ports[i]);
	printf("\n  name table: %u names (%zu KiB), TTL kept %u-%u s, %u names per address\n",
	       o->max_entries, pt_dns_table_bytes(o->max_entries) / 1024, o->min_ttl, o->max_ttl,
	       o->names_per_addr);
}

void pt_naming_free(struct daemon *d)
{
	drop_table(&d->naming);
	d->naming.nnamed = 0;
}

enum { L_MALFORMED, L_PARTIAL, L_UNOWNED, L_EVICTED };

const struct pt_loss_def pt_naming_loss_defs[PT_NAMING_LOSSES] = {
	[L_MALFORMED] = { "dns_malformed",
			  "malformed DNS answers ignored (truncated, bad counts or labels, "
			  "compression loops)",
			  PT_COUNTED },
	[L_PARTIAL] = { "dns_partial",
			"DNS answers longer than the capture: only their first records used",
			PT_COUNTED },
	[L_UNOWNED] = { "dns_unowned",
			"DNS answers to queries of unknown sender (TCP connected before start-up)",
			PT_COUNTED },
	[L_EVICTED] = { "dns_names_evicted",
			"names dropped from the full name table (raise [dns] max_entries)",
			PT_LOST_RECORDS },
};

uint64_t pt_naming_loss(const struct daemon *d, unsigned int i)
{
	const struct pt_naming *n = &d->naming;

	switch (i) {
	case L_MALFORMED:
		return n->st.malformed;
	case L_PARTIAL:
		return n->st.partial;
	case L_UNOWNED:
		return n->unowned;
	case L_EVICTED:
		return evicted(n);
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's set of outputs: which sinks (-o/-f, else [output] sink= of
 * pidtree.conf, else json on stdout), opened at start-up and changed on
 * reload.
 *
 * A reload builds the new set before touching the running one: a sink whose
 * specification and settings are unchanged carries on as it is; the others
 * are opened first (any failure discards them and the running set stays),
 * then switched in while the event loop is between batches, and the sinks
 * they replace are closed, delivering what they still hold (at most
 * PT_SINK_DRAIN_MS each).  Events are handled on the loop's thread only, so
 * each event goes to exactly one of the two sets; what a closed sink lost is
 * kept in the loss totals.  The outputs kept re-open their files by name
 * (log rotation), as do all of them after a failed reload.
 */
#include <stdio.h>
#include <string.h>

#include "daemon.h"
#include "log.h"

int pt_outputs_specs(const struct daemon *d, const struct pt_daemon_settings *s,
		     const char **specs)
{
	int i;

	for (i = 0; i < d->opt.nsinks; i++)
		specs[i] = d->opt.sinks[i];
	if (i)
		return i;
	for (i = 0; i < s->nsinks && i < MAX_SINKS; i++)
		specs[i] = s->sinks[i];
	if (i)
		return i;
	specs[0] = "json";
	return 1;
}

int pt_outputs_open(struct daemon *d)
{
	const char *specs[MAX_SINKS];
	int n = pt_outputs_specs(d, &d->settings, specs);

	for (int i = 0; i < n; i++) {
		int err = pt_sink_open(&d->sinks[i], specs[i], &d->settings.sink);

		if (err)
			return err;
		snprintf(d->sink_specs[i], sizeof(d->sink_specs[i]), "%s", specs[i]);
		d->nsinks++;
	}
	return 0;
}

static void reopen(struct pt_sink *s)
{
	if (s->ops->reopen)
		s->ops->reopen(s);
}

/* A running sink, not yet claimed, that writes what spec with s would. */
static int find_same(const struct daemon *d, const struct pt_outputs *next, const char *spec,
		     const struct pt_daemon_settings *s)
{
	for (int j = 0; j < d->nsinks; j++)
		if (!next->kept[j] && !strcmp(d->sink_specs[j], spec) &&
		    pt_sink_same(spec, &d->settings.sink, &s->sink))
			return j;
	return -1;
}

int pt_outputs_prepare(struct daemon *d, const struct pt_daemon_settings *s,
		       struct pt_outputs *next)
{
	const char *specs[MAX_SINKS];
	int n = pt_outputs_specs(d, s, specs);

	memset(next, 0, sizeof(*next));
	for (int i = 0; i < n; i++) {
		int j = find_same(d, next, specs[i], s);

		if (j >= 0) {
			next->sinks[i] = d->sinks[j];
			next->kept[j] = true;
		} else if (pt_sink_open(&next->sinks[i], specs[i], &s->sink)) {
			pt_err("output %s cannot be opened", specs[i]);
			next->n = i;
			pt_outputs_discard(next);
			return -1;
		} else {
			next->opened[i] = true;
		}
		snprintf(next->specs[i], sizeof(next->specs[i]), "%s", specs[i]);
		next->n = i + 1;
	}
	return 0;
}

void pt_outputs_discard(struct pt_outputs *next)
{
	for (int i = 0; i < next->n; i++)
		if (next->opened[i])
			next->sinks[i]->ops->destroy(next->sinks[i]);
	memset(next, 0, sizeof(*next));
}

void pt_outputs_switch(struct daemon *d, struct pt_outputs *next)
{
	struct pt_sink *old[MAX_SINKS];
	char old_specs[MAX_SINKS][PT_SINK_SPEC_MAX];
	int nold = d->nsinks;

	memcpy(old, d->sinks, sizeof(old));
	memcpy(old_specs, d->sink_specs, sizeof(old_specs));
	for (int i = 0; i < next->n; i++) {
		d->sinks[i] = next->sinks[i];
		memcpy(d->sink_specs[i], next->specs[i], sizeof(d->sink_specs[i]));
		if (next->opened[i])
			pt_info("output %s opened", next->specs[i]);
	}
	d->nsinks = next->n;
	for (int i = 0; i < next->n; i++)
		if (!next->opened[i])
			reopen(d->sinks[i]);
	for (int j = 0; j < nold; j++) {
		if (next->kept[j])
			continue;
		if (old[j]->ops->flush)
			old[j]->ops->flush(old[j]);
		d->retired_drops += old[j]->ops->destroy(old[j]);
		pt_info("output %s closed", old_specs[j]);
	}
	memset(next, 0, sizeof(*next));
}

void pt_outputs_reopen(struct daemon *d)
{
	for (int i = 0; i < d->nsinks; i++)
		reopen(d->sinks[i]);
}

void pt_outputs_close(struct daemon *d)
{
	for (int i = 0; i < d->nsinks; i++)
		d->retired_drops += d->sinks[i]->ops->destroy(d->sinks[i]);
	d->nsinks = 0;
}

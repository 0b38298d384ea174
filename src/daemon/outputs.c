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
#include "outputs.h"

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
	for (i = 0; i < s->nsinks && i < PT_MAX_OUTPUTS; i++)
		specs[i] = s->sinks[i];
	if (i)
		return i;
	specs[0] = "json";
	return 1;
}

int pt_outputs_open(struct daemon *d)
{
	const char *specs[PT_MAX_OUTPUTS];
	int n = pt_outputs_specs(d, &d->settings, specs);

	for (int i = 0; i < n; i++) {
		int err = pt_sink_open(&d->out.sinks[i], specs[i], &d->settings.sink);

		if (err)
			return err;
		snprintf(d->out.specs[i], sizeof(d->out.specs[i]), "%s", specs[i]);
		d->out.n++;
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
	for (int j = 0; j < d->out.n; j++)
		if (!next->kept[j] && !strcmp(d->out.specs[j], spec) &&
		    pt_sink_same(spec, &d->settings.sink, &s->sink))
			return j;
	return -1;
}

int pt_outputs_prepare(struct daemon *d, const struct pt_daemon_settings *s,
		       struct pt_outputs *next)
{
	const char *specs[PT_MAX_OUTPUTS];
	int n = pt_outputs_specs(d, s, specs);

	memset(next, 0, sizeof(*next));
	for (int i = 0; i < n; i++) {
		int j = find_same(d, next, specs[i], s);

		if (j >= 0) {
			next->sinks[i] = d->out.sinks[j];
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
	struct pt_outputs old = d->out;

	d->out = *next;
	memset(d->out.opened, 0, sizeof(d->out.opened));
	memset(d->out.kept, 0, sizeof(d->out.kept));
	for (int i = 0; i < next->n; i++) {
		if (next->opened[i])
			pt_info("output %s opened", next->specs[i]);
		else
			reopen(d->out.sinks[i]);
	}
	for (int j = 0; j < old.n; j++) {
		if (next->kept[j])
			continue;
		if (old.sinks[j]->ops->flush)
			old.sinks[j]->ops->flush(old.sinks[j]);
		d->retired_drops += old.sinks[j]->ops->destroy(old.sinks[j]);
		pt_info("output %s closed", old.specs[j]);
	}
	memset(next, 0, sizeof(*next));
}

void pt_outputs_reopen(struct daemon *d)
{
	for (int i = 0; i < d->out.n; i++)
		reopen(d->out.sinks[i]);
}

void pt_outputs_flush(struct daemon *d)
{
	for (int i = 0; i < d->out.n; i++)
		if (d->out.sinks[i]->ops->flush)
			d->out.sinks[i]->ops->flush(d->out.sinks[i]);
}

void pt_outputs_close(struct daemon *d)
{
	for (int i = 0; i < d->out.n; i++)
		d->retired_drops += d->out.sinks[i]->ops->destroy(d->out.sinks[i]);
	d->out.n = 0;
}

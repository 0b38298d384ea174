// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's set of outputs: which sinks (-o/-f, else [output] sink= of
 * pidtree.conf, else text on stdout when it is a terminal, json when not),
 * opened at start-up and changed on reload.
 *
 * A reload builds the new set before touching the running one: a sink whose
 * specification and settings are unchanged carries on as it is; the others
 * are opened first (any failure discards them and the running set stays),
 * then switched in while the event loop is between batches, and the sinks
 * they replace are closed.  A sink that waits for a receiver (journald,
 * syslog) is retired: it delivers what it still holds in the background,
 * for at most PT_SINK_DRAIN_MS, and is destroyed by the first flush after
 * that, so a dead receiver never holds up the loop; the others close at
 * once.  Events are handled on the loop's thread only, so each event goes
 * to exactly one of the two sets; what a closed sink lost is kept in the
 * loss totals.  The outputs kept re-open their files by name (log
 * rotation), as do all of them after a failed reload.  At exit every
 * output is retired first, so that they drain at the same time.
 */
#include "outputs.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	/*
	 * Nothing configured: a person at a terminal reads text; a pipe or a
	 * file gets JSON lines, as pidtree-bcc writes them.  A [json] path=
	 * says where JSON goes: it counts as configured.
	 */
	specs[0] = !s->sink.json_path[0] && isatty(STDOUT_FILENO) ? "text" : "json";
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

/* Destroy a closed sink, its losses kept in the totals. */
static void finish(struct daemon *d, struct pt_sink *s, const char *spec)
{
	d->retired_drops += s->ops->destroy(s);
	pt_info("output %s closed", spec);
}

/* Retiring sink i is gone: close the gap. */
static void forget_retiring(struct pt_outputs *o, int i)
{
	o->nretiring--;
	if (i < o->nretiring) {
		o->retiring[i] = o->retiring[o->nretiring];
		memcpy(o->retiring_specs[i], o->retiring_specs[o->nretiring],
		       sizeof(o->retiring_specs[i]));
	}
}

/* Close a running sink that is no longer wanted. */
static void retire(struct daemon *d, struct pt_sink *s, const char *spec)
{
	struct pt_outputs *o = &d->out;

	if (s->ops->flush)
		s->ops->flush(s);
	if (!s->ops->retire) {
		finish(d, s, spec);
		return;
	}
	if (o->nretiring == PT_RETIRING_MAX) {
		/* reloads faster than outputs drain: the oldest one waits out its deadline */
		finish(d, o->retiring[0], o->retiring_specs[0]);
		forget_retiring(o, 0);
	}
	s->ops->retire(s);
	o->retiring[o->nretiring] = s;
	snprintf(o->retiring_specs[o->nretiring], sizeof(o->retiring_specs[0]), "%s", spec);
	o->nretiring++;
	pt_info("output %s closing: delivering what it holds (at most %d ms)", spec,
		PT_SINK_DRAIN_MS);
}

void pt_outputs_switch(struct daemon *d, struct pt_outputs *next)
{
	struct pt_outputs old = d->out;

	d->out = *next;
	memset(d->out.opened, 0, sizeof(d->out.opened));
	memset(d->out.kept, 0, sizeof(d->out.kept));
	/* the outputs still closing from earlier reloads carry on closing */
	d->out.nretiring = old.nretiring;
	memcpy(d->out.retiring, old.retiring, sizeof(old.retiring));
	memcpy(d->out.retiring_specs, old.retiring_specs, sizeof(old.retiring_specs));
	for (int i = 0; i < next->n; i++) {
		if (next->opened[i])
			pt_info("output %s opened", next->specs[i]);
		else
			reopen(d->out.sinks[i]);
	}
	for (int j = 0; j < old.n; j++)
		if (!next->kept[j])
			retire(d, old.sinks[j], old.specs[j]);
	memset(next, 0, sizeof(*next));
}

void pt_outputs_reopen(struct daemon *d)
{
	for (int i = 0; i < d->out.n; i++)
		reopen(d->out.sinks[i]);
}

void pt_outputs_flush(struct daemon *d)
{
	struct pt_outputs *o = &d->out;

	for (int i = 0; i < o->n; i++)
		if (o->sinks[i]->ops->flush)
			o->sinks[i]->ops->flush(o->sinks[i]);
	for (int i = o->nretiring - 1; i >= 0; i--) {
		struct pt_sink *s = o->retiring[i];

		if (s->ops->flush)
			s->ops->flush(s); /* its counts and receiver state, logged */
		if (s->ops->retired(s)) {
			finish(d, s, o->retiring_specs[i]);
			forget_retiring(o, i);
		}
	}
}

uint64_t pt_outputs_dropped(const struct daemon *d, uint64_t *closed)
{
	uint64_t c = d->retired_drops, n = 0;

	for (int i = 0; i < d->out.nretiring; i++)
		c += d->out.retiring[i]->dropped;
	for (int i = 0; i < d->out.n; i++)
		n += d->out.sinks[i]->dropped;
	for (int i = 0; i < d->out.nclosed; i++)
		n += d->out.closed_drops[i];
	if (closed)
		*closed = c;
	return n + c;
}

/* Every output that drains in the background has delivered (or given up). */
static bool all_retired(const struct pt_outputs *o)
{
	for (int i = 0; i < o->n; i++)
		if (o->sinks[i]->ops->retired && !o->sinks[i]->ops->retired(o->sinks[i]))
			return false;
	for (int i = 0; i < o->nretiring; i++)
		if (!o->retiring[i]->ops->retired(o->retiring[i]))
			return false;
	return true;
}

void pt_outputs_close(struct daemon *d)
{
	struct pt_outputs *o = &d->out;
	const struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < o->n; i++)
		if (o->sinks[i]->ops->retire)
			o->sinks[i]->ops->retire(o->sinks[i]);
	/* the drains run at once; a stuck one is cut short by its destroy below */
	for (int ms = 0; ms < PT_SINK_DRAIN_MS + 500 && !all_retired(o); ms += 10)
		nanosleep(&tick, NULL);
	for (int i = 0; i < o->nretiring; i++)
		d->retired_drops += o->retiring[i]->ops->destroy(o->retiring[i]);
	o->nretiring = 0;
	for (int i = 0; i < o->n; i++) {
		struct pt_sink *s = o->sinks[i];

		if (s->ops->flush)
			s->ops->flush(s); /* its counts as the drain left them */
		memcpy(o->closed_specs[i], o->specs[i], sizeof(o->closed_specs[i]));
		o->closed_written[i] = s->written;
		/* destroy counts what is still held as lost too */
		o->closed_drops[i] = s->ops->destroy(s);
	}
	o->nclosed = o->n;
	o->n = 0;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The set of outputs: which sinks (-o/-f, else [output] sink= of
 * pidtree.conf, else text on stdout when it is a terminal, json when not),
 * opened at start-up and changed on reload (see outputs.c).
 */
#ifndef PIDTREE_OUTPUTS_H
#define PIDTREE_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>

#include "settings.h"
#include "sink.h"

/* Outputs closed by reloads and still delivering what they hold, at most. */
#define PT_RETIRING_MAX (4 * PT_MAX_OUTPUTS)

struct pt_outputs {
	struct pt_sink *sinks[PT_MAX_OUTPUTS];
	char specs[PT_MAX_OUTPUTS][PT_SINK_SPEC_MAX]; /* what each was opened as */
	int n;
	bool opened[PT_MAX_OUTPUTS]; /* next set: sinks[i] is new */
	bool kept[PT_MAX_OUTPUTS];   /* next set: the running sinks[j] carries on */
	/* running set: outputs a reload closed, draining in the background */
	struct pt_sink *retiring[PT_RETIRING_MAX];
	char retiring_specs[PT_RETIRING_MAX][PT_SINK_SPEC_MAX];
	int nretiring;
	/* after pt_outputs_close: what each output did, its final drain included */
	char closed_specs[PT_MAX_OUTPUTS][PT_SINK_SPEC_MAX];
	uint64_t closed_written[PT_MAX_OUTPUTS];
	uint64_t closed_drops[PT_MAX_OUTPUTS];
	int nclosed;
};

struct daemon;

/* The specifications in force with settings s: -o/-f, [output] sink=, text or json. */
int pt_outputs_specs(const struct daemon *d, const struct pt_daemon_settings *s,
		     const char **specs);
int pt_outputs_open(struct daemon *d); /* start-up, with d->settings */
/* The set for settings s, running sinks reused where unchanged; 0 or -1. */
int pt_outputs_prepare(struct daemon *d, const struct pt_daemon_settings *s,
		       struct pt_outputs *next);
void pt_outputs_discard(struct pt_outputs *next); /* close the new ones */
/*
 * Put next in force; the sinks it keeps re-open their files by name (log
 * rotation); close the running sinks it does not keep: those that wait for
 * a receiver drain in the background (retire), the others at once.
 */
void pt_outputs_switch(struct daemon *d, struct pt_outputs *next);
void pt_outputs_reopen(struct daemon *d); /* every sink: re-open by name */
/* After each batch of records and every second: flush; finish the closed outputs that are done. */
void pt_outputs_flush(struct daemon *d);
/* Events lost by every output, running, closing and closed; *closed: the last two. */
uint64_t pt_outputs_dropped(const struct daemon *d, uint64_t *closed);
/* Exit: every output drains at the same time (at most PT_SINK_DRAIN_MS in all), then closes. */
void pt_outputs_close(struct daemon *d);

#endif

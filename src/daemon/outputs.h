/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The set of outputs: which sinks (-o/-f, else [output] sink= of
 * pidtree.conf, else json on stdout), opened at start-up and changed on
 * reload (see outputs.c).
 */
#ifndef PIDTREE_OUTPUTS_H
#define PIDTREE_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>

#include "settings.h"
#include "sink.h"

struct pt_outputs {
	struct pt_sink *sinks[PT_MAX_OUTPUTS];
	char specs[PT_MAX_OUTPUTS][PT_SINK_SPEC_MAX]; /* what each was opened as */
	int n;
	bool opened[PT_MAX_OUTPUTS]; /* next set: sinks[i] is new */
	bool kept[PT_MAX_OUTPUTS];   /* next set: the running sinks[j] carries on */
};

struct daemon;

/* The specifications in force with settings s: -o/-f, [output] sink=, json. */
int pt_outputs_specs(const struct daemon *d, const struct pt_daemon_settings *s,
		     const char **specs);
int pt_outputs_open(struct daemon *d); /* start-up, with d->settings */
/* The set for settings s, running sinks reused where unchanged; 0 or -1. */
int pt_outputs_prepare(struct daemon *d, const struct pt_daemon_settings *s,
		       struct pt_outputs *next);
void pt_outputs_discard(struct pt_outputs *next); /* close the new ones */
/*
 * Put next in force; the sinks it keeps re-open their files by name (log
 * rotation); close (drain) the running sinks it does not keep.
 */
void pt_outputs_switch(struct daemon *d, struct pt_outputs *next);
void pt_outputs_reopen(struct daemon *d); /* every sink: re-open by name */
void pt_outputs_flush(struct daemon *d);  /* after each batch of records */
void pt_outputs_close(struct daemon *d);  /* exit */

#endif

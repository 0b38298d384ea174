/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The journal entry of an event: which fields, with which names and values
 * (field list and limits in journald_fields.c).  No I/O: the journald
 * output hands the fields to sd_journal_sendv(), the unit tests read them.
 */
#ifndef PIDTREE_JOURNALD_FIELDS_H
#define PIDTREE_JOURNALD_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "event.h"
#include "sinkspec.h"

#define PT_JD_MAX_FIELDS 80
#define PT_JD_NAME_MAX 64 /* journald's limit on field names */

struct pt_jd_fields {
	const struct pt_journald_opts *o;
	struct pt_buf data;              /* the n "NAME=value" strings back to back */
	uint32_t lens[PT_JD_MAX_FIELDS]; /* length of each */
	size_t n;
	bool overflow;                   /* more than PT_JD_MAX_FIELDS fields: the rest left out */
	struct pt_buf tmp;
};

void pt_jd_fields_init(struct pt_jd_fields *f, const struct pt_journald_opts *o);
void pt_jd_fields_free(struct pt_jd_fields *f);
/*
 * The fields of ev (its JSON: json, len; NULL when not serialised, which
 * only PIDTREE_EVENT_JSON would use: it is then built here) into f,
 * replacing what f held; ev NULL: a JSON record that is not an event
 * (json required).  false when out of memory
 * (f is then incomplete).
 */
bool pt_jd_fields_build(struct pt_jd_fields *f, const struct pt_event *ev, const char *json,
			size_t len);

#endif

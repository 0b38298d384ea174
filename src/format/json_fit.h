/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The event JSON within a size limit, and the type of non-event records. */
#ifndef PIDTREE_JSON_FIT_H
#define PIDTREE_JSON_FIT_H

#include <stddef.h>

#include "buf.h"
#include "event.h"

/*
 * Append ser(ev) (pt_json_event or pt_json_proctree) in at most max bytes.
 * When the whole does not fit, the serialisation is redone on a copy of the
 * event whose command lines are cut (PT_CUT_MARKER): the ancestors' to the
 * largest length that fits, halving down to 8 bytes, while the process's
 * own keeps up to a third of max; then that one too; then the ancestry is
 * shortened.  The copy's "error" says what was cut.  The output is always complete, valid
 * JSON.  0, -EMSGSIZE (cannot fit: nothing appended) or -ENOMEM.
 */
typedef void (*pt_json_ser)(struct pt_buf *b, const struct pt_event *ev);
int pt_json_fit(struct pt_buf *b, const struct pt_event *ev, size_t max, pt_json_ser ser);

/*
 * main.c also hands the sinks JSON records that are not events (ev NULL),
 * e.g. {"type":"lost_event_telemetry",...}.  Their "type" ([a-z0-9_]+, at
 * most PT_RECORD_TYPE_MAX characters) into out, or "".
 */
#define PT_RECORD_TYPE_MAX 32
void pt_json_record_type(const char *json, size_t len, char *out, size_t outlen);

#endif

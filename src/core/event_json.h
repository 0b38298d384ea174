/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Event serialisation shared by every output (pidtree-bcc compatible keys). */
#ifndef PIDTREE_EVENT_JSON_H
#define PIDTREE_EVENT_JSON_H

#include "buf.h"
#include "event.h"

/* The proctree array: [{"pid":1,"cmdline":"..","username":".."},...] */
void pt_json_proctree(struct pt_buf *b, const struct pt_event *ev);
/* The whole event as one JSON object, no trailing newline. */
void pt_json_event(struct pt_buf *b, const struct pt_event *ev);

#endif

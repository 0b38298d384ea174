/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* RFC 5424 records for the syslog output. */
#ifndef PIDTREE_RFC5424_H
#define PIDTREE_RFC5424_H

#include <stddef.h>

#include "buf.h"
#include "event.h"
#include "sinkspec.h"

#define PT_SD_VALUE_MAX 256        /* input bytes per PARAM-VALUE */
#define PT_SD_CMDLINE_MAX 1024     /* input bytes of the cmdline PARAM-VALUE */

struct pt_syslog_fmt {
	int facility, severity;
	const char *hostname; /* "" -> NILVALUE */
	const char *app_name;
	const char *sd_id;    /* "" -> no SD element (NILVALUE) */
	unsigned long procid; /* 0 -> NILVALUE */
	size_t max_size;      /* whole record, octet-count prefix excluded */
	enum pt_bom bom;
};

/*
 * Append one RFC 5424 record for ev (json = its JSON, len bytes) to b:
 * <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID params] MSG
 * MSGID = probe; MSG = the JSON event (refitted by pt_json_fit when the
 * record would exceed max_size), preceded by a UTF-8 BOM when bom is YES,
 * or AUTO and the JSON holds non-ASCII bytes.  The SD element takes at most
 * max_size / 4 bytes: a value that would overflow it is cut further
 * (halving, "..." marker), a parameter that still does not fit is left out
 * (the JSON carries every value).  ev NULL: a record that is not an
 * event, sent with the current time and with MSGID and SD param "type" from
 * its "type" key, never shortened.  0, -EMSGSIZE or -ENOMEM (nothing
 * appended).
 */
int pt_syslog_format(struct pt_buf *b, const struct pt_syslog_fmt *f,
		     const struct pt_event *ev, const char *json, size_t len);

#endif

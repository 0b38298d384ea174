/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text formatting shared by the sinks, free of I/O so the unit tests can
 * check it byte for byte: safe text (control characters, invalid UTF-8),
 * cuts that never split a UTF-8 sequence, the event JSON fitted into a size
 * limit, the journald one-line summary and the RFC 5424 record.
 */
#ifndef PIDTREE_SINK_FMT_H
#define PIDTREE_SINK_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "event.h"
#include "json.h"
#include "sink.h"

/* Appended to every value cut at a size limit (as the process cache does). */
#define PT_CUT_MARKER "..."

/*
 * Length of the longest prefix of s[0..len) of at most max bytes that does
 * not end inside a UTF-8 multibyte sequence.
 */
size_t pt_utf8_cut(const char *s, size_t len, size_t max);

enum pt_text_mode {
	/*
	 * For people (journald MESSAGE): \n \r \t \e and \\ as C escapes,
	 * other control characters and invalid UTF-8 bytes as \xNN.
	 */
	PT_TEXT_HUMAN,
	/*
	 * RFC 5424 PARAM-VALUE: '"', '\' and ']' escaped with '\'; control
	 * characters and invalid UTF-8 bytes replaced by U+FFFD, so the value
	 * is valid UTF-8 without control characters.
	 */
	PT_TEXT_SD,
};

/*
 * Append s[0..n): at most max input bytes (cut at a UTF-8 boundary and
 * followed by PT_CUT_MARKER when longer).
 */
void pt_text_append(struct pt_buf *b, const char *s, size_t n, size_t max,
		    enum pt_text_mode mode);

/*
 * Append ser(ev) (pt_json_event or pt_json_proctree) in at most max bytes.
 * When the whole does not fit, the serialisation is redone on a copy of the
 * event whose command lines are cut (PT_CUT_MARKER) to the largest length
 * that fits, halving down to 8 bytes, then with the ancestry shortened; the
 * copy's "error" says what was cut.  The output is always complete, valid
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

/* Short name of a process: basename of the first word of its cmdline. */
void pt_proc_name(struct pt_buf *b, const struct pt_event_proc *p);

/*
 * The journald MESSAGE: one line, at most about 600 bytes, e.g.
 * "tcp_connect: curl[1234] user root connected to 93.184.216.34:443 from
 *  10.0.0.5; tree: curl[1234] < bash[1200] < sshd[900] < systemd[1]"
 */
void pt_event_summary(struct pt_buf *b, const struct pt_event *ev);

/* ---- RFC 5424 ------------------------------------------------------------ */

#define PT_SYSLOG_MIN_SIZE 480     /* RFC 5424 6.1: every receiver accepts it */
#define PT_SYSLOG_DEFAULT_SIZE 8192 /* rsyslog's default maxMessageSize */
#define PT_SYSLOG_UDP_MAX 65507    /* largest UDP payload over IPv4 */
#define PT_SYSLOG_MAX_SIZE (1024 * 1024)
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

/* Facility / severity names: "authpriv" -> 10, "info" -> 6; -1 if unknown. */
int pt_syslog_facility(const char *name);
int pt_syslog_severity(const char *name);

#endif

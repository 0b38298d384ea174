/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Output specifications (-o SINK, [output] sink=) and the settings of each
 * kind of output, as pidtree.conf and the command line give them.  Parsing
 * and checking only: the sinks themselves are src/sinks.
 */
#ifndef PIDTREE_SINKSPEC_H
#define PIDTREE_SINKSPEC_H

#include <stdbool.h>
#include <stddef.h>

/* [syslog] max_size= */
#define PT_SYSLOG_MIN_SIZE 480     /* RFC 5424 6.1: every receiver accepts it */
#define PT_SYSLOG_DEFAULT_SIZE 8192 /* rsyslog's default maxMessageSize */
#define PT_SYSLOG_UDP_MAX 65507    /* largest UDP payload over IPv4 */
#define PT_SYSLOG_MAX_SIZE (1024 * 1024)

/* At most this many outputs at once (-o, -f, [output] sink=). */
#define PT_MAX_OUTPUTS 4

/* ---- sink settings (pidtree.conf sections; defaults in pt_sink_opts_init) --- */

#define PT_IDENT_MAX 64       /* [journald] identifier */
#define PT_SD_ID_MAX 32       /* RFC 5424 SD-NAME */
#define PT_APP_NAME_MAX 48    /* RFC 5424 APP-NAME */
#define PT_HOSTNAME_MAX 255   /* RFC 5424 HOSTNAME */
#define PT_SINK_SPEC_MAX 512  /* one -o / sink= value */
#define PT_PATH_MAX 4096

/*
 * The documentation example SD-ID.  32473 is the enterprise number RFC 5612
 * reserves for documentation; it belongs to nobody.  It is the built-in
 * default only so that records carry an SD element out of the box; the
 * syslog sink says so at start-up until [syslog] sd_id= names an SD-ID under
 * the operator's own IANA Private Enterprise Number (or "-": no SD element).
 */
#define PT_SD_ID_EXAMPLE "pidtree@32473"

enum pt_bom { PT_BOM_AUTO, PT_BOM_YES, PT_BOM_NO };

/*
 * [journald] / [syslog] queue_size = SIZE: the memory the queued events of
 * that output may hold while its receiver is slow or away, in bytes with a
 * K, M or G suffix (powers of 1024).  Each event counts its record's
 * length plus a few dozen bytes of bookkeeping (PT_ASYNC_REC_COST, queue.h),
 * so this bounds the memory, not only the data.  queue_len = N caps the
 * number of events as well (default none); a queue_size without a suffix
 * is the number of events it meant in earlier versions (deprecated: it
 * sets queue_len, with a warning).
 */
#define PT_QUEUE_MIN_SIZE (64ull << 10)
#define PT_QUEUE_DEFAULT_SIZE (64ull << 20)
#define PT_QUEUE_MAX_SIZE (1ull << 30)
#define PT_QUEUE_MAX_LEN (1u << 20)

struct pt_journald_opts {
	char identifier[PT_IDENT_MAX + 1]; /* SYSLOG_IDENTIFIER, default "pidtree" */
	int priority;                      /* PRIORITY, default 6 (info) */
	size_t field_max;                  /* longest field value, default 64 KiB */
	bool event_json;                   /* PIDTREE_EVENT_JSON, default no */
	size_t queue_size;                 /* bytes held while journald is slow */
	size_t queue_len;                  /* and at most this many events; 0: no cap */
};

struct pt_syslog_opts {
	char target[PT_SINK_SPEC_MAX];     /* unix:PATH | udp://H:P | tcp://H:P */
	int facility;                      /* 0-23, default 10 (authpriv) */
	int severity;                      /* 0-7, default 6 (info) */
	char sd_id[PT_SD_ID_MAX + 1];      /* "" = no SD element */
	char app_name[PT_APP_NAME_MAX + 1];
	char hostname[PT_HOSTNAME_MAX + 1]; /* "" = gethostname() */
	size_t max_size;                   /* whole record, octet-count prefix excluded */
	enum pt_bom bom;
	size_t queue_size;                 /* as [journald]'s */
	size_t queue_len;
};

struct pt_sink_opts {
	struct pt_journald_opts journald;
	struct pt_syslog_opts syslog;
	char json_path[PT_PATH_MAX];       /* [json] path=, "" = stdout */
};

void pt_sink_opts_init(struct pt_sink_opts *o);

/* ---- sink specifications (-o SINK, [output] sink=) ------------------------ */

enum pt_sink_kind { PT_SINK_JSON, PT_SINK_JOURNALD, PT_SINK_SYSLOG };
enum pt_syslog_transport { PT_SYSLOG_UNIX, PT_SYSLOG_UDP, PT_SYSLOG_TCP };

struct pt_syslog_target {
	enum pt_syslog_transport transport;
	char path[108];  /* unix: socket path (sun_path) */
	char host[256];  /* udp/tcp: name or address, IPv6 without brackets */
	char port[6];    /* udp/tcp: 1-65535 */
};

/*
 * Parse a syslog target: "unix:PATH", "udp://HOST:PORT", "tcp://HOST:PORT"
 * (IPv6 as [addr]:port).  0, or -EINVAL with a reason in *why.
 */
int pt_syslog_target_parse(const char *s, struct pt_syslog_target *t, const char **why);

/*
 * Check a sink specification: json, json:PATH, text, text:PATH, journald, syslog,
 * syslog:unix:PATH, syslog:udp://H:P, syslog:tcp://H:P.  0, or -EINVAL with
 * a message in err.
 */
int pt_sink_spec_check(const char *spec, char *err, size_t errlen);

/*
 * Does the (valid) spec opened with opts a write the same output, in the
 * same way, as opened with opts b?  Only the settings that sink uses count.
 */
bool pt_sink_same(const char *spec, const struct pt_sink_opts *a, const struct pt_sink_opts *b);

/* Facility / severity names: "authpriv" -> 10, "info" -> 6; -1 if unknown. */
int pt_syslog_facility(const char *name);
int pt_syslog_severity(const char *name);

#endif

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Output specifications and their settings (see sinkspec.h): what -o,
 * [output] sink= and the [journald] / [syslog] / [json] sections of
 * pidtree.conf may say, checked without opening anything.
 */
#include "sinkspec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const facilities[24] = {
	"kern",	  "user",   "mail",   "daemon", "auth",	  "syslog", "lpr",    "news",
	"uucp",	  "cron",   "authpriv", "ftp",  "ntp",	  "security", "console", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

static const char *const severities[8] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static int name_or_number(const char *name, const char *const *names, int n)
{
	char *end;
	long v;
	int i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(name, names[i]))
			return i;
	if (n == 8) { /* common aliases of syslog(3) */
		if (!strcasecmp(name, "error"))
			return 3;
		if (!strcasecmp(name, "warn"))
			return 4;
		if (!strcasecmp(name, "emergency"))
			return 0;
		if (!strcasecmp(name, "critical"))
			return 2;
	}
	if (name[0] < '0' || name[0] > '9')
		return -1;
	v = strtol(name, &end, 10);
	if (*end || v < 0 || v >= n)
		return -1;
	return (int)v;
}

int pt_syslog_facility(const char *name)
{
	return name_or_number(name, facilities, 24);
}

int pt_syslog_severity(const char *name)
{
	return name_or_number(name, severities, 8);
}

static int parse_port(const char *s, char *out, size_t outlen)
{
	char *end;
	long v;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end || v < 1 || v > 65535)
		return -EINVAL;
	snprintf(out, outlen, "%ld", v);
	return 0;
}

int pt_syslog_target_parse(const char *s, struct pt_syslog_target *t, const char **why)
{
	const char *hp, *colon;
	size_t hl;

	memset(t, 0, sizeof(*t));
	*why = "expected unix:PATH, udp://HOST:PORT or tcp://HOST:PORT";
	if (!strncmp(s, "unix:", 5)) {
		t->transport = PT_SYSLOG_UNIX;
		if (!s[5] || s[5] != '/') {
			*why = "unix: needs an absolute socket path";
			return -EINVAL;
		}
		if (strlen(s + 5) >= sizeof(t->path)) {
			*why = "socket path too long (at most 107 bytes)";
			return -EINVAL;
		}
		strcpy(t->path, s + 5);
		return 0;
	}
	if (!strncmp(s, "udp://", 6))
		t->transport = PT_SYSLOG_UDP;
	else if (!strncmp(s, "tcp://", 6))
		t->transport = PT_SYSLOG_TCP;
	else
		return -EINVAL;
	hp = s + 6;
	if (hp[0] == '[') {
		const char *close = strchr(hp, ']');

		if (!close || close[1] != ':') {
			*why = "IPv6 address needs the form [ADDR]:PORT";
			return -EINVAL;
		}
		hl = (size_t)(close - hp - 1);
		hp++;
		colon = close + 1;
	} else {
		colon = strrchr(hp, ':');
		if (!colon) {
			*why = "missing :PORT";
			return -EINVAL;
		}
		hl = (size_t)(colon - hp);
		if (memchr(hp, ':', hl)) {
			*why = "IPv6 address needs the form [ADDR]:PORT";
			return -EINVAL;
		}
	}
	if (!hl || hl >= sizeof(t->host) || memchr(hp, '/', hl) || memchr(hp, ' ', hl)) {
		*why = "bad host";
		return -EINVAL;
	}
	memcpy(t->host, hp, hl);
	t->host[hl] = '\0';
	if (parse_port(colon + 1, t->port, sizeof(t->port))) {
		*why = "port must be a number in 1-65535";
		return -EINVAL;
	}
	return 0;
}

int pt_sink_spec_check(const char *spec, char *err, size_t errlen)
{
	struct pt_syslog_target t;
	const char *why;

	if (!strcmp(spec, "json") || !strcmp(spec, "text") || !strcmp(spec, "journald") ||
	    !strcmp(spec, "syslog"))
		return 0;
	if (!strncmp(spec, "json:", 5) || !strncmp(spec, "text:", 5)) {
		if (spec[5])
			return 0;
		snprintf(err, errlen, "%.4s: needs a file name (%.4s:PATH, %.4s:- for stdout)", spec,
			 spec, spec);
		return -EINVAL;
	}
	if (!strncmp(spec, "syslog:", 7)) {
		if (pt_syslog_target_parse(spec + 7, &t, &why) == 0)
			return 0;
		snprintf(err, errlen, "'%s': %s", spec, why);
		return -EINVAL;
	}
	snprintf(err, errlen,
		 "unknown output '%s' (expected json, json:PATH, text, text:PATH, journald, syslog, "
		 "syslog:unix:PATH, syslog:udp://HOST:PORT or syslog:tcp://HOST:PORT)", spec);
	return -EINVAL;
}

void pt_sink_opts_init(struct pt_sink_opts *o)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->journald.identifier, "pidtree");
	o->journald.priority = 6;
	o->journald.field_max = 64 * 1024;
	o->journald.event_json = false;
	o->journald.queue_size = PT_QUEUE_DEFAULT_SIZE;
	strcpy(o->syslog.target, "unix:/dev/log");
	o->syslog.facility = 10; /* authpriv: cmdlines may hold secrets */
	o->syslog.severity = 6;
	strcpy(o->syslog.sd_id, PT_SD_ID_EXAMPLE);
	strcpy(o->syslog.app_name, "pidtree");
	o->syslog.max_size = PT_SYSLOG_DEFAULT_SIZE;
	o->syslog.bom = PT_BOM_AUTO;
	o->syslog.queue_size = PT_QUEUE_DEFAULT_SIZE;
}

static bool journald_same(const struct pt_journald_opts *a, const struct pt_journald_opts *b)
{
	return !strcmp(a->identifier, b->identifier) && a->priority == b->priority &&
	       a->field_max == b->field_max && a->event_json == b->event_json &&
	       a->queue_size == b->queue_size && a->queue_len == b->queue_len;
}

static bool syslog_same(const struct pt_syslog_opts *a, const struct pt_syslog_opts *b,
			bool target)
{
	return (!target || !strcmp(a->target, b->target)) && a->facility == b->facility &&
	       a->severity == b->severity && !strcmp(a->sd_id, b->sd_id) &&
	       !strcmp(a->app_name, b->app_name) && !strcmp(a->hostname, b->hostname) &&
	       a->max_size == b->max_size && a->bom == b->bom && a->queue_size == b->queue_size &&
	       a->queue_len == b->queue_len;
}

bool pt_sink_same(const char *spec, const struct pt_sink_opts *a, const struct pt_sink_opts *b)
{
	if (!strcmp(spec, "json"))
		return !strcmp(a->json_path, b->json_path);
	if (!strncmp(spec, "json:", 5) || !strncmp(spec, "text", 4))
		return true; /* no settings */
	if (!strcmp(spec, "journald"))
		return journald_same(&a->journald, &b->journald);
	return syslog_same(&a->syslog, &b->syslog, !strcmp(spec, "syslog"));
}

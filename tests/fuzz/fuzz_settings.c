// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pidtree.conf (src/config/settings.c, read with libinih, and the output
 * specifications of src/config/sinkspec.c): the input is the file.
 *  - pt_settings_load returns 0 exactly when it reported no error, else
 *    -EINVAL; every diagnostic names the file and one of its lines;
 *  - whatever the file says, the settings stay in their documented ranges:
 *    at most 4 outputs, each a valid specification, paths absolute or
 *    relative to the file's directory, RFC 5424 names printable ASCII,
 *    numbers within their limits, every string terminated;
 *  - a second load of the same file gives the same settings;
 *  - each line of the input as an output specification and as a syslog
 *    target: accepted ones are well formed, refused ones say why.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fuzz.h"
#include "settings.h"
#include "sinkspec.h"

static char path[PATH_MAX];

#define TERMINATED(arr) (memchr((arr), '\0', sizeof(arr)) != NULL)

static bool printable(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
			return false;
	return i <= max;
}

static void check_path(const char *what, const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (!p[0])
		return;
	FZ_ASSERT(p[0] == '/', "%s '%s' is not absolute", what, p);
	if (strncmp(p, dir, n) || p[n] != '/') /* absolute as given */
		return;
}

static void check_target(const char *s)
{
	struct pt_syslog_target t;
	const char *why = NULL;
	int err = pt_syslog_target_parse(s, &t, &why);

	FZ_ASSERT(err == 0 || err == -EINVAL, "pt_syslog_target_parse: %d", err);
	if (err) {
		FZ_ASSERT(why && why[0], "target '%s' refused without a reason", s);
		return;
	}
	FZ_ASSERT(TERMINATED(t.path) && TERMINATED(t.host) && TERMINATED(t.port),
		  "unterminated target fields");
	if (t.transport == PT_SYSLOG_UNIX) {
		FZ_ASSERT(t.path[0] == '/' && !strcmp(t.path, s + 5), "unix target '%s'", s);
		return;
	}
	FZ_ASSERT(t.transport == PT_SYSLOG_UDP || t.transport == PT_SYSLOG_TCP, "transport %d",
		  t.transport);
	FZ_ASSERT(t.host[0] && !strchr(t.host, '/') && !strchr(t.host, ' '), "host '%s'", t.host);
	FZ_ASSERT(strstr(s, t.host), "host '%s' not from '%s'", t.host, s);
	FZ_ASSERT(t.port[0] >= '1' && t.port[0] <= '9' && atol(t.port) >= 1 &&
		  atol(t.port) <= 65535, "port '%s'", t.port);
}

static void check_spec(const char *s)
{
	char err[PT_SINK_SPEC_MAX + 300];
	int r;

	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	r = pt_sink_spec_check(s, err, sizeof(err));
	FZ_ASSERT(r == 0 || r == -EINVAL, "pt_sink_spec_check: %d", r);
	if (r)
		FZ_ASSERT(err[0] && err[0] != 'x', "spec '%s' refused without a message", s);
}

static void check_settings(const struct pt_daemon_settings *s, const char *dir)
{
	const struct pt_journald_opts *j = &s->sink.journald;
	const struct pt_syslog_opts *o = &s->sink.syslog;
	struct pt_syslog_target t;
	const char *why;
	int i;

	FZ_ASSERT(!strcmp(s->path, path), "path '%s'", s->path);
	FZ_ASSERT(TERMINATED(s->probes) && TERMINATED(s->plugin_path) &&
		  TERMINATED(s->sink.json_path), "unterminated path");
	check_path("probes", s->probes, dir);
	check_path("extra_plugin_path", s->plugin_path, dir);
	check_path("json path", s->sink.json_path, dir);
	FZ_ASSERT(s->nsinks >= 0 && s->nsinks <= PT_MAX_OUTPUTS, "%d outputs", s->nsinks);
	for (i = 0; i < s->nsinks; i++) {
		char err[PT_SINK_SPEC_MAX + 300];

		FZ_ASSERT(TERMINATED(s->sinks[i]), "output %d unterminated", i);
		FZ_ASSERT(s->sinks[i][0] && !pt_sink_spec_check(s->sinks[i], err, sizeof(err)),
			  "output '%s' kept though invalid", s->sinks[i]);
	}
	FZ_ASSERT(TERMINATED(j->identifier) && j->identifier[0] &&
		  printable(j->identifier, PT_IDENT_MAX), "identifier '%s'", j->identifier);
	FZ_ASSERT(j->priority >= 0 && j->priority <= 7, "priority %d", j->priority);
	FZ_ASSERT(j->field_max >= 1024 && j->field_max <= (1u << 24), "field_max %zu",
		  j->field_max);
	/* queue_len 0: no cap on the number of events, the bytes bound it */
	FZ_ASSERT(j->queue_len <= PT_QUEUE_MAX_LEN, "journald queue_len %zu", j->queue_len);
	FZ_ASSERT(j->queue_size >= PT_QUEUE_MIN_SIZE && j->queue_size <= PT_QUEUE_MAX_SIZE,
		  "journald queue_size %zu", j->queue_size);
	FZ_ASSERT(TERMINATED(o->target) && !pt_syslog_target_parse(o->target, &t, &why),
		  "syslog target '%s'", o->target);
	FZ_ASSERT(o->facility >= 0 && o->facility <= 23, "facility %d", o->facility);
	FZ_ASSERT(o->severity >= 0 && o->severity <= 7, "severity %d", o->severity);
	FZ_ASSERT(TERMINATED(o->sd_id) && printable(o->sd_id, PT_SD_ID_MAX) &&
		  (!o->sd_id[0] || (strchr(o->sd_id, '@') && !strpbrk(o->sd_id, "=]\""))),
		  "sd_id '%s'", o->sd_id);
	FZ_ASSERT(TERMINATED(o->app_name) && printable(o->app_name, PT_APP_NAME_MAX),
		  "app_name '%s'", o->app_name);
	FZ_ASSERT(TERMINATED(o->hostname) && printable(o->hostname, PT_HOSTNAME_MAX),
		  "hostname '%s'", o->hostname);
	FZ_ASSERT(o->max_size >= PT_SYSLOG_MIN_SIZE && o->max_size <= PT_SYSLOG_MAX_SIZE,
		  "max_size %zu", o->max_size);
	FZ_ASSERT(o->bom == PT_BOM_AUTO || o->bom == PT_BOM_YES || o->bom == PT_BOM_NO, "bom %d",
		  o->bom);
	/* queue_len 0: no cap on the number of events, the bytes bound it */
	FZ_ASSERT(o->queue_len <= PT_QUEUE_MAX_LEN, "syslog queue_len %zu", o->queue_len);
	FZ_ASSERT(o->queue_size >= PT_QUEUE_MIN_SIZE && o->queue_size <= PT_QUEUE_MAX_SIZE,
		  "syslog queue_size %zu", o->queue_size);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_path(path, sizeof(path), "pidtree.conf");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pt_daemon_settings *s = malloc(sizeof(*s)), *s2 = malloc(sizeof(*s2));
	struct pt_diags d = { 0 }, d2 = { 0 };
	char dir[PATH_MAX], *line;
	int err, err2, lines = 1;
	size_t i;

	FZ_ASSERT(s && s2, "out of memory");
	for (i = 0; i + 1 < size; i++)
		if (data[i] == '\n')
			lines++;
	fz_write(path, data, size);
	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);

	err = pt_settings_load(s, path, true, &d);
	FZ_ASSERT(err == 0 || err == -EINVAL, "pt_settings_load: %d", err);
	FZ_ASSERT((err == 0) == (d.nerrors == 0), "returned %d with %zu errors", err, d.nerrors);
	for (i = 0; i < d.n; i++) {
		const struct pt_diag *g = &d.v[i];

		FZ_ASSERT(g->level == PT_DIAG_ERROR || g->level == PT_DIAG_WARNING, "level %d",
			  g->level);
		FZ_ASSERT(g->file && !strcmp(g->file, path), "diagnostic for '%s'",
			  g->file ? g->file : "(null)");
		FZ_ASSERT(g->line >= 0 && g->line <= lines, "diagnostic for line %d of %d",
			  g->line, lines);
		FZ_ASSERT(g->msg && g->msg[0], "empty diagnostic");
	}
	check_settings(s, dir);

	err2 = pt_settings_load(s2, path, true, &d2);
	FZ_ASSERT(err2 == err && d2.n == d.n && d2.nerrors == d.nerrors, "second load differs");
	FZ_ASSERT(!memcmp(s, s2, sizeof(*s)), "second load gave other settings");
	pt_diags_free(&d);
	pt_diags_free(&d2);
	free(s);
	free(s2);

	/* every line as an output specification and as a syslog target */
	line = malloc(size + 1);
	FZ_ASSERT(line, "out of memory");
	for (const uint8_t *p = data, *end = data + size; p < end;) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		memcpy(line, p, n);
		line[n] = '\0';
		check_spec(line);
		check_target(line);
		if (!strncmp(line, "syslog:", 7))
			check_target(line + 7);
		p += n + 1;
	}
	free(line);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pidtree.conf (see settings.h), parsed with libinih.
 *
 * Debian's libinih is built without INI_HANDLER_LINENO, so the handler does
 * not get line numbers: the file is fed through ini_parse_stream() with our
 * own reader, which counts lines (inih asks for exactly one line per call)
 * and turns a line too long for inih's buffer into an error instead of
 * letting inih parse its pieces as separate lines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "keys.h"
#include "settings.h"
#include "sinkspec.h"
#include "trust.h"

struct ctx {
	struct pt_daemon_settings *s;
	struct pt_diags *d;
	const char *file;
	FILE *f;
	int line;
	char unknown_section[64]; /* last unknown section warned about */
	bool in_unknown;
	unsigned long long seen; /* keys already set, bit per entry of keys[] */
};

#define ERR(c, ...) pt_diag_add((c)->d, PT_DIAG_ERROR, (c)->file, (c)->line, __VA_ARGS__)
#define WARN(c, ...) pt_diag_add((c)->d, PT_DIAG_WARNING, (c)->file, (c)->line, __VA_ARGS__)

void pt_settings_init(struct pt_daemon_settings *s)
{
	memset(s, 0, sizeof(*s));
	pt_sink_opts_init(&s->sink);
	pt_remote_opts_init(&s->remote);
	pt_containers_opts_init(&s->containers);
	pt_dns_opts_init(&s->dns);
}

/* ---- value checks ------------------------------------------------------------ */

/* 1..max printable US-ASCII characters (RFC 5424 PRINTUSASCII). */
static bool printusascii(const char *v, size_t max)
{
	size_t i;

	for (i = 0; v[i]; i++)
		if ((unsigned char)v[i] < 33 || (unsigned char)v[i] > 126)
			return false;
	return i >= 1 && i <= max;
}

static int number(struct ctx *c, const char *key, const char *v, unsigned long lo,
		  unsigned long hi, size_t *out)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end || errno || n < lo || n > hi) {
		ERR(c, "%s: '%s' is not a number in %lu-%lu", key, v, lo, hi);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

/*
 * queue_size = SIZE: bytes with a K, M or G suffix (powers of 1024), in
 * PT_QUEUE_MIN_SIZE..PT_QUEUE_MAX_SIZE.  Without a suffix it is the number
 * of events earlier versions meant: accepted as queue_len, with a warning,
 * so that an old pidtree.conf keeps its meaning.
 */
static int queue_size(struct ctx *c, const char *key, const char *v, size_t *size, size_t *len)
{
	unsigned long long n;
	unsigned int shift;
	char *end;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || errno)
		goto bad;
	if (!*end) {
		if (n < 1 || n > PT_QUEUE_MAX_LEN)
			goto bad;
		WARN(c, "%s: '%s' without a unit is a number of events (deprecated): read as queue_len = %s; queue_size is in bytes now, e.g. 64M",
		     key, v, v);
		*len = (size_t)n;
		return 0;
	}
	switch (*end == 'k' || *end == 'm' || *end == 'g' ? *end - 32 : *end) {
	case 'K': shift = 10; break;
	case 'M': shift = 20; break;
	case 'G': shift = 30; break;
	default: goto bad;
	}
	if (end[1] || n > (PT_QUEUE_MAX_SIZE >> shift) || (n << shift) < PT_QUEUE_MIN_SIZE)
		goto bad;
	*size = (size_t)(n << shift);
	return 0;
bad:
	ERR(c, "%s: '%s' is not a size in 64K-1G (bytes with a K, M or G suffix)", key, v);
	return -EINVAL;
}

static int yes_no(struct ctx *c, const char *key, const char *v, bool *out)
{
	if (pt_parse_bool(v, out)) {
		ERR(c, "%s: '%s' is not yes or no", key, v);
		return -EINVAL;
	}
	return 0;
}

/* name@PEN with PEN = digits, optionally dot-separated (RFC 5424 7.2.2). */
static bool valid_sd_id(const char *v)
{
	const char *at = strchr(v, '@'), *p;

	if (!printusascii(v, PT_SD_ID_MAX) || strpbrk(v, "=]\"") || !at || at == v)
		return false;
	if (strchr(at + 1, '@'))
		return false;
	for (p = at + 1; *p; p++) {
		if (*p == '.' && p[1] >= '0' && p[1] <= '9' && p[-1] != '@')
			continue;
		if (*p < '0' || *p > '9')
			return false;
	}
	return p > at + 1;
}

static int copy(struct ctx *c, const char *key, char *dst, size_t size, const char *v)
{
	if (strlen(v) >= size) {
		ERR(c, "%s: value too long (at most %zu bytes)", key, size - 1);
		return -EINVAL;
	}
	strcpy(dst, v);
	return 0;
}

static int set_path(struct ctx *c, const char *key, char *dst, const char *v)
{
	char *dup, *dir;
	int n;

	if (!v[0]) {
		ERR(c, "%s: empty path", key);
		return -EINVAL;
	}
	if (v[0] == '/')
		return copy(c, key, dst, PT_PATH_MAX, v);
	/* relative to the directory of pidtree.conf, as YAML !include paths are */
	dup = strdup(c->file);
	if (!dup)
		return -ENOMEM;
	dir = dirname(dup);
	n = snprintf(dst, PT_PATH_MAX, "%s/%s", dir, v);
	free(dup);
	if (n < 0 || n >= PT_PATH_MAX) {
		ERR(c, "%s: path too long", key);
		dst[0] = '\0';
		return -EINVAL;
	}
	return 0;
}

static int set_sinks(struct ctx *c, const char *v)
{
	struct pt_daemon_settings *s = c->s;
	char tmp[PT_SINK_SPEC_MAX * PT_MAX_OUTPUTS], err[PT_SINK_SPEC_MAX + 200];
	char *save = NULL, *tok;
	int n = 0, bad = 0;

	if (copy(c, "sink", tmp, sizeof(tmp), v))
		return -EINVAL;
	for (tok = strtok_r(tmp, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
		if (n == PT_MAX_OUTPUTS) {
			ERR(c, "sink: at most %d outputs", PT_MAX_OUTPUTS);
			return -EINVAL;
		}
		if (pt_sink_spec_check(tok, err, sizeof(err))) {
			ERR(c, "sink: %s", err);
			bad++;
			continue;
		}
		if (strlen(tok) >= PT_SINK_SPEC_MAX) {
			ERR(c, "sink: '%.40s...' too long", tok);
			bad++;
			continue;
		}
		strcpy(s->sinks[n++], tok);
	}
	if (bad)
		return -EINVAL;
	if (!n) {
		ERR(c, "sink: no output given");
		return -EINVAL;
	}
	s->nsinks = n;
	return 0;
}

/* ---- keys ------------------------------------------------------------------------ */

static const char *const sections[] = { "daemon", "output", "journald", "syslog", "json",
					"containers", "dns" };

static const struct key {
	const char *section, *name;
} keys[] = {
	{ "daemon", "probes" },	    { "output", "sink" },	 { "journald", "identifier" },
	{ "journald", "priority" }, { "journald", "field_max" }, { "journald", "queue_size" },
	{ "journald", "queue_len" }, { "journald", "event_json" }, { "syslog", "queue_len" },
	{ "syslog", "target" },	    { "syslog", "facility" },	 { "syslog", "severity" },
	{ "syslog", "sd_id" },	    { "syslog", "app_name" },	 { "syslog", "hostname" },
	{ "syslog", "max_size" },   { "syslog", "bom" },	 { "syslog", "queue_size" },
	{ "json", "path" },	    { "daemon", "extra_plugin_path" },
	{ "daemon", "extra_probe_path" },
	{ "daemon", "remote_include_interval" }, { "daemon", "remote_include_cache" },
	{ "daemon", "remote_include_ca" },	  { "daemon", "remote_include_max_size" },
	{ "daemon", "remote_include_timeout" },
	{ "containers", "enabled" },		  { "containers", "docker_socket" },
	{ "containers", "podman_socket" },	  { "containers", "containerd_state" },
	{ "containers", "rebaseline_interval" }, { "containers", "stopped_keep" },
	{ "dns", "enabled" },		{ "dns", "max_entries" },	{ "dns", "min_ttl" },
	{ "dns", "max_ttl" },		{ "dns", "names_per_address" }, { "dns", "ports" },
	{ "dns", "pending_entries" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= 64, "struct ctx.seen has a bit per key");
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))
_Static_assert(NKEYS <= 64, "ctx.seen has one bit per key");

static int set_syslog(struct ctx *c, const char *name, const char *v)
{
	struct pt_syslog_opts *o = &c->s->sink.syslog;
	struct pt_syslog_target t;
	const char *why;
	bool yes;
	int n;

	if (!strcmp(name, "target")) {
		if (pt_syslog_target_parse(v, &t, &why)) {
			ERR(c, "target: '%s': %s", v, why);
			return -EINVAL;
		}
		return copy(c, name, o->target, sizeof(o->target), v);
	}
	if (!strcmp(name, "facility")) {
		n = pt_syslog_facility(v);
		if (n < 0) {
			ERR(c, "facility: unknown facility '%s' (kern, user, ..., authpriv, local0-local7 or 0-23)", v);
			return -EINVAL;
		}
		o->facility = n;
		return 0;
	}
	if (!strcmp(name, "severity")) {
		n = pt_syslog_severity(v);
		if (n < 0) {
			ERR(c, "severity: unknown severity '%s' (emerg ... debug or 0-7)", v);
			return -EINVAL;
		}
		o->severity = n;
		return 0;
	}
	if (!strcmp(name, "sd_id")) {
		if (!strcmp(v, "-")) {
			o->sd_id[0] = '\0';
			return 0;
		}
		if (!valid_sd_id(v)) {
			ERR(c, "sd_id: '%s' is not NAME@ENTERPRISE-NUMBER of at most 32 printable characters without '=', ']', '\"' (or \"-\" for none)", v);
			return -EINVAL;
		}
		return copy(c, name, o->sd_id, sizeof(o->sd_id), v);
	}
	if (!strcmp(name, "app_name") || !strcmp(name, "hostname")) {
		bool app = name[0] == 'a';
		size_t max = app ? PT_APP_NAME_MAX : PT_HOSTNAME_MAX;

		if (!printusascii(v, max)) {
			ERR(c, "%s: '%s' must be 1-%zu printable ASCII characters without spaces",
			    name, v, max);
			return -EINVAL;
		}
		return copy(c, name, app ? o->app_name : o->hostname,
			    app ? sizeof(o->app_name) : sizeof(o->hostname), v);
	}
	if (!strcmp(name, "max_size"))
		return number(c, name, v, PT_SYSLOG_MIN_SIZE, PT_SYSLOG_MAX_SIZE, &o->max_size);
	if (!strcmp(name, "queue_size"))
		return queue_size(c, name, v, &o->queue_size, &o->queue_len);
	if (!strcmp(name, "queue_len"))
		return number(c, name, v, 1, PT_QUEUE_MAX_LEN, &o->queue_len);
	/* bom */
	if (!strcasecmp(v, "auto")) {
		o->bom = PT_BOM_AUTO;
	} else if (!pt_parse_bool(v, &yes)) {
		o->bom = yes ? PT_BOM_YES : PT_BOM_NO;
	} else {
		ERR(c, "bom: '%s' is not auto, yes or no", v);
		return -EINVAL;
	}
	return 0;
}

static int set_key(struct ctx *c, const char *section, const char *name, const char *v)
{
	struct pt_daemon_settings *s = c->s;
	struct pt_journald_opts *j = &s->sink.journald;
	int n;

	if (!strcmp(section, "daemon") && !strncmp(name, "remote_include_", 15)) {
		char err[PT_PATH_MAX + 200];
		int r = pt_remote_setting(&s->remote, name, v, err, sizeof(err));

		if (r)
			ERR(c, "%s", err);
		return r;
	}
	if (!strcmp(section, "containers")) {
		char err[PT_CONTAINERS_PATH_MAX + 200];
		int r = pt_containers_setting(&s->containers, name, v, err, sizeof(err));

		if (r)
			ERR(c, "%s", err);
		return r;
	}
	if (!strcmp(section, "dns")) {
		char err[200];
		int r = pt_dns_opts_set(&s->dns, name, v, err, sizeof(err));

		if (r)
			ERR(c, "%s", err);
		return r;
	}
	if (!strcmp(section, "daemon") && !strcmp(name, "extra_probe_path"))
		return set_path(c, name, s->probe_path, v);
	if (!strcmp(section, "daemon"))
		return set_path(c, name, strcmp(name, "probes") ? s->plugin_path : s->probes, v);
	if (!strcmp(section, "output"))
		return set_sinks(c, v);
	if (!strcmp(section, "json")) {
		if (!strcmp(v, "-")) {
			s->sink.json_path[0] = '\0';
			return 0;
		}
		return set_path(c, name, s->sink.json_path, v);
	}
	if (!strcmp(section, "syslog"))
		return set_syslog(c, name, v);
	/* journald */
	if (!strcmp(name, "identifier")) {
		if (!printusascii(v, PT_IDENT_MAX)) {
			ERR(c, "identifier: '%s' must be 1-%d printable ASCII characters without spaces",
			    v, PT_IDENT_MAX);
			return -EINVAL;
		}
		return copy(c, name, j->identifier, sizeof(j->identifier), v);
	}
	if (!strcmp(name, "priority")) {
		n = pt_syslog_severity(v);
		if (n < 0) {
			ERR(c, "priority: unknown priority '%s' (emerg ... debug or 0-7)", v);
			return -EINVAL;
		}
		j->priority = n;
		return 0;
	}
	if (!strcmp(name, "field_max"))
		return number(c, name, v, 1024, 1u << 24, &j->field_max);
	if (!strcmp(name, "event_json"))
		return yes_no(c, name, v, &j->event_json);
	if (!strcmp(name, "queue_len"))
		return number(c, name, v, 1, PT_QUEUE_MAX_LEN, &j->queue_len);
	return queue_size(c, name, v, &j->queue_size, &j->queue_len);
}

#if INI_HANDLER_LINENO
static int handler(void *user, const char *section, const char *name, const char *value,
		   int lineno)
#else
static int handler(void *user, const char *section, const char *name, const char *value)
#endif
{
	struct ctx *c = user;
	size_t i;

	if (!name || !value)
		return 1;
	for (i = 0; i < NSECTIONS; i++)
		if (!strcmp(section, sections[i]))
			break;
	if (i == NSECTIONS) {
		if (!c->in_unknown ||
		    strncmp(c->unknown_section, section, sizeof(c->unknown_section) - 1)) {
			c->in_unknown = true;
			if (section[0])
				WARN(c, "unknown section [%s] ignored", section);
			else
				WARN(c, "'%s' outside of any [section] ignored", name);
			snprintf(c->unknown_section, sizeof(c->unknown_section), "%s", section);
		}
		return 1;
	}
	for (i = 0; i < NKEYS; i++)
		if (!strcmp(section, keys[i].section) && !strcmp(name, keys[i].name))
			break;
	if (i == NKEYS) {
		WARN(c, "unknown key '%s' in [%s] ignored", name, section);
		return 1;
	}
	if (c->seen & (1ull << i))
		WARN(c, "[%s] %s set more than once; the last value wins", section, name);
	c->seen |= 1ull << i;
	if (set_key(c, section, name, value) == -ENOMEM)
		ERR(c, "out of memory");
	return 1; /* errors are in diags; a 0 would only tell inih the line number */
}

/* One line per call, numbered; an over-long line becomes an error + a comment. */
static char *reader(char *str, int num, void *stream)
{
	struct ctx *c = stream;
	size_t n;
	int ch;

	if (!fgets(str, num, c->f))
		return NULL;
	c->line++;
	n = strlen(str);
	if (n && str[n - 1] == '\n')
		return str;
	if (feof(c->f))
		return str;
	while ((ch = fgetc(c->f)) != EOF && ch != '\n')
		;
	ERR(c, "line too long (libinih reads at most %d characters per line)", num - 3);
	snprintf(str, (size_t)num, ";\n");
	return str;
}

int pt_settings_load(struct pt_daemon_settings *s, const char *path, bool must_exist,
		     struct pt_diags *diags)
{
	struct ctx c = { .s = s, .d = diags, .file = path };
	size_t before = diags->nerrors;
	char why[PATH_MAX + 256];
	int r, err, fd;

	pt_settings_init(s);
	/* read from the descriptor that passed the trusted-file policy (trust.h) */
	fd = pt_trust_open(path, 0, NULL, why, sizeof(why));
	if (fd < 0) {
		err = fd;
		if (err == -ENOENT && !must_exist)
			return 0;
		if (err == -EPERM)
			pt_diag_add(diags, PT_DIAG_ERROR, path, 0, "refusing to trust this file: %s",
				    why);
		else
			pt_diag_add(diags, PT_DIAG_ERROR, path, 0, "cannot read: %s (%s)",
				    strerror(-err), why);
		return err;
	}
	c.f = fdopen(fd, "r");
	if (!c.f) {
		close(fd);
		return -ENOMEM;
	}
	if (strlen(path) >= sizeof(s->path)) {
		pt_diag_add(diags, PT_DIAG_ERROR, path, 0, "file name too long");
		fclose(c.f);
		return -ENAMETOOLONG;
	}
	strcpy(s->path, path);
	r = ini_parse_stream(reader, &c, handler, &c);
	if (ferror(c.f)) {
		err = -errno;
		pt_diag_add(diags, PT_DIAG_ERROR, path, 0, "read error: %s",
			    strerror(err ? -err : EIO));
		fclose(c.f);
		return err ? err : -EIO;
	}
	fclose(c.f);
	if (r > 0)
		pt_diag_add(diags, PT_DIAG_ERROR, path, r,
			    "syntax error: expected [section], key = value or a ; comment");
	else if (r < 0)
		pt_diag_add(diags, PT_DIAG_ERROR, path, 0, "cannot parse (%d)", r);
	if (!r) {
		char dwhy[200];

		/* [dns]: the checks across keys (min_ttl <= max_ttl) */
		if (pt_dns_opts_check(&s->dns, dwhy, sizeof(dwhy)))
			pt_diag_add(diags, PT_DIAG_ERROR, path, 0, "[dns] %s", dwhy);
	}
	return diags->nerrors > before ? -EINVAL : 0;
}

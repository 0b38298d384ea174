// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probe configuration: diagnostics, the top level of the file (probe names)
 * and the small value parsers shared with plugins.  The YAML itself is read
 * by config_yaml.c, each probe's mapping is interpreted by config_probe.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const pt_probe_names[PT_PROBE_COUNT] = {
	[PT_PROBE_TCP_CONNECT] = "tcp_connect",
	[PT_PROBE_NET_LISTEN] = "net_listen",
	[PT_PROBE_UDP_SESSION] = "udp_session",
};

/* ---- diagnostics ------------------------------------------------------ */

void pt_diag_add(struct pt_diags *d, enum pt_diag_level level, const char *file, int line,
		 const char *fmt, ...)
{
	struct pt_diag *v;
	char *msg = NULL, *f = NULL;
	va_list ap;
	int ret;

	if (level == PT_DIAG_ERROR)
		d->nerrors++; /* counted even if the text cannot be stored */
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		v = reallocarray(d->v, cap, sizeof(*v));
		if (!v)
			return;
		d->v = v;
		d->cap = cap;
	}
	va_start(ap, fmt);
	ret = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return;
	if (file) {
		f = strdup(file);
		if (!f) {
			free(msg);
			return;
		}
	}
	d->v[d->n++] = (struct pt_diag){ .level = level, .file = f, .line = line, .msg = msg };
}

void pt_diags_print(const struct pt_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct pt_diag *g = &d->v[i];
		int lvl = g->level == PT_DIAG_ERROR ? LOG_ERR : LOG_WARNING;

		if (g->file && g->line > 0)
			pt_log(lvl, "%s:%d: %s", g->file, g->line, g->msg);
		else if (g->file)
			pt_log(lvl, "%s: %s", g->file, g->msg);
		else
			pt_log(lvl, "%s", g->msg);
	}
}

void pt_diags_free(struct pt_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* ---- value parsers ------------------------------------------------------ */

int pt_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* One port 1-65535, blanks around it allowed; returns the rest or NULL. */
static const char *parse_port(const char *s, unsigned int *out)
{
	unsigned int v = 0;
	const char *start;

	while (*s == ' ' || *s == '\t')
		s++;
	for (start = s; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > 65535)
			return NULL;
	}
	if (s == start || v < 1)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	*out = v;
	return s;
}

/* "80" or "30000-40000" (1 <= lo <= hi <= 65535). */
int pt_parse_port_range(const char *s, struct pt_port_range *out)
{
	unsigned int lo, hi;

	if (!s)
		return -EINVAL;
	s = parse_port(s, &lo);
	if (!s)
		return -EINVAL;
	hi = lo;
	if (*s == '-') {
		s = parse_port(s + 1, &hi);
		if (!s)
			return -EINVAL;
	}
	if (*s || lo > hi)
		return -EINVAL;
	out->lo = (__u16)lo;
	out->hi = (__u16)hi;
	return 0;
}

/* ---- loading ------------------------------------------------------------ */

void pt_probe_config_defaults(struct pt_probe_config *pc, enum pt_probe_kind kind)
{
	memset(pc, 0, sizeof(*pc));
	pc->kind = kind;
	pc->port_mode = PT_PORTS_NONE;
	pc->protocols = PT_PROTO_TCP;
	pc->snapshot_periodicity = 0;
	pc->snapshot_delay = 5;
	pc->session_max_duration = 120;
	pc->max_sessions = 16384;
}

static int parse_root(struct pt_config *cfg, struct pt_diags *d)
{
	const struct pt_ynode *root = cfg->tree.root;
	size_t i;
	int kind, ret;

	if (!root || root->type == PT_Y_NULL)
		return 0; /* empty file: no probes */
	if (root->type != PT_Y_MAPPING) {
		pt_diag_add(d, PT_DIAG_ERROR, root->file, root->line,
			    "the configuration must be a mapping of probe names");
		return 0;
	}
	for (i = 0; i < root->n; i++) {
		const struct pt_ynode *k = root->keys[i], *v = root->values[i];

		if (k->type != PT_Y_SCALAR) {
			pt_diag_add(d, PT_DIAG_ERROR, k->file, k->line,
				    "top-level keys must be probe names");
			continue;
		}
		if (k->scalar[0] == '_')
			continue; /* anchors and the like */
		for (kind = 0; kind < PT_PROBE_COUNT; kind++)
			if (!strcmp(k->scalar, pt_probe_names[kind]))
				break;
		if (kind == PT_PROBE_COUNT) {
			pt_diag_add(d, PT_DIAG_WARNING, k->file, k->line,
				    "unknown probe '%s' ignored", k->scalar);
			continue;
		}
		ret = pt_config_parse_probe(&cfg->probes[kind], k, v, d);
		if (ret)
			return ret;
	}
	return 0;
}

int pt_config_load(struct pt_config *cfg, const char *path, struct pt_diags *diags)
{
	return pt_config_load_opts(cfg, path, NULL, diags);
}

int pt_config_load_opts(struct pt_config *cfg, const char *path, const struct pt_yload_opts *o,
			struct pt_diags *diags)
{
	size_t nerrors = diags->nerrors;
	int kind, ret;

	memset(cfg, 0, sizeof(*cfg));
	for (kind = 0; kind < PT_PROBE_COUNT; kind++)
		pt_probe_config_defaults(&cfg->probes[kind], kind);

	ret = pt_ytree_load_opts(&cfg->tree, path, o, diags);
	if (ret && ret != -EINVAL)
		goto out; /* unreadable main file or ENOMEM */
	/* even after YAML errors in an include, report what else is wrong */
	ret = parse_root(cfg, diags);
	if (!ret && diags->nerrors > nerrors)
		ret = -EINVAL;
out:
	if (ret)
		pt_config_free(cfg);
	return ret;
}

void pt_config_free(struct pt_config *cfg)
{
	size_t i;
	int kind;

	for (kind = 0; kind < PT_PROBE_COUNT; kind++) {
		struct pt_probe_config *pc = &cfg->probes[kind];

		for (i = 0; i < pc->nfilters; i++) {
			free(pc->filters[i].subnet_name);
			free(pc->filters[i].description);
		}
		free(pc->filters);
		free(pc->ports);
		for (i = 0; i < pc->nplugins; i++)
			free(pc->plugins[i].name);
		free(pc->plugins);
	}
	pt_ytree_free(&cfg->tree);
	memset(cfg, 0, sizeof(*cfg));
}

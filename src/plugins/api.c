// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's side of the public plugin ABI (include/pidtree/plugin.h):
 * read-only accessors over a plugin's YAML arguments, messages with
 * file:line, reading the event and adding fields to it (copied into a
 * per-event arena: no allocation, no system call).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "log.h"
#include "plugin_int.h"

/* ---- configuration accessors ------------------------------------------------ */


static const struct pidtree_arg *arg_get(const struct pidtree_arg *map, const char *key)
{
	if (!map || !key || YN(map)->type != PT_Y_MAPPING)
		return NULL;
	return ARG(pt_ynode_get(YN(map), key));
}

static enum pidtree_arg_type arg_type(const struct pidtree_arg *a)
{
	if (!a)
		return PIDTREE_ARG_NONE;
	switch (YN(a)->type) {
	case PT_Y_SCALAR:
		return PIDTREE_ARG_SCALAR;
	case PT_Y_SEQUENCE:
		return PIDTREE_ARG_LIST;
	case PT_Y_MAPPING:
		return PIDTREE_ARG_MAP;
	default:
		return PIDTREE_ARG_NULL;
	}
}

static const char *arg_str(const struct pidtree_arg *a)
{
	return a && YN(a)->type == PT_Y_SCALAR ? YN(a)->scalar : NULL;
}

static int arg_int(const struct pidtree_arg *a, long long *out)
{
	const char *s = arg_str(a);
	char *end;
	long long v;

	if (!s || !*s || (*s != '-' && *s != '+' && (*s < '0' || *s > '9')))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

static int arg_bool(const struct pidtree_arg *a, bool *out)
{
	const char *s = arg_str(a);

	return s ? pt_parse_bool(s, out) : -EINVAL;
}

size_t pt_plugin_arg_count(const struct pidtree_arg *a)
{
	if (!a || (YN(a)->type != PT_Y_SEQUENCE && YN(a)->type != PT_Y_MAPPING))
		return 0;
	return YN(a)->n;
}

static const struct pidtree_arg *arg_item(const struct pidtree_arg *a, size_t i)
{
	if (i >= pt_plugin_arg_count(a))
		return NULL;
	return ARG(YN(a)->type == PT_Y_SEQUENCE ? YN(a)->items[i] : YN(a)->values[i]);
}

const char *pt_plugin_arg_key(const struct pidtree_arg *map, size_t i)
{
	if (!map || YN(map)->type != PT_Y_MAPPING || i >= YN(map)->n)
		return NULL;
	return YN(map)->keys[i]->type == PT_Y_SCALAR ? YN(map)->keys[i]->scalar : NULL;
}

static void arg_where(const struct pidtree_arg *a, const char **file, int *line)
{
	if (file)
		*file = a ? YN(a)->file : NULL;
	if (line)
		*line = a ? YN(a)->line : 0;
}

void pt_plugin_arg_dir(const struct pidtree_arg *a, char *buf, size_t len)
{
	const char *file = a ? YN(a)->file : NULL, *slash;
	size_t n;

	slash = file ? strrchr(file, '/') : NULL;
	if (!slash) {
		snprintf(buf, len, ".");
		return;
	}
	n = (size_t)(slash - file);
	if (n == 0)
		n = 1; /* "/x.yml" -> "/" */
	snprintf(buf, len, "%.*s", (int)n, file);
}

/* ---- messages ------------------------------------------------------------------ */

static void vreport(struct pidtree_ctx *ctx, enum pidtree_level level,
		    const struct pidtree_arg *at, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
static void vreport(struct pidtree_ctx *ctx, enum pidtree_level level,
		    const struct pidtree_arg *at, const char *fmt, va_list ap)
{
	struct pt_pinst *in = ctx->inst;
	const char *file = in->file;
	int line = in->line;
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (ctx->diags) {
		if (at) {
			file = YN(at)->file;
			line = YN(at)->line;
		}
		if (level <= PIDTREE_ERR)
			ctx->errors = true;
		pt_diag_add(ctx->diags, level <= PIDTREE_ERR ? PT_DIAG_ERROR : PT_DIAG_WARNING, file,
			    line, "plugin %s: %s", in->name, msg);
		return;
	}
	pt_log((int)level, "%s:%d: plugin %s on %s: %s", file ? file : "?", line, in->name,
	       in->probe, msg);
}

void pt_plugin_report(struct pidtree_ctx *ctx, enum pidtree_level level,
		   const struct pidtree_arg *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, level, at, fmt, ap);
	va_end(ap);
}

static void plog(struct pidtree_ctx *ctx, enum pidtree_level level, const char *fmt, ...)
{
	struct pt_pinst *in = ctx->inst;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pt_log((int)level, "plugin %s on %s: %s", in->name, in->probe, msg);
}

/* ---- the event ----------------------------------------------------------------------- */

struct pt_event *pt_plugin_event(struct pidtree_event *ev)
{
	return ev->ev;
}

static const char *nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

static const char *ev_str(const struct pidtree_event *e, enum pidtree_field f)
{
	const struct pt_event *ev = e->ev;

	switch (f) {
	case PIDTREE_FIELD_PROBE:
		return ev->probe ? ev->probe->name : NULL;
	case PIDTREE_FIELD_DADDR:
		return nonempty(ev->daddr);
	case PIDTREE_FIELD_SADDR:
		return nonempty(ev->saddr);
	case PIDTREE_FIELD_LADDR:
		return nonempty(ev->laddr);
	case PIDTREE_FIELD_PROTOCOL:
		return ev->protocol;
	case PIDTREE_FIELD_ERROR:
		return ev->error;
	default:
		return NULL;
	}
}

static int ev_int(const struct pidtree_event *e, enum pidtree_field f, int64_t *out)
{
	const struct pt_event *ev = e->ev;

	switch (f) {
	case PIDTREE_FIELD_PID:
		*out = ev->pid;
		return 0;
	case PIDTREE_FIELD_TIMESTAMP_US:
		*out = (int64_t)ev->ts_us;
		return 0;
	case PIDTREE_FIELD_PORT:
		if (!ev->has_port)
			return -ENOENT;
		*out = ev->port;
		return 0;
	default:
		return -ENOENT;
	}
}

static size_t proc_count(const struct pidtree_event *e)
{
	return e->ev->nproc < PT_MAX_DEPTH ? e->ev->nproc : PT_MAX_DEPTH;
}

static const char *proc_str(const struct pidtree_event *e, size_t i, enum pidtree_proc_field f)
{
	const struct pt_event_proc *p;

	if (i >= proc_count(e))
		return NULL;
	p = &e->ev->proctree[i];
	switch (f) {
	case PIDTREE_PROC_CMDLINE:
		return p->cmdline;
	case PIDTREE_PROC_USERNAME:
		return p->username;
	default:
		return NULL;
	}
}

static int proc_int(const struct pidtree_event *e, size_t i, enum pidtree_proc_field f,
		    int64_t *out)
{
	const struct pt_event_proc *p;

	if (i >= proc_count(e))
		return -ENOENT;
	p = &e->ev->proctree[i];
	switch (f) {
	case PIDTREE_PROC_PID:
		*out = p->pid;
		return 0;
	case PIDTREE_PROC_PPID:
		*out = p->ppid;
		return 0;
	case PIDTREE_PROC_UID:
		*out = p->uid;
		return 0;
	case PIDTREE_PROC_LOGINUID:
		*out = p->loginuid;
		return 0;
	case PIDTREE_PROC_START_NS:
		*out = (int64_t)p->start_ns;
		return 0;
	default:
		return -ENOENT;
	}
}

static size_t dest_count(const struct pidtree_event *e)
{
	return e->ev->dests ? e->ev->ndests : 0;
}

static const char *dest_str(const struct pidtree_event *e, size_t i, enum pidtree_dest_field f)
{
	if (i >= dest_count(e) || f != PIDTREE_DEST_DADDR)
		return NULL;
	return e->ev->dests[i].daddr;
}

static int dest_int(const struct pidtree_event *e, size_t i, enum pidtree_dest_field f,
		    int64_t *out)
{
	const struct pt_udp_dest *d;

	if (i >= dest_count(e))
		return -ENOENT;
	d = &e->ev->dests[i];
	switch (f) {
	case PIDTREE_DEST_PORT:
		*out = d->port;
		return 0;
	case PIDTREE_DEST_MSG_COUNT:
		*out = (int64_t)d->msg_count;
		return 0;
	case PIDTREE_DEST_DURATION_US:
		*out = (int64_t)(d->duration * 1e6);
		return 0;
	default:
		return -ENOENT;
	}
}

static const char *username(struct pidtree_event *e, uint32_t uid)
{
	/* may_clear = false: names handed out for this event must stay valid */
	return pt_users_get(&e->m->users, uid, false);
}

/* Copy s into the per-event arena; NULL when full. */
static const char *arena_dup(struct pt_plugins *m, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (n > ARENA_SIZE - m->arena_used)
		return NULL;
	p = m->arena + m->arena_used;
	memcpy(p, s, n);
	m->arena_used += n;
	return p;
}

/*
 * Key and value are copied into the per-event arena; pt_event_add_*()
 * validates the key (a failed add gives its room back).
 */
static int add_field(struct pidtree_event *e, const char *key, enum pt_field_type type,
		     const char *val, int64_t num)
{
	struct pt_plugins *m = e->m;
	size_t mark = m->arena_used;
	const char *k, *v = NULL;
	int err;

	if (!key)
		return -EINVAL;
	k = arena_dup(m, key);
	if (k && type == PT_FIELD_STR)
		v = arena_dup(m, val);
	if (!k || (type == PT_FIELD_STR && !v)) {
		m->arena_used = mark;
		return -ENOSPC;
	}
	if (type == PT_FIELD_STR)
		err = pt_event_add_str(e->ev, k, v);
	else if (type == PT_FIELD_INT)
		err = pt_event_add_int(e->ev, k, num);
	else
		err = pt_event_add_bool(e->ev, k, num != 0);
	if (err)
		m->arena_used = mark;
	return err;
}

static int add_str(struct pidtree_event *e, const char *key, const char *val)
{
	return val ? add_field(e, key, PT_FIELD_STR, val, 0) : -EINVAL;
}

static int add_int(struct pidtree_event *e, const char *key, int64_t val)
{
	return add_field(e, key, PT_FIELD_INT, NULL, val);
}

static int add_bool(struct pidtree_event *e, const char *key, bool val)
{
	return add_field(e, key, PT_FIELD_BOOL, NULL, val);
}

bool pt_plugin_key_ok(const char *key)
{
	static struct pt_event scratch;

	scratch.nfields = 0;
	return key && pt_event_add_bool(&scratch, key, true) == 0;
}

const struct pidtree_api pt_plugin_api = {
	.abi_version = PIDTREE_PLUGIN_ABI_VERSION,
	.size = sizeof(struct pidtree_api),
	.arg_get = arg_get,
	.arg_type = arg_type,
	.arg_str = arg_str,
	.arg_int = arg_int,
	.arg_bool = arg_bool,
	.arg_count = pt_plugin_arg_count,
	.arg_item = arg_item,
	.arg_key = pt_plugin_arg_key,
	.arg_where = arg_where,
	.report = pt_plugin_report,
	.log = plog,
	.watch_file = pt_plugin_watch_file,
	.key_ok = pt_plugin_key_ok,
	.ev_str = ev_str,
	.ev_int = ev_int,
	.proc_count = proc_count,
	.proc_str = proc_str,
	.proc_int = proc_int,
	.dest_count = dest_count,
	.dest_str = dest_str,
	.dest_int = dest_int,
	.username = username,
	.add_str = add_str,
	.add_int = add_int,
	.add_bool = add_bool,
};


const struct pidtree_api *pt_plugins_api(void)
{
	return &pt_plugin_api;
}

struct pidtree_event *pt_plugins_event(struct pt_plugins *m, struct pt_event *ev)
{
	m->arena_used = 0;
	m->probe_ev.ev = ev;
	m->probe_ev.m = m;
	return &m->probe_ev;
}

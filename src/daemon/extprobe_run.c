// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * External probes at run time: the functions of their rows' descriptors,
 * which wrap the ABI's check/open/decode/close, and the function table
 * struct pidtree_probe_api handed to them (include/pidtree/probe.h).
 *
 * decode() fills the event through the plugin ABI's event handle, its
 * strings copied into an arena of the registry's own (a plugin manager with
 * no plugins), so that the plugins' arena, emptied for every event they
 * process, never holds what the probe added.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "extprobe.h"
#include "log.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))

/* One open instance of an external probe: its pt_probe's priv. */
struct pt_ext_inst {
	struct pt_extprobe *x;
	void *state;
};

/* What a probe's calls into pidtree refer to (check() and open() only). */
struct pidtree_probe_ctx {
	struct pt_extprobe *x;
	struct pt_probe *p; /* open(): the instance being opened */
	const struct pt_probe_env *env;
	const struct pt_probe_config *pc;
	struct pt_diags *diags; /* check(): where report() goes */
	bool errors;            /* report(PIDTREE_ERR) in check() */
	bool prepared;          /* open() called prepare() */
};

static const struct pidtree_arg *args_of(const struct pt_probe_config *pc)
{
	return pc && pc->node && pc->node->type == PT_Y_MAPPING ? (const void *)pc->node : NULL;
}

/* ---- messages --------------------------------------------------------------------- */

static void report(struct pidtree_probe_ctx *ctx, enum pidtree_level level,
		   const struct pidtree_arg *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report(struct pidtree_probe_ctx *ctx, enum pidtree_level level,
		   const struct pidtree_arg *at, const char *fmt, ...)
{
	const struct pt_ynode *n = (const void *)at;
	const char *file = n ? n->file : ctx->pc ? ctx->pc->file : NULL;
	int line = n ? n->line : ctx->pc ? ctx->pc->line : 0;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->diags) {
		if (level <= PIDTREE_ERR)
			ctx->errors = true;
		pt_diag_add(ctx->diags, level <= PIDTREE_ERR ? PT_DIAG_ERROR : PT_DIAG_WARNING,
			    file, line, "probe %s: %s", ctx->x->name, msg);
		return;
	}
	pt_log((int)level, "%s:%d: probe %s: %s", file ? file : "?", line, ctx->x->name, msg);
}

static void plog(struct pidtree_probe_ctx *ctx, enum pidtree_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void plog(struct pidtree_probe_ctx *ctx, enum pidtree_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pt_log((int)level, "probe %s: %s", ctx->x->name, msg);
}

/* ---- open(): the BPF object --------------------------------------------------------- */

/* The object's .rodata map (where const volatile globals live), NULL if none. */
static struct bpf_map *rodata_map(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t n = strlen(name);

		if (bpf_map__is_internal(m) && n >= 7 && !strcmp(name + n - 7, ".rodata"))
			return m;
	}
	return NULL;
}

/*
 * Write p's pt_consts into the object's read-only data (ringbuf.bpf.h's
 * pt_consts, found by its BTF), so that no probe can forget it: its
 * records would otherwise carry type 0, which is never valid.
 */
static int set_consts(struct pidtree_probe_ctx *ctx, struct bpf_object *obj)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs = NULL;
	const struct btf_type *sec;
	struct bpf_map *m = rodata_map(obj);
	size_t size = 0;
	const char *data;
	char *copy;
	int id, err;

	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -ENOENT;
	if (id > 0) {
		sec = btf__type_by_id(btf, (uint32_t)id);
		vs = btf_var_secinfos(sec);
		for (int i = 0; i < btf_vlen(sec); i++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);

			if (v && !strcmp(btf__name_by_offset(btf, v->name_off), "pt_consts"))
				break;
		}
		if (vs == btf_var_secinfos(sec) + btf_vlen(sec))
			vs = NULL;
	}
	data = m ? bpf_map__initial_value(m, &size) : NULL;
	if (!vs || !data) {
		plog(ctx, PIDTREE_ERR, "its BPF object has no pt_consts (include ringbuf.bpf.h, "
				       "build with clang -g)");
		return -EINVAL;
	}
	if (vs->size != sizeof(ctx->p->consts) || vs->offset + vs->size > size) {
		plog(ctx, PIDTREE_ERR, "its pt_consts is %u bytes, not %zu: built with other "
				       "pidtree headers", vs->size, sizeof(ctx->p->consts));
		return -EINVAL;
	}
	/* through libbpf's setter: what the probe set there already is kept */
	copy = malloc(size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, size);
	memcpy(copy + vs->offset, &ctx->p->consts, sizeof(ctx->p->consts));
	err = bpf_map__set_initial_value(m, copy, size);
	free(copy);
	if (err)
		plog(ctx, PIDTREE_ERR, "cannot set its pt_consts: %s", strerror(-err));
	return err;
}

static int prepare(struct pidtree_probe_ctx *ctx, struct bpf_object *obj)
{
	int err;

	if (!ctx->p || !obj)
		return -EINVAL;
	err = set_consts(ctx, obj);
	if (!err)
		err = pt_probe_prepare_obj(ctx->p, ctx->env, ctx->pc, obj);
	if (!err)
		ctx->prepared = true;
	return err;
}

static int filters(struct pidtree_probe_ctx *ctx, struct bpf_object *obj,
		   volatile uint32_t *generation)
{
	if (!ctx->p || !obj || !generation)
		return -EINVAL;
	if (!ctx->x->desc.schema.network) {
		plog(ctx, PIDTREE_ERR, "filters(): not a network probe");
		return -EINVAL;
	}
	return pt_probe_filters_init(ctx->p, ctx->pc, obj, generation);
}

static int cgroup2_open(struct pidtree_probe_ctx *ctx)
{
	char who[PIDTREE_PROBE_NAME_MAX + 8];

	snprintf(who, sizeof(who), "probe %s", ctx->x->name);
	return pt_cgroup2_open(who);
}

/* ---- decode(): the event ------------------------------------------------------------ */

static int set_addr(struct pidtree_event *e, enum pidtree_field f, int family, const void *addr)
{
	struct pt_event *ev = pt_plugin_event(e);
	char *dst;

	if (!addr || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	switch (f) {
	case PIDTREE_FIELD_DADDR:
		dst = ev->daddr;
		break;
	case PIDTREE_FIELD_SADDR:
		dst = ev->saddr;
		break;
	case PIDTREE_FIELD_LADDR:
		dst = ev->laddr;
		break;
	default:
		return -EINVAL;
	}
	pt_addr_to_str(family, addr, dst, INET6_ADDRSTRLEN);
	return 0;
}

static int set_port(struct pidtree_event *e, uint16_t port)
{
	struct pt_event *ev = pt_plugin_event(e);

	ev->port = port;
	ev->has_port = true;
	return 0;
}

static int set_protocol(struct pidtree_event *e, const char *protocol)
{
	struct pt_event *ev = pt_plugin_event(e);

	if (!protocol || (strcmp(protocol, "tcp") && strcmp(protocol, "udp")))
		return -EINVAL;
	ev->protocol = protocol[0] == 't' ? "tcp" : "udp"; /* static: outlives the probe's */
	return 0;
}

static int add_error(struct pidtree_event *e, const char *reason)
{
	if (!reason || !*reason)
		return -EINVAL;
	pt_event_add_error(pt_plugin_event(e), "%s", reason);
	return 0;
}

static const struct pidtree_probe_api api = {
	.abi_version = PIDTREE_PROBE_ABI_VERSION,
	.size = sizeof(struct pidtree_probe_api),
	.report = report,
	.log = plog,
	.prepare = prepare,
	.filters = filters,
	.cgroup2_open = cgroup2_open,
	.set_addr = set_addr,
	.set_port = set_port,
	.set_protocol = set_protocol,
	.add_error = add_error,
};

/* The table, with the plugin API in it (its address is only known at run time). */
static const struct pidtree_probe_api *the_api(void)
{
	static struct pidtree_probe_api a;

	if (!a.plugin) {
		a = api;
		a.plugin = pt_plugins_api();
	}
	return &a;
}

/* ---- the row's descriptor functions --------------------------------------------------- */

size_t pt_extprobe_priv_size(void)
{
	return sizeof(struct pt_ext_inst);
}

int pt_extprobe_open(struct pt_probe *p, const struct pt_probe_env *env,
		     const struct pt_probe_config *pc)
{
	struct pt_extprobe *x = container_of(p->desc, struct pt_extprobe, desc);
	struct pidtree_probe_ctx ctx = { .x = x, .p = p, .env = env, .pc = pc };
	struct pt_ext_inst *in = p->priv;
	int err;

	in->x = x;
	err = x->abi->open(the_api(), &ctx, args_of(pc), &in->state);
	if (err > 0)
		err = -EINVAL;
	if (!err && !ctx.prepared) {
		plog(&ctx, PIDTREE_ERR, "open() did not call prepare(): its records would "
					"never reach pidtree");
		err = -EINVAL;
	}
	if (!err && x->desc.schema.network && !p->generation) {
		plog(&ctx, PIDTREE_ERR, "open() did not call filters(): a network probe must "
					"install its filters before it attaches");
		err = -EINVAL;
	}
	if (err) {
		plog(&ctx, PIDTREE_ERR, "cannot open: %s", strerror(-err));
		return err;
	}
	x->live = in;
	return 0;
}

void pt_extprobe_free_priv(void *priv)
{
	struct pt_ext_inst *in = priv;

	if (!in->x)
		return;
	if (in->x->live == in)
		in->x->live = NULL;
	if (in->state)
		in->x->abi->close(in->state);
	in->state = NULL;
}

int pt_extprobe_decode(unsigned int rec, const void *data, size_t len, struct pt_event *ev,
		       const struct pt_ancestry **tree)
{
	const char *lo = data, *t;
	struct pt_extprobe *x;

	if (!ev->probe)
		return -EINVAL;
	x = container_of(ev->probe, struct pt_extprobe, desc.info);
	/* a record of an instance closed by a reload: no state to decode it with */
	if (!x->live)
		return -EINVAL;
	*tree = NULL;
	if (x->abi->decode(x->live->state, rec, data, len, pt_plugins_event(x->set->arena, ev),
			   tree))
		return -EINVAL;
	/* the snapshot must lie within the record pidtree was handed */
	t = (const char *)*tree;
	if (!t || t < lo || len < sizeof(**tree) || t > lo + len - sizeof(**tree) ||
	    !pt_ancestry_ok(*tree, (unsigned long)(lo + len - t)))
		return -EINVAL;
	return 0;
}

unsigned int pt_extprobe_features(const struct pt_probe_config *pc)
{
	const struct pt_extprobe *x;
	unsigned int f = 0;

	if (!pc)
		return 0;
	x = container_of(pc->schema, struct pt_extprobe, desc.schema);
	if (x->abi->needs & PIDTREE_PROBE_NEEDS_CGROUP)
		f |= PT_FEAT_CGROUP_SOCK | PT_FEAT_CGROUP_MOUNT;
	if (x->abi->needs & PIDTREE_PROBE_NEEDS_TRACEFS)
		f |= PT_FEAT_TRACEFS;
	return f;
}

/* ---- reload: did the probe's own arguments change? ------------------------------------- */

static bool ynode_equal(const struct pt_ynode *a, const struct pt_ynode *b)
{
	bool an = !a || a->type == PT_Y_NULL, bn = !b || b->type == PT_Y_NULL;

	if (an || bn)
		return an && bn;
	if (a->type != b->type || a->n != b->n)
		return false;
	switch (a->type) {
	case PT_Y_SCALAR:
		return !strcmp(a->scalar, b->scalar);
	case PT_Y_SEQUENCE:
		for (size_t i = 0; i < a->n; i++)
			if (!ynode_equal(a->items[i], b->items[i]))
				return false;
		return true;
	case PT_Y_MAPPING:
		for (size_t i = 0; i < a->n; i++)
			if (!ynode_equal(a->keys[i], b->keys[i]) ||
			    !ynode_equal(a->values[i], b->values[i]))
				return false;
		return true;
	default:
		return true;
	}
}

/* Keys of a probe's mapping that pidtree applies without re-opening. */
static bool common_key(const struct pt_ynode *k)
{
	static const char *const keys[] = { "filters", "includeports", "excludeports",
					    "plugins", "container_labels" };

	if (k->type != PT_Y_SCALAR)
		return false;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(k->scalar, keys[i]))
			return true;
	return false;
}

/* The i-th own key of mapping m from index *pos on, NULL when there is none. */
static const struct pt_ynode *next_own(const struct pt_ynode *m, size_t *pos, size_t *idx)
{
	if (!m || m->type != PT_Y_MAPPING)
		return NULL;
	for (; *pos < m->n; (*pos)++) {
		if (!common_key(m->keys[*pos])) {
			*idx = (*pos)++;
			return m->keys[*idx];
		}
	}
	return NULL;
}

bool pt_extprobe_args_equal(const struct pt_ynode *a, const struct pt_ynode *b)
{
	size_t pa = 0, pb = 0, ia = 0, ib = 0;
	const struct pt_ynode *ka, *kb;

	for (;;) {
		ka = next_own(a, &pa, &ia);
		kb = next_own(b, &pb, &ib);
		if (!ka || !kb)
			return !ka && !kb;
		if (!ynode_equal(ka, kb) || !ynode_equal(a->values[ia], b->values[ib]))
			return false;
	}
}

bool pt_extprobe_needs_reopen(const struct pt_probe_config *old,
			      const struct pt_probe_config *new)
{
	return !old || !new || !pt_extprobe_args_equal(old->node, new->node);
}

int pt_extprobe_check(struct pt_extprobe *x, const struct pt_probe_config *pc,
		      struct pt_diags *diags)
{
	struct pidtree_probe_ctx ctx = { .x = x, .pc = pc, .diags = diags };
	int err;

	if (!x->abi->check)
		return 0;
	err = x->abi->check(the_api(), &ctx, args_of(pc));
	if (err && !ctx.errors)
		pt_diag_add(diags, PT_DIAG_ERROR, pc->file, pc->line,
			    "probe %s: invalid configuration (%s)", x->name,
			    strerror(err < 0 ? -err : EINVAL));
	return err || ctx.errors ? -EINVAL : 0;
}

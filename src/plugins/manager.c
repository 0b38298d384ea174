// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The plugin manager (plugins.h): the inotify watches plugins ask for,
 * built-in and dlopen()ed plugins, reconfiguration and running.  The
 * accessors of the public ABI are in api.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "plugins.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "trust.h"
#include "users.h"

#include "plugin_int.h"


/* ---- loading ---------------------------------------------------------------------- */

static bool supports(const struct pidtree_plugin *p, const char *probe, char *list,
		     size_t len)
{
	size_t off = 0;

	list[0] = '\0';
	for (const char *const *s = p->probes; *s; s++) {
		if (!strcmp(*s, "*") || !strcmp(*s, probe))
			return true;
		if (off < len)
			off += (size_t)snprintf(list + off, len - off, "%s%s", off ? ", " : "", *s);
	}
	return false;
}

static bool key_known(const char *key, const char *const *list)
{
	if (!strcmp(key, "enabled") || !strcmp(key, "unload_on_init_exception"))
		return true;
	for (; *list; list++)
		if (!strcmp(key, *list))
			return true;
	return false;
}

static void inst_destroy(struct pt_plugins *m, struct pt_pinst *in)
{
	if (!in)
		return;
	if (in->state && in->p && in->p->fini)
		in->p->fini(in->state);
	pt_plugin_unwatch(m, in);
	if (in->dl)
		dlclose(in->dl);
	free(in->name);
	free(in->file);
	free(in->fp);
	free(in);
}

static void copy_diags(struct pt_diags *to, const struct pt_diags *from, bool demote)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct pt_diag *g = &from->v[i];

		pt_diag_add(to, demote ? PT_DIAG_WARNING : g->level, g->file, g->line, "%s", g->msg);
	}
	/* messages lost to memory shortage still count */
	if (!demote && from->nerrors > from->n)
		to->nerrors += from->nerrors - from->n;
}

static int pset_push(struct pt_pset *s, struct pt_pinst *in)
{
	struct pt_pinst **v = realloc(s->v, (s->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->v = v;
	s->v[s->n++] = in;
	return 0;
}

/* One plugin on one probe: 0 (loaded or skipped), -EINVAL (reported), -ENOMEM. */
static int load_one(struct pt_plugins *m, struct pt_pset *set,
		    const struct pt_plugin_config *pc, char *fp, struct pt_diags *diags)
{
	struct pt_diags local = { 0 };
	const struct pidtree_arg *args = ARG(pc->args);
	struct pt_pinst *in;
	char list[256];
	int err = 0;

	if (!pc->enabled) {
		pt_dbg("plugin %s on %s: disabled", pc->name, set->probe);
		free(fp);
		return 0;
	}
	in = calloc(1, sizeof(*in));
	if (!in) {
		free(fp);
		return -ENOMEM;
	}
	in->fp = fp;
	in->name = strdup(pc->name);
	in->file = pc->file ? strdup(pc->file) : NULL;
	if (!in->name || (pc->file && !in->file)) {
		inst_destroy(m, in);
		return -ENOMEM;
	}
	in->line = pc->line;
	in->probe = set->probe;
	in->ctx.m = m;
	in->ctx.inst = in;
	in->ctx.diags = &local;

	err = pt_plugin_find(m, in);
	if (err == -ENOMEM)
		goto out;
	if (!err && !supports(in->p, set->probe, list, sizeof(list))) {
		pt_plugin_report(&in->ctx, PIDTREE_ERR, NULL, "does not support the %s probe (supported: %s)",
		       set->probe, list);
		err = -EINVAL;
	}
	if (!err && in->p->args) {
		for (size_t i = 0; i < pt_plugin_arg_count(args); i++) {
			const char *key = pt_plugin_arg_key(args, i);

			if (key && !key_known(key, in->p->args))
				pt_plugin_report(&in->ctx, PIDTREE_WARNING, ARG(YN(args)->keys[i]),
				       "unknown argument '%s' ignored", key);
		}
	}
	if (!err && in->p->init) {
		err = in->p->init(&pt_plugin_api, &in->ctx, args, &in->state);
		if (err == -ENOMEM)
			goto out;
		if (err && !in->ctx.errors)
			pt_plugin_report(&in->ctx, PIDTREE_ERR, NULL, "initialisation failed: %s",
			       strerror(err < 0 ? -err : EINVAL));
		else if (!err && in->ctx.errors)
			err = -EINVAL; /* reported an error but returned 0 */
	}
out:
	in->ctx.diags = NULL;
	if (err == -ENOMEM) {
		pt_diags_free(&local);
		inst_destroy(m, in);
		return err;
	}
	if (err) {
		copy_diags(diags, &local, pc->unload_on_init_exception);
		if (pc->unload_on_init_exception)
			pt_diag_add(diags, PT_DIAG_WARNING, in->file, in->line,
				    "plugin %s not loaded on %s (unload_on_init_exception is set)",
				    in->name, set->probe);
		pt_diags_free(&local);
		inst_destroy(m, in);
		return pc->unload_on_init_exception ? 0 : -EINVAL;
	}
	copy_diags(diags, &local, false);
	pt_diags_free(&local);
	err = pset_push(set, in);
	if (err) {
		inst_destroy(m, in);
		return err;
	}
	pt_dbg("plugin %s on %s: ready", in->name, set->probe);
	return 0;
}

static void pset_destroy(struct pt_plugins *m, struct pt_pset *s)
{
	for (size_t i = 0; i < s->n; i++)
		inst_destroy(m, s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

int pt_plugins_new(struct pt_plugins **out, const struct pt_plugins_opts *opts)
{
	struct pt_plugins *m;
	int err;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (m->ifd < 0)
		pt_warn("inotify unavailable (%s): plugin files are re-read on SIGHUP only",
			strerror(errno));
	err = pt_users_init(&m->users, opts ? opts->passwd_file : NULL);
	if (!err && opts && opts->extra_path && !(m->extra_path = strdup(opts->extra_path)))
		err = -ENOMEM;
	if (err) {
		pt_plugins_free(m);
		return err;
	}
	*out = m;
	return 0;
}

/* ---- configuration fingerprints ------------------------------------------------- */

static void fp_node(FILE *f, const struct pt_ynode *n)
{
	size_t i;

	if (!n) {
		fputc('~', f);
		return;
	}
	switch (n->type) {
	case PT_Y_SCALAR:
		fprintf(f, "s%zu:", strlen(n->scalar));
		fputs(n->scalar, f);
		break;
	case PT_Y_SEQUENCE:
		fputc('[', f);
		for (i = 0; i < n->n; i++)
			fp_node(f, n->items[i]);
		fputc(']', f);
		break;
	case PT_Y_MAPPING:
		fputc('{', f);
		for (i = 0; i < n->n; i++) {
			fp_node(f, n->keys[i]);
			fp_node(f, n->values[i]);
		}
		fputc('}', f);
		break;
	default:
		fputc('n', f);
	}
}

/*
 * Everything that shapes an instance: name, the directory relative paths
 * are resolved from, the arguments (not their line numbers).  NULL: ENOMEM.
 */
static char *plugin_fp(const struct pt_plugin_config *pc)
{
	const char *file = pc->file ? pc->file : "", *slash = strrchr(file, '/');
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s\n%.*s\n", pc->name, slash ? (int)(slash - file) : 0, file);
	fp_node(f, pc->args);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* An instance of the running set that pc would re-create identically. */
static struct pt_pinst *reusable(struct pt_pset *old, const struct pt_plugin_config *pc,
				 const char *fp)
{
	for (size_t i = 0; i < old->n; i++) {
		struct pt_pinst *in = old->v[i];

		if (!in->reused && !strcmp(in->name, pc->name) && in->fp && !strcmp(in->fp, fp))
			return in;
	}
	return NULL;
}

/* Drop a set being loaded: destroy its new instances, give back the reused ones. */
static void pset_drop(struct pt_plugins *m, struct pt_pset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!s->v[i]->reused)
			inst_destroy(m, s->v[i]);
		else
			s->v[i]->reused = false;
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

/* The set of old with the same probe, or NULL. */
static struct pt_pset *old_set(struct pt_pset *old, const char *probe)
{
	for (int k = 0; k < PT_PLUGIN_SETS; k++)
		if (old[k].probe && !strcmp(old[k].probe, probe))
			return &old[k];
	return NULL;
}

int pt_plugins_reconfigure(struct pt_plugins *m, const struct pt_config *cfg,
			   struct pt_diags *diags)
{
	struct pt_pset old[PT_PLUGIN_SETS], *os;
	int err = 0, r, nset = 0;

	memcpy(old, m->set, sizeof(old));
	memset(m->set, 0, sizeof(m->set));
	for (size_t k = 0; k < cfg->nprobes && err != -ENOMEM; k++) {
		const struct pt_probe_config *pc = &cfg->probes[k];
		struct pt_pset *set;

		if (!pc->present || !pc->nplugins)
			continue;
		if (nset == PT_PLUGIN_SETS) {
			pt_diag_add(diags, PT_DIAG_ERROR, pc->file, pc->line,
				    "plugins on more than %d probes", PT_PLUGIN_SETS);
			err = -EINVAL;
			break;
		}
		set = &m->set[nset++];
		set->probe = pc->schema->name;
		os = old_set(old, set->probe);
		for (size_t i = 0; i < pc->nplugins; i++) {
			const struct pt_plugin_config *plc = &pc->plugins[i];
			struct pt_pinst *in;
			char *fp;

			if (!plc->enabled) {
				pt_dbg("plugin %s on %s: disabled", plc->name, set->probe);
				continue;
			}
			fp = plugin_fp(plc);
			if (!fp) {
				err = -ENOMEM;
				break;
			}
			in = os ? reusable(os, plc, fp) : NULL;
			if (in && in->dl && m->path_changed)
				in = NULL; /* loaded from the previous directory */
			if (in) {
				/* unchanged: keep it (and its data); SIGHUP's reload re-reads */
				free(fp);
				if (pset_push(set, in)) {
					err = -ENOMEM;
					break;
				}
				in->reused = true;
				continue;
			}
			r = load_one(m, set, plc, fp, diags);
			if (r == -ENOMEM) {
				err = r;
				break;
			}
			if (r)
				err = -EINVAL;
		}
	}
	if (err) {
		for (int k = 0; k < PT_PLUGIN_SETS; k++)
			pset_drop(m, &m->set[k]);
		memcpy(m->set, old, sizeof(old));
		if (err == -ENOMEM)
			pt_diag_add(diags, PT_DIAG_ERROR, NULL, 0, "out of memory loading plugins");
		return err;
	}
	/*
	 * Old instances not taken over go; then the taken ones lose the mark.
	 * Two passes: a set can move to another index (a probe before it lost
	 * its plugins), and an instance unmarked early would be destroyed
	 * while the new set holds it.
	 */
	for (int k = 0; k < PT_PLUGIN_SETS; k++) {
		for (size_t i = 0; i < old[k].n; i++)
			if (!old[k].v[i]->reused)
				inst_destroy(m, old[k].v[i]);
		free(old[k].v);
	}
	for (int k = 0; k < PT_PLUGIN_SETS; k++)
		for (size_t i = 0; i < m->set[k].n; i++)
			m->set[k].v[i]->reused = false;
	return 0;
}

static bool same_path(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

int pt_plugins_reconfigure_path(struct pt_plugins *m, const struct pt_config *cfg,
				const char *extra_path, struct pt_diags *diags)
{
	char *old = m->extra_path, *np = NULL;
	int err;

	if (same_path(old, extra_path))
		return pt_plugins_reconfigure(m, cfg, diags);
	if (extra_path && !(np = strdup(extra_path))) {
		pt_diag_add(diags, PT_DIAG_ERROR, NULL, 0, "out of memory loading plugins");
		return -ENOMEM;
	}
	m->extra_path = np;
	m->path_changed = true;
	err = pt_plugins_reconfigure(m, cfg, diags);
	m->path_changed = false;
	if (err) {
		m->extra_path = old;
		free(np);
		return err;
	}
	pt_info("external plugins: %s%s", np ? "loaded from " : "none (no extra plugin path)",
		np ? np : "");
	free(old);
	return 0;
}

int pt_plugins_load(struct pt_plugins **out, const struct pt_config *cfg,
		    const struct pt_plugins_opts *opts, struct pt_diags *diags)
{
	struct pt_plugins *m;
	int err;

	*out = NULL;
	err = pt_plugins_new(&m, opts);
	if (err) {
		pt_diag_add(diags, PT_DIAG_ERROR, NULL, 0, "plugins: %s", strerror(-err));
		return err;
	}
	err = pt_plugins_reconfigure(m, cfg, diags);
	if (err) {
		pt_plugins_free(m);
		return err;
	}
	*out = m;
	return 0;
}

void pt_plugins_free(struct pt_plugins *m)
{
	if (!m)
		return;
	for (int k = 0; k < PT_PLUGIN_SETS; k++)
		pset_destroy(m, &m->set[k]);
	free(m->watches);
	for (size_t i = 0; i < m->ndirs; i++) {
		free(m->dirs[i]->path);
		free(m->dirs[i]);
	}
	free(m->dirs);
	if (m->ifd >= 0)
		close(m->ifd);
	pt_users_free(&m->users);
	free(m->extra_path);
	free(m);
}

size_t pt_plugins_count(const struct pt_plugins *m)
{
	size_t n = 0;

	for (int k = 0; m && k < PT_PLUGIN_SETS; k++)
		n += m->set[k].n;
	return n;
}

void pt_plugins_describe(const struct pt_plugins *m, const char *probe,
			 void (*line)(void *ctx, const char *s), void *ctx)
{
	const struct pt_pset *s = NULL;
	char buf[512];

	for (int k = 0; m && k < PT_PLUGIN_SETS; k++)
		if (m->set[k].probe && !strcmp(m->set[k].probe, probe))
			s = &m->set[k];
	for (size_t i = 0; s && i < s->n; i++) {
		const struct pt_pinst *in = s->v[i];

		snprintf(buf, sizeof(buf), "%s (%s%s%s)", in->name,
			 in->dl ? "external" : "built in", in->p->version ? ", version " : "",
			 in->p->version ? in->p->version : "");
		line(ctx, buf);
	}
}

/* ---- running ------------------------------------------------------------------------- */

void pt_plugins_process(struct pt_plugins *m, struct pt_event *ev)
{
	struct pidtree_event e = { .ev = ev, .m = m };
	const struct pt_pset *s = NULL;

	if (!m || !ev->probe)
		return;
	for (int k = 0; k < PT_PLUGIN_SETS && m->set[k].probe; k++) {
		if (!strcmp(ev->probe->name, m->set[k].probe)) {
			s = &m->set[k];
			break;
		}
	}
	if (!s || !s->n)
		return;
	m->arena_used = 0;
	/* names of the previous event are no longer referenced: room for new ones */
	if (pt_users_full(&m->users))
		pt_users_retire(&m->users);
	for (size_t i = 0; i < s->n; i++)
		s->v[i]->p->process(s->v[i]->state, &e);
}

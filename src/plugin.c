// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The plugin manager (plugin.h): the inotify watches plugins ask for,
 * built-in and dlopen()ed plugins, reconfiguration and running.  The
 * accessors of the public ABI are in plugin_api.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "plugin.h"

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
#include "users.h"

#include "plugin_int.h"

static const struct pidtree_plugin *const builtins[] = {
	&pt_builtin_sourceipmap,
	&pt_builtin_loginuidmap,
};
#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))



/* ---- watches -------------------------------------------------------------------- */

static void fid_get(const char *path, struct fid *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st))
		return;
	id->valid = true;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
}

static bool fid_differs(const struct fid *a, const struct fid *b)
{
	if (a->valid != b->valid)
		return true;
	if (!a->valid)
		return false;
	return a->dev != b->dev || a->ino != b->ino || a->size != b->size ||
	       a->mtime.tv_sec != b->mtime.tv_sec || a->mtime.tv_nsec != b->mtime.tv_nsec ||
	       a->ctime.tv_sec != b->ctime.tv_sec || a->ctime.tv_nsec != b->ctime.tv_nsec;
}

static bool wd_in_use(const struct pt_plugins *m, int wd, const struct pt_wdir *except)
{
	for (size_t i = 0; i < m->ndirs; i++)
		if (m->dirs[i] != except && m->dirs[i]->wd == wd)
			return true;
	return false;
}

static void dir_unref(struct pt_plugins *m, struct pt_wdir *d)
{
	size_t i;

	if (--d->refs)
		return;
	if (d->wd >= 0 && !wd_in_use(m, d->wd, d))
		inotify_rm_watch(m->ifd, d->wd);
	for (i = 0; i < m->ndirs; i++) {
		if (m->dirs[i] == d) {
			m->dirs[i] = m->dirs[--m->ndirs];
			break;
		}
	}
	free(d->path);
	free(d);
}

static int dir_add_watch(struct pt_plugins *m, struct pt_wdir *d)
{
	if (m->ifd < 0)
		return -ENOSYS;
	d->wd = inotify_add_watch(m->ifd, d->path, WATCH_MASK);
	return d->wd < 0 ? -errno : 0;
}

int pt_plugin_watch_file(struct pidtree_ctx *ctx, const char *path)
{
	struct pt_plugins *m = ctx->m;
	struct pt_wdir *d = NULL, **nd;
	struct pt_fwatch *w;
	char *p, *slash;
	size_t i;
	int err;

	if (!path || !*path)
		return -EINVAL;
	for (i = 0; i < m->nwatches; i++) {
		w = &m->watches[i];
		if (w->inst == ctx->inst && !strcmp(w->path, path)) {
			if (w->dir->wd < 0)
				return dir_add_watch(m, w->dir);
			return 0;
		}
	}
	p = strdup(path);
	if (!p)
		return -ENOMEM;
	slash = strrchr(p, '/');
	/* the directory name, temporarily cut out of p */
	if (slash)
		*slash = '\0';
	for (i = 0; i < m->ndirs; i++) {
		if (!strcmp(m->dirs[i]->path, !slash ? "." : slash == p ? "/" : p)) {
			d = m->dirs[i];
			break;
		}
	}
	if (!d) {
		d = calloc(1, sizeof(*d));
		nd = realloc(m->dirs, (m->ndirs + 1) * sizeof(*nd));
		if (nd)
			m->dirs = nd;
		if (!d || !nd ||
		    !(d->path = strdup(!slash ? "." : slash == p ? "/" : p))) {
			free(d);
			free(p);
			return -ENOMEM;
		}
		err = dir_add_watch(m, d);
		if (err) {
			free(d->path);
			free(d);
			free(p);
			return err;
		}
		m->dirs[m->ndirs++] = d;
	} else if (d->wd < 0) {
		dir_add_watch(m, d);
	}
	d->refs++;
	if (slash)
		*slash = '/';
	if (m->nwatches == m->capwatches) {
		size_t cap = m->capwatches ? m->capwatches * 2 : 8;

		w = realloc(m->watches, cap * sizeof(*w));
		if (!w) {
			dir_unref(m, d);
			free(p);
			return -ENOMEM;
		}
		m->watches = w;
		m->capwatches = cap;
	}
	w = &m->watches[m->nwatches++];
	w->inst = ctx->inst;
	w->dir = d;
	w->path = p;
	w->base = slash ? slash + 1 : p;
	fid_get(p, &w->id);
	return 0;
}

static void unwatch_inst(struct pt_plugins *m, struct pt_pinst *in)
{
	size_t i = 0;

	while (i < m->nwatches) {
		struct pt_fwatch *w = &m->watches[i];

		if (w->inst != in) {
			i++;
			continue;
		}
		dir_unref(m, w->dir);
		free(w->path);
		m->watches[i] = m->watches[--m->nwatches];
	}
}

/* ---- safe paths ------------------------------------------------------------------ */

static int check_one(const char *path, bool allow_sticky, char *why, size_t whylen)
{
	struct stat st;
	uid_t euid = geteuid();

	if (stat(path, &st)) {
		int err = -errno;

		snprintf(why, whylen, "%s: %s", path, strerror(-err));
		return err;
	}
	if (st.st_uid != 0 && st.st_uid != euid) {
		snprintf(why, whylen, "%s is owned by uid %u, not by root", path,
			 (unsigned int)st.st_uid);
		return -EPERM;
	}
	/* group root is root's */
	if (((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0)) &&
	    !(allow_sticky && (st.st_mode & S_ISVTX))) {
		snprintf(why, whylen, "%s is writable by a non-root user (%s, mode %04o)", path,
			 (st.st_mode & S_IWOTH) ? "world-writable" : "group-writable",
			 (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

int pt_plugin_path_check(const char *path, char *why, size_t whylen)
{
	char *rp, *slash;
	int err;

	rp = realpath(path, NULL);
	if (!rp) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(-err));
		return err;
	}
	err = check_one(rp, false, why, whylen);
	while (!err && (slash = strrchr(rp, '/')) != NULL) {
		if (slash == rp) {
			if (!rp[1])
				break;
			rp[1] = '\0'; /* "/x" -> "/" */
		} else {
			*slash = '\0';
		}
		err = check_one(rp, true, why, whylen);
	}
	free(rp);
	return err;
}

/* ---- loading ---------------------------------------------------------------------- */

static bool valid_name(const char *s)
{
	if (!s || !*s || strlen(s) > NAME_MAX - 3)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static void builtin_names(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < NBUILTINS && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					builtins[i]->name);
}

/* Find the plugin of in->name: built in, else DIR/NAME.so.  0 or -EINVAL (reported). */
static int find_plugin(struct pt_plugins *m, struct pt_pinst *in)
{
	struct pidtree_ctx *ctx = &in->ctx;
	const struct pidtree_plugin *p;
	char path[PATH_MAX], why[PATH_MAX + 128], names[128];
	struct stat st;
	void *dl;

	for (size_t i = 0; i < NBUILTINS; i++) {
		if (!strcmp(builtins[i]->name, in->name)) {
			in->p = builtins[i];
			return 0;
		}
	}
	builtin_names(names, sizeof(names));
	if (!m->extra_path) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL,
		       "unknown plugin (built in: %s; external plugins are loaded from "
		       "--extra-plugin-path DIR)", names);
		return -EINVAL;
	}
	if (!valid_name(in->name)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL,
		       "unknown plugin (built in: %s) and not a valid plugin file name "
		       "(letters, digits, '_' and '-')", names);
		return -EINVAL;
	}
	if (snprintf(path, sizeof(path), "%s/%s.so", m->extra_path, in->name) >=
	    (int)sizeof(path)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "plugin path too long");
		return -EINVAL;
	}
	if (stat(path, &st)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "unknown plugin (built in: %s; %s: %s)", names, path,
		       strerror(errno));
		return -EINVAL;
	}
	if (pt_plugin_path_check(m->extra_path, why, sizeof(why)) ||
	    pt_plugin_path_check(path, why, sizeof(why))) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL,
		       "refusing to load %s: %s; plugin files and directories must be "
		       "writable by root only", path, why);
		return -EINVAL;
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "cannot load %s: %s", path, dlerror());
		return -EINVAL;
	}
	in->dl = dl;
	p = dlsym(dl, PIDTREE_PLUGIN_SYMBOL);
	if (!p) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "%s exports no '%s' symbol (see <pidtree/plugin.h>)",
		       path, PIDTREE_PLUGIN_SYMBOL);
		return -EINVAL;
	}
	if (p->abi_version != PIDTREE_PLUGIN_ABI_VERSION) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL,
		       "%s is built for plugin ABI version %u; this pidtree has version %u", path,
		       p->abi_version, PIDTREE_PLUGIN_ABI_VERSION);
		return -EINVAL;
	}
	if (p->size < sizeof(struct pidtree_plugin)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "%s: plugin descriptor too small (%u bytes)", path,
		       p->size);
		return -EINVAL;
	}
	if (!p->name || strcmp(p->name, in->name)) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "%s calls itself '%s', not '%s'", path,
		       p->name ? p->name : "(null)", in->name);
		return -EINVAL;
	}
	if (!p->process || !p->probes) {
		pt_plugin_report(ctx, PIDTREE_ERR, NULL, "%s has no %s", path,
		       !p->process ? "process function" : "list of supported probes");
		return -EINVAL;
	}
	in->p = p;
	pt_dbg("plugin %s: loaded %s (version %s)", in->name, path,
	       p->version ? p->version : "unknown");
	return 0;
}

static bool supports(const struct pidtree_plugin *p, enum pt_probe_kind kind, char *list,
		     size_t len)
{
	size_t off = 0;

	list[0] = '\0';
	for (const char *const *s = p->probes; *s; s++) {
		if (!strcmp(*s, "*") || !strcmp(*s, pt_probe_names[kind]))
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
	unwatch_inst(m, in);
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
static int load_one(struct pt_plugins *m, enum pt_probe_kind kind,
		    const struct pt_plugin_config *pc, char *fp, struct pt_diags *diags)
{
	struct pt_diags local = { 0 };
	const struct pidtree_arg *args = ARG(pc->args);
	struct pt_pinst *in;
	char list[256];
	int err = 0;

	if (!pc->enabled) {
		pt_dbg("plugin %s on %s: disabled", pc->name, pt_probe_names[kind]);
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
	in->kind = kind;
	in->ctx.m = m;
	in->ctx.inst = in;
	in->ctx.diags = &local;

	err = find_plugin(m, in);
	if (err == -ENOMEM)
		goto out;
	if (!err && !supports(in->p, kind, list, sizeof(list))) {
		pt_plugin_report(&in->ctx, PIDTREE_ERR, NULL, "does not support the %s probe (supported: %s)",
		       pt_probe_names[kind], list);
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
				    in->name, pt_probe_names[kind]);
		pt_diags_free(&local);
		inst_destroy(m, in);
		return pc->unload_on_init_exception ? 0 : -EINVAL;
	}
	copy_diags(diags, &local, false);
	pt_diags_free(&local);
	err = pset_push(&m->set[kind], in);
	if (err) {
		inst_destroy(m, in);
		return err;
	}
	pt_dbg("plugin %s on %s: ready", in->name, pt_probe_names[kind]);
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

int pt_plugins_reconfigure(struct pt_plugins *m, const struct pt_config *cfg,
			   struct pt_diags *diags)
{
	struct pt_pset old[PT_PROBE_COUNT];
	int err = 0, r;

	memcpy(old, m->set, sizeof(old));
	memset(m->set, 0, sizeof(m->set));
	for (int k = 0; k < PT_PROBE_COUNT && err != -ENOMEM; k++) {
		const struct pt_probe_config *pc = &cfg->probes[k];

		if (!pc->present)
			continue;
		for (size_t i = 0; i < pc->nplugins; i++) {
			const struct pt_plugin_config *plc = &pc->plugins[i];
			struct pt_pinst *in;
			char *fp;

			if (!plc->enabled) {
				pt_dbg("plugin %s on %s: disabled", plc->name, pt_probe_names[k]);
				continue;
			}
			fp = plugin_fp(plc);
			if (!fp) {
				err = -ENOMEM;
				break;
			}
			in = reusable(&old[k], plc, fp);
			if (in && in->dl && m->path_changed)
				in = NULL; /* loaded from the previous directory */
			if (in) {
				/* unchanged: keep it (and its data); SIGHUP's reload re-reads */
				free(fp);
				if (pset_push(&m->set[k], in)) {
					err = -ENOMEM;
					break;
				}
				in->reused = true;
				continue;
			}
			r = load_one(m, (enum pt_probe_kind)k, plc, fp, diags);
			if (r == -ENOMEM) {
				err = r;
				break;
			}
			if (r)
				err = -EINVAL;
		}
	}
	if (err) {
		for (int k = 0; k < PT_PROBE_COUNT; k++)
			pset_drop(m, &m->set[k]);
		memcpy(m->set, old, sizeof(old));
		if (err == -ENOMEM)
			pt_diag_add(diags, PT_DIAG_ERROR, NULL, 0, "out of memory loading plugins");
		return err;
	}
	for (int k = 0; k < PT_PROBE_COUNT; k++) {
		/* old instances not taken over go; the taken ones lose the mark */
		for (size_t i = 0; i < old[k].n; i++)
			if (!old[k].v[i]->reused)
				inst_destroy(m, old[k].v[i]);
		free(old[k].v);
		for (size_t i = 0; i < m->set[k].n; i++)
			m->set[k].v[i]->reused = false;
	}
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
	for (int k = 0; k < PT_PROBE_COUNT; k++)
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

	for (int k = 0; m && k < PT_PROBE_COUNT; k++)
		n += m->set[k].n;
	return n;
}

void pt_plugins_describe(const struct pt_plugins *m, enum pt_probe_kind kind,
			 void (*line)(void *ctx, const char *s), void *ctx)
{
	char buf[512];

	if (!m || kind >= PT_PROBE_COUNT)
		return;
	for (size_t i = 0; i < m->set[kind].n; i++) {
		const struct pt_pinst *in = m->set[kind].v[i];

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
	for (int k = 0; k < PT_PROBE_COUNT; k++) {
		if (!strcmp(ev->probe, pt_probe_names[k])) {
			s = &m->set[k];
			break;
		}
	}
	if (!s || !s->n)
		return;
	m->arena_used = 0;
	/* names of the previous event are no longer referenced: room for new ones */
	if (pt_users_full(&m->users))
		pt_users_clear(&m->users);
	for (size_t i = 0; i < s->n; i++)
		s->v[i]->p->process(s->v[i]->state, &e);
}

static void refresh_ids(struct pt_plugins *m, const struct pt_pinst *in)
{
	for (size_t i = 0; i < m->nwatches; i++)
		if (m->watches[i].inst == in)
			fid_get(m->watches[i].path, &m->watches[i].id);
}

static void reload_inst(struct pt_plugins *m, struct pt_pinst *in)
{
	in->dirty = false;
	if (in->p->reload)
		in->p->reload(in->state);
	refresh_ids(m, in);
}

void pt_plugins_reload(struct pt_plugins *m)
{
	if (!m)
		return;
	pt_users_clear(&m->users);
	/*
	 * Watch every directory again: one that was removed, or whose path now
	 * leads elsewhere (a symlinked directory flipped to a new release), is
	 * watched where its path points now.
	 */
	for (size_t i = 0; m->ifd >= 0 && i < m->ndirs; i++) {
		struct pt_wdir *d = m->dirs[i];
		int old = d->wd, wd;

		wd = inotify_add_watch(m->ifd, d->path, WATCH_MASK);
		if (wd < 0) {
			pt_warn("plugins: cannot watch %s: %s (changes are seen on SIGHUP only)",
				d->path, strerror(errno));
			continue;
		}
		d->wd = wd;
		if (old >= 0 && old != wd && !wd_in_use(m, old, NULL))
			inotify_rm_watch(m->ifd, old);
	}
	for (int k = 0; k < PT_PROBE_COUNT; k++)
		for (size_t i = 0; i < m->set[k].n; i++)
			reload_inst(m, m->set[k].v[i]);
}

int pt_plugins_fd(const struct pt_plugins *m)
{
	return m ? m->ifd : -1;
}

/* A name-matched event: does it mean new content? */
static bool relevant(const struct pt_fwatch *w, uint32_t mask)
{
	struct stat st;

	if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_ATTRIB))
		return true;
	/* a created symlink or hard link is complete at once; a new file is not */
	if ((mask & IN_CREATE) && !lstat(w->path, &st))
		return S_ISLNK(st.st_mode) || st.st_nlink > 1;
	return false;
}

static void on_inotify(struct pt_plugins *m, const struct inotify_event *ie)
{
	size_t i, j;

	if (ie->mask & IN_Q_OVERFLOW) {
		for (i = 0; i < m->nwatches; i++)
			m->watches[i].inst->dirty = true;
		return;
	}
	for (i = 0; i < m->ndirs; i++) {
		struct pt_wdir *d = m->dirs[i];
		bool matched = false;

		if (d->wd != ie->wd)
			continue;
		if (ie->mask & (IN_IGNORED | IN_MOVE_SELF | IN_DELETE_SELF)) {
			if (!(ie->mask & IN_IGNORED))
				continue; /* IN_IGNORED follows a deletion; a move is handled below */
			pt_warn("plugins: %s is gone; its files are watched again after SIGHUP",
				d->path);
			d->wd = -1;
			continue;
		}
		if (!ie->len)
			continue;
		for (j = 0; j < m->nwatches; j++) {
			struct pt_fwatch *w = &m->watches[j];

			if (w->dir == d && !strcmp(w->base, ie->name)) {
				matched = true;
				if (relevant(w, ie->mask))
					w->inst->dirty = true;
			}
		}
		if (!matched && (ie->mask & (IN_MOVED_TO | IN_CREATE)))
			d->scan = true; /* e.g. a "..data" symlink flip */
	}
	if (ie->mask & IN_MOVE_SELF) {
		/* the directory moved away: its path no longer names it */
		for (i = 0; i < m->ndirs; i++) {
			if (m->dirs[i]->wd == ie->wd) {
				pt_warn("plugins: %s was moved; its files are watched again after "
					"SIGHUP", m->dirs[i]->path);
				m->dirs[i]->wd = -1;
			}
		}
		inotify_rm_watch(m->ifd, ie->wd);
	}
}

void pt_plugins_handle_fd(struct pt_plugins *m)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ie;
	ssize_t n;
	size_t i;

	if (!m || m->ifd < 0)
		return;
	for (;;) {
		n = read(m->ifd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n; p += sizeof(*ie) + ie->len) {
			ie = (const struct inotify_event *)p;
			on_inotify(m, ie);
		}
	}
	for (i = 0; i < m->ndirs; i++) {
		struct pt_wdir *d = m->dirs[i];

		if (!d->scan)
			continue;
		d->scan = false;
		for (size_t j = 0; j < m->nwatches; j++) {
			struct pt_fwatch *w = &m->watches[j];
			struct fid now;

			if (w->dir != d || w->inst->dirty)
				continue;
			fid_get(w->path, &now);
			if (fid_differs(&now, &w->id))
				w->inst->dirty = true;
		}
	}
	for (int k = 0; k < PT_PROBE_COUNT; k++) {
		for (i = 0; i < m->set[k].n; i++) {
			struct pt_pinst *in = m->set[k].v[i];

			if (in->dirty) {
				pt_info("plugin %s on %s: a watched file changed, reloading", in->name,
					pt_probe_names[k]);
				reload_inst(m, in);
			}
		}
	}
}

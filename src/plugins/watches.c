// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The files plugins watch (pidtree_api.watch_file): one inotify watch per
 * directory, shared by every file in it (editors and config management
 * replace files by rename); a changed file reloads the plugins watching it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "plugin_int.h"

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

void pt_plugin_unwatch(struct pt_plugins *m, struct pt_pinst *in)
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

static void refresh_ids(struct pt_plugins *m, const struct pt_pinst *in)
{
	for (size_t i = 0; i < m->nwatches; i++)
		if (m->watches[i].inst == in)
			fid_get(m->watches[i].path, &m->watches[i].id);
}

void pt_plugin_reload_inst(struct pt_plugins *m, struct pt_pinst *in)
{
	in->dirty = false;
	if (in->p->reload)
		in->p->reload(in->state);
	refresh_ids(m, in);
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
	for (int k = 0; k < PT_PLUGIN_SETS; k++) {
		for (i = 0; i < m->set[k].n; i++) {
			struct pt_pinst *in = m->set[k].v[i];

			if (in->dirty) {
				pt_info("plugin %s on %s: a watched file changed, reloading", in->name,
					in->probe);
				pt_plugin_reload_inst(m, in);
			}
		}
	}
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
	for (int k = 0; k < PT_PLUGIN_SETS; k++)
		for (size_t i = 0; i < m->set[k].n; i++)
			pt_plugin_reload_inst(m, m->set[k].v[i]);
}

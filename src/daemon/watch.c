// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * -w: inotify on the directories of the configuration files (editors
 * replace files by rename), and the daemon's debounced reload.
 */
#include "watch.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "remote.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
		    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)

struct wfile {
	int wd;       /* watch of its directory */
	char *base;   /* file name inside it */
};

struct pt_watch {
	int fd;
	struct wfile *files;
	size_t n;
};

int pt_watch_new(struct pt_watch **out)
{
	struct pt_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		int err = -errno;

		free(w);
		return err;
	}
	*out = w;
	return 0;
}

static void clear(struct pt_watch *w)
{
	for (size_t i = 0; i < w->n; i++) {
		inotify_rm_watch(w->fd, w->files[i].wd); /* shared wds: EINVAL is fine */
		free(w->files[i].base);
	}
	free(w->files);
	w->files = NULL;
	w->n = 0;
}

void pt_watch_free(struct pt_watch *w)
{
	if (!w)
		return;
	clear(w);
	close(w->fd);
	free(w);
}

int pt_watch_fd(const struct pt_watch *w)
{
	return w->fd;
}

int pt_watch_set(struct pt_watch *w, char *const *files, size_t n)
{
	char dir[PATH_MAX], base[PATH_MAX];

	clear(w);
	w->files = calloc(n ? n : 1, sizeof(*w->files));
	if (!w->files)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int wd;

		snprintf(dir, sizeof(dir), "%s", files[i]);
		snprintf(base, sizeof(base), "%s", files[i]);
		wd = inotify_add_watch(w->fd, dirname(dir), WATCH_MASK | IN_ONLYDIR);
		if (wd < 0) {
			pt_warn("-w: cannot watch %s: %s", dir, strerror(errno));
			continue;
		}
		w->files[w->n].wd = wd;
		w->files[w->n].base = strdup(basename(base));
		if (!w->files[w->n].base)
			return -ENOMEM;
		w->n++;
	}
	return 0;
}

bool pt_watch_changed(struct pt_watch *w)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t len;

	while ((len = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			for (size_t i = 0; i < w->n; i++) {
				if (w->files[i].wd != ev->wd)
					continue;
				if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW) ||
				    (ev->len && !strcmp(ev->name, w->files[i].base)))
					changed = true;
			}
			if (ev->mask & IN_Q_OVERFLOW)
				changed = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return changed;
}

/* ---- the daemon's -w ------------------------------------------------------ */

#define WATCH_DEBOUNCE_NS (200 * 1000000ull)

void pt_daemon_watch_files(struct daemon *d)
{
	char *files[256];
	size_t n = 0;

	if (!d->watch)
		return;
	for (size_t i = 0; i < d->cfg.tree.nfiles && n < 255; i++)
		if (!pt_remote_is_url(d->cfg.tree.files[i])) /* remote: the fetcher's job */
			files[n++] = d->cfg.tree.files[i];
	if (d->settings.path[0])
		files[n++] = d->settings.path;
	if (pt_watch_set(d->watch, files, n))
		pt_warn("-w: cannot watch the configuration files");
}

int pt_daemon_watch_start(struct daemon *d)
{
	int err;

	if (!d->opt.watch_config)
		return 0;
	err = pt_watch_new(&d->watch);
	if (err) {
		pt_err("-w: inotify: %s", strerror(-err));
		return err;
	}
	pt_daemon_watch_files(d);
	return pt_loop_add_fd(d, pt_watch_fd(d->watch));
}

int pt_daemon_watch_fd(const struct daemon *d)
{
	return d->watch ? pt_watch_fd(d->watch) : -1;
}

void pt_daemon_watch_event(struct daemon *d)
{
	/* editors write in several steps: reload once things settle */
	if (pt_watch_changed(d->watch))
		d->reload_at_ns = pt_clock_ns(CLOCK_MONOTONIC) + WATCH_DEBOUNCE_NS;
}

void pt_daemon_watch_free(struct daemon *d)
{
	pt_watch_free(d->watch);
	d->watch = NULL;
}

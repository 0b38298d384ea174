// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "watch.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"

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

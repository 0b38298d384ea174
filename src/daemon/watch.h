/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * -w / --watch-config: notice changes to the loaded configuration files.
 * Directories are watched, not files, so that an editor's save by rename
 * (write a temporary file, rename it over the original) and a deleted and
 * re-created file are seen as well.
 */
#ifndef PIDTREE_WATCH_H
#define PIDTREE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct pt_watch;

int pt_watch_new(struct pt_watch **out);
void pt_watch_free(struct pt_watch *w);
/* The inotify fd, for epoll. */
int pt_watch_fd(const struct pt_watch *w);
/* Watch exactly these files from now on (replaces the previous set). */
int pt_watch_set(struct pt_watch *w, char *const *files, size_t n);
/* Read pending inotify events; true when a watched file changed. */
bool pt_watch_changed(struct pt_watch *w);

#endif

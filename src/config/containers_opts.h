/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * [containers] of pidtree.conf: where the container layer (src/containers)
 * finds the runtimes.  Parsed here, in the configuration layer, so that
 * settings.c can read the section without depending on the layer that
 * uses it.
 */
#ifndef PIDTREE_CONTAINERS_OPTS_H
#define PIDTREE_CONTAINERS_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#define PT_CONTAINERS_PATH_MAX 512

enum pt_containers_mode {
	PT_CONTAINERS_AUTO, /* use whichever runtimes exist; absent ones quietly watched for */
	PT_CONTAINERS_ON,   /* the same, but a runtime that is absent is a warning */
	PT_CONTAINERS_OFF,  /* no runtime clients; cgroup paths still give ids */
};

/* [containers] in pidtree.conf */
struct pt_containers_opts {
	enum pt_containers_mode enabled;               /* enabled= auto|yes|no */
	char docker_socket[PT_CONTAINERS_PATH_MAX];    /* "" = not used */
	char podman_socket[PT_CONTAINERS_PATH_MAX];
	char containerd_state[PT_CONTAINERS_PATH_MAX]; /* containerd's --state directory */
	unsigned int rebaseline_interval;              /* seconds, 0 = never */
	unsigned int stopped_keep;                     /* seconds a stopped container stays named */
	/* for tests: where /proc is ("" = /proc), cache bounds (0 = defaults) */
	char proc[PT_CONTAINERS_PATH_MAX];
	size_t max_containers, max_stopped;
};

/* Defaults: auto, /run/docker.sock, /run/podman/podman.sock, /run/containerd,
 * 1800 s, 600 s. */
void pt_containers_opts_init(struct pt_containers_opts *o);

/*
 * One key=value of [containers] (for settings.c).  Returns 0; -ENOENT for
 * an unknown key (the caller warns, as for other sections); -EINVAL with a
 * message in err (without file:line: the caller adds them) for a bad value.
 * Keys: enabled (auto, yes/true/on/1, no/false/off/0), docker_socket,
 * podman_socket, containerd_state (absolute paths, or "" / "none" to not
 * use that runtime), rebaseline_interval (seconds, 0 or 10-86400),
 * stopped_keep (seconds, 10-86400).
 */
int pt_containers_setting(struct pt_containers_opts *o, const char *key, const char *value,
			  char *err, size_t errlen);

/* Whether a and b ask for the same runtimes, paths and timings. */
bool pt_containers_opts_equal(const struct pt_containers_opts *a,
			      const struct pt_containers_opts *b);

#endif

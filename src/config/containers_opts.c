/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* [containers] of pidtree.conf (see containers_opts.h). */
#include "containers_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void pt_containers_opts_init(struct pt_containers_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->enabled = PT_CONTAINERS_AUTO;
	strcpy(o->docker_socket, "/run/docker.sock");
	strcpy(o->podman_socket, "/run/podman/podman.sock");
	strcpy(o->containerd_state, "/run/containerd");
	o->rebaseline_interval = 1800;
	o->stopped_keep = 600;
}

static int seconds(const char *key, const char *v, unsigned long lo, unsigned long hi,
		   bool zero_ok, unsigned int *out, char *err, size_t errlen)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end || errno || ((n < lo || n > hi) && !(zero_ok && !n))) {
		snprintf(err, errlen, "%s: '%s' is not a number of seconds in %s%lu-%lu", key, v,
			 zero_ok ? "0 or " : "", lo, hi);
		return -EINVAL;
	}
	*out = (unsigned int)n;
	return 0;
}

static int path_value(const char *key, const char *v, char *dst, char *err, size_t errlen)
{
	if (!v[0] || !strcmp(v, "none")) {
		dst[0] = '\0';
		return 0;
	}
	if (v[0] != '/') {
		snprintf(err, errlen, "%s: '%s' must be an absolute path (or none)", key, v);
		return -EINVAL;
	}
	if (strlen(v) >= PT_CONTAINERS_PATH_MAX) {
		snprintf(err, errlen, "%s: path too long (at most %d bytes)", key,
			 PT_CONTAINERS_PATH_MAX - 1);
		return -EINVAL;
	}
	strcpy(dst, v);
	return 0;
}

int pt_containers_setting(struct pt_containers_opts *o, const char *key, const char *v,
			  char *err, size_t errlen)
{
	if (!strcmp(key, "enabled")) {
		if (!strcasecmp(v, "auto"))
			o->enabled = PT_CONTAINERS_AUTO;
		else if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcasecmp(v, "on") ||
			 !strcmp(v, "1"))
			o->enabled = PT_CONTAINERS_ON;
		else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcasecmp(v, "off") ||
			 !strcmp(v, "0"))
			o->enabled = PT_CONTAINERS_OFF;
		else {
			snprintf(err, errlen, "enabled: '%s' is not auto, yes or no", v);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(key, "docker_socket"))
		return path_value(key, v, o->docker_socket, err, errlen);
	if (!strcmp(key, "podman_socket"))
		return path_value(key, v, o->podman_socket, err, errlen);
	if (!strcmp(key, "containerd_state"))
		return path_value(key, v, o->containerd_state, err, errlen);
	if (!strcmp(key, "rebaseline_interval"))
		return seconds(key, v, 10, 86400, true, &o->rebaseline_interval, err, errlen);
	if (!strcmp(key, "stopped_keep"))
		return seconds(key, v, 10, 86400, false, &o->stopped_keep, err, errlen);
	snprintf(err, errlen, "unknown key '%s'", key);
	return -ENOENT;
}

bool pt_containers_opts_equal(const struct pt_containers_opts *a,
			      const struct pt_containers_opts *b)
{
	return a->enabled == b->enabled && !strcmp(a->docker_socket, b->docker_socket) &&
	       !strcmp(a->podman_socket, b->podman_socket) &&
	       !strcmp(a->containerd_state, b->containerd_state) &&
	       a->rebaseline_interval == b->rebaseline_interval &&
	       a->stopped_keep == b->stopped_keep && !strcmp(a->proc, b->proc) &&
	       a->max_containers == b->max_containers && a->max_stopped == b->max_stopped;
}

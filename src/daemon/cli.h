/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The command line: options and their defaults (pidtree(8)). */
#ifndef PIDTREE_CLI_H
#define PIDTREE_CLI_H

#include <stdbool.h>

#include "sinkspec.h"

#define PT_DEFAULT_PROBES_YML SYSCONFDIR_PIDTREE "/pidtree.yml"
#define PT_DEFAULT_CONF SYSCONFDIR_PIDTREE "/pidtree.conf"

struct pt_options {
	const char *config;      /* -c */
	const char *conf;        /* -C: pidtree.conf, NULL = PT_DEFAULT_CONF if present */
	const char *plugin_path; /* --extra-plugin-path */
	const char *probe_path;  /* --extra-probe-path */
	const char *sinks[PT_MAX_OUTPUTS]; /* -o / -f, in order */
	int nsinks;
	bool print_and_quit;
	bool check_config;
	unsigned long ringbuf_kib;
	unsigned long max_depth;
	unsigned long cmdline_max;
	unsigned long cache_entries;
	unsigned long poll_ms;
	bool watch_config;             /* -w */
	unsigned long telemetry_every; /* --lost-event-telemetry N, 0 = off */
	unsigned long health_period;   /* --health-check-period N seconds, 0 = off */
};

/*
 * Parse argv into o (defaults first).  -h and -V print and exit 0; a usage
 * error is printed and returns -EINVAL (the caller exits 64).
 */
int pt_cli_parse(int argc, char **argv, struct pt_options *o);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Daemon settings: pidtree.conf (INI, read with libinih).
 *
 *   [daemon]   probes = PATH          probe configuration (YAML) when -c is
 *                                     not given; relative to pidtree.conf
 *              extra_plugin_path = DIR  external plugins (NAME.so) when
 *                                     --extra-plugin-path is not given
 *              extra_probe_path = DIR   external probes (NAME.so) when
 *                                     --extra-probe-path is not given
 *              remote_include_interval= remote_include_cache=
 *              remote_include_ca= remote_include_max_size=
 *              remote_include_timeout=  "!include URL" (remote.h)
 *   [output]   sink = SPEC[, SPEC...] up to 4 outputs (json, json:PATH,
 *                                     journald, syslog, syslog:TARGET)
 *   [journald] identifier= priority= field_max= event_json= queue_size=
 *              queue_len=
 *   [syslog]   target= facility= severity= sd_id= app_name= hostname=
 *              max_size= bom= queue_size= queue_len=
 *              (queue_size in bytes, K/M/G; sinkspec.h)
 *   [json]     path = PATH            file for a bare "json" sink
 *   [containers] enabled= docker_socket= podman_socket= containerd_state=
 *              rebaseline_interval= stopped_keep=  (containers_opts.h)
 *   [dns]      enabled= max_entries= min_ttl= max_ttl= names_per_address=
 *              ports= pending_entries=  destination names (core/dns_opts.h)
 *
 * Unknown sections and keys are warnings; bad values are errors; both as
 * "file:line: message" in a pt_diags.  Command-line options override.
 */
#ifndef PIDTREE_SETTINGS_H
#define PIDTREE_SETTINGS_H

#include <stdbool.h>

#include "containers_opts.h"
#include "diag.h"
#include "dns_opts.h"
#include "remote.h"
#include "sinkspec.h"


struct pt_daemon_settings {
	char path[PT_PATH_MAX];   /* the file read; "" = built-in defaults */
	char probes[PT_PATH_MAX]; /* [daemon] probes=, "" = not set */
	char plugin_path[PT_PATH_MAX]; /* [daemon] extra_plugin_path=, "" = not set */
	char probe_path[PT_PATH_MAX];  /* [daemon] extra_probe_path=, "" = not set */
	char sinks[PT_MAX_OUTPUTS][PT_SINK_SPEC_MAX];
	int nsinks;               /* 0 = not set (built-in: "json") */
	struct pt_sink_opts sink;
	struct pt_remote_opts remote; /* [daemon] remote_include_* */
	struct pt_containers_opts containers; /* [containers] */
	struct pt_dns_opts dns;       /* [dns] */
};

/* Built-in defaults: no file, json on stdout. */
void pt_settings_init(struct pt_daemon_settings *s);

/*
 * Read path into s (initialised first), under the trusted-file policy
 * (trust.h).  A missing file is not an error when !must_exist (s keeps the
 * defaults); otherwise the problem (an untrusted file included) is added to
 * diags.  Returns 0, -EINVAL when diags holds errors, or -errno when the
 * file cannot be read (diags says why).
 */
int pt_settings_load(struct pt_daemon_settings *s, const char *path, bool must_exist,
		     struct pt_diags *diags);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's state, shared by main.c (command line, start-up, event
 * loop) and lifecycle.c (reload, -w, sd_notify, watchdog, loss accounting).
 */
#ifndef PIDTREE_DAEMON_H
#define PIDTREE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "json.h"
#include "plugin.h"
#include "probe.h"
#include "settings.h"
#include "sink.h"

struct ring_buffer;
struct pt_watch;

#define DEFAULT_PROBES_YML SYSCONFDIR_PIDTREE "/pidtree.yml"
#define DEFAULT_CONF SYSCONFDIR_PIDTREE "/pidtree.conf"
#define MAX_SINKS 4

struct options {
	const char *config;
	const char *conf; /* -C: pidtree.conf, NULL = DEFAULT_CONF if present */
	const char *plugin_path; /* --extra-plugin-path */
	const char *sinks[MAX_SINKS];
	int nsinks;
	bool print_and_quit;
	bool check_config;
	unsigned long ringbuf_kib;
	unsigned long max_depth;
	unsigned long cmdline_max;
	unsigned long cache_entries;
	unsigned long poll_ms;
	bool watch_config;              /* -w */
	unsigned long telemetry_every;  /* --lost-event-telemetry N, 0 = off */
};

struct daemon {
	struct options opt;
	struct pt_config cfg;
	struct pt_daemon_settings settings;
	struct pt_sink *sinks[MAX_SINKS];
	char sink_specs[MAX_SINKS][PT_SINK_SPEC_MAX]; /* what each was opened as */
	int nsinks;
	uint64_t retired_drops; /* events lost by sinks closed on reload */
	struct pt_proc_cache *cache;
	struct pt_plugins *plugins;
	struct pt_process_probe *process;
	struct pt_shared shared;
	struct pt_probe *probes[PT_PROBE_COUNT];
	struct ring_buffer *rb;
	int epfd, sigfd, timerfd;
	int64_t boot_to_real_ns; /* CLOCK_REALTIME - CLOCK_BOOTTIME */
	struct pt_emitter em;
	struct pt_event ev;
	struct pt_buf json;
	uint64_t events, bad_records;
	uint64_t lost_seen[PT_LOSS_MAX];
	bool stop;
	/* lifecycle.c */
	struct pt_watch *watch;            /* -w */
	uint64_t reload_at_ns;             /* a -w reload is due (debounced), 0 = none */
	uint64_t wd_period_ns, wd_next_ns; /* sd_notify watchdog */
	uint64_t status_next_ns, status_events, status_ns;
	uint64_t telemetry_next;           /* event count of the next telemetry record */
	/* remote includes (remote.h) */
	struct pt_remote *remote;          /* the fetcher */
	bool loop_running;                 /* loads from now on never wait for the network */
};

/* main.c */
uint64_t pt_clock_ns(clockid_t id);
/* Load pidtree.conf / the probe YAML / the plugins into the given places. */
int pt_daemon_load_settings(struct daemon *d, struct pt_daemon_settings *s);
int pt_daemon_load_config(struct daemon *d, const struct pt_daemon_settings *s,
			  struct pt_config *cfg);
/* --extra-plugin-path, else [daemon] extra_plugin_path= of s, else NULL */
const char *pt_daemon_plugin_path(const struct daemon *d, const struct pt_daemon_settings *s);
int pt_daemon_load_plugins(struct daemon *d, const struct pt_daemon_settings *s,
			   const struct pt_config *cfg, struct pt_plugins **out);
/* Send a non-event JSON record (telemetry) to every sink. */
void pt_daemon_emit_record(struct daemon *d, const char *json, size_t len);

/* outputs.c: the set of sinks, opened at start-up and changed on reload */
struct pt_outputs {
	struct pt_sink *sinks[MAX_SINKS];
	char specs[MAX_SINKS][PT_SINK_SPEC_MAX];
	int n;
	bool opened[MAX_SINKS]; /* sinks[i] is new */
	bool kept[MAX_SINKS];   /* the running d->sinks[j] carries on */
};
/* The specifications in force with settings s: -o/-f, [output] sink=, json. */
int pt_outputs_specs(const struct daemon *d, const struct pt_daemon_settings *s,
		     const char **specs);
int pt_outputs_open(struct daemon *d); /* start-up, with d->settings */
/* The set for settings s, running sinks reused where unchanged; 0 or -1. */
int pt_outputs_prepare(struct daemon *d, const struct pt_daemon_settings *s,
		       struct pt_outputs *next);
void pt_outputs_discard(struct pt_outputs *next); /* close the new ones */
/*
 * Put next in force; the sinks it keeps re-open their files by name (log
 * rotation); close (drain) the running sinks it does not keep.
 */
void pt_outputs_switch(struct daemon *d, struct pt_outputs *next);
void pt_outputs_reopen(struct daemon *d); /* every sink: re-open by name */
void pt_outputs_close(struct daemon *d); /* exit */

/* lifecycle.c */
int pt_lifecycle_start(struct daemon *d);    /* after attach: caps, -w, READY=1 */
void pt_lifecycle_reload(struct daemon *d);  /* SIGHUP and -w */
/*
 * Once per loop iteration: watchdog, STATUS=, a pending -w reload.  Returns
 * the epoll timeout in ms until the next thing due, at most poll_ms.
 */
int pt_lifecycle_poll(struct daemon *d);
void pt_lifecycle_watch_event(struct daemon *d); /* the -w inotify fd is readable */
void pt_lifecycle_after_event(struct daemon *d); /* --lost-event-telemetry */
void pt_lifecycle_totals(struct daemon *d, bool final); /* log line: SIGUSR1, exit */
void pt_lifecycle_stop(struct daemon *d);   /* STOPPING=1 */
void pt_lifecycle_free(struct daemon *d);
int pt_lifecycle_watch_fd(const struct daemon *d); /* -1 without -w */

#endif

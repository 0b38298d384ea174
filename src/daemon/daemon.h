/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's state.  Each group of fields belongs to one file of this
 * folder, which alone writes it:
 *
 *   main.c      start-up order and exit
 *   cli.c       the command line (struct pt_options)
 *   load.c      loading pidtree.conf, the probe YAML and the plugins (start-up and reload)
 *   plan.c      -p: the probe plan
 *   probes.c    the probe table's rows: shared maps, open, reload, close
 *   dispatch.c  ring-buffer record -> event -> plugins -> JSON -> every output
 *   loop.c      the epoll loop: ring buffer, signals, 1 s timer, inotify
 *   reload.c    the reload transaction (SIGHUP, -w)
 *   service.c   sd_notify: READY/RELOADING/STOPPING, STATUS=, the watchdog
 *   losses.c    the one loss table: STATUS=, SIGUSR1, exit line, telemetry
 *   naming.c    DNS names of the addresses in events (the dns probe's answers)
 *   outputs.c   the set of outputs
 *   watch.c     -w: inotify on the configuration files, debounced
 *   health.c    --health-check-period: probes attached, outputs writable
 *   caps.c      capability drop after start-up
 *   containers.c the container layer in the loop: events' containers,
 *               the probes' container_labels maps
 */
#ifndef PIDTREE_DAEMON_H
#define PIDTREE_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "event.h"
#include "naming.h"
#include "outputs.h"
#include "plugins.h"
#include "probe.h"
#include "settings.h"

struct ring_buffer;
struct pt_watch;
struct pt_containers;
struct pt_extprobes;

/* Rows of the probe table at most (built in and external). */
#define PT_PROBES_MAX 16
/* Record types are below this (rec_base + index). */
#define PT_REC_TYPES 256

struct daemon {
	struct pt_options opt;

	/* the configuration in force (load.c, reload.c) */
	struct pt_config cfg;
	struct pt_daemon_settings settings;
	struct pt_plugins *plugins;
	struct pt_remote *remote; /* remote includes: the fetcher (config/remote.h) */
	struct pt_extprobes *ext; /* external probes loaded (extprobe.h), NULL: none yet */
	bool loop_running;        /* from now on loads never wait for the network */

	/* outputs.c */
	struct pt_outputs out;
	uint64_t retired_drops; /* events lost by outputs closed on reload */

	/* probes.c */
	struct pt_probe_env env;
	const struct pt_probe_desc *rows[PT_PROBES_MAX];
	struct pt_obj_consts consts[PT_PROBES_MAX];
	size_t nrows;
	struct pt_probe *probes[PT_PROBES_MAX]; /* by row; NULL: not running */
	bool stale[PT_PROBES_MAX];              /* runs an older configuration than cfg */
	/* userland losses of probe objects already closed, by row */
	uint64_t user_lost_retired[PT_PROBES_MAX][PT_PROBE_USER_LOSSES];
	uint8_t rec_row[PT_REC_TYPES];          /* record type -> row + 1, 0: unknown */

	/* dispatch.c */
	struct pt_proc_cache *cache;
	struct pt_emitter em;
	struct pt_event ev;
	struct pt_buf json;
	uint64_t events;      /* events handed to the outputs */
	uint64_t bad_records; /* malformed ring-buffer records */
	uint64_t oom_events;  /* events that could not be formatted */

	/* loop.c */
	struct ring_buffer *rb;
	int epfd, sigfd, timerfd;
	bool stop;

	/* naming.c */
	struct pt_naming naming;

	/* losses.c */
	uint64_t lost_seen[PT_LOSS_SLOTS]; /* kernel counters already logged */
	uint64_t telemetry_next;           /* event count of the next telemetry record */

	/* service.c */
	uint64_t wd_period_ns, wd_next_ns; /* sd_notify watchdog */
	uint64_t status_next_ns, status_events, status_ns;

	/* health.c */
	uint64_t health_next_ns;
	bool health_failed; /* the loop stopped for it: exit 1 */
	char health[256];   /* "ok", or what is degraded (STATUS=) */

	/* watch.c */
	struct pt_watch *watch;
	uint64_t reload_at_ns; /* a -w reload is due (debounced), 0 = none */

	/* containers.c */
	struct pt_containers *containers;
	struct pt_event_container evc; /* the event's container (borrowed strings) */
	uint32_t cpending[256];        /* mount namespaces changes touched */
	size_t cpending_n;
	bool cpending_all;             /* too many: recompute every map */
	uint64_t containers_recheck_ns; /* next full recompute (CLOCK_MONOTONIC) */
};

/* load.c: pidtree.conf, the probe YAML, the plugins, into the given places */
int pt_daemon_load_settings(struct daemon *d, struct pt_daemon_settings *s);
int pt_daemon_load_config(struct daemon *d, const struct pt_daemon_settings *s,
			  struct pt_config *cfg);
/* --extra-probe-path, else [daemon] extra_probe_path= of s, else NULL */
const char *pt_daemon_probe_path(const struct daemon *d, const struct pt_daemon_settings *s);
/* --extra-plugin-path, else [daemon] extra_plugin_path= of s, else NULL */
const char *pt_daemon_plugin_path(const struct daemon *d, const struct pt_daemon_settings *s);
int pt_daemon_load_plugins(struct daemon *d, const struct pt_daemon_settings *s,
			   const struct pt_config *cfg, struct pt_plugins **out);

/* plan.c */
void pt_daemon_print_plan(struct daemon *d);

/* probes.c */
void pt_daemon_probe_rows(struct daemon *d); /* the rows and their record types */
/* One more row (an external probe), after the others.  0 or -ENOSPC (logged). */
int pt_daemon_add_row(struct daemon *d, const struct pt_probe_desc *desc);
/* The schemas of the rows, NULL-terminated, for the YAML loader. */
const struct pt_probe_schema *const *pt_daemon_schemas(const struct daemon *d);
/* Row i's configuration in cfg (NULL: none, or not configurable). */
const struct pt_probe_config *pt_daemon_probe_config(const struct daemon *d, size_t i,
						     const struct pt_config *cfg);
/* Whether row i runs with configuration cfg. */
bool pt_daemon_probe_wanted(const struct daemon *d, size_t i, const struct pt_config *cfg);
int pt_daemon_open_probes(struct daemon *d);  /* the shared maps, then every wanted row */
int pt_daemon_check_features(struct daemon *d);
/* PT_CAPS_* (caps.h) the configured probes need after start-up */
unsigned int pt_daemon_caps_needed(const struct daemon *d);
/* Apply cfg to the running probes (see reload.c); the number of failures. */
int pt_daemon_reload_probes(struct daemon *d, const struct pt_config *old,
			    const struct pt_config *new);
void pt_daemon_close_probes(struct daemon *d);

/* dispatch.c */
int pt_daemon_on_record(void *ctx, void *data, size_t len); /* ring_buffer callback */
const struct pt_emitter *pt_daemon_emitter(struct daemon *d);
/* A non-event JSON record (telemetry) to every output. */
void pt_daemon_emit_record(struct daemon *d, const char *json, size_t len);

/* loop.c */
int pt_loop_setup(struct daemon *d);
int pt_loop_run(struct daemon *d); /* until SIGTERM/SIGINT; then drains */
int pt_loop_add_fd(struct daemon *d, int fd); /* watch fd for reading; 0 or -errno */
void pt_loop_free(struct daemon *d);

/* reload.c */
void pt_daemon_reload(struct daemon *d); /* SIGHUP and -w */
/*
 * Fetch the remote includes again, in the background; the reload follows
 * when they are in (pt_remote_handle) or after PT_REMOTE_WAIT_S at the
 * latest.  False, and nothing deferred, when there are none.
 */
bool pt_daemon_refetch_then_reload(struct daemon *d);

/* service.c */
int pt_service_start(struct daemon *d); /* after attach: caps, -w, READY=1 */
/* Watchdog, STATUS=, a due -w reload; the epoll timeout in ms until the next. */
int pt_service_poll(struct daemon *d);
void pt_service_ready(struct daemon *d); /* READY=1 with STATUS= (after a reload) */
void pt_service_reloading(void);
void pt_service_stopping(void);

/* losses.c */
void pt_losses_check(struct daemon *d);   /* 1 s: log new kernel losses */
void pt_losses_after_event(struct daemon *d); /* --lost-event-telemetry */
void pt_losses_totals(struct daemon *d, bool final); /* log line: SIGUSR1, exit */
/* Exit, before the outputs close: the last telemetry record (--lost-event-telemetry). */
void pt_losses_final_telemetry(struct daemon *d);
void pt_losses_status(struct daemon *d, char *buf, size_t len); /* STATUS= text */
/* The per-output section of STATUS= and the log line, at most (bytes). */
#define PT_LOSS_OUTPUTS_MAX 2048

/* health.c: the check, when due (from the 1 s tick) */
void pt_health_tick(struct daemon *d);
/* containers.c */
int pt_daemon_containers_start(struct daemon *d); /* before the probes are opened */
int pt_daemon_containers_fd(const struct daemon *d); /* -1 when not started */
void pt_daemon_containers_handle(struct daemon *d);  /* the fd is readable */
void pt_daemon_containers_tick(struct daemon *d);    /* 1 s timer */
/* ev->container from its kernel-side identity (NULL: a host process) */
void pt_daemon_container_of(struct daemon *d, struct pt_event *ev);
/* Reload in place: p runs pc's container_labels from now on.  0 or -errno. */
int pt_daemon_containers_refilter(struct daemon *d, struct pt_probe *p,
				  const struct pt_probe_config *pc);
void pt_daemon_containers_reload(struct daemon *d, const struct pt_daemon_settings *ns);
void pt_daemon_containers_free(struct daemon *d);

/* watch.c */
int pt_daemon_watch_start(struct daemon *d); /* -w */
void pt_daemon_watch_files(struct daemon *d); /* (re)point it at the files in force */
int pt_daemon_watch_fd(const struct daemon *d); /* -1 without -w */
void pt_daemon_watch_event(struct daemon *d);  /* the fd is readable */
void pt_daemon_watch_free(struct daemon *d);

#endif

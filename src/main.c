// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pidtree: process ancestry for every outbound connection.
 *
 * main.c owns the command line, start-up order (config, sinks, process
 * cache, process object, probes) and the single-threaded epoll loop over
 * the ring buffer, a signalfd and a 1 s housekeeping timer.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "config.h"
#include "daemon.h"
#include "filter.h"
#include "json.h"
#include "kernel_features.h"
#include "log.h"
#include "plugin.h"
#include "probe.h"
#include "proctree.h"
#include "remote.h"
#include "secure.h"
#include "settings.h"
#include "sink.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pidtree [OPTION]...\n"
		"Report the process ancestry of every outbound TCP connection.\n"
		"\n"
		"  -c, --config FILE        probe configuration (YAML, pidtree-bcc compatible);\n"
		"                           default: [daemon] probes= of pidtree.conf, else %s\n"
		"  -C, --conf FILE          daemon settings (INI); default %s if it exists\n"
		"  -o, --output SINK        json (stdout), json:PATH, journald, syslog (/dev/log),\n"
		"                           syslog:unix:PATH, syslog:udp://HOST:PORT or\n"
		"                           syslog:tcp://HOST:PORT; may be repeated;\n"
		"                           default: [output] sink= of pidtree.conf, else json\n"
		"  -f FILE                  same as -o json:FILE (\"-\" = stdout)\n"
		"  -p, --print-and-quit     print the probe plan (programs, attach points, filters)\n"
		"  -w, --watch-config       reload when a loaded configuration file changes\n"
		"      --lost-event-telemetry N  every N events, write a lost_event_telemetry record\n"
		"      --check-config       validate the configuration, print every error, exit\n"
		"      --extra-plugin-path DIR  load plugins that are not built in from DIR/NAME.so\n"
		"                           (default: [daemon] extra_plugin_path= of pidtree.conf)\n"
		"      --max-depth N        ancestors recorded per event (1-%d, default %d)\n"
		"      --cmdline-max BYTES  longest cmdline kept per process (default 4096)\n"
		"      --cache-entries N    process cache size (default 65536)\n"
		"      --ringbuf-kib N      kernel ring buffer size in KiB, a power of two (default 8192)\n"
		"      --poll-ms N          read the ring buffer at least every N ms (default 50)\n"
		"  -v, --verbose            more logging (twice: libbpf debug output)\n"
		"  -V, --version            print the version\n"
		"  -h, --help               this help\n"
		"\n"
		"Signals: SIGHUP reloads the configuration (a broken one is reported and the\n"
		"running one kept); SIGUSR1 logs event and loss totals; SIGTERM/SIGINT drain\n"
		"pending events and exit 0.\n"
		"Exit status: 0 ok, 1 runtime failure, 64 usage error, 78 configuration error.\n"
		"See pidtree(8).\n",
		DEFAULT_PROBES_YML, DEFAULT_CONF, PT_MAX_DEPTH, PT_MAX_DEPTH);
}

static int parse_ulong(const char *opt, const char *s, unsigned long lo, unsigned long hi,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "pidtree: %s: '%s' is not a number in %lu-%lu\n", opt, s, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum { OPT_CHECK = 256, OPT_DEPTH, OPT_CMDLINE, OPT_CACHE, OPT_RINGBUF, OPT_POLL, OPT_PLUGINS,
       OPT_TELEMETRY };

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "conf", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "print-and-quit", no_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "max-depth", required_argument, NULL, OPT_DEPTH },
		{ "cmdline-max", required_argument, NULL, OPT_CMDLINE },
		{ "cache-entries", required_argument, NULL, OPT_CACHE },
		{ "ringbuf-kib", required_argument, NULL, OPT_RINGBUF },
		{ "poll-ms", required_argument, NULL, OPT_POLL },
		{ "extra-plugin-path", required_argument, NULL, OPT_PLUGINS },
		{ "watch-config", no_argument, NULL, 'w' },
		{ "lost-event-telemetry", required_argument, NULL, OPT_TELEMETRY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static char json_spec[MAX_SINKS][4096]; /* one per -f: each stays valid */
	char why[PT_SINK_SPEC_MAX + 200];
	int c, verbose = 0;

	o->ringbuf_kib = 8192;
	o->max_depth = PT_MAX_DEPTH;
	o->cmdline_max = 4096;
	o->cache_entries = 65536;
	o->poll_ms = 50;
	while ((c = getopt_long(argc, argv, "c:C:o:f:pwvVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'C':
			o->conf = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "-")) {
				optarg = "json:-"; /* bare "json" would follow [json] path= */
			} else {
				if (o->nsinks == MAX_SINKS) {
					fprintf(stderr, "pidtree: at most %d outputs\n", MAX_SINKS);
					return -EINVAL;
				}
				snprintf(json_spec[o->nsinks], sizeof(json_spec[0]), "json:%s", optarg);
				optarg = json_spec[o->nsinks];
			}
			/* fall through */
		case 'o':
			if (o->nsinks == MAX_SINKS) {
				fprintf(stderr, "pidtree: at most %d outputs\n", MAX_SINKS);
				return -EINVAL;
			}
			if (pt_sink_spec_check(optarg, why, sizeof(why))) {
				fprintf(stderr, "pidtree: -o: %s\n", why);
				return -EINVAL;
			}
			o->sinks[o->nsinks++] = optarg;
			break;
		case 'p':
			o->print_and_quit = true;
			break;
		case OPT_CHECK:
			o->check_config = true;
			break;
		case OPT_DEPTH:
			if (parse_ulong("--max-depth", optarg, 1, PT_MAX_DEPTH, &o->max_depth))
				return -EINVAL;
			break;
		case OPT_CMDLINE:
			if (parse_ulong("--cmdline-max", optarg, 64, 1 << 20, &o->cmdline_max))
				return -EINVAL;
			break;
		case OPT_CACHE:
			if (parse_ulong("--cache-entries", optarg, 64, 1 << 24, &o->cache_entries))
				return -EINVAL;
			break;
		case OPT_RINGBUF:
			if (parse_ulong("--ringbuf-kib", optarg, 4, 1 << 20, &o->ringbuf_kib))
				return -EINVAL;
			if (o->ringbuf_kib & (o->ringbuf_kib - 1)) {
				fprintf(stderr, "pidtree: --ringbuf-kib must be a power of two\n");
				return -EINVAL;
			}
			break;
		case OPT_POLL:
			if (parse_ulong("--poll-ms", optarg, 1, 10000, &o->poll_ms))
				return -EINVAL;
			break;
		case OPT_PLUGINS:
			o->plugin_path = optarg;
			break;
		case 'w':
			o->watch_config = true;
			break;
		case OPT_TELEMETRY:
			if (parse_ulong("--lost-event-telemetry", optarg, 1, 1000000000,
					&o->telemetry_every))
				return -EINVAL;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("pidtree %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pidtree: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -EINVAL;
	}
	pt_log_set_verbose(verbose);
	return 0;
}

/* ---- configuration --------------------------------------------------- */

/* Refuse a trusted file that others could edit (see secure.h); diag on failure. */
static int check_trusted(const char *path, struct pt_diags *diags)
{
	char why[4200];
	int err = pt_check_trusted_path(path, why, sizeof(why));

	if (err == -EPERM)
		pt_diag_add(diags, PT_DIAG_ERROR, NULL, 0, "%s", why);
	return err == -EPERM ? -EINVAL : 0;
}

/* pidtree.conf: a file named with -C must exist, the default one need not. */
int pt_daemon_load_settings(struct daemon *d, struct pt_daemon_settings *s)
{
	struct pt_diags diags = { 0 };
	const char *path = d->opt.conf ? d->opt.conf : DEFAULT_CONF;
	int err;

	err = pt_settings_load(s, path, d->opt.conf != NULL, &diags);
	if (!err && s->path[0])
		err = check_trusted(s->path, &diags);
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	if (err)
		pt_err("%s: settings not valid", path);
	return err;
}

int pt_daemon_load_config(struct daemon *d, const struct pt_daemon_settings *s,
			  struct pt_config *cfg)
{
	struct pt_diags diags = { 0 };
	const char *path = d->opt.config;
	int err;

	if (!path && s->probes[0])
		path = s->probes;

	if (!path) {
		path = DEFAULT_PROBES_YML;
		if (access(path, F_OK) != 0) {
			pt_warn("%s not found: reporting every outbound TCP connection, unfiltered",
				path);
			memset(cfg, 0, sizeof(*cfg));
			for (int k = 0; k < PT_PROBE_COUNT; k++)
				pt_probe_config_defaults(&cfg->probes[k], k);
			cfg->probes[PT_PROBE_TCP_CONNECT].present = true;
			return 0;
		}
	}
	/* remote includes: the start-up load (and --check-config) waits for the network */
	struct pt_yload_opts yo = { .include = pt_remote_include(d->remote, !d->loop_running) };

	err = pt_config_load_opts(cfg, path, &yo, &diags);
	/* the file and everything it includes must be root's alone (URLs: TLS) */
	for (size_t i = 0; cfg->tree.files && i < cfg->tree.nfiles; i++)
		if (!pt_remote_is_url(cfg->tree.files[i]) &&
		    check_trusted(cfg->tree.files[i], &diags))
			err = -EINVAL;
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	if (err) {
		pt_err("%s: configuration not valid", path);
		pt_config_free(cfg);
	}
	return err;
}

const char *pt_daemon_plugin_path(const struct daemon *d, const struct pt_daemon_settings *s)
{
	if (d->opt.plugin_path)
		return d->opt.plugin_path;
	return s->plugin_path[0] ? s->plugin_path : NULL;
}

/* Plugins of the probe configuration (pidtree-plugins(7)); errors mean exit 78. */
int pt_daemon_load_plugins(struct daemon *d, const struct pt_daemon_settings *s,
			   const struct pt_config *cfg, struct pt_plugins **out)
{
	struct pt_plugins_opts po = { .extra_path = pt_daemon_plugin_path(d, s) };
	struct pt_diags diags = { 0 };
	int err;

	err = pt_plugins_load(out, cfg, &po, &diags);
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	if (err)
		pt_err("plugins not loaded");
	return err;
}

static void print_line(void *ctx, const char *s)
{
	printf("    %s\n", s);
}

static void print_plan(struct daemon *d)
{
	printf("process cache: exec/fork/exit via tp_btf/sched_process_{exec,fork,exit}\n");
	printf("ancestry: up to %lu ancestors per event, cmdlines up to %lu bytes\n",
	       d->opt.max_depth, d->opt.cmdline_max);
	for (int k = 0; k < PT_PROBE_COUNT; k++) {
		const struct pt_probe_config *pc = &d->cfg.probes[k];
		const struct pt_probe_desc *desc = NULL;
		struct pt_filter_plan plan;

		if (!pc->present)
			continue;
		for (size_t i = 0; pt_probe_descs[i]; i++)
			if (pt_probe_descs[i]->kind == (enum pt_probe_kind)k)
				desc = pt_probe_descs[i];
		if (!desc) {
			printf("probe %s: not available in this version (skipped)\n",
			       pt_probe_names[k]);
			continue;
		}
		printf("probe %s:\n  attach: %s\n  filters:\n", desc->name, desc->attach);
		if (pt_filter_compile(pc, 0, &plan) == 0) {
			pt_filter_describe(&plan, print_line, NULL);
			pt_filter_plan_free(&plan);
		}
		if (pc->nplugins) {
			printf("  plugins:\n");
			pt_plugins_describe(d->plugins, k, print_line, NULL);
		}
	}
	const char *specs[MAX_SINKS];
	int nspecs = pt_outputs_specs(d, &d->settings, specs);

	for (int i = 0; i < nspecs; i++)
		printf("output: %s\n", specs[i]);
}

/* ---- events ------------------------------------------------------------- */

uint64_t pt_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void emit_event(struct daemon *d, struct pt_event *ev)
{
	pt_plugins_process(d->plugins, ev);
	pt_buf_reset(&d->json);
	pt_json_event(&d->json, ev);
	if (d->json.oom) {
		pt_err("out of memory formatting an event");
		for (int i = 0; i < d->nsinks; i++)
			d->sinks[i]->dropped++;
		return;
	}
	for (int i = 0; i < d->nsinks; i++)
		d->sinks[i]->ops->emit(d->sinks[i], ev, d->json.data, d->json.len);
	d->events++;
	pt_lifecycle_after_event(d);
}

void pt_daemon_emit_record(struct daemon *d, const char *json, size_t len)
{
	for (int i = 0; i < d->nsinks; i++)
		d->sinks[i]->ops->emit(d->sinks[i], NULL, json, len);
}

/* pt_emitter callback: probes that build their own events (udp_session, snapshots) */
static void emit_cb(void *ctx, struct pt_event *ev)
{
	emit_event(ctx, ev);
}

static const struct pt_emitter *emitter(struct daemon *d)
{
	d->em.cache = d->cache;
	d->em.emit = emit_cb;
	d->em.ctx = d;
	d->em.boot_to_real_ns = d->boot_to_real_ns;
	return &d->em;
}

static struct pt_probe *probe_for(struct daemon *d, const struct pt_probe_desc *desc)
{
	for (int k = 0; k < PT_PROBE_COUNT; k++)
		if (d->probes[k] && d->probes[k]->desc == desc)
			return d->probes[k];
	return NULL;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct daemon *d = ctx;
	const struct pt_record_hdr *hdr = data;
	const struct pt_probe_desc *desc;
	const struct pt_ancestry *tree = NULL;

	if (len < sizeof(*hdr))
		goto bad;
	switch (hdr->type) {
	case PT_REC_EXEC:
		if (len < sizeof(struct pt_exec_record))
			goto bad;
		pt_proc_cache_exec(d->cache, data);
		return 0;
	case PT_REC_FORK:
		if (len < sizeof(struct pt_fork_record))
			goto bad;
		pt_proc_cache_fork(d->cache, data);
		return 0;
	case PT_REC_EXIT:
		if (len < sizeof(struct pt_exit_record))
			goto bad;
		pt_proc_cache_exit(d->cache, data, hdr->ts_ns);
		return 0;
	}
	desc = pt_probe_desc_for(hdr->type);
	if (!desc)
		goto bad;
	if (desc->handle) {
		struct pt_probe *p = probe_for(d, desc);

		if (!p || desc->handle(p, data, len, emitter(d)))
			goto bad;
		return 0;
	}
	pt_event_reset(&d->ev);
	if (desc->decode(data, len, &d->ev, &tree) || !tree)
		goto bad;
	pt_proc_cache_resolve(d->cache, tree, hdr->flags, &d->ev);
	d->ev.ts_us = (uint64_t)((int64_t)hdr->ts_ns + d->boot_to_real_ns) / 1000;
	emit_event(d, &d->ev);
	return 0;
bad:
	if (!d->bad_records++)
		pt_warn("malformed ring-buffer record (type %u, %zu bytes) ignored",
			len >= sizeof(*hdr) ? hdr->type : 0, len);
	return 0;
}

static void flush_sinks(struct daemon *d)
{
	for (int i = 0; i < d->nsinks; i++)
		if (d->sinks[i]->ops->flush)
			d->sinks[i]->ops->flush(d->sinks[i]);
}

static void consume(struct daemon *d)
{
	d->boot_to_real_ns =
		(int64_t)pt_clock_ns(CLOCK_REALTIME) - (int64_t)pt_clock_ns(CLOCK_BOOTTIME);
	if (ring_buffer__consume(d->rb) < 0)
		pt_warn("ring buffer read failed: %s", strerror(errno));
	flush_sinks(d);
}

static void tick_probes(struct daemon *d)
{
	uint64_t now = pt_clock_ns(CLOCK_BOOTTIME);

	d->boot_to_real_ns = (int64_t)pt_clock_ns(CLOCK_REALTIME) - (int64_t)now;
	for (int k = 0; k < PT_PROBE_COUNT; k++)
		if (d->probes[k] && d->probes[k]->desc->tick)
			d->probes[k]->desc->tick(d->probes[k], now, emitter(d));
	flush_sinks(d);
}

static void check_losses(struct daemon *d)
{
	static const char *const name[PT_LOSS_MAX] = {
		[PT_LOSS_TCP_CONNECT] = "tcp_connect", [PT_LOSS_NET_LISTEN] = "net_listen",
		[PT_LOSS_UDP_SESSION] = "udp_session", [PT_LOSS_PROCESS] = "process",
		[PT_LOSS_UDP_MAP_FULL] = "udp_session",
	};

	for (uint32_t i = 0; i < PT_LOSS_MAX; i++) {
		uint64_t n = pt_lost_read(d->shared.lost_fd, i);

		if (n > d->lost_seen[i]) {
			pt_warn("%s: %llu %s", name[i], (unsigned long long)(n - d->lost_seen[i]),
				i == PT_LOSS_UDP_MAP_FULL ?
					"sessions not tracked (session map full)" :
					"records lost (ring buffer full; raise --ringbuf-kib)");
			d->lost_seen[i] = n;
		}
	}
}

/* ---- start-up ------------------------------------------------------------ */

static int open_probes(struct daemon *d)
{
	int err, nopen = 0;

	err = pt_process_probe_open(&d->process, d->opt.ringbuf_kib * 1024, d->opt.max_depth,
				    &d->shared);
	if (err)
		return err;
	for (int k = 0; k < PT_PROBE_COUNT; k++) {
		const struct pt_probe_desc *desc = NULL;

		if (!d->cfg.probes[k].present)
			continue;
		for (size_t i = 0; pt_probe_descs[i]; i++)
			if (pt_probe_descs[i]->kind == (enum pt_probe_kind)k)
				desc = pt_probe_descs[i];
		if (!desc) {
			pt_warn("probe %s is not available in this version; skipped",
				pt_probe_names[k]);
			continue;
		}
		err = desc->open(&d->probes[k], &d->shared, &d->cfg.probes[k]);
		if (err)
			return err;
		pt_info("probe %s attached", desc->name);
		nopen++;
	}
	if (!nopen)
		pt_warn("no probe configured: only the process cache is running");
	return 0;
}

static int setup_loop(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	sigset_t mask;

	d->rb = ring_buffer__new(d->shared.events_fd, on_record, d, NULL);
	if (!d->rb) {
		pt_err("cannot open the ring buffer: %s", strerror(errno));
		return -errno;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0)
		return -errno;
	if (timerfd_settime(d->timerfd, 0, &its, NULL))
		return -errno;
	ev.data.fd = ring_buffer__epoll_fd(d->rb);
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	ev.data.fd = d->sigfd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->sigfd, &ev))
		return -errno;
	ev.data.fd = d->timerfd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->timerfd, &ev))
		return -errno;
	ev.data.fd = pt_plugins_fd(d->plugins); /* plugins' watched files */
	if (ev.data.fd >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	ev.data.fd = pt_remote_fd(d->remote); /* remote includes: news from the fetcher */
	if (ev.data.fd >= 0 && epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	return 0;
}

static void handle_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			pt_info("signal %u: draining and exiting", si.ssi_signo);
			d->stop = true;
			break;
		case SIGHUP:
			/* remote includes: fetched again first, in the background; the
			 * reload follows when they are in (pt_remote_handle), or after
			 * PT_REMOTE_WAIT_S at the latest */
			if (pt_remote_refresh(d->remote))
				d->reload_at_ns = pt_clock_ns(CLOCK_MONOTONIC) +
						  PT_REMOTE_WAIT_S * 1000000000ull;
			else
				pt_lifecycle_reload(d);
			break;
		case SIGUSR1:
			pt_lifecycle_totals(d, false);
			break;
		}
	}
}

static int run(struct daemon *d)
{
	struct epoll_event evs[8];
	int rb_fd = ring_buffer__epoll_fd(d->rb);

	while (!d->stop) {
		/*
		 * The BPF side does not wake us per record (see pt_submit): the
		 * ring is read when its backlog crosses the threshold, and at
		 * least every poll_ms.
		 */
		int n = epoll_wait(d->epfd, evs, 8, pt_lifecycle_poll(d));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pt_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		if (n == 0)
			consume(d);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == rb_fd) {
				consume(d);
			} else if (fd == d->sigfd) {
				handle_signals(d);
			} else if (fd == d->timerfd) {
				uint64_t ticks;

				if (read(d->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					pt_warn("timerfd: %s", strerror(errno));
				pt_proc_cache_expire(d->cache, pt_clock_ns(CLOCK_BOOTTIME));
				tick_probes(d);
				check_losses(d);
			} else if (fd == pt_plugins_fd(d->plugins)) {
				pt_plugins_handle_fd(d->plugins);
			} else if (fd == pt_lifecycle_watch_fd(d)) {
				pt_lifecycle_watch_event(d);
			} else if (fd == pt_remote_fd(d->remote)) {
				/* a remote include changed: reload as -w does */
				if (pt_remote_handle(d->remote))
					d->reload_at_ns = pt_clock_ns(CLOCK_MONOTONIC);
			}
		}
	}
	/* drain what the kernel already produced, then flush */
	pt_lifecycle_stop(d);
	consume(d);
	check_losses(d);
	return 0;
}

static void cleanup(struct daemon *d)
{
	pt_remote_free(d->remote); /* stops its thread first */
	for (int k = 0; k < PT_PROBE_COUNT; k++)
		pt_probe_destroy(d->probes[k]);
	ring_buffer__free(d->rb);
	pt_process_probe_destroy(d->process);
	pt_outputs_close(d);
	pt_proc_cache_free(d->cache);
	pt_plugins_free(d->plugins);
	pt_lifecycle_free(d);
	pt_buf_free(&d->json);
	pt_config_free(&d->cfg);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
}

int main(int argc, char **argv)
{
	static struct daemon d = { .epfd = -1, .sigfd = -1, .timerfd = -1 };
	struct pt_proc_cache_opts copts = { 0 };
	int err, rerr, rc = 1;

	if (parse_args(argc, argv, &d.opt))
		return EX_USAGE;
	pt_libbpf_logging();
	pt_buf_init(&d.json);

	/* both files are checked, so --check-config reports every problem */
	err = pt_daemon_load_settings(&d, &d.settings);
	/* remote includes: the fetcher, with [daemon] remote_include_* */
	rerr = pt_remote_new(&d.remote, &d.settings.remote, pt_check_trusted_path);
	if (rerr) {
		pt_err("cannot set up remote includes: %s", strerror(-rerr));
		goto out;
	}
	if (pt_daemon_load_config(&d, &d.settings, &d.cfg) ||
	    pt_daemon_load_plugins(&d, &d.settings, &d.cfg, &d.plugins) || err) {
		rc = EX_CONFIG;
		goto out;
	}
	/* remote includes: this configuration runs, cache its remote documents */
	if (!d.opt.check_config && !d.opt.print_and_quit)
		pt_remote_commit(d.remote);
	if (d.opt.check_config) {
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}
	if (d.opt.print_and_quit) {
		print_plan(&d);
		rc = 0;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pt_outputs_open(&d))
		goto out;

	copts.max_entries = d.opt.cache_entries;
	copts.cmdline_max = d.opt.cmdline_max;
	err = pt_proc_cache_new(&d.cache, &copts);
	if (err) {
		pt_err("cannot create the process cache: %s", strerror(-err));
		goto out;
	}
	/* an older kernel: one message naming the missing feature */
	if (pt_check_kernel_features(&d.cfg))
		goto out;
	/* attach first, then scan: a process started in between is seen by one or the other */
	if (open_probes(&d))
		goto out;
	err = pt_proc_cache_scan(d.cache);
	if (err)
		pt_warn("scanning /proc: %s", strerror(-err));
	if (setup_loop(&d)) {
		pt_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	d.loop_running = true; /* remote includes: reloads never wait */
	if (pt_lifecycle_start(&d))
		goto out;
	pt_info("ready");
	if (run(&d) == 0)
		rc = 0;
	pt_lifecycle_totals(&d, true);
out:
	cleanup(&d);
	return rc;
}

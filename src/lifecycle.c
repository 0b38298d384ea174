// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What makes pidtree a well-behaved service: capability drop and READY=1
 * once attached, the watchdog kept from the event loop itself, STATUS=,
 * SIGHUP / -w reloads that keep the running configuration when the new one
 * is broken, loss accounting (--lost-event-telemetry, SIGUSR1, exit totals).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "caps.h"
#include "daemon.h"
#include "json.h"
#include "log.h"
#include "notify.h"
#include "proctree.h"
#include "remote.h"
#include "watch.h"

#define STATUS_EVERY_NS (5 * 1000000000ull)
#define WATCH_DEBOUNCE_NS (200 * 1000000ull)

static const char *const loss_name[PT_LOSS_MAX] = {
	[PT_LOSS_TCP_CONNECT] = "tcp_connect", [PT_LOSS_NET_LISTEN] = "net_listen",
	[PT_LOSS_UDP_SESSION] = "udp_session", [PT_LOSS_PROCESS] = "process",
	[PT_LOSS_UDP_MAP_FULL] = "udp_session_untracked",
};

struct totals {
	uint64_t kernel[PT_LOSS_MAX];
	uint64_t kernel_events; /* records of reportable events lost in the kernel */
	uint64_t sink_drops;
	uint64_t unresolved;
};

static void get_totals(struct daemon *d, struct totals *t)
{
	struct pt_proc_cache_stats st;

	memset(t, 0, sizeof(*t));
	for (uint32_t i = 0; i < PT_LOSS_MAX; i++) {
		t->kernel[i] = pt_lost_read(d->shared.lost_fd, i);
		if (i != PT_LOSS_PROCESS)
			t->kernel_events += t->kernel[i];
	}
	t->sink_drops = d->retired_drops;
	for (int i = 0; i < d->nsinks; i++)
		t->sink_drops += d->sinks[i]->dropped;
	pt_proc_cache_get_stats(d->cache, &st);
	t->unresolved = st.unresolved;
}

static void status_line(struct daemon *d, char *buf, size_t len)
{
	uint64_t now = pt_clock_ns(CLOCK_MONOTONIC);
	double rate = 0;
	struct totals t;

	if (d->status_ns && now > d->status_ns)
		rate = (double)(d->events - d->status_events) * 1e9 / (double)(now - d->status_ns);
	d->status_ns = now;
	d->status_events = d->events;
	get_totals(d, &t);
	snprintf(buf, len,
		 "events %" PRIu64 " (%.1f/s); lost: kernel %" PRIu64 ", process records %" PRIu64
		 ", outputs %" PRIu64 "; unresolved ancestors %" PRIu64,
		 d->events, rate, t.kernel_events, t.kernel[PT_LOSS_PROCESS], t.sink_drops,
		 t.unresolved);
}

/*
 * pidtree-bcc's record, {"type": "lost_event_telemetry", "count": N}, with N
 * the events lost so far in the kernel (ring buffer full, sessions not
 * tracked) and in the outputs, plus the count per cause.
 */
static void telemetry(struct daemon *d)
{
	char ts[40];
	struct pt_buf b;
	struct totals t;

	get_totals(d, &t);
	pt_buf_init(&b);
	pt_format_timestamp(pt_clock_ns(CLOCK_REALTIME) / 1000, ts, sizeof(ts));
	pt_buf_printf(&b, "{\"type\":\"lost_event_telemetry\",\"timestamp\":\"%s\",\"count\":%" PRIu64
		      ",\"events\":%" PRIu64 ",\"lost\":{",
		      ts, t.kernel_events + t.sink_drops, d->events);
	for (uint32_t i = 0; i < PT_LOSS_MAX; i++)
		pt_buf_printf(&b, "%s\"%s\":%" PRIu64, i ? "," : "", loss_name[i], t.kernel[i]);
	pt_buf_printf(&b, ",\"outputs\":%" PRIu64 "},\"unresolved_ancestors\":%" PRIu64 "}",
		      t.sink_drops, t.unresolved);
	if (!b.oom)
		pt_daemon_emit_record(d, b.data, b.len);
	pt_buf_free(&b);
}

void pt_lifecycle_totals(struct daemon *d, bool final)
{
	struct totals t;

	if (final && d->opt.telemetry_every)
		telemetry(d); /* the last word on losses, after the final drain */
	char drops[256] = "";
	size_t off = 0;

	get_totals(d, &t);
	for (int i = 0; i < d->nsinks && off < sizeof(drops); i++)
		off += (size_t)snprintf(drops + off, sizeof(drops) - off, " %s=%" PRIu64,
					d->sinks[i]->ops->name, d->sinks[i]->dropped);
	if (d->retired_drops && off < sizeof(drops))
		snprintf(drops + off, sizeof(drops) - off, " closed outputs=%" PRIu64, d->retired_drops);
	pt_info("%s events %" PRIu64 "; lost records: tcp_connect=%" PRIu64 " net_listen=%" PRIu64
		" udp_session=%" PRIu64 " process=%" PRIu64 "; udp sessions untracked %" PRIu64
		"; output drops:%s; unresolved ancestors %" PRIu64,
		final ? "exiting after" : "totals:", d->events, t.kernel[PT_LOSS_TCP_CONNECT],
		t.kernel[PT_LOSS_NET_LISTEN], t.kernel[PT_LOSS_UDP_SESSION],
		t.kernel[PT_LOSS_PROCESS], t.kernel[PT_LOSS_UDP_MAP_FULL], drops, t.unresolved);
}

void pt_lifecycle_after_event(struct daemon *d)
{
	if (!d->opt.telemetry_every || d->events < d->telemetry_next)
		return;
	d->telemetry_next = d->events + d->opt.telemetry_every;
	telemetry(d);
}

static void watch_files(struct daemon *d)
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

int pt_lifecycle_start(struct daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char status[256];
	int err;

	if (d->opt.watch_config) {
		err = pt_watch_new(&d->watch);
		if (err) {
			pt_err("-w: inotify: %s", strerror(-err));
			return err;
		}
		watch_files(d);
		ev.data.fd = pt_watch_fd(d->watch);
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
			return -errno;
	}
	/* everything is loaded and attached: keep only what runtime needs */
	err = pt_drop_capabilities();
	if (err)
		return err;
	d->telemetry_next = d->opt.telemetry_every;
	d->wd_period_ns = pt_notify_watchdog_period_ns();
	d->wd_next_ns = pt_clock_ns(CLOCK_MONOTONIC);
	d->status_next_ns = d->wd_next_ns + STATUS_EVERY_NS;
	status_line(d, status, sizeof(status));
	pt_notify_ready(status);
	if (d->wd_period_ns)
		pt_dbg("watchdog: keep-alive every %" PRIu64 " ms", d->wd_period_ns / 1000000);
	return 0;
}

int pt_lifecycle_poll(struct daemon *d)
{
	uint64_t now = pt_clock_ns(CLOCK_MONOTONIC);
	uint64_t next = now + d->opt.poll_ms * 1000000ull;
	char status[256];

	/* the loop itself sends the keep-alive: a stuck loop starves it */
	if (d->wd_period_ns) {
		if (now >= d->wd_next_ns) {
			pt_notify_watchdog();
			d->wd_next_ns = now + d->wd_period_ns;
		}
		if (d->wd_next_ns < next)
			next = d->wd_next_ns;
	}
	if (now >= d->status_next_ns) {
		status_line(d, status, sizeof(status));
		pt_notify_status(status);
		d->status_next_ns = now + STATUS_EVERY_NS;
	}
	if (d->reload_at_ns) {
		if (now >= d->reload_at_ns) {
			d->reload_at_ns = 0;
			pt_lifecycle_reload(d);
		} else if (d->reload_at_ns < next) {
			next = d->reload_at_ns;
		}
	}
	return next > now ? (int)((next - now + 999999) / 1000000) : 0;
}

int pt_lifecycle_watch_fd(const struct daemon *d)
{
	return d->watch ? pt_watch_fd(d->watch) : -1;
}

void pt_lifecycle_watch_event(struct daemon *d)
{
	/* editors write in several steps: reload once things settle */
	if (pt_watch_changed(d->watch))
		d->reload_at_ns = pt_clock_ns(CLOCK_MONOTONIC) + WATCH_DEBOUNCE_NS;
}

/*
 * New settings, YAML and plugins are loaded and validated completely before
 * anything running is touched; any error leaves the running configuration
 * in force; so are new outputs (outputs.c: changed sinks are opened before
 * anything is switched).  Then probes are updated (see pt_probes_reload),
 * the outputs switched, and the new configuration replaces the old one.
 * Output files that stay are re-opened by name on every reload, good or
 * bad, for log rotation.
 */
void pt_lifecycle_reload(struct daemon *d)
{
	struct pt_daemon_settings ns;
	struct pt_config ncfg = { 0 };
	struct pt_diags diags = { 0 };
	struct pt_outputs outs;
	char status[256];
	int failures;

	pt_notify_reloading();
	pt_info("reloading the configuration");
	if (pt_daemon_load_settings(d, &ns) || pt_daemon_load_config(d, &ns, &ncfg))
		goto keep;
	if (pt_outputs_prepare(d, &ns, &outs)) {
		pt_config_free(&ncfg);
		goto keep;
	}
	if (pt_plugins_reconfigure_path(d->plugins, &ncfg, pt_daemon_plugin_path(d, &ns), &diags)) {
		pt_diags_print(&diags);
		pt_diags_free(&diags);
		pt_outputs_discard(&outs);
		pt_config_free(&ncfg);
		goto keep;
	}
	pt_diags_print(&diags);
	pt_diags_free(&diags);
	failures = pt_probes_reload(d->probes, &d->shared, &d->cfg, &ncfg);
	pt_config_free(&d->cfg);
	d->cfg = ncfg;
	/* remote includes: cache the documents now in force, new remote_include_* */
	pt_remote_commit(d->remote);
	pt_remote_set_opts(d->remote, &ns.remote);
	pt_outputs_switch(d, &outs); /* re-opens the files it keeps */
	d->settings = ns;
	pt_plugins_reload(d->plugins);
	pt_username_cache_drop(d->cache);
	watch_files(d);
	if (failures)
		pt_warn("configuration reloaded with %d probe failure(s)", failures);
	else
		pt_info("configuration reloaded");
	goto ready;
keep:
	pt_err("reload failed: the running configuration stays in force");
	pt_outputs_reopen(d); /* log rotation does not wait for a good file */
	pt_plugins_reload(d->plugins); /* hostfiles are data: refresh them anyway */
	pt_username_cache_drop(d->cache);
	watch_files(d);
ready:
	status_line(d, status, sizeof(status));
	pt_notify_ready(status);
}

void pt_lifecycle_stop(struct daemon *d)
{
	pt_notify_stopping();
}

void pt_lifecycle_free(struct daemon *d)
{
	pt_watch_free(d->watch);
	d->watch = NULL;
}

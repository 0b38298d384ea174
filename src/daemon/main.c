// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pidtree: the process ancestry of every outbound TCP connection, TCP and
 * UDP listener and UDP session on this host.
 *
 * main() is the start-up order: command line, configuration (both files
 * checked, so --check-config reports every problem), outputs, process cache,
 * kernel features, probes (attach first, then scan /proc: a process started
 * in between is seen by one or the other), the event loop, READY=1.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "daemon.h"
#include "extprobe.h"
#include "log.h"
#include "proccache.h"
#include "remote.h"

static void cleanup(struct daemon *d)
{
	pt_remote_free(d->remote); /* stops its thread first */
	pt_loop_free(d);
	pt_daemon_close_probes(d);
	pt_daemon_containers_free(d);
	pt_naming_free(d);
	pt_outputs_close(d);
	pt_proc_cache_free(d->cache);
	pt_plugins_free(d->plugins);
	pt_daemon_watch_free(d);
	pt_buf_free(&d->json);
	pt_config_free(&d->cfg);
	/* last: rows, configurations and plugin sets point at external probes' names */
	pt_extprobes_free(d->ext);
}

static int open_cache(struct daemon *d)
{
	struct pt_proc_cache_opts copts = {
		.max_entries = d->opt.cache_entries,
		.cmdline_max = d->opt.cmdline_max,
	};
	int err = pt_proc_cache_new(&d->cache, &copts);

	if (err)
		pt_err("cannot create the process cache: %s", strerror(-err));
	return err;
}

int main(int argc, char **argv)
{
	static struct daemon d = { .epfd = -1, .sigfd = -1, .timerfd = -1,
				   .env = { .events_fd = -1, .lost_fd = -1 } };
	int err, rerr, rc = 1;

	if (pt_cli_parse(argc, argv, &d.opt))
		return EX_USAGE;
	pt_libbpf_logging();
	pt_buf_init(&d.json);
	pt_daemon_probe_rows(&d);

	err = pt_daemon_load_settings(&d, &d.settings);
	rerr = pt_remote_new(&d.remote, &d.settings.remote);
	if (rerr) {
		pt_err("cannot set up remote includes: %s", strerror(-rerr));
		goto out;
	}
	if (pt_daemon_load_config(&d, &d.settings, &d.cfg) ||
	    pt_daemon_load_plugins(&d, &d.settings, &d.cfg, &d.plugins) || err) {
		rc = EX_CONFIG;
		goto out;
	}
	/* this configuration runs: cache its remote documents */
	if (!d.opt.check_config && !d.opt.print_and_quit)
		pt_remote_commit(d.remote);
	if (d.opt.check_config) {
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}
	if (d.opt.print_and_quit) {
		pt_daemon_print_plan(&d);
		rc = 0;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	/*
	 * A file output past RLIMIT_FSIZE: EFBIG from write(2), which the
	 * output handles (whole lines, drops counted), rather than SIGXFSZ,
	 * whose default action kills the daemon with a core dump.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (pt_outputs_open(&d) || open_cache(&d))
		goto out;
	pt_daemon_emitter(&d);
	/* an older kernel: one message naming the missing feature */
	if (pt_daemon_check_features(&d))
		goto out;
	/* container_labels maps are filled as each probe is opened */
	if (pt_daemon_containers_start(&d))
		goto out;
	if (pt_daemon_open_probes(&d) || pt_naming_apply(&d))
		goto out;
	err = pt_proc_cache_scan(d.cache);
	if (err)
		pt_warn("scanning /proc: %s", strerror(-err));
	if (pt_loop_setup(&d)) {
		pt_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	d.loop_running = true; /* remote includes: reloads never wait */
	if (pt_service_start(&d))
		goto out;
	pt_info("ready");
	if (pt_loop_run(&d) == 0)
		rc = 0;
	/* the outputs deliver what they hold first: the exit line counts what that loses */
	pt_outputs_close(&d);
	pt_losses_totals(&d, true);
out:
	cleanup(&d);
	return rc;
}

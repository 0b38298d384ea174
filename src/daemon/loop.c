// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The single-threaded epoll loop: the ring buffer, a signalfd, a 1 s
 * housekeeping timer, the plugins' and -w's inotify descriptors, the
 * container layer's and the remote includes' eventfds.
 *
 * The BPF side does not wake the loop per record (see pt_submit in
 * bpf/ringbuf.bpf.h): the ring is read when its backlog crosses the
 * wake-up threshold, and at least every --poll-ms.  One read handles at
 * most PT_BATCH_RECORDS records, or what PT_BATCH_NS allows, and then
 * returns to epoll, so that under a sustained flood signals, the watchdog,
 * the timer and output flushes are still served between batches (libbpf's
 * ring_buffer__consume() alone reads until the ring is empty, which a flood
 * never lets happen).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "clock.h"
#include "daemon.h"
#include "log.h"
#include "proccache.h"
#include "remote.h"

/* One read of the ring (see above): at most this many records, this long. */
#define PT_BATCH_RECORDS 4096
#define PT_BATCH_NS (20 * 1000000ull)
/* The clock is read once per this many records. */
#define BATCH_CLOCK_EVERY 32
/* The callback's way of stopping libbpf's read: the record was handled. */
#define BATCH_FULL (-EAGAIN)

struct batch {
	struct daemon *d;
	unsigned int n;
	uint64_t end_ns;
};

static int on_record(void *ctx, void *data, size_t len)
{
	struct batch *b = ctx;

	pt_daemon_on_record(b->d, data, len);
	if (++b->n >= PT_BATCH_RECORDS)
		return BATCH_FULL;
	if (b->n % BATCH_CLOCK_EVERY == 0 && pt_clock_ns(CLOCK_MONOTONIC) >= b->end_ns)
		return BATCH_FULL;
	return 0;
}

static struct batch batch; /* the ring buffer's callback context */

/* One batch of records, then flush: true when the ring may hold more. */
static bool consume(struct daemon *d)
{
	int r;

	d->em.boot_to_real_ns = pt_boot_to_real_ns();
	batch.n = 0;
	batch.end_ns = pt_clock_ns(CLOCK_MONOTONIC) + PT_BATCH_NS;
	r = ring_buffer__consume(d->rb);
	if (r < 0 && r != BATCH_FULL)
		pt_warn("ring buffer read failed: %s", strerror(-r));
	pt_outputs_flush(d);
	return r == BATCH_FULL;
}

static void tick(struct daemon *d)
{
	uint64_t now = pt_clock_ns(CLOCK_BOOTTIME), ticks;

	if (read(d->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		pt_warn("timerfd: %s", strerror(errno));
	pt_proc_cache_expire(d->cache, now);
	pt_daemon_containers_tick(d);
	pt_naming_tick(d, now);
	d->em.boot_to_real_ns = pt_boot_to_real_ns();
	for (size_t i = 0; i < d->nrows; i++)
		if (d->probes[i] && d->rows[i]->tick)
			d->rows[i]->tick(d->probes[i], now, &d->em);
	pt_outputs_flush(d);
	pt_losses_check(d);
	pt_health_tick(d);
}

int pt_loop_add_fd(struct daemon *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int pt_loop_setup(struct daemon *d)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	sigset_t mask;
	int err;

	batch.d = d;
	d->rb = ring_buffer__new(d->env.events_fd, on_record, &batch, NULL);
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
	err = pt_loop_add_fd(d, ring_buffer__epoll_fd(d->rb));
	if (!err)
		err = pt_loop_add_fd(d, d->sigfd);
	if (!err)
		err = pt_loop_add_fd(d, d->timerfd);
	if (!err && pt_plugins_fd(d->plugins) >= 0) /* plugins' watched files */
		err = pt_loop_add_fd(d, pt_plugins_fd(d->plugins));
	if (!err && pt_remote_fd(d->remote) >= 0) /* remote includes: news from the fetcher */
		err = pt_loop_add_fd(d, pt_remote_fd(d->remote));
	if (!err && pt_daemon_containers_fd(d) >= 0) /* the runtimes' news */
		err = pt_loop_add_fd(d, pt_daemon_containers_fd(d));
	return err;
}

/* SIGUSR1: the process cache's figures beside the loss table. */
static void cache_report(struct daemon *d)
{
	struct pt_proc_cache_stats st;

	pt_proc_cache_get_stats(d->cache, &st);
	pt_info("process cache: %zu entries; exits %" PRIu64 "; live entries evicted %" PRIu64
		" (a full cache: raise --cache-entries); ancestors read from /proc %" PRIu64,
		st.entries, st.exits, st.evictions, st.proc_fallbacks);
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
			/* remote includes are fetched again first, in the background */
			if (!pt_daemon_refetch_then_reload(d))
				pt_daemon_reload(d);
			break;
		case SIGUSR1:
			pt_losses_totals(d, false);
			cache_report(d);
			break;
		}
	}
}

int pt_loop_run(struct daemon *d)
{
	struct epoll_event evs[8];
	int rb_fd = ring_buffer__epoll_fd(d->rb);
	bool more = false;

	while (!d->stop) {
		int timeout = pt_service_poll(d);
		int n = epoll_wait(d->epfd, evs, 8, more ? 0 : timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			pt_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		if (n == 0)
			more = consume(d);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == rb_fd)
				more = consume(d);
			else if (fd == d->sigfd)
				handle_signals(d);
			else if (fd == d->timerfd)
				tick(d);
			else if (fd == pt_plugins_fd(d->plugins))
				pt_plugins_handle_fd(d->plugins);
			else if (fd == pt_daemon_watch_fd(d))
				pt_daemon_watch_event(d);
			else if (fd == pt_daemon_containers_fd(d))
				pt_daemon_containers_handle(d);
			else if (fd == pt_remote_fd(d->remote) && pt_remote_handle(d->remote))
				d->reload_at_ns = pt_clock_ns(CLOCK_MONOTONIC); /* a remote include changed */
		}
	}
	/* drain what the kernel already produced, then flush */
	pt_service_stopping();
	while (consume(d))
		;
	pt_losses_check(d);
	return d->health_failed ? -EIO : 0;
}

void pt_loop_free(struct daemon *d)
{
	ring_buffer__free(d->rb);
	d->rb = NULL;
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	d->epfd = d->sigfd = d->timerfd = -1;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * udp_session probe (bpf/udp_session.bpf.c).
 *
 * The kernel tracks each UDP socket's destinations in pt_udp_sessions and
 * sends two records: a start record with the sender's ancestry when the
 * session begins, and an end record with the destinations when the socket
 * is closed.  Userland resolves the ancestry at start (while the processes
 * are fresh in the process cache), keeps it in a bounded table keyed by
 * socket cookie, and emits one event at the end.  Sessions idle for
 * session_max_duration are flushed from the kernel map by tick() with
 * error "session_max_duration_exceeded".
 *
 * Bounds: max_sessions (YAML, default 16384) sessions in the kernel (more are
 * not tracked, counted as udp_session_untracked) and as many in userland (the
 * oldest is evicted when a start record finds the table full, counted as
 * udp_session_evicted).
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "keys.h"
#include "log.h"
#include "proccache.h"
#include "probe.h"
#include "udp_session.h"
#include "udp_session.skel.h"
#include "util.h"

#define NAME "udp_session"

static const char *const own_keys[] = { "session_max_duration", "max_sessions", NULL };

static void opts_defaults(void *opts)
{
	struct pt_udp_session_opts *o = opts;

	o->session_max_duration = 120;
	o->max_sessions = 16384;
}

static int parse_key(void *opts, const struct pt_ynode *k, const struct pt_ynode *v,
		     struct pt_diags *d)
{
	struct pt_udp_session_opts *o = opts;

	if (!strcmp(k->scalar, "session_max_duration")) {
		pt_key_seconds(d, k->scalar, v, 1, &o->session_max_duration);
	} else if (!strcmp(k->scalar, "max_sessions")) {
		long n = o->max_sessions;

		pt_key_seconds(d, k->scalar, v, 1, &n); /* an integer >= 1; range checked below */
		if (n > PT_UDP_MAX_SESSIONS_MAX)
			PT_KEY_ERR(d, v, "max_sessions must be at most %d, got %ld",
				   PT_UDP_MAX_SESSIONS_MAX, n);
		else
			o->max_sessions = n;
	}
	return 0;
}

static bool opts_equal(const void *a, const void *b)
{
	return !memcmp(a, b, sizeof(struct pt_udp_session_opts));
}

static const struct pt_udp_session_opts *opts_of(const struct pt_probe_config *pc)
{
	return pc->opts;
}

#define NBUCKETS 16384 /* power of two */

struct session {
	uint64_t cookie;
	struct session *hnext;            /* hash chain */
	struct session *older, *newer;    /* age list */
	uint32_t pid;
	size_t nproc;
	struct pt_event_proc proc[PT_MAX_DEPTH]; /* strings owned (strdup) */
	char *error;
	/* the sender's container identity at start: named when the event is emitted */
	uint32_t mntns;
	uint64_t cgroup_id;
	char cgroup_name[PT_CGROUP_NAME_LEN];
};

struct udp_state {
	const struct pt_probe_info *info;
	uint64_t *evicted; /* the probe's user_lost[0] */
	uint64_t max_idle_ns;
	size_t max_sessions;
	struct session *bucket[NBUCKETS];
	struct session *oldest, *newest;
	size_t n;
	struct pt_event ev;
	struct pt_udp_dest dests[PT_UDP_MAX_DESTS];
	int map_fd;
	uint64_t next_scan_ns;
};

static struct session **slot(struct udp_state *u, uint64_t cookie)
{
	struct session **pp = &u->bucket[(cookie * 0x9e3779b97f4a7c15ull) >> 50 & (NBUCKETS - 1)];

	while (*pp && (*pp)->cookie != cookie)
		pp = &(*pp)->hnext;
	return pp;
}

static void session_free(struct session *s)
{
	for (size_t i = 0; i < s->nproc; i++) {
		free((char *)s->proc[i].cmdline);
		free((char *)s->proc[i].username);
	}
	free(s->error);
	free(s);
}

/* Unlink s from the hash and the age list (caller frees). */
static void session_unlink(struct udp_state *u, struct session *s)
{
	struct session **pp = slot(u, s->cookie);

	if (*pp == s)
		*pp = s->hnext;
	if (s->older)
		s->older->newer = s->newer;
	else
		u->oldest = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		u->newest = s->older;
	u->n--;
}

static void state_free(void *priv)
{
	struct udp_state *u = priv;

	while (u->oldest) {
		struct session *s = u->oldest;

		session_unlink(u, s);
		session_free(s);
	}
}

static void destroy_skel(void *skel)
{
	pt_udp_session__destroy(skel);
}

static int attach_all(struct pt_udp_session *skel)
{
	const struct pt_cgroup_prog progs[] = {
		{ skel->progs.pt_sendmsg4, &skel->links.pt_sendmsg4 },
		{ skel->progs.pt_sendmsg6, &skel->links.pt_sendmsg6 },
		{ skel->progs.pt_connect4, &skel->links.pt_connect4 },
		{ skel->progs.pt_connect6, &skel->links.pt_connect6 },
		{ skel->progs.pt_udp_egress, &skel->links.pt_udp_egress },
		{ skel->progs.pt_udp_release, &skel->links.pt_udp_release },
	};

	return pt_attach_cgroup_all(NAME, progs, ARRAY_SIZE(progs));
}

static int udp_open(struct pt_probe *p, const struct pt_probe_env *env,
		    const struct pt_probe_config *pc)
{
	const struct pt_udp_session_opts *o = opts_of(pc);
	struct udp_state *u = p->priv;
	struct pt_udp_session *skel;
	int err;

	u->info = &p->desc->info;
	u->evicted = &p->user_lost[0];
	u->max_idle_ns = (uint64_t)o->session_max_duration * 1000000000ull;
	u->max_sessions = (size_t)o->max_sessions;

	skel = pt_udp_session__open();
	if (!skel)
		return pt_probe_fail(p, "open its BPF object", -errno);
	p->skel = skel;
	p->destroy_skel = destroy_skel;
	skel->rodata->pt_consts = p->consts;
	err = bpf_map__set_max_entries(skel->maps.pt_udp_sessions, u->max_sessions);
	if (err)
		return pt_probe_fail(p, "size the session map (max_sessions)", err);
	err = pt_probe_prepare(p, env, pc, skel->skeleton);
	if (err)
		return err;
	err = pt_udp_session__load(skel);
	if (err)
		return pt_probe_fail(p, "load its BPF programs", err);
	err = pt_probe_filters_init(p, pc, skel->obj, &skel->bss->pt_generation);
	if (err)
		return err;
	u->map_fd = bpf_map__fd(skel->maps.pt_udp_sessions);
	return attach_all(skel);
}

static void on_start(struct udp_state *u, const struct pt_udp_start_record *r,
		     const struct pt_emitter *em)
{
	struct session *s, **pp = slot(u, r->cookie);

	if (*pp) { /* cookies are unique for the boot: a stale entry (lost end record) */
		s = *pp;
		session_unlink(u, s);
		session_free(s);
		pp = slot(u, r->cookie);
	}
	if (u->n >= u->max_sessions) {
		s = u->oldest;
		session_unlink(u, s);
		session_free(s);
		if (!(*u->evicted)++ || !(*u->evicted % 1000))
			pt_warn(NAME ": %llu sessions evicted (too many open UDP sockets)",
				(unsigned long long)*u->evicted);
		pp = slot(u, r->cookie);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return;
	pt_event_reset(&u->ev);
	pt_proc_cache_resolve(em->cache, &r->tree, r->hdr.flags, &u->ev);
	s->cookie = r->cookie;
	s->pid = u->ev.pid;
	s->nproc = u->ev.nproc;
	for (size_t i = 0; i < s->nproc; i++) {
		s->proc[i] = u->ev.proctree[i];
		s->proc[i].cmdline = strdup(u->ev.proctree[i].cmdline);
		s->proc[i].username = strdup(u->ev.proctree[i].username);
		/* (the cache's JSON of it lives only until the next resolve) */
		s->proc[i].cmdline_json = s->proc[i].cmdline_json_of = NULL;
		if (!s->proc[i].cmdline || !s->proc[i].username) {
			s->nproc = i + 1;
			session_free(s);
			return;
		}
	}
	s->error = u->ev.error[0] ? strdup(u->ev.error) : NULL;
	s->mntns = u->ev.mntns;
	s->cgroup_id = u->ev.cgroup_id;
	memcpy(s->cgroup_name, u->ev.cgroup_name, sizeof(s->cgroup_name));
	*pp = s;
	s->older = u->newest;
	if (u->newest)
		u->newest->newer = s;
	else
		u->oldest = s;
	u->newest = s;
	u->n++;
}

/* One event for a session: from the close record, or flushed when idle. */
static void emit_session(struct udp_state *u, uint64_t cookie, const struct pt_udp_state *ks,
			 uint64_t ts_ns, const char *reason, const struct pt_emitter *em)
{
	struct session **pp = slot(u, cookie), *s = *pp;
	struct pt_event *ev = &u->ev;
	uint32_t i, n = ks->ndests < PT_UDP_MAX_DESTS ? ks->ndests : PT_UDP_MAX_DESTS;

	pt_event_reset(ev);
	ev->probe = u->info;
	ev->ts_us = pt_boot_ns_to_real_us(ts_ns, em->boot_to_real_ns);
	if (s) {
		ev->pid = s->pid;
		ev->nproc = s->nproc;
		memcpy(ev->proctree, s->proc, s->nproc * sizeof(s->proc[0]));
		if (s->error)
			pt_event_add_error(ev, "%s", s->error);
		ev->mntns = s->mntns;
		ev->cgroup_id = s->cgroup_id;
		memcpy(ev->cgroup_name, s->cgroup_name, sizeof(ev->cgroup_name));
	} else {
		ev->pid = ks->tgid;
		pt_event_add_error(ev, "session start record lost");
	}
	for (i = 0; i < n; i++) {
		const struct pt_udp_kdest *d = &ks->dests[i];

		pt_addr_to_str(d->family, d->addr, u->dests[i].daddr, sizeof(u->dests[i].daddr));
		u->dests[i].port = d->port;
		/* dns: named as of its first datagram (the daemon looks it up) */
		u->dests[i].key.ts_ns = d->first_ns;
		u->dests[i].key.netns = ks->netns;
		u->dests[i].key.family = d->family;
		memcpy(u->dests[i].key.addr, d->addr, 16);
		u->dests[i].name.name = NULL;
		u->dests[i].name.ncnames = 0;
		u->dests[i].msg_count = d->count;
		u->dests[i].duration = (double)(d->last_ns - d->first_ns) / 1e9;
	}
	ev->dests = u->dests;
	ev->ndests = n;
	if (ks->flags & PT_UDP_F_DEST_OVERFLOW)
		pt_event_add_error(ev, "more than %d destinations, only the first reported",
				   PT_UDP_MAX_DESTS);
	if (reason)
		pt_event_add_error(ev, "%s", reason);
	em->emit(em->ctx, ev);
	if (s) {
		session_unlink(u, s);
		session_free(s);
	}
}

static int udp_handle(struct pt_probe *p, unsigned int rec, const void *data, size_t len,
		      const struct pt_emitter *em)
{
	const struct pt_record_hdr *hdr = data;
	struct udp_state *u = p->priv;

	if (rec == PT_UDP_REC_START) {
		const struct pt_udp_start_record *r = data;

		if (len < sizeof(*r) || !pt_ancestry_ok(&r->tree, PT_TREE_AVAIL(r, len)))
			return -EINVAL;
		on_start(u, data, em);
		return 0;
	}
	if (len < sizeof(struct pt_udp_end_record))
		return -EINVAL;
	const struct pt_udp_end_record *r = data;

	emit_session(u, r->cookie, &r->s, hdr->ts_ns, NULL, em);
	return 0;
}

/* Flush sessions idle for longer than session_max_duration. */
static void udp_tick(struct pt_probe *p, uint64_t now, const struct pt_emitter *em)
{
	struct udp_state *u = p->priv;
	struct pt_udp_state ks;
	uint64_t key, next, *prev = NULL;

	if (now < u->next_scan_ns)
		return;
	/* scan at most every eighth of the idle limit, and at least every 10 s */
	u->next_scan_ns = now + (u->max_idle_ns / 8 < 10000000000ull ? u->max_idle_ns / 8 :
								      10000000000ull);
	while (!bpf_map_get_next_key(u->map_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(u->map_fd, &key, &ks))
			continue;
		if (now < ks.last_ns || now - ks.last_ns < u->max_idle_ns)
			continue;
		/* whoever deletes it reports it: the close hook or us */
		if (bpf_map_delete_elem(u->map_fd, &key))
			continue;
		emit_session(u, key, &ks, now, "session_max_duration_exceeded", em);
		prev = NULL; /* restart: the key we stood on is gone */
	}
}

static bool udp_needs_reopen(const struct pt_probe_config *old, const struct pt_probe_config *new)
{
	return opts_of(old)->max_sessions != opts_of(new)->max_sessions; /* the kernel map's size */
}

static void udp_reconfigure(struct pt_probe *p, const struct pt_probe_config *pc)
{
	struct udp_state *u = p->priv;

	u->max_idle_ns = (uint64_t)opts_of(pc)->session_max_duration * 1000000000ull;
	u->next_scan_ns = 0;
}

static unsigned int features(const struct pt_probe_config *pc)
{
	return PT_FEAT_CGROUP_SOCK | PT_FEAT_CGROUP_MOUNT;
}

static const struct pt_loss_def losses[] = {
	[PT_UDP_LOSS_RING] = { NAME, "records lost (ring buffer full; raise --ringbuf-kib)", PT_LOST_EVENTS },
	[PT_UDP_LOSS_UNTRACKED] = { NAME "_untracked", "sessions not tracked (session map full)",
				    PT_LOST_EVENTS },
	[PT_UDP_LOSS_CONTAINER] = { NAME "_container_filtered", PT_CONTAINER_FILTERED_WHAT,
				    PT_COUNTED },
};

static const struct pt_loss_def user_losses[] = {
	{ NAME "_evicted", "sessions evicted in userland (more open UDP sockets than max_sessions)",
	  PT_LOST_EVENTS },
};

const struct pt_probe_desc pt_udp_session_probe = {
	.info = { .name = NAME, .message_id = "8f263f34531546fca7a8a14acae3bf87",
		  .shape = PT_SHAPE_SESSION },
	.schema = { .name = NAME, .keys = own_keys, .network = true,
		    .opts_size = sizeof(struct pt_udp_session_opts), .opts_defaults = opts_defaults,
		    .parse_key = parse_key, .opts_equal = opts_equal },
	.attach = "cgroup/sendmsg4, cgroup/sendmsg6, cgroup/connect4, cgroup/connect6, "
		  "cgroup_skb/egress, cgroup/sock_release (on the cgroup2 root)",
	.nrecords = 2,
	.losses = losses,
	.nlosses = 3,
	.user_losses = user_losses,
	.nuser_losses = 1,
	.priv_size = sizeof(struct udp_state),
	.free_priv = state_free,
	.features = features,
	.open = udp_open,
	.handle = udp_handle,
	.needs_reopen = udp_needs_reopen,
	.reconfigure = udp_reconfigure,
	.tick = udp_tick,
};

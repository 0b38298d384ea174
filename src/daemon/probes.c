// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The daemon's probes: the rows of the probe table, the ring buffer and loss
 * counters they share, opening them, applying a new configuration to them
 * and closing them.
 *
 * Each row gets a range of record types and of loss counters, in table
 * order, handed to its BPF object in pt_consts; the ring-buffer consumer
 * finds a record's row from its type (rec_row).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "caps.h"
#include "daemon.h"
#include "kernel_features.h"
#include "log.h"

/*
 * Row d->nrows for desc, its record types and loss counters after those of
 * the rows before it.  Rows are only ever appended (external probes at a
 * reload too), so a type or counter never changes its row.
 */
int pt_daemon_add_row(struct daemon *d, const struct pt_probe_desc *desc)
{
	uint32_t rec = 1, loss = 0; /* record type 0 is never valid */
	struct pt_obj_consts *c;

	if (d->nrows) {
		c = &d->consts[d->nrows - 1];
		rec = c->rec_base + d->rows[d->nrows - 1]->nrecords;
		loss = c->loss_base + d->rows[d->nrows - 1]->nlosses;
	}
	if (d->nrows == PT_PROBES_MAX || rec + desc->nrecords > PT_REC_TYPES ||
	    loss + desc->nlosses > PT_LOSS_SLOTS) {
		pt_err("probe %s: out of probe rows, record types or loss counters",
		       desc->info.name);
		return -ENOSPC;
	}
	c = &d->consts[d->nrows];
	memset(c, 0, sizeof(*c));
	c->rec_base = rec;
	c->loss_base = loss;
	/* set by open_shared() for the rows there at start-up */
	c->max_depth = d->env.max_depth;
	c->wakeup_bytes = d->env.wakeup_bytes;
	for (unsigned int r = 0; r < desc->nrecords; r++)
		d->rec_row[rec + r] = (uint8_t)(d->nrows + 1);
	d->rows[d->nrows++] = desc;
	return 0;
}

void pt_daemon_probe_rows(struct daemon *d)
{
	d->nrows = 0;
	memset(d->rec_row, 0, sizeof(d->rec_row));
	for (size_t i = 0; pt_probe_table[i]; i++)
		pt_daemon_add_row(d, pt_probe_table[i]);
}

const struct pt_probe_schema *const *pt_daemon_schemas(const struct daemon *d)
{
	static const struct pt_probe_schema *list[PT_PROBES_MAX + 1];
	size_t n = 0;

	for (size_t i = 0; i < d->nrows; i++)
		if (d->rows[i]->schema.name)
			list[n++] = &d->rows[i]->schema;
	list[n] = NULL;
	return list;
}

const struct pt_probe_config *pt_daemon_probe_config(const struct daemon *d, size_t i,
						     const struct pt_config *cfg)
{
	const char *name = d->rows[i]->schema.name;

	if (!name)
		return d->rows[i]->derived_config ? d->rows[i]->derived_config(cfg) : NULL;
	return pt_config_probe(cfg, name);
}

bool pt_daemon_probe_wanted(const struct daemon *d, size_t i, const struct pt_config *cfg)
{
	const struct pt_probe_config *pc = pt_daemon_probe_config(d, i, cfg);

	return d->rows[i]->always || (pc && pc->present);
}

/*
 * PT_FEAT_* of the probes configuration cfg runs; the optional ones only
 * when with_optional, and then only those actually running.
 */
static unsigned int features(const struct daemon *d, const struct pt_config *cfg,
			     bool with_optional)
{
	unsigned int need = 0;

	for (size_t i = 0; i < d->nrows; i++) {
		if (!pt_daemon_probe_wanted(d, i, cfg) || !d->rows[i]->features)
			continue;
		if (d->rows[i]->optional && (!with_optional || !d->probes[i]))
			continue;
		need |= d->rows[i]->features(pt_daemon_probe_config(d, i, cfg));
	}
	return need;
}

int pt_daemon_check_features(struct daemon *d)
{
	/* an optional probe's missing feature is its open() failing: a warning */
	return pt_check_kernel_features(features(d, &d->cfg, false));
}

unsigned int pt_daemon_caps_needed(const struct daemon *d)
{
	unsigned int f = features(d, &d->cfg, true);

	return (f & PT_FEAT_CGROUP_SOCK ? PT_CAPS_CGROUP : 0) |
	       (f & PT_FEAT_PROC_FDS ? PT_CAPS_PROC_FDS : 0) |
	       (d->containers && d->settings.containers.enabled != PT_CONTAINERS_OFF ?
			PT_CAPS_CONTAINERS : 0);
}

/* The ring buffer and loss counters every object shares. */
static int open_shared(struct daemon *d)
{
	size_t bytes = d->opt.ringbuf_kib * 1024;
	uint64_t wake = bytes / 8;

	d->env.events_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "pt_events", 0, 0,
					  (uint32_t)bytes, NULL);
	if (d->env.events_fd < 0) {
		pt_err("cannot create the ring buffer (%zu bytes): %s", bytes, strerror(errno));
		return -errno;
	}
	d->env.lost_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "pt_lost", sizeof(uint32_t),
					sizeof(uint64_t), PT_LOSS_SLOTS, NULL);
	if (d->env.lost_fd < 0) {
		pt_err("cannot create the loss counters: %s", strerror(errno));
		return -errno;
	}
	/* an eighth of the ring, at most 256 KiB: early enough never to fill it */
	d->env.wakeup_bytes = wake > (256 << 10) ? (256 << 10) : wake;
	d->env.max_depth = (uint32_t)d->opt.max_depth;
	for (size_t i = 0; i < d->nrows; i++) {
		d->consts[i].max_depth = d->env.max_depth;
		d->consts[i].wakeup_bytes = d->env.wakeup_bytes;
	}
	return 0;
}

/*
 * Close row i's object, keeping its userland loss counts in the totals.
 * Its records still in the ring buffer are consumed first, while the
 * object (and an external probe's state, which decodes them) is there.
 */
static void close_row(struct daemon *d, size_t i)
{
	struct pt_probe *p = d->probes[i];

	if (!p)
		return;
	if (d->rb)
		ring_buffer__consume(d->rb);
	for (unsigned int j = 0; j < PT_PROBE_USER_LOSSES; j++)
		d->user_lost_retired[i][j] += p->user_lost[j];
	pt_probe_destroy(p);
	d->probes[i] = NULL;
}

static int open_row(struct daemon *d, size_t i, const struct pt_config *cfg,
		    struct pt_probe **out)
{
	const struct pt_probe_desc *desc = d->rows[i];
	const struct pt_probe_config *pc = pt_daemon_probe_config(d, i, cfg);
	struct pt_probe *p = pt_probe_new(desc, &d->consts[i], pc);
	int err;

	if (!p)
		return -ENOMEM;
	err = desc->open(p, &d->env, pc);
	if (err) {
		pt_probe_destroy(p);
		return err;
	}
	*out = p;
	return 0;
}

int pt_daemon_open_probes(struct daemon *d)
{
	int err, nopen = 0;

	d->env.events_fd = d->env.lost_fd = -1;
	err = open_shared(d);
	if (err)
		return err;
	/* the always-on rows (the process cache) first, then the configured ones */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < d->nrows; i++) {
			if (d->rows[i]->always != !pass || !pt_daemon_probe_wanted(d, i, &d->cfg))
				continue;
			err = open_row(d, i, &d->cfg, &d->probes[i]);
			if (err && d->rows[i]->optional) {
				pt_warn("probe %s not running (%s): pidtree goes on without it",
					d->rows[i]->info.name, strerror(-err));
				continue;
			}
			if (err)
				return err;
			if (!d->rows[i]->always) {
				pt_info("probe %s attached", d->rows[i]->info.name);
				nopen++;
			}
		}
	}
	if (!nopen)
		pt_warn("no probe configured: only the process cache is running");
	return 0;
}

/*
 * Row i from old to new: filters swapped in place when the object can take
 * them, else a new object opened first and only then the old one closed (so
 * coverage never lapses; an event in that instant may be reported twice).
 * A probe that fails to re-open keeps running as before; it is marked stale
 * (it does not run what d->cfg says), so the next reload opens it anew
 * whatever changed.
 */
static int reload_row(struct daemon *d, size_t i, const struct pt_config *old,
		      const struct pt_config *new)
{
	const struct pt_probe_desc *desc = d->rows[i];
	const struct pt_probe_config *oc = pt_daemon_probe_config(d, i, old);
	const struct pt_probe_config *nc = pt_daemon_probe_config(d, i, new);
	struct pt_probe **slot = &d->probes[i], *fresh = NULL;
	bool want = pt_daemon_probe_wanted(d, i, new);
	int err;

	if (desc->always)
		return 0;
	if (!want) {
		if (*slot) {
			close_row(d, i);
			pt_info("reload: probe %s closed", desc->info.name);
		}
		d->stale[i] = false;
		return 0;
	}
	/* container_labels on or off is in the object's read-only data */
	if (*slot && !d->stale[i] && !(desc->needs_reopen && desc->needs_reopen(oc, nc)) &&
	    pt_probe_container_filter(*slot) == (nc->containers.n > 0) &&
	    pt_probe_filters_fit(*slot, nc)) {
		err = pt_probe_install_filters(*slot, nc);
		if (!err)
			err = pt_daemon_containers_refilter(d, *slot, nc);
		if (err) {
			pt_err("reload: %s keeps its previous filters", desc->info.name);
			d->stale[i] = true;
			return err;
		}
		if (desc->reconfigure)
			desc->reconfigure(*slot, nc);
		return 0;
	}
	err = open_row(d, i, new, &fresh);
	if (err) {
		pt_err("reload: cannot open probe %s: %s%s", desc->info.name, strerror(-err),
		       *slot ? "; the running one is kept" : "");
		d->stale[i] = *slot != NULL;
		return err;
	}
	d->stale[i] = false;
	pt_info("reload: probe %s %s", desc->info.name, *slot ? "re-opened" : "attached");
	close_row(d, i);
	*slot = fresh;
	return 0;
}

int pt_daemon_reload_probes(struct daemon *d, const struct pt_config *old,
			    const struct pt_config *new)
{
	int failures = 0;

	for (size_t i = 0; i < d->nrows; i++)
		if (reload_row(d, i, old, new))
			failures++;
	return failures;
}

void pt_daemon_close_probes(struct daemon *d)
{
	for (size_t i = 0; i < d->nrows; i++)
		close_row(d, i);
	if (d->env.events_fd >= 0)
		close(d->env.events_fd);
	if (d->env.lost_fd >= 0)
		close(d->env.lost_fd);
	d->env.events_fd = d->env.lost_fd = -1;
}

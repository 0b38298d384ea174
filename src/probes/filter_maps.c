// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A probe object's filter maps (bpf/filter.bpf.h): sized from the
 * configuration, filled generation by generation so that a reload never
 * shows the programs half a configuration.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "filter.h"
#include "log.h"
#include "probe.h"

/* The LPM maps hold both generations during a reload; never smaller than this. */
#define FILTER_CAP_MIN 4096

/* Subnet filters of each family in spec. */
static void count_filters(const struct pt_filter_spec *spec, size_t *n4, size_t *n6)
{
	*n4 = *n6 = 0;
	for (size_t i = 0; i < spec->nfilters; i++) {
		if (spec->filters[i].family == AF_INET)
			(*n4)++;
		else
			(*n6)++;
	}
}

int pt_probe_size_filters(struct pt_probe *p, const struct pt_probe_config *pc,
			  struct bpf_map *filter_v4, struct bpf_map *filter_v6)
{
	size_t n4, n6, n;
	int err;

	count_filters(&pc->filter, &n4, &n6);
	n = n4 > n6 ? n4 : n6;
	/* room for the running and the next generation, each as large as this one */
	n = 2 * n + 16;
	if (n < FILTER_CAP_MIN)
		n = FILTER_CAP_MIN;
	if (n > UINT32_MAX)
		return pt_probe_fail(p, "size the filter maps", -E2BIG);
	p->filter_cap = (uint32_t)n;
	err = bpf_map__set_max_entries(filter_v4, p->filter_cap);
	if (!err)
		err = bpf_map__set_max_entries(filter_v6, p->filter_cap);
	if (err)
		return pt_probe_fail(p, "size the filter maps", err);
	return 0;
}

bool pt_probe_filters_fit(const struct pt_probe *p, const struct pt_probe_config *pc)
{
	size_t n4, n6;

	count_filters(&pc->filter, &n4, &n6);
	/* the new generation is filled while the running one is still there */
	return p->live.nv4 + n4 <= p->filter_cap && p->live.nv6 + n6 <= p->filter_cap;
}

int pt_probe_filters_init(struct pt_probe *p, const struct pt_probe_config *pc,
			  struct bpf_object *obj, volatile uint32_t *generation)
{
	int err;

	p->filter_v4 = pt_probe_map(p, obj, "pt_filter_v4");
	p->filter_v6 = pt_probe_map(p, obj, "pt_filter_v6");
	p->ports = pt_probe_map(p, obj, "pt_ports");
	if (!p->filter_v4 || !p->filter_v6 || !p->ports)
		return -EINVAL;
	p->generation = generation;
	err = pt_probe_install_filters(p, pc);
	return err ? err : pt_probe_containers_init(p, pc, obj);
}

/*
 * Delete the entries of plan (of one generation) from the maps: the keys
 * are known, so no walk of the trie is needed (a walk restarted after each
 * delete costs O(n^2): seconds for 10000 filters).  The first n4 / n6
 * entries only (those installed).  0 or the first -errno.
 */
static int delete_plan(struct pt_probe *p, const struct pt_filter_plan *plan, size_t n4,
		       size_t n6)
{
	int fd4 = bpf_map__fd(p->filter_v4), fd6 = bpf_map__fd(p->filter_v6), err = 0;

	for (size_t i = 0; i < n4; i++)
		if (bpf_map_delete_elem(fd4, &plan->v4[i].key) && errno != ENOENT && !err)
			err = -errno;
	for (size_t i = 0; i < n6; i++)
		if (bpf_map_delete_elem(fd6, &plan->v6[i].key) && errno != ENOENT && !err)
			err = -errno;
	return err;
}

/*
 * 1. fill the idle generation (a failure removes what was put there and
 *    leaves the live one in force); 2. switch pt_generation, which the
 *    programs read once per event; 3. delete the old generation's entries,
 *    known from the plan kept for it.
 */
int pt_probe_install_filters(struct pt_probe *p, const struct pt_probe_config *pc)
{
	struct pt_filter_plan plan;
	uint32_t old, gen;
	size_t n4 = 0, n6 = 0;
	int err, fd;

	/* an object without filters (not a network probe, the dns capture): nothing to swap */
	if (!p->generation)
		return 0;
	old = *p->generation & 1;
	gen = old ^ 1;
	err = pt_filter_compile(&pc->filter, (uint8_t)gen, &plan);
	if (err)
		return err;
	fd = bpf_map__fd(p->filter_v4);
	for (; !err && n4 < plan.nv4; n4++)
		if (bpf_map_update_elem(fd, &plan.v4[n4].key, &plan.v4[n4].val, BPF_ANY))
			err = -errno;
	fd = bpf_map__fd(p->filter_v6);
	for (; !err && n6 < plan.nv6; n6++)
		if (bpf_map_update_elem(fd, &plan.v6[n6].key, &plan.v6[n6].val, BPF_ANY))
			err = -errno;
	if (!err && bpf_map_update_elem(bpf_map__fd(p->ports), &gen, &plan.ports, BPF_ANY))
		err = -errno;
	if (err) {
		pt_err("%s: cannot load filters into the kernel: %s", p->desc->info.name,
		       strerror(-err));
		delete_plan(p, &plan, n4, n6);
		pt_filter_plan_free(&plan);
		return err;
	}
	__atomic_store_n(p->generation, gen, __ATOMIC_SEQ_CST);
	if (delete_plan(p, &p->live, p->live.nv4, p->live.nv6))
		pt_warn("%s: stale filter entries left behind", p->desc->info.name);
	pt_filter_plan_free(&p->live);
	p->live = plan;
	return 0;
}

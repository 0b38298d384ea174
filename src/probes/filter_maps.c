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
	return p->nv4 + n4 <= p->filter_cap && p->nv6 + n6 <= p->filter_cap;
}

int pt_probe_filters_init(struct pt_probe *p, const struct pt_probe_config *pc,
			  struct bpf_object *obj, volatile uint32_t *generation)
{
	p->filter_v4 = pt_probe_map(p, obj, "pt_filter_v4");
	p->filter_v6 = pt_probe_map(p, obj, "pt_filter_v6");
	p->ports = pt_probe_map(p, obj, "pt_ports");
	if (!p->filter_v4 || !p->filter_v6 || !p->ports)
		return -EINVAL;
	p->generation = generation;
	return pt_probe_install_filters(p, pc);
}

/* Delete every entry of an LPM map whose generation byte is gen. */
static int purge_generation(struct bpf_map *map, uint8_t gen)
{
	size_t ksz = bpf_map__key_size(map);
	unsigned char key[64], next[64];
	int fd = bpf_map__fd(map), err;
	void *prev = NULL;

	if (ksz > sizeof(key))
		return -EINVAL;
	for (;;) {
		err = bpf_map_get_next_key(fd, prev, next);
		if (err)
			break;
		memcpy(key, next, ksz);
		/* generation byte follows the u32 prefixlen */
		if (key[4] == gen) {
			if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
				return -errno;
			prev = NULL; /* restart: the walk order changed */
			continue;
		}
		prev = key;
	}
	return errno == ENOENT ? 0 : -errno;
}

int pt_probe_install_filters(struct pt_probe *p, const struct pt_probe_config *pc)
{
	struct pt_filter_plan plan;
	uint32_t old = *p->generation & 1, gen = old ^ 1;
	int err, fd;
	size_t i;

	err = pt_filter_compile(&pc->filter, gen, &plan);
	if (err)
		return err;
	/* 1. fill the idle generation */
	err = purge_generation(p->filter_v4, gen);
	if (!err)
		err = purge_generation(p->filter_v6, gen);
	fd = bpf_map__fd(p->filter_v4);
	for (i = 0; !err && i < plan.nv4; i++)
		if (bpf_map_update_elem(fd, &plan.v4[i].key, &plan.v4[i].val, BPF_ANY))
			err = -errno;
	fd = bpf_map__fd(p->filter_v6);
	for (i = 0; !err && i < plan.nv6; i++)
		if (bpf_map_update_elem(fd, &plan.v6[i].key, &plan.v6[i].val, BPF_ANY))
			err = -errno;
	if (!err && bpf_map_update_elem(bpf_map__fd(p->ports), &gen, &plan.ports, BPF_ANY))
		err = -errno;
	if (err) {
		pt_err("%s: cannot load filters into the kernel: %s", p->desc->info.name,
		       strerror(-err));
		goto out;
	}
	p->nv4 = plan.nv4;
	p->nv6 = plan.nv6;
	/* 2. switch: the programs read pt_generation once per event */
	__atomic_store_n(p->generation, gen, __ATOMIC_SEQ_CST);
	/* 3. drop the old generation */
	err = purge_generation(p->filter_v4, old);
	if (!err)
		err = purge_generation(p->filter_v6, old);
	if (err)
		pt_warn("%s: stale filter entries left behind: %s", p->desc->info.name, strerror(-err));
	err = 0;
out:
	pt_filter_plan_free(&plan);
	return err;
}

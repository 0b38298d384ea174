// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A probe object's container_labels map (bpf/containers.bpf.h): the mount
 * namespaces of the running containers whose labels match the probe's
 * container_labels.  Which namespaces those are is the daemon's business
 * (src/daemon/containers.c, from the container layer); here the map is
 * sized, filled and kept with a sorted userland copy, so that membership is
 * answered without a system call and a whole new set is applied as a
 * difference.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "probe.h"

bool pt_probe_container_filter(const struct pt_probe *p)
{
	return p && (p->consts.flags & PT_CONSTS_F_CONTAINERS);
}

int pt_probe_size_containers(struct pt_probe *p, struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "pt_containers");
	int err;

	if (!m) {
		if (pt_probe_container_filter(p)) {
			pt_err("%s: container_labels: its BPF object has no map pt_containers",
			       p->desc->info.name);
			return -EINVAL;
		}
		return 0;
	}
	/* an unused map costs nothing more than one entry (no preallocation anyway) */
	err = bpf_map__set_max_entries(m, pt_probe_container_filter(p) ? PT_CONTAINERS_MAP_MAX : 1);
	return err ? pt_probe_fail(p, "size the container_labels map", err) : 0;
}

int pt_probe_containers_init(struct pt_probe *p, const struct pt_probe_config *pc,
			     struct bpf_object *obj)
{
	if (!pt_probe_container_filter(p))
		return 0;
	p->containers = pt_probe_map(p, obj, "pt_containers");
	if (!p->containers)
		return -EINVAL;
	if (!p->env || !p->env->containers_fill) {
		pt_warn("%s: container_labels: no container information: nothing matches",
			p->desc->info.name);
		return 0;
	}
	return p->env->containers_fill(p->env->containers_ctx, p, pc);
}

/* Index of the first entry >= v in the sorted copy. */
static size_t lower_bound(const struct pt_probe *p, uint32_t v)
{
	size_t lo = 0, hi = p->ncmnt;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->cmnt[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool pt_probe_container_has(const struct pt_probe *p, uint32_t mntns)
{
	size_t i = lower_bound(p, mntns);

	return i < p->ncmnt && p->cmnt[i] == mntns;
}

int pt_probe_container_add(struct pt_probe *p, uint32_t mntns)
{
	uint8_t one = 1;
	size_t i;
	int err;

	if (!p->containers || !mntns)
		return -EINVAL;
	i = lower_bound(p, mntns);
	if (i < p->ncmnt && p->cmnt[i] == mntns)
		return 0;
	if (p->ncmnt >= PT_CONTAINERS_MAP_MAX) {
		if (!p->containers_full++)
			pt_warn("%s: container_labels: more than %d matching containers; the "
				"others are not reported", p->desc->info.name, PT_CONTAINERS_MAP_MAX);
		return -E2BIG;
	}
	if (p->ncmnt == p->capcmnt) {
		size_t cap = p->capcmnt ? p->capcmnt * 2 : 64;
		uint32_t *v = reallocarray(p->cmnt, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->cmnt = v;
		p->capcmnt = cap;
	}
	err = bpf_map_update_elem(bpf_map__fd(p->containers), &mntns, &one, BPF_ANY);
	if (err) {
		err = -errno;
		pt_warn("%s: container_labels: cannot add mount namespace %u: %s",
			p->desc->info.name, mntns, strerror(-err));
		return err;
	}
	memmove(p->cmnt + i + 1, p->cmnt + i, (p->ncmnt - i) * sizeof(*p->cmnt));
	p->cmnt[i] = mntns;
	p->ncmnt++;
	return 0;
}

int pt_probe_container_del(struct pt_probe *p, uint32_t mntns)
{
	size_t i;

	if (!p->containers)
		return -EINVAL;
	i = lower_bound(p, mntns);
	if (i >= p->ncmnt || p->cmnt[i] != mntns)
		return 0;
	if (bpf_map_delete_elem(bpf_map__fd(p->containers), &mntns) && errno != ENOENT) {
		int err = -errno;

		/* left in the copy too, so that the next set or delete tries again */
		pt_warn("%s: container_labels: cannot remove mount namespace %u: %s",
			p->desc->info.name, mntns, strerror(-err));
		return err;
	}
	memmove(p->cmnt + i, p->cmnt + i + 1, (p->ncmnt - i - 1) * sizeof(*p->cmnt));
	p->ncmnt--;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static bool sorted_has(const uint32_t *v, size_t n, uint32_t x)
{
	return bsearch(&x, v, n, sizeof(*v), cmp_u32) != NULL;
}

int pt_probe_containers_set(struct pt_probe *p, uint32_t *want, size_t n)
{
	uint32_t *old = NULL;
	size_t nold = p->ncmnt, i;
	int err, first = 0;

	if (!p->containers)
		return -EINVAL;
	qsort(want, n, sizeof(*want), cmp_u32);
	/* what is there now (the array moves as entries come and go) */
	if (nold) {
		old = malloc(nold * sizeof(*old));
		if (!old)
			return -ENOMEM;
		memcpy(old, p->cmnt, nold * sizeof(*old));
	}
	for (i = 0; i < n; i++) {
		if (!want[i] || pt_probe_container_has(p, want[i]))
			continue;
		err = pt_probe_container_add(p, want[i]);
		if (err && !first)
			first = err;
	}
	for (i = 0; i < nold; i++) {
		if (sorted_has(want, n, old[i]))
			continue;
		err = pt_probe_container_del(p, old[i]);
		if (err && !first)
			first = err;
	}
	free(old);
	return first;
}

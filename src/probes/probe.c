// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What every probe's open() shares (see probe.h). */
#include "probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"

struct pt_probe *pt_probe_new(const struct pt_probe_desc *desc, const struct pt_obj_consts *c,
			      const struct pt_probe_config *pc)
{
	struct pt_probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (desc->priv_size) {
		p->priv = calloc(1, desc->priv_size);
		if (!p->priv) {
			free(p);
			return NULL;
		}
	}
	p->desc = desc;
	p->consts = *c;
	p->consts.flags &= ~PT_CONSTS_F_CONTAINERS;
	pt_label_filter_init(&p->cfilter);
	if (pc && pc->containers.n) {
		p->consts.flags |= PT_CONSTS_F_CONTAINERS;
		if (pt_label_filter_copy(&p->cfilter, &pc->containers)) {
			free(p->priv);
			free(p);
			return NULL;
		}
	}
	return p;
}

void pt_probe_destroy(struct pt_probe *p)
{
	if (!p)
		return;
	pt_filter_plan_free(&p->live);
	pt_label_filter_free(&p->cfilter);
	free(p->cmnt);
	if (p->priv && p->desc->free_priv)
		p->desc->free_priv(p->priv);
	free(p->priv);
	if (p->destroy_skel && p->skel)
		p->destroy_skel(p->skel);
	free(p);
}

int pt_probe_fail(const struct pt_probe *p, const char *what, int err)
{
	pt_err("%s: cannot %s: %s%s", p->desc->info.name, what, strerror(-err),
	       err == -EPERM ? " (pidtree needs root, or CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)"
			     : "");
	return err;
}

/* A map of obj that pidtree's shared headers define; NULL (logged) if absent. */
struct bpf_map *pt_probe_map(const struct pt_probe *p, struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m)
		pt_err("%s: its BPF object has no map %s", p->desc->info.name, name);
	return m;
}

int pt_probe_prepare(struct pt_probe *p, const struct pt_probe_env *env,
		     const struct pt_probe_config *pc, struct bpf_object_skeleton *skeleton)
{
	p->skeleton = skeleton;
	return pt_probe_prepare_obj(p, env, pc, *skeleton->obj);
}

int pt_probe_prepare_obj(struct pt_probe *p, const struct pt_probe_env *env,
			 const struct pt_probe_config *pc, struct bpf_object *obj)
{
	struct bpf_map *events;
	struct bpf_map *lost, *v4, *v6;
	int err;

	events = pt_probe_map(p, obj, "pt_events");
	lost = pt_probe_map(p, obj, "pt_lost");
	v4 = bpf_object__find_map_by_name(obj, "pt_filter_v4");
	v6 = bpf_object__find_map_by_name(obj, "pt_filter_v6");
	if (!events || !lost)
		return -EINVAL;
	err = bpf_map__reuse_fd(events, env->events_fd);
	if (!err)
		err = bpf_map__reuse_fd(lost, env->lost_fd);
	if (err)
		return pt_probe_fail(p, "share the event ring buffer", err);
	p->env = env;
	err = pt_probe_size_containers(p, obj);
	if (err)
		return err;
	if (v4 && v6 && pc)
		return pt_probe_size_filters(p, pc, v4, v6);
	return 0;
}

uint64_t pt_lost_read(int lost_fd, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals, sum = 0;

	if (ncpu <= 0)
		return 0;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(lost_fd, &idx, vals))
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;
	int lvl;

	switch (level) {
	case LIBBPF_WARN:
		lvl = LOG_WARNING;
		break;
	case LIBBPF_INFO:
		lvl = LOG_DEBUG;
		break;
	default:
		if (pt_log_verbose() < 2)
			return 0;
		lvl = LOG_DEBUG;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	pt_log(lvl, "libbpf: %s", msg);
	return 0;
}

void pt_libbpf_logging(void)
{
	libbpf_set_print(libbpf_print);
}

int pt_probe_health(const struct pt_probe *p, char *why, size_t len)
{
	const struct bpf_object_skeleton *s = p->skeleton;

	for (int i = 0; s && i < s->prog_cnt; i++) {
		const struct bpf_prog_skeleton *ps =
			(const void *)((const char *)s->progs + (size_t)i * (size_t)s->prog_skel_sz);
		struct bpf_link *l = ps->link ? *ps->link : NULL;
		struct bpf_link_info info;
		__u32 ilen = sizeof(info);

		if (!l)
			continue; /* not attached on purpose (an option off) */
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_link__fd(l), &info, &ilen)) {
			snprintf(why, len, "%s: program %s: its link is gone: %s", p->desc->info.name,
				 ps->name, strerror(errno));
			return -ENOLINK;
		}
		if (info.type == BPF_LINK_TYPE_CGROUP && !info.cgroup.cgroup_id) {
			snprintf(why, len, "%s: program %s was detached from the cgroup2 root",
				 p->desc->info.name, ps->name);
			return -ENOLINK;
		}
		if (!info.prog_id) {
			snprintf(why, len, "%s: program %s was detached", p->desc->info.name, ps->name);
			return -ENOLINK;
		}
	}
	return 0;
}

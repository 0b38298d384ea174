// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "filter.h"
#include "log.h"

const struct pt_probe_desc *const pt_probe_descs[] = {
	&pt_tcp_connect_desc,
	&pt_net_listen_desc,
	&pt_udp_session_desc,
	NULL,
};

const struct pt_probe_desc *pt_probe_desc_for(uint32_t record_type)
{
	for (size_t i = 0; pt_probe_descs[i]; i++)
		if (pt_probe_descs[i]->record_type == record_type ||
		    (pt_probe_descs[i]->record_type2 &&
		     pt_probe_descs[i]->record_type2 == record_type))
			return pt_probe_descs[i];
	return NULL;
}

void pt_event_reset(struct pt_event *ev)
{
	ev->probe = NULL;
	ev->pid = 0;
	ev->nproc = 0;
	ev->daddr[0] = ev->saddr[0] = ev->laddr[0] = '\0';
	ev->has_port = false;
	ev->port = 0;
	ev->protocol = NULL;
	ev->dests = NULL;
	ev->ndests = 0;
	ev->error[0] = '\0';
	ev->nfields = 0;
}

int pt_cgroup2_root(char *buf, size_t len)
{
	char line[4096], *f[10], *save, *p;
	FILE *mi = fopen("/proc/self/mountinfo", "re");
	int err = -ENOENT;

	if (!mi)
		return -errno;
	/* id parent major:minor root mountpoint options [optional...] - fstype source ... */
	while (fgets(line, sizeof(line), mi)) {
		int n = 0;

		for (p = strtok_r(line, " \n", &save); p && n < 10; p = strtok_r(NULL, " \n", &save)) {
			f[n++] = p;
			if (!strcmp(p, "-"))
				break;
		}
		if (n < 5 || strcmp(f[n - 1], "-"))
			continue;
		p = strtok_r(NULL, " \n", &save);
		if (!p || strcmp(p, "cgroup2") || strcmp(f[3], "/"))
			continue;
		if ((size_t)snprintf(buf, len, "%s", f[4]) < len)
			err = 0;
		break;
	}
	fclose(mi);
	return err;
}

int pt_cgroup2_open(const char *who)
{
	char root[4096];
	int fd;

	if (pt_cgroup2_root(root, sizeof(root))) {
		pt_err("%s: no cgroup2 mount found in /proc/self/mountinfo", who);
		return -ENOENT;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		pt_err("%s: cannot open the cgroup2 root %s: %s", who, root, strerror(-fd));
	}
	return fd;
}

int pt_probe_load(struct pt_probe *p, const struct pt_probe_maps *m, const struct pt_shared *sh,
		  const struct pt_probe_config *pc)
{
	int err;

	err = pt_probe_share_maps(m->events, m->lost, sh);
	if (err)
		return err;
	err = m->load(m->skel);
	if (err) {
		pt_err("%s: cannot load BPF programs (%s): %s", p->desc->name, p->desc->attach,
		       strerror(-err));
		return err;
	}
	p->filter_v4 = m->filter_v4;
	p->filter_v6 = m->filter_v6;
	p->ports = m->ports;
	p->generation = (volatile uint32_t *)((char *)*m->bss + m->generation_off);
	return pt_probe_install_filters(p, pc);
}

int pt_attach_cgroup(struct bpf_program *prog, int cgfd, struct bpf_link **link)
{
	*link = bpf_program__attach_cgroup(prog, cgfd);
	if (!*link) {
		int err = -errno;

		pt_err("cannot attach %s to the cgroup2 root: %s", bpf_program__name(prog),
		       strerror(-err));
		return err;
	}
	return 0;
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

int pt_probe_share_maps(struct bpf_map *events, struct bpf_map *lost, const struct pt_shared *sh)
{
	int err;

	err = bpf_map__reuse_fd(events, sh->events_fd);
	if (!err)
		err = bpf_map__reuse_fd(lost, sh->lost_fd);
	if (err)
		pt_err("cannot share the event ring buffer: %s", strerror(-err));
	return err;
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

	err = pt_filter_compile(pc, gen, &plan);
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
		pt_err("%s: cannot load filters into the kernel: %s", p->desc->name, strerror(-err));
		goto out;
	}
	/* 2. switch: the programs read pt_generation once per event */
	__atomic_store_n(p->generation, gen, __ATOMIC_SEQ_CST);
	/* 3. drop the old generation */
	err = purge_generation(p->filter_v4, old);
	if (!err)
		err = purge_generation(p->filter_v6, old);
	if (err)
		pt_warn("%s: stale filter entries left behind: %s", p->desc->name, strerror(-err));
	err = 0;
out:
	pt_filter_plan_free(&plan);
	return err;
}

struct pt_probe *pt_probe_alloc(const struct pt_probe_desc *desc, void (*destroy)(void *skel),
				size_t priv_size, void (*free_priv)(void *priv))
{
	struct pt_probe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (priv_size) {
		p->priv = calloc(1, priv_size);
		if (!p->priv) {
			free(p);
			return NULL;
		}
	}
	p->desc = desc;
	p->destroy = destroy;
	p->free_priv = free_priv;
	return p;
}

void pt_probe_destroy(struct pt_probe *p)
{
	if (!p)
		return;
	if (p->free_priv && p->priv)
		p->free_priv(p->priv);
	if (p->destroy && p->skel)
		p->destroy(p->skel);
	free(p);
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

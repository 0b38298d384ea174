// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The process-lifecycle object (bpf/process.bpf.c): exec/fork/exit records
 * for the process cache.  Loaded first; its ring buffer and loss counters
 * are shared with every probe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"
#include "probe.h"
#include "process.skel.h"

struct pt_process_probe {
	struct pt_process *skel;
};

int pt_process_probe_open(struct pt_process_probe **out, size_t ringbuf_bytes, uint32_t max_depth,
			  struct pt_shared *sh)
{
	struct pt_process_probe *p;
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->skel = pt_process__open();
	if (!p->skel) {
		err = -errno;
		pt_err("process: cannot open BPF object: %s", strerror(errno));
		goto fail;
	}
	p->skel->rodata->pt_max_depth = max_depth;
	p->skel->rodata->pt_wakeup_bytes = pt_wakeup_bytes_for(ringbuf_bytes);
	err = bpf_map__set_max_entries(p->skel->maps.pt_events, ringbuf_bytes);
	if (err) {
		pt_err("process: bad ring buffer size %zu: %s", ringbuf_bytes, strerror(-err));
		goto fail;
	}
	err = pt_process__load(p->skel);
	if (err) {
		pt_err("process: cannot load BPF programs (sched_process_exec/fork/exit tp_btf): %s%s",
		       strerror(-err),
		       err == -EPERM ? " (pidtree needs root, or CAP_BPF and CAP_PERFMON)" : "");
		goto fail;
	}
	err = pt_process__attach(p->skel);
	if (err) {
		pt_err("process: cannot attach to sched_process_exec/fork/exit: %s", strerror(-err));
		goto fail;
	}
	sh->events_fd = bpf_map__fd(p->skel->maps.pt_events);
	sh->lost_fd = bpf_map__fd(p->skel->maps.pt_lost);
	sh->max_depth = max_depth;
	sh->wakeup_bytes = pt_wakeup_bytes_for(ringbuf_bytes);
	*out = p;
	return 0;
fail:
	pt_process_probe_destroy(p);
	return err;
}

uint64_t pt_wakeup_bytes_for(size_t ringbuf_bytes)
{
	/* an eighth of the ring, at most 256 KiB: early enough never to fill it */
	uint64_t b = ringbuf_bytes / 8;

	return b > (256 << 10) ? (256 << 10) : b;
}

void pt_process_probe_destroy(struct pt_process_probe *p)
{
	if (!p)
		return;
	pt_process__destroy(p->skel);
	free(p);
}

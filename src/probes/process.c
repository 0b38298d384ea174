// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The process probe (bpf/process.bpf.c): exec, fork and exit records that
 * keep the process cache current.  Always on, whatever the configuration:
 * every other probe's ancestry is resolved from that cache.
 */
#include <errno.h>

#include <bpf/libbpf.h>

#include "clock.h"
#include "proccache.h"
#include "probe.h"
#include "process.skel.h"

static void destroy_skel(void *skel)
{
	pt_process__destroy(skel);
}

static int process_open(struct pt_probe *p, const struct pt_probe_env *env,
			const struct pt_probe_config *pc)
{
	struct pt_process *skel;
	int err;

	skel = pt_process__open();
	if (!skel)
		return pt_probe_fail(p, "open its BPF object", -errno);
	p->skel = skel;
	p->destroy_skel = destroy_skel;
	skel->rodata->pt_consts = p->consts;
	err = pt_probe_prepare(p, env, pc, skel->skeleton);
	if (err)
		return err;
	err = pt_process__load(skel);
	if (err)
		return pt_probe_fail(p, "load its BPF programs (tp_btf sched_process_exec/fork/exit)",
				     err);
	err = pt_process__attach(skel);
	if (err)
		return pt_probe_fail(p, "attach to sched_process_exec/fork/exit", err);
	return 0;
}

static int process_handle(struct pt_probe *p, unsigned int rec, const void *data, size_t len,
			  const struct pt_emitter *em)
{
	const struct pt_record_hdr *hdr = data;

	switch (rec) {
	case PT_PROC_REC_EXEC: {
		const struct pt_exec_record *r = data;

		if (len < sizeof(*r) || r->argv_len > PT_EXEC_ARGV_LEN ||
		    len < sizeof(*r) + r->argv_len)
			return -EINVAL;
		pt_proc_cache_exec(em->cache, r);
		return 0;
	}
	case PT_PROC_REC_FORK:
		if (len < sizeof(struct pt_fork_record))
			return -EINVAL;
		pt_proc_cache_fork(em->cache, data);
		return 0;
	case PT_PROC_REC_EXIT:
		if (len < sizeof(struct pt_exit_record))
			return -EINVAL;
		/* (the kernel sends no time: now is close enough for the grace period) */
		pt_proc_cache_exit(em->cache, data,
				   hdr->ts_ns ? hdr->ts_ns : pt_clock_ns(CLOCK_BOOTTIME));
		return 0;
	}
	return -EINVAL;
}

static const struct pt_loss_def losses[] = {
	{ "process", "exec/fork/exit records lost (ring buffer full; raise --ringbuf-kib)",
	  PT_LOST_RECORDS },
};

const struct pt_probe_desc pt_process_probe = {
	.info = { .name = "process", .shape = PT_SHAPE_PROCESS },
	.always = true,
	.attach = "tp_btf/sched_process_exec, tp_btf/sched_process_fork, tp_btf/sched_process_exit",
	.nrecords = 3,
	.losses = losses,
	.nlosses = 1,
	.open = process_open,
	.handle = process_handle,
};

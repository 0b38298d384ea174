// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The process probe (bpf/process.bpf.c): exec, fork and exit records that
 * keep the process cache current.  Always on, whatever the configuration:
 * every other probe's ancestry is resolved from that cache.  Exits come
 * in per-CPU batches (pidtree.h); the tick drains a CPU whose batch has
 * held exits since the last one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "clock.h"
#include "log.h"
#include "proccache.h"
#include "probe.h"
#include "process.skel.h"

/* What the tick needs to drain the CPUs' exit batches. */
struct proc_state {
	int ncpus;
	size_t vsz;         /* one CPU's value in a per-CPU map lookup */
	unsigned char *vals; /* ncpus values of pt_exits */
	uint64_t *flushed;  /* per CPU: its batch's flushed at the last tick */
	bool *pending;      /* per CPU: it held exits not sent at the last tick */
	bool warned;
};

static void state_free(void *priv)
{
	struct proc_state *st = priv;

	free(st->vals);
	free(st->flushed);
	free(st->pending);
}

static int state_init(struct proc_state *st)
{
	st->ncpus = libbpf_num_possible_cpus();
	if (st->ncpus <= 0)
		return st->ncpus ? st->ncpus : -EINVAL;
	st->vsz = (sizeof(struct pt_exit_batch) + 7) & ~(size_t)7;
	st->vals = calloc((size_t)st->ncpus, st->vsz);
	st->flushed = calloc((size_t)st->ncpus, sizeof(*st->flushed));
	st->pending = calloc((size_t)st->ncpus, sizeof(*st->pending));
	return st->vals && st->flushed && st->pending ? 0 : -ENOMEM;
}

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
	err = state_init(p->priv);
	if (err)
		return pt_probe_fail(p, "size its per-CPU exit batches", err);
	/* run by the tick on a CPU (BPF_PROG_TEST_RUN), never attached */
	bpf_program__set_autoattach(skel->progs.pt_exit_drain, false);
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
		/* (the kernel sends no time: now is close enough for the grace period) */
		return pt_proc_cache_exits(em->cache, data, len,
					   hdr->ts_ns ? hdr->ts_ns : pt_clock_ns(CLOCK_BOOTTIME));
	}
	return -EINVAL;
}

/*
 * Drain each CPU whose batch held exits not sent at the last tick and
 * still does (a CPU where processes keep exiting sends its batches
 * itself): an exit reaches the cache within about two ticks.
 */
static void process_tick(struct pt_probe *p, uint64_t now_boot_ns, const struct pt_emitter *em)
{
	struct proc_state *st = p->priv;
	struct pt_process *skel = p->skel;
	__u32 zero = 0;
	int err;

	(void)now_boot_ns;
	(void)em;
	if (!st->vals || bpf_map_lookup_elem(bpf_map__fd(skel->maps.pt_exits), &zero, st->vals))
		return;
	for (int cpu = 0; cpu < st->ncpus; cpu++) {
		const struct pt_exit_batch *b = (const void *)(st->vals + (size_t)cpu * st->vsz);
		bool pending = b->last != b->flushed;

		if (pending && st->pending[cpu] && b->flushed == st->flushed[cpu]) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .flags = BPF_F_TEST_RUN_ON_CPU,
				    .cpu = (__u32)cpu);

			err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.pt_exit_drain), &o);
			if (err && errno != ENXIO && !st->warned) {
				/* the exits wait for a full batch instead: late, not lost */
				pt_warn("process: cannot drain CPU %d's batch of exits "
					"(BPF_PROG_TEST_RUN on a CPU, Linux 5.10): %s; exits "
					"reach the process cache in batches of %d per CPU",
					cpu, errno == 524 ? "not supported" : strerror(errno),
					PT_EXIT_BATCH);
				st->warned = true;
			}
		}
		st->pending[cpu] = pending;
		st->flushed[cpu] = b->flushed;
	}
}

static const struct pt_loss_def losses[] = {
	{ "process", "exec, fork and exit records lost (ring buffer full; raise --ringbuf-kib)",
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
	.priv_size = sizeof(struct proc_state),
	.free_priv = state_free,
	.tick = process_tick,
};

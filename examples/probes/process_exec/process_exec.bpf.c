// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * process_exec, kernel side: every successful execve(2)/execveat(2), from
 * tp_btf/sched_process_exec, which runs in the process right after its image
 * was replaced.  So the ancestry snapshot's first entry is the process with
 * its new comm and exec id, and the argv read from its own memory is the new
 * program's: pidtree resolves the command lines of the whole tree.
 *
 * Built against pidtree's BPF headers (-I/usr/include/pidtree/bpf):
 * ringbuf.bpf.h (the shared ring buffer, PT_REC/PT_LOSS, pt_record/
 * pt_output) and ancestry.bpf.h (pt_capture_tree).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "pidtree.h"
#include "ringbuf.bpf.h"
#include "ancestry.bpf.h"
#include "process_exec.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * pidtree's vmlinux.h is a small subset: the kernel types this probe reads
 * besides it, CO-RE relocated like the rest.
 */
struct linux_binprm {
	const char *filename;
	const char *interp;
} __attribute__((preserve_access_index));

/* Set by process_exec.c before load from its arguments (none: every exec). */
const volatile __u32 pe_uids[PE_MAX_UIDS];
const volatile __u32 pe_nuids;
const volatile char pe_prefixes[PE_MAX_PREFIXES][PE_PREFIX_LEN];
const volatile __u32 pe_nprefixes;

static __always_inline bool uid_wanted(__u32 uid)
{
	for (int i = 0; i < PE_MAX_UIDS; i++) {
		if (i >= pe_nuids)
			break;
		if (pe_uids[i] == uid)
			return true;
	}
	return false;
}

/* Whether name (NUL-terminated within PE_PATH_LEN) starts with one of the prefixes. */
static __always_inline bool path_wanted(const char *name)
{
	for (int i = 0; i < PE_MAX_PREFIXES; i++) {
		if (i >= pe_nprefixes)
			break;
		for (int j = 0; j < PE_PREFIX_LEN; j++) {
			char c = pe_prefixes[i][j];

			if (!c)
				return true; /* the whole prefix matched */
			if (name[j] != c)
				break;
		}
	}
	return false;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(pe_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	char name[PE_PATH_LEN];
	struct pe_record *r;
	__u32 tsize;

	if (pe_nuids && !uid_wanted(p->real_cred->uid.val))
		return 0;
	/* read first, record after: a filtered exec never costs ring space or a loss */
	if (bpf_probe_read_kernel_str(name, sizeof(name), bprm->filename) < 0)
		name[0] = '\0';
	if (pe_nprefixes && !path_wanted(name))
		return 0;
	r = pt_record(PT_REC(PE_REC_EXEC)); /* built in pidtree's per-CPU scratch */
	if (!r)
		return 0;
	r->old_pid = old_pid;
	r->pad = 0;
	__builtin_memcpy(r->filename, name, sizeof(r->filename));
	if (bpf_probe_read_kernel_str(r->interp, sizeof(r->interp), bprm->interp) < 0)
		r->interp[0] = '\0';
	r->hdr.flags = pt_capture_tree(&r->tree, p, &tsize);
	/* as long as the ancestors walked and the argv read */
	pt_output(r, PT_TREE_REC_LEN(r, tsize), PT_LOSS(PE_LOSS_RING));
	return 0;
}

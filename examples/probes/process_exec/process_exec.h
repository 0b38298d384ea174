/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * process_exec's record, shared by its BPF program (process_exec.bpf.c) and
 * its userland half (process_exec.c).  Fixed-width types only: compiled for
 * the BPF target and for the host.  Includes pidtree.h (pidtree's BPF
 * headers, -I/usr/include/pidtree/bpf) for the common parts.
 */
#ifndef PROCESS_EXEC_H
#define PROCESS_EXEC_H

#include "pidtree.h"

/* Uids the probe can be limited to (the "uids:" argument). */
#define PE_MAX_UIDS 16
/* Path prefixes it can be limited to ("path_prefixes:"), and their length (with the NUL). */
#define PE_MAX_PREFIXES 8
#define PE_PREFIX_LEN 64
/* Bytes of the executed file's name and of its interpreter's. */
#define PE_PATH_LEN 256

/* The probe's one record type: PT_REC(PE_REC_EXEC). */
enum { PE_REC_EXEC = 0 };
/* Its one loss counter: PT_LOSS(PE_LOSS_RING). */
enum { PE_LOSS_RING = 0 };

/* One exec: the new image, with the ancestry of the process that runs it. */
struct pe_record {
	struct pt_record_hdr hdr; /* every record starts so (type, flags, time) */
	__u32 old_pid;            /* the exec'ing thread's id before de_thread() */
	__u32 pad;
	char filename[PE_PATH_LEN]; /* the file execve() was given (bprm->filename) */
	char interp[PE_PATH_LEN];   /* what runs it: the same, or a script's interpreter */
	struct pt_ancestry tree;    /* proctree[0] is the process with its new image; last:
	                             * the record ends after its ancestors and argv */
};

#endif

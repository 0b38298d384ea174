// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * process_exec: an external pidtree probe (see pidtree-probes(7)) that
 * reports every exec on the host with the full process tree of the program
 * started, its argv and the file executed:
 *
 *   process_exec:          # loaded from DIR/process_exec.so
 *     uids: [0, 1000]      # only execs by these (real) uids; default: every uid
 *     path_prefixes: [/tmp/, /dev/shm/]  # only files whose path, as given to
 *                          # execve(2), starts so; default: every path
 *     plugins:
 *       loginuidmap:
 *
 * gives
 *
 *   {"timestamp": "...", "probe": "process_exec", "pid": 4242,
 *    "proctree": [{"pid": 4242, "cmdline": "ls -l /tmp", "username": "root"},
 *                 {"pid": 4100, "cmdline": "-bash", "username": "root"}, ...],
 *    "error": "", "filename": "/usr/bin/ls"}
 *
 * and, for a script, "interpreter" (its #! interpreter) besides "filename".
 *
 * Build (make, see the Makefile beside this file):
 *   clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I/usr/include/pidtree/bpf \
 *       -c process_exec.bpf.c -o process_exec.bpf.o
 *   bpftool gen skeleton process_exec.bpf.o name process_exec > process_exec.skel.h
 *   cc -shared -fPIC -I/usr/include/pidtree/bpf -o process_exec.so process_exec.c -lbpf
 * Run:
 *   pidtree --extra-probe-path /usr/local/lib/pidtree/probes -c probes.yml
 *   (the directory and process_exec.so owned by root, writable by root only)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <pidtree/probe.h>

#include "process_exec.h"
#include "process_exec.skel.h"

#define NAME "process_exec"

struct state {
	const struct pidtree_probe_api *api;
	struct process_exec *skel;
};

/* The "uids:" argument: a list of uids (0 .. 2^32-2).  0 or -EINVAL, reported. */
static int read_uids(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		     const struct pidtree_arg *args, __u32 *uids, __u32 *n)
{
	const struct pidtree_api *a = api->plugin;
	const struct pidtree_arg *list = a->arg_get(args, "uids");
	int err = 0;

	*n = 0;
	if (!list || a->arg_type(list) == PIDTREE_ARG_NULL)
		return 0;
	if (a->arg_type(list) != PIDTREE_ARG_LIST) {
		api->report(ctx, PIDTREE_ERR, list, "uids must be a list of user ids");
		return -EINVAL;
	}
	if (a->arg_count(list) > PE_MAX_UIDS) {
		api->report(ctx, PIDTREE_ERR, list, "at most %d uids", PE_MAX_UIDS);
		return -EINVAL;
	}
	for (size_t i = 0; i < a->arg_count(list); i++) {
		const struct pidtree_arg *item = a->arg_item(list, i);
		long long v;

		if (a->arg_int(item, &v) || v < 0 || v >= 4294967295LL) {
			api->report(ctx, PIDTREE_ERR, item, "'%s' is not a user id",
				    a->arg_str(item) ? a->arg_str(item) : "(not a scalar)");
			err = -EINVAL;
			continue;
		}
		uids[(*n)++] = (__u32)v;
	}
	return err;
}

/* "path_prefixes:": a list of 1..63-byte strings.  0 or -EINVAL, reported. */
static int read_prefixes(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
			 const struct pidtree_arg *args, char (*prefixes)[PE_PREFIX_LEN],
			 __u32 *n)
{
	const struct pidtree_api *a = api->plugin;
	const struct pidtree_arg *list = a->arg_get(args, "path_prefixes");
	int err = 0;

	*n = 0;
	if (!list || a->arg_type(list) == PIDTREE_ARG_NULL)
		return 0;
	if (a->arg_type(list) != PIDTREE_ARG_LIST || a->arg_count(list) > PE_MAX_PREFIXES) {
		api->report(ctx, PIDTREE_ERR, list, "path_prefixes must be a list of at most %d paths",
			    PE_MAX_PREFIXES);
		return -EINVAL;
	}
	for (size_t i = 0; i < a->arg_count(list); i++) {
		const struct pidtree_arg *item = a->arg_item(list, i);
		const char *s = a->arg_str(item);

		if (!s || !*s || strlen(s) >= PE_PREFIX_LEN) {
			api->report(ctx, PIDTREE_ERR, item, "a path prefix is 1-%d bytes",
				    PE_PREFIX_LEN - 1);
			err = -EINVAL;
			continue;
		}
		strcpy(prefixes[(*n)++], s);
	}
	return err;
}

static int pe_check(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		    const struct pidtree_arg *args)
{
	char prefixes[PE_MAX_PREFIXES][PE_PREFIX_LEN];
	__u32 uids[PE_MAX_UIDS], n;
	int err = read_uids(api, ctx, args, uids, &n);

	return read_prefixes(api, ctx, args, prefixes, &n) ?: err;
}

static int pe_open(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		   const struct pidtree_arg *args, void **out)
{
	struct state *st;
	__u32 n, np;
	int err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	*out = st; /* close() frees it, whatever happens from here on */
	st->api = api;
	st->skel = process_exec__open();
	if (!st->skel) {
		err = -errno;
		api->log(ctx, PIDTREE_ERR, "cannot open its BPF object: %s", strerror(-err));
		return err;
	}
	/* read-only data is set before load: the verifier sees it as constants */
	err = read_uids(api, ctx, args, st->skel->rodata->pe_uids, &n);
	if (!err)
		err = read_prefixes(api, ctx, args, st->skel->rodata->pe_prefixes, &np);
	if (err)
		return err;
	st->skel->rodata->pe_nuids = n;
	st->skel->rodata->pe_nprefixes = np;
	/* pidtree's ring buffer, loss counters and pt_consts */
	err = api->prepare(ctx, st->skel->obj);
	if (err)
		return err;
	err = process_exec__load(st->skel);
	if (err) {
		api->log(ctx, PIDTREE_ERR, "cannot load tp_btf/sched_process_exec: %s",
			 strerror(-err));
		return err;
	}
	err = process_exec__attach(st->skel);
	if (err) {
		api->log(ctx, PIDTREE_ERR, "cannot attach to sched_process_exec: %s",
			 strerror(-err));
		return err;
	}
	if (n || np)
		api->log(ctx, PIDTREE_INFO, "limited to %u uid(s) and %u path prefix(es) (0: any)",
			 n, np);
	return 0;
}

/* A NUL-terminated copy of a kernel string field (bounded: never trust the NUL). */
static void copy_str(char *dst, const char *src, size_t cap)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int pe_decode(void *state, uint32_t rec, const void *data, size_t len,
		     struct pidtree_event *ev, const struct pt_ancestry **tree)
{
	const struct pidtree_api *a = ((struct state *)state)->api->plugin;
	const struct pe_record *r = data;
	char filename[PE_PATH_LEN], interp[PE_PATH_LEN];

	if (rec != PE_REC_EXEC || len < sizeof(*r))
		return -EINVAL;
	copy_str(filename, r->filename, sizeof(filename));
	copy_str(interp, r->interp, sizeof(interp));
	if (filename[0])
		a->add_str(ev, "filename", filename);
	if (interp[0] && strcmp(interp, filename))
		a->add_str(ev, "interpreter", interp);
	*tree = &r->tree;
	return 0;
}

static void pe_close(void *state)
{
	struct state *st = state;

	process_exec__destroy(st->skel); /* detaches: NULL is fine */
	free(st);
}

static const char *const args[] = { "uids", "path_prefixes", NULL };

static const struct pidtree_probe_loss losses[] = {
	[PE_LOSS_RING] = { NAME, "exec records lost (ring buffer full; raise --ringbuf-kib)",
			   PIDTREE_LOSS_EVENTS },
};

PIDTREE_PROBE(.name = NAME, .version = "1.0",
	      .message_id = "4bf783ab9fb2426ba799b52e8f486684",
	      .attach = "tp_btf/sched_process_exec (every exec, in the new image)",
	      .shape = PIDTREE_SHAPE_PROCESS, .nrecords = 1, .losses = losses,
	      .nlosses = sizeof(losses) / sizeof(losses[0]), .args = args, .check = pe_check,
	      .open = pe_open, .decode = pe_decode, .close = pe_close);

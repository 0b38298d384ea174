// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Start-up check of the kernel floor (see kernel_features.h).  Each check creates a
 * map or loads a two- to seven-instruction program of the same type and
 * attach type pidtree's own objects use; the verifier answers "unknown
 * helper" or "unknown attach type" with EINVAL, which is reported as the
 * named feature missing.  The checks run oldest feature first, so the one
 * reported is the first the kernel lacks.
 */
#include "kernel_features.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "log.h"
#include "probe.h"
#include "util.h"

#define FLOOR_MSG "pidtree needs Linux 5.15 or later (5.11 for tcp_connect alone), " \
		  "built with CONFIG_DEBUG_INFO_BTF=y"

struct probe_ctx {
	struct btf *btf;
	char log[4096];
};

/* ---- a few instructions, without the kernel's filter.h macros ------------ */

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						 .off = (o), .imm = (i) })
#define MOV_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define CALL(f) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/*
 * Load a program: 0 (loaded), -ENOTSUP (refused as unsupported: EINVAL,
 * E2BIG, EACCES from the verifier), or -errno.  helper >= 0 adds a call to
 * it, with arguments suited to bpf_probe_read_kernel (harmless for helpers
 * without arguments).
 */
static int try_load(struct probe_ctx *c, enum bpf_prog_type type, enum bpf_attach_type attach,
		    __u32 attach_btf_id, int helper, int ret)
{
	struct bpf_insn insns[8];
	char *why = NULL, *save = NULL;
	size_t n = 0;
	int fd, err;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach,
		    .attach_btf_id = attach_btf_id, .log_buf = c->log, .log_size = sizeof(c->log),
		    .log_level = 1);

	if (helper >= 0) {
		insns[n++] = MOV_REG(BPF_REG_1, BPF_REG_10); /* r1 = fp - 8 (8-byte buffer) */
		insns[n++] = ADD_IMM(BPF_REG_1, -8);
		insns[n++] = MOV_IMM(BPF_REG_2, 8);
		insns[n++] = MOV_IMM(BPF_REG_3, 0);
		insns[n++] = CALL(helper);
	}
	insns[n++] = MOV_IMM(BPF_REG_0, ret);
	insns[n++] = EXIT();
	c->log[0] = '\0';
	fd = bpf_prog_load(type, "pt_feature", "GPL", insns, n, &opts);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	err = -errno;
	/* the verifier's reason: its last line before "processed N insns" */
	for (char *line = strtok_r(c->log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "processed ", 10))
			break;
		why = line;
	}
	if (why)
		pt_dbg("feature probe refused by the kernel (errno %d): %s", -err, why);
	if (err == -EINVAL || err == -E2BIG || err == -EACCES)
		return -ENOTSUP;
	return err;
}

/* BTF id of the tp_btf target typedef btf_trace_<tp>, or 0 */
static __u32 tp_btf_id(struct probe_ctx *c, const char *tp)
{
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(c->btf, name, BTF_KIND_TYPEDEF);
	return id > 0 ? (__u32)id : 0;
}

static int missing(const char *what, const char *since)
{
	struct utsname u;

	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	pt_err("this kernel (%s) lacks %s (Linux %s); " FLOOR_MSG, u.release, what, since);
	return -ENOTSUP;
}

static int failed(const char *what, int err)
{
	if (err == -EPERM)
		pt_err("%s: bpf(2) not permitted: pidtree must run as root "
		       "(or with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN)", what);
	else
		pt_err("%s: %s", what, strerror(-err));
	return err;
}

/* A map of type; 0, -ENOTSUP or -errno */
static int try_map(enum bpf_map_type type, __u32 key, __u32 val, __u32 max)
{
	int fd = bpf_map_create(type, "pt_feature", key, val, max, NULL);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno == EINVAL ? -ENOTSUP : -errno;
}

static int check_base(struct probe_ctx *c)
{
	static const struct {
		int helper;
		const char *what, *since;
	} helpers[] = {
		{ BPF_FUNC_probe_read_kernel,
		  "the bpf_probe_read_kernel helper (or kernel lockdown=confidentiality forbids it)",
		  "5.5" },
		{ BPF_FUNC_ktime_get_boot_ns, "the bpf_ktime_get_boot_ns helper", "5.8" },
		{ BPF_FUNC_get_current_task_btf, "the bpf_get_current_task_btf helper", "5.11" },
	};
	static const char *const tps[] = { "sched_process_exec", "sched_process_fork",
					   "sched_process_exit", "inet_sock_set_state" };
	__u32 exec_id = 0;
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return missing("kernel BTF (/sys/kernel/btf/vmlinux: CONFIG_DEBUG_INFO_BTF=y)", "5.4");
	c->btf = btf__load_vmlinux_btf();
	if (!c->btf)
		return failed("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux)", -errno);

	err = try_map(BPF_MAP_TYPE_ARRAY, 4, 4, 1);
	if (err == -ENOSYS || err == -ENOTSUP)
		return missing("the bpf(2) system call (CONFIG_BPF_SYSCALL=y)", "3.18");
	if (err)
		return failed("cannot create a BPF map", err);
	err = try_map(BPF_MAP_TYPE_RINGBUF, 0, 0, (__u32)sysconf(_SC_PAGESIZE));
	if (err == -ENOTSUP)
		return missing("BPF ring buffers (BPF_MAP_TYPE_RINGBUF)", "5.8");
	if (err)
		return failed("cannot create a BPF ring buffer", err);

	for (size_t i = 0; i < ARRAY_SIZE(tps); i++) {
		__u32 id = tp_btf_id(c, tps[i]);

		if (!id) {
			char what[160];

			snprintf(what, sizeof(what), "the tracepoint %s in its BTF", tps[i]);
			return missing(what, "5.5");
		}
		if (!exec_id)
			exec_id = id;
	}
	err = try_load(c, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, exec_id, -1, 0);
	if (err == -ENOTSUP)
		return missing("tp_btf programs (BTF-typed raw tracepoints)", "5.5");
	if (err)
		return failed("cannot load a tp_btf program", err);
	for (size_t i = 0; i < ARRAY_SIZE(helpers); i++) {
		err = try_load(c, BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, exec_id,
			       helpers[i].helper, 0);
		if (err == -ENOTSUP)
			return missing(helpers[i].what, helpers[i].since);
		if (err)
			return failed("cannot load a tp_btf program", err);
	}
	return 0;
}

/* PT_FEAT_CGROUP_SOCK: cgroup socket programs on the cgroup2 root */
static int check_cgroup(struct probe_ctx *c, bool need_mount)
{
	static const struct {
		enum bpf_prog_type type;
		enum bpf_attach_type attach;
		int helper;
		const char *what, *since;
	} progs[] = {
		{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, -1,
		  "cgroup/sendmsg4 programs", "4.18" },
		{ BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, -1,
		  "cgroup/sock_release programs", "5.9" },
		{ BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG,
		  BPF_FUNC_get_current_task_btf,
		  "bpf_get_current_task_btf in cgroup socket programs", "5.15" },
		{ BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND,
		  BPF_FUNC_get_current_task_btf,
		  "bpf_get_current_task_btf in cgroup socket programs", "5.15" },
	};
	char root[4096];
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		/* cgroup socket programs must return 1 (allow), even unattached */
		err = try_load(c, progs[i].type, progs[i].attach, 0, progs[i].helper, 1);
		if (err == -ENOTSUP)
			return missing(progs[i].what, progs[i].since);
		if (err)
			return failed("cannot load a cgroup socket program", err);
	}
	if (need_mount && pt_cgroup2_root(root, sizeof(root))) {
		pt_err("no cgroup2 file system is mounted (none in /proc/self/mountinfo): "
		       "the configured probes attach to the cgroup2 root; "
		       "mount one, e.g. mount -t cgroup2 none /sys/fs/cgroup");
		return -ENOTSUP;
	}
	return 0;
}

/* PT_FEAT_TRACEFS: tracepoint programs, attached through tracefs */
static int check_tracefs(struct probe_ctx *c)
{
	static const char *const ids[] = {
		"/sys/kernel/tracing/events/syscalls/sys_exit_accept4/id",
		"/sys/kernel/debug/tracing/events/syscalls/sys_exit_accept4/id",
	};
	int err;

	err = try_load(c, BPF_PROG_TYPE_TRACEPOINT, 0, 0, BPF_FUNC_get_current_task_btf, 0);
	if (err == -ENOTSUP)
		return missing("bpf_get_current_task_btf in tracepoint programs", "5.11");
	if (err)
		return failed("cannot load a tracepoint program", err);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++)
		if (!access(ids[i], R_OK))
			return 0;
	pt_err("the syscall tracepoints are not readable in tracefs (%s): tcp_accept attaches to "
	       "them; mount it (mount -t tracefs nodev /sys/kernel/tracing) or build the kernel "
	       "with CONFIG_FTRACE_SYSCALLS=y", ids[0]);
	return -ENOTSUP;
}

int pt_check_kernel_features(unsigned int features)
{
	struct probe_ctx c = { 0 };
	int err;

	err = check_base(&c);
	if (!err && (features & PT_FEAT_CGROUP_SOCK))
		err = check_cgroup(&c, features & PT_FEAT_CGROUP_MOUNT);
	if (!err && (features & PT_FEAT_TRACEFS))
		err = check_tracefs(&c);
	btf__free(c.btf);
	if (!err)
		pt_dbg("kernel features: everything the configured probes need is there");
	return err;
}

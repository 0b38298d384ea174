/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Process cache and ancestry resolution, against a fake /proc built under a
 * mkdtemp() directory and a passwd-format file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "buf.h"
#include "event_json.h"
#include "json.h"
#include "proccache.h"
#include "users.h"
#include "procfs.h"

#define KTHREAD_FLAGS 0x00208040u /* PF_KTHREAD | PF_NOFREEZE | ... as kthreadd shows */
#define USER_FLAGS 0x00400100u
#define NOLOGIN UINT32_MAX

struct fx {
	char dir[64];
	char proc[96];
	char passwd[96];
	struct pt_proc_cache *c;
	struct pt_event ev;
	char comm[4096][PT_COMM_LEN]; /* comm of the fake /proc/PID, by pid % 4096 */
	uint64_t exec_id[4096];       /* self_exec_id resolve() puts in snapshots */
};

static uint64_t ns_per_tick(void)
{
	return 1000000000ull / (uint64_t)sysconf(_SC_CLK_TCK);
}

static uint64_t tick_ns(uint64_t ticks)
{
	return ticks * ns_per_tick();
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_passwd(struct fx *f, const char *text)
{
	write_file(f->passwd, text, strlen(text));
}

/* A fake /proc/PID; cmdline == NULL: no cmdline file; loginuid NOLOGIN: no file. */
static void mkproc(struct fx *f, uint32_t pid, const char *comm, char state, uint32_t ppid,
		   uint32_t flags, uint64_t start, const char *cmdline, size_t cmdlen, uint32_t uid,
		   uint32_t loginuid)
{
	char path[256], buf[1024];
	int n;

	memset(f->comm[pid % 4096], 0, PT_COMM_LEN);
	strncpy(f->comm[pid % 4096], comm, PT_COMM_LEN - 1);
	snprintf(path, sizeof(path), "%s/%u", f->proc, pid);
	assert_int_equal(mkdir(path, 0755), 0);
	n = snprintf(buf, sizeof(buf),
		     "%u (%s) %c %u %u %u 0 -1 %u 170 0 0 0 3 1 0 0 20 0 1 0 %llu 1234567 89 "
		     "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n",
		     pid, comm, state, ppid, pid, pid, flags, (unsigned long long)start);
	snprintf(path, sizeof(path), "%s/%u/stat", f->proc, pid);
	write_file(path, buf, (size_t)n);
	n = snprintf(buf, sizeof(buf),
		     "Name:\t%.15s\nUmask:\t0022\nState:\t%c\nTgid:\t%u\nNgid:\t0\nPid:\t%u\n"
		     "PPid:\t%u\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t0\t0\t0\t0\n",
		     comm, state, pid, pid, ppid, uid, uid + 1, uid + 2, uid + 3);
	snprintf(path, sizeof(path), "%s/%u/status", f->proc, pid);
	write_file(path, buf, (size_t)n);
	if (cmdline) {
		snprintf(path, sizeof(path), "%s/%u/cmdline", f->proc, pid);
		write_file(path, cmdline, cmdlen);
	}
	if (loginuid != NOLOGIN) {
		n = snprintf(buf, sizeof(buf), "%u", loginuid);
		snprintf(path, sizeof(path), "%s/%u/loginuid", f->proc, pid);
		write_file(path, buf, (size_t)n);
	}
}

static int rm_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	return remove(path);
}

static void rmproc(struct fx *f, uint32_t pid)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%u", f->proc, pid);
	assert_int_equal(nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void new_cache(struct fx *f, size_t max_entries, size_t cmdline_max, uint64_t grace)
{
	struct pt_proc_cache_opts o = {
		.max_entries = max_entries,
		.cmdline_max = cmdline_max,
		.exit_grace_ns = grace,
		.proc_root = f->proc,
		.passwd_file = f->passwd,
	};

	pt_proc_cache_free(f->c);
	f->c = NULL;
	assert_int_equal(pt_proc_cache_new(&f->c, &o), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/pt_proctree.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->dir);
	snprintf(f->passwd, sizeof(f->passwd), "%s/passwd", f->dir);
	assert_int_equal(mkdir(f->proc, 0755), 0);
	write_passwd(f, "root:x:0:0:root:/root:/bin/sh\n"
			"alice:x:1000:1000:Alice:/home/alice:/bin/sh\n");
	new_cache(f, 0, 0, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pt_proc_cache_free(f->c);
	nftw(f->dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- records and snapshots ---- */

static void do_exec(struct fx *f, uint32_t pid, uint64_t start, const char *argv, size_t len,
		    uint32_t flags)
{
	static union {
		struct pt_exec_record rec;
		char bytes[sizeof(struct pt_exec_record) + PT_EXEC_ARGV_LEN];
	} u;
	struct pt_exec_record *rp = &u.rec;
#define r (*rp)

	memset(&u, 0, sizeof(u));
	r.hdr.type = PT_PROC_REC_EXEC + 1;
	r.hdr.flags = flags;
	r.proc.tgid = pid;
	r.proc.ppid = 1;
	r.proc.uid = 1000;
	r.proc.loginuid = 1000;
	r.proc.start_ns = tick_ns(start) + 1234; /* not a tick multiple */
	strcpy(r.proc.comm, "comm");
	memcpy(r.argv, argv, len);
	r.argv_len = (uint32_t)len;
	pt_proc_cache_exec(f->c, &r);
#undef r
}

static void do_fork(struct fx *f, uint32_t pid, uint64_t start, uint32_t ppid, uint64_t pstart)
{
	struct pt_fork_record r = { .hdr.type = PT_PROC_REC_FORK + 1 };

	r.child.tgid = pid;
	r.child.ppid = ppid;
	r.child.uid = 1000;
	r.child.start_ns = tick_ns(start);
	r.parent_tgid = ppid;
	r.parent_start_ns = tick_ns(pstart) + 999;
	pt_proc_cache_fork(f->c, &r);
}

static void do_exit(struct fx *f, uint32_t pid, uint64_t start, uint64_t now_ns)
{
	pt_proc_cache_exit(f->c, pid, tick_ns(start), now_ns);
}

/*
 * Resolve a snapshot given as (pid, start ticks) pairs, terminated by pid 0;
 * argv (may be NULL) is the leaf's.  The event is f->ev.
 */
static void resolve(struct fx *f, uint32_t flags, const char *argv, size_t argv_len, ...)
{
	static union pt_ancestry_buf tb;
	struct pt_ancestry *tp = &tb.t;
#define t (*tp)
	uint32_t pid;
	va_list ap;

	memset(&tb, 0, sizeof(tb));
	memset(&f->ev, 0, sizeof(f->ev));
	va_start(ap, argv_len);
	while ((pid = va_arg(ap, uint32_t)) != 0) {
		struct pt_ancestor *a = &t.anc[t.depth++];

		a->tgid = pid;
		a->start_ns = tick_ns(va_arg(ap, uint64_t)) + 5;
		a->uid = t.depth == 1 ? 1000 : 0;
		a->loginuid = NOLOGIN;
		a->ppid = 1;
		a->exec_id = f->exec_id[pid % 4096];
		memcpy(a->comm, f->comm[pid % 4096], PT_COMM_LEN);
	}
	va_end(ap);
	if (argv) {
		memcpy((char *)pt_ancestry_argv(&t), argv, argv_len);
		t.argv_len = (uint32_t)argv_len;
	}
	pt_proc_cache_resolve(f->c, &t, flags, &f->ev);
	assert_int_equal(f->ev.nproc, t.depth);
#undef t
}

/* cmdline of the single process pid@start, "" when unresolved */
static const char *cmd_of(struct fx *f, uint32_t pid, uint64_t start)
{
	resolve(f, 0, NULL, 0, pid, start, 0);
	return f->ev.proctree[0].cmdline;
}

static struct pt_proc_cache_stats stats(struct fx *f)
{
	struct pt_proc_cache_stats st;

	pt_proc_cache_get_stats(f->c, &st);
	return st;
}

#define S(lit) (lit), sizeof(lit) - 1

/* ---- /proc parsing ---- */

static void test_parse_stat(void **state)
{
	static const char line[] = "1234 (bash) S 1 1234 1234 34816 1234 4194560 100 0 0 0 1 2 "
				   "0 0 20 0 1 0 98765 12345678 900 18446744073709551615\n";
	struct pt_proc_stat st;
	char *exact;

	assert_int_equal(pt_proc_parse_stat(line, strlen(line), &st), 0);
	assert_int_equal(st.pid, 1234);
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.state, 'S');
	assert_string_equal(st.comm, "bash");
	assert_int_equal(st.starttime_ticks, 98765);

	/* not NUL-terminated, exactly sized: ASan checks nothing reads past len */
	exact = malloc(strlen(line));
	assert_non_null(exact);
	memcpy(exact, line, strlen(line));
	assert_int_equal(pt_proc_parse_stat(exact, strlen(line), &st), 0);
	assert_int_equal(st.starttime_ticks, 98765);
	/* cut right after starttime: still complete */
	assert_int_equal(pt_proc_parse_stat(exact, strstr(line, " 12345678") - line, &st), 0);
	assert_int_equal(st.starttime_ticks, 98765);
	/* cut inside the fields before it */
	assert_int_equal(pt_proc_parse_stat(exact, strstr(line, " 98765") - line, &st), -EINVAL);
	free(exact);
}

static void test_parse_stat_comm(void **state)
{
	static const char *const lines[] = {
		"42 (a b) (c) R 7 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 555 0 0\n",
		"43 ()) Z 7 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 556 0 0\n",
		"44 (averyveryverylongname) S 7 0 0 0 -1 64 0 0 0 0 0 0 0 0 -2 -5 1 0 557 0 0",
		"45 (x 1 2 3 4 5 6 7) S 7 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 558 0 0\n",
	};
	static const char *const comms[] = { "a b) (c", ")", "averyveryverylo", "x 1 2 3 4 5 6 7" };
	static const char states[] = { 'R', 'Z', 'S', 'S' };
	struct pt_proc_stat st;
	size_t i;

	for (i = 0; i < 4; i++) {
		assert_int_equal(pt_proc_parse_stat(lines[i], strlen(lines[i]), &st), 0);
		assert_int_equal(st.pid, 42 + i);
		assert_string_equal(st.comm, comms[i]);
		assert_int_equal(st.state, states[i]);
		assert_int_equal(st.ppid, 7);
		assert_int_equal(st.starttime_ticks, 555 + i);
	}
}

static void test_parse_stat_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"12",
		"12 (x",
		"12 x) S 1 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0",
		"(x) S 1 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0",
		"12 (x) S 1 2",
		"12 (x)",
		"12 (x) S -1 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0",
		"12 (x) S 1 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 5x 0 0",
		"12 (x) S 1 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999999 0",
		")12 (x S 1 0 0 0 -1 64 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0",
	};
	struct pt_proc_stat st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pt_proc_parse_stat(bad[i], strlen(bad[i]), &st), -EINVAL);
}

static void test_join_argv(void **state)
{
	char out[64];

	assert_int_equal(pt_join_argv(S("a\0b\0"), out, sizeof(out), false), 3);
	assert_string_equal(out, "a b");
	assert_int_equal(pt_join_argv(S("a\0\0b\0"), out, sizeof(out), false), 4);
	assert_string_equal(out, "a  b");
	assert_int_equal(pt_join_argv(S("no-trailing-nul\0x"), out, sizeof(out), false), 17);
	assert_string_equal(out, "no-trailing-nul x");
	assert_int_equal(pt_join_argv(S("nginx: worker\0\0\0\0"), out, sizeof(out), false), 13);
	assert_string_equal(out, "nginx: worker");
	assert_int_equal(pt_join_argv("", 0, out, sizeof(out), false), 0);
	assert_string_equal(out, "");
	assert_int_equal(pt_join_argv(S("\0"), out, sizeof(out), false), 0);
	assert_string_equal(out, "");
	assert_int_equal(pt_join_argv(S("a\0b\0"), out, sizeof(out), true), 6);
	assert_string_equal(out, "a b...");
	assert_int_equal(pt_join_argv("", 0, out, sizeof(out), true), 3);
	assert_string_equal(out, "...");

	/* max boundary: 7 characters fit in 8 bytes; 8 do not */
	memset(out, 'X', sizeof(out));
	assert_int_equal(pt_join_argv(S("abc\0def\0"), out, 8, false), 7);
	assert_string_equal(out, "abc def");
	assert_int_equal(pt_join_argv(S("abc\0defg\0"), out, 8, false), 7);
	assert_string_equal(out, "abc ...");
	assert_int_equal(pt_join_argv(S("abc\0def\0"), out, 8, true), 7);
	assert_string_equal(out, "abc ...");
	assert_int_equal(pt_join_argv(S("abcdef"), out, 4, false), 3);
	assert_string_equal(out, "...");
	assert_int_equal(pt_join_argv(S("abcdef"), out, 3, false), 2);
	assert_string_equal(out, "..");
	assert_int_equal(pt_join_argv(S("abcdef"), out, 1, false), 0);
	assert_string_equal(out, "");
	out[0] = 'X';
	assert_int_equal(pt_join_argv(S("abcdef"), out, 0, false), 0);
	assert_int_equal(out[0], 'X');
}

static void test_ns_to_ticks(void **state)
{
	assert_int_equal(pt_ns_to_ticks(0), 0);
	assert_int_equal(pt_ns_to_ticks(tick_ns(12345)), 12345);
	assert_int_equal(pt_ns_to_ticks(tick_ns(12346) - 1), 12345);
}

static void test_new_invalid(void **state)
{
	struct fx *f = *state;
	struct pt_proc_cache_opts o = { .proc_root = f->proc, .max_entries = SIZE_MAX };
	struct pt_proc_cache *c = (void *)1;

	assert_int_equal(pt_proc_cache_new(&c, &o), -EINVAL);
	assert_null(c);
	o.max_entries = 0;
	o.cmdline_max = 2;
	assert_int_equal(pt_proc_cache_new(&c, &o), -EINVAL);
	o.cmdline_max = 0;
	o.proc_root = "/nonexistent/pidtree-test";
	assert_int_equal(pt_proc_cache_new(&c, &o), -ENOENT);
	assert_null(c);
}

static void test_procfs_read(void **state)
{
	struct fx *f = *state;
	struct pt_procfs_proc p;
	char raw[64], out[64];
	int fd = pt_procfs_open(f->proc);

	assert_true(fd >= 0);
	mkproc(f, 300, "x) (y", 'S', 299, USER_FLAGS, 777, S("a\0b\0"), 1000, 1001);
	mkproc(f, 301, "nolog", 'S', 1, USER_FLAGS, 778, S("c\0"), 0, NOLOGIN);

	assert_int_equal(pt_procfs_read(fd, 300, PT_PROCFS_IDS, 0, &p, raw, out, sizeof(out)), 0);
	assert_int_equal(p.st.pid, 300);
	assert_int_equal(p.st.ppid, 299);
	assert_string_equal(p.st.comm, "x) (y");
	assert_int_equal(p.st.starttime_ticks, 777);
	assert_int_equal(p.flags, USER_FLAGS);
	assert_int_equal(p.uid, 1000); /* real, not effective (1001) */
	assert_int_equal(p.loginuid, 1001);
	assert_true(p.cmdline_known);
	assert_string_equal(out, "a b");
	assert_int_equal(p.cmdline_len, 3);

	assert_int_equal(pt_procfs_read(fd, 301, PT_PROCFS_IDS, 0, &p, raw, out, sizeof(out)), 0);
	assert_int_equal(p.uid, 0);
	assert_int_equal(p.loginuid, PT_LOGINUID_UNSET);

	assert_int_equal(pt_procfs_read(fd, 300, PT_PROCFS_MATCH, 776, &p, raw, out, sizeof(out)),
			 -ESRCH);
	assert_int_equal(pt_procfs_read(fd, 300, PT_PROCFS_MATCH, 777, &p, raw, out, sizeof(out)),
			 0);
	assert_string_equal(out, "a b");
	assert_int_equal(pt_procfs_read(fd, 302, 0, 0, &p, raw, out, sizeof(out)), -ENOENT);
	close(fd);
}

/* ---- scan ---- */

static void test_scan(void **state)
{
	struct fx *f = *state;
	char path[256];

	new_cache(f, 0, 24, 0);
	mkproc(f, 1, "systemd", 'S', 0, USER_FLAGS, 2, S("/sbin/init\0splash\0"), 0, NOLOGIN);
	mkproc(f, 2, "kthreadd", 'S', 0, KTHREAD_FLAGS, 2, "", 0, 0, NOLOGIN);
	mkproc(f, 100, "a b) (c", 'S', 1, USER_FLAGS, 300, S("python3\0-c\0print(1)\0"), 1000,
	       1000);
	mkproc(f, 101, "defunct", 'Z', 100, USER_FLAGS, 301, "", 0, 1000, 1000);
	mkproc(f, 102, "nocmd", 'S', 1, USER_FLAGS, 302, NULL, 0, 0, NOLOGIN);
	mkproc(f, 103, "long", 'S', 1, USER_FLAGS, 303,
	       S("/usr/bin/some-long-program\0--with\0arguments\0"), 0, NOLOGIN);
	snprintf(path, sizeof(path), "%s/self", f->proc);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/0123", f->proc);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/77", f->proc); /* vanished: empty directory */
	assert_int_equal(mkdir(path, 0755), 0);

	assert_int_equal(pt_proc_cache_scan(f->c), 0);
	assert_int_equal(stats(f).entries, 5);

	/* from the cache, not /proc */
	rmproc(f, 1);
	rmproc(f, 100);
	rmproc(f, 103);
	resolve(f, 0, NULL, 0, 100, 300ull, 1, 2ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "python3 -c print(1)");
	assert_string_equal(f->ev.proctree[1].cmdline, "/sbin/init splash");
	/* uid and name from the snapshot, not from /proc's status */
	assert_int_equal(f->ev.proctree[0].uid, 1000);
	assert_string_equal(f->ev.proctree[0].username, "alice");
	assert_int_equal(f->ev.proctree[1].uid, 0);
	assert_string_equal(f->ev.proctree[1].username, "root");
	assert_int_equal(f->ev.pid, 100);
	assert_string_equal(f->ev.error, "");

	/* kernel thread: empty and known */
	assert_string_equal(cmd_of(f, 2, 2), "");
	assert_string_equal(f->ev.error, "");
	/* capped at cmdline_max (24 bytes incl. NUL) and marked */
	assert_string_equal(cmd_of(f, 103, 303), "/usr/bin/some-long-p...");
	assert_int_equal(stats(f).proc_fallbacks, 0);
	assert_int_equal(stats(f).unresolved, 0);

	/* zombie: its cmdline is gone, unknown rather than "" */
	assert_string_equal(cmd_of(f, 101, 301), "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 101");
	/* no cmdline file: skipped by the scan and by the fallback */
	assert_string_equal(cmd_of(f, 102, 302), "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 102");
	assert_int_equal(stats(f).unresolved, 2);
	assert_int_equal(stats(f).proc_fallbacks, 0);
}

static void test_scan_empty_root(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pt_proc_cache_scan(f->c), 0);
	assert_int_equal(stats(f).entries, 0);
}

/* ---- records ---- */

static void test_exec_fork_order(void **state)
{
	struct fx *f = *state;

	/* exec without a fork seen first inserts */
	do_exec(f, 10, 1000, S("bash\0-c\0x\0"), 0);
	assert_string_equal(cmd_of(f, 10, 1000), "bash -c x");
	assert_int_equal(stats(f).entries, 1);

	/* fork copies the parent's cmdline */
	do_fork(f, 11, 1001, 10, 1000);
	resolve(f, 0, NULL, 0, 11, 1001ull, 10, 1000ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "bash -c x");
	assert_string_equal(f->ev.proctree[1].cmdline, "bash -c x");
	assert_int_equal(stats(f).entries, 2);

	/* then exec updates the same (pid, start) entry */
	do_exec(f, 11, 1001, S("ls\0-l\0"), 0);
	resolve(f, 0, NULL, 0, 11, 1001ull, 10, 1000ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "ls -l");
	assert_string_equal(f->ev.proctree[1].cmdline, "bash -c x");
	assert_string_equal(f->ev.error, "");
	assert_int_equal(stats(f).entries, 2);

	/* argv longer than the record's buffer */
	do_exec(f, 11, 1001, S("make\0-j8\0"), PT_F_ARGV_TRUNCATED);
	assert_string_equal(cmd_of(f, 11, 1001), "make -j8...");
	/* empty argv: "" but known */
	do_exec(f, 12, 1002, "", 0, 0);
	assert_string_equal(cmd_of(f, 12, 1002), "");
	assert_string_equal(f->ev.error, "");
	assert_int_equal(stats(f).unresolved, 0);

	/* unreadable argv: unknown, not the previous image's */
	do_exec(f, 10, 1000, S("garbage\0"), PT_F_ARGV_FAULT);
	assert_string_equal(cmd_of(f, 10, 1000), "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 10");

	/* fork of an unknown parent: cmdline unknown, /proc has nothing either */
	do_fork(f, 13, 1003, 99, 5);
	assert_string_equal(cmd_of(f, 13, 1003), "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 13");
	/* ... but a later exec fixes it */
	do_exec(f, 13, 1003, S("vim\0"), 0);
	assert_string_equal(cmd_of(f, 13, 1003), "vim");

	/* records of processes the cache never saw are harmless */
	do_exit(f, 4242, 1, 1);
	assert_int_equal(stats(f).entries, 4);
}

static void test_fork_falls_back_to_proc(void **state)
{
	struct fx *f = *state;

	/* parent unknown: the child's cmdline comes from its own /proc entry */
	mkproc(f, 14, "child", 'S', 99, USER_FLAGS, 1004, S("sleep\0" "100\0"), 1000, 1000);
	do_fork(f, 14, 1004, 99, 5);
	assert_string_equal(cmd_of(f, 14, 1004), "sleep 100");
	assert_int_equal(stats(f).proc_fallbacks, 1);
	assert_string_equal(cmd_of(f, 14, 1004), "sleep 100");
	assert_int_equal(stats(f).proc_fallbacks, 1);
}

static void test_exit_expire(void **state)
{
	struct fx *f = *state;
	const uint64_t grace = 5000000000ull, t = 100000000000ull;

	new_cache(f, 0, 0, grace);
	do_exec(f, 20, 2000, S("short-lived\0"), 0);
	do_exec(f, 21, 2001, S("long-lived\0"), 0);
	do_exit(f, 20, 2000, t);
	do_exit(f, 20, 2000, t + 1000); /* a duplicate keeps the first time */

	/* an event queued before the exit is resolved after it */
	assert_string_equal(cmd_of(f, 20, 2000), "short-lived");
	pt_proc_cache_expire(f->c, t + grace - 1);
	assert_int_equal(stats(f).entries, 2);
	assert_string_equal(cmd_of(f, 20, 2000), "short-lived");
	assert_string_equal(f->ev.error, "");

	pt_proc_cache_expire(f->c, t + grace);
	assert_int_equal(stats(f).entries, 1);
	assert_string_equal(cmd_of(f, 21, 2001), "long-lived");
	assert_string_equal(cmd_of(f, 20, 2000), "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 20");
}

/* Exit number seq of a CPU into batch b, as bpf/process.bpf.c stores it. */
static void batch_put(struct pt_exit_batch *b, uint64_t seq, uint32_t pid, uint64_t start)
{
	struct pt_exit_entry *e = &b->e[seq % PT_EXIT_BATCH];

	e->seq = seq;
	e->tgid = pid;
	e->start_ns = tick_ns(start);
	b->last = seq;
}

static void test_exit_batches(void **state)
{
	struct fx *f = *state;
	const uint64_t t = 100000000000ull;
	struct pt_exit_batch b, bad;

	new_cache(f, 0, 0, 1000);
	for (uint32_t pid = 100; pid < 140; pid++)
		do_exec(f, pid, pid, S("p\0"), 0);
	/* a full batch that wrapped: exits 17 .. 32 of a CPU are pids 100 .. 115 */
	memset(&b, 0, sizeof(b));
	b.hdr.type = PT_PROC_REC_EXIT;
	for (uint64_t s = 1; s <= 16; s++)
		batch_put(&b, s, 999, 999); /* (sent before) */
	for (uint64_t s = 17; s <= 32; s++)
		batch_put(&b, s, (uint32_t)(100 + s - 17), 100 + s - 17);
	b.count = 16;
	assert_int_equal(pt_proc_cache_exits(f->c, &b, sizeof(b), t), 0);
	assert_int_equal(stats(f).exits, 16);
	pt_proc_cache_expire(f->c, t + 1000);
	assert_int_equal(stats(f).entries, 40 - 16);
	assert_string_equal(cmd_of(f, 116, 116), "p");

	/* a drained tail: 3 exits, 33 .. 35, in places 1 .. 3 */
	for (uint64_t s = 33; s <= 35; s++)
		batch_put(&b, s, (uint32_t)(116 + s - 33), 116 + s - 33);
	b.count = 3;
	assert_int_equal(pt_proc_cache_exits(f->c, &b, sizeof(b), t), 0);
	assert_int_equal(stats(f).exits, 19);

	/* refused whole, nothing applied: short, count 0 or over, an entry out of place */
	bad = b;
	for (uint64_t s = 36; s <= 38; s++)
		batch_put(&bad, s, (uint32_t)(119 + s - 36), 119 + s - 36);
	bad.count = 3;
	assert_int_equal(pt_proc_cache_exits(f->c, &bad, sizeof(bad) - 1, t), -EINVAL);
	bad.count = 0;
	assert_int_equal(pt_proc_cache_exits(f->c, &bad, sizeof(bad), t), -EINVAL);
	bad.count = PT_EXIT_BATCH + 1;
	assert_int_equal(pt_proc_cache_exits(f->c, &bad, sizeof(bad), t), -EINVAL);
	bad.count = 3;
	bad.e[37 % PT_EXIT_BATCH].seq = 21; /* an older exit's place */
	assert_int_equal(pt_proc_cache_exits(f->c, &bad, sizeof(bad), t), -EINVAL);
	bad.e[37 % PT_EXIT_BATCH].seq = 37;
	bad.last = 2; /* fewer exits ever than it claims */
	assert_int_equal(pt_proc_cache_exits(f->c, &bad, sizeof(bad), t), -EINVAL);
	assert_int_equal(stats(f).exits, 19);
	bad.last = 38;
	assert_int_equal(pt_proc_cache_exits(f->c, &bad, sizeof(bad), t), 0);
	assert_int_equal(stats(f).exits, 22);
}

static void test_eviction(void **state)
{
	struct fx *f = *state;
	uint32_t pid;

	new_cache(f, 4, 0, 0);
	do_exec(f, 31, 3001, S("p31\0"), 0);
	do_exec(f, 32, 3002, S("p32\0"), 0);
	do_exec(f, 33, 3003, S("p33\0"), 0);
	do_exec(f, 34, 3004, S("p34\0"), 0);
	do_exit(f, 32, 3002, 1000);
	assert_int_equal(stats(f).entries, 4);

	/* full: the exited entry goes first, no live eviction */
	do_exec(f, 35, 3005, S("p35\0"), 0);
	assert_int_equal(stats(f).entries, 4);
	assert_int_equal(stats(f).evictions, 0);

	/* then the least recently used live one; a resolved entry is recent */
	assert_string_equal(cmd_of(f, 31, 3001), "p31");
	do_exec(f, 36, 3006, S("p36\0"), 0);
	assert_int_equal(stats(f).entries, 4);
	assert_int_equal(stats(f).evictions, 1);

	for (pid = 34; pid <= 36; pid++) {
		char want[8];

		snprintf(want, sizeof(want), "p%u", pid);
		assert_string_equal(cmd_of(f, pid, 3000 + pid - 30), want);
	}
	assert_string_equal(cmd_of(f, 31, 3001), "p31");
	assert_string_equal(f->ev.error, "");
	assert_string_equal(cmd_of(f, 33, 3003), "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 33");
	assert_string_equal(cmd_of(f, 32, 3002), "");
	assert_int_equal(stats(f).entries, 4);
}

/* Strings of an event survive evictions made while resolving it. */
static void test_event_strings_survive(void **state)
{
	struct fx *f = *state;

	new_cache(f, 2, 0, 0);
	do_exec(f, 90, 9000, S("ninety\0"), 0);
	do_exit(f, 90, 9000, 1);
	do_exec(f, 91, 9001, S("ninety-one\0"), 0);
	mkproc(f, 92, "p92", 'S', 1, USER_FLAGS, 9002, S("ninety-two\0"), 0, NOLOGIN);
	mkproc(f, 93, "p93", 'S', 1, USER_FLAGS, 9003, S("ninety-three\0"), 0, NOLOGIN);

	/* 92 and 93 come from /proc and evict 90 then 91 while the event uses them */
	resolve(f, 0, NULL, 0, 91, 9001ull, 90, 9000ull, 92, 9002ull, 93, 9003ull, 0);
	assert_int_equal(stats(f).evictions, 1);
	assert_int_equal(stats(f).proc_fallbacks, 2);
	do_exec(f, 93, 9003, S("changed\0"), 0);
	pt_proc_cache_expire(f->c, UINT64_MAX);
	assert_string_equal(f->ev.proctree[0].cmdline, "ninety-one");
	assert_string_equal(f->ev.proctree[1].cmdline, "ninety");
	assert_string_equal(f->ev.proctree[2].cmdline, "ninety-two");
	assert_string_equal(f->ev.proctree[3].cmdline, "ninety-three");
	assert_string_equal(f->ev.error, "");
}

/* ---- cmdlines' JSON, kept with them ---- */

/* ancestor k of f->ev's proctree as JSON, from the cache's string or not */
static void proctree_json(struct fx *f, struct pt_buf *b)
{
	pt_buf_reset(b);
	pt_json_proctree(b, &f->ev);
	assert_false(b->oom);
}

/*
 * Ancestor k's kept JSON, if any, is exactly its cmdline escaped; the
 * event's proctree is the same byte for byte with or without the kept
 * strings.  Returns whether k had one.
 */
static bool json_kept_ok(struct fx *f, size_t k)
{
	const struct pt_event_proc *p = &f->ev.proctree[k];
	struct pt_buf want, got;
	struct pt_event saved;
	size_t i;

	pt_buf_init(&want);
	pt_buf_init(&got);
	if (p->cmdline_json) {
		assert_ptr_equal(p->cmdline_json_of, p->cmdline);
		pt_json_strz(&want, p->cmdline);
		assert_int_equal(p->cmdline_json_len, want.len);
		assert_memory_equal(p->cmdline_json, want.data, want.len);
	}
	proctree_json(f, &got);
	memcpy(&saved, &f->ev, sizeof(saved));
	for (i = 0; i < f->ev.nproc; i++)
		f->ev.proctree[i].cmdline_json = NULL;
	proctree_json(f, &want);
	memcpy(&f->ev, &saved, sizeof(saved));
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.data, want.data, want.len);
	pt_buf_free(&want);
	pt_buf_free(&got);
	return p->cmdline_json != NULL;
}

static void test_cmdline_json(void **state)
{
	struct fx *f = *state;
	const char *kept;
	char many[200];
	struct pt_buf b;

	pt_buf_init(&b);
	/* escaped at its first event, then the same string in every event */
	do_exec(f, 10, 1000, S("bash\0-c\0echo \"hi\"\tthere\0"), 0);
	resolve(f, 0, NULL, 0, 10, 1000ull, 0);
	assert_true(json_kept_ok(f, 0));
	assert_string_equal(f->ev.proctree[0].cmdline_json, "\"bash -c echo \\\"hi\\\"\\tthere\"");
	kept = f->ev.proctree[0].cmdline_json;
	resolve(f, 0, NULL, 0, 10, 1000ull, 0);
	assert_ptr_equal(f->ev.proctree[0].cmdline_json, kept);

	/* a forked child shares its parent's cmdline, and so its JSON */
	do_fork(f, 11, 1001, 10, 1000);
	resolve(f, 0, NULL, 0, 11, 1001ull, 10, 1000ull, 0);
	assert_ptr_equal(f->ev.proctree[0].cmdline_json, kept);
	assert_ptr_equal(f->ev.proctree[1].cmdline_json, kept);
	/* until it execs: its own */
	do_exec(f, 11, 1001, S("ls\0-l\0"), 0);
	resolve(f, 0, NULL, 0, 11, 1001ull, 10, 1000ull, 0);
	assert_true(json_kept_ok(f, 0));
	assert_true(json_kept_ok(f, 1));
	assert_string_equal(f->ev.proctree[0].cmdline_json, "\"ls -l\"");
	assert_ptr_equal(f->ev.proctree[1].cmdline_json, kept);

	/* the leaf's argv from the record (joined per event): none kept */
	resolve(f, 0, S("curl\0x\0"), 11, 1001ull, 10, 1000ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "curl x");
	assert_false(json_kept_ok(f, 0));
	assert_true(json_kept_ok(f, 1));
	/* nor for an unresolved ancestor */
	resolve(f, 0, NULL, 0, 77, 7ull, 10, 1000ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "");
	assert_false(json_kept_ok(f, 0));

	/* a cmdline of quotes or control bytes would grow 2 to 6 times: escaped per event */
	memset(many, '"', sizeof(many));
	do_exec(f, 12, 1002, many, sizeof(many), 0);
	resolve(f, 0, NULL, 0, 12, 1002ull, 10, 1000ull, 0);
	assert_false(json_kept_ok(f, 0));
	assert_true(json_kept_ok(f, 1));
	memset(many, '\x01', sizeof(many));
	do_exec(f, 12, 1002, many, sizeof(many), 0);
	resolve(f, 0, NULL, 0, 12, 1002ull, 0);
	assert_false(json_kept_ok(f, 0));
	/* ... and kept up to the bound: 200 bytes may grow by 200 / 8 + 10 = 35 */
	memset(many, 'a', sizeof(many));
	memset(many, '"', 33);  /* 33 escapes + 2 quotes = 35 */
	do_exec(f, 12, 1002, many, sizeof(many), 0);
	resolve(f, 0, NULL, 0, 12, 1002ull, 0);
	assert_true(json_kept_ok(f, 0));
	assert_int_equal(f->ev.proctree[0].cmdline_json_len, 200 + 35);
	memset(many, '"', 34);
	do_exec(f, 12, 1002, many, sizeof(many), 0);
	resolve(f, 0, NULL, 0, 12, 1002ull, 0);
	assert_false(json_kept_ok(f, 0));
	/* invalid UTF-8 and unsafe characters: kept as pt_json_str writes them */
	do_exec(f, 13, 1003, S("a\xff\xc3\xa9\xe2\x80\xa8z\0"), 0);
	resolve(f, 0, NULL, 0, 13, 1003ull, 0);
	assert_true(json_kept_ok(f, 0));

	/* whoever points cmdline elsewhere gets that string, not the kept one */
	resolve(f, 0, NULL, 0, 11, 1001ull, 10, 1000ull, 0);
	f->ev.proctree[1].cmdline = "other";
	proctree_json(f, &b);
	assert_non_null(strstr(pt_buf_str(&b), "\"cmdline\":\"other\""));
	assert_null(strstr(pt_buf_str(&b), "bash"));
	pt_buf_free(&b);
}

/* The kept JSON lives as long as the event's cmdline does (ASan sees it). */
static void test_cmdline_json_survives(void **state)
{
	struct fx *f = *state;
	struct pt_buf b;

	new_cache(f, 2, 0, 0);
	do_exec(f, 90, 9000, S("ninety\0"), 0);
	do_exec(f, 91, 9001, S("ninety-one\0"), 0);
	resolve(f, 0, NULL, 0, 91, 9001ull, 90, 9000ull, 0);
	/* the next event's /proc fallback evicts both and exec replaces one */
	mkproc(f, 92, "p92", 'S', 1, USER_FLAGS, 9002, S("ninety-two\0"), 0, NOLOGIN);
	mkproc(f, 93, "p93", 'S', 1, USER_FLAGS, 9003, S("ninety-three\0"), 0, NOLOGIN);
	resolve(f, 0, NULL, 0, 91, 9001ull, 90, 9000ull, 92, 9002ull, 93, 9003ull, 0);
	assert_int_equal(stats(f).evictions, 2);
	do_exec(f, 93, 9003, S("changed\0"), 0);
	pt_proc_cache_expire(f->c, UINT64_MAX);
	assert_true(json_kept_ok(f, 0));
	assert_true(json_kept_ok(f, 1));
	assert_true(json_kept_ok(f, 2));
	assert_true(json_kept_ok(f, 3));
	pt_buf_init(&b);
	proctree_json(f, &b);
	assert_non_null(strstr(pt_buf_str(&b), "\"cmdline\":\"ninety-three\""));
	pt_buf_free(&b);
}

/* ---- PID reuse ---- */

static void test_pid_reuse(void **state)
{
	struct fx *f = *state;

	do_exec(f, 50, 5000, S("old\0"), 0);
	do_exit(f, 50, 5000, 1);
	do_exec(f, 50, 5100, S("new\0"), 0);
	assert_string_equal(cmd_of(f, 50, 5000), "old");
	assert_string_equal(cmd_of(f, 50, 5100), "new");
	assert_string_equal(cmd_of(f, 50, 5000), "old");

	/* /proc has pid 60, but a later process than the one in the snapshot */
	mkproc(f, 60, "imposter", 'S', 1, USER_FLAGS, 7000, S("imposter\0"), 0, NOLOGIN);
	assert_string_equal(cmd_of(f, 60, 6000), "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 60");
	assert_int_equal(stats(f).unresolved, 1);
	assert_int_equal(stats(f).proc_fallbacks, 0);
	/* asked again (now remembered as unresolvable): still no lending */
	assert_string_equal(cmd_of(f, 60, 6000), "");
	assert_int_equal(stats(f).unresolved, 2);

	/* the right one resolves from /proc once, then from the cache */
	assert_string_equal(cmd_of(f, 60, 7000), "imposter");
	assert_string_equal(f->ev.error, "");
	assert_int_equal(stats(f).proc_fallbacks, 1);
	rmproc(f, 60);
	assert_string_equal(cmd_of(f, 60, 7000), "imposter");
	assert_int_equal(stats(f).proc_fallbacks, 1);
}

/* ---- leaf argv ---- */

static void test_leaf_argv(void **state)
{
	struct fx *f = *state;

	do_exec(f, 70, 7000, S("cached\0"), 0);
	resolve(f, 0, S("leaf\0arg\0"), 70, 7000ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "leaf arg");
	resolve(f, PT_F_ARGV_TRUNCATED, S("leaf\0arg\0"), 70, 7000ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "cached");
	resolve(f, PT_F_ARGV_FAULT, S("leaf\0arg\0"), 70, 7000ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "cached");

	/* nothing better known: the truncated argv, marked */
	resolve(f, PT_F_ARGV_TRUNCATED, S("leaf\0ar"), 71, 7001ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "leaf ar...");
	assert_string_equal(f->ev.error, "");
	resolve(f, PT_F_ARGV_FAULT, S("leaf\0arg\0"), 72, 7002ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 72");

	/* the leaf's argv is the leaf's only */
	resolve(f, 0, S("leaf\0"), 70, 7000ull, 73, 7003ull, 0);
	assert_string_equal(f->ev.proctree[0].cmdline, "leaf");
	assert_string_equal(f->ev.proctree[1].cmdline, "");
	assert_string_equal(f->ev.error, "unresolved ancestor pid 73");
}

static void test_leaf_argv_full_buffer(void **state)
{
	struct fx *f = *state;
	char argv[PT_LEAF_ARGV_LEN];

	memset(argv, 'a', sizeof(argv));
	resolve(f, 0, argv, sizeof(argv), 74, 7004ull, 0);
	assert_int_equal(strlen(f->ev.proctree[0].cmdline), PT_LEAF_ARGV_LEN);
	resolve(f, PT_F_ARGV_TRUNCATED, argv, sizeof(argv), 74, 7004ull, 0);
	assert_int_equal(strlen(f->ev.proctree[0].cmdline), PT_LEAF_ARGV_LEN + 3);
}

/* ---- ancestry ---- */

static void test_truncated_ancestry(void **state)
{
	struct fx *f = *state;
	static union pt_ancestry_buf tb;
	struct pt_ancestry *tp = &tb.t;
#define t (*tp)
	uint32_t i;

	do_exec(f, 80, 8000, S("eighty\0"), 0);
	resolve(f, PT_F_TRUNCATED, NULL, 0, 80, 8000ull, 0);
	assert_string_equal(f->ev.error, "ancestry truncated at depth 1");
	resolve(f, PT_F_TRUNCATED, NULL, 0, 80, 8000ull, 81, 8001ull, 0);
	assert_string_equal(f->ev.error,
			    "unresolved ancestor pid 81; ancestry truncated at depth 2");

	/* a bogus depth is capped */
	memset(&tb, 0, sizeof(tb));
	t.depth = PT_MAX_DEPTH + 8;
	for (i = 0; i < PT_MAX_DEPTH; i++) {
		t.anc[i].tgid = 80;
		t.anc[i].start_ns = tick_ns(8000);
	}
	memset(&f->ev, 0, sizeof(f->ev));
	pt_proc_cache_resolve(f->c, &t, 0, &f->ev);
	assert_int_equal(f->ev.nproc, PT_MAX_DEPTH);
	assert_string_equal(f->ev.proctree[PT_MAX_DEPTH - 1].cmdline, "eighty");

	t.depth = 0;
	memset(&f->ev, 0, sizeof(f->ev));
	pt_proc_cache_resolve(f->c, &t, 0, &f->ev);
	assert_int_equal(f->ev.nproc, 0);
	assert_string_equal(f->ev.error, "empty ancestry");
#undef t
}

/* ---- user names ---- */

static void test_usernames(void **state)
{
	struct fx *f = *state;

	assert_string_equal(pt_username(f->c, 0), "root");
	assert_string_equal(pt_username(f->c, 1000), "alice");
	assert_string_equal(pt_username(f->c, 4242), "4242");
	assert_string_equal(pt_username(f->c, 4294967294u), "4294967294");

	write_passwd(f, "root:x:0:0:root:/root:/bin/sh\n"
			"carol:x:1000:1000::/home/carol:/bin/sh\n"
			"dave:x:4242:4242::/home/dave:/bin/sh\n");
	assert_string_equal(pt_username(f->c, 1000), "alice"); /* cached */
	pt_username_cache_drop(f->c);
	assert_string_equal(pt_username(f->c, 1000), "carol");
	assert_string_equal(pt_username(f->c, 4242), "dave");

	do_exec(f, 85, 8500, S("x\0"), 0);
	resolve(f, 0, NULL, 0, 85, 8500ull, 0);
	assert_string_equal(f->ev.proctree[0].username, "carol");
}

static void test_usernames_many(void **state)
{
	struct fx *f = *state;
	char want[16];
	uint32_t uid;

	/* long passwd lines need a grown buffer */
	char line[8192];
	int n = snprintf(line, sizeof(line), "eve:x:1234:1234:%03000d:/home/eve:/bin/sh\n", 0);

	write_file(f->passwd, line, (size_t)n);
	assert_string_equal(pt_username(f->c, 1234), "eve");
	/* more uids than the cache keeps: it starts over, names stay right */
	for (uid = 20000; uid < 20000 + 5000; uid++) {
		snprintf(want, sizeof(want), "%u", uid);
		assert_string_equal(pt_username(f->c, uid), want);
	}
	assert_string_equal(pt_username(f->c, 1234), "eve");
}

/*
 * Names in use stay cached however many other uids come and go: each uid
 * is looked up (getpwuid_r, here the file) once, the hot one only the first
 * time, although the cache holds PT_USERS_MAX per generation.
 */
static void test_usernames_generations(void **state)
{
	struct pt_users u;
	char want[16], path[128];
	uint32_t uid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/passwd2", ((struct fx *)*state)->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "hot:x:777:777::/:/bin/sh\n");
	fclose(f);
	assert_int_equal(pt_users_init(&u, path), 0);
	assert_string_equal(pt_users_get(&u, 777, true), "hot");
	for (uid = 30000; uid < 30000 + 3 * PT_USERS_MAX; uid++) {
		snprintf(want, sizeof(want), "%u", uid);
		assert_string_equal(pt_users_get(&u, uid, true), want);
		if (uid % 1000 == 0)
			assert_string_equal(pt_users_get(&u, 777, true), "hot");
	}
	assert_string_equal(pt_users_get(&u, 777, true), "hot");
	/* 1 hot + 3 * PT_USERS_MAX others, each looked up exactly once */
	assert_int_equal(u.lookups, 1 + 3 * PT_USERS_MAX);
	/* a recent uid is still cached */
	assert_string_equal(pt_users_get(&u, 30000 + 3 * PT_USERS_MAX - 100, true), "42188");
	assert_int_equal(u.lookups, 1 + 3 * PT_USERS_MAX);
	pt_users_free(&u);
}

/* ---- lost exec records ---- */

/*
 * A fork copies the parent's cmdline; if the child's exec record is lost
 * (ring buffer full) the snapshot's self_exec_id no longer matches and the
 * parent's cmdline must not be used: /proc (start time checked) or nothing.
 */
static void test_missed_exec(void **state)
{
	struct fx *f = *state;

	new_cache(f, 0, 64, 0);
	do_exec(f, 500, 10, S("bash\0-l\0"), 0);
	do_fork(f, 501, 20, 500, 10);
	/* same image as the parent: inherited cmdline is right */
	f->exec_id[501] = 0;
	assert_string_equal(cmd_of(f, 501, 20), "bash -l");
	/* the child exec'd, the record was lost, the process is gone */
	f->exec_id[501] = 1;
	assert_string_equal(cmd_of(f, 501, 20), "");
	assert_non_null(strstr(f->ev.error, "unresolved ancestor pid 501"));
	/* it is still alive: /proc with the matching start time has the truth */
	mkproc(f, 502, "curl", 'S', 500, USER_FLAGS, 30, S("curl\0-s\0example\0"), 0, NOLOGIN);
	do_fork(f, 502, 30, 500, 10);
	f->exec_id[502] = 1;
	assert_string_equal(cmd_of(f, 502, 30), "curl -s example");
	/* /proc shows the same pid and tick but another program: refused */
	mkproc(f, 503, "bash", 'S', 500, USER_FLAGS, 31, S("bash\0"), 0, NOLOGIN);
	do_fork(f, 503, 31, 500, 10);
	f->exec_id[503] = 1;
	strcpy(f->comm[503], "sh"); /* what the kernel saw at event time */
	assert_string_equal(cmd_of(f, 503, 31), "");
	assert_non_null(strstr(f->ev.error, "unresolved ancestor pid 503"));
	/* and a later exec record brings the cache up to date again */
	do_exec(f, 501, 20, S("true\0"), 0);
	f->exec_id[501] = 0;
	assert_string_equal(cmd_of(f, 501, 20), "true");
}

/* An entry from the /proc scan has no exec id: a changed comm marks it stale. */
static void test_scan_entry_stale_comm(void **state)
{
	struct fx *f = *state;

	new_cache(f, 0, 64, 0);
	mkproc(f, 600, "sleep", 'S', 1, USER_FLAGS, 40, S("sleep\0" "100\0"), 0, NOLOGIN);
	assert_int_equal(pt_proc_cache_scan(f->c), 0);
	rmproc(f, 600);
	assert_string_equal(cmd_of(f, 600, 40), "sleep 100");
	/* exec'd into something else while its exec record was lost */
	strcpy(f->comm[600], "nc");
	assert_string_equal(cmd_of(f, 600, 40), "");
	assert_non_null(strstr(f->ev.error, "unresolved ancestor pid 600"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_stat_comm),
		cmocka_unit_test(test_parse_stat_malformed),
		cmocka_unit_test(test_join_argv),
		cmocka_unit_test(test_ns_to_ticks),
		cmocka_unit_test_setup_teardown(test_new_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_procfs_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_empty_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_fork_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_falls_back_to_proc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_expire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eviction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_strings_survive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_json_survives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pid_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_entry_stale_comm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leaf_argv_full_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_ancestry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usernames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usernames_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usernames_generations, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The /proc parsers (src/core/procfs.c).  The first byte picks:
 *  0 pt_procfs_parse_stat on arbitrary bytes: on success pid, comm and
 *    state are what the text holds (comm between the first '(' and the last
 *    ')', cut to 15 bytes), and pt_proc_parse_stat agrees;
 *  1 a stat line as the kernel prints it, from fuzzed values (comm with any
 *    bytes, ')' and newlines included): parsed back exactly;
 *  2 pt_join_argv: the result is bounded, NUL-terminated, and is the argv
 *    with NULs as spaces, or its first bytes followed by the "..." marker;
 *  3 pt_procfs_read on a fake /proc/PID (stat, status, loginuid, cmdline
 *    from the input, any of them missing): the result is what the files
 *    hold, read by a reference parser here.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "procfs.h"

static void check_stat_text(const char *buf, size_t len, const struct pt_proc_stat *st)
{
	const char *lp = memchr(buf, '(', len), *rp = memrchr(buf, ')', len);
	uint64_t pid = 0;
	size_t n, i = 0, digits = 0;

	FZ_ASSERT(lp && rp && rp > lp, "parsed without (comm)");
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++, digits++) {
		FZ_ASSERT(pid <= UINT32_MAX, "a pid past 2^32 accepted");
		pid = pid * 10 + (uint64_t)(buf[i] - '0');
	}
	FZ_ASSERT(digits && pid == st->pid, "pid %u, the text says %" PRIu64, st->pid, pid);
	FZ_ASSERT(memchr(st->comm, '\0', sizeof(st->comm)), "comm unterminated");
	n = (size_t)(rp - lp - 1);
	if (n > PT_COMM_LEN - 1)
		n = PT_COMM_LEN - 1;
	FZ_ASSERT(strlen(st->comm) <= n && !memcmp(st->comm, lp + 1, strlen(st->comm)),
		  "comm '%s' is not what the text holds", st->comm);
	FZ_ASSERT(rp + 2 < buf + len && st->state == rp[2], "state '%c'", st->state);
}

static void fuzz_stat_raw(const uint8_t *data, size_t size)
{
	struct pt_proc_stat a, b;
	uint32_t flags = 0;
	int ra, rb;

	memset(&a, 0x55, sizeof(a));
	memset(&b, 0x55, sizeof(b));
	ra = pt_procfs_parse_stat((const char *)data, size, &a, &flags);
	rb = pt_proc_parse_stat((const char *)data, size, &b);
	FZ_ASSERT(ra == rb, "pt_procfs_parse_stat %d, pt_proc_parse_stat %d", ra, rb);
	FZ_ASSERT(ra == 0 || ra == -EINVAL, "unexpected error %d", ra);
	if (ra)
		return;
	check_stat_text((const char *)data, size, &a);
	FZ_ASSERT(a.pid == b.pid && a.ppid == b.ppid && a.state == b.state &&
		  a.starttime_ticks == b.starttime_ticks && !strcmp(a.comm, b.comm),
		  "the two parsers disagree");
}

static void fuzz_stat_line(struct fz *z)
{
	char line[2048], comm[PT_COMM_LEN];
	uint32_t pid = fz_u32(z), ppid = fz_u32(z), flags = fz_u32(z), gotflags = 0;
	uint64_t start = fz_u64(z);
	size_t n = (size_t)fz_range(z, 0, PT_COMM_LEN - 1), len, i;
	struct pt_proc_stat st;
	char state;
	int err, field;

	for (i = 0; i < n; i++) {
		comm[i] = (char)fz_u8(z);
		if (!comm[i])
			comm[i] = ')';
	}
	comm[n] = '\0';
	state = "RSDZTtXxKWPI"[fz_u8(z) % 12];
	len = (size_t)snprintf(line, sizeof(line), "%" PRIu32 " (%s) %c %" PRIu32, pid, comm, state,
			       ppid);
	for (field = 5; field <= 52; field++) {
		if (field == 9)
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %" PRIu32, flags);
		else if (field == 22)
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %" PRIu64, start);
		else /* some fields are signed (priority, nice, ...) */
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %" PRId64,
						(int64_t)fz_u64(z) >> (fz_u8(z) % 64));
	}
	if (fz_bool(z))
		line[len++] = '\n';
	err = pt_procfs_parse_stat(line, len, &st, &gotflags);
	FZ_ASSERT(err == 0, "a kernel stat line refused (%d): %.*s", err, (int)len, line);
	FZ_ASSERT(st.pid == pid && st.ppid == ppid && st.state == state &&
		  st.starttime_ticks == start && gotflags == flags && !strcmp(st.comm, comm),
		  "stat line parsed wrong: %.*s", (int)len, line);
}

/* pt_join_argv's contract, from procfs.h. */
static void fuzz_join(struct fz *z)
{
	size_t max = (size_t)fz_range(z, 0, 600), len, n, trimmed, i, dots;
	bool truncated = fz_bool(z);
	const uint8_t *argv = fz_bytes(z, 4096, &len);
	char *out = malloc(max ? max : 1);

	FZ_ASSERT(out, "out of memory");
	n = pt_join_argv((const char *)argv, len, out, max, truncated);
	if (!max) {
		FZ_ASSERT(n == 0, "%zu bytes into none", n);
		free(out);
		return;
	}
	FZ_ASSERT(n < max && out[n] == '\0' && strlen(out) == n, "length %zu, max %zu", n, max);
	trimmed = len;
	while (trimmed && !argv[trimmed - 1])
		trimmed--;
	if (!truncated && trimmed < max) {
		FZ_ASSERT(n == trimmed, "%zu bytes, want %zu", n, trimmed);
		dots = 0;
	} else {
		/* the argv's first bytes, then as much of "..." as fits */
		dots = max - 1 >= 3 ? 3 : max - 1;
		FZ_ASSERT(n >= dots && !memcmp(out + n - dots, "...", dots),
			  "a cut argv without its marker");
		FZ_ASSERT(n == (trimmed < max - 1 - dots ? trimmed : max - 1 - dots) + dots,
			  "cut to %zu bytes of %zu, max %zu", n, trimmed, max);
	}
	for (i = 0; i < n - dots; i++)
		FZ_ASSERT(out[i] == (argv[i] ? (char)argv[i] : ' '), "byte %zu changed", i);
	free(out);
}

/* ---- a fake /proc/PID ---- */

static int procfd = -1;
static char procdir[PATH_MAX];

static void put(const char *name, const uint8_t *data, size_t n, bool present)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/4242/%s", procdir, name);
	if (present)
		fz_write(path, data, n);
	else
		unlink(path);
}

/* The uid of a status file as read_ids must read it (the first 4096 bytes). */
static int ref_uid(const uint8_t *s, size_t n, uint32_t *uid)
{
	uint64_t v = 0;
	size_t i;

	if (n > 4096)
		n = 4096;
	for (i = 0; i < n; i++)
		if ((i == 0 || s[i - 1] == '\n') && n - i > 4 && !memcmp(s + i, "Uid:", 4))
			break;
	if (i >= n)
		return -EINVAL;
	for (i += 4; i < n && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	if (i == n || s[i] < '0' || s[i] > '9')
		return -EINVAL;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - (s[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*uid = (uint32_t)v;
	return 0;
}

static uint32_t ref_loginuid(const uint8_t *s, size_t n, bool present)
{
	uint64_t v = 0;
	size_t i = 0;

	if (!present)
		return PT_LOGINUID_UNSET;
	if (n > 32)
		n = 32;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i] < '0' || s[i] > '9')
		return PT_LOGINUID_UNSET;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (UINT64_MAX - (s[i] - '0')) / 10)
			return PT_LOGINUID_UNSET;
		v = v * 10 + (s[i] - '0');
	}
	return v > UINT32_MAX ? PT_LOGINUID_UNSET : (uint32_t)v;
}

static void fuzz_read(struct fz *z)
{
	uint8_t have = fz_u8(z);
	unsigned int how = fz_u8(z) & 3;
	uint64_t expect = fz_u64(z) % 4 == 0 ? fz_u64(z) : 0;
	size_t max = (size_t)fz_range(z, 8, 512), nstat, nstatus, nlogin, ncmd;
	const uint8_t *stat = fz_bytes(z, 1500, &nstat);
	const uint8_t *status = fz_bytes(z, 5000, &nstatus);
	const uint8_t *login = fz_bytes(z, 40, &nlogin);
	const uint8_t *cmd = fz_bytes(z, 1024, &ncmd);
	struct pt_procfs_proc p;
	struct pt_proc_stat st;
	char *raw = malloc(max), *out = malloc(max), *want = malloc(max);
	uint32_t flags = 0, uid = 0;
	size_t wantlen;
	int err, serr;

	FZ_ASSERT(raw && out && want, "out of memory");
	put("stat", stat, nstat, !(have & 1));
	put("status", status, nstatus, !(have & 2));
	put("loginuid", login, nlogin, !(have & 4));
	put("cmdline", cmd, ncmd, !(have & 8));
	memset(&p, 0, sizeof(p));
	err = pt_procfs_read(procfd, 4242, how, expect, &p, raw, out, max);

	if (have & 1) {
		FZ_ASSERT(err == -ENOENT, "no stat file, yet %d", err);
		goto out;
	}
	serr = pt_procfs_parse_stat((const char *)stat, nstat < 1024 ? nstat : 1024, &st, &flags);
	if (serr) {
		FZ_ASSERT(err == serr, "stat refused (%d), yet %d", serr, err);
		goto out;
	}
	if ((how & PT_PROCFS_MATCH) && st.starttime_ticks != expect) {
		FZ_ASSERT(err == -ESRCH, "start time differs, yet %d", err);
		goto out;
	}
	if (how & PT_PROCFS_IDS) {
		if (have & 2) {
			FZ_ASSERT(err == -ENOENT, "no status file, yet %d", err);
			goto out;
		}
		if (ref_uid(status, nstatus, &uid)) {
			FZ_ASSERT(err == -EINVAL, "status without a Uid: line, yet %d", err);
			goto out;
		}
	}
	if (have & 8) {
		FZ_ASSERT(err == -ENOENT, "no cmdline file, yet %d", err);
		goto out;
	}
	FZ_ASSERT(err == 0, "pt_procfs_read: %d", err);
	FZ_ASSERT(p.st.pid == st.pid && p.st.ppid == st.ppid && p.flags == flags &&
		  p.st.starttime_ticks == st.starttime_ticks && !strcmp(p.st.comm, st.comm),
		  "stat read differs from stat parsed");
	if (how & PT_PROCFS_IDS) {
		FZ_ASSERT(p.uid == uid, "uid %u, status says %u", p.uid, uid);
		FZ_ASSERT(p.loginuid == ref_loginuid(login, nlogin, !(have & 4)),
			  "loginuid %u", p.loginuid);
	}
	if (!ncmd) {
		FZ_ASSERT(!out[0] && !p.cmdline_len, "an empty cmdline read as '%s'", out);
		FZ_ASSERT(p.cmdline_known == ((flags & PT_PF_KTHREAD) && st.state != 'Z'),
			  "empty cmdline known: %d", p.cmdline_known);
	} else {
		wantlen = pt_join_argv((const char *)cmd, ncmd < max ? ncmd : max, want, max,
				       ncmd > max);
		FZ_ASSERT(p.cmdline_known && p.cmdline_len == wantlen && !strcmp(out, want),
			  "cmdline '%s', want '%s'", out, want);
	}
out:
	free(raw);
	free(out);
	free(want);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[PATH_MAX];

	fz_path(procdir, sizeof(procdir), "proc");
	mkdir(procdir, 0755);
	snprintf(path, sizeof(path), "%s/4242", procdir);
	mkdir(path, 0755);
	procfd = pt_procfs_open(procdir);
	FZ_ASSERT(procfd >= 0, "pt_procfs_open: %d", procfd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };

	if (!size)
		return 0;
	switch (fz_u8(&z) % 4) {
	case 0:
		fuzz_stat_raw(z.p, z.n);
		break;
	case 1:
		fuzz_stat_line(&z);
		break;
	case 2:
		fuzz_join(&z);
		break;
	default:
		fuzz_read(&z);
		break;
	}
	return 0;
}

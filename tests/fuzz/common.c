// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the libFuzzer harnesses share (see fuzz.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuzz.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

bool fz_verbose;

__attribute__((constructor)) static void fz_init(void)
{
	fz_verbose = getenv("FUZZ_VERBOSE") != NULL;
}

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\n%s:%d: invariant violated: %s: ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* ---- pt_log without output: the messages are still formatted ---- */

static int log_verbose;

void pt_vlog(int level, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	FZ_ASSERT(n >= 0, "log message cannot be formatted: %s", fmt);
	if (fz_verbose)
		fprintf(stderr, "pidtree: <%d> %s\n", level, line);
}

void pt_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pt_vlog(level, fmt, ap);
	va_end(ap);
}

void pt_log_set_verbose(int verbose)
{
	log_verbose = verbose;
}

int pt_log_verbose(void)
{
	return log_verbose;
}

/* ---- input ---- */

uint8_t fz_u8(struct fz *z)
{
	uint8_t v;

	if (!z->n)
		return 0;
	v = z->p[0];
	z->p++;
	z->n--;
	return v;
}

uint16_t fz_u16(struct fz *z)
{
	return (uint16_t)(fz_u8(z) | fz_u8(z) << 8);
}

uint32_t fz_u32(struct fz *z)
{
	return (uint32_t)fz_u16(z) | (uint32_t)fz_u16(z) << 16;
}

uint64_t fz_u64(struct fz *z)
{
	return (uint64_t)fz_u32(z) | (uint64_t)fz_u32(z) << 32;
}

bool fz_bool(struct fz *z)
{
	return fz_u8(z) & 1;
}

uint64_t fz_range(struct fz *z, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo, v;

	if (!span)
		return lo;
	v = span < 256 ? fz_u8(z) : span < 65536 ? fz_u16(z) : span < (1ull << 32) ? fz_u32(z) :
								     fz_u64(z);
	return span == UINT64_MAX ? v : lo + v % (span + 1);
}

const uint8_t *fz_bytes(struct fz *z, size_t max, size_t *len)
{
	const uint8_t *p;
	size_t n = (size_t)fz_range(z, 0, max);

	if (n > z->n)
		n = z->n;
	p = z->p;
	z->p += n;
	z->n -= n;
	*len = n;
	return p;
}

/* ---- arena ---- */

static void *arena_keep(struct fz_arena *a, void *p)
{
	FZ_ASSERT(p, "out of memory");
	if (a->n == sizeof(a->v) / sizeof(a->v[0])) {
		free(p);
		return NULL;
	}
	a->v[a->n++] = p;
	return p;
}

char *fz_str(struct fz *z, struct fz_arena *a, size_t max)
{
	size_t n;
	const uint8_t *p = fz_bytes(z, max, &n);
	char *s = arena_keep(a, malloc(n + 1));

	if (!s)
		return (char *)"";
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

void fz_arena_free(struct fz_arena *a)
{
	while (a->n)
		free(a->v[--a->n]);
}

/* ---- events ---- */

static const struct pt_probe_info infos[] = {
	{ "tcp_connect", "dc4cef5a2d98417a9d22e6f2a455162d", PT_SHAPE_CONNECT },
	{ "net_listen", "8c7192b4f258416ab76370ba47c2c383", PT_SHAPE_LISTEN },
	{ "udp_session", "8f263f34531546fca7a8a14acae3bf87", PT_SHAPE_SESSION },
	{ "process", NULL, PT_SHAPE_PROCESS },
};

/* Plugin keys as plugins add them, and some that the event API must refuse. */
static const char *const keys[] = {
	"source_host", "loginuid", "loginname", "container_name", "snapshot", "a", "x_1",
	"cmdline", "user", "message", "event_json", "field_probe", "pid", "error", "proctree",
	"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrst", /* 56: the longest */
	"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstu", /* 57: refused */
	"Upper", "with space", "",
};

static void fz_addr(struct fz *z, char *out, size_t size, bool raw)
{
	uint8_t sel = fz_u8(z) % (raw ? 4 : 3), bin[16] = { 0 };
	const uint8_t *p;
	size_t n;

	switch (sel) {
	case 0:
		out[0] = '\0';
		break;
	case 1:
	case 2: /* IPv4, IPv6 (the bytes not given are zeros) */
		p = fz_bytes(z, 16, &n);
		memcpy(bin, p, n);
		pt_addr_to_str(sel == 1 ? AF_INET : AF_INET6, bin, out, size);
		break;
	default: /* not what inet_ntop writes: the writers must cope anyway */
		p = fz_bytes(z, size - 1, &n);
		memcpy(out, p, n);
		out[n] = '\0';
		break;
	}
}

/* A DNS name and CNAME chain for an address, or none (dns: daddr_name ...). */
static void fz_name(struct fz *z, struct fz_arena *a, struct pt_event_name *n)
{
	memset(n, 0, sizeof(*n));
	if (!fz_bool(z))
		return;
	n->name = fz_str(z, a, 256);
	n->ncnames = (size_t)fz_range(z, 0, PT_EVENT_CNAMES_MAX);
	for (size_t i = 0; i < n->ncnames; i++)
		n->cnames[i] = fz_str(z, a, 256);
}

void fz_event(struct fz *z, struct fz_arena *a, struct pt_event *ev, struct pt_udp_dest *dests,
	      size_t maxdests, bool raw_addrs)
{
	uint8_t sel = fz_u8(z);
	size_t i, n;

	memset(ev, 0, sizeof(*ev));
	pt_event_reset(ev);
	ev->probe = sel % 5 < 4 ? &infos[sel % 5] : NULL;
	/* ns since the epoch in 64 bits: up to 2262 */
	ev->ts_us = fz_u64(z) % (INT64_MAX / 1000);
	ev->pid = fz_u32(z);
	ev->nproc = (size_t)fz_range(z, 0, PT_MAX_DEPTH);
	for (i = 0; i < ev->nproc; i++) {
		struct pt_event_proc *p = &ev->proctree[i];

		p->pid = fz_u32(z);
		p->ppid = fz_u32(z);
		p->uid = fz_u32(z);
		p->loginuid = fz_u32(z);
		p->start_ns = fz_u64(z);
		p->cmdline = fz_str(z, a, i ? 512 : 8192);
		p->username = fz_str(z, a, 64);
		p->loginname = fz_bool(z) ? fz_str(z, a, 64) : NULL;
	}
	fz_addr(z, ev->daddr, sizeof(ev->daddr), raw_addrs);
	fz_addr(z, ev->saddr, sizeof(ev->saddr), raw_addrs);
	fz_addr(z, ev->laddr, sizeof(ev->laddr), raw_addrs);
	ev->has_port = fz_bool(z);
	ev->port = fz_u16(z);
	sel = fz_u8(z);
	ev->protocol = sel % 3 == 0 ? NULL : sel % 3 == 1 ? "tcp" : "udp";
	n = (size_t)fz_range(z, 0, maxdests);
	for (i = 0; i < n; i++) {
		uint64_t bits = fz_u64(z);

		memset(&dests[i], 0, sizeof(dests[i]));
		fz_addr(z, dests[i].daddr, sizeof(dests[i].daddr), raw_addrs);
		dests[i].port = fz_u16(z);
		memcpy(&dests[i].duration, &bits, sizeof(bits)); /* NaN, inf, negative too */
		dests[i].msg_count = fz_u64(z);
	}
	ev->dests = n ? dests : NULL;
	ev->ndests = n;
	n = (size_t)fz_range(z, 0, 3);
	for (i = 0; i < n; i++)
		pt_event_add_error(ev, "%s", fz_str(z, a, 300));
	n = (size_t)fz_range(z, 0, PT_EVENT_MAX_FIELDS + 2);
	for (i = 0; i < n; i++) {
		const char *key;

		sel = fz_u8(z);
		key = sel < 0xc0 ? keys[sel % (sizeof(keys) / sizeof(keys[0]))] : fz_str(z, a, 64);
		switch (fz_u8(z) % 3) {
		case 0:
			pt_event_add_str(ev, key, fz_str(z, a, 1024));
			break;
		case 1:
			pt_event_add_int(ev, key, (int64_t)fz_u64(z));
			break;
		default:
			pt_event_add_bool(ev, key, fz_bool(z));
			break;
		}
	}
	/* drawn last, so that older corpus inputs keep their meaning above */
	fz_name(z, a, &ev->peer_name);
	for (i = 0; i < ev->ndests; i++)
		fz_name(z, a, &dests[i].name);
	if (fz_bool(z)) {
		static struct pt_event_container c;

		c.id = fz_str(z, a, 80);
		c.name = fz_str(z, a, 256);
		c.image = fz_str(z, a, 256);
		c.runtime = fz_bool(z) ? "podman" : "docker";
		c.pod = fz_str(z, a, 256);
		c.pod_namespace = fz_str(z, a, 256);
		ev->container = &c;
	}
}

/* ---- checks ---- */

bool fz_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t k, j;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 4;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i < k)
			return false;
		for (j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k;
	}
	return true;
}

bool fz_has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* ---- files ---- */

static char tmpdir[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void tmpdir_remove(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0])
		return tmpdir;
	if (!base || !base[0])
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(tmpdir, sizeof(tmpdir), "%s/pidtree-fuzz-XXXXXX", base);
	FZ_ASSERT(mkdtemp(tmpdir), "cannot make a directory in %s: %s", base, strerror(errno));
	atexit(tmpdir_remove);
	return tmpdir;
}

const char *fz_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", fz_tmpdir(), name);
	return buf;
}

void fz_write(const char *path, const void *data, size_t n)
{
	const char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	FZ_ASSERT(fd >= 0, "cannot write %s: %s", path, strerror(errno));
	while (n) {
		ssize_t w = write(fd, p, n);

		FZ_ASSERT(w > 0, "cannot write %s: %s", path, strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	close(fd);
}

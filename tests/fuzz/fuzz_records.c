// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ring-buffer record path: arbitrary bytes as the records of the
 * shared ring buffer, dispatched as the daemon does (src/daemon/dispatch.c:
 * record type -> row of the probe table -> the probe's decode or handle),
 * then the ancestry resolved by the process cache (against a small fake
 * /proc and passwd file) and the event serialised.
 *
 * The input is a sequence of records, each: a selector byte, the record's
 * length and the number of its leading bytes given (16 bits each, little
 * endian), then those bytes; the rest of the record is zeros, so whole
 * records of a few KiB are cheap to reach.  A selector below 0xe0 overwrites
 * the type with a valid one; the others keep the bytes' own.
 * Selectors 0xf8-0xff instead expire the cache or take a /proc snapshot of
 * a fake process.
 *  - a record shorter than its type's struct, of an unknown type or of an
 *    unknown record index is refused (-EINVAL), anything else accepted;
 *  - every event: at most PT_MAX_DEPTH processes, each with a terminated
 *    cmdline shorter than the cache's cmdline_max (its JSON, when the
 *    cache kept one, that cmdline escaped) and a username, pid =
 *    the leaf's pid, addresses in their text form, a terminated error,
 *    and its JSON valid;
 *  - the cache never holds more than max_entries processes.
 *
 * udp_session keeps its sessions in state its open() sets up next to the
 * BPF object: its file is included here to set that state up the same way
 * without the kernel (and without its tick, which reads the kernel map).
 */
#include "udp_session.c"

#include <arpa/inet.h>
#include <limits.h>
#include <sys/stat.h>

#include "event_json.h"
#include "json.h"
#include "dns.h"
#include "fuzz.h"
#include "json_check.h"

extern const struct pt_probe_desc pt_process_probe; /* process.c */

#define FZ_REC_TYPES 256
#define FZ_ENTRIES 64
#define FZ_CMDLINE_MAX 256

static char proc_root[PATH_MAX], passwd[PATH_MAX];

struct fz_rows {
	const struct pt_probe_desc *desc[16];
	struct pt_obj_consts consts[16];
	struct pt_probe *probe[16];
	uint8_t rec_row[FZ_REC_TYPES];
	unsigned int nrows, ntypes;
};

struct fz_emit {
	struct pt_buf json;
	size_t events;
};

static void check_addr(const char *what, const char *a, size_t size)
{
	uint8_t bin[16];

	FZ_ASSERT(memchr(a, '\0', size), "%s unterminated", what);
	if (a[0])
		FZ_ASSERT(inet_pton(strchr(a, ':') ? AF_INET6 : AF_INET, a, bin) == 1,
			  "%s '%s' is not an address", what, a);
}

static void check_event(struct fz_emit *e, struct pt_event *ev)
{
	size_t i;

	FZ_ASSERT(ev->probe, "event without a probe");
	FZ_ASSERT(ev->nproc <= PT_MAX_DEPTH, "%zu processes", ev->nproc);
	for (i = 0; i < ev->nproc; i++) {
		const struct pt_event_proc *p = &ev->proctree[i];

		FZ_ASSERT(p->cmdline && p->username, "process %zu without cmdline or username", i);
		FZ_ASSERT(strlen(p->cmdline) < FZ_CMDLINE_MAX, "cmdline of %zu bytes",
			  strlen(p->cmdline));
		FZ_ASSERT(p->username[0], "empty username");
		if (p->cmdline_json && p->cmdline_json_of == p->cmdline) {
			/* the cache's JSON of it is the cmdline escaped, exactly */
			pt_buf_reset(&e->json);
			pt_json_strz(&e->json, p->cmdline);
			FZ_ASSERT(p->cmdline_json_len == e->json.len &&
				  !memcmp(p->cmdline_json, e->json.data, e->json.len) &&
				  !p->cmdline_json[p->cmdline_json_len],
				  "process %zu's kept JSON %.300s is not its cmdline's %.300s", i,
				  p->cmdline_json, pt_buf_str(&e->json));
		}
	}
	if (ev->probe->shape != PT_SHAPE_SESSION || ev->nproc)
		FZ_ASSERT(ev->pid == (ev->nproc ? ev->proctree[0].pid : 0), "pid %u, leaf %u",
			  ev->pid, ev->nproc ? ev->proctree[0].pid : 0);
	FZ_ASSERT(memchr(ev->error, '\0', sizeof(ev->error)), "error unterminated");
	if (!ev->nproc)
		FZ_ASSERT(ev->error[0], "no process and no error");
	check_addr("daddr", ev->daddr, sizeof(ev->daddr));
	check_addr("saddr", ev->saddr, sizeof(ev->saddr));
	check_addr("laddr", ev->laddr, sizeof(ev->laddr));
	FZ_ASSERT(ev->ndests <= PT_UDP_MAX_DESTS, "%zu destinations", ev->ndests);
	for (i = 0; i < ev->ndests; i++)
		check_addr("destination", ev->dests[i].daddr, sizeof(ev->dests[i].daddr));
	pt_buf_reset(&e->json);
	pt_json_event(&e->json, ev);
	FZ_ASSERT(!e->json.oom, "out of memory");
	FZ_ASSERT(json_valid(e->json.data, e->json.len), "event JSON invalid: %.300s",
		  pt_buf_str(&e->json));
	if (fz_verbose)
		fprintf(stderr, "event: %s\n", pt_buf_str(&e->json));
	e->events++;
}

static void on_emit(void *ctx, struct pt_event *ev)
{
	check_event(ctx, ev);
}

/* The rows as pt_daemon_probe_rows numbers them: type 0 is never valid. */
static void rows_open(struct fz_rows *r, size_t max_sessions)
{
	uint32_t rec = 1, loss = 0;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; pt_probe_table[i] && r->nrows < 16; i++) {
		const struct pt_probe_desc *d = pt_probe_table[i];
		struct pt_obj_consts *c = &r->consts[r->nrows];
		struct pt_probe *p;

		c->rec_base = rec;
		c->loss_base = loss;
		c->max_depth = PT_MAX_DEPTH;
		for (unsigned int k = 0; k < d->nrecords; k++)
			r->rec_row[rec + k] = (uint8_t)(r->nrows + 1);
		rec += d->nrecords;
		loss += d->nlosses;
		p = pt_probe_new(d, c, NULL);
		FZ_ASSERT(p, "out of memory");
		if (d == &pt_udp_session_probe) {
			/* what udp_open() sets before it opens the BPF object */
			struct udp_state *u = p->priv;

			u->info = &p->desc->info;
			u->evicted = &p->user_lost[0];
			u->max_idle_ns = 120ull * 1000000000ull;
			u->max_sessions = max_sessions;
			u->map_fd = -1;
		}
		r->desc[r->nrows] = d;
		r->probe[r->nrows++] = p;
	}
	r->ntypes = rec;
}

static void rows_close(struct fz_rows *r)
{
	for (unsigned int i = 0; i < r->nrows; i++)
		pt_probe_destroy(r->probe[i]);
}

/* Whether a well-formed tree ends the record (the network records' rule). */
#define TREE_OK(type, data, len)                                                              \
	((len) >= sizeof(type) &&                                                              \
	 pt_ancestry_ok(&((const type *)(data))->tree, PT_TREE_AVAIL((const type *)(data), len)))

/* Whether an exit batch is whole: count 1..PT_EXIT_BATCH, each exit in its place. */
static bool exits_ok(const void *data, size_t len)
{
	const struct pt_exit_batch *b = data;

	if (len < sizeof(*b) || b->count < 1 || b->count > PT_EXIT_BATCH || b->last < b->count)
		return false;
	for (uint64_t k = 0; k < b->count; k++)
		if (b->e[(b->last - k) % PT_EXIT_BATCH].seq != b->last - k)
			return false;
	return true;
}

/* Whether record rec of desc, len bytes at data, is one the probe accepts. */
static bool record_ok(const struct pt_probe_desc *d, unsigned int rec, const void *data,
		      size_t len)
{
	if (d == &pt_process_probe) {
		const struct pt_exec_record *x = data;

		if (rec == PT_PROC_REC_EXEC)
			return len >= sizeof(*x) && x->argv_len <= PT_EXEC_ARGV_LEN &&
			       len >= sizeof(*x) + x->argv_len;
		if (rec == PT_PROC_REC_FORK)
			return len >= sizeof(struct pt_fork_record);
		return exits_ok(data, len);
	}
	if (!strcmp(d->info.name, "dns")) { /* an answer: its header, then cap_len bytes */
		const struct pt_dns_record *a = data;
		size_t hdr = offsetof(struct pt_dns_record, payload);

		return rec == PT_DNS_REC_ANSWER && len >= hdr && a->cap_len <= PT_DNS_CAP &&
		       a->cap_len <= len - hdr && a->cap_len <= a->msg_len;
	}
	if (d == &pt_udp_session_probe)
		return rec == PT_UDP_REC_START ? TREE_OK(struct pt_udp_start_record, data, len) :
						 len >= sizeof(struct pt_udp_end_record);
	return TREE_OK(struct pt_conn_record, data, len); /* the other probes' one record */
}

/* pt_daemon_on_record, with the refusals checked. */
static void dispatch(struct fz_rows *r, struct pt_emitter *em, struct pt_event *ev,
		     const void *data, size_t len)
{
	const struct pt_record_hdr *hdr = data;
	const struct pt_ancestry *tree = NULL;
	const struct pt_probe_desc *d;
	unsigned int row, rec;
	int err;

	if (len < sizeof(*hdr) || hdr->type >= FZ_REC_TYPES || !r->rec_row[hdr->type])
		return; /* the daemon counts it as malformed */
	row = r->rec_row[hdr->type] - 1u;
	d = r->desc[row];
	rec = hdr->type - r->consts[row].rec_base;
	FZ_ASSERT(rec < d->nrecords, "record index %u of %u", rec, d->nrecords);
	if (d->handle) {
		err = d->handle(r->probe[row], rec, data, len, em);
		FZ_ASSERT(err == 0 || err == -EINVAL, "%s: handle: %d", d->info.name, err);
		FZ_ASSERT(!err == record_ok(d, rec, data, len), "%s: record %u of %zu bytes %s",
			  d->info.name, rec, len, err ? "refused" : "accepted");
		return;
	}
	pt_event_reset(ev);
	ev->probe = &d->info;
	err = d->decode(rec, data, len, ev, &tree);
	FZ_ASSERT(err == 0 || err == -EINVAL, "%s: decode: %d", d->info.name, err);
	FZ_ASSERT(!err == record_ok(d, rec, data, len), "%s: record of %zu bytes %s", d->info.name,
		  len, err ? "refused" : "accepted");
	if (err)
		return;
	FZ_ASSERT(tree && (const char *)tree >= (const char *)data &&
		  pt_ancestry_ok(tree, (size_t)((const char *)data + len - (const char *)tree)),
		  "%s: ancestry outside the record", d->info.name);
	pt_proc_cache_resolve(em->cache, tree, hdr->flags, ev);
	ev->ts_us = pt_boot_ns_to_real_us(hdr->ts_ns, em->boot_to_real_ns);
	{
		/* the wall clock, before 1970 as 1970, past 2^64 ns saturated */
		__int128 real = (__int128)hdr->ts_ns + em->boot_to_real_ns;
		uint64_t want = real < 0 ? 0 : real > (__int128)UINT64_MAX ? UINT64_MAX / 1000 :
					     (uint64_t)real / 1000;

		FZ_ASSERT(ev->ts_us == want, "timestamp %llu us, want %llu",
			  (unsigned long long)ev->ts_us, (unsigned long long)want);
	}
	check_event(em->ctx, ev);
}

static void snapshot(struct fz_emit *e, struct pt_proc_cache *c, struct pt_event *ev,
		     const struct pt_probe_desc *d, uint32_t pid, uint32_t depth)
{
	union pt_ancestry_buf *buf = calloc(1, sizeof(*buf));
	struct pt_ancestry *tree = buf ? &buf->t : NULL;
	uint32_t flags;
	int err;

	FZ_ASSERT(tree, "out of memory");
	err = pt_proc_cache_snapshot_ancestry(c, pid, depth, tree, &flags);
	if (!err) {
		FZ_ASSERT(tree->depth <= depth && tree->depth <= PT_MAX_DEPTH &&
			  (tree->depth >= 1 || !depth), "depth %u of at most %u", tree->depth, depth);
		pt_event_reset(ev);
		ev->probe = &d->info;
		pt_proc_cache_resolve(c, tree, flags, ev);
		check_event(e, ev);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };
	struct pt_proc_cache_opts o = {
		.max_entries = FZ_ENTRIES,
		.cmdline_max = FZ_CMDLINE_MAX,
		.exit_grace_ns = 1000000000ull,
		.proc_root = proc_root,
		.passwd_file = passwd,
	};
	struct fz_emit e = { .events = 0 };
	struct pt_proc_cache_stats st;
	struct pt_proc_cache *c;
	struct pt_emitter em;
	struct pt_event *ev = calloc(1, sizeof(*ev));
	struct fz_rows r;
	uint64_t now = 0;
	int err;

	FZ_ASSERT(ev, "out of memory");
	err = pt_proc_cache_new(&c, &o);
	FZ_ASSERT(err == 0, "pt_proc_cache_new: %d", err);
	if (fz_bool(&z))
		FZ_ASSERT(pt_proc_cache_scan(c) == 0, "scan of the fake /proc failed");
	rows_open(&r, (size_t)fz_range(&z, 1, 6));
	pt_buf_init(&e.json);
	em = (struct pt_emitter){ .cache = c, .emit = on_emit, .ctx = &e,
				  .boot_to_real_ns = (int64_t)fz_u64(&z) };

	while (z.n) {
		uint8_t sel = fz_u8(&z);
		size_t len = fz_u16(&z), got;
		const uint8_t *p;
		uint8_t *rec;

		if (sel >= 0xf8) {
			static const uint32_t pids[] = { 1, 100, 200, 500, 4242 };

			if (sel & 1)
				snapshot(&e, c, ev, r.desc[0], pids[len % 5], (uint32_t)(len >> 8) % 40);
			else
				pt_proc_cache_expire(c, now += (uint64_t)len * 100000000ull);
			continue;
		}
		rec = malloc(len ? len : 1);
		FZ_ASSERT(rec, "out of memory");
		got = fz_u16(&z);
		if (got > len)
			got = len;
		if (got > z.n)
			got = z.n;
		p = z.p;
		z.p += got;
		z.n -= got;
		memcpy(rec, p, got);
		memset(rec + got, 0, len - got);
		if (sel < 0xe0 && len >= sizeof(uint32_t)) {
			uint32_t type = 1 + sel % (r.ntypes - 1);

			memcpy(rec, &type, sizeof(type));
		}
		dispatch(&r, &em, ev, rec, len);
		free(rec);
		pt_proc_cache_get_stats(c, &st);
		FZ_ASSERT(st.entries <= FZ_ENTRIES, "%zu entries in a cache of %d", st.entries,
			  FZ_ENTRIES);
	}

	rows_close(&r);
	pt_proc_cache_free(c);
	pt_buf_free(&e.json);
	free(ev);
	return 0;
}

/* ---- the fake /proc and passwd ---- */

static void proc_file(const char *pid, const char *name, const char *text, size_t n)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", proc_root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", proc_root, pid, name);
	fz_write(path, text, n);
}

#define PROC_FILE(pid, name, lit) proc_file(pid, name, lit, sizeof(lit) - 1)

/* stat: fields 4 (ppid), 9 (flags) and 22 (starttime, ticks) matter */
#define STAT(pid, comm, state, ppid, flags, start)                                          \
	pid " (" comm ") " state " " ppid " 1 1 0 -1 " flags " 0 0 0 0 0 0 0 0 20 0 1 0 " start \
	" 10000 100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_path(proc_root, sizeof(proc_root), "proc");
	mkdir(proc_root, 0755);
	fz_path(passwd, sizeof(passwd), "passwd");
	PROC_FILE("1", "stat", STAT("1", "systemd", "S", "0", "4194560", "0"));
	PROC_FILE("1", "cmdline", "/sbin/init\0splash\0");
	PROC_FILE("1", "status", "Name:\tsystemd\nUid:\t0\t0\t0\t0\n");
	PROC_FILE("1", "loginuid", "4294967295");
	PROC_FILE("100", "stat", STAT("100", "s) h (x", "S", "1", "4194304", "5"));
	PROC_FILE("100", "cmdline", "-sh\0\xff\xfe\n\0");
	PROC_FILE("100", "status", "Name:\tsh\nUid:\t1000\t1000\t1000\t1000\n");
	PROC_FILE("100", "loginuid", "1000");
	PROC_FILE("200", "stat", STAT("200", "defunct", "Z", "100", "4194372", "7"));
	PROC_FILE("200", "cmdline", "");
	PROC_FILE("200", "status", "Name:\tdefunct\nUid:\t65534\n");
	PROC_FILE("500", "stat", STAT("500", "kworker/0:1", "I", "2", "69238880", "1"));
	PROC_FILE("500", "cmdline", "");
	PROC_FILE("500", "status", "Name:\tkworker/0:1\nUid:\t0\n");
	fz_write(passwd,
		 "root:x:0:0:root:/root:/bin/sh\n"
		 "user:x:1000:1000::/home/user:/bin/sh\n"
		 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
		 "odd\xff\x1b[31m:x:7:7::/:/bin/sh\n"
		 "broken line without fields\n",
		 strlen("root:x:0:0:root:/root:/bin/sh\n"
			"user:x:1000:1000::/home/user:/bin/sh\n"
			"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
			"odd\xff\x1b[31m:x:7:7::/:/bin/sh\n"
			"broken line without fields\n"));
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the libFuzzer harnesses share (common.c): failing with a message,
 * reading typed values from the fuzz input, building an event from it,
 * files in a private temporary directory, an independent UTF-8 validator,
 * and a silent pt_log (the harnesses link it instead of src/core/log.c, so
 * every message is still formatted, under ASan, but not printed).
 *
 * A harness asserts invariants with FZ_ASSERT: a violation prints the
 * reason and aborts, which libFuzzer reports as a crash and saves the input.
 */
#ifndef PIDTREE_FUZZ_H
#define PIDTREE_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));

#define FZ_ASSERT(cond, ...)                                                     \
	do {                                                                     \
		if (!(cond))                                                     \
			fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);         \
	} while (0)

/* ---- the input, read front to back; past its end every read gives 0 ---- */

struct fz {
	const uint8_t *p;
	size_t n;
};

uint8_t fz_u8(struct fz *z);
uint16_t fz_u16(struct fz *z);
uint32_t fz_u32(struct fz *z);
uint64_t fz_u64(struct fz *z);
bool fz_bool(struct fz *z);
/* A value in lo..hi (inclusive). */
uint64_t fz_range(struct fz *z, uint64_t lo, uint64_t hi);
/* Up to max bytes (length from the input); *len set; pointer into the input. */
const uint8_t *fz_bytes(struct fz *z, size_t max, size_t *len);

/* ---- per-input allocations, freed together ---- */

struct fz_arena {
	void *v[512];
	size_t n;
};

/* A NUL-terminated copy of up to max input bytes (NULs inside end it early). */
char *fz_str(struct fz *z, struct fz_arena *a, size_t max);
void fz_arena_free(struct fz_arena *a);

/*
 * An event from the input: any probe shape (or none), 0..PT_MAX_DEPTH
 * processes with arbitrary cmdline/username bytes, addresses in text form
 * (from binary addresses, as pt_addr_to_str writes them, or with raw_addrs
 * also arbitrary NUL-terminated bytes: beyond the events' contract, for the
 * writers that must not trust any field), a port,
 * udp destinations (into dests[0..maxdests)), an error and plugin fields
 * added through the event API, and a timestamp before year 2262 (what a
 * 64-bit ns clock can hold).
 */
void fz_event(struct fz *z, struct fz_arena *a, struct pt_event *ev, struct pt_udp_dest *dests,
	      size_t maxdests, bool raw_addrs);

/* ---- checks independent of src/core/utf8.c ---- */

/* s[0..n) is strictly valid UTF-8 (RFC 3629: no overlongs, surrogates, > U+10FFFF). */
bool fz_utf8_valid(const char *s, size_t n);
/* Any byte < 0x20 or 0x7f in s[0..n). */
bool fz_has_ctl(const char *s, size_t n);

/* ---- files ---- */

/* A private directory (mkdtemp under $TMPDIR, else /dev/shm, else /tmp), removed at exit. */
const char *fz_tmpdir(void);
/* dir/name into buf (PATH_MAX); the path is removed at exit (files and empty dirs). */
const char *fz_path(char *buf, size_t len, const char *name);
/* Write data to path (created or truncated). */
void fz_write(const char *path, const void *data, size_t n);

/* Verbose (FUZZ_VERBOSE=1 in the environment): pt_log prints. */
extern bool fz_verbose;

#endif

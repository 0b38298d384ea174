/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hosts(5) files -> address-to-name map, for the sourceipmap plugin.
 *
 * A hosts file holds one entry per line: an IPv4 or IPv6 address, then one
 * or more names, separated by blanks; "#" starts a comment that runs to the
 * end of the line; blank lines are ignored.  As in pidtree-bcc, an address
 * maps to ALL its names joined by one space ("10.0.0.1 web1.example web1"
 * gives "web1.example web1").  Malformed lines (no valid address, an address
 * without a name, a NUL byte) are skipped with a "file:line: ..." warning.
 *
 * Merging: files are merged in the order given and the LAST entry for an
 * address wins, within a file and across files (pidtree-bcc loads every file
 * into one dictionary, later ones overwriting earlier ones).  So a generated
 * mapping listed after /etc/hosts overrides it.
 *
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are the IPv4 address, in the
 * files and in lookups, as in the events (see pt_addr_to_str).
 *
 * The merged map is an open-addressing hash table: a lookup is O(1), does
 * not allocate and makes no system call.
 */
#ifndef PIDTREE_HOSTMAP_H
#define PIDTREE_HOSTMAP_H

#include <stddef.h>
#include <stdint.h>

/* The entries of one hosts file, in file order. */
struct pt_hostent {
	uint8_t family; /* AF_INET / AF_INET6 */
	uint8_t addr[16]; /* IPv4 in the first 4 bytes */
	uint32_t name;    /* offset of the NUL-terminated names in the table's text */
};

struct pt_hosttab {
	struct pt_hostent *v;
	size_t n, cap;
	char *text; /* names, NUL-terminated, back to back */
	size_t text_len, text_cap;
};

/* Called for each malformed line; file is the name given to the parser. */
typedef void (*pt_host_warn_fn)(void *ctx, const char *file, int line, const char *msg);

/*
 * Parse the text of a hosts file (len bytes, need not be NUL-terminated)
 * into tab (emptied first).  Malformed lines are reported to warn (may be
 * NULL) and skipped.  0 or -ENOMEM.
 */
int pt_hosts_parse(const char *buf, size_t len, const char *file, struct pt_hosttab *tab,
		   pt_host_warn_fn warn, void *ctx);
/*
 * Read and parse path.  -errno when it cannot be opened or read (tab is then
 * left as it was), -EFBIG over 64 MiB, -ENOMEM.  No trust check: files that
 * steer pidtree are opened with pt_trust_open() and read with
 * pt_hosts_read_fd().
 */
int pt_hosts_load(const char *path, struct pt_hosttab *tab, pt_host_warn_fn warn, void *ctx);
/* The same from an open descriptor (read to its end, not closed); path names it. */
int pt_hosts_read_fd(int fd, const char *path, struct pt_hosttab *tab, pt_host_warn_fn warn,
		     void *ctx);
void pt_hosttab_free(struct pt_hosttab *tab);

struct pt_hostslot;

struct pt_hostmap {
	struct pt_hostslot *slots; /* power-of-two size, load <= 1/2 */
	size_t cap, n;
};

/*
 * Build m from tabs[0..ntabs) (last wins).  The map points into the tables'
 * text: they must outlive it (or the next build).  0 or -ENOMEM (m is then
 * unchanged).
 */
int pt_hostmap_build(struct pt_hostmap *m, const struct pt_hosttab *const *tabs, size_t ntabs);
void pt_hostmap_free(struct pt_hostmap *m);

/* Names of an address (family AF_INET: 4 bytes, AF_INET6: 16), or NULL. */
const char *pt_hostmap_lookup_bin(const struct pt_hostmap *m, int family, const uint8_t *addr);
/* Names of an address in text form ("10.1.2.3", "fe80::1"), or NULL. */
const char *pt_hostmap_lookup(const struct pt_hostmap *m, const char *addr);

/*
 * Text address -> (family, 16 bytes), IPv4-mapped IPv6 folded to IPv4.
 * 0 or -EINVAL.
 */
int pt_host_addr_parse(const char *s, int *family, uint8_t addr[16]);

#endif

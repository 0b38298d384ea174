// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hosts(5) parser and the merged address -> names hash table (hostmap.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "hostmap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define PT_HOSTS_MAX_BYTES (64u << 20)

struct pt_hostslot {
	uint8_t family; /* 0: empty */
	uint8_t addr[16];
	const char *names;
};

/* ---- addresses ------------------------------------------------------------ */

int pt_host_addr_parse(const char *s, int *family, uint8_t addr[16])
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t buf[16];

	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, buf) == 1) {
		memcpy(addr, buf, 4);
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, buf) == 1) {
		if (!memcmp(buf, v4mapped, sizeof(v4mapped))) {
			memcpy(addr, buf + 12, 4);
			*family = AF_INET;
		} else {
			memcpy(addr, buf, 16);
			*family = AF_INET6;
		}
		return 0;
	}
	return -EINVAL;
}

/* ---- parsing ----------------------------------------------------------------- */

static void tab_clear(struct pt_hosttab *tab)
{
	tab->n = 0;
	tab->text_len = 0;
}

void pt_hosttab_free(struct pt_hosttab *tab)
{
	free(tab->v);
	free(tab->text);
	memset(tab, 0, sizeof(*tab));
}

static int text_reserve(struct pt_hosttab *tab, size_t more)
{
	size_t ncap;
	char *t;

	if (tab->text_len + more <= tab->text_cap)
		return 0;
	ncap = tab->text_cap ? tab->text_cap : 256;
	while (ncap < tab->text_len + more)
		ncap *= 2;
	t = realloc(tab->text, ncap);
	if (!t)
		return -ENOMEM;
	tab->text = t;
	tab->text_cap = ncap;
	return 0;
}

static int ent_add(struct pt_hosttab *tab, int family, const uint8_t *addr, uint32_t name)
{
	struct pt_hostent *e;

	if (tab->n == tab->cap) {
		size_t ncap = tab->cap ? tab->cap * 2 : 32;

		e = realloc(tab->v, ncap * sizeof(*e));
		if (!e)
			return -ENOMEM;
		tab->v = e;
		tab->cap = ncap;
	}
	e = &tab->v[tab->n++];
	e->family = (uint8_t)family;
	memcpy(e->addr, addr, 16);
	e->name = name;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void warnf(pt_host_warn_fn warn, void *ctx, const char *file, int line, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));
static void warnf(pt_host_warn_fn warn, void *ctx, const char *file, int line, const char *fmt,
		  ...)
{
	char msg[256];
	va_list ap;

	if (!warn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(ctx, file, line, msg);
}

/* One line (no '\n'), len bytes.  0 or -ENOMEM. */
static int parse_line(struct pt_hosttab *tab, const char *s, size_t len, const char *file,
		      int lineno, pt_host_warn_fn warn, void *ctx)
{
	const char *end, *p, *tok;
	char addrtxt[INET6_ADDRSTRLEN + 16];
	uint8_t addr[16];
	size_t toklen, start;
	bool first = true;
	int family;

	end = memchr(s, '#', len);
	if (!end)
		end = s + len;
	if (memchr(s, '\0', (size_t)(end - s))) {
		warnf(warn, ctx, file, lineno, "NUL byte in the line; line ignored");
		return 0;
	}
	p = s;
	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		return 0; /* blank or comment only */
	tok = p;
	while (p < end && !is_blank(*p))
		p++;
	toklen = (size_t)(p - tok);
	if (toklen >= sizeof(addrtxt)) {
		warnf(warn, ctx, file, lineno, "'%.40s...' is not an IPv4 or IPv6 address; line ignored",
		      tok);
		return 0;
	}
	memcpy(addrtxt, tok, toklen);
	addrtxt[toklen] = '\0';
	if (pt_host_addr_parse(addrtxt, &family, addr)) {
		warnf(warn, ctx, file, lineno, "'%s' is not an IPv4 or IPv6 address%s; line ignored",
		      addrtxt, strchr(addrtxt, '%') ? " (zone indexes are not supported)" : "");
		return 0;
	}
	/* names, joined by one space */
	start = tab->text_len;
	if (text_reserve(tab, (size_t)(end - p) + 1))
		return -ENOMEM;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		tok = p;
		while (p < end && !is_blank(*p))
			p++;
		if (!first)
			tab->text[tab->text_len++] = ' ';
		memcpy(tab->text + tab->text_len, tok, (size_t)(p - tok));
		tab->text_len += (size_t)(p - tok);
		first = false;
	}
	if (first) {
		warnf(warn, ctx, file, lineno, "address %s without a host name; line ignored",
		      addrtxt);
		return 0;
	}
	tab->text[tab->text_len++] = '\0';
	if (start > UINT32_MAX)
		return -ENOMEM;
	return ent_add(tab, family, addr, (uint32_t)start);
}

int pt_hosts_parse(const char *buf, size_t len, const char *file, struct pt_hosttab *tab,
		   pt_host_warn_fn warn, void *ctx)
{
	const char *p = buf, *end = buf + len, *nl;
	int lineno = 0, err;

	tab_clear(tab);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		lineno++;
		err = parse_line(tab, p, (size_t)(nl - p), file, lineno, warn, ctx);
		if (err)
			return err;
		p = nl + 1;
	}
	return 0;
}

int pt_hosts_read_fd(int fd, const char *path, struct pt_hosttab *tab, pt_host_warn_fn warn,
		     void *ctx)
{
	struct pt_hosttab tmp = { 0 };
	struct stat st;
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0;
	ssize_t r;
	int err = 0;

	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= PT_HOSTS_MAX_BYTES) {
				err = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				err = -ENOMEM;
				goto out;
			}
			buf = nbuf;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	err = pt_hosts_parse(buf ? buf : "", len, path, &tmp, warn, ctx);
	if (!err) {
		pt_hosttab_free(tab);
		*tab = tmp;
		memset(&tmp, 0, sizeof(tmp));
	}
out:
	pt_hosttab_free(&tmp);
	free(buf);
	return err;
}

int pt_hosts_load(const char *path, struct pt_hosttab *tab, pt_host_warn_fn warn, void *ctx)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = pt_hosts_read_fd(fd, path, tab, warn, ctx);
	close(fd);
	return err;
}

/* ---- the merged map ----------------------------------------------------------- */

static inline size_t addr_hash(int family, const uint8_t *addr, size_t cap)
{
	uint64_t a, b, h;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	h = (a ^ (b * 0x9e3779b97f4a7c15ull) ^ (uint64_t)family) * 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (size_t)h & (cap - 1);
}

static struct pt_hostslot *find_slot(struct pt_hostslot *slots, size_t cap, int family,
				     const uint8_t *addr)
{
	size_t i;

	for (i = addr_hash(family, addr, cap);; i = (i + 1) & (cap - 1)) {
		struct pt_hostslot *s = &slots[i];

		if (!s->family || (s->family == family && !memcmp(s->addr, addr, 16)))
			return s;
	}
}

int pt_hostmap_build(struct pt_hostmap *m, const struct pt_hosttab *const *tabs, size_t ntabs)
{
	struct pt_hostslot *slots, *s;
	size_t total = 0, cap = 16, i, j, n = 0;

	for (i = 0; i < ntabs; i++)
		if (tabs[i])
			total += tabs[i]->n;
	while (cap < total * 2)
		cap *= 2;
	slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < ntabs; i++) {
		const struct pt_hosttab *t = tabs[i];

		for (j = 0; t && j < t->n; j++) {
			const struct pt_hostent *e = &t->v[j];

			s = find_slot(slots, cap, e->family, e->addr);
			if (!s->family) {
				s->family = e->family;
				memcpy(s->addr, e->addr, 16);
				n++;
			}
			s->names = t->text + e->name; /* last wins */
		}
	}
	free(m->slots);
	m->slots = slots;
	m->cap = cap;
	m->n = n;
	return 0;
}

void pt_hostmap_free(struct pt_hostmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

const char *pt_hostmap_lookup_bin(const struct pt_hostmap *m, int family, const uint8_t *addr)
{
	uint8_t key[16] = { 0 };
	const struct pt_hostslot *s;

	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (!m->cap || (family != AF_INET && family != AF_INET6))
		return NULL;
	if (family == AF_INET6 && !memcmp(addr, v4mapped, sizeof(v4mapped))) {
		family = AF_INET;
		addr += 12;
	}
	memcpy(key, addr, family == AF_INET ? 4 : 16);
	s = find_slot(m->slots, m->cap, family, key);
	return s->family ? s->names : NULL;
}

const char *pt_hostmap_lookup(const struct pt_hostmap *m, const char *addr)
{
	uint8_t bin[16];
	int family;

	if (!addr || !addr[0] || pt_host_addr_parse(addr, &family, bin))
		return NULL;
	return pt_hostmap_lookup_bin(m, family, bin);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hosts(5) files (src/core/hostmap.c): the input is a hosts file.
 *  - pt_hosts_parse gives exactly the entries of a simple reference parser
 *    written here from hostmap.h's contract (comments, blanks, NUL lines,
 *    several names joined by one space, IPv4-mapped folded to IPv4);
 *  - every warning names the file and a line of it;
 *  - pt_hosts_load of the same bytes from a file gives the same entries;
 *  - the map built from the file and from its second half (last wins)
 *    answers every address, binary and text, as the reference does, and
 *    nothing for an address that is in neither.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"
#include "fuzz.h"
#include "hostmap.h"

struct ref {
	int family;
	uint8_t addr[16];
	char *names;
};

struct refs {
	struct ref *v;
	size_t n;
};

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void ref_parse(const char *buf, size_t len, struct refs *r)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	const char *p = buf, *end = buf + len;

	r->v = calloc(len / 2 + 1, sizeof(*r->v));
	r->n = 0;
	FZ_ASSERT(r->v, "out of memory");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le, *q, *t;
		char tok[128], *names;
		struct ref e = { 0 };
		uint8_t bin[16];
		size_t nn = 0;

		le = nl ? nl : end;
		q = memchr(p, '#', (size_t)(le - p));
		if (q)
			le = q;
		if (memchr(p, '\0', (size_t)(le - p)))
			goto next;
		for (q = p; q < le && blank(*q); q++)
			;
		for (t = q; q < le && !blank(*q); q++)
			;
		if (q == t || (size_t)(q - t) >= sizeof(tok))
			goto next;
		memcpy(tok, t, (size_t)(q - t));
		tok[q - t] = '\0';
		if (inet_pton(AF_INET, tok, bin) == 1) {
			e.family = AF_INET;
			memcpy(e.addr, bin, 4);
		} else if (inet_pton(AF_INET6, tok, bin) == 1) {
			if (!memcmp(bin, mapped, 12)) {
				e.family = AF_INET;
				memcpy(e.addr, bin + 12, 4);
			} else {
				e.family = AF_INET6;
				memcpy(e.addr, bin, 16);
			}
		} else {
			goto next;
		}
		names = malloc((size_t)(le - q) + 1);
		FZ_ASSERT(names, "out of memory");
		for (;;) {
			while (q < le && blank(*q))
				q++;
			if (q == le)
				break;
			if (nn)
				names[nn++] = ' ';
			while (q < le && !blank(*q))
				names[nn++] = *q++;
		}
		names[nn] = '\0';
		if (!nn) {
			free(names);
			goto next;
		}
		e.names = names;
		r->v[r->n++] = e;
next:
		if (!nl)
			break;
		p = nl + 1;
	}
}

static void ref_free(struct refs *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].names);
	free(r->v);
}

/* The names the merge of a then b gives for (family, addr), NULL if none. */
static const char *ref_lookup(const struct refs *a, const struct refs *b, int family,
			      const uint8_t *addr)
{
	const struct refs *rs[2] = { b, a };

	for (int k = 0; k < 2; k++)
		for (size_t i = rs[k]->n; i-- > 0;)
			if (rs[k]->v[i].family == family && !memcmp(rs[k]->v[i].addr, addr, 16))
				return rs[k]->v[i].names;
	return NULL;
}

struct warnctx {
	const char *file;
	int lines;
};

static void warn(void *ctx, const char *file, int line, const char *msg)
{
	struct warnctx *w = ctx;

	FZ_ASSERT(file && !strcmp(file, w->file), "warning for file '%s'", file ? file : "(null)");
	FZ_ASSERT(line >= 1 && line <= w->lines, "warning for line %d of %d", line, w->lines);
	FZ_ASSERT(msg && msg[0], "empty warning");
}

static int count_lines(const char *s, size_t n)
{
	int lines = n ? 1 : 0;

	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '\n')
			lines++;
	return lines;
}

static void same_entries(const struct pt_hosttab *tab, const struct refs *r, const char *what)
{
	FZ_ASSERT(tab->n == r->n, "%s: %zu entries, the reference %zu", what, tab->n, r->n);
	for (size_t i = 0; i < tab->n; i++) {
		const struct pt_hostent *e = &tab->v[i];
		const char *names;

		FZ_ASSERT(e->name < tab->text_len, "%s: entry %zu names out of the text", what, i);
		names = tab->text + e->name;
		FZ_ASSERT(memchr(names, '\0', tab->text_len - e->name), "%s: names unterminated",
			  what);
		FZ_ASSERT(e->family == r->v[i].family && !memcmp(e->addr, r->v[i].addr, 16),
			  "%s: entry %zu has another address", what, i);
		FZ_ASSERT(!strcmp(names, r->v[i].names), "%s: entry %zu: '%s', want '%s'", what, i,
			  names, r->v[i].names);
	}
}

static void check_lookup(const struct pt_hostmap *m, const struct refs *a, const struct refs *b,
			 int family, const uint8_t *addr)
{
	const char *want = ref_lookup(a, b, family, addr), *got;
	char text[INET6_ADDRSTRLEN], mapped[INET6_ADDRSTRLEN + 8];
	uint8_t m6[16] = { [10] = 0xff, [11] = 0xff };

	got = pt_hostmap_lookup_bin(m, family, addr);
	FZ_ASSERT((!got && !want) || (got && want && !strcmp(got, want)),
		  "lookup: '%s', want '%s'", got ? got : "(none)", want ? want : "(none)");
	pt_addr_to_str(family, addr, text, sizeof(text));
	got = pt_hostmap_lookup(m, text);
	FZ_ASSERT((!got && !want) || (got && want && !strcmp(got, want)),
		  "lookup of %s: '%s', want '%s'", text, got ? got : "(none)",
		  want ? want : "(none)");
	if (family == AF_INET) {
		memcpy(m6 + 12, addr, 4);
		got = pt_hostmap_lookup_bin(m, AF_INET6, m6);
		FZ_ASSERT((!got && !want) || (got && want && !strcmp(got, want)),
			  "lookup of ::ffff:%s differs from the IPv4 address", text);
		snprintf(mapped, sizeof(mapped), "::ffff:%s", text);
		got = pt_hostmap_lookup(m, mapped);
		FZ_ASSERT((!got && !want) || (got && want && !strcmp(got, want)),
			  "lookup of %s differs from the IPv4 address", mapped);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *half;
	struct pt_hosttab tab = { 0 }, tab2 = { 0 }, loaded = { 0 };
	const struct pt_hosttab *tabs[2] = { &tab, &tab2 };
	struct warnctx w = { "hosts", count_lines(buf, size) }, w2;
	struct refs r = { 0 }, r2 = { 0 }, none = { 0 };
	struct pt_hostmap m = { 0 };
	char path[PATH_MAX];
	size_t hlen, i;
	uint8_t probe[16] = { 0 };
	int err;

	err = pt_hosts_parse(buf, size, "hosts", &tab, warn, &w);
	FZ_ASSERT(err == 0, "pt_hosts_parse: %d", err);
	ref_parse(buf, size, &r);
	same_entries(&tab, &r, "parse");

	/* the second half, from the line after the middle byte */
	half = size ? memchr(buf + size / 2, '\n', size - size / 2) : NULL;
	half = half ? half + 1 : buf + size;
	hlen = (size_t)(buf + size - half);
	w2 = (struct warnctx){ "half", count_lines(half, hlen) };
	err = pt_hosts_parse(half, hlen, "half", &tab2, warn, &w2);
	FZ_ASSERT(err == 0, "pt_hosts_parse (half): %d", err);
	ref_parse(half, hlen, &r2);
	same_entries(&tab2, &r2, "parse (half)");

	err = pt_hostmap_build(&m, tabs, 2);
	FZ_ASSERT(err == 0, "pt_hostmap_build: %d", err);
	for (i = 0; i < r.n; i++)
		check_lookup(&m, &r, &r2, r.v[i].family, r.v[i].addr);
	/* an address made of the first bytes: usually absent */
	memcpy(probe, data, size < 16 ? size : 16);
	check_lookup(&m, &r, &r2, AF_INET6, probe);
	memset(probe + 4, 0, 12);
	check_lookup(&m, &r, &r2, AF_INET, probe);
	/* a map of the first table alone */
	err = pt_hostmap_build(&m, tabs, 1);
	FZ_ASSERT(err == 0, "pt_hostmap_build: %d", err);
	for (i = 0; i < r.n; i++)
		check_lookup(&m, &r, &none, r.v[i].family, r.v[i].addr);
	pt_hostmap_free(&m);

	fz_path(path, sizeof(path), "hosts");
	fz_write(path, data, size);
	w.file = path;
	err = pt_hosts_load(path, &loaded, warn, &w);
	FZ_ASSERT(err == 0, "pt_hosts_load: %d", err);
	same_entries(&loaded, &r, "load");

	pt_hosttab_free(&tab);
	pt_hosttab_free(&tab2);
	pt_hosttab_free(&loaded);
	ref_free(&r);
	ref_free(&r2);
	return 0;
}

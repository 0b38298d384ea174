/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "users.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define PT_PW_BUF_MAX (1u << 20)

struct pt_uname {
	uint32_t uid;
	char *name; /* NULL: empty slot */
};

int pt_users_init(struct pt_users *u, const char *passwd_file)
{
	memset(u, 0, sizeof(*u));
	if (passwd_file) {
		u->passwd_file = strdup(passwd_file);
		if (!u->passwd_file)
			return -ENOMEM;
	}
	return 0;
}

static int pw_from_file(FILE *f, uint32_t uid, struct passwd *pw, char *buf, size_t len,
			struct passwd **res)
{
	int err;

	while (!(err = fgetpwent_r(f, pw, buf, len, res)))
		if (pw->pw_uid == uid)
			return 0;
	*res = NULL;
	return err == ENOENT ? 0 : err;
}

/* malloc'd passwd name of uid; NULL when there is none (or on error). */
static char *pw_name(const struct pt_users *u, uint32_t uid)
{
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len = sz > 0 ? (size_t)sz : 1024;
	struct passwd pw, *res = NULL;
	char *buf = NULL, *nbuf, *name = NULL;
	FILE *f = NULL;
	int err;

	if (u->passwd_file) {
		f = fopen(u->passwd_file, "re");
		if (!f)
			return NULL;
	}
	for (;;) {
		nbuf = realloc(buf, len);
		if (!nbuf)
			goto out;
		buf = nbuf;
		if (f)
			err = pw_from_file(f, uid, &pw, buf, len, &res);
		else
			err = getpwuid_r(uid, &pw, buf, len, &res);
		if (err != ERANGE || len >= PT_PW_BUF_MAX)
			break;
		len *= 2;
		if (f)
			rewind(f);
	}
	if (!err && res)
		name = strdup(res->pw_name);
out:
	free(buf);
	if (f)
		fclose(f);
	return name;
}

static inline size_t uid_slot(uint32_t uid, size_t cap)
{
	return (size_t)(uid * 0x9e3779b1u) & (cap - 1);
}

static const char *gen_find(const struct pt_ugen *g, uint32_t uid)
{
	if (!g->cap)
		return NULL;
	for (size_t i = uid_slot(uid, g->cap); g->tab[i].name; i = (i + 1) & (g->cap - 1))
		if (g->tab[i].uid == uid)
			return g->tab[i].name;
	return NULL;
}

static int gen_grow(struct pt_ugen *g)
{
	size_t ncap = g->cap ? g->cap * 2 : 64, i, j;
	struct pt_uname *t = calloc(ncap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; i < g->cap; i++) {
		if (!g->tab[i].name)
			continue;
		for (j = uid_slot(g->tab[i].uid, ncap); t[j].name; j = (j + 1) & (ncap - 1))
			;
		t[j] = g->tab[i];
	}
	free(g->tab);
	g->tab = t;
	g->cap = ncap;
	return 0;
}

/* Add uid -> name (taking ownership); NULL when out of memory (name freed). */
static const char *gen_add(struct pt_ugen *g, uint32_t uid, char *name)
{
	size_t i;

	if ((g->n + 1) * 2 > g->cap && gen_grow(g)) {
		free(name);
		return NULL;
	}
	for (i = uid_slot(uid, g->cap); g->tab[i].name; i = (i + 1) & (g->cap - 1))
		;
	g->tab[i].uid = uid;
	g->tab[i].name = name;
	g->n++;
	return name;
}

static void gen_free(struct pt_ugen *g)
{
	for (size_t i = 0; i < g->cap; i++)
		free(g->tab[i].name);
	free(g->tab);
	memset(g, 0, sizeof(*g));
}

void pt_users_retire(struct pt_users *u)
{
	gen_free(&u->old);
	u->old = u->cur;
	memset(&u->cur, 0, sizeof(u->cur));
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* pw_name, timed: a slow name service is worth a log line (once a minute) */
static char *lookup(struct pt_users *u, uint32_t uid)
{
	uint64_t t0 = mono_ns(), t1;
	char *name = pw_name(u, uid);

	u->lookups++;
	t1 = mono_ns();
	if (t1 - t0 > PT_USERS_SLOW_MS * 1000000ull &&
	    (!u->slow_logged_ns || t1 - u->slow_logged_ns > 60 * 1000000000ull)) {
		pt_warn("looking up the user name of uid %u took %llu ms (a slow name service: "
			"sssd, LDAP?); the event loop waited for it", uid,
			(unsigned long long)((t1 - t0) / 1000000));
		u->slow_logged_ns = t1;
	}
	return name;
}

const char *pt_users_get(struct pt_users *u, uint32_t uid, bool may_retire)
{
	const char *old;
	char num[16], *name;
	bool known;

	name = (char *)gen_find(&u->cur, uid);
	if (name)
		return name;
	/* copied forward before a retirement can free it; the old copy stays valid */
	old = gen_find(&u->old, uid);
	known = old != NULL;
	name = known ? strdup(old) : NULL;
	if (may_retire && pt_users_full(u))
		pt_users_retire(u);
	if (!known) {
		name = lookup(u, uid);
		if (!name) {
			snprintf(num, sizeof(num), "%u", uid);
			name = strdup(num);
		}
	}
	if (!name)
		return "?";
	name = (char *)gen_add(&u->cur, uid, name);
	return name ? name : "?";
}

void pt_users_clear(struct pt_users *u)
{
	gen_free(&u->cur);
	gen_free(&u->old);
}

void pt_users_free(struct pt_users *u)
{
	pt_users_clear(u);
	free(u->passwd_file);
	u->passwd_file = NULL;
}

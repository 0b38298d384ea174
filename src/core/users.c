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
#include <unistd.h>

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

static int users_grow(struct pt_users *u)
{
	size_t ncap = u->cap ? u->cap * 2 : 64, i, j;
	struct pt_uname *t = calloc(ncap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (i = 0; i < u->cap; i++) {
		if (!u->tab[i].name)
			continue;
		for (j = uid_slot(u->tab[i].uid, ncap); t[j].name; j = (j + 1) & (ncap - 1))
			;
		t[j] = u->tab[i];
	}
	free(u->tab);
	u->tab = t;
	u->cap = ncap;
	return 0;
}

const char *pt_users_get(struct pt_users *u, uint32_t uid, bool may_clear)
{
	char num[16], *name;
	size_t i;

	if (u->cap) {
		for (i = uid_slot(uid, u->cap); u->tab[i].name; i = (i + 1) & (u->cap - 1))
			if (u->tab[i].uid == uid)
				return u->tab[i].name;
	}
	if (may_clear && pt_users_full(u))
		pt_users_clear(u);
	if ((u->n + 1) * 2 > u->cap && users_grow(u))
		return "?";
	name = pw_name(u, uid);
	if (!name) {
		snprintf(num, sizeof(num), "%u", uid);
		name = strdup(num);
		if (!name)
			return "?";
	}
	for (i = uid_slot(uid, u->cap); u->tab[i].name; i = (i + 1) & (u->cap - 1))
		;
	u->tab[i].uid = uid;
	u->tab[i].name = name;
	u->n++;
	return name;
}

void pt_users_clear(struct pt_users *u)
{
	size_t i;

	for (i = 0; i < u->cap; i++)
		free(u->tab[i].name);
	free(u->tab);
	u->tab = NULL;
	u->cap = 0;
	u->n = 0;
}

void pt_users_free(struct pt_users *u)
{
	pt_users_clear(u);
	free(u->passwd_file);
	u->passwd_file = NULL;
}

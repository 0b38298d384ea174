/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * uid -> user name cache behind pt_username() (proccache.c) and the
 * plugins.  Names come from getpwuid_r, or from a passwd-format file for the
 * tests; a uid without an entry is named by its decimal value (and that is
 * cached too).
 *
 * getpwuid_r may ask sssd or LDAP and block the event loop, so a name is
 * looked up once: the cache holds two generations of PT_USERS_MAX uids; when
 * the current one is full it becomes the old one (the one before is freed)
 * and a uid found in the old one is copied forward, so the uids in use stay
 * cached however many others come and go.  A lookup slower than
 * PT_USERS_SLOW_MS is logged (at most once a minute).  Returned strings stay
 * valid until the second generation change after them, or pt_users_clear().
 */
#ifndef PIDTREE_USERS_H
#define PIDTREE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_USERS_MAX 4096   /* uids per generation */
#define PT_USERS_SLOW_MS 100 /* a lookup that took longer is logged */

struct pt_uname;

struct pt_ugen {
	struct pt_uname *tab; /* open addressing, linear probing, load <= 1/2 */
	size_t cap, n;
};

struct pt_users {
	struct pt_ugen cur, old;
	char *passwd_file; /* NULL: getpwuid_r */
	uint64_t lookups;  /* getpwuid_r (or file) lookups made */
	uint64_t slow_logged_ns;
};

/* 0 or -ENOMEM.  passwd_file may be NULL. */
int pt_users_init(struct pt_users *u, const char *passwd_file);
/*
 * Name of uid, never NULL ("?" only when out of memory).  A full current
 * generation is retired first when may_retire is set (no name of the
 * generation before the old one is still in use).
 */
const char *pt_users_get(struct pt_users *u, uint32_t uid, bool may_retire);
static inline bool pt_users_full(const struct pt_users *u)
{
	return u->cur.n >= PT_USERS_MAX;
}
/* The current generation becomes the old one; the old one is freed. */
void pt_users_retire(struct pt_users *u);
/* Forget every name (SIGHUP: the passwd database may have changed). */
void pt_users_clear(struct pt_users *u);
void pt_users_free(struct pt_users *u);

#endif

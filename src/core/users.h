/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * uid -> user name cache behind pt_username() (proctree.c).  Internal.
 * Names come from getpwuid_r, or from a passwd-format file for the tests;
 * a uid without an entry is named by its decimal value.  Returned strings
 * stay valid until pt_users_clear()/pt_users_free().
 */
#ifndef PIDTREE_USERS_H
#define PIDTREE_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_USERS_MAX 4096 /* distinct uids remembered before starting over */

struct pt_uname;

struct pt_users {
	struct pt_uname *tab; /* open addressing, linear probing, load <= 1/2 */
	size_t cap, n;
	char *passwd_file; /* NULL: getpwuid_r */
};

/* 0 or -ENOMEM.  passwd_file may be NULL. */
int pt_users_init(struct pt_users *u, const char *passwd_file);
/*
 * Name of uid, never NULL ("?" only when out of memory).  A full cache is
 * cleared first when may_clear is set (no earlier name is still in use).
 */
const char *pt_users_get(struct pt_users *u, uint32_t uid, bool may_clear);
static inline bool pt_users_full(const struct pt_users *u)
{
	return u->n >= PT_USERS_MAX;
}
void pt_users_clear(struct pt_users *u);
void pt_users_free(struct pt_users *u);

#endif

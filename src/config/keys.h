/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Parsers for the values of configuration keys, shared by the loader, the
 * probes' own keys and plugins.  A problem is a diagnostic at the node's
 * file:line and the walk goes on, so one run reports everything wrong.
 */
#ifndef PIDTREE_KEYS_H
#define PIDTREE_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "pidtree.h"
#include "ytree.h"

/* Upper bound of every duration (seconds): keeps seconds * 1e9 in 64 bits. */
#define PT_SECONDS_MAX 2147483647L

#define PT_KEY_ERR(d, n, ...) pt_diag_add(d, PT_DIAG_ERROR, (n)->file, (n)->line, __VA_ARGS__)
#define PT_KEY_WARN(d, n, ...) pt_diag_add(d, PT_DIAG_WARNING, (n)->file, (n)->line, __VA_ARGS__)

/* "a scalar", "a list", "a mapping", "nothing": for messages. */
const char *pt_ynode_type_name(const struct pt_ynode *n);
/* null, or an empty list */
bool pt_ynode_empty(const struct pt_ynode *v);

/* true/false/yes/no/on/off, any case: 0 or -EINVAL. */
int pt_parse_bool(const char *s, bool *out);
/* Decimal integer with optional sign: -EINVAL on junk, -ERANGE on overflow. */
int pt_parse_decimal(const char *s, long long *out);
/* "80" or "30000-40000" (1 <= lo <= hi <= 65535): 0 or -EINVAL. */
int pt_parse_port_range(const char *s, struct pt_port_range *out);

/* A boolean key; *out is left alone on error. */
void pt_key_bool(struct pt_diags *d, const char *what, const struct pt_ynode *v, bool *out);
/* An integer in [min, PT_SECONDS_MAX]; *out is left alone on error. */
void pt_key_seconds(struct pt_diags *d, const char *what, const struct pt_ynode *v, long min,
		    long *out);
/* A list of ports / "lo-hi" ranges; *out is NULL when nothing valid.  0 or -ENOMEM. */
int pt_key_ports(struct pt_diags *d, const char *what, const struct pt_ynode *v,
		 struct pt_port_range **out, size_t *n);

#endif

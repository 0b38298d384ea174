/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers every layer may use. */
#ifndef PIDTREE_UTIL_H
#define PIDTREE_UTIL_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif

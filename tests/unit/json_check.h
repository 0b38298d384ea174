/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers shared by the JSON writer and event unit tests: a strict RFC 8259
 * validator, python3's decoder as a second opinion, temporary files.
 * Include after <cmocka.h> (write_tmp asserts).
 */
#ifndef PIDTREE_TEST_JSON_CHECK_H
#define PIDTREE_TEST_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8 */
#define FFFD "\xef\xbf\xbd"

/* s[0..n) is exactly one JSON value (RFC 8259), strictly valid UTF-8. */
bool json_valid(const char *s, size_t n);
/* Run a python3 script on the contents of path; its stdout into out; exit status or -1. */
int run_python(const char *script, const char *path, char *out, size_t outlen);
/* A new temporary file holding data[0..n); its path (malloc'd). */
char *write_tmp(const void *data, size_t n);

#endif

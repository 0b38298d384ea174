// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Helpers of the JSON and event unit tests (see json_check.h).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "json_check.h"

/*
 * A strict validating JSON checker (RFC 8259): one value, no trailing data,
 * strings without raw control characters and with strictly valid UTF-8.
 */
struct jp {
	const unsigned char *p, *end;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool jp_utf8(struct jp *j)
{
	unsigned char c = *j->p, lo = 0x80, hi = 0xbf;
	int need, i;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return false;
	}
	for (i = 1; i <= need; i++) {
		if (i >= j->end - j->p || j->p[i] < lo || j->p[i] > hi)
			return false;
		lo = 0x80;
		hi = 0xbf;
	}
	j->p += need + 1;
	return true;
}

static bool jp_string(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end) {
		unsigned char c = *j->p;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return false;
			if (*j->p == 'u') {
				int i;

				for (i = 1; i <= 4; i++)
					if (i >= j->end - j->p ||
					    !strchr("0123456789abcdefABCDEF", j->p[i]))
						return false;
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) && *j->p) {
				j->p++;
			} else {
				return false;
			}
		} else if (c >= 0x80) {
			if (!jp_utf8(j))
				return false;
		} else {
			j->p++;
		}
	}
	return false;
}

static bool jp_number(struct jp *j)
{
	const unsigned char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || *j->p < '0' || *j->p > '9')
		return false;
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return false;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return j->p > s;
}

static bool jp_value(struct jp *j, int depth);

static bool jp_container(struct jp *j, int depth, char close, bool object)
{
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		if (object) {
			jp_ws(j);
			if (!jp_string(j))
				return false;
			jp_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return false;
			j->p++;
		}
		if (!jp_value(j, depth + 1))
			return false;
		jp_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p != ',')
			return false;
		j->p++;
	}
}

static bool jp_value(struct jp *j, int depth)
{
	size_t left;

	if (depth > 32)
		return false;
	jp_ws(j);
	if (j->p >= j->end)
		return false;
	left = (size_t)(j->end - j->p);
	switch (*j->p) {
	case '{':
		return jp_container(j, depth, '}', true);
	case '[':
		return jp_container(j, depth, ']', false);
	case '"':
		return jp_string(j);
	case 't':
		if (left < 4 || memcmp(j->p, "true", 4))
			return false;
		j->p += 4;
		return true;
	case 'f':
		if (left < 5 || memcmp(j->p, "false", 5))
			return false;
		j->p += 5;
		return true;
	case 'n':
		if (left < 4 || memcmp(j->p, "null", 4))
			return false;
		j->p += 4;
		return true;
	default:
		return jp_number(j);
	}
}

bool json_valid(const char *s, size_t n)
{
	struct jp j = { (const unsigned char *)s, (const unsigned char *)s + n };

	if (!jp_value(&j, 0))
		return false;
	jp_ws(&j);
	return j.p == j.end;
}

/* Run a python3 script on the contents of path; its stdout into out. */
int run_python(const char *script, const char *path, char *out, size_t outlen)
{
	char cmd[4096];
	size_t n = 0;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "python3 -c '%s' < '%s' 2>&1", script, path);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < outlen && fgets(out + n, (int)(outlen - n), f))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(f);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

char *write_tmp(const void *data, size_t n)
{
	char *path = strdup("/tmp/pt-test-json-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
	return path;
}

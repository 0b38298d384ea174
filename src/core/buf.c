// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PT_BUF_MIN_CAP 512


void pt_buf_init(struct pt_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

void pt_buf_free(struct pt_buf *b)
{
	free(b->data);
	pt_buf_init(b);
}

void pt_buf_reset(struct pt_buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

__attribute__((noinline)) bool pt_buf_grow(struct pt_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > SIZE_MAX - 1 - b->len)
		goto fail;
	need = b->len + n + 1;
	cap = b->cap < PT_BUF_MIN_CAP ? PT_BUF_MIN_CAP : b->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		goto fail;
	b->data = p;
	b->cap = cap;
	return true;
fail:
	b->oom = true;
	return false;
}

void pt_buf_add(struct pt_buf *b, const char *s, size_t n)
{
	if (!n || !pt_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

void pt_buf_adds(struct pt_buf *b, const char *s)
{
	if (s)
		pt_buf_add(b, s, strlen(s));
}

void pt_buf_addc(struct pt_buf *b, char c)
{
	if (!pt_buf_reserve(b, 1))
		return;
	b->data[b->len++] = c;
}

void pt_buf_printf(struct pt_buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	size_t avail;
	int r;

	if (b->oom)
		return;
	avail = b->data ? b->cap - b->len : 0;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	r = vsnprintf(b->data ? b->data + b->len : NULL, avail, fmt, ap);
	if (r < 0)
		goto out;
	if ((size_t)r >= avail) {
		if (!pt_buf_reserve(b, (size_t)r))
			goto out;
		r = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
		if (r < 0)
			goto out;
	}
	b->len += (size_t)r;
out:
	va_end(ap2);
	va_end(ap);
	/* a failed vsnprintf may have scribbled past len: re-terminate */
	if (b->data)
		b->data[b->len] = '\0';
}

const char *pt_buf_str(struct pt_buf *b)
{
	if (!b->data)
		return "";
	b->data[b->len] = '\0';
	return b->data;
}

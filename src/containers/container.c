/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "container.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *pt_container_label(const struct pt_container *c, const char *key)
{
	size_t lo = 0, hi = c->labels.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(key, c->labels.v[mid].key);

		if (!r)
			return c->labels.v[mid].value;
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *pt_container_display_name(const struct pt_container *c)
{
	return c->name[0] ? c->name : c->pod;
}

void pt_labels_builder_init(struct pt_labels_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void pt_labels_builder_free(struct pt_labels_builder *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		free(b->v[i].key);
		free(b->v[i].value);
	}
	free(b->v);
	pt_labels_builder_init(b);
}

void pt_labels_builder_add(struct pt_labels_builder *b, const char *key, size_t klen,
			   const char *value, size_t vlen)
{
	char *k, *v;
	size_t i;

	if (!klen || klen > PT_LABEL_KEY_MAX || vlen > PT_LABEL_VALUE_MAX ||
	    memchr(key, '\0', klen) || memchr(value, '\0', vlen)) {
		b->dropped++;
		return;
	}
	/* a duplicate replaces the earlier pair (JSON: last one wins) */
	for (i = 0; i < b->n; i++) {
		if (strlen(b->v[i].key) == klen && !memcmp(b->v[i].key, key, klen)) {
			size_t old = strlen(b->v[i].value);

			if (b->bytes - old + vlen > PT_LABELS_BYTES_MAX) {
				b->dropped++;
				return;
			}
			v = strndup(value, vlen);
			if (!v) {
				b->oom = true;
				return;
			}
			free(b->v[i].value);
			b->v[i].value = v;
			b->bytes = b->bytes - old + vlen;
			return;
		}
	}
	if (b->n >= PT_LABELS_MAX || b->bytes + klen + vlen > PT_LABELS_BYTES_MAX) {
		b->dropped++;
		return;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		void *nv = reallocarray(b->v, cap, sizeof(*b->v));

		if (!nv) {
			b->oom = true;
			return;
		}
		b->v = nv;
		b->cap = cap;
	}
	k = strndup(key, klen);
	v = strndup(value, vlen);
	if (!k || !v) {
		free(k);
		free(v);
		b->oom = true;
		return;
	}
	b->v[b->n].key = k;
	b->v[b->n].value = v;
	b->n++;
	b->bytes += klen + vlen;
}

static int cmp_pair(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One block: n struct pt_label, then the strings. */
static int labels_alloc(struct pt_labels *out, size_t n, size_t bytes)
{
	out->v = NULL;
	out->n = 0;
	if (!n)
		return 0;
	out->v = malloc(n * sizeof(struct pt_label) + bytes + 2 * n);
	if (!out->v)
		return -ENOMEM;
	out->n = n;
	return 0;
}

int pt_labels_builder_finish(struct pt_labels_builder *b, struct pt_labels *out,
			     unsigned int *dropped)
{
	char *p;
	size_t i;
	int ret = -ENOMEM;

	if (dropped)
		*dropped = b->dropped;
	if (b->oom)
		goto out;
	qsort(b->v, b->n, sizeof(*b->v), cmp_pair);
	ret = labels_alloc(out, b->n, b->bytes);
	if (ret)
		goto out;
	p = (char *)(out->v + b->n);
	for (i = 0; i < b->n; i++) {
		size_t kl = strlen(b->v[i].key) + 1, vl = strlen(b->v[i].value) + 1;

		out->v[i].key = memcpy(p, b->v[i].key, kl);
		p += kl;
		out->v[i].value = memcpy(p, b->v[i].value, vl);
		p += vl;
	}
out:
	pt_labels_builder_free(b);
	return ret;
}

void pt_labels_free(struct pt_labels *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int pt_labels_copy(struct pt_labels *dst, const struct pt_labels *src)
{
	size_t i, bytes = 0;
	char *p;

	for (i = 0; i < src->n; i++)
		bytes += strlen(src->v[i].key) + strlen(src->v[i].value);
	if (labels_alloc(dst, src->n, bytes))
		return -ENOMEM;
	p = (char *)(dst->v + src->n);
	for (i = 0; i < src->n; i++) {
		size_t kl = strlen(src->v[i].key) + 1, vl = strlen(src->v[i].value) + 1;

		dst->v[i].key = memcpy(p, src->v[i].key, kl);
		p += kl;
		dst->v[i].value = memcpy(p, src->v[i].value, vl);
		p += vl;
	}
	return 0;
}

bool pt_labels_equal(const struct pt_labels *a, const struct pt_labels *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, b->v[i].key) || strcmp(a->v[i].value, b->v[i].value))
			return false;
	return true;
}

void pt_container_clear(struct pt_container *c)
{
	pt_labels_free(&c->labels);
	memset(c, 0, sizeof(*c));
	c->runtime = "";
}

bool pt_container_strcpy(char *dst, size_t size, const char *s, size_t n)
{
	const char *nul = memchr(s, '\0', n);
	bool whole = true;

	if (nul) {
		n = nul - s;
		whole = false;
	}
	if (n >= size) {
		n = size - 1;
		/* do not end inside a multibyte sequence: back off continuation
		 * bytes, then the lead byte they belong to */
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		whole = false;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return whole;
}

bool pt_container_id_is_hex64(const char *s, size_t n)
{
	size_t i;

	if (n != 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool pt_container_id_valid(const char *s, size_t n)
{
	size_t i;

	if (!n || n > 76 || !alnum(s[0]) || !alnum(s[n - 1]))
		return false;
	for (i = 1; i < n; i++) {
		if (alnum(s[i]))
			continue;
		if ((s[i] != '.' && s[i] != '_' && s[i] != '-') || !alnum(s[i - 1]))
			return false;
	}
	return true;
}

uint64_t pt_containers_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

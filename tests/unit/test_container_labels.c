// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of src/containers/labels.c: container_labels patterns (glob,
 * AND within an entry, OR across entries, missing labels) and the
 * validation of bad patterns with file:line diagnostics.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "labels.h"

/* A container with labels "k=v" given as a NULL-terminated list. */
static void make(struct pt_container *c, const char *const *kv)
{
	struct pt_labels_builder b;

	memset(c, 0, sizeof(*c));
	c->runtime = "";
	strcpy(c->id, "0000000000000000000000000000000000000000000000000000000000000001");
	pt_labels_builder_init(&b);
	for (; kv && *kv; kv++) {
		const char *eq = strchr(*kv, '=');

		pt_labels_builder_add(&b, *kv, eq - *kv, eq + 1, strlen(eq + 1));
	}
	assert_int_equal(pt_labels_builder_finish(&b, &c->labels, NULL), 0);
}

/* Does a filter of these entries match a container with these labels? */
static bool matches(const char *const *entries, const char *const *kv)
{
	struct pt_label_filter f;
	struct pt_diags d = { 0 };
	struct pt_container c;
	bool r;

	pt_label_filter_init(&f);
	for (; *entries; entries++)
		assert_int_equal(pt_label_filter_add(&f, *entries, "t.yml", 1, &d), 0);
	assert_int_equal(d.nerrors, 0);
	make(&c, kv);
	r = pt_labels_match(&f, &c);
	pt_container_clear(&c);
	pt_label_filter_free(&f);
	pt_diags_free(&d);
	return r;
}

#define E(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_glob(void **state)
{
	assert_true(matches(E("app=web"), E("app=web")));
	assert_false(matches(E("app=web"), E("app=web2")));
	assert_true(matches(E("app=web*"), E("app=web-7d9f")));
	assert_false(matches(E("app=web*"), E("app=api")));
	assert_true(matches(E("app=w?b"), E("app=wib")));
	assert_false(matches(E("app=w?b"), E("app=wb")));
	assert_true(matches(E("app=[a-c]pi"), E("app=bpi")));
	assert_false(matches(E("app=[!a-c]pi"), E("app=bpi")));
	assert_true(matches(E("app=[]x]"), E("app=]")));
	/* '*' crosses '/' and leading dots, as Python's fnmatch */
	assert_true(matches(E("image=*/busybox*"), E("image=registry.local/lib/busybox:1")));
	assert_true(matches(E("app=*"), E("app=.hidden")));
	/* no escapes: a backslash is itself */
	assert_true(matches(E("path=a\\b"), E("path=a\\b")));
	assert_false(matches(E("path=a\\*"), E("path=a*x")));
	assert_true(matches(E("path=a\\*"), E("path=a\\zzz")));
	/* '=' in the glob belongs to it: the first '=' splits */
	assert_true(matches(E("expr=a=b"), E("expr=a=b")));
	/* case matters */
	assert_false(matches(E("app=Web"), E("app=web")));
}

static void test_and_or(void **state)
{
	/* commas AND */
	assert_true(matches(E("app=web,tier=front"), E("app=web", "tier=front", "x=y")));
	assert_false(matches(E("app=web,tier=front"), E("app=web", "tier=back")));
	assert_false(matches(E("app=web,tier=front"), E("app=web")));
	/* entries OR */
	assert_true(matches(E("app=api", "app=web"), E("app=web")));
	assert_true(matches(E("app=api,tier=x", "team=core*"), E("team=core-net")));
	assert_false(matches(E("app=api", "team=x"), E("app=web", "team=y")));
	/* the same label twice in one entry: both must hold */
	assert_true(matches(E("app=w*,app=*b"), E("app=web")));
	assert_false(matches(E("app=w*,app=*x"), E("app=web")));
}

static void test_missing_label(void **state)
{
	/* the label must exist, even for '*' */
	assert_false(matches(E("app=*"), E("other=1")));
	assert_false(matches(E("app=*"), NULL));
	assert_true(matches(E("app=*"), E("app=")));
	/* an empty glob matches only an empty value */
	assert_true(matches(E("app="), E("app=")));
	assert_false(matches(E("app="), E("app=x")));
}

static void test_empty_filter(void **state)
{
	struct pt_label_filter f;
	struct pt_container c;

	pt_label_filter_init(&f);
	make(&c, E("app=web"));
	assert_false(pt_labels_match(&f, &c));
	pt_container_clear(&c);
}

/* The pattern is refused with one error at t.yml:7 whose text holds what. */
static void refused(const char *pattern, const char *what)
{
	struct pt_label_filter f;
	struct pt_diags d = { 0 };

	pt_label_filter_init(&f);
	assert_int_equal(pt_label_filter_add(&f, "app=ok", "t.yml", 3, &d), 0);
	assert_int_equal(pt_label_filter_add(&f, pattern, "t.yml", 7, &d), -EINVAL);
	assert_int_equal(f.n, 1); /* unchanged */
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].level, PT_DIAG_ERROR);
	assert_string_equal(d.v[0].file, "t.yml");
	assert_int_equal(d.v[0].line, 7);
	if (!strstr(d.v[0].msg, what))
		fail_msg("'%s': message '%s' lacks '%s'", pattern, d.v[0].msg, what);
	assert_non_null(strstr(d.v[0].msg, "container_labels"));
	pt_label_filter_free(&f);
	pt_diags_free(&d);
}

static void test_bad_patterns(void **state)
{
	char big[PT_LABEL_PATTERN_MAX + 8], key[PT_LABEL_KEY_MAX + 8], glob[PT_LABEL_VALUE_MAX + 8];
	char terms[40 * 4 + 1];
	int i;

	refused("", "empty pattern");
	refused("app", "has no '='");
	refused("app=web,tier", "'tier' has no '='");
	refused("=web", "empty label name");
	refused("app=web,", "empty term");
	refused(",app=web", "empty term");
	refused("app=a,,tier=b", "empty term");
	refused("app=[abc", "unterminated '['");
	refused("app=x[!", "unterminated '['");
	refused("app=web\tx", "control characters");
	refused("app=web\n", "control characters");

	memset(key, 'k', sizeof(key));
	key[PT_LABEL_KEY_MAX + 1] = '\0';
	snprintf(big, sizeof(big), "%s=x", key);
	refused(big, "label name of 257 bytes is too long");
	memset(glob, 'g', sizeof(glob));
	glob[PT_LABEL_VALUE_MAX + 1] = '\0';
	snprintf(big, sizeof(big), "k=%s", glob);
	refused(big, "glob of 1025 bytes is too long");
	memset(big, 'a', sizeof(big));
	big[PT_LABEL_PATTERN_MAX + 1] = '\0';
	refused(big, "too long");
	terms[0] = '\0';
	for (i = 0; i < 33; i++)
		strcat(terms, i ? ",a=b" : "a=b");
	refused(terms, "more than 32 terms");
}

static void test_limits_ok(void **state)
{
	char key[PT_LABEL_KEY_MAX + 3];
	struct pt_label_filter f;
	struct pt_diags d = { 0 };
	int i;

	/* exactly at the limits is fine */
	memset(key, 'k', PT_LABEL_KEY_MAX);
	strcpy(key + PT_LABEL_KEY_MAX, "=");
	pt_label_filter_init(&f);
	assert_int_equal(pt_label_filter_add(&f, key, NULL, 0, &d), 0);
	for (i = 1; i < PT_LABEL_FILTER_ENTRIES_MAX; i++)
		assert_int_equal(pt_label_filter_add(&f, "a=b", NULL, 0, &d), 0);
	assert_int_equal(pt_label_filter_add(&f, "a=b", "t.yml", 9, &d), -EINVAL);
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.v[0].msg, "more than 256 entries"));
	pt_label_filter_free(&f);
	pt_diags_free(&d);
}

static void test_blank_warning(void **state)
{
	struct pt_label_filter f;
	struct pt_diags d = { 0 };
	struct pt_container c;

	pt_label_filter_init(&f);
	assert_int_equal(pt_label_filter_add(&f, "app=web, tier=front", "t.yml", 4, &d), 0);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].level, PT_DIAG_WARNING);
	assert_int_equal(d.v[0].line, 4);
	assert_non_null(strstr(d.v[0].msg, "' tier'"));
	/* kept as written: pidtree-bcc's semantics */
	make(&c, E("app=web", "tier=front"));
	assert_false(pt_labels_match(&f, &c));
	pt_container_clear(&c);
	make(&c, E("app=web", " tier=front"));
	assert_true(pt_labels_match(&f, &c));
	pt_container_clear(&c);
	pt_label_filter_free(&f);
	pt_diags_free(&d);
}

static void test_copy(void **state)
{
	struct pt_label_filter f, g;
	struct pt_diags d = { 0 };
	struct pt_container c;

	pt_label_filter_init(&f);
	assert_int_equal(pt_label_filter_add(&f, "app=web,tier=f*", NULL, 0, &d), 0);
	assert_int_equal(pt_label_filter_add(&f, "team=x", NULL, 0, &d), 0);
	assert_int_equal(pt_label_filter_copy(&g, &f), 0);
	pt_label_filter_free(&f);
	make(&c, E("app=web", "tier=front"));
	assert_true(pt_labels_match(&g, &c));
	pt_container_clear(&c);
	make(&c, E("team=x"));
	assert_true(pt_labels_match(&g, &c));
	pt_container_clear(&c);
	pt_label_filter_free(&g);
	pt_diags_free(&d);
}

static void test_label_set(void **state)
{
	struct pt_labels_builder b;
	struct pt_labels l;
	struct pt_container c;
	char v[PT_LABEL_VALUE_MAX + 2];
	unsigned int dropped;
	int i;

	pt_labels_builder_init(&b);
	pt_labels_builder_add(&b, "b", 1, "2", 1);
	pt_labels_builder_add(&b, "a", 1, "1", 1);
	pt_labels_builder_add(&b, "b", 1, "3", 1); /* replaces */
	pt_labels_builder_add(&b, "", 0, "x", 1);  /* empty key: dropped */
	pt_labels_builder_add(&b, "n", 1, "a\0b", 3); /* NUL: dropped */
	memset(v, 'v', sizeof(v));
	pt_labels_builder_add(&b, "big", 3, v, PT_LABEL_VALUE_MAX + 1); /* dropped */
	pt_labels_builder_add(&b, "max", 3, v, PT_LABEL_VALUE_MAX);     /* kept */
	assert_int_equal(pt_labels_builder_finish(&b, &l, &dropped), 0);
	assert_int_equal(dropped, 3);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].key, "a");
	assert_string_equal(l.v[1].key, "b");
	assert_string_equal(l.v[1].value, "3");
	assert_string_equal(l.v[2].key, "max");
	memset(&c, 0, sizeof(c));
	c.labels = l;
	assert_string_equal(pt_container_label(&c, "b"), "3");
	assert_null(pt_container_label(&c, "c"));
	pt_container_clear(&c);

	/* count and total size limits */
	pt_labels_builder_init(&b);
	for (i = 0; i < PT_LABELS_MAX + 10; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		pt_labels_builder_add(&b, k, strlen(k), "v", 1);
	}
	assert_int_equal(pt_labels_builder_finish(&b, &l, &dropped), 0);
	assert_int_equal(l.n, PT_LABELS_MAX);
	assert_int_equal(dropped, 10);
	pt_labels_free(&l);
	pt_labels_builder_init(&b);
	for (i = 0; i < 40; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		pt_labels_builder_add(&b, k, strlen(k), v, PT_LABEL_VALUE_MAX);
	}
	assert_int_equal(pt_labels_builder_finish(&b, &l, &dropped), 0);
	assert_true(l.n < 40 && l.n >= 30);
	assert_int_equal(dropped, 40 - l.n);
	pt_labels_free(&l);
}

static void test_strcpy_utf8(void **state)
{
	char buf[6];

	/* "aé✓": 1 + 2 + 3 bytes; a 6-byte buffer holds 5: the check mark is cut whole */
	assert_false(pt_container_strcpy(buf, sizeof(buf), "a\xc3\xa9\xe2\x9c\x93", 6));
	assert_string_equal(buf, "a\xc3\xa9");
	assert_true(pt_container_strcpy(buf, sizeof(buf), "abc", 3));
	assert_false(pt_container_strcpy(buf, sizeof(buf), "ab\0cd", 5));
	assert_string_equal(buf, "ab");
	assert_true(pt_container_id_valid("containers-ctr1", 15));
	assert_true(pt_container_id_valid("a.b_c-d", 7));
	assert_false(pt_container_id_valid("a..b", 4));
	assert_false(pt_container_id_valid("-a", 2));
	assert_false(pt_container_id_valid("a/b", 3));
	assert_false(pt_container_id_valid("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_and_or),
		cmocka_unit_test(test_missing_label),
		cmocka_unit_test(test_empty_filter),
		cmocka_unit_test(test_bad_patterns),
		cmocka_unit_test(test_limits_ok),
		cmocka_unit_test(test_blank_warning),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_label_set),
		cmocka_unit_test(test_strcpy_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

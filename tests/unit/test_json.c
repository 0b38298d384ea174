// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the JSON writer (src/json.c): the buffer, string escaping
 * and UTF-8 handling (checked against python3's decoder), timestamps.
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

#include "json.h"
#include "json_check.h"
#include "utf8.h"

/* ---- helpers ------------------------------------------------------------ */

/* pt_json_str of n bytes, compared with the expected JSON literal. */
static void check_str(const char *in, size_t n, const char *want)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_string_equal(pt_buf_str(&b), want);
	assert_int_equal(b.len, strlen(want));
	pt_buf_free(&b);
}

#define CHECK(lit, want) check_str((lit), sizeof(lit) - 1, (want))

/* ---- pt_buf ------------------------------------------------------------- */

static void test_buf_basic(void **state)
{
	struct pt_buf b;
	char big[3000];

	pt_buf_init(&b);
	assert_string_equal(pt_buf_str(&b), "");
	pt_buf_adds(&b, "ab");
	pt_buf_addc(&b, 'c');
	pt_buf_add(&b, "dXX", 1);
	pt_buf_printf(&b, "-%d-%s", 42, "x");
	assert_string_equal(pt_buf_str(&b), "abcd-42-x");
	assert_int_equal(b.len, 9);

	/* printf larger than the free space forces a grow and a second pass */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pt_buf_printf(&b, "%s!", big);
	assert_int_equal(b.len, 9 + sizeof(big));
	assert_int_equal(pt_buf_str(&b)[b.len - 1], '!');
	assert_int_equal(strlen(pt_buf_str(&b)), b.len);

	pt_buf_reset(&b);
	assert_string_equal(pt_buf_str(&b), "");
	pt_buf_free(&b);
	assert_null(b.data);
	pt_buf_free(&b); /* twice is fine */
}

static void test_buf_oom(void **state)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_buf_adds(&b, "keep");
	/* a size that cannot be allocated: oom, nothing read from the pointer */
	pt_buf_add(&b, "x", SIZE_MAX - 2);
	assert_true(b.oom);
	pt_buf_adds(&b, "more");
	pt_buf_addc(&b, 'c');
	pt_buf_printf(&b, "%d", 1);
	pt_json_strz(&b, "str");
	assert_string_equal(pt_buf_str(&b), "keep");
	pt_buf_reset(&b);
	assert_false(b.oom);
	pt_buf_adds(&b, "again");
	assert_string_equal(pt_buf_str(&b), "again");
	pt_buf_free(&b);
}

/* ---- strings ------------------------------------------------------------ */

static void test_str_escapes(void **state)
{
	CHECK("", "\"\"");
	CHECK("plain ascii ~!@#$%^&*()", "\"plain ascii ~!@#$%^&*()\"");
	CHECK("\"", "\"\\\"\"");
	CHECK("\\", "\"\\\\\"");
	CHECK("/", "\"/\"");
	CHECK("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	CHECK("\x01\x1b\x1f", "\"\\u0001\\u001b\\u001f\"");
	CHECK("\x0b", "\"\\u000b\"");
	CHECK("\x7f", "\"\\u007f\"");
	CHECK(" \x20", "\"  \"");
	CHECK("a\"b\\c\nd", "\"a\\\"b\\\\c\\nd\"");
	/* embedded NUL bytes: n-length strings */
	CHECK("a\0b", "\"a\\u0000b\"");
	CHECK("\0\0", "\"\\u0000\\u0000\"");
	check_str("abc", 0, "\"\"");
	check_str(NULL, 5, "\"\"");
}

static void test_strz(void **state)
{
	struct pt_buf b;

	pt_buf_init(&b);
	pt_json_strz(&b, "a\tb");
	pt_json_strz(&b, NULL);
	assert_string_equal(pt_buf_str(&b), "\"a\\tb\"\"\"");
	pt_buf_free(&b);
}


static void test_str_utf8_valid(void **state)
{
	CHECK("caf\xc3\xa9", "\"caf\xc3\xa9\"");                 /* U+00E9 */
	CHECK("\xc2\xa0", "\"\xc2\xa0\"");                       /* U+00A0 */
	CHECK("\xdf\xbf", "\"\xdf\xbf\"");                       /* U+07FF */
	CHECK("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");               /* U+0800 */
	CHECK("\xe2\x82\xac", "\"\xe2\x82\xac\"");               /* U+20AC */
	CHECK("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");               /* U+D7FF */
	CHECK("\xee\x80\x80", "\"\xee\x80\x80\"");               /* U+E000 */
	CHECK("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");               /* U+FFFF */
	CHECK("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");       /* U+10000 */
	CHECK("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");       /* U+1F600 */
	CHECK("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");       /* U+10FFFF */
	CHECK(FFFD, "\"" FFFD "\"");
	CHECK("\xe6\x97\xa5\xe6\x9c\xac\n", "\"\xe6\x97\xa5\xe6\x9c\xac\\n\"");
}

static void test_str_utf8_invalid(void **state)
{
	/* stray continuation bytes, each one replaced */
	CHECK("\x80", "\"" FFFD "\"");
	CHECK("a\xbf\x80z", "\"a" FFFD FFFD "z\"");
	/* impossible bytes */
	CHECK("\xfe\xff", "\"" FFFD FFFD "\"");
	CHECK("\xf8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\"");
	/* overlong forms */
	CHECK("\xc0\xaf", "\"" FFFD FFFD "\"");
	CHECK("\xc1\xbf", "\"" FFFD FFFD "\"");
	CHECK("\xc0\x80", "\"" FFFD FFFD "\""); /* "modified UTF-8" NUL */
	CHECK("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xe0\x9f\xbf", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xf0\x80\x80\xaf", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK("\xf0\x8f\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");
	/* UTF-16 surrogates */
	CHECK("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"");
	CHECK("\xed\xa0\xbd\xed\xb8\x80", "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\"");
	/* above U+10FFFF */
	CHECK("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
	CHECK("\xf7\xbf\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");
	/* truncated sequences: the valid prefix is one replacement */
	CHECK("\xc3", "\"" FFFD "\"");
	CHECK("\xe2\x82", "\"" FFFD "\"");
	CHECK("\xf0\x9f\x98", "\"" FFFD "\"");
	CHECK("\xe2\x82z", "\"" FFFD "z\"");
	CHECK("\xf0\x9f\x98\"", "\"" FFFD "\\\"\"");
	CHECK("\xc3\n", "\"" FFFD "\\n\"");
	CHECK("\xe2\xe2\x82\xac", "\"" FFFD "\xe2\x82\xac\"");
	/* a truncated sequence cut by a NUL byte */
	CHECK("\xe2\x82\0", "\"" FFFD "\\u0000\"");
	/* the valid ones around are kept */
	CHECK("\xc3\xa9\x80\xc3\xa9", "\"\xc3\xa9" FFFD "\xc3\xa9\"");
}

/*
 * Valid characters that would still mislead a reader: C1 controls (U+0085
 * ends a line for many consumers), U+2028/U+2029 and the bidirectional
 * formatting characters are written as \uXXXX escapes; their neighbours
 * are copied as they are.
 */
static void test_str_unsafe(void **state)
{
	CHECK("\xc2\x80", "\"\\u0080\"");                 /* first C1 control */
	CHECK("\xc2\x85", "\"\\u0085\"");                 /* NEL */
	CHECK("\xc2\x9f", "\"\\u009f\"");                 /* last C1 control */
	CHECK("\xc2\xa0", "\"\xc2\xa0\"");                /* NBSP: kept */
	CHECK("\xd8\x9c", "\"\\u061c\"");                 /* ARABIC LETTER MARK */
	CHECK("\xd8\x9b", "\"\xd8\x9b\"");                /* U+061B: kept */
	CHECK("\xe2\x80\x8d", "\"\xe2\x80\x8d\"");      /* ZWJ U+200D: kept */
	CHECK("\xe2\x80\x8e\xe2\x80\x8f", "\"\\u200e\\u200f\"");
	CHECK("\xe2\x80\xa7", "\"\xe2\x80\xa7\"");      /* U+2027: kept */
	CHECK("\xe2\x80\xa8", "\"\\u2028\"");            /* LINE SEPARATOR */
	CHECK("\xe2\x80\xa9", "\"\\u2029\"");            /* PARAGRAPH SEPARATOR */
	CHECK("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae",
	      "\"\\u202a\\u202b\\u202c\\u202d\\u202e\"");
	CHECK("\xe2\x80\xaf", "\"\xe2\x80\xaf\"");      /* U+202F: kept */
	CHECK("\xe2\x81\xa5", "\"\xe2\x81\xa5\"");      /* U+2065: kept */
	CHECK("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	      "\"\\u2066\\u2067\\u2068\\u2069\"");
	CHECK("\xe2\x81\xaa", "\"\xe2\x81\xaa\"");      /* U+206A: kept */
	/* in context: the run before and after is copied, escapes mix */
	CHECK("invoice\xe2\x80\xae" "fdp.exe", "\"invoice\\u202efdp.exe\"");
	CHECK("caf\xc3\xa9\xc2\x85\n\xe2\x80\xa8x\xff",
	      "\"caf\xc3\xa9\\u0085\\n\\u2028x" FFFD "\"");
}

/*
 * The writers test a sequence's lead byte before decoding it: every unsafe
 * code point has a lead byte pt_utf8_lead_may_be_unsafe() names, and each
 * byte it names leads some unsafe code point.
 */
static void test_unsafe_lead_bytes(void **state)
{
	bool leads[256] = { false };
	unsigned int n = 0;

	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		unsigned char lead;

		if (!pt_unicode_unsafe(cp))
			continue;
		n++;
		lead = cp < 0x80 ? (unsigned char)cp : cp < 0x800 ? (unsigned char)(0xc0 | cp >> 6) :
		       cp < 0x10000 ? (unsigned char)(0xe0 | cp >> 12) : (unsigned char)(0xf0 | cp >> 18);
		assert_true(pt_utf8_lead_may_be_unsafe(lead));
		leads[lead] = true;
	}
	assert_int_equal(n, 32 + 2 + 1 + 2 + 5 + 4);
	for (unsigned int c = 0; c < 256; c++)
		assert_int_equal(leads[c], pt_utf8_lead_may_be_unsafe((unsigned char)c));
}

/* The unsafe sequences at every alignment across the writer's 4 KiB chunks. */
static void test_str_unsafe_long(void **state)
{
	static const char *const seq[] = { "\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xae",
					   "\xd8\x9c", "\xe2\x81\xa9" };
	static const char *const esc[] = { "\\u0085", "\\u2028", "\\u202e", "\\u061c",
					   "\\u2069" };
	const size_t n = 64 * 1024;
	struct pt_buf b;
	char *in, *want;
	size_t i, o, k;

	in = malloc(n);
	want = malloc(n * 6 + 3);
	assert_non_null(in);
	assert_non_null(want);
	o = 0;
	want[o++] = '"';
	for (i = 0, k = 0; i < n;) {
		size_t l = strlen(seq[k % 5]);

		if (i % 5 == 1 && i + l <= n) {
			memcpy(in + i, seq[k % 5], l);
			memcpy(want + o, esc[k % 5], 6);
			i += l;
			o += 6;
			k++;
		} else {
			in[i] = (char)('a' + i % 26);
			want[o++] = in[i++];
		}
	}
	want[o++] = '"';
	pt_buf_init(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_int_equal(b.len, o);
	assert_memory_equal(b.data, want, o);
	assert_true(json_valid(b.data, b.len));
	/* only unsafe characters: 2 input bytes -> 6 output bytes each */
	for (i = 0; i + 2 <= n; i += 2)
		memcpy(in + i, "\xc2\x85", 2);
	pt_buf_reset(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_int_equal(b.len, n / 2 * 6 + 2);
	pt_buf_free(&b);
	free(in);
	free(want);
}

/* Long strings cross the writer's 4 KiB chunks; check the seams. */
static void test_str_long(void **state)
{
	const size_t n = 128 * 1024;
	struct pt_buf b;
	char *in, *want;
	size_t i, o;

	in = malloc(n);
	want = malloc(n * 6 + 3);
	assert_non_null(in);
	assert_non_null(want);

	/* plain: one memcpy per chunk */
	memset(in, 'x', n);
	pt_buf_init(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_int_equal(b.len, n + 2);
	assert_int_equal(strspn(pt_buf_str(&b) + 1, "x"), n);

	/* worst case expansion: every byte becomes \u0001 */
	memset(in, 1, n);
	pt_buf_reset(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_int_equal(b.len, n * 6 + 2);
	assert_memory_equal(b.data + 1 + 6 * (n - 1), "\\u0001\"", 7);

	/* 4-byte sequences and escapes at every alignment across the seams */
	o = 0;
	want[o++] = '"';
	for (i = 0; i < n;) {
		if (i % 7 == 3 && i + 4 <= n) {
			memcpy(in + i, "\xf0\x9f\x98\x80", 4);
			memcpy(want + o, "\xf0\x9f\x98\x80", 4);
			i += 4;
			o += 4;
		} else if (i % 11 == 5) {
			in[i++] = '\n';
			want[o++] = '\\';
			want[o++] = 'n';
		} else if (i % 13 == 0) {
			in[i++] = (char)0xe2; /* truncated by the next byte */
			memcpy(want + o, FFFD, 3);
			o += 3;
		} else {
			in[i] = (char)('a' + i % 26);
			want[o++] = in[i++];
		}
	}
	want[o++] = '"';
	pt_buf_reset(&b);
	pt_json_str(&b, in, n);
	assert_false(b.oom);
	assert_int_equal(b.len, o);
	assert_memory_equal(b.data, want, o);
	assert_true(json_valid(b.data, b.len));

	pt_buf_free(&b);
	free(in);
	free(want);
}

/*
 * Differential test against Python: for random byte strings, json.loads of
 * our output must equal bytes.decode("utf-8", "replace"), which follows the
 * same maximal-subpart replacement rule.
 */
static void test_str_random_vs_python(void **state)
{
	static const char script[] =
		"import sys, json\n"
		"bad = 0\n"
		"for n, line in enumerate(sys.stdin.buffer):\n"
		"    h, js = line.rstrip(b\"\\n\").split(b\"\\t\", 1)\n"
		"    text = js.decode(\"utf-8\")\n"
		"    got = json.loads(text)\n"
		"    raw = [c for c in text if 0x80 <= ord(c) <= 0x9f or ord(c) in\n"
		"           (0x2028, 0x2029, 0x61c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c,\n"
		"            0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069)]\n"
		"    if raw:\n"
		"        bad += 1\n"
		"        print(\"unescaped\", n, h, ascii(raw))\n"
		"    exp = bytes.fromhex(h.decode()).decode(\"utf-8\", \"replace\")\n"
		"    if got != exp:\n"
		"        bad += 1\n"
		"        print(\"mismatch\", n, h, ascii(got), ascii(exp))\n"
		"print(\"bad\", bad)\n";
	static const unsigned char alphabet[] = { 0x00, 0x01, 0x1f, 0x20, '"',  '\\', 'a',  0x7f,
						  0xe2, 0xe2, 0x80, 0x81, 0xa8, 0xae, 0xa6, 0xd8, 0x9c,
						  0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
						  0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf1,
						  0xf4, 0xf5, 0xff, '\n', '\t' };
	struct pt_buf b, all;
	unsigned char in[24];
	char out[4096], *path;
	unsigned int seed = 12345;
	int i, k, n, rc;

	pt_buf_init(&b);
	pt_buf_init(&all);
	for (i = 0; i < 20000; i++) {
		n = (int)(rand_r(&seed) % sizeof(in));
		for (k = 0; k < n; k++)
			in[k] = rand_r(&seed) % 3 ? alphabet[rand_r(&seed) % sizeof(alphabet)]
						  : (unsigned char)rand_r(&seed);
		pt_buf_reset(&b);
		pt_json_str(&b, (const char *)in, (size_t)n);
		assert_true(json_valid(b.data, b.len));
		for (k = 0; k < n; k++)
			pt_buf_printf(&all, "%02x", in[k]);
		pt_buf_addc(&all, '\t');
		pt_buf_add(&all, b.data, b.len);
		pt_buf_addc(&all, '\n');
	}
	assert_false(all.oom);
	path = write_tmp(all.data, all.len);
	rc = run_python(script, path, out, sizeof(out));
	unlink(path);
	free(path);
	pt_buf_free(&b);
	pt_buf_free(&all);
	if (rc == 127)
		skip();
	if (rc != 0 || strcmp(out, "bad 0\n"))
		fail_msg("python check failed (rc %d): %s", rc, out);
}

/*
 * Long runs of safe ASCII go 8 bytes at a time: every byte value, and
 * multibyte sequences (valid, unsafe, cut short, invalid), at every offset
 * among such runs come out as they do alone (a string under 8 bytes goes
 * a byte at a time), with the runs around them unchanged.
 */
static void test_str_words(void **state)
{
	static const char *const seqs[] = { "\xc3\xa9", "\xe2\x80\xae", "\xe2\x80\xa8", "\xf0\x9f\x98\x80",
					    "\xc2\x85", "\xe2\x80", "\xf0\x9f\x98", "\xed\xa0\x80",
					    "\xc0\xaf", "\\\"", "\x7f\x80" };
	char in[64], one[8];
	struct pt_buf b, alone, want;

	pt_buf_init(&b);
	pt_buf_init(&alone);
	pt_buf_init(&want);
	for (int v = 0; v < 256 + (int)(sizeof(seqs) / sizeof(*seqs)); v++) {
		size_t l;

		if (v < 256) {
			one[0] = (char)v;
			l = 1;
		} else {
			l = strlen(seqs[v - 256]);
			memcpy(one, seqs[v - 256], l);
		}
		pt_buf_reset(&alone);
		pt_json_str(&alone, one, l);
		for (size_t k = 0; k <= 24; k++) {
			size_t n = k + l + 24 - k + 9;

			memset(in, 'x', k);
			memcpy(in + k, one, l);
			memset(in + k + l, 'y', n - k - l);
			pt_buf_reset(&b);
			pt_json_str(&b, in, n);
			pt_buf_reset(&want);
			pt_buf_addc(&want, '"');
			pt_buf_add(&want, in, k);
			pt_buf_add(&want, alone.data + 1, alone.len - 2);
			pt_buf_add(&want, in + k + l, n - k - l);
			pt_buf_addc(&want, '"');
			assert_int_equal(b.len, want.len);
			assert_memory_equal(b.data, want.data, b.len);
		}
	}
	pt_buf_free(&b);
	pt_buf_free(&alone);
	pt_buf_free(&want);
}

/* ---- timestamps --------------------------------------------------------- */

static void test_timestamp(void **state)
{
	char buf[64];

	pt_format_timestamp(0, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
	pt_format_timestamp(1, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.000001Z");
	pt_format_timestamp(1000000 + 10, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:01.000010Z");
	pt_format_timestamp(999999, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-01T00:00:00.999999Z");
	pt_format_timestamp(1795858965759464ull, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-28T09:42:45.759464Z");
	pt_format_timestamp(951868799000001ull, buf, sizeof(buf));
	assert_string_equal(buf, "2000-02-29T23:59:59.000001Z");
	pt_format_timestamp(253402300799ull * 1000000 + 120, buf, sizeof(buf));
	assert_string_equal(buf, "9999-12-31T23:59:59.000120Z");
	pt_format_timestamp(253402300800ull * 1000000, buf, sizeof(buf));
	assert_string_equal(buf, "10000-01-01T00:00:00.000000Z");

	/* exactly 28 bytes is enough; less truncates, always terminated */
	pt_format_timestamp(1795858965759464ull, buf, 28);
	assert_string_equal(buf, "2026-11-28T09:42:45.759464Z");
	pt_format_timestamp(1795858965759464ull, buf, 5);
	assert_string_equal(buf, "2026");
	buf[0] = 'x';
	pt_format_timestamp(0, buf, 0);
	assert_int_equal(buf[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_basic),
		cmocka_unit_test(test_buf_oom),
		cmocka_unit_test(test_str_escapes),
		cmocka_unit_test(test_strz),
		cmocka_unit_test(test_str_utf8_valid),
		cmocka_unit_test(test_str_utf8_invalid),
		cmocka_unit_test(test_str_unsafe),
		cmocka_unit_test(test_str_unsafe_long),
		cmocka_unit_test(test_unsafe_lead_bytes),
		cmocka_unit_test(test_str_long),
		cmocka_unit_test(test_str_random_vs_python),
		cmocka_unit_test(test_str_words),
		cmocka_unit_test(test_timestamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

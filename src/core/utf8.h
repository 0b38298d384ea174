/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one UTF-8 implementation every writer uses (JSON, RFC 5424 values,
 * journald MESSAGE, error texts): validation per RFC 3629 / Unicode table
 * 3-7, cuts that never split a sequence, and the code points that are valid
 * UTF-8 yet unsafe to show as they are.  Command lines, comms, DNS names and
 * container labels are attacker controlled: any byte may come.
 */
#ifndef PIDTREE_UTF8_H
#define PIDTREE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The sequence at p (n > 0 bytes available): its length (1 for ASCII, 2-4)
 * when it is well formed, else -k where k >= 1 is the length of the maximal
 * invalid subpart (Unicode's "substitution of maximal subparts"): a stray
 * continuation byte, an impossible lead byte (C0, C1, F5..FF), an overlong
 * form, a surrogate, a code point above U+10FFFF, or a truncated sequence.
 */
int pt_utf8_seq(const unsigned char *p, size_t n);

/* Code point of the well-formed sequence at p of len bytes (pt_utf8_seq > 0). */
uint32_t pt_utf8_cp(const unsigned char *p, int len);

/*
 * Valid characters that must not reach a reader as they are: C1 controls
 * (U+0080-U+009F; U+0085 is a line break for many consumers), the line and
 * paragraph separators U+2028 and U+2029, and the bidirectional formatting
 * characters (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) that
 * make text read in another order than it is stored.
 */
bool pt_unicode_unsafe(uint32_t cp);

/*
 * The lead bytes of the unsafe characters' sequences: 0xC2 (U+0080-U+009F),
 * 0xD8 (U+061C), 0xE2 (U+200E-U+2069).  Writers on the hot path test the
 * lead byte before decoding, so that other text (é is 0xC3, Cyrillic 0xD0
 * and 0xD1, CJK 0xE3 and up) costs nothing more; tests/unit/test_json.c
 * checks that this agrees with pt_unicode_unsafe().
 */
static inline bool pt_utf8_lead_may_be_unsafe(unsigned char lead)
{
	return lead == 0xc2 || lead == 0xd8 || lead == 0xe2;
}

/* The well-formed sequence at p of len bytes (pt_utf8_seq > 0) is unsafe. */
static inline bool pt_utf8_unsafe_seq(const unsigned char *p, int len)
{
	return pt_utf8_lead_may_be_unsafe(p[0]) && pt_unicode_unsafe(pt_utf8_cp(p, len));
}

/*
 * Length of the longest prefix of s[0..len) of at most max bytes that does
 * not end inside a UTF-8 multibyte sequence.
 */
size_t pt_utf8_cut(const char *s, size_t len, size_t max);

/*
 * s (NUL-terminated, len bytes) was cut at len: drop a trailing partial
 * sequence so that the text stays well formed.
 */
void pt_utf8_trim_partial(char *s, size_t len);

#endif

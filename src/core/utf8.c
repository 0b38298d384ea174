// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "utf8.h"

int pt_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int need, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return -1;
	if (c < 0xe0) {
		need = 1;
	} else if (c < 0xf0) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c < 0xf5) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* > U+10FFFF */
	} else {
		return -1;
	}
	for (i = 1; i <= need; i++) {
		if ((size_t)i >= n || p[i] < lo || p[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

uint32_t pt_utf8_cp(const unsigned char *p, int len)
{
	switch (len) {
	case 2:
		return ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
	case 3:
		return ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) |
		       (p[2] & 0x3f);
	case 4:
		return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
		       ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
	default:
		return p[0];
	}
}

bool pt_unicode_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t pt_utf8_cut(const char *s, size_t len, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, lead, want;

	if (len <= max)
		return len;
	n = max;
	/* step back over continuation bytes to the lead byte of the last sequence */
	lead = n;
	while (lead > 0 && n - lead < 3 && (p[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0 || p[lead - 1] < 0xc2 || p[lead - 1] > 0xf4)
		return n; /* ends on ASCII or on bytes that are not UTF-8 anyway */
	want = p[lead - 1] >= 0xf0 ? 4 : p[lead - 1] >= 0xe0 ? 3 : 2;
	if (n - (lead - 1) < want)
		return lead - 1; /* the sequence would be split: drop it whole */
	return n;
}

void pt_utf8_trim_partial(char *s, size_t len)
{
	size_t cut = pt_utf8_cut(s, len + 1, len);

	/* pt_utf8_cut sees the byte after the cut as the start of the rest */
	if (cut < len)
		s[cut] = '\0';
}

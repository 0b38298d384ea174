// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Value parsers for configuration keys (see keys.h). */
#include "keys.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *pt_ynode_type_name(const struct pt_ynode *n)
{
	switch (n->type) {
	case PT_Y_SCALAR:
		return "a scalar";
	case PT_Y_SEQUENCE:
		return "a list";
	case PT_Y_MAPPING:
		return "a mapping";
	default:
		return "nothing";
	}
}

bool pt_ynode_empty(const struct pt_ynode *v)
{
	return v->type == PT_Y_NULL || (v->type == PT_Y_SEQUENCE && !v->n);
}

/* Decimal integer with optional sign: -EINVAL on junk, -ERANGE on overflow. */
int pt_parse_decimal(const char *s, long long *out)
{
	unsigned long long v = 0;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned int digit = (unsigned int)(*s - '0');

		if (v > ((unsigned long long)LLONG_MAX - digit) / 10)
			return -ERANGE;
		v = v * 10 + digit;
	}
	if (*s)
		return -EINVAL;
	*out = neg ? -(long long)v : (long long)v;
	return 0;
}

void pt_key_bool(struct pt_diags *d, const char *what, const struct pt_ynode *v, bool *out)
{
	if (v->type != PT_Y_SCALAR)
		PT_KEY_ERR(d, v, "%s must be true or false, got %s", what, pt_ynode_type_name(v));
	else if (pt_parse_bool(v->scalar, out))
		PT_KEY_ERR(d, v, "%s: invalid boolean '%s' (use true or false)", what, v->scalar);
}

/* Seconds in [min, PT_SECONDS_MAX]; *out is left alone on error. */
void pt_key_seconds(struct pt_diags *d, const char *what, const struct pt_ynode *v, long min,
			long *out)
{
	long long n;
	int ret;

	if (v->type != PT_Y_SCALAR) {
		PT_KEY_ERR(d, v, "%s must be an integer, got %s", what, pt_ynode_type_name(v));
		return;
	}
	ret = pt_parse_decimal(v->scalar, &n);
	if (ret == -EINVAL) {
		PT_KEY_ERR(d, v, "%s: invalid integer '%s'", what, v->scalar);
		return;
	}
	if (ret || n < min || n > PT_SECONDS_MAX) {
		PT_KEY_ERR(d, v, "%s must be between %ld and %ld, got %s", what, min, PT_SECONDS_MAX,
		     v->scalar);
		return;
	}
	*out = (long)n;
}

/* A list of ports / "lo-hi" ranges; *out is NULL when nothing valid. */
int pt_key_ports(struct pt_diags *d, const char *what, const struct pt_ynode *v,
		       struct pt_port_range **out, size_t *n)
{
	struct pt_port_range *r;
	size_t i;

	*out = NULL;
	*n = 0;
	if (v->type == PT_Y_NULL)
		return 0;
	if (v->type != PT_Y_SEQUENCE) {
		PT_KEY_ERR(d, v, "%s must be a list of ports, got %s", what, pt_ynode_type_name(v));
		return 0;
	}
	if (!v->n)
		return 0;
	r = calloc(v->n, sizeof(*r));
	if (!r)
		return -ENOMEM;
	for (i = 0; i < v->n; i++) {
		const struct pt_ynode *it = v->items[i];

		if (it->type != PT_Y_SCALAR)
			PT_KEY_ERR(d, it, "%s: a port must be a number or a 'lo-hi' range, got %s", what,
			     pt_ynode_type_name(it));
		else if (pt_parse_port_range(it->scalar, &r[*n]))
			PT_KEY_ERR(d, it,
			     "%s: invalid port or port range '%s' (ports are 1-65535, ranges lo-hi with lo <= hi)",
			     what, it->scalar);
		else
			(*n)++;
	}
	if (*n)
		*out = r;
	else
		free(r);
	return 0;
}

int pt_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* One port 1-65535, blanks around it allowed; returns the rest or NULL. */
static const char *parse_port(const char *s, unsigned int *out)
{
	unsigned int v = 0;
	const char *start;

	while (*s == ' ' || *s == '\t')
		s++;
	for (start = s; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (unsigned int)(*s - '0');
		if (v > 65535)
			return NULL;
	}
	if (s == start || v < 1)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	*out = v;
	return s;
}

/* "80" or "30000-40000" (1 <= lo <= hi <= 65535). */
int pt_parse_port_range(const char *s, struct pt_port_range *out)
{
	unsigned int lo, hi;

	if (!s)
		return -EINVAL;
	s = parse_port(s, &lo);
	if (!s)
		return -EINVAL;
	hi = lo;
	if (*s == '-') {
		s = parse_port(s + 1, &hi);
		if (!s)
			return -EINVAL;
	}
	if (*s || lo > hi)
		return -EINVAL;
	out->lo = (__u16)lo;
	out->hi = (__u16)hi;
	return 0;
}


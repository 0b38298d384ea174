/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * container_labels: pidtree-bcc's container filter.
 *
 * The setting is a list of strings, each "label=glob[,label=glob...]".
 * Within one entry the terms are ANDed, the entries are ORed: a container
 * matches when, for some entry, every term's label exists on it and its
 * value matches the term's glob.  Globs are fnmatch(3) patterns as Python's
 * fnmatch (pidtree-bcc): '*' (any run, '/' included), '?', bracket sets
 * "[abc]", "[a-z]", "[!abc]"; no backslash escapes (a '\' is itself).
 * Two corners differ from Python because glibc's fnmatch decides them:
 * "[^abc]" is a negated set (Python: '^' is a member) and POSIX classes
 * such as "[[:digit:]]" work.  Nothing is trimmed: "app=a, tier=b" asks
 * for a label named " tier", which is what pidtree-bcc does (a warning
 * says so).
 */
#ifndef PIDTREE_LABEL_FILTER_H
#define PIDTREE_LABEL_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/*
 * The parsed patterns live in the configuration layer (a probe's
 * container_labels, config.h); matching them against containers is the
 * container layer's (pt_labels_match, src/containers/labels.h).
 */
#define PT_LABEL_FILTER_KEY_MAX 256      /* bytes of a label name (= PT_LABEL_KEY_MAX) */
#define PT_LABEL_FILTER_VALUE_MAX 1024   /* bytes of a glob (= PT_LABEL_VALUE_MAX) */
#define PT_LABEL_FILTER_ENTRIES_MAX 256  /* entries of one container_labels list */
#define PT_LABEL_FILTER_TERMS_MAX 32     /* label=glob terms of one entry */
#define PT_LABEL_PATTERN_MAX 4096        /* bytes of one entry */

struct pt_label_term {
	char *key;  /* label name, non-empty */
	char *glob; /* may be empty: matches only an empty value */
};

struct pt_label_entry {
	struct pt_label_term *terms;
	size_t n;
};

struct pt_label_filter {
	struct pt_label_entry *v;
	size_t n;
};

void pt_label_filter_init(struct pt_label_filter *f);
void pt_label_filter_free(struct pt_label_filter *f);

/*
 * Parse one entry of the list (pattern) and append it to f.  file and line
 * locate it for diagnostics ("file:line: container_labels: ..."; file may
 * be NULL).  Returns 0; -EINVAL when the entry is refused (an error was
 * added to diags, f unchanged); -ENOMEM.  Refused: an empty entry or term,
 * a term without '=', an empty label name, an unterminated '[' set, a
 * label name over PT_LABEL_FILTER_KEY_MAX or glob over
 * PT_LABEL_FILTER_VALUE_MAX bytes,
 * an entry over PT_LABEL_PATTERN_MAX bytes or PT_LABEL_FILTER_TERMS_MAX
 * terms, a list over PT_LABEL_FILTER_ENTRIES_MAX entries, control
 * characters.  Label names with leading or trailing spaces are accepted
 * with a warning.
 */
int pt_label_filter_add(struct pt_label_filter *f, const char *pattern, const char *file,
			int line, struct pt_diags *diags);

/* Deep copy; 0 or -ENOMEM (dst then empty). */
int pt_label_filter_copy(struct pt_label_filter *dst, const struct pt_label_filter *src);
/* Whether a and b hold the same entries, in the same order. */
bool pt_label_filter_equal(const struct pt_label_filter *a, const struct pt_label_filter *b);
/* "a=b,c=d e=f": the entries for messages (-p), into buf of size len. */
void pt_label_filter_format(const struct pt_label_filter *f, char *buf, size_t len);

#endif

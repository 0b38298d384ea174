// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the one-line summary (src/format/summary.c), which is both
 * the journal's MESSAGE and the text output's line: each probe shape byte
 * for byte, users shown where they change, errors, fitting a width
 * (cmdlines shortened, deep trees elided, never inside an escape),
 * hostile cmdlines escaped (control characters, C1, bidi, invalid UTF-8),
 * colours on and off, and the column-limited text writer under it.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "schemas.h"

#include "summary.h"
#include "text.h"
#include "utf8.h"

static const char *const cmd[] = { "curl -s https://example.org/", "-bash",
				   "sshd: alice@pts/0", "/usr/sbin/sshd -D", "/sbin/init" };
static const char *const user[] = { "alice", "alice", "alice", "root", "root" };
static const uint32_t pid[] = { 1234, 1200, 1190, 900, 1 };

static void tree(struct pt_event *ev, size_t n)
{
	ev->pid = pid[0];
	ev->nproc = n;
	for (size_t i = 0; i < n; i++) {
		ev->proctree[i].pid = pid[i];
		ev->proctree[i].cmdline = cmd[i];
		ev->proctree[i].username = user[i];
	}
}

static void connect_event(struct pt_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->probe = probe_info("tcp_connect");
	tree(ev, 5);
	strcpy(ev->daddr, "198.51.100.37");
	strcpy(ev->saddr, "192.0.2.10");
	ev->port = 6697;
	ev->has_port = true;
}

/* The summary of ev with width and colour, compared with want. */
static void expect(const struct pt_event *ev, size_t width, bool colour, const char *want)
{
	struct pt_summary_opts o = { .width = width, .colour = colour };
	struct pt_buf b;

	pt_buf_init(&b);
	pt_event_summary(&b, ev, &o);
	assert_false(b.oom);
	assert_string_equal(pt_buf_str(&b), want);
	pt_buf_free(&b);
}

/* Columns of a line: code points, SGR sequences left out. */
/*
 * The columns of the character at s (k bytes, valid UTF-8) on a terminal:
 * the C library's own decoding and wcwidth() in this process's locale,
 * C.UTF-8 (main), not text.c's.
 */
static size_t char_width(const char *s, size_t k)
{
	mbstate_t st;
	wchar_t wc;
	int w;

	memset(&st, 0, sizeof(st));
	assert_int_equal(mbrtowc(&wc, s, k, &st), k);
	w = wcwidth(wc);
	return w < 0 ? 1 : (size_t)w;
}

/* Columns of valid UTF-8 text on a terminal, SGR sequences aside. */
static size_t columns(const char *s)
{
	size_t n = 0;

	while (*s) {
		size_t k = 1;

		if (*s == '\033') {
			s = strchr(s, 'm');
			assert_non_null(s);
			s++;
			continue;
		}
		while (((unsigned char)s[k] & 0xc0) == 0x80)
			k++;
		n += char_width(s, k);
		s += k;
	}
	return n;
}

static char *summary(const struct pt_event *ev, size_t width, bool colour)
{
	struct pt_summary_opts o = { .width = width, .colour = colour };
	struct pt_buf b;

	pt_buf_init(&b);
	pt_event_summary(&b, ev, &o);
	assert_false(b.oom);
	pt_buf_str(&b);
	return b.data; /* the caller frees */
}

/* ---- each shape ---------------------------------------------------------- */

static void test_connect(void **state)
{
	struct pt_event ev;

	connect_event(&ev);
	expect(&ev, 0, false,
	       "tcp_connect 198.51.100.37:6697 curl -s https://example.org/[1234] alice <- -bash[1200] "
	       "<- sshd: alice@pts/0[1190] <- /usr/sbin/sshd -D[900] root <- /sbin/init[1]");
	strcpy(ev.daddr, "2001:db8::7");
	ev.port = 443;
	expect(&ev, 0, false,
	       "tcp_connect [2001:db8::7]:443 curl -s https://example.org/[1234] alice <- -bash[1200] "
	       "<- sshd: alice@pts/0[1190] <- /usr/sbin/sshd -D[900] root <- /sbin/init[1]");
}

static void test_listen(void **state)
{
	struct pt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.probe = probe_info("net_listen");
	tree(&ev, 2);
	ev.proctree[0].cmdline = "python3 -m http.server 8080";
	strcpy(ev.laddr, "0.0.0.0");
	ev.port = 8080;
	ev.protocol = "tcp";
	expect(&ev, 0, false,
	       "net_listen tcp 0.0.0.0:8080 python3 -m http.server 8080[1234] alice <- -bash[1200]");
	strcpy(ev.laddr, "::");
	ev.protocol = "udp";
	expect(&ev, 0, false,
	       "net_listen udp [::]:8080 python3 -m http.server 8080[1234] alice <- -bash[1200]");
}

static void test_session(void **state)
{
	struct pt_udp_dest d[5] = {
		{ "9.9.9.9", 53, 1.5, 2 }, { "2001:db8::53", 53, 0.2, 1 }, { "192.0.2.1", 123, 0, 1 },
		{ "192.0.2.2", 123, 0, 1 }, { "192.0.2.3", 123, 0, 1 },
	};
	struct pt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.probe = probe_info("udp_session");
	tree(&ev, 1);
	ev.proctree[0].cmdline = "dig example.org";
	ev.protocol = "udp";
	ev.dests = d;
	ev.ndests = 1;
	expect(&ev, 0, false, "udp_session udp 9.9.9.9:53 dig example.org[1234] alice");
	ev.ndests = 5;
	expect(&ev, 0, false,
	       "udp_session udp 9.9.9.9:53, [2001:db8::53]:53, 192.0.2.1:123 +2 more "
	       "dig example.org[1234] alice");
}

static void test_process_and_empty(void **state)
{
	struct pt_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.probe = probe_info("process");
	if (!ev.probe)
		skip();
	tree(&ev, 2);
	expect(&ev, 0, false, "process curl -s https://example.org/[1234] alice <- -bash[1200]");
	/* no ancestry at all, an unknown cmdline, an error */
	ev.nproc = 0;
	strcpy(ev.error, "process gone and not cached");
	expect(&ev, 0, false, "process pid 1234 (process gone and not cached)");
	ev.nproc = 1;
	ev.proctree[0].cmdline = "";
	expect(&ev, 0, false, "process ?[1234] alice (process gone and not cached)");
}

/* A user is shown after the process and where it changes going up. */
static void test_users(void **state)
{
	struct pt_event ev;

	connect_event(&ev);
	ev.proctree[1].username = "root"; /* sudo */
	ev.proctree[1].cmdline = "sudo curl";
	expect(&ev, 0, false,
	       "tcp_connect 198.51.100.37:6697 curl -s https://example.org/[1234] alice <- "
	       "sudo curl[1200] root <- sshd: alice@pts/0[1190] alice <- /usr/sbin/sshd -D[900] root "
	       "<- /sbin/init[1]");
}

/* The container and the destination's name, when the event has them. */
static void test_container_and_name(void **state)
{
	struct pt_event_container c = {
		.id = "767180e321f5963eb2cea8c26d75366220b3d7cae6c07c00ffb1ce23689070c6",
		.name = "web-1", .image = "", .runtime = "podman", .pod = "", .pod_namespace = "",
	};
	struct pt_event ev;

	connect_event(&ev);
	tree(&ev, 1);
	ev.container = &c;
	ev.peer_name.name = "irc.example.net";
	expect(&ev, 0, false,
	       "tcp_connect 198.51.100.37:6697 (irc.example.net) container web-1 "
	       "curl -s https://example.org/[1234] alice");
	/* not named yet: its short id; a pod with its namespace */
	c.name = "";
	expect(&ev, 0, false,
	       "tcp_connect 198.51.100.37:6697 (irc.example.net) container 767180e321f5 "
	       "curl -s https://example.org/[1234] alice");
	c.name = "api";
	c.pod = "api-7d9f";
	c.pod_namespace = "prod";
	expect(&ev, 0, false,
	       "tcp_connect 198.51.100.37:6697 (irc.example.net) container api of pod prod/api-7d9f "
	       "curl -s https://example.org/[1234] alice");
}

/* ---- fitting a width ------------------------------------------------------ */

static void test_width(void **state)
{
	static char longcmd[600];
	struct pt_event ev;
	char *s;

	connect_event(&ev);
	/* everything fits: unchanged */
	s = summary(&ev, 200, false);
	assert_string_equal(s, "tcp_connect 198.51.100.37:6697 curl -s https://example.org/[1234] "
			       "alice <- -bash[1200] <- sshd: alice@pts/0[1190] <- "
			       "/usr/sbin/sshd -D[900] root <- /sbin/init[1]");
	free(s);
	/* a long cmdline is shortened first: the line takes the width exactly */
	memset(longcmd, 'x', sizeof(longcmd) - 1);
	memcpy(longcmd, "python3 ", 8);
	ev.proctree[0].cmdline = longcmd;
	for (size_t w = 120; w <= 240; w += 20) {
		s = summary(&ev, w, false);
		assert_int_equal(columns(s), w);
		assert_non_null(strstr(s, " python3 xxx"));
		assert_non_null(strstr(s, "xxx...[1234] alice <- -bash[1200] <- "));
		assert_non_null(strstr(s, "<- /sbin/init[1]"));
		free(s);
	}
	/* room for the ancestors as they are */
	s = summary(&ev, 240, false);
	assert_non_null(strstr(s, "xxx...[1234] alice <- -bash[1200] <- sshd: alice@pts/0[1190] "
				  "<- /usr/sbin/sshd -D[900] root <- /sbin/init[1]"));
	free(s);
	/* less room: the longer ancestors are shortened, none below 12 columns */
	s = summary(&ev, 200, false);
	assert_non_null(strstr(s, "xxx...[1234] alice <- -bash[1200] <- sshd: ali...[1190] "
				  "<- /usr/sbin...[900] root <- /sbin/init[1]"));
	free(s);
	/* too narrow for the whole tree: the upper ancestors go, pid 1 stays */
	s = summary(&ev, 120, false);
	assert_non_null(strstr(s, "[1234] alice <- -bash[1200] <- ... <- /sbin/init[1] root"));
	free(s);
	/* narrower still: the process and its parent, then the rest left out */
	s = summary(&ev, 100, false);
	assert_int_equal(columns(s), 100);
	assert_non_null(strstr(s, "xxx...[1234] alice <- -bash[1200] <- ..."));
	free(s);
	/* narrower than the shortest form: that form, a little wider */
	s = summary(&ev, 60, false);
	assert_string_equal(s, "tcp_connect 198.51.100.37:6697 python3 xxxxxxxxxxxxx...[1234] alice "
			       "<- -bash[1200] <- ...");
	free(s);
	/* width 0: everything in full */
	s = summary(&ev, 0, false);
	assert_non_null(strstr(s, longcmd));
	free(s);
}

/* A deep tree: with a width, the first ancestors, "...", pid 1. */
static void test_deep_tree(void **state)
{
	static char names[PT_MAX_DEPTH][16];
	struct pt_event ev;
	char *s;

	memset(&ev, 0, sizeof(ev));
	ev.probe = probe_info("tcp_connect");
	strcpy(ev.daddr, "192.0.2.1");
	ev.port = 80;
	ev.nproc = 20;
	for (size_t i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "sh%zu", i);
		ev.proctree[i].pid = (uint32_t)(100 - i);
		ev.proctree[i].cmdline = names[i];
		ev.proctree[i].username = "root";
	}
	ev.proctree[19].pid = 1;
	s = summary(&ev, 1000, false);
	assert_string_equal(s, "tcp_connect 192.0.2.1:80 sh0[100] root <- sh1[99] <- sh2[98] <- "
			       "sh3[97] <- sh4[96] <- sh5[95] <- sh6[94] <- ... <- sh19[1]");
	free(s);
	s = summary(&ev, 0, false);
	assert_non_null(strstr(s, "<- sh7[93] <- sh8[92] <-"));
	free(s);
}

/* ---- hostile text, colours --------------------------------------------------- */

static void test_hostile(void **state)
{
	struct pt_event ev;
	char *s;

	connect_event(&ev);
	tree(&ev, 2);
	ev.proctree[0].cmdline = "evil\033[2J\r\nFAKE LINE \xc2\x85x \xe2\x80\xae" "fdp.exe \xff\xfe\\";
	ev.proctree[1].username = "eve\033[31m";
	expect(&ev, 0, false,
	       "tcp_connect 198.51.100.37:6697 evil\\e[2J\\r\\nFAKE LINE \\u0085x \\u202efdp.exe "
	       "\\xff\\xfe\\\\[1234] alice <- -bash[1200] eve\\e[31m");
	/* cut to a width: never inside an escape */
	for (size_t w = 40; w < 80; w++) {
		s = summary(&ev, w, false);
		assert_null(strchr(s, '\033'));
		assert_null(strchr(s, '\n'));
		assert_null(strstr(s, "\\u0..."));
		assert_null(strstr(s, "\\u02..."));
		assert_null(strstr(s, "\\u202..."));
		assert_null(strstr(s, "\\x..."));
		assert_null(strstr(s, "\\xf..."));
		free(s);
	}
	/* coloured: the only ESC bytes are ours */
	s = summary(&ev, 0, true);
	for (const char *p = s; (p = strchr(p, '\033')); p++)
		assert_true(!strncmp(p, "\033[0m", 4) || !strncmp(p, "\033[33m", 5) ||
			    !strncmp(p, "\033[32m", 5) || !strncmp(p, "\033[1;36m", 7) ||
			    !strncmp(p, "\033[1;31m", 7));
	free(s);
}

static void test_colour(void **state)
{
	struct pt_event ev;

	connect_event(&ev);
	tree(&ev, 5);
	expect(&ev, 0, true,
	       "\033[1;36mtcp_connect\033[0m \033[33m198.51.100.37:6697\033[0m "
	       "curl -s https://example.org/[1234] \033[32malice\033[0m <- -bash[1200] "
	       "<- sshd: alice@pts/0[1190] <- /usr/sbin/sshd -D[900] \033[1;31mroot\033[0m "
	       "<- /sbin/init[1]");
	/* colours take no columns */
	{
		char *a = summary(&ev, 120, true), *b = summary(&ev, 120, false);

		assert_int_equal(columns(a), columns(b));
		free(a);
		free(b);
	}
}

/* ---- the column-limited writer -------------------------------------------------- */

static void test_text_cols(void **state)
{
	struct pt_buf b;

	assert_int_equal(pt_text_cols("abc", 3, 100, PT_TEXT_HUMAN), 3);
	assert_int_equal(pt_text_cols("abc", 3, 2, PT_TEXT_HUMAN), 2);
	assert_int_equal(pt_text_cols("caf\xc3\xa9", 5, 100, PT_TEXT_HUMAN), 4);
	assert_int_equal(pt_text_cols("a\nb", 3, 100, PT_TEXT_HUMAN), 4);         /* a\nb */
	assert_int_equal(pt_text_cols("\xe2\x80\xae", 3, 100, PT_TEXT_HUMAN), 6); /* \u202e */
	assert_int_equal(pt_text_cols("\xff", 1, 100, PT_TEXT_HUMAN), 4);         /* \xff */
	pt_buf_init(&b);
	assert_int_equal(pt_text_append_cols(&b, "abcdefghij", 10, 10, PT_TEXT_HUMAN), 10);
	assert_string_equal(pt_buf_str(&b), "abcdefghij");
	pt_buf_reset(&b);
	assert_int_equal(pt_text_append_cols(&b, "abcdefghij", 10, 8, PT_TEXT_HUMAN), 8);
	assert_string_equal(pt_buf_str(&b), "abcde...");
	pt_buf_reset(&b);
	/* the escape does not fit whole: cut before it */
	assert_int_equal(pt_text_append_cols(&b, "ab\xe2\x80\xae" "cdef", 9, 9, PT_TEXT_HUMAN), 5);
	assert_string_equal(pt_buf_str(&b), "ab...");
	pt_buf_reset(&b);
	/* wide (East Asian) characters take two columns, combining marks none */
	assert_int_equal(pt_text_cols("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, 100, PT_TEXT_HUMAN), 6);
	assert_int_equal(pt_text_cols("e\xcc\x81t\xc3\xa9", 6, 100, PT_TEXT_HUMAN), 3);
	assert_int_equal(pt_text_cols("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, 5, PT_TEXT_HUMAN), 5);
	assert_int_equal(pt_text_append_cols(&b, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, 6,
					      PT_TEXT_HUMAN), 6);
	assert_string_equal(pt_buf_str(&b), "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
	pt_buf_reset(&b);
	assert_int_equal(pt_text_append_cols(&b, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, 5,
					      PT_TEXT_HUMAN), 5);
	assert_string_equal(pt_buf_str(&b), "\xe6\x97\xa5...");
	pt_buf_reset(&b);
	/* (4 columns: the second character would leave no room for the marker) */
	assert_int_equal(pt_text_append_cols(&b, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9, 4,
					      PT_TEXT_HUMAN), 3);
	assert_string_equal(pt_buf_str(&b), "...");
	pt_buf_reset(&b);
	/* a combining mark stays with its letter */
	assert_int_equal(pt_text_append_cols(&b, "abcde\xcc\x81" "fghi", 11, 8, PT_TEXT_HUMAN), 8);
	assert_string_equal(pt_buf_str(&b), "abcde\xcc\x81...");
	pt_buf_reset(&b);
	/* a multibyte character is never split */
	assert_int_equal(pt_text_append_cols(&b, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 10, 4,
					      PT_TEXT_HUMAN), 4);
	assert_string_equal(pt_buf_str(&b), "\xc3\xa9...");
	pt_buf_reset(&b);
	assert_int_equal(pt_text_append_cols(&b, "abcdef", 6, 2, PT_TEXT_HUMAN), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(pt_text_append_cols(&b, "ab", 2, 2, PT_TEXT_HUMAN), 2); /* fits whole */
	assert_string_equal(pt_buf_str(&b), "ab");
	pt_buf_reset(&b);
	/* exactly the width; one more and it is cut with the marker */
	assert_int_equal(pt_text_append_cols(&b, "abcdefgh", 8, 8, PT_TEXT_HUMAN), 8);
	assert_string_equal(pt_buf_str(&b), "abcdefgh");
	pt_buf_reset(&b);
	assert_int_equal(pt_text_append_cols(&b, "abcdefghi", 9, 8, PT_TEXT_HUMAN), 8);
	assert_string_equal(pt_buf_str(&b), "abcde...");
	pt_buf_reset(&b);
	/* appended after what the buffer holds: only the new part is cut */
	pt_buf_adds(&b, "x=");
	assert_int_equal(pt_text_append_cols(&b, "abcdefghi", 9, 5, PT_TEXT_HUMAN), 5);
	assert_string_equal(pt_buf_str(&b), "x=ab...");
	pt_buf_free(&b);
}

/*
 * Random bytes at random widths: the columns written are what is returned
 * and at most the width, the text is valid UTF-8 without control bytes or
 * unsafe characters, a cut ends with the marker after a prefix of the whole
 * rendering (pt_text_append's), and what fits is that rendering.
 */
static void test_text_cols_random(void **state)
{
	static const unsigned char alphabet[] = { 'a', ' ', '\\', '\n', 0x1b, 0x7f, 0xc2, 0x85,
						  0xe2, 0x80, 0xae, 0xa8, 0xc3, 0xa9, 0xff, 0xf0,
						  0x9f, 0x98, 0x80, 0xd8, 0x9c };
	unsigned int seed = 4242;
	struct pt_buf whole, got;
	unsigned char in[40];

	pt_buf_init(&whole);
	pt_buf_init(&got);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand_r(&seed) % sizeof(in)), cols = (size_t)(rand_r(&seed) % 50), w;

		for (size_t i = 0; i < n; i++)
			in[i] = alphabet[rand_r(&seed) % sizeof(alphabet)];
		pt_buf_reset(&whole);
		pt_text_append(&whole, (const char *)in, n, n, PT_TEXT_HUMAN);
		pt_buf_str(&whole);
		pt_buf_reset(&got);
		w = pt_text_append_cols(&got, (const char *)in, n, cols, PT_TEXT_HUMAN);
		pt_buf_str(&got);
		assert_true(w <= cols);
		assert_int_equal(columns(got.data), w);
		assert_int_equal(pt_text_cols((const char *)in, n, 1000, PT_TEXT_HUMAN), columns(whole.data));
		for (size_t i = 0; i < got.len; i++) {
			unsigned char c = (unsigned char)got.data[i];

			assert_true(c >= 0x20 && c != 0x7f);
		}
		assert_null(strstr(got.data, "\xc2\x85"));
		assert_null(strstr(got.data, "\xe2\x80\xae"));
		if (columns(whole.data) <= cols) {
			assert_string_equal(got.data, whole.data);
		} else if (got.len) {
			assert_true(got.len >= 3);
			assert_memory_equal(got.data + got.len - 3, "...", 3);
			assert_memory_equal(got.data, whole.data, got.len - 3);
		} else {
			assert_true(cols < 3 || columns(whole.data) > cols);
		}
	}
	pt_buf_free(&whole);
	pt_buf_free(&got);
}

/*
 * The one-unit-at-a-time definition of both functions (what they did
 * before plain ASCII went by runs), built from pt_text_append() on each
 * unit alone: a unit is one byte below 0x80 or not a valid sequence, else
 * the sequence; it is kept (its width on a terminal) or rendered (a column
 * per byte).
 */
struct ref_unit {
	size_t k, olen, cols;
	char out[16];
};

static size_t ref_unit_at(const unsigned char *p, size_t n, enum pt_text_mode mode,
			  struct ref_unit *u)
{
	struct pt_buf one;
	int seq = p[0] < 0x80 ? 1 : pt_utf8_seq(p, n);

	u->k = seq > 0 ? (size_t)seq : 1;
	pt_buf_init(&one);
	pt_text_append(&one, (const char *)p, u->k, u->k, mode);
	assert_true(one.len < sizeof(u->out));
	memcpy(u->out, one.data, one.len);
	u->olen = one.len;
	u->cols = one.len == u->k && !memcmp(one.data, p, u->k) ? char_width(one.data, u->k) :
								     one.len;
	pt_buf_free(&one);
	return u->k;
}

static size_t ref_cols(const unsigned char *p, size_t n, size_t max, enum pt_text_mode mode)
{
	size_t i = 0, cols = 0;
	struct ref_unit u;

	while (i < n && cols < max) {
		i += ref_unit_at(p + i, n - i, mode, &u);
		cols += u.cols;
	}
	return cols < max ? cols : max;
}

static size_t ref_append_cols(struct pt_buf *b, const unsigned char *p, size_t n, size_t cols,
			      enum pt_text_mode mode)
{
	size_t start = b->len, i = 0, c = 0, keep = (size_t)-1, keep_cols = 0;
	struct ref_unit u;

	while (i < n) {
		ref_unit_at(p + i, n - i, mode, &u);
		if (c + u.cols > cols) {
			if (cols < 3) {
				b->len = start;
				return 0;
			}
			if (keep == (size_t)-1) {
				keep = b->len;
				keep_cols = c;
			}
			b->len = keep;
			pt_buf_adds(b, "...");
			return keep_cols + 3;
		}
		if (keep == (size_t)-1 && cols >= 3 && c + u.cols > cols - 3) {
			keep = b->len;
			keep_cols = c;
		}
		pt_buf_add(b, u.out, u.olen);
		c += u.cols;
		i += u.k;
	}
	return c;
}

/*
 * Long runs of plain ASCII (as cmdlines are) broken by every other kind of
 * unit, at every width around the text's own: byte for byte what the
 * one-unit-at-a-time definition gives, in both modes.
 */
static void test_text_cols_runs(void **state)
{
	static const char *const pieces[] = { "abc", "/usr/bin/worker --level 3 ", "x", " ",
					      "\\", "\n", "\x1b", "\x7f", "\"", "]",
					      "\xc3\xa9", "\xc2\x85", "\xe2\x80\xae",
					      "\xef\xbf\xbd", "\xff", "\xf0\x9f\x98\x80", "\xe2\x80",
					      "\xe6\x97\xa5\xe6\x9c\xac", "\xcc\x81" };
	unsigned int seed = 777;
	unsigned char in[400];
	struct pt_buf got, want;

	pt_buf_init(&got);
	pt_buf_init(&want);
	for (int round = 0; round < 4000; round++) {
		enum pt_text_mode mode = round % 2 ? PT_TEXT_SD : PT_TEXT_HUMAN;
		size_t n = 0, parts = (size_t)(rand_r(&seed) % 24);

		for (size_t j = 0; j < parts; j++) {
			const char *piece = pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(*pieces))];
			size_t l = strlen(piece);

			if (n + l > sizeof(in))
				break;
			memcpy(in + n, piece, l);
			n += l;
		}
		for (size_t w = 0; w <= n + 12; w += 1 + (size_t)(rand_r(&seed) % 4)) {
			size_t a, r;

			assert_int_equal(pt_text_cols((const char *)in, n, w, mode), ref_cols(in, n, w, mode));
			pt_buf_reset(&got);
			pt_buf_reset(&want);
			pt_buf_adds(&got, "=");
			pt_buf_adds(&want, "=");
			a = pt_text_append_cols(&got, (const char *)in, n, w, mode);
			r = ref_append_cols(&want, in, n, w, mode);
			assert_int_equal(a, r);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, got.len);
		}
	}
	pt_buf_free(&got);
	pt_buf_free(&want);
}

int main(void)
{
	/* the oracle's locale (columns(), char_width()): text.c uses its own */
	if (!setlocale(LC_CTYPE, "C.UTF-8")) {
		fprintf(stderr, "test_text: no C.UTF-8 locale\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect),	 cmocka_unit_test(test_listen),
		cmocka_unit_test(test_session),	 cmocka_unit_test(test_process_and_empty),
		cmocka_unit_test(test_users),	 cmocka_unit_test(test_container_and_name),
		cmocka_unit_test(test_width),	 cmocka_unit_test(test_deep_tree),
		cmocka_unit_test(test_hostile),	 cmocka_unit_test(test_colour),
		cmocka_unit_test(test_text_cols),	 cmocka_unit_test(test_text_cols_random),
		cmocka_unit_test(test_text_cols_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

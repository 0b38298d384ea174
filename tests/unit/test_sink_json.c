// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the JSON lines sink (src/sinks/sink_json.c) on real files
 * and pipes: a write that stops part way (EFBIG under RLIMIT_FSIZE, a full
 * non-blocking pipe) leaves whole lines only, and the events whose line
 * reached the file are counted as written, the others as dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "json_check.h"
#include "buf.h"
#include "sink.h"

#define LINE_LEN 899 /* + '\n': 900 bytes a line */

static struct pt_event dummy; /* emit() only needs to know it is an event */
static int saved_stdout = -1;  /* while a test has a pipe on standard output */

/* A failed assertion leaves the test early: give cmocka its stdout back. */
static int restore_stdout(void **state)
{
	if (saved_stdout >= 0) {
		dup2(saved_stdout, STDOUT_FILENO);
		close(saved_stdout);
		saved_stdout = -1;
	}
	return 0;
}

/* Line i: a JSON object of LINE_LEN bytes naming i. */
static void make_line(char *out, unsigned int i)
{
	int n = snprintf(out, LINE_LEN + 1, "{\"i\":%u,\"pad\":\"", i);

	memset(out + n, 'x', LINE_LEN - (size_t)n - 2);
	memcpy(out + LINE_LEN - 2, "\"}", 3);
}

static void emit_lines(struct pt_sink *s, unsigned int from, unsigned int n)
{
	char line[LINE_LEN + 1];

	for (unsigned int i = from; i < from + n; i++) {
		make_line(line, i);
		s->ops->emit(s, &dummy, line, LINE_LEN);
	}
}

/* data[0..n) is whole lines, each valid JSON; the number of lines. */
static unsigned int check_lines(const char *data, size_t n)
{
	unsigned int lines = 0;
	size_t i = 0;

	if (n)
		assert_int_equal(data[n - 1], '\n');
	while (i < n) {
		const char *nl = memchr(data + i, '\n', n - i);

		assert_non_null(nl);
		if (!json_valid(data + i, (size_t)(nl - data - i)))
			fail_msg("line %u is not JSON: %.40s...", lines, data + i);
		lines++;
		i = (size_t)(nl - data) + 1;
	}
	return lines;
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long len;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	data = malloc((size_t)len + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return data;
}

/*
 * A regular file under RLIMIT_FSIZE: the write stops at the limit (EFBIG);
 * the cut line is truncated away, the file holds whole lines, written
 * counts them; once the limit is lifted the next lines follow whole.
 */
static void test_file_size_limit(void **state)
{
	char path[] = "/tmp/pidtree-test-sink-json.XXXXXX";
	struct rlimit old, small;
	struct pt_sink *s;
	void (*prev)(int);
	unsigned int lines;
	size_t n;
	char *data;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pt_sink_json_open(&s, path), 0);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 5000; /* 5 lines and a half */
	prev = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	emit_lines(s, 0, 20);
	s->ops->flush(s);
	emit_lines(s, 20, 5); /* nothing fits any more */
	s->ops->flush(s);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, prev);

	data = slurp(path, &n);
	lines = check_lines(data, n);
	free(data);
	assert_int_equal(lines, 5);
	assert_int_equal(n, 5 * 900);
	assert_int_equal(s->written, 5);
	assert_int_equal(s->dropped, 20);

	/* room again: the next lines are appended whole */
	emit_lines(s, 25, 3);
	assert_int_equal(s->ops->flush(s), 0);
	data = slurp(path, &n);
	lines = check_lines(data, n);
	assert_int_equal(lines, 8);
	assert_memory_equal(data + 5 * 900, "{\"i\":25,", 8);
	free(data);
	assert_int_equal(s->written, 8);
	assert_int_equal(s->dropped, 20);
	assert_int_equal(s->ops->destroy(s), 20);
	unlink(path);
}

/* Everything in the pipe now (non-blocking read end). */
static size_t drain(int fd, struct pt_buf *into)
{
	char tmp[65536];
	size_t total = 0;
	ssize_t r;

	while ((r = read(fd, tmp, sizeof(tmp))) > 0) {
		pt_buf_add(into, tmp, (size_t)r);
		total += (size_t)r;
	}
	return total;
}

/*
 * Standard output on a full non-blocking pipe: the write stops inside a
 * line (EAGAIN).  A pipe cannot be truncated: the rest of that line goes
 * first at the next flush, so the reader sees whole lines; the lines after
 * it are dropped and counted.
 */
static void test_pipe_finishes_the_line(void **state)
{
	struct pt_buf got;
	struct pt_sink *s;
	int p[2], cap;
	unsigned int lines;

	assert_int_equal(pipe(p), 0);
	cap = fcntl(p[1], F_SETPIPE_SZ, 4096);
	if (cap != 4096)
		skip(); /* a pipe of one page: 4 lines and a half */
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	assert_true(saved_stdout >= 0);
	assert_int_equal(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
	close(p[1]);

	pt_buf_init(&got);
	assert_int_equal(pt_sink_json_open(&s, "-"), 0);
	emit_lines(s, 0, 10);
	assert_true(s->ops->flush(s) < 0);
	assert_int_equal(drain(p[0], &got), 4096);
	/* 4 whole lines; the 5th is half written and not counted yet */
	assert_int_equal(s->written, 4);
	assert_int_equal(s->dropped, 5);
	emit_lines(s, 10, 2);
	assert_int_equal(s->ops->flush(s), 0);
	drain(p[0], &got);
	assert_int_equal(s->written, 7);
	assert_int_equal(s->dropped, 5);
	assert_int_equal(s->ops->destroy(s), 5);

	restore_stdout(NULL);
	close(p[0]);
	lines = check_lines(got.data, got.len);
	assert_int_equal(lines, 7);
	assert_memory_equal(got.data + 4 * 900, "{\"i\":4,", 7);
	assert_memory_equal(got.data + 5 * 900, "{\"i\":10,", 8);
	pt_buf_free(&got);
}

/* What a path may name: a symlink and a FIFO are refused, /dev/null is not. */
static void test_open_refuses(void **state)
{
	char dir[] = "/tmp/pidtree-test-sink-json.XXXXXX", path[256], target[256];
	struct pt_sink *s;
	int rfd;

	assert_non_null(mkdtemp(dir));
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(pt_sink_json_open(&s, path), -ELOOP);
	assert_int_equal(access(target, F_OK), -1); /* O_CREAT did not follow it */
	unlink(path);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(pt_sink_json_open(&s, path), -ENXIO); /* no reader: not blocked */
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	assert_true(rfd >= 0);
	assert_int_equal(pt_sink_json_open(&s, path), -EINVAL); /* a reader: still a FIFO */
	close(rfd);
	unlink(path);
	assert_int_equal(pt_sink_json_open(&s, dir), -EISDIR);
	rmdir(dir);
	assert_int_equal(pt_sink_json_open(&s, "/dev/null"), 0);
	emit_lines(s, 0, 3);
	assert_int_equal(s->ops->flush(s), 0);
	assert_int_equal(s->written, 3);
	assert_int_equal(s->ops->destroy(s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_open_refuses),
		cmocka_unit_test_teardown(test_pipe_finishes_the_line, restore_stdout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

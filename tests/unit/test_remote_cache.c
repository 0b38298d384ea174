// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of remote includes' files (part of test_remote): the cache
 * directory and its files (remote_cache.c: atomic write, refusals) and the
 * CA file (remote_fetch.c: read from the trusted descriptor), both under
 * the trusted-file policy (core/trust.h).
 *
 * Each case builds its tree in a fresh directory under /tmp (sticky, root's:
 * the policy accepts it above a directory of ours).  Cases that need
 * another owner (lchown) are skipped unless run as root; ACLs need no
 * privilege, only a file system that has them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "remote.h"
#include "remote_int.h"
#include "remote_tests.h"

#define NOBODY 65534

static char base[PATH_MAX];

/* base/rel */
static const char *at(const char *rel)
{
	static char bufs[4][2 * PATH_MAX];
	static int i;
	char *b = bufs[i++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", base, rel);
	return b;
}

static void make_base(void)
{
	snprintf(base, sizeof(base), "/tmp/pt_test_remote_XXXXXX");
	assert_non_null(mkdtemp(base));
}

static void remove_base(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	assert_int_equal(system(cmd), 0);
}

/* someone else: not root, not us */
static unsigned int other_uid(void)
{
	return geteuid() == NOBODY ? NOBODY - 1 : NOBODY;
}

/* Grant other_uid() write through an ACL entry; false: no ACLs here. */
static bool grant_write(const char *path, bool dir)
{
	char text[128];
	acl_t acl;
	int ret;

	snprintf(text, sizeof(text), "u::rwx,u:%u:%s,g::---,m::rwx,o::---", other_uid(),
		 dir ? "rwx" : "rw-");
	acl = acl_from_text(text);
	assert_non_null(acl);
	ret = acl_set_file(path, ACL_TYPE_ACCESS, acl);
	acl_free(acl);
	if (ret && errno == EOPNOTSUPP)
		return false;
	assert_int_equal(ret, 0);
	return true;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int files_in(const char *dir)
{
	char cmd[PATH_MAX + 32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static const struct pt_remote_meta meta1 = { .url = "https://cfg.example/x.yml",
					     .etag = "\"1\"", .fetched = 42, .size = 5 };

void test_cache_files(void **state)
{
	char sub[PATH_MAX], err[1024], *body;
	char name[PT_REMOTE_CACHE_NAME_LEN + 1], p1[2 * PATH_MAX], p2[2 * PATH_MAX];
	struct pt_remote_meta m = meta1, r;
	struct stat st;

	make_base();
	snprintf(sub, sizeof(sub), "%s", at("a/b"));
	/* absent: nothing cached (and the read creates nothing) */
	assert_int_equal(pt_remote_cache_read(sub, m.url, 1024, &r, &body, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(stat(sub, &st), -1);
	/* the write creates the directories, 0700, and a 0600 file */
	assert_int_equal(pt_remote_cache_write(sub, &m, "a: 1\n", err, sizeof(err)), 0);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	pt_remote_cache_name(m.url, name);
	snprintf(p1, sizeof(p1), "%s/%s", sub, name);
	assert_int_equal(stat(p1, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(pt_remote_cache_read(sub, m.url, 1024, &r, &body, err, sizeof(err)), 0);
	assert_string_equal(body, "a: 1\n");
	assert_string_equal(r.etag, "\"1\"");
	assert_int_equal(r.fetched, 42);
	free(body);
	/* replaced atomically: no temporary file stays behind */
	m.size = 4;
	assert_int_equal(pt_remote_cache_write(sub, &m, "b: 2", err, sizeof(err)), 0);
	assert_int_equal(pt_remote_cache_read(sub, m.url, 1024, &r, &body, err, sizeof(err)), 0);
	assert_string_equal(body, "b: 2");
	free(body);
	assert_int_equal(files_in(sub), 1);
	/* larger than the limit */
	assert_int_equal(pt_remote_cache_read(sub, m.url, 3, &r, &body, err, sizeof(err)),
			 -EINVAL);
	/* a file under another URL's name */
	pt_remote_cache_name("https://cfg.example/other.yml", name);
	snprintf(p2, sizeof(p2), "%s/%s", sub, name);
	assert_int_equal(rename(p1, p2), 0);
	assert_int_equal(pt_remote_cache_read(sub, "https://cfg.example/other.yml", 1024, &r,
					      &body, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "holds another URL"));
	assert_int_equal(rename(p2, p1), 0);
	/* a file others can write */
	assert_int_equal(chmod(p1, 0602), 0);
	assert_int_equal(pt_remote_cache_read(sub, m.url, 1024, &r, &body, err, sizeof(err)),
			 -EPERM);
	assert_int_equal(chmod(p1, 0600), 0);
	/* a directory others can write: neither read nor written */
	assert_int_equal(chmod(sub, 0707), 0);
	assert_int_equal(pt_remote_cache_read(sub, m.url, 1024, &r, &body, err, sizeof(err)),
			 -EPERM);
	assert_non_null(strstr(err, "refusing the cache directory"));
	assert_int_equal(pt_remote_cache_write(sub, &m, "b: 2", err, sizeof(err)), -EPERM);
	assert_int_equal(chmod(sub, 0700), 0);
	/* a directory above it others can write (not sticky) */
	assert_int_equal(chmod(at("a"), 0777), 0);
	assert_int_equal(pt_remote_cache_read(sub, m.url, 1024, &r, &body, err, sizeof(err)),
			 -EPERM);
	print_message("open parent: %s\n", err);
	assert_int_equal(chmod(at("a"), 0700), 0);
	/* a corrupt file */
	FILE *f = fopen(p1, "w");
	fputs("pidtree-remote-include 1\nurl https://cfg.example/x.yml\n", f);
	fclose(f);
	assert_int_equal(pt_remote_cache_read(sub, m.url, 1024, &r, &body, err, sizeof(err)),
			 -EINVAL);
	/* a FIFO under the file's name: refused, without hanging */
	assert_int_equal(unlink(p1), 0);
	assert_int_equal(mkfifo(p1, 0600), 0);
	assert_int_equal(pt_remote_cache_read(sub, m.url, 1024, &r, &body, err, sizeof(err)),
			 -EPERM);
	remove_base();
}

/*
 * The cache directory named through a symlink that another user owns (as
 * one planted in /tmp would be): refused, even though the directory it
 * points to is ours; a symlink of our own is followed.
 */
void test_cache_dir_symlink(void **state)
{
	struct pt_remote_meta m = meta1, r;
	char err[1024], *body;

	make_base();
	assert_int_equal(mkdir(at("real"), 0700), 0);
	assert_int_equal(symlink("real", at("mine")), 0);
	assert_int_equal(pt_remote_cache_write(at("mine"), &m, "a: 1\n", err, sizeof(err)), 0);
	assert_int_equal(pt_remote_cache_read(at("mine"), m.url, 1024, &r, &body, err,
					      sizeof(err)), 0);
	free(body);
	if (geteuid() != 0) {
		print_message("not root: cannot give a symlink away; skipped\n");
		remove_base();
		skip();
	}
	assert_int_equal(symlink("real", at("planted")), 0);
	assert_int_equal(lchown(at("planted"), other_uid(), other_uid()), 0);
	assert_int_equal(pt_remote_cache_read(at("planted"), m.url, 1024, &r, &body, err,
					      sizeof(err)), -EPERM);
	print_message("planted symlink: %s\n", err);
	assert_non_null(strstr(err, "refusing the cache directory"));
	assert_non_null(strstr(err, "planted"));
	assert_null(body);
	assert_int_equal(pt_remote_cache_write(at("planted"), &m, "b: 2", err, sizeof(err)),
			 -EPERM);
	/* nothing was written through it */
	assert_int_equal(files_in(at("real")), 1);
	assert_int_equal(pt_remote_cache_read(at("mine"), m.url, 1024, &r, &body, err,
					      sizeof(err)), 0);
	assert_string_equal(body, "a: 1\n");
	free(body);
	remove_base();
}

/* An ACL entry that lets another user write the cache directory: refused. */
void test_cache_dir_acl(void **state)
{
	struct pt_remote_meta m = meta1, r;
	char err[1024], *body;

	make_base();
	assert_int_equal(pt_remote_cache_write(at("c"), &m, "a: 1\n", err, sizeof(err)), 0);
	if (!grant_write(at("c"), true)) {
		print_message("%s has no POSIX ACLs: skipped\n", base);
		remove_base();
		skip();
	}
	assert_int_equal(pt_remote_cache_read(at("c"), m.url, 1024, &r, &body, err, sizeof(err)),
			 -EPERM);
	print_message("ACL: %s\n", err);
	assert_non_null(strstr(err, "refusing the cache directory"));
	assert_non_null(strstr(err, "ACL entry granting write"));
	assert_int_equal(pt_remote_cache_write(at("c"), &m, "b: 2", err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "ACL entry granting write"));
	remove_base();
}

/*
 * A cache file replaced by a symlink (to a good cache file elsewhere):
 * refused, not followed; the next write replaces the symlink itself and
 * leaves its target alone.
 */
void test_cache_file_symlink(void **state)
{
	char name[PT_REMOTE_CACHE_NAME_LEN + 1], link[2 * PATH_MAX], target[2 * PATH_MAX];
	struct pt_remote_meta m = meta1, r;
	char err[1024], *body, buf[256];
	struct stat st;
	FILE *f;

	make_base();
	assert_int_equal(pt_remote_cache_write(at("other"), &m, "a: 1\n", err, sizeof(err)), 0);
	assert_int_equal(mkdir(at("c"), 0700), 0);
	pt_remote_cache_name(m.url, name);
	snprintf(link, sizeof(link), "%s/%s", at("c"), name);
	snprintf(target, sizeof(target), "%s/%s", at("other"), name);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(pt_remote_cache_read(at("c"), m.url, 1024, &r, &body, err, sizeof(err)),
			 -EPERM);
	print_message("symlinked file: %s\n", err);
	assert_non_null(strstr(err, "a symlink"));
	assert_null(body);
	m.size = 4;
	assert_int_equal(pt_remote_cache_write(at("c"), &m, "b: 2", err, sizeof(err)), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	f = fopen(target, "r");
	assert_non_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	assert_non_null(strstr(buf, "\n\na: 1\n"));
	remove_base();
}

/* As another user than root: a cache directory of root's is not ours. */
void test_cache_dir_owner(void **state)
{
	char err[1024];
	int fd;

	if (geteuid() == 0) {
		print_message("root: every root directory is ours; skipped\n");
		skip();
	}
	fd = pt_remote_cache_open("/", false, err, sizeof(err));
	assert_int_equal(fd, -EPERM);
	print_message("root's directory: %s\n", err);
	assert_non_null(strstr(err, "owned by uid 0"));
}

static int ca_read(const char *path, char **pem, size_t *len, char *err, size_t errlen)
{
	int ret = pt_remote_ca_read(path, pem, len, err, errlen);

	if (ret)
		print_message("CA %s: %d %s\n", path, ret, err);
	return ret;
}

void test_ca_read(void **state)
{
	static const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
	char err[1024], *got;
	size_t len;
	int fd;

	make_base();
	write_file(at("ca.pem"), pem, 0644);
	assert_int_equal(ca_read(at("ca.pem"), &got, &len, err, sizeof(err)), 0);
	assert_int_equal(len, strlen(pem));
	assert_string_equal(got, pem);
	free(got);
	/* through a symlink of ours */
	assert_int_equal(symlink("ca.pem", at("link.pem")), 0);
	assert_int_equal(ca_read(at("link.pem"), &got, &len, err, sizeof(err)), 0);
	assert_string_equal(got, pem);
	free(got);
	/* another user may write it through its ACL */
	write_file(at("acl.pem"), pem, 0644);
	if (grant_write(at("acl.pem"), false)) {
		assert_int_equal(ca_read(at("acl.pem"), &got, &len, err, sizeof(err)), -EPERM);
		assert_null(got);
		assert_non_null(strstr(err, "refusing the CA file"));
		assert_non_null(strstr(err, "ACL entry granting write"));
	} else {
		print_message("%s has no POSIX ACLs: not tried\n", base);
	}
	/* world-writable, a FIFO (not opened), a directory, empty, too large, absent */
	write_file(at("open.pem"), pem, 0666);
	assert_int_equal(ca_read(at("open.pem"), &got, &len, err, sizeof(err)), -EPERM);
	assert_int_equal(mkfifo(at("fifo.pem"), 0600), 0);
	assert_true(ca_read(at("fifo.pem"), &got, &len, err, sizeof(err)) < 0);
	assert_int_equal(mkdir(at("dir.pem"), 0700), 0);
	assert_int_equal(ca_read(at("dir.pem"), &got, &len, err, sizeof(err)), -EISDIR);
	write_file(at("empty.pem"), "", 0644);
	assert_int_equal(ca_read(at("empty.pem"), &got, &len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty"));
	fd = open(at("big.pem"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, PT_REMOTE_CA_MAX + 1), 0);
	close(fd);
	assert_int_equal(ca_read(at("big.pem"), &got, &len, err, sizeof(err)), -EFBIG);
	assert_int_equal(ca_read(at("none.pem"), &got, &len, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open the CA file"));
	if (geteuid() == 0) {
		/* a symlink another user owns */
		assert_int_equal(symlink("ca.pem", at("planted.pem")), 0);
		assert_int_equal(lchown(at("planted.pem"), other_uid(), other_uid()), 0);
		assert_int_equal(ca_read(at("planted.pem"), &got, &len, err, sizeof(err)), -EPERM);
		/* a file another user owns */
		assert_int_equal(chown(at("ca.pem"), other_uid(), other_uid()), 0);
		assert_int_equal(ca_read(at("ca.pem"), &got, &len, err, sizeof(err)), -EPERM);
	} else {
		print_message("not root: cannot give files away; those cases skipped\n");
	}
	remove_base();
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the trusted-file policy (core/trust.h) on a tree built in a
 * temporary directory: owner and mode of the file and of every directory
 * above it, POSIX ACL entries (with the mask), symlinks (owned by whom, in
 * which directory, chains like Debian's /lib -> usr/lib, loops), ".", "..",
 * relative paths (the working directory is checked too), non-regular files,
 * errors that must fail closed, a descriptor that keeps reading what was
 * checked, and a symlink flipped while the check runs.
 *
 * Most cases need no privilege (ACLs can be set on one's own files); the
 * ones that need another owner (chown) are skipped unless run as root.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/acl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "trust.h"

#define NOBODY 65534

static char dir[PATH_MAX];  /* the temporary tree's root, 0755, ours */
static char why[PATH_MAX + 256];

/* dir/rel */
static const char *at(const char *rel)
{
	static char bufs[4][2 * PATH_MAX];
	static int i;
	char *b = bufs[i++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, rel);
	return b;
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void mkdir_at(const char *rel, mode_t mode)
{
	assert_int_equal(mkdir(at(rel), 0700), 0);
	assert_int_equal(chmod(at(rel), mode), 0);
}

static void symlink_at(const char *target, const char *rel)
{
	unlink(at(rel));
	assert_int_equal(symlink(target, at(rel)), 0);
}

/* someone else: not root, not us */
static unsigned int other_uid(void)
{
	return geteuid() == NOBODY ? NOBODY - 1 : NOBODY;
}

/* set the access ACL of rel; "%u" in fmt is other_uid() */
__attribute__((format(printf, 2, 3))) static void set_acl(const char *rel, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	acl_t acl;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	acl = acl_from_text(text);

	assert_non_null(acl);
	assert_int_equal(acl_set_file(at(rel), ACL_TYPE_ACCESS, acl), 0);
	acl_free(acl);
}

/* pt_trust_open(); the content read from the descriptor into buf */
static int open_read(const char *path, char *buf, size_t len, struct pt_trust_file *info)
{
	ssize_t n;
	int fd;

	why[0] = '\0';
	fd = pt_trust_open(path, 0, info, why, sizeof(why));
	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	return 0;
}

static int topen(const char *path)
{
	char buf[64];

	return open_read(path, buf, sizeof(buf), NULL);
}

#define assert_why(s)                                                                   \
	do {                                                                            \
		if (!strstr(why, (s)))                                                  \
			print_error("why: '%s', expected '%s'\n", why, (s));            \
		assert_non_null(strstr(why, (s)));                                      \
	} while (0)

static int setup(void **st)
{
	char *rp;

	snprintf(dir, sizeof(dir), "/tmp/pt-trust-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	/* /tmp may be reached through a symlink: work on the canonical path */
	rp = realpath(dir, NULL);
	assert_non_null(rp);
	snprintf(dir, sizeof(dir), "%s", rp);
	free(rp);
	return 0;
}

static int teardown(void **st)
{
	char cmd[PATH_MAX + 16];

	assert_int_equal(chdir("/"), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A plain file of ours: opened, read from the descriptor, canonical path. */
static void test_plain(void **st)
{
	struct pt_trust_file info;
	char buf[64];

	write_file("plain.yml", "hello\n", 0644);
	assert_int_equal(open_read(at("plain.yml"), buf, sizeof(buf), &info), 0);
	assert_string_equal(buf, "hello\n");
	assert_string_equal(info.path, at("plain.yml"));
	assert_true(S_ISREG(info.st.st_mode));
	/* read-only for everybody is fine too, and "/" passes */
	assert_int_equal(chmod(at("plain.yml"), 0400), 0);
	assert_int_equal(topen(at("plain.yml")), 0);
	{
		int fd = pt_trust_open("/", O_DIRECTORY, NULL, why, sizeof(why));

		assert_true(fd >= 0);
		close(fd);
	}
	/* only 0 and O_DIRECTORY are flags */
	assert_int_equal(pt_trust_open(at("plain.yml"), O_RDWR, NULL, why, sizeof(why)), -EINVAL);
	assert_int_equal(pt_trust_open(at("plain.yml"), O_CREAT, NULL, why, sizeof(why)), -EINVAL);
	unlink(at("plain.yml"));
}

/* Mode bits of the file and of the directories above it. */
static void test_modes(void **st)
{
	write_file("m.yml", "x\n", 0666);
	assert_int_equal(topen(at("m.yml")), -EPERM);
	assert_why("m.yml is writable by a non-root user (world-writable, mode 0666)");
	assert_int_equal(chmod(at("m.yml"), 0644), 0);
	assert_int_equal(topen(at("m.yml")), 0);

	mkdir_at("d", 0755);
	write_file("d/f", "x\n", 0644);
	assert_int_equal(topen(at("d/f")), 0);
	assert_int_equal(chmod(at("d"), 0777), 0);
	assert_int_equal(topen(at("d/f")), -EPERM);
	assert_why("/d is writable by a non-root user (world-writable, mode 0777)");
	/* a sticky directory above is fine (others cannot rename root's entries) ... */
	assert_int_equal(chmod(at("d"), 01777), 0);
	assert_int_equal(topen(at("d/f")), 0);
	/* ... but a sticky directory is not fine as the object checked itself */
	assert_int_equal(pt_trust_open(at("d"), O_DIRECTORY, NULL, why, sizeof(why)), -EPERM);
	assert_int_equal(chmod(at("d"), 0755), 0);
	/* the directory itself, opened as one */
	{
		int fd = pt_trust_open(at("d"), O_DIRECTORY, NULL, why, sizeof(why));

		assert_true(fd >= 0);
		close(fd);
	}
	/* a world-writable directory high above (here: the tree's root) */
	assert_int_equal(chmod(dir, 0757), 0);
	assert_int_equal(topen(at("d/f")), -EPERM);
	assert_why(dir);
	assert_int_equal(chmod(dir, 0755), 0);
}

/* Group write: by root's group it is root's; by another group it is not. */
static void test_group(void **st)
{
	if (geteuid() != 0) {
		print_message("not root: cannot give files to other groups; skipped\n");
		skip();
	}
	write_file("g.yml", "x\n", 0664);
	assert_int_equal(chown(at("g.yml"), 0, 0), 0);
	assert_int_equal(topen(at("g.yml")), 0);
	assert_int_equal(chown(at("g.yml"), 0, NOBODY), 0);
	assert_int_equal(chmod(at("g.yml"), 0664), 0);
	assert_int_equal(topen(at("g.yml")), -EPERM);
	assert_why("g.yml is writable by a non-root user (group-writable, mode 0664)");
	assert_int_equal(chmod(at("g.yml"), 0644), 0);
	assert_int_equal(topen(at("g.yml")), 0);
	unlink(at("g.yml"));
}

/*
 * POSIX ACLs: the group bits of an extended ACL's mode are the mask, so a
 * 0644-looking file can be writable by anybody named in it.
 */
static void test_acl(void **st)
{
	unsigned int o = other_uid();
	char msg[128];
	acl_t acl;

	write_file("a.yml", "x\n", 0644);
	acl = acl_from_text("u::rw-,g::r--,o::r--");
	assert_non_null(acl);
	if (acl_set_file(at("a.yml"), ACL_TYPE_ACCESS, acl) && errno == EOPNOTSUPP) {
		acl_free(acl);
		print_message("%s has no POSIX ACLs: skipped\n", dir);
		skip();
	}
	acl_free(acl);
	/* what the audit found: user:65534:rw on a 0644 root file passed */
	set_acl("a.yml", "u::rw-,u:%u:rw-,g::r--,m::rw-,o::r--", o);
	assert_int_equal(topen(at("a.yml")), -EPERM);
	snprintf(msg, sizeof(msg),
		 "a.yml has an ACL entry granting write to uid %u (user:%u:rw-, mask::rw-)", o, o);
	assert_why(msg);
	/* the mask takes the write away: what the kernel enforces is read-only */
	set_acl("a.yml", "u::rw-,u:%u:rw-,g::r--,m::r--,o::r--", o);
	assert_int_equal(topen(at("a.yml")), 0);
	/* a named group */
	set_acl("a.yml", "u::rw-,g::r--,g:%u:rw-,m::rw-,o::r--", o);
	assert_int_equal(topen(at("a.yml")), -EPERM);
	snprintf(msg, sizeof(msg), "granting write to gid %u (group:%u:rw-", o, o);
	assert_why(msg);
	/* root's own entries are root's, and ours are ours */
	set_acl("a.yml", "u::rw-,u:0:rw-,g::r--,g:0:rw-,m::rw-,o::r--");
	assert_int_equal(topen(at("a.yml")), 0);
	if (geteuid() != 0) {
		set_acl("a.yml", "u::rw-,u:%u:rw-,g::r--,m::rw-,o::r--", geteuid());
		assert_int_equal(topen(at("a.yml")), 0);
	}
	/* read-only entries for others are fine */
	set_acl("a.yml", "u::rw-,u:%u:r--,g::r--,m::r--,o::r--", o);
	assert_int_equal(topen(at("a.yml")), 0);

	/* an ACL on a directory above: the entry could be replaced */
	mkdir_at("ad", 0755);
	write_file("ad/f", "x\n", 0644);
	assert_int_equal(topen(at("ad/f")), 0);
	set_acl("ad", "u::rwx,u:%u:rwx,g::r-x,m::rwx,o::r-x", o);
	assert_int_equal(topen(at("ad/f")), -EPERM);
	snprintf(msg, sizeof(msg), "/ad has an ACL entry granting write to uid %u", o);
	assert_why(msg);
	/* ... but a sticky directory with it is like /tmp */
	assert_int_equal(chmod(at("ad"), 01775), 0);
	assert_int_equal(topen(at("ad/f")), 0);
	set_acl("ad", "u::rwx,g::r-x,o::r-x");
	assert_int_equal(chmod(at("ad"), 0755), 0);
	assert_int_equal(topen(at("ad/f")), 0);
}

/* The owning group seen through an ACL: group::, capped by the mask. */
static void test_acl_group_obj(void **st)
{
	if (geteuid() != 0) {
		print_message("not root: cannot give files to other groups; skipped\n");
		skip();
	}
	write_file("go.yml", "x\n", 0644);
	assert_int_equal(chown(at("go.yml"), 0, NOBODY), 0);
	/* mode shows g+w (the mask), but the group itself may only read */
	set_acl("go.yml", "u::rw-,u:0:rw-,g::r--,m::rw-,o::r--");
	assert_int_equal(topen(at("go.yml")), 0);
	set_acl("go.yml", "u::rw-,u:0:rw-,g::rw-,m::rw-,o::r--");
	assert_int_equal(topen(at("go.yml")), -EPERM);
	assert_why("go.yml is writable by its group 65534 through its ACL (group::rw-, mask::rw-)");
	set_acl("go.yml", "u::rw-,u:0:rw-,g::rw-,m::r--,o::r--");
	assert_int_equal(topen(at("go.yml")), 0);
	unlink(at("go.yml"));
}

/* Owners: the file, a directory above, a symlink. */
static void test_owners(void **st)
{
	if (geteuid() != 0) {
		print_message("not root: cannot give files away; skipped\n");
		skip();
	}
	write_file("o.yml", "x\n", 0644);
	assert_int_equal(chown(at("o.yml"), NOBODY, 0), 0);
	assert_int_equal(topen(at("o.yml")), -EPERM);
	assert_why("o.yml is owned by uid 65534, not by root");
	assert_int_equal(chown(at("o.yml"), 0, 0), 0);
	assert_int_equal(topen(at("o.yml")), 0);

	/* a directory a user owns, even 0755: they can replace what is in it */
	mkdir_at("ud", 0755);
	write_file("ud/f", "x\n", 0644);
	assert_int_equal(chown(at("ud"), NOBODY, NOBODY), 0);
	assert_int_equal(topen(at("ud/f")), -EPERM);
	assert_why("/ud is owned by uid 65534, not by root");

	/* a symlink in it, to a root file in a root directory: refused */
	symlink_at(at("o.yml"), "ud/link");
	assert_int_equal(lchown(at("ud/link"), 0, 0), 0);
	assert_int_equal(topen(at("ud/link")), -EPERM);
	assert_why("/ud is owned by uid 65534, not by root");

	/* a symlink a user owns, in a root directory (as in /tmp): refused */
	symlink_at(at("o.yml"), "ulink");
	assert_int_equal(lchown(at("ulink"), NOBODY, NOBODY), 0);
	assert_int_equal(topen(at("ulink")), -EPERM);
	assert_why("ulink is a symbolic link owned by uid 65534, not by root");
	unlink(at("ulink"));
}

/* Root's symlinks are followed, chains and relative targets included. */
static void test_symlinks(void **st)
{
	struct pt_trust_file info;
	char buf[64], target[PATH_MAX + 64];

	/* Debian 12: /lib -> usr/lib */
	mkdir_at("usr", 0755);
	mkdir_at("usr/lib", 0755);
	mkdir_at("usr/lib/pidtree", 0755);
	write_file("usr/lib/pidtree/p.yml", "deb\n", 0644);
	symlink_at("usr/lib", "lib");
	assert_int_equal(open_read(at("lib/pidtree/p.yml"), buf, sizeof(buf), &info), 0);
	assert_string_equal(buf, "deb\n");
	assert_string_equal(info.path, at("usr/lib/pidtree/p.yml"));
	/* /etc/alternatives style: a chain of absolute links to the file */
	mkdir_at("alt", 0755);
	symlink_at(at("usr/lib/pidtree/p.yml"), "alt/p");
	symlink_at(at("alt/p"), "p.yml");
	assert_int_equal(open_read(at("p.yml"), buf, sizeof(buf), &info), 0);
	assert_string_equal(info.path, at("usr/lib/pidtree/p.yml"));
	/* a relative target with "..", and a link to a directory with a trailing "/" */
	symlink_at("../usr/lib/./pidtree/p.yml", "alt/rel");
	assert_int_equal(open_read(at("alt/rel"), buf, sizeof(buf), &info), 0);
	assert_string_equal(info.path, at("usr/lib/pidtree/p.yml"));
	symlink_at("usr/lib/pidtree/", "pdir");
	assert_int_equal(open_read(at("pdir/p.yml"), buf, sizeof(buf), &info), 0);
	assert_string_equal(info.path, at("usr/lib/pidtree/p.yml"));
	/* "." and ".." in the path itself */
	assert_int_equal(open_read(at("usr/./lib/../lib/pidtree/p.yml"), buf, sizeof(buf), &info),
			 0);
	assert_string_equal(info.path, at("usr/lib/pidtree/p.yml"));
	/* ".." above "/" stays at "/" */
	snprintf(target, sizeof(target), "/../../..%s", at("p.yml"));
	assert_int_equal(topen(target), 0);

	/* the target is checked like the path: a world-writable file behind a good link */
	write_file("usr/bad.yml", "x\n", 0646);
	symlink_at("usr/bad.yml", "tobad");
	assert_int_equal(topen(at("tobad")), -EPERM);
	assert_why("usr/bad.yml is writable by a non-root user");
	/* ... and a world-writable directory on the target's way */
	mkdir_at("ww", 0777);
	mkdir_at("ww/sub", 0755);
	write_file("ww/sub/f", "x\n", 0644);
	symlink_at("ww/sub/f", "toww");
	assert_int_equal(topen(at("toww")), -EPERM);
	assert_why("/ww is writable by a non-root user");
	/* a good link inside a world-writable directory: the directory is refused */
	symlink_at(at("usr/lib/pidtree/p.yml"), "ww/link");
	assert_int_equal(topen(at("ww/link")), -EPERM);
	assert_why("/ww is writable by a non-root user");
}

/* Errors fail closed, each with its errno and the component named. */
static void test_errors(void **st)
{
	char longname[NAME_MAX + 8];
	int fd;

	assert_int_equal(topen(at("missing.yml")), -ENOENT);
	assert_why("missing.yml: No such file or directory");
	assert_int_equal(topen(at("nodir/x.yml")), -ENOENT);
	assert_why("/nodir: No such file or directory");
	assert_int_equal(topen(""), -ENOENT);
	/* a dangling link */
	symlink_at("nowhere", "dangling");
	assert_int_equal(topen(at("dangling")), -ENOENT);
	/* loops */
	symlink_at("loop2", "loop1");
	symlink_at("loop1", "loop2");
	assert_int_equal(topen(at("loop1")), -ELOOP);
	symlink_at("self", "self");
	assert_int_equal(topen(at("self")), -ELOOP);
	/* a file where a directory is needed, and the other way round */
	write_file("file", "x\n", 0644);
	assert_int_equal(topen(at("file/x")), -ENOTDIR);
	assert_int_equal(topen(at("file/")), -ENOTDIR);
	assert_int_equal(pt_trust_open(at("file"), O_DIRECTORY, NULL, why, sizeof(why)), -ENOTDIR);
	mkdir_at("adir", 0755);
	assert_int_equal(topen(at("adir")), -EISDIR);
	assert_int_equal(topen("/"), -EISDIR);
	/* a FIFO is refused without being opened (an open would block) */
	assert_int_equal(mkfifo(at("fifo"), 0644), 0);
	assert_int_equal(topen(at("fifo")), -EINVAL);
	assert_why("fifo is not a regular file");
	assert_int_equal(pt_trust_open(at("fifo"), O_DIRECTORY, NULL, why, sizeof(why)), -EINVAL);
	/* a device */
	assert_int_equal(topen("/dev/null"), -EINVAL);
	/* names too long */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(topen(at(longname)), -ENAMETOOLONG);
	/* no descriptor leaks on any of these */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(topen(at("loop1")), -ELOOP);
	assert_int_equal(topen(at("fifo")), -EINVAL);
	assert_int_equal(topen(at("nodir/x.yml")), -ENOENT);
	assert_int_equal(open("/dev/null", O_RDONLY | O_CLOEXEC), fd);
	close(fd);
}

/* A relative path is resolved from the working directory, which is checked too. */
static void test_relative(void **st)
{
	struct pt_trust_file info;
	char buf[64];

	mkdir_at("cwd", 0755);
	mkdir_at("cwd/sub", 0755);
	write_file("cwd/sub/r.yml", "rel\n", 0644);
	assert_int_equal(chdir(at("cwd")), 0);
	assert_int_equal(open_read("sub/r.yml", buf, sizeof(buf), &info), 0);
	assert_string_equal(buf, "rel\n");
	assert_string_equal(info.path, at("cwd/sub/r.yml"));
	assert_int_equal(open_read("./sub/../sub/r.yml", buf, sizeof(buf), &info), 0);
	assert_string_equal(info.path, at("cwd/sub/r.yml"));
	/* the working directory's own chain: a world-writable directory above it */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(topen("sub/r.yml"), -EPERM);
	assert_why(dir);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(chdir("/"), 0);
}

/* What is read is what was checked, whatever happens to the path afterwards. */
static void test_descriptor(void **st)
{
	char buf[64];
	int fd;

	write_file("swap.yml", "checked\n", 0644);
	write_file("other.yml", "swapped in\n", 0644);
	fd = pt_trust_open(at("swap.yml"), 0, NULL, why, sizeof(why));
	assert_true(fd >= 0);
	assert_int_equal(rename(at("other.yml"), at("swap.yml")), 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), 8);
	buf[8] = '\0';
	assert_string_equal(buf, "checked\n");
	/* blocking, close-on-exec, read-only */
	assert_int_equal(fcntl(fd, F_GETFL) & (O_NONBLOCK | O_ACCMODE), O_RDONLY);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

/* ---- a symlink flipped while the check runs ----------------------------------- */

struct flipper {
	atomic_bool stop;
	char link[PATH_MAX + 64], tmp[PATH_MAX + 64], good[PATH_MAX + 64], bad[PATH_MAX + 64];
};

static void *flip(void *arg)
{
	struct flipper *f = arg;

	for (unsigned long i = 0; !atomic_load(&f->stop); i++) {
		unlink(f->tmp);
		if (symlink(i & 1 ? f->bad : f->good, f->tmp) == 0)
			rename(f->tmp, f->link);
	}
	return NULL;
}

/*
 * The audit's race: a link in a directory anybody can write flips between
 * root's file and the attacker's.  The directory is untrusted, so nothing
 * is ever opened through it; above all the attacker's content never is.
 */
static void test_race(void **st)
{
	struct flipper f = { 0 };
	int accepted = 0, wins = 0;
	pthread_t th;
	char buf[64];

	mkdir_at("good", 0755);
	write_file("good/f", "good\n", 0644);
	mkdir_at("bad", 0755);
	write_file("bad/f", "bad\n", 0666);
	mkdir_at("attacker", 0777);
	snprintf(f.link, sizeof(f.link), "%s", at("attacker/link"));
	snprintf(f.tmp, sizeof(f.tmp), "%s", at("attacker/link.tmp"));
	snprintf(f.good, sizeof(f.good), "%s", at("good/f"));
	snprintf(f.bad, sizeof(f.bad), "%s", at("bad/f"));
	symlink_at(f.good, "attacker/link");
	assert_int_equal(pthread_create(&th, NULL, flip, &f), 0);
	for (int i = 0; i < 3000; i++) {
		if (open_read(f.link, buf, sizeof(buf), NULL) != 0)
			continue;
		accepted++;
		wins += !strcmp(buf, "bad\n");
	}
	atomic_store(&f.stop, true);
	pthread_join(th, NULL);
	print_message("accepted %d of 3000, the attacker's file %d times\n", accepted, wins);
	assert_int_equal(wins, 0);
	assert_int_equal(accepted, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),	     cmocka_unit_test(test_modes),
		cmocka_unit_test(test_group),	     cmocka_unit_test(test_acl),
		cmocka_unit_test(test_acl_group_obj), cmocka_unit_test(test_owners),
		cmocka_unit_test(test_symlinks),     cmocka_unit_test(test_errors),
		cmocka_unit_test(test_relative),     cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_race),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

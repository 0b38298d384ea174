/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The cases of test_remote that live in test_remote_cache.c. */
#ifndef PIDTREE_REMOTE_TESTS_H
#define PIDTREE_REMOTE_TESTS_H

void test_cache_files(void **state);
void test_cache_dir_symlink(void **state);
void test_cache_dir_acl(void **state);
void test_cache_file_symlink(void **state);
void test_cache_dir_owner(void **state);
void test_ca_read(void **state);

#endif

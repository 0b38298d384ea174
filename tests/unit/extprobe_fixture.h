/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by test_extprobe.c and test_extprobe_run.c: a descriptor of the
 * tests' own, a trusted temporary directory holding copies of the test
 * suite's probe .so files (tests/probes, built by make check), and a probe
 * configuration loader with a resolver for the key "myprobe".
 */
#ifndef PIDTREE_TEST_EXTPROBE_FIXTURE_H
#define PIDTREE_TEST_EXTPROBE_FIXTURE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "extprobe.h"
#include "schemas.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* not every test program uses every helper */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-variable"

/* ---- a descriptor of the test's own -------------------------------------------------- */

static const char *const t_args[] = { "depth", "mode", NULL };
static const struct pidtree_probe_loss t_losses[] = {
	{ "tprobe", "records lost", PIDTREE_LOSS_EVENTS },
	{ "tprobe_seen", "seen only", PIDTREE_LOSS_COUNTED },
};

/* decode(): where it points the tree (0 the record's, 1 elsewhere, 2 past the record's end) */
static int t_tree_mode;
/* the object t_open() opened last */
static struct bpf_object *t_last_obj;

static struct pt_ancestry t_elsewhere;

struct t_rec {
	struct pt_record_hdr hdr;
	char text[16];
	struct pt_ancestry tree;
};

static int t_open(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		  const struct pidtree_arg *args, void **state)
{
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_file(PROBES_BUILDDIR "/ext_connect.bpf.o", NULL);

	if (!obj)
		return -errno;
	*state = obj;
	t_last_obj = obj;
	err = api->prepare(ctx, obj);
	/* not loaded: pidtree's side is what is tested */
	return err;
}

static int t_decode_real(void *state, uint32_t rec, const void *data, size_t len,
			 struct pidtree_event *ev, const struct pt_ancestry **tree)
{
	const struct pidtree_api *a = pt_plugins_api();
	const struct t_rec *r = data;

	if (len < sizeof(*r))
		return -EINVAL;
	a->add_str(ev, "t_text", r->text);
	if (t_tree_mode == 1)
		*tree = &t_elsewhere; /* not in the record */
	else if (t_tree_mode == 2)
		*tree = (const void *)((const char *)&r->tree + 1); /* runs past its end */
	else
		*tree = &r->tree;
	return 0;
}

static void t_close(void *state)
{
	bpf_object__close(state);
}

static struct pidtree_probe good(void)
{
	struct pidtree_probe p = {
		.abi_version = PIDTREE_PROBE_ABI_VERSION,
		.size = sizeof(struct pidtree_probe),
		.name = "tprobe",
		.version = "2.1",
		.message_id = "0123456789abcdef0123456789abcdef",
		.attach = "tp_btf/something",
		.shape = PIDTREE_SHAPE_CONNECT,
		.network = true,
		.nrecords = 3,
		.losses = t_losses,
		.nlosses = 2,
		.args = t_args,
		.open = t_open,
		.decode = t_decode_real,
		.close = t_close,
	};
	return p;
}

/* ---- the directory of .so files ---------------------------------------------------------- */

static char tmpdir[PATH_MAX];

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(chmod(to, mode), 0);
}

static void put(const char *built, const char *as, mode_t mode)
{
	char from[PATH_MAX], to[PATH_MAX + 64];

	snprintf(from, sizeof(from), "%s/%s", PROBES_BUILDDIR, built);
	snprintf(to, sizeof(to), "%s/%s", tmpdir, as);
	copy_file(from, to, mode);
}

static int setup_dir(void **unused)
{
	strcpy(tmpdir, "/tmp/pidtree-test-extprobe.XXXXXX");
	if (!mkdtemp(tmpdir) || chmod(tmpdir, 0755))
		return -1;
	put("process_exec.so", "process_exec.so", 0644);
	put("process_exec.so", "other.so", 0644);
	put("process_exec.so", "writable.so", 0664);
	/* group-writable counts when the group is not root's (as root: make it so) */
	if (geteuid() == 0 && chown(tmpdir, 0, 65534))
		return -1;
	if (geteuid() == 0) {
		char w[PATH_MAX + 16];

		snprintf(w, sizeof(w), "%s/writable.so", tmpdir);
		if (chown(w, 0, 65534))
			return -1;
	}
	put("bad_abi.so", "bad_abi.so", 0644);
	put("no_symbol.so", "no_symbol.so", 0644);
	return 0;
}

static int teardown_dir(void **unused)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- the configuration's hook ------------------------------------------------------------- */

static const char *const my_keys[] = { "foo", NULL };
static int parse_nothing(void *o, const struct pt_ynode *k, const struct pt_ynode *v,
			 struct pt_diags *d)
{
	return 0;
}
static const struct pt_probe_schema my_schema = {
	.name = "myprobe", .keys = my_keys, .plugins = true, .parse_key = parse_nothing,
};

static int resolve(void *ctx, const struct pt_ynode *key, const struct pt_probe_schema **schema,
		   struct pt_diags *d)
{
	int *calls = ctx;

	(*calls)++;
	if (!strcmp(key->scalar, "myprobe")) {
		*schema = &my_schema;
		return 1;
	}
	if (!strcmp(key->scalar, "refused")) {
		pt_diag_add(d, PT_DIAG_ERROR, key->file, key->line, "probe refused: %s", key->scalar);
		return -EINVAL;
	}
	return 0;
}

static void write_yml(char *path, size_t len, const char *text)
{
	FILE *f;

	assert_true(strlen(tmpdir) + sizeof("/probes.yml") <= len);
	strcpy(path, tmpdir);
	strcat(path, "/probes.yml");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static bool has_diag(const struct pt_diags *d, enum pt_diag_level level, int line, const char *m)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == level && d->v[i].line == line && strstr(d->v[i].msg, m))
			return true;
	return false;
}

/* ---- reload: own arguments --------------------------------------------------------------- */

/* The value of probe key "p" in YAML text (the tree stays in *cfg). */
static const struct pt_ynode *probe_value(struct pt_config *cfg, const char *text)
{
	struct pt_config_unknown u = { .resolve = resolve };
	struct pt_diags d = { 0 };
	char path[PATH_MAX];
	int calls = 0;

	u.ctx = &calls;
	write_yml(path, sizeof(path), text);
	assert_int_equal(pt_config_load_ext(cfg, path, schemas(), NULL, &u, &d), 0);
	pt_diags_free(&d);
	return pt_config_probe(cfg, "myprobe")->node;
}

#endif

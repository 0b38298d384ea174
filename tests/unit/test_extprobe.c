// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of external probes' loading (src/daemon/extprobe.c): the ABI's
 * validation, field by field; the probe-table row built from a descriptor;
 * loading .so files (the example process_exec, a wrong ABI version, no
 * descriptor, another name, refused by the trusted-file policy).
 */
#include "extprobe_fixture.h"

static void test_validate_good(void **unused)
{
	struct pidtree_probe p = good();
	char why[256] = "";

	assert_int_equal(pt_extprobe_validate(&p, "tprobe", why, sizeof(why)), 0);
	p.version = NULL;
	p.message_id = NULL;
	p.args = NULL;
	assert_int_equal(pt_extprobe_validate(&p, "tprobe", why, sizeof(why)), 0);
}

static const struct pidtree_probe_loss l_unprefixed[] = { { "other", "x", 0 } };
static const struct pidtree_probe_loss l_prefix_only[] = { { "tprobe_", "x", 0 } };
static const struct pidtree_probe_loss l_twice[] = { { "tprobe", "x", 0 }, { "tprobe", "y", 0 } };
static const struct pidtree_probe_loss l_nowhat[] = { { "tprobe", NULL, 0 } };
static const struct pidtree_probe_loss l_kind[] = { { "tprobe", "x", 1 } };
static const char *const a_upper[] = { "Depth", NULL };
static const char *const a_common[] = { "plugins", NULL };

static void test_validate_bad(void **unused)
{
	static const struct {
		const char *field;
		const char *expect;
	} cases[] = {
		{ "version", "built for probe ABI version 2; this pidtree has version 1" },
		{ "size", "its descriptor is 8 bytes" },
		{ "name", "calls itself 'other', not 'tprobe'" },
		{ "noname", "calls itself '(null)'" },
		{ "message_id", "message_id is not 32 lowercase hexadecimal digits" },
		{ "message_id_short", "message_id is not 32" },
		{ "attach", "names no attach points" },
		{ "attach_ctl", "names no attach points" },
		{ "pversion", "its version is not" },
		{ "shape", "unknown event shape 9" },
		{ "needs", "unknown needs 0x80" },
		{ "nrecords0", "0 record types (1-16)" },
		{ "nrecords17", "17 record types" },
		{ "nlosses0", "0 loss counters" },
		{ "nlosses9", "9 loss counters" },
		{ "nolosses", "loss counters" },
		{ "unprefixed", "loss counter #1 is not named tprobe or tprobe_..." },
		{ "prefix_only", "loss counter #1 is not named" },
		{ "twice", "two loss counters are named tprobe" },
		{ "nowhat", "loss counter tprobe does not say what it counts" },
		{ "kind", "loss counter tprobe: unknown kind 1" },
		{ "open", "no open function" },
		{ "decode", "no decode function" },
		{ "close", "no close function" },
		{ "arg_upper", "argument key #1 is not [a-z0-9_]+" },
		{ "arg_common", "argument key 'plugins' is one of pidtree's own" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pidtree_probe p = good();
		const char *f = cases[i].field;
		char why[256] = "";

		if (!strcmp(f, "version"))
			p.abi_version = 2;
		else if (!strcmp(f, "size"))
			p.size = 8;
		else if (!strcmp(f, "name"))
			p.name = "other";
		else if (!strcmp(f, "noname"))
			p.name = NULL;
		else if (!strcmp(f, "message_id"))
			p.message_id = "0123456789ABCDEF0123456789ABCDEF";
		else if (!strcmp(f, "message_id_short"))
			p.message_id = "0123456789abcdef0123456789abcde";
		else if (!strcmp(f, "attach"))
			p.attach = NULL;
		else if (!strcmp(f, "attach_ctl"))
			p.attach = "line\nbreak";
		else if (!strcmp(f, "pversion"))
			p.version = "";
		else if (!strcmp(f, "shape"))
			p.shape = 9;
		else if (!strcmp(f, "needs"))
			p.needs = 0x80;
		else if (!strcmp(f, "nrecords0"))
			p.nrecords = 0;
		else if (!strcmp(f, "nrecords17"))
			p.nrecords = 17;
		else if (!strcmp(f, "nlosses0"))
			p.nlosses = 0;
		else if (!strcmp(f, "nlosses9"))
			p.nlosses = 9;
		else if (!strcmp(f, "nolosses"))
			p.losses = NULL;
		else if (!strcmp(f, "unprefixed"))
			p.losses = l_unprefixed, p.nlosses = 1;
		else if (!strcmp(f, "prefix_only"))
			p.losses = l_prefix_only, p.nlosses = 1;
		else if (!strcmp(f, "twice"))
			p.losses = l_twice, p.nlosses = 2;
		else if (!strcmp(f, "nowhat"))
			p.losses = l_nowhat, p.nlosses = 1;
		else if (!strcmp(f, "kind"))
			p.losses = l_kind, p.nlosses = 1;
		else if (!strcmp(f, "open"))
			p.open = NULL;
		else if (!strcmp(f, "decode"))
			p.decode = NULL;
		else if (!strcmp(f, "close"))
			p.close = NULL;
		else if (!strcmp(f, "arg_upper"))
			p.args = a_upper;
		else if (!strcmp(f, "arg_common"))
			p.args = a_common;
		if (pt_extprobe_validate(&p, "tprobe", why, sizeof(why)) != -EINVAL ||
		    !strstr(why, cases[i].expect))
			fail_msg("%s: got '%s', want '%s'", f, why, cases[i].expect);
	}
}

static void test_name_ok(void **unused)
{
	assert_true(pt_extprobe_name_ok("process_exec"));
	assert_true(pt_extprobe_name_ok("a1"));
	assert_false(pt_extprobe_name_ok(""));
	assert_false(pt_extprobe_name_ok("1abc"));
	assert_false(pt_extprobe_name_ok("_x"));
	assert_false(pt_extprobe_name_ok("Exec"));
	assert_false(pt_extprobe_name_ok("a-b"));
	assert_false(pt_extprobe_name_ok("../x"));
	assert_true(pt_extprobe_name_ok("abcdefghijklmnopqrstuvwxyz012345"));   /* 32 */
	assert_false(pt_extprobe_name_ok("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
}

/* ---- the row -------------------------------------------------------------------------- */

static void test_build(void **unused)
{
	struct pidtree_probe p = good();
	struct pt_extprobes *s;
	struct pt_extprobe *x, *y;
	const struct pt_probe_desc *d;

	assert_int_equal(pt_extprobes_new(&s), 0);
	assert_int_equal(pt_extprobe_build(s, &p, "/dir/tprobe.so", NULL, &x), 0);
	d = &x->desc;
	assert_string_equal(d->info.name, "tprobe");
	assert_string_equal(d->info.message_id, "0123456789abcdef0123456789abcdef");
	assert_int_equal(d->info.shape, PT_SHAPE_CONNECT);
	assert_string_equal(d->schema.name, "tprobe");
	assert_true(d->schema.network);
	assert_true(d->schema.plugins);
	assert_string_equal(d->schema.keys[0], "depth");
	assert_string_equal(d->schema.keys[1], "mode");
	assert_null(d->schema.keys[2]);
	assert_non_null(d->schema.parse_key);
	assert_false(d->always);
	assert_string_equal(d->attach, "tp_btf/something");
	assert_string_equal(d->origin, "/dir/tprobe.so (external, version 2.1)");
	assert_int_equal(d->nrecords, 3);
	assert_int_equal(d->nlosses, 2);
	assert_string_equal(d->losses[0].name, "tprobe");
	assert_int_equal(d->losses[0].kind, PT_LOST_EVENTS);
	assert_string_equal(d->losses[1].name, "tprobe_seen");
	assert_int_equal(d->losses[1].kind, PT_COUNTED);
	assert_non_null(d->open);
	assert_non_null(d->decode);
	assert_null(d->handle);
	assert_ptr_equal(pt_extprobes_find(s, "tprobe"), x);
	assert_null(pt_extprobes_find(s, "other"));
	/* copies: the descriptor's strings may go */
	assert_ptr_not_equal(d->attach, p.attach);

	/* no message id, no version, no args */
	p.name = "tprobe2";
	p.message_id = NULL;
	p.version = NULL;
	p.args = NULL;
	p.shape = PIDTREE_SHAPE_PROCESS;
	p.network = false;
	assert_int_equal(pt_extprobe_build(s, &p, "/dir/tprobe2.so", NULL, &y), 0);
	assert_null(y->desc.info.message_id);
	assert_int_equal(y->desc.info.shape, PT_SHAPE_PROCESS);
	assert_false(y->desc.schema.network);
	assert_null(y->desc.schema.keys[0]);
	assert_string_equal(y->desc.origin, "/dir/tprobe2.so (external)");
	pt_extprobe_unload(s, y);
	assert_null(pt_extprobes_find(s, "tprobe2"));

	/* the registry is bounded */
	for (size_t i = s->n; i < PT_EXTPROBES_MAX; i++)
		assert_int_equal(pt_extprobe_build(s, &p, "/dir/tprobe2.so", NULL, &y), 0);
	assert_int_equal(pt_extprobe_build(s, &p, "/dir/tprobe2.so", NULL, &y), -ENOSPC);
	pt_extprobes_free(s);
}

/* ---- loading .so files ------------------------------------------------------------------ */

static void expect_refusal(struct pt_extprobes *s, const char *name, const char *want)
{
	struct pt_extprobe *x = NULL;
	char why[PATH_MAX + 1024] = "";

	if (pt_extprobe_load(s, tmpdir, name, &x, why, sizeof(why)) != -EINVAL || x ||
	    !strstr(why, want))
		fail_msg("%s: got '%s', want '%s'", name, why, want);
}

static void test_load(void **unused)
{
	struct pt_extprobes *s;
	struct pt_extprobe *x;
	char why[PATH_MAX + 1024] = "", path[PATH_MAX + 32];

	assert_int_equal(pt_extprobes_new(&s), 0);
	assert_int_equal(pt_extprobe_load(s, tmpdir, "process_exec", &x, why, sizeof(why)), 0);
	assert_string_equal(x->name, "process_exec");
	assert_int_equal(x->desc.info.shape, PT_SHAPE_PROCESS);
	assert_false(x->desc.schema.network);
	assert_string_equal(x->desc.schema.keys[0], "uids");
	assert_int_equal(x->desc.nrecords, 1);
	assert_string_equal(x->desc.losses[0].name, "process_exec");
	assert_int_equal(strlen(x->desc.info.message_id), 32);
	snprintf(path, sizeof(path), "%s/process_exec.so", tmpdir);
	assert_string_equal(x->path, path);

	expect_refusal(s, "bad_abi",
		       "bad_abi.so: built for probe ABI version 99; this pidtree has version 1");
	expect_refusal(s, "no_symbol", "no_symbol.so exports no 'pidtree_probe' symbol");
	expect_refusal(s, "other", "other.so: it calls itself 'process_exec', not 'other'");
	expect_refusal(s, "missing", "no probe ");
	expect_refusal(s, "Bad-Name", "not a valid external probe name");
	/* the trusted-file policy: the file, then its directory */
	snprintf(path, sizeof(path), "%s/writable.so", tmpdir);
	expect_refusal(s, "writable", "refusing to load ");
	expect_refusal(s, "writable", path);
	assert_int_equal(chmod(tmpdir, 0775), 0);
	expect_refusal(s, "process_exec", "writable by root only");
	assert_int_equal(chmod(tmpdir, 0755), 0);
	assert_int_equal(s->n, 1);
	pt_extprobes_free(s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_validate_good),
	cmocka_unit_test(test_validate_bad),
	cmocka_unit_test(test_name_ok),
	cmocka_unit_test(test_build),
	cmocka_unit_test(test_load),
};

int main(void)
{
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

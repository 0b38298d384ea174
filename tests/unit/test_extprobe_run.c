// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of external probes at configuration and run time
 * (src/daemon/extprobe_run.c, src/config/config.c): the probe
 * configuration's hook for unknown top-level keys; which changes need a
 * re-open; check() through the ABI (the example probe's "uids"); and, where
 * BPF maps can be created (root), open() and decode() through the row's
 * wrappers with a real BPF object (opened, not loaded).
 */
#include "extprobe_fixture.h"

/* ---- the configuration's hook ------------------------------------------------------------- */

static void test_config_hook(void **unused)
{
	struct pt_config_unknown u = { .resolve = resolve };
	struct pt_config cfg;
	struct pt_diags d = { 0 };
	const struct pt_probe_config *pc;
	char path[PATH_MAX];
	int calls = 0;

	u.ctx = &calls;
	write_yml(path, sizeof(path),
		  "tcp_connect:\n"
		  "myprobe:\n"
		  "  foo: [1, 2]\n"
		  "  bar: 1\n"
		  "  filters:\n"
		  "    - subnet: 10.0.0.0/8\n"
		  "  plugins:\n"
		  "    loginuidmap:\n"
		  "nothere:\n");
	assert_int_equal(pt_config_load_ext(&cfg, path, schemas(), NULL, &u, &d), 0);
	assert_int_equal(calls, 2); /* myprobe, nothere: never a built-in */
	pc = pt_config_probe(&cfg, "myprobe");
	assert_non_null(pc);
	assert_ptr_equal(pc, &cfg.probes[cfg.nprobes - 1]);
	assert_true(pc->present);
	assert_int_equal(pc->line, 2);
	assert_non_null(pc->node);
	assert_int_equal(pc->node->type, PT_Y_MAPPING);
	assert_int_equal(pt_ynode_get(pc->node, "foo")->type, PT_Y_SEQUENCE);
	assert_int_equal(pc->nplugins, 1); /* plugins: on a probe that is no network probe */
	assert_true(has_diag(&d, PT_DIAG_WARNING, 4, "unknown key 'bar' in probe myprobe"));
	assert_true(has_diag(&d, PT_DIAG_WARNING, 5, "unknown key 'filters'"));
	assert_true(has_diag(&d, PT_DIAG_WARNING, 9, "unknown probe 'nothere' ignored"));
	assert_true(pt_config_probe(&cfg, "tcp_connect")->present);
	pt_config_free(&cfg);
	pt_diags_free(&d);

	/* refused: an error at the key's line, the configuration is invalid */
	write_yml(path, sizeof(path), "tcp_connect:\n\nrefused:\n  x: 1\n");
	assert_int_equal(pt_config_load_ext(&cfg, path, schemas(), NULL, &u, &d), -EINVAL);
	assert_true(has_diag(&d, PT_DIAG_ERROR, 3, "probe refused: refused"));
	pt_diags_free(&d);

	/* without a hook: a warning, as before */
	write_yml(path, sizeof(path), "myprobe:\n");
	assert_int_equal(pt_config_load_ext(&cfg, path, schemas(), NULL, NULL, &d), 0);
	assert_null(pt_config_probe(&cfg, "myprobe"));
	assert_true(has_diag(&d, PT_DIAG_WARNING, 1, "unknown probe 'myprobe' ignored"));
	pt_config_free(&cfg);
	pt_diags_free(&d);
}

/* ---- reload: own arguments --------------------------------------------------------------- */

static void test_args_equal(void **unused)
{
	static const struct {
		const char *a, *b;
		bool equal;
	} cases[] = {
		{ "myprobe:\n  foo: 1\n", "myprobe:\n  foo: 1\n", true },
		{ "myprobe:\n  foo: 1\n", "myprobe:\n  foo: 2\n", false },
		{ "myprobe:\n  foo: [1, 2]\n", "myprobe:\n  foo: [1, 2, 3]\n", false },
		{ "myprobe:\n  foo: [1, 2]\n", "myprobe:\n  foo: [2, 1]\n", false },
		{ "myprobe:\n", "myprobe: {}\n", true },
		{ "myprobe:\n", "myprobe:\n  foo: ~\n", false },
		/* keys pidtree applies itself do not count */
		{ "myprobe:\n  foo: 1\n", "myprobe:\n  includeports: [1]\n  foo: 1\n", true },
		{ "myprobe:\n  plugins:\n    loginuidmap:\n  foo: {a: 1}\n",
		  "myprobe:\n  foo: {a: 1}\n  filters: []\n", true },
		{ "myprobe:\n  foo: {a: 1}\n", "myprobe:\n  foo: {a: 2}\n", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pt_config ca, cb;
		const struct pt_ynode *a = probe_value(&ca, cases[i].a);
		const struct pt_ynode *b = probe_value(&cb, cases[i].b);

		if (pt_extprobe_args_equal(a, b) != cases[i].equal)
			fail_msg("case %zu: expected %s", i, cases[i].equal ? "equal" : "different");
		assert_int_equal(pt_extprobe_args_equal(b, a), cases[i].equal);
		pt_config_free(&ca);
		pt_config_free(&cb);
	}
}

/* ---- check() through the ABI: the example probe's "uids" ---------------------------------- */

static void test_check(void **unused)
{
	struct pt_extprobes *s;
	struct pt_extprobe *x;
	struct pt_config cfg;
	struct pt_probe_config *pc;
	struct pt_diags d = { 0 };
	char why[PATH_MAX + 1024];

	assert_int_equal(pt_extprobes_new(&s), 0);
	assert_int_equal(pt_extprobe_load(s, tmpdir, "process_exec", &x, why, sizeof(why)), 0);
	probe_value(&cfg, "myprobe:\n  uids: [0, 1000]\n");
	pc = pt_config_probe(&cfg, "myprobe");
	assert_int_equal(pt_extprobe_check(x, pc, &d), 0);
	assert_int_equal(d.n, 0);
	pt_config_free(&cfg);

	probe_value(&cfg, "myprobe:\n  uids:\n    - 0\n    - root\n    - -1\n");
	pc = pt_config_probe(&cfg, "myprobe");
	assert_int_equal(pt_extprobe_check(x, pc, &d), -EINVAL);
	assert_true(has_diag(&d, PT_DIAG_ERROR, 4, "probe process_exec: 'root' is not a user id"));
	assert_true(has_diag(&d, PT_DIAG_ERROR, 5, "'-1' is not a user id"));
	pt_config_free(&cfg);
	pt_diags_free(&d);

	probe_value(&cfg, "myprobe:\n  uids: 0\n");
	pc = pt_config_probe(&cfg, "myprobe");
	assert_int_equal(pt_extprobe_check(x, pc, &d), -EINVAL);
	assert_true(has_diag(&d, PT_DIAG_ERROR, 2, "uids must be a list"));
	pt_config_free(&cfg);
	pt_diags_free(&d);
	pt_extprobes_free(s);
}

/* ---- open() and decode() through the wrappers (BPF maps: root) ---------------------------- */

/* The .rodata map of obj. */
static struct bpf_map *rodata(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *n = bpf_map__name(m);

		if (strlen(n) > 7 && !strcmp(n + strlen(n) - 7, ".rodata"))
			return m;
	}
	return NULL;
}

static void test_open_decode(void **unused)
{
	struct pidtree_probe abi = good();
	struct pt_probe_env env = { .max_depth = 7, .wakeup_bytes = 4096 };
	struct pt_obj_consts c = { .rec_base = 40, .loss_base = 9, .max_depth = 7,
				   .wakeup_bytes = 4096 };
	const struct pt_obj_consts *set;
	const struct pt_ancestry *tree;
	struct pt_extprobes *s;
	struct pt_extprobe *x;
	struct pt_config cfg;
	struct pt_probe *p;
	struct bpf_map *m;
	static struct t_rec rec = { .text = "decoded" };
	static struct pt_event ev;
	size_t size;

	env.events_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "t_events", 0, 0, 4096, NULL);
	env.lost_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "t_lost", 4, 8, PT_LOSS_SLOTS,
				     NULL);
	if (env.events_fd < 0 || env.lost_fd < 0) {
		print_message("cannot create BPF maps (%s): open/decode not tested\n",
			      strerror(errno));
		skip();
	}
	abi.network = false; /* open() does not load: no filters to install */
	assert_int_equal(pt_extprobes_new(&s), 0);
	assert_int_equal(pt_extprobe_build(s, &abi, "/t/tprobe.so", NULL, &x), 0);
	probe_value(&cfg, "myprobe:\n");
	p = pt_probe_new(&x->desc, &c, NULL);
	assert_non_null(p);
	assert_int_equal(x->desc.open(p, &env, pt_config_probe(&cfg, "myprobe")), 0);
	assert_non_null(x->live);
	/* prepare() wrote the row's pt_consts into the object's .rodata (t_open's object) */
	assert_non_null(t_last_obj);
	m = rodata(t_last_obj);
	assert_non_null(m);
	set = bpf_map__initial_value(m, &size);
	assert_true(size >= sizeof(*set));
	assert_int_equal(set->rec_base, 40);
	assert_int_equal(set->loss_base, 9);
	assert_int_equal(set->max_depth, 7);
	assert_int_equal(set->wakeup_bytes, 4096);

	ev.probe = &x->desc.info;
	t_tree_mode = 0;
	assert_int_equal(x->desc.decode(0, &rec, sizeof(rec), &ev, &tree), 0);
	assert_ptr_equal(tree, &rec.tree);
	assert_int_equal(ev.nfields, 1);
	assert_string_equal(ev.fields[0].key, "t_text");
	assert_string_equal(ev.fields[0].str, "decoded");
	assert_ptr_not_equal(ev.fields[0].str, rec.text); /* copied into the probe's arena */
	/* a tree outside the record, a short record: malformed */
	ev.nfields = 0;
	t_tree_mode = 1;
	assert_int_equal(x->desc.decode(0, &rec, sizeof(rec), &ev, &tree), -EINVAL);
	t_tree_mode = 2;
	assert_int_equal(x->desc.decode(0, &rec, sizeof(rec), &ev, &tree), -EINVAL);
	t_tree_mode = 0;
	assert_int_equal(x->desc.decode(0, &rec, sizeof(rec) - 1, &ev, &tree), -EINVAL);

	/* closed: its records have nothing to be decoded with */
	pt_probe_destroy(p);
	assert_null(x->live);
	assert_int_equal(x->desc.decode(0, &rec, sizeof(rec), &ev, &tree), -EINVAL);
	pt_config_free(&cfg);
	pt_extprobes_free(s);
	close(env.events_fd);
	close(env.lost_fd);
}

/* open() that forgets prepare(): refused, and close() still frees its state */
static int forget_open(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		       const struct pidtree_arg *args, void **state)
{
	*state = bpf_object__open_file(PROBES_BUILDDIR "/ext_connect.bpf.o", NULL);
	return 0;
}

static void test_open_without_prepare(void **unused)
{
	struct pidtree_probe abi = good();
	struct pt_probe_env env = { .events_fd = -1, .lost_fd = -1 };
	struct pt_obj_consts c = { .rec_base = 1 };
	struct pt_extprobes *s;
	struct pt_extprobe *x;
	struct pt_config cfg;
	struct pt_probe *p;

	abi.open = forget_open;
	assert_int_equal(pt_extprobes_new(&s), 0);
	assert_int_equal(pt_extprobe_build(s, &abi, "/t/tprobe.so", NULL, &x), 0);
	probe_value(&cfg, "myprobe:\n");
	p = pt_probe_new(&x->desc, &c, NULL);
	assert_int_equal(x->desc.open(p, &env, pt_config_probe(&cfg, "myprobe")), -EINVAL);
	assert_null(x->live);
	pt_probe_destroy(p); /* closes the object (ASan: no leak) */
	pt_config_free(&cfg);
	pt_extprobes_free(s);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_config_hook),
	cmocka_unit_test(test_args_equal),
	cmocka_unit_test(test_check),
	cmocka_unit_test(test_open_decode),
	cmocka_unit_test(test_open_without_prepare),
};

int main(void)
{
	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * example: a minimal external pidtree plugin (see pidtree-plugins(7)).
 *
 * It adds a fixed string to every event and the depth of the event's
 * process tree:
 *
 *   tcp_connect:
 *     plugins:
 *       example:
 *         field: example_field   # key to add (default example_field)
 *         value: hello           # its value (default "example")
 *
 * gives  {..., "example_field": "hello", "example_depth": 4}
 *
 * Build:  cc -shared -fPIC -o example.so example.c
 * Run:    pidtree --extra-plugin-path /usr/local/lib/pidtree/plugins -c probes.yml
 *         (the directory and example.so owned by root, writable by root only)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pidtree/plugin.h>

struct example {
	const struct pidtree_api *api;
	char *field;
	char *value;
};

static const char *str_arg(const struct pidtree_api *api, struct pidtree_ctx *ctx,
			   const struct pidtree_arg *args, const char *key, const char *dflt,
			   int *err)
{
	const struct pidtree_arg *a = api->arg_get(args, key);
	const char *s;

	if (!a)
		return dflt;
	s = api->arg_str(a);
	if (!s) {
		api->report(ctx, PIDTREE_ERR, a, "'%s' must be a string", key);
		*err = -EINVAL;
	}
	return s;
}

static int init(const struct pidtree_api *api, struct pidtree_ctx *ctx,
		const struct pidtree_arg *args, void **state)
{
	struct example *ex;
	const char *field, *value;
	int err = 0;

	field = str_arg(api, ctx, args, "field", "example_field", &err);
	value = str_arg(api, ctx, args, "value", "example", &err);
	if (!err && !api->key_ok(field)) {
		api->report(ctx, PIDTREE_ERR, api->arg_get(args, "field"),
			    "'%s' cannot be an event key ([a-z0-9_], not one of pidtree's own)",
			    field);
		err = -EINVAL;
	}
	if (err)
		return err;
	ex = calloc(1, sizeof(*ex));
	if (!ex)
		return -ENOMEM;
	*state = ex; /* fini() frees it, even if init() fails from here on */
	ex->api = api;
	ex->field = strdup(field);
	ex->value = strdup(value);
	if (!ex->field || !ex->value)
		return -ENOMEM;
	api->log(ctx, PIDTREE_INFO, "adding %s=\"%s\" to every event", field, value);
	return 0;
}

static void process(void *state, struct pidtree_event *ev)
{
	struct example *ex = state;

	ex->api->add_str(ev, ex->field, ex->value);
	ex->api->add_int(ev, "example_depth", (int64_t)ex->api->proc_count(ev));
}

static void fini(void *state)
{
	struct example *ex = state;

	free(ex->field);
	free(ex->value);
	free(ex);
}

static const char *const probes[] = { "*", NULL };
static const char *const args[] = { "field", "value", NULL };

PIDTREE_PLUGIN(.name = "example", .version = "1.0", .probes = probes, .args = args,
	       .init = init, .process = process, .fini = fini);

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * loginuidmap: the login uid (audit loginuid, the uid a session was opened
 * as, kept across su/sudo) and its user name (pidtree-bcc's plugin of the
 * same name and configuration).
 *
 *   plugins:
 *     loginuidmap:
 *       top_level: false   # default: every ancestor gets loginuid + loginname
 *                          # true: the event itself gets them, from proctree[0]
 *
 * The loginuid comes from the in-kernel ancestry snapshot taken at event
 * time, not from /proc, so it is right even for a process that has exited.
 * An unset loginuid (4294967295, e.g. daemons started at boot) adds nothing.
 * Any probe.
 */
#include <errno.h>
#include <stdlib.h>

#include "plugins.h"

#define LOGINUID_UNSET 4294967295u

struct lum {
	const struct pidtree_api *api;
	bool top_level;
};

static int init(const struct pidtree_api *api, struct pidtree_ctx *ctx,
		const struct pidtree_arg *args, void **state)
{
	const struct pidtree_arg *tl = api->arg_get(args, "top_level");
	struct lum *s;
	bool v = false;

	if (tl && api->arg_bool(tl, &v)) {
		api->report(ctx, PIDTREE_ERR, tl, "top_level must be true or false");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->api = api;
	s->top_level = v;
	*state = s;
	return 0;
}

static void process(void *state, struct pidtree_event *ev)
{
	const struct lum *s = state;
	const struct pidtree_api *api = s->api;
	size_t n = api->proc_count(ev);
	int64_t uid;

	if (s->top_level) {
		if (!n || api->proc_int(ev, 0, PIDTREE_PROC_LOGINUID, &uid) ||
		    (uint64_t)uid == LOGINUID_UNSET)
			return;
		api->add_int(ev, "loginuid", uid);
		api->add_str(ev, "loginname", api->username(ev, (uint32_t)uid));
		return;
	}
	/* per ancestor: the proctree entries' own loginuid/loginname keys */
	struct pt_event *e = pt_plugin_event(ev);

	for (size_t i = 0; i < n; i++) {
		struct pt_event_proc *p = &e->proctree[i];

		if (p->loginuid != LOGINUID_UNSET)
			p->loginname = api->username(ev, p->loginuid);
	}
}

static void fini(void *state)
{
	free(state);
}

static const char *const probes[] = { "*", NULL };
static const char *const args[] = { "top_level", NULL };

const struct pidtree_plugin pt_builtin_loginuidmap = {
	.abi_version = PIDTREE_PLUGIN_ABI_VERSION,
	.size = sizeof(struct pidtree_plugin),
	.name = "loginuidmap",
	.version = PACKAGE_VERSION,
	.probes = probes,
	.args = args,
	.init = init,
	.process = process,
	.fini = fini,
};

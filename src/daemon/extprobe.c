// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loading external probes (extprobe.h): finding DIR/NAME.so, checking it
 * against the trusted-file policy and its descriptor against the ABI of
 * <pidtree/probe.h>, and building its row of the probe table.  What the row
 * does at run time is extprobe_run.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "extprobe.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "trust.h"

/* Keys pidtree reads itself in every probe's mapping: no probe's own. */
static const char *const common_keys[] = {
	"filters", "includeports", "excludeports", "plugins", "container_labels", NULL,
};

int pt_extprobes_new(struct pt_extprobes **out)
{
	struct pt_extprobes *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	err = pt_plugins_new(&s->arena, NULL);
	if (err) {
		free(s);
		return err;
	}
	*out = s;
	return 0;
}

static void extprobe_free(struct pt_extprobe *x)
{
	if (!x)
		return;
	for (size_t i = 0; x->keys && x->keys[i]; i++)
		free((char *)x->keys[i]);
	free(x->keys);
	for (size_t i = 0; i < PIDTREE_PROBE_MAX_LOSSES; i++) {
		free((char *)x->losses[i].name);
		free((char *)x->losses[i].what);
	}
	free(x->path);
	free(x->version);
	free(x->attach);
	free(x->origin);
	if (x->dl)
		dlclose(x->dl);
	free(x);
}

void pt_extprobes_free(struct pt_extprobes *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		extprobe_free(s->v[i]);
	pt_plugins_free(s->arena);
	free(s);
}

struct pt_extprobe *pt_extprobes_find(const struct pt_extprobes *s, const char *name)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->v[i]->name, name))
			return s->v[i];
	return NULL;
}

/* ---- validation ---------------------------------------------------------------- */

static bool ident_ok(const char *s, size_t max, bool letter_first)
{
	size_t n = 0;

	if (!s || !*s || (letter_first && (*s < 'a' || *s > 'z')))
		return false;
	for (; *s; s++, n++)
		if (n >= max || !((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

bool pt_extprobe_name_ok(const char *name)
{
	return ident_ok(name, PIDTREE_PROBE_NAME_MAX, true);
}

/* Printable ASCII text of 1..max bytes (what -p and the log print as is). */
static bool text_ok(const char *s, size_t max)
{
	size_t n = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++, n++)
		if (n >= max || *s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static bool message_id_ok(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return n == 32;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

/* The reason into why; -EINVAL. */
static int invalid(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int invalid(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A loss counter's name: the probe's name, or NAME_something, [a-z0-9_]. */
static bool loss_name_ok(const char *loss, const char *probe)
{
	size_t n = strlen(probe);

	return ident_ok(loss, 48, true) && !strncmp(loss, probe, n) &&
	       (loss[n] == '\0' || (loss[n] == '_' && loss[n + 1]));
}

static int validate_args(const struct pidtree_probe *abi, char *why, size_t len)
{
	size_t n = 0;

	for (const char *const *k = abi->args; k && *k; k++, n++) {
		if (n == 64)
			return invalid(why, len, "more than 64 argument keys");
		if (!ident_ok(*k, 56, false))
			return invalid(why, len, "argument key #%zu is not [a-z0-9_]+", n + 1);
		if (in_list(*k, common_keys))
			return invalid(why, len, "argument key '%s' is one of pidtree's own", *k);
	}
	return 0;
}

int pt_extprobe_validate(const struct pidtree_probe *abi, const char *name, char *why,
			 size_t len)
{
	if (abi->abi_version != PIDTREE_PROBE_ABI_VERSION)
		return invalid(why, len, "built for probe ABI version %u; this pidtree has version %u",
			       abi->abi_version, PIDTREE_PROBE_ABI_VERSION);
	if (abi->size < sizeof(struct pidtree_probe))
		return invalid(why, len, "its descriptor is %u bytes, version %u has %zu", abi->size,
			       PIDTREE_PROBE_ABI_VERSION, sizeof(struct pidtree_probe));
	if (!abi->name || strcmp(abi->name, name))
		return invalid(why, len, "it calls itself '%.64s', not '%s'",
			       abi->name ? abi->name : "(null)", name);
	if (!pt_extprobe_name_ok(abi->name))
		return invalid(why, len, "'%s' is not a probe name ([a-z][a-z0-9_]*, at most %d)",
			       name, PIDTREE_PROBE_NAME_MAX);
	if (abi->version && !text_ok(abi->version, 64))
		return invalid(why, len, "its version is not 1-64 printable ASCII characters");
	if (abi->message_id && !message_id_ok(abi->message_id))
		return invalid(why, len, "its message_id is not 32 lowercase hexadecimal digits");
	if (!text_ok(abi->attach, 512))
		return invalid(why, len, "it names no attach points (1-512 printable ASCII characters)");
	if (abi->shape > PIDTREE_SHAPE_LISTEN)
		return invalid(why, len, "unknown event shape %u", abi->shape);
	if (abi->needs & ~(PIDTREE_PROBE_NEEDS_CGROUP | PIDTREE_PROBE_NEEDS_TRACEFS))
		return invalid(why, len, "unknown needs 0x%x", abi->needs);
	if (abi->nrecords < 1 || abi->nrecords > PIDTREE_PROBE_MAX_RECORDS)
		return invalid(why, len, "%u record types (1-%d)", abi->nrecords,
			       PIDTREE_PROBE_MAX_RECORDS);
	if (abi->nlosses < 1 || abi->nlosses > PIDTREE_PROBE_MAX_LOSSES || !abi->losses)
		return invalid(why, len,
			       "%u loss counters (1-%d: every reserve that fails must be counted)",
			       abi->nlosses, PIDTREE_PROBE_MAX_LOSSES);
	for (uint32_t i = 0; i < abi->nlosses; i++) {
		const struct pidtree_probe_loss *l = &abi->losses[i];

		if (!l->name || !loss_name_ok(l->name, name))
			return invalid(why, len, "loss counter #%u is not named %s or %s_...", i + 1,
				       name, name);
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(abi->losses[j].name, l->name))
				return invalid(why, len, "two loss counters are named %s", l->name);
		if (!text_ok(l->what, 200))
			return invalid(why, len, "loss counter %s does not say what it counts",
				       l->name);
		if (l->kind != PIDTREE_LOSS_EVENTS && l->kind != PIDTREE_LOSS_COUNTED)
			return invalid(why, len, "loss counter %s: unknown kind %u", l->name, l->kind);
	}
	if (!abi->open || !abi->decode || !abi->close)
		return invalid(why, len, "it has no %s function",
			       !abi->open ? "open" : !abi->decode ? "decode" : "close");
	return validate_args(abi, why, len);
}

/* ---- the row ------------------------------------------------------------------- */

/* Own keys are read by the probe from its mapping (pc->node): nothing to keep. */
static int parse_own_key(void *opts, const struct pt_ynode *k, const struct pt_ynode *v,
			 struct pt_diags *d)
{
	return 0;
}

static const enum pt_event_shape shapes[] = {
	[PIDTREE_SHAPE_PROCESS] = PT_SHAPE_PROCESS,
	[PIDTREE_SHAPE_CONNECT] = PT_SHAPE_CONNECT,
	[PIDTREE_SHAPE_LISTEN] = PT_SHAPE_LISTEN,
};

/* Everything of abi the row shows is copied: the .so's data is not trusted to stay. */
static int copy_abi(struct pt_extprobe *x, const struct pidtree_probe *abi, const char *path)
{
	size_t nkeys = 0;

	snprintf(x->name, sizeof(x->name), "%s", abi->name);
	if (abi->message_id)
		snprintf(x->message_id, sizeof(x->message_id), "%s", abi->message_id);
	x->path = strdup(path);
	x->attach = strdup(abi->attach);
	x->version = abi->version ? strdup(abi->version) : NULL;
	if (!x->path || !x->attach || (abi->version && !x->version))
		return -ENOMEM;
	if (asprintf(&x->origin, "%s (external%s%s)", path, abi->version ? ", version " : "",
		     abi->version ? abi->version : "") < 0) {
		x->origin = NULL;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < abi->nlosses; i++) {
		x->losses[i].name = strdup(abi->losses[i].name);
		x->losses[i].what = strdup(abi->losses[i].what);
		x->losses[i].kind = abi->losses[i].kind == PIDTREE_LOSS_COUNTED ? PT_COUNTED
										  : PT_LOST_EVENTS;
		if (!x->losses[i].name || !x->losses[i].what)
			return -ENOMEM;
	}
	while (abi->args && abi->args[nkeys])
		nkeys++;
	x->keys = calloc(nkeys + 1, sizeof(*x->keys));
	if (!x->keys)
		return -ENOMEM;
	for (size_t i = 0; i < nkeys; i++)
		if (!(x->keys[i] = strdup(abi->args[i])))
			return -ENOMEM;
	return 0;
}

int pt_extprobe_build(struct pt_extprobes *s, const struct pidtree_probe *abi, const char *path,
		      void *dl, struct pt_extprobe **out)
{
	struct pt_extprobe *x;
	struct pt_probe_desc *d;

	*out = NULL;
	if (s->n == PT_EXTPROBES_MAX) {
		if (dl)
			dlclose(dl);
		return -ENOSPC;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		if (dl)
			dlclose(dl);
		return -ENOMEM;
	}
	x->dl = dl;
	x->abi = abi;
	x->set = s;
	if (copy_abi(x, abi, path)) {
		extprobe_free(x);
		return -ENOMEM;
	}
	d = &x->desc;
	d->info.name = x->name;
	d->info.message_id = x->message_id[0] ? x->message_id : NULL;
	d->info.shape = shapes[abi->shape];
	d->schema.name = x->name;
	d->schema.keys = x->keys;
	d->schema.network = abi->network;
	d->schema.plugins = true;
	d->schema.parse_key = parse_own_key;
	d->attach = x->attach;
	d->origin = x->origin;
	d->nrecords = abi->nrecords;
	d->losses = x->losses;
	d->nlosses = abi->nlosses;
	d->priv_size = pt_extprobe_priv_size();
	d->free_priv = pt_extprobe_free_priv;
	d->features = pt_extprobe_features;
	d->open = pt_extprobe_open;
	d->decode = pt_extprobe_decode;
	d->needs_reopen = pt_extprobe_needs_reopen;
	s->v[s->n++] = x;
	*out = x;
	return 0;
}

void pt_extprobe_unload(struct pt_extprobes *s, struct pt_extprobe *x)
{
	if (!s->n || s->v[s->n - 1] != x)
		return;
	s->n--;
	extprobe_free(x);
}

/* ---- loading --------------------------------------------------------------------- */

/*
 * The one place a probe .so is opened: DIR and the file under the
 * trusted-file policy, loaded from the descriptor that passed it
 * (pt_trust_dlopen).  NULL with the reason in why.
 */
static void *open_so(const char *dir, const char *path, char *why, size_t len)
{
	char reason[PATH_MAX + 128];
	void *dl;
	int err;

	dl = pt_trust_dlopen(dir, path, &err, reason, sizeof(reason));
	if (dl)
		return dl;
	if (err == -ENOENT || err == -ENOTDIR)
		snprintf(why, len, "no probe %s: %s", path, reason);
	else if (err == -EPERM)
		snprintf(why, len,
			 "refusing to load %s: %s; probe files and directories must be writable by "
			 "root only", path, reason);
	else
		snprintf(why, len, "cannot load %s: %s", path, reason);
	return NULL;
}

/* The descriptor's symbol, refused when the object is too small to hold one. */
static const struct pidtree_probe *find_symbol(void *dl, const char *path, char *why,
					       size_t len)
{
	const struct pidtree_probe *abi = dlsym(dl, PIDTREE_PROBE_SYMBOL);
	const ElfW(Sym) *sym = NULL;
	Dl_info info;

	if (!abi) {
		snprintf(why, len, "%s exports no '%s' symbol (see <pidtree/probe.h>)", path,
			 PIDTREE_PROBE_SYMBOL);
		return NULL;
	}
	/* the ELF symbol's size: version and size fields are only read when there */
	if (dladdr1(abi, &info, (void **)&sym, RTLD_DL_SYMENT) && sym &&
	    sym->st_size < 2 * sizeof(uint32_t)) {
		snprintf(why, len, "%s: '%s' is %zu bytes, not a probe descriptor", path,
			 PIDTREE_PROBE_SYMBOL, (size_t)sym->st_size);
		return NULL;
	}
	if (sym && abi->abi_version == PIDTREE_PROBE_ABI_VERSION &&
	    sym->st_size < sizeof(struct pidtree_probe)) {
		snprintf(why, len, "%s: '%s' is %zu bytes, version %u has %zu", path,
			 PIDTREE_PROBE_SYMBOL, (size_t)sym->st_size, PIDTREE_PROBE_ABI_VERSION,
			 sizeof(struct pidtree_probe));
		return NULL;
	}
	return abi;
}

int pt_extprobe_load(struct pt_extprobes *s, const char *dir, const char *name,
		     struct pt_extprobe **out, char *why, size_t len)
{
	const struct pidtree_probe *abi;
	char path[PATH_MAX], reason[512];
	void *dl;
	int err;

	*out = NULL;
	if (!pt_extprobe_name_ok(name))
		return invalid(why, len,
			       "unknown probe, and not a valid external probe name ([a-z][a-z0-9_]*, "
			       "at most %d characters)", PIDTREE_PROBE_NAME_MAX);
	if (snprintf(path, sizeof(path), "%s/%s.so", dir, name) >= (int)sizeof(path))
		return invalid(why, len, "probe path too long");
	dl = open_so(dir, path, why, len);
	if (!dl)
		return -EINVAL;
	abi = find_symbol(dl, path, why, len);
	if (!abi) {
		dlclose(dl);
		return -EINVAL;
	}
	err = pt_extprobe_validate(abi, name, reason, sizeof(reason));
	if (err) {
		dlclose(dl);
		return invalid(why, len, "%s: %s", path, reason);
	}
	err = pt_extprobe_build(s, abi, path, dl, out);
	if (err == -ENOSPC) {
		snprintf(why, len, "%s: more than %d external probes", path, PT_EXTPROBES_MAX);
		return err;
	}
	if (err)
		return err;
	pt_dbg("probe %s: loaded %s (version %s)", name, path,
	       abi->version ? abi->version : "unknown");
	return 0;
}

int pt_extprobes_check(struct pt_extprobes *s, const struct pt_config *cfg,
		       struct pt_diags *diags)
{
	int ret = 0;

	for (size_t i = 0; s && i < s->n; i++) {
		const struct pt_probe_config *pc = pt_config_probe(cfg, s->v[i]->name);

		if (pc && pc->present && pt_extprobe_check(s->v[i], pc, diags))
			ret = -EINVAL;
	}
	return ret;
}

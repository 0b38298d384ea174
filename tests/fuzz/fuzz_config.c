// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The probe configuration (src/config: libyaml, !include, anchors and merge
 * keys, the probe table's schemas).  The input is two files: main.yml (up
 * to the first NUL byte) and inc.yml (the rest), side by side, so
 * "!include inc.yml" (and includes of main.yml, cycles, missing files)
 * are reachable.  An include may name any file: the loader's fopen() is
 * wrapped (-Wl,--wrap=fopen) to refuse what is not a regular file of at
 * most 1 MiB outside /proc, /sys and /dev, so that /dev/stdin, a FIFO or
 * /proc/kmsg cannot hang the harness.
 *  - pt_config_load returns 0 exactly when it reported no error, else
 *    -EINVAL, and then leaves the configuration zeroed;
 *  - every diagnostic has a file and a line within it;
 *  - an accepted configuration has one entry per schema, and only values
 *    in range: subnets with their host bits clear, port ranges 1 <= lo <=
 *    hi, at most 8 ranges per subnet, named plugins, the probes' own
 *    options within their limits; every probe's filters compile into map
 *    entries (pt_filter_compile) and describe themselves;
 *  - a second load of the same files gives the same result.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "config.h"
#include "filter.h"
#include "fuzz.h"
#include "trust.h"
#include "net_listen.h"
#include "schemas.h"
#include "udp_session.h"

static char main_path[PATH_MAX], inc_path[PATH_MAX], tmp_real[PATH_MAX];

static int count_lines(const uint8_t *s, size_t n)
{
	int lines = 1;

	/* an upper bound: libyaml also breaks lines at NEL, U+2028 and U+2029 */
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n' || s[i] == '\r' || s[i] == 0x85 || s[i] == 0xa8 || s[i] == 0xa9)
			lines++;
	return lines;
}

int __real_pt_trust_open(const char *path, int flags, struct pt_trust_file *info, char *why,
			 size_t whylen);
int __wrap_pt_trust_open(const char *path, int flags, struct pt_trust_file *info, char *why,
			 size_t whylen);

int __wrap_pt_trust_open(const char *path, int flags, struct pt_trust_file *info, char *why,
			 size_t whylen)
{
	char *real;
	struct stat st;
	bool ok;

	real = realpath(path, NULL);
	ok = real && (!strncmp(real, tmp_real, strlen(tmp_real)) ||
		      (strncmp(real, "/proc/", 6) && strncmp(real, "/sys/", 5) &&
		       strncmp(real, "/dev/", 5))) &&
	     !stat(real, &st) &&
	     (S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size <= (1 << 20)));
	free(real);
	if (!ok) {
		snprintf(why, whylen, "%s: not a file the harness reads", path);
		return -EACCES;
	}
	return __real_pt_trust_open(path, flags, info, why, whylen);
}

static void check_filter(const struct pt_net_filter *f)
{
	int bits = f->family == AF_INET ? 32 : 128;

	FZ_ASSERT(f->family == AF_INET || f->family == AF_INET6, "family %d", f->family);
	FZ_ASSERT(f->prefixlen >= 0 && f->prefixlen <= bits, "prefix /%d", f->prefixlen);
	for (int b = f->prefixlen; b < bits; b++)
		FZ_ASSERT(!(f->addr[b / 8] & (0x80 >> (b % 8))), "host bit %d set in /%d", b,
			  f->prefixlen);
	FZ_ASSERT(f->mode == PT_FILTER_ALL || f->mode == PT_FILTER_EXCEPT ||
		  f->mode == PT_FILTER_INCLUDE, "mode %d", f->mode);
	FZ_ASSERT(f->nranges >= 0 && f->nranges <= PT_MAX_PORT_RANGES, "%d ranges", f->nranges);
	for (int i = 0; i < f->nranges; i++)
		FZ_ASSERT(f->ranges[i].lo >= 1 && f->ranges[i].lo <= f->ranges[i].hi,
			  "range %u-%u", f->ranges[i].lo, f->ranges[i].hi);
}

static void describe_line(void *ctx, const char *s)
{
	FZ_ASSERT(s && s[0], "empty description line");
	++*(size_t *)ctx;
}

static void check_probe(const struct pt_probe_config *pc, const struct pt_probe_schema *sc)
{
	const struct pt_filter_spec *f = &pc->filter;
	struct pt_filter_plan plan;
	size_t i, lines = 0;
	int err;

	FZ_ASSERT(pc->schema == sc, "probe %s out of order", sc->name);
	FZ_ASSERT(!sc->opts_size || pc->opts, "%s: no options", sc->name);
	FZ_ASSERT(!f->nfilters || f->filters, "%s: filters missing", sc->name);
	for (i = 0; i < f->nfilters; i++)
		check_filter(&f->filters[i]);
	FZ_ASSERT(f->port_mode == PT_PORTS_NONE || f->port_mode == PT_PORTS_INCLUDE ||
		  f->port_mode == PT_PORTS_EXCLUDE, "%s: port mode %d", sc->name, f->port_mode);
	FZ_ASSERT((f->port_mode == PT_PORTS_NONE) == (f->nports == 0), "%s: %zu ports, mode %d",
		  sc->name, f->nports, f->port_mode);
	for (i = 0; i < f->nports; i++)
		FZ_ASSERT(f->ports[i].lo >= 1 && f->ports[i].lo <= f->ports[i].hi, "ports %u-%u",
			  f->ports[i].lo, f->ports[i].hi);
	FZ_ASSERT(!pc->nplugins || pc->plugins, "%s: plugins missing", sc->name);
	for (i = 0; i < pc->nplugins; i++)
		FZ_ASSERT(pc->plugins[i].name && pc->plugins[i].name[0], "%s: unnamed plugin",
			  sc->name);
	if (!sc->network)
		FZ_ASSERT(!f->nfilters && !f->nports && !pc->nplugins,
			  "%s takes no filters, yet has some", sc->name);
	if (!strcmp(sc->name, "udp_session")) {
		const struct pt_udp_session_opts *o = pc->opts;

		FZ_ASSERT(o->max_sessions >= 1 && o->max_sessions <= PT_UDP_MAX_SESSIONS_MAX,
			  "max_sessions %ld", o->max_sessions);
		FZ_ASSERT(o->session_max_duration >= 1, "session_max_duration %ld",
			  o->session_max_duration);
	} else if (!strcmp(sc->name, "net_listen")) {
		const struct pt_net_listen_opts *o = pc->opts;

		FZ_ASSERT(o->protocols && !(o->protocols & ~(PT_LISTEN_TCP | PT_LISTEN_UDP)),
			  "protocols %#x", o->protocols);
		FZ_ASSERT(o->snapshot_periodicity >= 0 && o->snapshot_delay >= 0,
			  "negative snapshot times");
	}

	err = pt_filter_compile(f, 1, &plan);
	FZ_ASSERT(err == 0, "%s: accepted filters do not compile (%d)", sc->name, err);
	FZ_ASSERT(plan.nv4 + plan.nv6 <= f->nfilters, "%zu map entries from %zu filters",
		  plan.nv4 + plan.nv6, f->nfilters);
	for (i = 0; i < plan.nv4; i++)
		FZ_ASSERT(plan.v4[i].key.gen == 1 && plan.v4[i].key.prefixlen <= 8 + 32,
			  "v4 key prefix %u", plan.v4[i].key.prefixlen);
	for (i = 0; i < plan.nv6; i++)
		FZ_ASSERT(plan.v6[i].key.gen == 1 && plan.v6[i].key.prefixlen <= 8 + 128,
			  "v6 key prefix %u", plan.v6[i].key.prefixlen);
	pt_filter_describe(&plan, describe_line, &lines);
	FZ_ASSERT(lines >= plan.nv4 + plan.nv6, "%zu lines for %zu entries", lines,
		  plan.nv4 + plan.nv6);
	pt_filter_plan_free(&plan);
}

static int load(struct pt_config *cfg, struct pt_diags *d, int main_lines, int inc_lines)
{
	const struct pt_probe_schema *const *sc = schemas();
	size_t before = d->nerrors, i, n = 0;
	int err;

	err = pt_config_load(cfg, main_path, sc, d);
	FZ_ASSERT(err == 0 || err == -EINVAL, "pt_config_load: %d", err);
	FZ_ASSERT((err == 0) == (d->nerrors == before), "returned %d with %zu errors", err,
		  d->nerrors - before);
	for (i = 0; i < d->n; i++) {
		const struct pt_diag *g = &d->v[i];

		FZ_ASSERT(g->level == PT_DIAG_ERROR || g->level == PT_DIAG_WARNING, "level %d",
			  g->level);
		FZ_ASSERT(g->file && g->file[0], "diagnostic without a file: %s", g->msg);
		FZ_ASSERT(g->msg && g->msg[0], "empty diagnostic");
		FZ_ASSERT(g->line >= 0, "line %d", g->line);
		if (!strcmp(g->file, main_path))
			FZ_ASSERT(g->line <= main_lines, "line %d of %d in main.yml: %s", g->line,
				  main_lines, g->msg);
		else if (!strcmp(g->file, inc_path))
			FZ_ASSERT(g->line <= inc_lines, "line %d of %d in inc.yml: %s", g->line,
				  inc_lines, g->msg);
	}
	if (err) {
		FZ_ASSERT(!cfg->probes && !cfg->nprobes && !cfg->tree.root,
			  "a refused configuration was not freed");
		return err;
	}
	while (sc[n])
		n++;
	FZ_ASSERT(cfg->nprobes == n, "%zu probes, %zu schemas", cfg->nprobes, n);
	for (i = 0; i < n; i++)
		check_probe(&cfg->probes[i], sc[i]);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FZ_ASSERT(realpath(fz_tmpdir(), tmp_real), "realpath: %s", strerror(errno));
	strcat(tmp_real, "/");
	fz_path(main_path, sizeof(main_path), "main.yml");
	fz_path(inc_path, sizeof(inc_path), "inc.yml");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t nmain = nul ? (size_t)(nul - data) : size;
	size_t ninc = nul ? size - nmain - 1 : 0;
	struct pt_config cfg, cfg2;
	struct pt_diags d = { 0 }, d2 = { 0 };
	int err, err2, ml, il;

	fz_write(main_path, data, nmain);
	fz_write(inc_path, nul ? nul + 1 : data, ninc);
	ml = count_lines(data, nmain);
	il = count_lines(nul ? nul + 1 : data, ninc);

	err = load(&cfg, &d, ml, il);
	err2 = load(&cfg2, &d2, ml, il);
	FZ_ASSERT(err == err2 && d.n == d2.n && d.nerrors == d2.nerrors,
		  "a second load differs (%d/%d, %zu/%zu diagnostics)", err, err2, d.n, d2.n);
	for (size_t i = 0; i < d.n; i++)
		FZ_ASSERT(d.v[i].line == d2.v[i].line && !strcmp(d.v[i].msg, d2.v[i].msg),
			  "diagnostic %zu differs on a second load", i);
	if (!err) {
		pt_config_free(&cfg);
		pt_config_free(&cfg2);
	}
	pt_diags_free(&d);
	pt_diags_free(&d2);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The in-memory event: error reasons, plugin fields, address text.
 */
#include "event.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

/*
 * Field keys become JSON keys and, upper-cased with a "PIDTREE_" prefix,
 * journald field names, which may be at most 64 characters long.
 */
#define PT_FIELD_KEY_MAX (64 - sizeof("PIDTREE_") + 1)

/* Keys written by the JSON writer itself; a field may not duplicate them. */
static const char *const reserved_keys[] = {
	"timestamp", "probe", "pid",	  "proctree",	  "daddr", "saddr",
	"laddr",     "port",  "protocol", "destinations", "error",   "sport",
	"container_name", "container", /* containers */
	"daddr_name", "daddr_cnames", "saddr_name", "saddr_cnames", /* dns */
};

void pt_event_add_error(struct pt_event *ev, const char *fmt, ...)
{
	char msg[sizeof(ev->error)];
	size_t used, n, room;
	bool cut = false;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r <= 0)
		return;
	if ((size_t)r >= sizeof(msg))
		cut = true;

	ev->error[sizeof(ev->error) - 1] = '\0';
	used = strlen(ev->error);
	if (used) {
		/* "first; second": never append a separator without room for text */
		if (used + 3 >= sizeof(ev->error))
			return;
		memcpy(ev->error + used, "; ", 2);
		used += 2;
	}
	room = sizeof(ev->error) - 1 - used;
	n = strlen(msg);
	if (n > room) {
		n = room;
		cut = true;
	}
	memcpy(ev->error + used, msg, n);
	ev->error[used + n] = '\0';
	if (cut)
		pt_utf8_trim_partial(ev->error, used + n);
}

void pt_event_reset(struct pt_event *ev)
{
	ev->probe = NULL;
	ev->pid = 0;
	ev->nproc = 0;
	ev->daddr[0] = ev->saddr[0] = ev->laddr[0] = '\0';
	ev->has_port = false;
	ev->port = 0;
	ev->sport = 0;
	ev->protocol = NULL;
	ev->dests = NULL;
	ev->ndests = 0;
	ev->peer.family = 0; /* dns */
	ev->peer_name.name = NULL;
	ev->peer_name.ncnames = 0;
	ev->error[0] = '\0';
	ev->mntns = 0; /* containers */
	ev->cgroup_id = 0;
	ev->cgroup_name[0] = '\0';
	ev->container = NULL;
	ev->nfields = 0;
}

static int check_key(const char *key)
{
	size_t i, n;

	if (!key || !key[0])
		return -EINVAL;
	for (n = 0; key[n]; n++) {
		char c = key[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return -EINVAL;
	}
	if (n > PT_FIELD_KEY_MAX)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(reserved_keys); i++)
		if (!strcmp(key, reserved_keys[i]))
			return -EINVAL;
	return 0;
}

/* The slot of key: the existing one (replaced) or a new one. */
static int field_slot(struct pt_event *ev, const char *key, struct pt_event_field **out)
{
	struct pt_event_field *f;
	size_t i;
	int err;

	err = check_key(key);
	if (err)
		return err;
	for (i = 0; i < ev->nfields && i < PT_EVENT_MAX_FIELDS; i++) {
		if (!strcmp(ev->fields[i].key, key)) {
			*out = &ev->fields[i];
			return 0;
		}
	}
	if (ev->nfields >= PT_EVENT_MAX_FIELDS)
		return -ENOSPC;
	f = &ev->fields[ev->nfields++];
	memset(f, 0, sizeof(*f));
	f->key = key;
	*out = f;
	return 0;
}

int pt_event_add_str(struct pt_event *ev, const char *key, const char *val)
{
	struct pt_event_field *f;
	int err;

	if (!val)
		return -EINVAL;
	err = field_slot(ev, key, &f);
	if (err)
		return err;
	f->type = PT_FIELD_STR;
	f->str = val;
	f->num = 0;
	return 0;
}

int pt_event_add_int(struct pt_event *ev, const char *key, int64_t val)
{
	struct pt_event_field *f;
	int err;

	err = field_slot(ev, key, &f);
	if (err)
		return err;
	f->type = PT_FIELD_INT;
	f->str = NULL;
	f->num = val;
	return 0;
}

int pt_event_add_bool(struct pt_event *ev, const char *key, bool val)
{
	struct pt_event_field *f;
	int err;

	err = field_slot(ev, key, &f);
	if (err)
		return err;
	f->type = PT_FIELD_BOOL;
	f->str = NULL;
	f->num = val ? 1 : 0;
	return 0;
}

/* a.b.c.d into buf of sl bytes, as inet_ntop(AF_INET) (NULL when it does not fit) */
static const char *ipv4_str(const uint8_t *a, char *buf, socklen_t sl)
{
	char tmp[INET_ADDRSTRLEN];
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		if (i)
			tmp[n++] = '.';
		if (a[i] >= 100)
			tmp[n++] = (char)('0' + a[i] / 100);
		if (a[i] >= 10)
			tmp[n++] = (char)('0' + a[i] / 10 % 10);
		tmp[n++] = (char)('0' + a[i] % 10);
	}
	if (n + 1 > sl)
		return NULL;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return buf;
}

/*
 * AF_INET reads the first 4 bytes of addr.  For AF_INET6, an IPv4-mapped
 * address (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4
 * peer) is printed as plain "a.b.c.d", so the same peer has the same text
 * whichever socket family was used; every other IPv6 address is printed in
 * RFC 5952 form.  An unknown family or a too small buffer gives "".
 */
void pt_addr_to_str(int family, const uint8_t *addr, char *buf, size_t len)
{
	struct in6_addr a6;
	socklen_t sl = len > INET6_ADDRSTRLEN ? INET6_ADDRSTRLEN : (socklen_t)len;
	const char *r = NULL;

	if (!buf || !len)
		return;
	if (!addr)
		goto out;
	if (family == AF_INET) {
		r = ipv4_str(addr, buf, sl);
	} else if (family == AF_INET6) {
		memcpy(&a6, addr, 16);
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			r = ipv4_str(addr + 12, buf, sl);
		} else {
			r = inet_ntop(AF_INET6, &a6, buf, sl);
		}
	}
out:
	if (!r)
		buf[0] = '\0';
}

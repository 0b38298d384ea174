/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The in-memory event every sink reads.  Built by the probe decoders from a
 * ring-buffer record plus the process cache, then enriched by plugins.
 * Strings are borrowed (owned by the process cache or by the event's own
 * storage) and valid until the sinks have run.
 */
#ifndef PIDTREE_EVENT_H
#define PIDTREE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "pidtree.h"

struct pt_event_proc {
	uint32_t pid;
	uint32_t ppid;
	uint32_t uid;
	uint32_t loginuid; /* 4294967295 = unset */
	uint64_t start_ns;
	const char *cmdline;  /* never NULL ("" when unknown) */
	const char *username; /* never NULL */
	const char *loginname; /* NULL unless a plugin set it */
	/*
	 * cmdline already as a JSON string (quotes included, cmdline_json_len
	 * bytes and a NUL), kept by the process cache so that an ancestor in
	 * many events is escaped once; NULL when there is none.  It stands
	 * for cmdline only while cmdline == cmdline_json_of: whoever points
	 * cmdline elsewhere (a cut copy, a copy of the string) gets the
	 * string escaped again (pt_json_proctree).
	 */
	const char *cmdline_json;
	const char *cmdline_json_of;
	size_t cmdline_json_len;
};

enum pt_field_type { PT_FIELD_STR, PT_FIELD_INT, PT_FIELD_BOOL };

/* Extra top-level key added by a plugin or a probe (e.g. "snapshot"). */
struct pt_event_field {
	const char *key; /* [a-z0-9_]+ */
	enum pt_field_type type;
	const char *str;
	int64_t num;
};

/* ---- dns: names of addresses (issue 17) ---------------------------------- */
#define PT_EVENT_CNAMES_MAX 8

/*
 * An address to name, as a probe saw it (not written out): the daemon
 * looks it up in its DNS name table (src/daemon/naming.c).
 */
struct pt_event_addr {
	uint64_t ts_ns;  /* when it was used (boot clock): names valid then */
	uint32_t netns;  /* network namespace inode of the socket */
	uint16_t family; /* AF_INET, AF_INET6; 0: nothing to name */
	uint8_t addr[16];
};

/*
 * The DNS name of an address: the name the application asked for, whose
 * answer held the address, and the CNAME chain from it to the record
 * holding the address.  Strings borrowed from the name table, valid while
 * the event is written out.
 */
struct pt_event_name {
	const char *name; /* NULL: no name known */
	const char *cnames[PT_EVENT_CNAMES_MAX];
	size_t ncnames;
};
/* ---- end dns ---- */

struct pt_udp_dest {
	char daddr[INET6_ADDRSTRLEN];
	uint16_t port;
	double duration; /* seconds */
	uint64_t msg_count;
	struct pt_event_addr key;  /* dns: daddr to name */
	struct pt_event_name name; /* dns: daddr_name, daddr_cnames */
};

#define PT_EVENT_MAX_FIELDS 16

/* ---- containers ------------------------------------------------------------
 * The container (and Kubernetes pod) of an event's process, as the outputs
 * show it: JSON container_name and container{}, journald PIDTREE_CONTAINER_*
 * and PIDTREE_POD*, RFC 5424 container_* and pod* parameters.  Filled by
 * the daemon (src/daemon/containers.c) from the container layer's cache;
 * core knows nothing of runtimes.  Strings are borrowed, never NULL, ""
 * when unknown (a container known only by the id in its cgroup path has
 * no name yet); pod and pod_namespace are "" outside Kubernetes.
 */
struct pt_event_container {
	const char *id;
	const char *name; /* its name, else its io.kubernetes.pod.name label (pidtree-bcc) */
	const char *image;
	const char *runtime; /* "docker", "podman", "containerd", "cri-o" */
	const char *pod;
	const char *pod_namespace;
};
/* ---- end containers ---- */

/*
 * What the events of a probe look like, which decides the keys written (in
 * this order, after timestamp, probe, pid and proctree) and how the
 * one-line summary reads.
 */
enum pt_event_shape {
	PT_SHAPE_CONNECT, /* daddr, saddr, port: an outbound connection */
	PT_SHAPE_LISTEN,  /* laddr, port, protocol: a listening socket */
	PT_SHAPE_SESSION, /* destinations [{daddr, port, duration, msg_count}], protocol */
	PT_SHAPE_ACCEPT,  /* saddr, sport (the remote peer), daddr, port (local, the service) */
	PT_SHAPE_PROCESS, /* no address: the process itself */
};

/* A probe's identity as events show it (one per row of the probe table). */
struct pt_probe_info {
	const char *name;       /* "probe" of its events, its YAML key */
	const char *message_id; /* journald MESSAGE_ID (32 hex digits), NULL: none */
	enum pt_event_shape shape;
};

struct pt_event {
	const struct pt_probe_info *probe;
	uint64_t ts_us;    /* wall clock, microseconds since the epoch */
	uint32_t pid;
	size_t nproc;
	struct pt_event_proc proctree[PT_MAX_DEPTH]; /* [0] = the process itself */
	/* address fields: "" when unknown or not applicable to the shape */
	char daddr[INET6_ADDRSTRLEN];
	char saddr[INET6_ADDRSTRLEN];
	char laddr[INET6_ADDRSTRLEN];
	uint16_t port;
	bool has_port;
	uint16_t sport; /* PT_SHAPE_ACCEPT: the remote peer's port */
	const char *protocol; /* "tcp" / "udp" or NULL */
	struct pt_udp_dest *dests; /* udp_session */
	size_t ndests;
	/* dns: the peer to name (daddr; tcp_accept: saddr) and its name */
	struct pt_event_addr peer;
	struct pt_event_name peer_name;
	char error[256]; /* "" or a short reason */
	/* ---- containers: the leaf's identity at event time (pidtree.h's
	 * pt_ancestry; 0 / "" unknown, as in a /proc snapshot) and what it names */
	uint32_t mntns;
	uint64_t cgroup_id;
	char cgroup_name[PT_CGROUP_NAME_LEN];
	const struct pt_event_container *container; /* NULL: a host process (or not known) */
	/* ---- end containers ---- */
	size_t nfields;
	struct pt_event_field fields[PT_EVENT_MAX_FIELDS];
};

/* Reset every per-event field of ev (the proctree is filled by resolve). */
void pt_event_reset(struct pt_event *ev);

/* Append "; reason" (or set it when empty) to ev->error, truncating safely. */
void pt_event_add_error(struct pt_event *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Add a plugin/probe field (key and string borrowed; a key already present
 * is replaced).  -ENOSPC when full; -EINVAL for a bad key: empty, not
 * [a-z0-9_]+, longer than 56 (journald field names are <= 64 with the
 * "PIDTREE_" prefix), or one of the event's own keys (pid, port, ...).
 */
int pt_event_add_str(struct pt_event *ev, const char *key, const char *val);
int pt_event_add_int(struct pt_event *ev, const char *key, int64_t val);
int pt_event_add_bool(struct pt_event *ev, const char *key, bool val);

/* Text form of an address: IPv4 dotted quad, IPv6 per RFC 5952 (inet_ntop). */
void pt_addr_to_str(int family, const uint8_t *addr, char *buf, size_t len);

#endif

/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One container as pidtree knows it, and the bounded label set it carries.
 *
 * Everything here comes from sources pidtree does not trust (runtime API
 * responses, OCI bundles written by whoever controls the runtime, cgroup
 * paths chosen by any process allowed to create cgroups), so every string
 * has a fixed bound, labels are counted and sized, and embedded NULs are
 * refused.  Strings are otherwise kept as the bytes received: they may be
 * invalid UTF-8, and the sinks' writers sanitise them (pt_json_str...).
 */
#ifndef PIDTREE_CONTAINER_H
#define PIDTREE_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Buffer sizes, NUL included. */
#define PT_CONTAINER_ID_MAX 80     /* 64 hex (docker, podman, CRI); containerd ids <= 76 */
#define PT_CONTAINER_NAME_MAX 256
#define PT_CONTAINER_IMAGE_MAX 512
#define PT_CONTAINER_POD_MAX 256   /* Kubernetes pod names are <= 253 */
#define PT_CONTAINER_NS_MAX 128    /* Kubernetes namespaces are <= 63 */

/* Label limits: labels beyond them are dropped and counted (labels_dropped). */
#define PT_LABELS_MAX 128          /* labels per container */
#define PT_LABEL_KEY_MAX 256       /* bytes of a key, NUL excluded */
#define PT_LABEL_VALUE_MAX 1024    /* bytes of a value, NUL excluded */
#define PT_LABELS_BYTES_MAX 32768  /* keys + values of one container */

enum pt_container_state {
	PT_CONTAINER_UNKNOWN, /* seen only in a cgroup path: id, no details yet */
	PT_CONTAINER_RUNNING,
	PT_CONTAINER_STOPPED, /* kept for late events until its grace period ends */
};

struct pt_label {
	const char *key, *value; /* NUL-terminated, no embedded NUL */
};

/*
 * A label set: sorted by key (strcmp), keys unique.  One allocation holds
 * the array and the strings; pt_labels_free releases it.
 */
struct pt_labels {
	struct pt_label *v;
	size_t n;
};

struct pt_container {
	char id[PT_CONTAINER_ID_MAX];
	/* the container's name; when the runtime has none (CRI), its
	 * io.kubernetes.pod.name label, as pidtree-bcc's container_name */
	char name[PT_CONTAINER_NAME_MAX];
	char image[PT_CONTAINER_IMAGE_MAX];
	const char *runtime; /* static: "docker", "podman", "containerd", "cri-o", "" */
	char pod[PT_CONTAINER_POD_MAX];      /* io.kubernetes.pod.name, "" = none */
	char namespace[PT_CONTAINER_NS_MAX]; /* io.kubernetes.pod.namespace, "" = none */
	struct pt_labels labels;
	unsigned int labels_dropped; /* labels refused by the limits above */
	pid_t pid;          /* the container's init process as last seen, 0 = unknown */
	uint32_t mntns;     /* inode of its mount namespace, 0 = unknown */
	uint64_t cgroup_id; /* id of its cgroup v2 directory (= bpf_get_current_cgroup_id), 0 = unknown */
	enum pt_container_state state;
	uint64_t stopped_at; /* CLOCK_MONOTONIC ms when seen stopped, 0 while running */
	int source;          /* internal: which client reported it */
};

/* The value of label key, NULL when the container has no such label. */
const char *pt_container_label(const struct pt_container *c, const char *key);

/* The name events should show: name, else the pod name, else "". */
const char *pt_container_display_name(const struct pt_container *c);

/*
 * Collecting labels: add (key, value) pairs in any order, then build.
 * Pairs that break a limit or hold a NUL are dropped and counted; a later
 * duplicate key replaces an earlier one.
 */
struct pt_labels_builder {
	struct { char *key, *value; } *v;
	size_t n, cap, bytes;
	unsigned int dropped;
	bool oom;
};

void pt_labels_builder_init(struct pt_labels_builder *b);
/* klen/vlen: byte lengths (the strings need not be NUL-terminated). */
void pt_labels_builder_add(struct pt_labels_builder *b, const char *key, size_t klen,
			   const char *value, size_t vlen);
/* Build into out (previous contents not freed) and reset b; 0 or -ENOMEM. */
int pt_labels_builder_finish(struct pt_labels_builder *b, struct pt_labels *out,
			     unsigned int *dropped);
void pt_labels_builder_free(struct pt_labels_builder *b);

void pt_labels_free(struct pt_labels *l);
/* Deep copy; 0 or -ENOMEM (dst then empty). */
int pt_labels_copy(struct pt_labels *dst, const struct pt_labels *src);
bool pt_labels_equal(const struct pt_labels *a, const struct pt_labels *b);

/* Release what c owns (its labels) and clear it. */
void pt_container_clear(struct pt_container *c);

/*
 * Copy n bytes of s into dst (size bytes), cut at a UTF-8 character
 * boundary when too long, stopping at an embedded NUL.  Returns true when
 * the whole string fitted.
 */
bool pt_container_strcpy(char *dst, size_t size, const char *s, size_t n);

/* 64 lower-case hex digits: the ids of docker, podman and CRI containers. */
bool pt_container_id_is_hex64(const char *s, size_t n);
/* containerd's identifier rule: [A-Za-z0-9]+([._-][A-Za-z0-9]+)*, at most 76. */
bool pt_container_id_valid(const char *s, size_t n);

/* CLOCK_MONOTONIC in milliseconds, the clock of stopped_at and ticks. */
uint64_t pt_containers_now_ms(void);

#endif

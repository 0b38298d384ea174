/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Parsers for what container runtimes answer: the Docker Engine API
 * (Docker, and Podman's compatible service) and containerd's OCI bundle
 * config.json.  Pure functions over a byte buffer, parsed with json-c;
 * fuzzed (tests/fuzz/fuzz_containers.c).
 *
 * The input is hostile: any bytes, any size the caller accepted (callers
 * bound it), nesting limited to PT_APIJSON_DEPTH, strict JSON (RFC 8259;
 * only white space may follow the value).  Fields of the wrong type are
 * ignored as if absent; strings are bounded (pt_container_strcpy) and
 * labels limited (pt_labels_builder).  For duplicate keys json-c keeps the
 * last one.
 */
#ifndef PIDTREE_CONTAINER_APIJSON_H
#define PIDTREE_CONTAINER_APIJSON_H

#include <stddef.h>

#include "container.h"

#define PT_APIJSON_DEPTH 32
#define PT_DOCKER_LIST_MAX 8192 /* containers in one listing */

/*
 * GET /containers/{id}/json into c (overwritten: not freed first): Id (64 hex, required),
 * Name (without its leading '/'; when empty, the io.kubernetes.pod.name
 * label), Config.Image, Config.Labels (string values), State.Pid;
 * c->state RUNNING when State.Running is true and State.Pid > 0, else
 * STOPPED; pod and namespace from the io.kubernetes.pod.name/namespace
 * labels.  c->runtime is left for the caller.  0, -EINVAL, -ENOMEM.
 */
int pt_docker_parse_inspect(const char *buf, size_t len, struct pt_container *c);

/*
 * GET /containers/json: the Id of each element (64 hex; others skipped)
 * into *ids (malloc'ed, caller frees), their number in *n.  0, -EINVAL
 * (not an array), -E2BIG (more than PT_DOCKER_LIST_MAX), -ENOMEM.
 */
int pt_docker_parse_list(const char *buf, size_t len, char (**ids)[PT_CONTAINER_ID_MAX], size_t *n);

enum pt_docker_action {
	PT_DOCKER_EV_OTHER,   /* create, exec_start, health_status...: ignored */
	PT_DOCKER_EV_START,
	PT_DOCKER_EV_DIE,     /* docker "die", podman also "died" */
	PT_DOCKER_EV_DESTROY, /* docker "destroy", podman "remove" */
	PT_DOCKER_EV_RENAME,
};

struct pt_docker_event {
	enum pt_docker_action action;
	/*
	 * Actor.ID (or "id"), 64 hex, in attrs.id; from Actor.Attributes: name
	 * and image, and the rest as labels (Docker and Podman put the
	 * container's labels there, among their own keys, which are left out:
	 * name, image, exitCode, containerExitCode, podId, signal,
	 * execDuration).  A fallback for a container gone before it could be
	 * inspected; attrs.state is RUNNING for start, STOPPED otherwise.
	 */
	struct pt_container attrs;
};

/* One line of the GET /events stream.  0 (ev filled; caller clears attrs),
 * -EINVAL (not an event of a container with a valid id), -ENOMEM. */
int pt_docker_parse_event(const char *buf, size_t len, struct pt_docker_event *ev);

/*
 * GET /version: *runtime "podman" when a component's Name mentions Podman,
 * else "docker"; the top-level Version into version (may be "").
 * 0, -EINVAL, -ENOMEM.
 */
int pt_docker_parse_version(const char *buf, size_t len, const char **runtime, char *version,
			    size_t vsize);

/*
 * containerd's bundle config.json (OCI runtime spec) of task id in
 * namespace ns, into c (overwritten): every annotation becomes a label,
 * and the CRI ones are also mapped to the Kubernetes labels that
 * container_labels patterns name:
 *   io.kubernetes.cri.sandbox-name      -> io.kubernetes.pod.name (and pod)
 *   io.kubernetes.cri.sandbox-namespace -> io.kubernetes.pod.namespace (and namespace)
 *   io.kubernetes.cri.sandbox-uid       -> io.kubernetes.pod.uid
 *   io.kubernetes.cri.container-name    -> io.kubernetes.container.name
 *   io.kubernetes.cri.image-name        -> image
 * name: the pod name (CRI containers have no name of their own, as
 * pidtree-bcc shows them), else the nerdctl/name annotation, else the id.
 * runtime "docker" for namespace "moby" (dockerd's own), else "containerd".
 * c->state RUNNING, pid 0 (init.pid is another file).  0, -EINVAL, -ENOMEM.
 */
int pt_containerd_parse_spec(const char *buf, size_t len, const char *ns, const char *id,
			     struct pt_container *c);

#endif

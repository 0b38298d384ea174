/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "apijson.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <json-c/json.h>

/* ---- json-c helpers ----------------------------------------------------- */

static struct json_object *parse(const char *buf, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	/* only white space may follow the value: strip it, strict mode refuses
	 * anything else after the value */
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
		       buf[len - 1] == '\t'))
		len--;
	if (!len || len > INT_MAX)
		return NULL;
	tok = json_tokener_new_ex(PT_APIJSON_DEPTH);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static struct json_object *get(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* The string at key, with its length (json-c strings may hold NULs). */
static const char *get_str(struct json_object *o, const char *key, size_t *n)
{
	struct json_object *v = get(o, key, json_type_string);

	if (!v)
		return NULL;
	*n = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

static void copy_str(char *dst, size_t size, struct json_object *o, const char *key)
{
	size_t n;
	const char *s = get_str(o, key, &n);

	dst[0] = '\0';
	if (s)
		pt_container_strcpy(dst, size, s, n);
}

/* Labels from an object of strings; non-string values dropped, counted. */
static void add_labels(struct pt_labels_builder *b, struct json_object *obj,
		       const char *const *skip)
{
	struct json_object_iterator it, end;

	if (!obj)
		return;
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);
		struct json_object *v = json_object_iter_peek_value(&it);
		const char *const *s;

		for (s = skip; s && *s; s++)
			if (!strcmp(*s, k))
				break;
		if (s && *s)
			continue;
		if (!json_object_is_type(v, json_type_string)) {
			b->dropped++;
			continue;
		}
		/* json-c object keys are C strings: an escaped NUL cuts them,
		 * which strlen sees; values keep their length */
		pt_labels_builder_add(b, k, strlen(k), json_object_get_string(v),
				      (size_t)json_object_get_string_len(v));
	}
}

static int finish_labels(struct pt_labels_builder *b, struct pt_container *c)
{
	unsigned int dropped;
	int ret = pt_labels_builder_finish(b, &c->labels, &dropped);

	c->labels_dropped += dropped;
	return ret;
}

static void k8s_fields(struct pt_container *c)
{
	const char *pod = pt_container_label(c, "io.kubernetes.pod.name");
	const char *ns = pt_container_label(c, "io.kubernetes.pod.namespace");

	if (pod)
		pt_container_strcpy(c->pod, sizeof(c->pod), pod, strlen(pod));
	if (ns)
		pt_container_strcpy(c->namespace, sizeof(c->namespace), ns, strlen(ns));
	if (!c->name[0] && pod)
		pt_container_strcpy(c->name, sizeof(c->name), pod, strlen(pod));
}

static bool hex_id(struct json_object *o, const char *key, struct pt_container *c)
{
	size_t n;
	const char *s = get_str(o, key, &n);

	if (!s || !pt_container_id_is_hex64(s, n))
		return false;
	memcpy(c->id, s, 64);
	c->id[64] = '\0';
	return true;
}

/* ---- Docker Engine API -------------------------------------------------- */

int pt_docker_parse_inspect(const char *buf, size_t len, struct pt_container *c)
{
	struct json_object *root = parse(buf, len), *config, *state, *v;
	struct pt_labels_builder b;
	const char *name;
	size_t n;
	int ret = -EINVAL;

	memset(c, 0, sizeof(*c));
	c->runtime = "";
	if (!root)
		return -EINVAL;
	if (!hex_id(root, "Id", c))
		goto out;
	name = get_str(root, "Name", &n);
	if (name) {
		if (n && name[0] == '/') {
			name++;
			n--;
		}
		pt_container_strcpy(c->name, sizeof(c->name), name, n);
	}
	config = get(root, "Config", json_type_object);
	copy_str(c->image, sizeof(c->image), config, "Image");
	pt_labels_builder_init(&b);
	add_labels(&b, get(config, "Labels", json_type_object), NULL);
	ret = finish_labels(&b, c);
	if (ret)
		goto out;
	k8s_fields(c);
	state = get(root, "State", json_type_object);
	v = get(state, "Pid", json_type_int);
	if (v) {
		int64_t pid = json_object_get_int64(v);

		c->pid = pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
	}
	v = get(state, "Running", json_type_boolean);
	c->state = v && json_object_get_boolean(v) && c->pid > 0 ? PT_CONTAINER_RUNNING
								 : PT_CONTAINER_STOPPED;
	if (c->state != PT_CONTAINER_RUNNING)
		c->pid = 0;
out:
	if (ret)
		pt_container_clear(c);
	json_object_put(root);
	return ret;
}

int pt_docker_parse_list(const char *buf, size_t len, char (**ids)[PT_CONTAINER_ID_MAX], size_t *n)
{
	struct json_object *root = parse(buf, len);
	size_t i, count, k = 0;
	int ret = -EINVAL;

	*ids = NULL;
	*n = 0;
	if (!root || !json_object_is_type(root, json_type_array))
		goto out;
	count = json_object_array_length(root);
	ret = -E2BIG;
	if (count > PT_DOCKER_LIST_MAX)
		goto out;
	ret = -ENOMEM;
	*ids = calloc(count ? count : 1, sizeof(**ids));
	if (!*ids)
		goto out;
	for (i = 0; i < count; i++) {
		struct pt_container tmp;

		tmp.id[0] = '\0';
		if (hex_id(json_object_array_get_idx(root, i), "Id", &tmp))
			memcpy((*ids)[k++], tmp.id, sizeof(tmp.id));
	}
	*n = k;
	ret = 0;
out:
	json_object_put(root);
	return ret;
}

static const char *const event_own_keys[] = {
	"name", "image", "exitCode", "containerExitCode", "podId", "signal", "execDuration", NULL,
};

int pt_docker_parse_event(const char *buf, size_t len, struct pt_docker_event *ev)
{
	struct json_object *root = parse(buf, len), *actor, *attrs;
	struct pt_labels_builder b;
	struct pt_container *c = &ev->attrs;
	const char *action, *type;
	size_t n, tn;
	int ret = -EINVAL;

	memset(ev, 0, sizeof(*ev));
	c->runtime = "";
	if (!root)
		return -EINVAL;
	type = get_str(root, "Type", &tn);
	if (type && (tn != 9 || memcmp(type, "container", 9)))
		goto out;
	action = get_str(root, "Action", &n);
	if (!action)
		action = get_str(root, "status", &n);
	if (!action)
		goto out;
	if (n == 5 && !memcmp(action, "start", 5))
		ev->action = PT_DOCKER_EV_START;
	else if ((n == 3 && !memcmp(action, "die", 3)) || (n == 4 && !memcmp(action, "died", 4)))
		ev->action = PT_DOCKER_EV_DIE;
	else if ((n == 7 && !memcmp(action, "destroy", 7)) || (n == 6 && !memcmp(action, "remove", 6)))
		ev->action = PT_DOCKER_EV_DESTROY;
	else if (n == 6 && !memcmp(action, "rename", 6))
		ev->action = PT_DOCKER_EV_RENAME;
	actor = get(root, "Actor", json_type_object);
	if (!hex_id(actor, "ID", c) && !hex_id(root, "id", c))
		goto out;
	attrs = get(actor, "Attributes", json_type_object);
	copy_str(c->name, sizeof(c->name), attrs, "name");
	copy_str(c->image, sizeof(c->image), attrs, "image");
	pt_labels_builder_init(&b);
	add_labels(&b, attrs, event_own_keys);
	ret = finish_labels(&b, c);
	if (ret)
		goto out;
	k8s_fields(c);
	c->state = ev->action == PT_DOCKER_EV_START ? PT_CONTAINER_RUNNING : PT_CONTAINER_STOPPED;
out:
	if (ret)
		pt_container_clear(c);
	json_object_put(root);
	return ret;
}

int pt_docker_parse_version(const char *buf, size_t len, const char **runtime, char *version,
			    size_t vsize)
{
	struct json_object *root = parse(buf, len), *comps;
	size_t i, n;

	*runtime = "docker";
	if (vsize)
		version[0] = '\0';
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EINVAL;
	}
	if (vsize)
		copy_str(version, vsize, root, "Version");
	comps = get(root, "Components", json_type_array);
	n = comps ? json_object_array_length(comps) : 0;
	for (i = 0; i < n && i < 64; i++) {
		size_t l;
		const char *s = get_str(json_object_array_get_idx(comps, i), "Name", &l);

		if (s && l >= 6 && memmem(s, l, "Podman", 6))
			*runtime = "podman";
	}
	json_object_put(root);
	return 0;
}

/* ---- containerd's OCI bundle -------------------------------------------- */

static const struct {
	const char *annotation, *label;
} cri_map[] = {
	{ "io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name" },
	{ "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace" },
	{ "io.kubernetes.cri.sandbox-uid", "io.kubernetes.pod.uid" },
	{ "io.kubernetes.cri.container-name", "io.kubernetes.container.name" },
};

int pt_containerd_parse_spec(const char *buf, size_t len, const char *ns, const char *id,
			     struct pt_container *c)
{
	struct json_object *root, *ann;
	struct pt_labels_builder b;
	const char *s;
	size_t i, n;
	int ret = -EINVAL;

	memset(c, 0, sizeof(*c));
	c->runtime = "";
	if (!pt_container_id_valid(id, strlen(id)))
		return -EINVAL;
	root = parse(buf, len);
	if (!root || !json_object_is_type(root, json_type_object))
		goto out;
	strcpy(c->id, id);
	ann = get(root, "annotations", json_type_object);
	pt_labels_builder_init(&b);
	add_labels(&b, ann, NULL);
	for (i = 0; i < sizeof(cri_map) / sizeof(cri_map[0]); i++) {
		s = get_str(ann, cri_map[i].annotation, &n);
		if (s)
			pt_labels_builder_add(&b, cri_map[i].label, strlen(cri_map[i].label), s, n);
	}
	ret = finish_labels(&b, c);
	if (ret)
		goto out;
	copy_str(c->image, sizeof(c->image), ann, "io.kubernetes.cri.image-name");
	k8s_fields(c); /* name = pod name for CRI containers */
	if (!c->name[0])
		copy_str(c->name, sizeof(c->name), ann, "nerdctl/name");
	if (!c->name[0])
		pt_container_strcpy(c->name, sizeof(c->name), id, strlen(id));
	c->runtime = strcmp(ns, "moby") ? "containerd" : "docker";
	c->state = PT_CONTAINER_RUNNING;
out:
	if (ret)
		pt_container_clear(c);
	json_object_put(root);
	return ret;
}

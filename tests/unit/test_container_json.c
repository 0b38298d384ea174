// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of src/containers/apijson.c: Docker Engine API answers
 * (captured from podman, and Docker-shaped ones), containerd bundles, and
 * hostile input (invalid, truncated, huge, deep, duplicate keys, wrong
 * types, NULs, too many labels).  Last, the fuzz harness runs over every
 * fixture and thousands of mutations of them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "apijson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PODMAN_ID "cd66e5e2bdfff541cb5fa31c50969906f7cb447a29d037f4cbb3fdb6a4950a6e"
#define DOCKER_ID "4fa6e0f0c6786287e131c3852c58a2e01cc697a68231826813597e4994f1d6e2"

static char *slurp(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", CONTAINER_FIXTURES, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return buf;
}

static int inspect_str(const char *s, struct pt_container *c)
{
	return pt_docker_parse_inspect(s, strlen(s), c);
}

static void test_podman_inspect(void **state)
{
	struct pt_container c;
	size_t len;
	char *buf = slurp("podman_inspect_running.json", &len);

	assert_int_equal(pt_docker_parse_inspect(buf, len, &c), 0);
	assert_string_equal(c.id, PODMAN_ID);
	assert_string_equal(c.name, "containers-fx-k8s");
	assert_string_equal(c.image, "localhost/containers-busybox:test");
	assert_int_equal(c.pid, 2640);
	assert_int_equal(c.state, PT_CONTAINER_RUNNING);
	assert_int_equal(c.labels.n, 3);
	assert_string_equal(pt_container_label(&c, "unicode"), "h\xc3\xa9llo \xe2\x9c\x93");
	assert_string_equal(c.pod, "web-7d9f");
	assert_string_equal(c.namespace, "prod");
	assert_int_equal(c.labels_dropped, 0);
	pt_container_clear(&c);
	free(buf);

	buf = slurp("podman_inspect_exited.json", &len);
	assert_int_equal(pt_docker_parse_inspect(buf, len, &c), 0);
	assert_string_equal(c.name, "containers-fx-exited");
	assert_int_equal(c.state, PT_CONTAINER_STOPPED);
	assert_int_equal(c.pid, 0);
	assert_int_equal(c.labels.n, 0);
	assert_string_equal(c.pod, "");
	pt_container_clear(&c);
	free(buf);
}

static void test_docker_inspect(void **state)
{
	struct pt_container c;
	size_t len;
	char *buf = slurp("docker_inspect.json", &len);

	assert_int_equal(pt_docker_parse_inspect(buf, len, &c), 0);
	assert_string_equal(c.id, DOCKER_ID);
	assert_string_equal(c.name, "web-1");
	assert_string_equal(c.image, "nginx:1.25"); /* Config.Image, not the sha256 */
	assert_int_equal(c.pid, 31337);
	assert_int_equal(c.state, PT_CONTAINER_RUNNING);
	assert_string_equal(pt_container_label(&c, "team"), "frontend");
	assert_string_equal(pt_container_label(&c, "com.docker.compose.service"), "web");
	pt_container_clear(&c);
	free(buf);
}

static void test_list(void **state)
{
	char (*ids)[PT_CONTAINER_ID_MAX];
	size_t len, n;
	char *buf = slurp("podman_list.json", &len);

	assert_int_equal(pt_docker_parse_list(buf, len, &ids, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0],
			    "7969a20c9b6f866c67cffcec73dab511c1cb0cec62a967d3970c9463ab7574bc");
	assert_string_equal(ids[1], PODMAN_ID);
	free(ids);
	free(buf);
	assert_int_equal(pt_docker_parse_list("[]", 2, &ids, &n), 0);
	assert_int_equal(n, 0);
	free(ids);
	/* bad elements skipped */
	buf = "[{\"Id\":\"x\"},3,null,{\"Id\":\"" DOCKER_ID "\"},{\"Id\":7}]";
	assert_int_equal(pt_docker_parse_list(buf, strlen(buf), &ids, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ids[0], DOCKER_ID);
	free(ids);
	assert_int_equal(pt_docker_parse_list("{}", 2, &ids, &n), -EINVAL);
	assert_null(ids);
	assert_int_equal(pt_docker_parse_list("[", 1, &ids, &n), -EINVAL);
}

static void test_list_too_long(void **state)
{
	char (*ids)[PT_CONTAINER_ID_MAX];
	size_t n, i, len = 0, cap = (PT_DOCKER_LIST_MAX + 2) * 3 + 4;
	char *buf = malloc(cap);

	assert_non_null(buf);
	buf[len++] = '[';
	for (i = 0; i <= PT_DOCKER_LIST_MAX; i++)
		len += (size_t)sprintf(buf + len, i ? ",{}" : "{}");
	buf[len++] = ']';
	assert_int_equal(pt_docker_parse_list(buf, len, &ids, &n), -E2BIG);
	free(buf);
}

static void test_events(void **state)
{
	static const enum pt_docker_action podman[] = {
		PT_DOCKER_EV_OTHER, PT_DOCKER_EV_OTHER, PT_DOCKER_EV_START,
		PT_DOCKER_EV_DIE,   PT_DOCKER_EV_OTHER, PT_DOCKER_EV_DESTROY,
	};
	static const enum pt_docker_action docker[] = {
		PT_DOCKER_EV_START, PT_DOCKER_EV_OTHER, PT_DOCKER_EV_DIE, PT_DOCKER_EV_DESTROY,
	};
	struct pt_docker_event ev;
	size_t len, i = 0;
	char *buf = slurp("podman_events.ndjson", &len), *line, *save;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		assert_int_equal(pt_docker_parse_event(line, strlen(line), &ev), 0);
		assert_int_equal(ev.action, podman[i % 6]);
		assert_int_equal(strlen(ev.attrs.id), 64);
		assert_string_equal(ev.attrs.name, "containers-explore2");
		assert_string_equal(ev.attrs.image, "localhost/containers-busybox:test");
		/* podman's own attributes are not labels */
		assert_int_equal(ev.attrs.labels.n, 1);
		assert_string_equal(pt_container_label(&ev.attrs, "app"), "x");
		assert_int_equal(ev.attrs.state, ev.action == PT_DOCKER_EV_START
							 ? PT_CONTAINER_RUNNING
							 : PT_CONTAINER_STOPPED);
		pt_container_clear(&ev.attrs);
	}
	assert_int_equal(i, 12);
	free(buf);

	buf = slurp("docker_events.ndjson", &len);
	i = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		int r = pt_docker_parse_event(line, strlen(line), &ev);

		if (i == 4) { /* a network event */
			assert_int_equal(r, -EINVAL);
			continue;
		}
		assert_int_equal(r, 0);
		assert_int_equal(ev.action, docker[i]);
		assert_string_equal(ev.attrs.id, DOCKER_ID);
		assert_string_equal(ev.attrs.name, "web-1");
		if (i != 1)
			assert_string_equal(pt_container_label(&ev.attrs, "team"), "frontend");
		assert_null(pt_container_label(&ev.attrs, "exitCode"));
		pt_container_clear(&ev.attrs);
	}
	free(buf);

	/* "died" (podman's own word), old-style "status" only, and "id" only */
	line = "{\"status\":\"died\",\"id\":\"" DOCKER_ID "\"}";
	assert_int_equal(pt_docker_parse_event(line, strlen(line), &ev), 0);
	assert_int_equal(ev.action, PT_DOCKER_EV_DIE);
	assert_string_equal(ev.attrs.id, DOCKER_ID);
	pt_container_clear(&ev.attrs);
	line = "{\"Type\":\"container\",\"Action\":\"rename\",\"Actor\":{\"ID\":\"" DOCKER_ID "\"}}";
	assert_int_equal(pt_docker_parse_event(line, strlen(line), &ev), 0);
	assert_int_equal(ev.action, PT_DOCKER_EV_RENAME);
	pt_container_clear(&ev.attrs);
	/* no usable id */
	line = "{\"Action\":\"start\",\"Actor\":{\"ID\":\"../../x\"}}";
	assert_int_equal(pt_docker_parse_event(line, strlen(line), &ev), -EINVAL);
	line = "{\"Action\":\"start\"}";
	assert_int_equal(pt_docker_parse_event(line, strlen(line), &ev), -EINVAL);
	line = "{\"Type\":\"image\",\"Action\":\"start\",\"id\":\"" DOCKER_ID "\"}";
	assert_int_equal(pt_docker_parse_event(line, strlen(line), &ev), -EINVAL);
}

static void test_version(void **state)
{
	const char *rt;
	char v[32];
	size_t len;
	char *buf = slurp("podman_version.json", &len);

	assert_int_equal(pt_docker_parse_version(buf, len, &rt, v, sizeof(v)), 0);
	assert_string_equal(rt, "podman");
	assert_string_equal(v, "4.3.1");
	free(buf);
	buf = slurp("docker_version.json", &len);
	assert_int_equal(pt_docker_parse_version(buf, len, &rt, v, sizeof(v)), 0);
	assert_string_equal(rt, "docker");
	assert_string_equal(v, "26.1.3");
	free(buf);
	assert_int_equal(pt_docker_parse_version("{}", 2, &rt, v, sizeof(v)), 0);
	assert_string_equal(rt, "docker");
	assert_string_equal(v, "");
	assert_int_equal(pt_docker_parse_version("OK", 2, &rt, v, sizeof(v)), -EINVAL);
	assert_int_equal(pt_docker_parse_version("[]", 2, &rt, v, sizeof(v)), -EINVAL);
}

#define MIN_INSPECT(extra) "{\"Id\":\"" DOCKER_ID "\"" extra "}"

static void test_hostile_inspect(void **state)
{
	struct pt_container c;
	char *big, *p;
	size_t i;

	/* not JSON, truncated, trailing garbage, empty, wrong root */
	assert_int_equal(inspect_str("", &c), -EINVAL);
	assert_int_equal(inspect_str("{\"Id\":", &c), -EINVAL);
	assert_int_equal(inspect_str(MIN_INSPECT("") "x", &c), -EINVAL);
	assert_int_equal(inspect_str(MIN_INSPECT("") "{}", &c), -EINVAL);
	assert_int_equal(inspect_str("[" MIN_INSPECT("") "]", &c), -EINVAL);
	assert_int_equal(inspect_str("{'Id':'x'}", &c), -EINVAL); /* not strict JSON */
	assert_int_equal(inspect_str(MIN_INSPECT(",") , &c), -EINVAL); /* trailing comma */
	/* trailing white space is fine */
	assert_int_equal(inspect_str(MIN_INSPECT("") " \r\n\t", &c), 0);
	pt_container_clear(&c);
	/* bad ids */
	assert_int_equal(inspect_str("{\"Id\":\"ABC\"}", &c), -EINVAL);
	assert_int_equal(inspect_str("{\"Id\":42}", &c), -EINVAL);
	assert_int_equal(inspect_str("{\"Name\":\"x\"}", &c), -EINVAL);
	/* duplicate keys: the last one */
	assert_int_equal(inspect_str("{\"Id\":\"zz\",\"Id\":\"" DOCKER_ID "\",\"Name\":\"/a\","
				     "\"Name\":\"/b\"}", &c), 0);
	assert_string_equal(c.name, "b");
	pt_container_clear(&c);
	/* wrong types are absent */
	assert_int_equal(inspect_str(MIN_INSPECT(",\"Name\":7,\"Config\":[],\"State\":"
						 "{\"Running\":\"yes\",\"Pid\":\"12\"}"), &c), 0);
	assert_string_equal(c.name, "");
	assert_int_equal(c.state, PT_CONTAINER_STOPPED);
	assert_int_equal(c.pid, 0);
	pt_container_clear(&c);
	/* pids out of range, float */
	assert_int_equal(inspect_str(MIN_INSPECT(",\"State\":{\"Running\":true,\"Pid\":-5}"), &c), 0);
	assert_int_equal(c.state, PT_CONTAINER_STOPPED);
	pt_container_clear(&c);
	assert_int_equal(inspect_str(MIN_INSPECT(",\"State\":{\"Running\":true,"
						 "\"Pid\":99999999999}"), &c), 0);
	assert_int_equal(c.pid, 0);
	pt_container_clear(&c);
	assert_int_equal(inspect_str(MIN_INSPECT(",\"State\":{\"Running\":true,\"Pid\":1.5}"), &c), 0);
	assert_int_equal(c.pid, 0);
	pt_container_clear(&c);
	/* labels: non-strings dropped and counted, NUL in a value dropped,
	 * NUL in a name cut there; a name with a NUL cut */
	assert_int_equal(inspect_str(MIN_INSPECT(",\"Name\":\"/ab\\u0000cd\",\"Config\":{\"Labels\":"
						 "{\"a\":1,\"b\":null,\"c\":\"x\\u0000y\",\"d\":\"ok\","
						 "\"e\\u0000f\":\"v\"}}"), &c), 0);
	assert_string_equal(c.name, "ab");
	assert_string_equal(pt_container_label(&c, "d"), "ok");
	assert_null(pt_container_label(&c, "c"));
	assert_string_equal(pt_container_label(&c, "e"), "v");
	assert_int_equal(c.labels_dropped, 3);
	pt_container_clear(&c);
	/* invalid UTF-8 is kept as bytes (the sinks sanitise) */
	assert_int_equal(inspect_str(MIN_INSPECT(",\"Name\":\"/\xff\xfe\""), &c), 0);
	assert_string_equal(c.name, "\xff\xfe");
	pt_container_clear(&c);
	assert_int_equal(inspect_str(MIN_INSPECT(",\"Name\":\"/a\xc3\xa9\""), &c), 0);
	assert_string_equal(c.name, "a\xc3\xa9");
	pt_container_clear(&c);

	/* too deep */
	big = malloc(100000);
	assert_non_null(big);
	p = big + sprintf(big, "{\"Id\":\"%s\",\"x\":", DOCKER_ID);
	for (i = 0; i < 5000; i++)
		*p++ = '[';
	for (i = 0; i < 5000; i++)
		*p++ = ']';
	*p++ = '}';
	assert_int_equal(pt_docker_parse_inspect(big, p - big, &c), -EINVAL);
	/* just within the depth limit is fine */
	p = big + sprintf(big, "{\"Id\":\"%s\",\"x\":", DOCKER_ID);
	for (i = 0; i < PT_APIJSON_DEPTH - 2; i++)
		*p++ = '[';
	for (i = 0; i < PT_APIJSON_DEPTH - 2; i++)
		*p++ = ']';
	*p++ = '}';
	assert_int_equal(pt_docker_parse_inspect(big, p - big, &c), 0);
	pt_container_clear(&c);
	free(big);
}

static void test_hostile_labels(void **state)
{
	size_t cap = 4u << 20, i;
	char *big = malloc(cap), *p;
	struct pt_container c;

	assert_non_null(big);
	/* 1000 labels: 128 kept, the rest counted */
	p = big + sprintf(big, "{\"Id\":\"%s\",\"Config\":{\"Labels\":{", DOCKER_ID);
	for (i = 0; i < 1000; i++)
		p += sprintf(p, "%s\"k%zu\":\"v\"", i ? "," : "", i);
	p += sprintf(p, "}}}");
	assert_int_equal(pt_docker_parse_inspect(big, p - big, &c), 0);
	assert_int_equal(c.labels.n, PT_LABELS_MAX);
	assert_int_equal(c.labels_dropped, 1000 - PT_LABELS_MAX);
	pt_container_clear(&c);
	/* a 2 MiB name and a 2 MiB label value */
	p = big + sprintf(big, "{\"Id\":\"%s\",\"Name\":\"/", DOCKER_ID);
	memset(p, 'n', 2u << 20);
	p += 2u << 20;
	p += sprintf(p, "\",\"Config\":{\"Image\":\"i\",\"Labels\":{\"big\":\"");
	memset(p, 'v', 1u << 20);
	p += 1u << 20;
	p += sprintf(p, "\",\"small\":\"s\"}}}");
	assert_int_equal(pt_docker_parse_inspect(big, p - big, &c), 0);
	assert_int_equal(strlen(c.name), PT_CONTAINER_NAME_MAX - 1);
	assert_null(pt_container_label(&c, "big"));
	assert_string_equal(pt_container_label(&c, "small"), "s");
	assert_int_equal(c.labels_dropped, 1);
	pt_container_clear(&c);
	free(big);
}

static void test_containerd_spec(void **state)
{
	struct pt_container c;
	size_t len;
	char *buf = slurp("containerd_config_cri.json", &len);
	const char *spec;

	assert_int_equal(pt_containerd_parse_spec(buf, len, "k8s.io", "containers-ctr1", &c), 0);
	assert_string_equal(c.id, "containers-ctr1");
	assert_string_equal(c.runtime, "containerd");
	assert_string_equal(c.pod, "web-pod-1");
	assert_string_equal(c.namespace, "prod");
	assert_string_equal(c.name, "web-pod-1"); /* as pidtree-bcc: the pod name */
	assert_string_equal(c.image, "localhost/containers-busybox:test");
	assert_string_equal(pt_container_label(&c, "io.kubernetes.pod.name"), "web-pod-1");
	assert_string_equal(pt_container_label(&c, "io.kubernetes.pod.namespace"), "prod");
	assert_string_equal(pt_container_label(&c, "io.kubernetes.container.name"), "web");
	assert_string_equal(pt_container_label(&c, "io.kubernetes.cri.container-name"), "web");
	assert_int_equal(c.state, PT_CONTAINER_RUNNING);
	pt_container_clear(&c);

	/* dockerd's own namespace */
	assert_int_equal(pt_containerd_parse_spec(buf, len, "moby", DOCKER_ID, &c), 0);
	assert_string_equal(c.runtime, "docker");
	pt_container_clear(&c);
	free(buf);

	/* no annotations: the id names it; nerdctl's name when there is one */
	spec = "{\"ociVersion\":\"1.0.2\"}";
	assert_int_equal(pt_containerd_parse_spec(spec, strlen(spec), "default", "redis", &c), 0);
	assert_string_equal(c.name, "redis");
	assert_int_equal(c.labels.n, 0);
	pt_container_clear(&c);
	spec = "{\"annotations\":{\"nerdctl/name\":\"cache\",\"n\":5}}";
	assert_int_equal(pt_containerd_parse_spec(spec, strlen(spec), "default", "abc", &c), 0);
	assert_string_equal(c.name, "cache");
	assert_int_equal(c.labels_dropped, 1);
	pt_container_clear(&c);
	/* bad ids, bad JSON */
	assert_int_equal(pt_containerd_parse_spec(spec, strlen(spec), "default", "../x", &c),
			 -EINVAL);
	assert_int_equal(pt_containerd_parse_spec("nope", 4, "default", "abc", &c), -EINVAL);
	assert_int_equal(pt_containerd_parse_spec("[]", 2, "default", "abc", &c), -EINVAL);
}

/* Every fixture through every parser, whole, cut and mutated. */
static void test_fuzz_smoke(void **state)
{
	DIR *dir = opendir(CONTAINER_FIXTURES);
	struct dirent *d;
	uint32_t seed = 12345;
	int files = 0;

	assert_non_null(dir);
	while ((d = readdir(dir))) {
		size_t len, k, i;
		uint8_t *in;
		char *buf;

		if (d->d_name[0] == '.')
			continue;
		buf = slurp(d->d_name, &len);
		in = malloc(len + 1);
		assert_non_null(in);
		for (k = 0; k < 7; k++) {
			in[0] = (uint8_t)k;
			memcpy(in + 1, buf, len);
			LLVMFuzzerTestOneInput(in, len + 1);
			for (i = 0; i < 300; i++) {
				size_t cut = len ? (seed = seed * 1103515245 + 12345) % (len + 1) : 0;

				memcpy(in + 1, buf, len);
				/* flip a few bytes, then cut */
				for (int f = 0; f < 4 && len; f++) {
					seed = seed * 1103515245 + 12345;
					in[1 + (seed >> 8) % len] ^= (uint8_t)(seed >> 24);
				}
				LLVMFuzzerTestOneInput(in, (i & 1) ? cut + 1 : len + 1);
			}
		}
		free(in);
		free(buf);
		files++;
	}
	closedir(dir);
	assert_true(files >= 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_podman_inspect),
		cmocka_unit_test(test_docker_inspect),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_list_too_long),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_hostile_inspect),
		cmocka_unit_test(test_hostile_labels),
		cmocka_unit_test(test_containerd_spec),
		cmocka_unit_test(test_fuzz_smoke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

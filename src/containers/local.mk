# ---- containers (src/containers: runtime clients, cgroup paths, cache) ----
# A layer beside probes, sinks and plugins: depends on core (log.h, diag.h)
# and config (the [containers] options and container_labels patterns it is
# handed) plus libcurl, json-c and pthreads; nothing of libbpf or
# libsystemd.  Included from Makefile.am.
noinst_LIBRARIES += libptcontainers.a
libptcontainers_a_CPPFLAGS = $(PT_CPP) $(CONFIG_INC) -I$(top_srcdir)/src/containers
libptcontainers_a_SOURCES = \
	src/containers/container.c src/containers/container.h \
	src/containers/labels.c src/containers/labels.h \
	src/containers/cgroup.c src/containers/cgroup.h \
	src/containers/cache.c src/containers/cache.h \
	src/containers/apijson.c src/containers/apijson.h \
	src/containers/docker.c src/containers/docker.h \
	src/containers/docker_io.c src/containers/docker_int.h \
	src/containers/containerd.c src/containers/containerd.h \
	src/containers/worker.c src/containers/worker.h \
	src/containers/containers.c src/containers/containers.h
CONTAINERS_CFLAGS = $(CURL_CFLAGS) $(JSONC_CFLAGS) -pthread
libptcontainers_a_CFLAGS = $(AM_CFLAGS) $(CONTAINERS_CFLAGS)

CONTAINER_UNIT_TESTS = tests/unit/test_container_labels tests/unit/test_container_cgroup \
	tests/unit/test_container_cache tests/unit/test_container_json \
	tests/unit/test_container_identify
UNIT_TESTS += $(CONTAINER_UNIT_TESTS)
CONTAINER_UNIT_CFLAGS = $(UNIT_CFLAGS) $(CONTAINERS_CFLAGS) \
	-DCONTAINER_FIXTURES='"$(abs_top_srcdir)/tests/fixtures/containers"'
CONTAINER_UNIT_LDADD = $(UNIT_LDADD)

tests_unit_test_container_labels_SOURCES = tests/unit/test_container_labels.c
tests_unit_test_container_labels_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_container_labels_CFLAGS = $(CONTAINER_UNIT_CFLAGS)
tests_unit_test_container_labels_LDADD = $(CONTAINER_UNIT_LDADD)
tests_unit_test_container_labels_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_container_cgroup_SOURCES = tests/unit/test_container_cgroup.c
tests_unit_test_container_cgroup_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_container_cgroup_CFLAGS = $(CONTAINER_UNIT_CFLAGS)
tests_unit_test_container_cgroup_LDADD = $(CONTAINER_UNIT_LDADD)
tests_unit_test_container_cgroup_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_container_cache_SOURCES = tests/unit/test_container_cache.c
tests_unit_test_container_cache_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_container_cache_CFLAGS = $(CONTAINER_UNIT_CFLAGS)
tests_unit_test_container_cache_LDADD = $(CONTAINER_UNIT_LDADD)
tests_unit_test_container_cache_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_container_identify_SOURCES = tests/unit/test_container_identify.c
tests_unit_test_container_identify_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_container_identify_CFLAGS = $(CONTAINER_UNIT_CFLAGS)
tests_unit_test_container_identify_LDADD = $(CONTAINER_UNIT_LDADD)
tests_unit_test_container_identify_LDFLAGS = $(UNIT_LINK_FLAGS)
# the parsers' unit tests also run the fuzz harness over the fixtures
tests_unit_test_container_json_SOURCES = tests/unit/test_container_json.c \
	tests/fuzz/fuzz_containers.c
tests_unit_test_container_json_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_container_json_CFLAGS = $(CONTAINER_UNIT_CFLAGS)
tests_unit_test_container_json_LDADD = $(CONTAINER_UNIT_LDADD)
tests_unit_test_container_json_LDFLAGS = $(UNIT_LINK_FLAGS)

# tests/integration/containers_api.sh's driver: the manager against real podman
check_PROGRAMS += tests/helpers/containers_probe
tests_helpers_containers_probe_SOURCES = tests/helpers/containers_probe.c
tests_helpers_containers_probe_CPPFLAGS = $(PT_CPP) $(CONFIG_INC) -I$(top_srcdir)/src/containers
tests_helpers_containers_probe_CFLAGS = $(AM_CFLAGS) $(CONTAINERS_CFLAGS)
tests_helpers_containers_probe_LDADD = $(PT_LDADD)
INTEGRATION_TESTS += tests/integration/containers_api.sh

# tests/integration/containers.sh: the daemon with real podman containers
# (container_labels in the kernel, events named); netops runs inside them,
# static because their image holds busybox alone
check_PROGRAMS += tests/helpers/netops
tests_helpers_netops_SOURCES = tests/helpers/netops.c
tests_helpers_netops_LDFLAGS = -static
INTEGRATION_TESTS += tests/integration/containers.sh

# libFuzzer build of the harness (clang): make fuzz-containers, then
# tests/fuzz/fuzz_containers tests/fixtures/containers
fuzz-containers: $(srcdir)/tests/fuzz/fuzz_containers.c libptcontainers.a libptcore.a
	$(AM_V_CC)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -std=gnu11 \
		-include $(top_builddir)/autoconfig.h -I$(srcdir)/src/core -I$(srcdir)/src/config \
		$(CONTAINERS_CFLAGS) -I$(srcdir)/src/containers $(srcdir)/tests/fuzz/fuzz_containers.c \
		$(addprefix $(srcdir)/src/containers/,container.c cgroup.c apijson.c) \
		-o tests/fuzz/fuzz_containers $(JSONC_LIBS)
.PHONY: fuzz-containers
CLEANFILES += tests/fuzz/fuzz_containers

EXTRA_DIST += src/containers/README-man.txt tests/fuzz/fuzz_containers.c

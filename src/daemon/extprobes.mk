# ---- external probes: --extra-probe-path (include/pidtree/probe.h) ----
# Included from Makefile.am.  The loader is part of the daemon (the one
# layer that sees both the probe and the plugin layers); the ABI header and
# the BPF headers an external probe is built against are installed with the
# -dev/-devel packages; examples/probes/process_exec is built by its own
# Makefile, as a third party would build it, and loaded by the tests.
pidtree_SOURCES += src/daemon/extprobe.c src/daemon/extprobe.h src/daemon/extprobe_run.c

# <pidtree/probe.h>, and $(includedir)/pidtree/bpf for the probes' BPF side
pkginclude_HEADERS += include/pidtree/probe.h
pidtreebpfdir = $(pkgincludedir)/bpf
pidtreebpf_HEADERS = bpf/vmlinux.h bpf/pidtree.h bpf/ringbuf.bpf.h bpf/ancestry.bpf.h \
	bpf/filter.bpf.h bpf/net.bpf.h
PT_BPF_PUBLIC = $(pidtreebpf_HEADERS)

dist_man7_MANS += man/pidtree-probes.7

# The example probe, with its own Makefile; $(srcdir)/include stands for
# /usr/include and $(srcdir)/bpf for /usr/include/pidtree/bpf.
EXTPROBE_MAKE = $(MAKE) $(if $(filter 1,$(V)),,-s) --no-print-directory -f $(srcdir)/examples/probes/process_exec/Makefile \
	SRC=$(srcdir)/examples/probes/process_exec OUT=tests/probes \
	PIDTREE_INCLUDE=$(srcdir)/include PIDTREE_BPF_INCLUDE=$(srcdir)/bpf \
	CLANG='$(CLANG)' BPFTOOL='$(BPFTOOL)' LLVM_STRIP='$(LLVM_STRIP)' CC='$(CC)' \
	ARCH=$(BPF_TARGET_ARCH) LIBBPF_CFLAGS='$(LIBBPF_CFLAGS)' LIBBPF_LIBS='$(LIBBPF_LIBS)' \
	CFLAGS='$(CFLAGS)'
EXTPROBE_EXAMPLE = examples/probes/process_exec/process_exec.c \
	examples/probes/process_exec/process_exec.bpf.c examples/probes/process_exec/process_exec.h \
	examples/probes/process_exec/Makefile
tests/probes/process_exec.so: $(addprefix $(srcdir)/,$(EXTPROBE_EXAMPLE) $(PT_BPF_PUBLIC)) \
		$(srcdir)/include/pidtree/probe.h $(srcdir)/include/pidtree/plugin.h
	@$(MKDIR_P) tests/probes
	+$(AM_V_GEN)$(EXTPROBE_MAKE) tests/probes/process_exec.so

# The test suite's network probe (tests/extprobes/ext_connect*.c), built the same way
EXTPROBE_BPF_CFLAGS = -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_TARGET_ARCH) -Wall \
	-Wno-unused-function -I$(srcdir)/bpf $(LIBBPF_CFLAGS)
EXTPROBE_SO_CFLAGS = $(CFLAGS) -Wall -Wextra -Wno-unused-parameter -std=gnu11 \
	-I$(srcdir)/include -I$(srcdir)/bpf \
	-Itests/probes $(LIBBPF_CFLAGS) -shared -fPIC
tests/probes/ext_connect.bpf.o: $(srcdir)/tests/extprobes/ext_connect.bpf.c \
		$(addprefix $(srcdir)/,$(PT_BPF_PUBLIC))
	@$(MKDIR_P) tests/probes
	$(AM_V_CC)$(CLANG) $(EXTPROBE_BPF_CFLAGS) -c $< -o $@
	$(AM_V_at)$(LLVM_STRIP) -g $@
tests/probes/ext_connect.skel.h: tests/probes/ext_connect.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton $< name ext_connect > $@.tmp && mv $@.tmp $@
tests/probes/ext_connect.so: $(srcdir)/tests/extprobes/ext_connect.c tests/probes/ext_connect.skel.h \
		$(srcdir)/include/pidtree/probe.h $(srcdir)/include/pidtree/plugin.h
	$(AM_V_CC)$(CC) $(EXTPROBE_SO_CFLAGS) -o $@ $< $(LIBBPF_LIBS)
# probes pidtree must refuse: a wrong ABI version, no descriptor
tests/probes/bad_abi.so: $(srcdir)/tests/extprobes/bad_probe.c $(srcdir)/include/pidtree/probe.h
	@$(MKDIR_P) tests/probes
	$(AM_V_CC)$(CC) $(EXTPROBE_SO_CFLAGS) -DBAD_ABI -o $@ $<
tests/probes/no_symbol.so: $(srcdir)/tests/extprobes/bad_probe.c $(srcdir)/include/pidtree/probe.h
	@$(MKDIR_P) tests/probes
	$(AM_V_CC)$(CC) $(EXTPROBE_SO_CFLAGS) -DNO_SYMBOL -o $@ $<

EXTPROBE_TEST_SOS = tests/probes/process_exec.so tests/probes/ext_connect.so \
	tests/probes/bad_abi.so tests/probes/no_symbol.so
check_DATA += $(EXTPROBE_TEST_SOS)
CLEANFILES += $(EXTPROBE_TEST_SOS) tests/probes/process_exec.bpf.o \
	tests/probes/process_exec.skel.h tests/probes/ext_connect.bpf.o \
	tests/probes/ext_connect.skel.h

# ABI validation, the row built from a descriptor, loading and refusing .so
# files, the configuration's hook for unknown keys
UNIT_TESTS += tests/unit/test_extprobe tests/unit/test_extprobe_run
EXTPROBE_UNIT_SOURCES = tests/unit/extprobe_fixture.h tests/unit/schemas.h \
	src/daemon/extprobe.c src/daemon/extprobe_run.c
EXTPROBE_UNIT_CFLAGS = $(UNIT_CFLAGS) -DPROBES_BUILDDIR='"$(abs_top_builddir)/tests/probes"'
tests_unit_test_extprobe_SOURCES = tests/unit/test_extprobe.c $(EXTPROBE_UNIT_SOURCES)
tests_unit_test_extprobe_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_extprobe_CFLAGS = $(EXTPROBE_UNIT_CFLAGS)
tests_unit_test_extprobe_LDADD = $(UNIT_LDADD)
tests_unit_test_extprobe_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_extprobe_run_SOURCES = tests/unit/test_extprobe_run.c $(EXTPROBE_UNIT_SOURCES)
tests_unit_test_extprobe_run_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_extprobe_run_CFLAGS = $(EXTPROBE_UNIT_CFLAGS)
tests_unit_test_extprobe_run_LDADD = $(UNIT_LDADD)
tests_unit_test_extprobe_run_LDFLAGS = $(UNIT_LINK_FLAGS)

INTEGRATION_TESTS += tests/integration/extprobes.sh

EXTRA_DIST += $(EXTPROBE_EXAMPLE) tests/extprobes/ext_connect.bpf.c tests/extprobes/ext_connect.c \
	tests/extprobes/bad_probe.c
# ---- end external probes ----

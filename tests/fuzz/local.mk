# ---- fuzzing (tests/fuzz) ----
# libFuzzer harnesses for the parsers and writers, built with clang
# -fsanitize=fuzzer,address,undefined from the layers' sources (compiled
# again with clang: the libraries above are gcc-built and uninstrumented).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="config hosts"]
#       builds every harness and runs each for FUZZ_SECONDS with its seed
#       corpus (tests/fuzz/corpus/NAME); what it learns is kept in
#       tests/fuzz/work/NAME, crashes as tests/fuzz/work/NAME-crash-*
#   make check
#       runs each harness for FUZZ_CHECK_SECONDS (default 10) when configure
#       found clang with -fsanitize=fuzzer (--enable-fuzzing=auto, the
#       default); tests/fuzz/check.sh ends with "N passed, M failed"
#
# configure: --enable-fuzzing=yes (build the harnesses with `make`, fail if
# clang cannot), auto (default) or no.  FUZZ_CC= another clang.

# (dns and containers are built by their layers' rules: src/dns/local.mk,
# src/containers/local.mk)
FUZZ_NAMES = config settings hosts json rfc5424 journald procfs records dns containers
FUZZ_BINS = $(FUZZ_NAMES:%=tests/fuzz/fuzz_%)
FUZZ_SECONDS = 60
FUZZ_CHECK_SECONDS = 10
FUZZ_TARGETS = $(FUZZ_NAMES)
FUZZ_EXTRA_CFLAGS =

FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
FUZZ_CPPFLAGS = $(PT_CPP) $(DAEMON_INC) -I$(top_srcdir)/tests/unit -I$(top_srcdir)/tests/fuzz \
	$(LIBBPF_CFLAGS) $(YAML_CFLAGS) $(INIH_CFLAGS) $(CMOCKA_CFLAGS)
FUZZ_CFLAGS = -g -O1 -std=gnu11 -Wall -Wno-unused-parameter $(FUZZ_SAN) $(FUZZ_EXTRA_CFLAGS)
FUZZ_LIBS = $(LIBBPF_LIBS) $(LIBELF_LIBS) $(ZLIB_LIBS) $(YAML_LIBS) $(INIH_LIBS) \
	$(CMOCKA_LIBS) $(ACL_LIBS) $(CURL_LIBS) $(LIBCRYPTO_LIBS) -lpthread -lm

# The layers, compiled with coverage instrumentation (log.c is replaced by
# the silent pt_log of common.c).  Archives, so that a harness links only
# what it uses.
# (every source of the layer's library, so that a new file needs no edit here)
fz_srcs = $(patsubst src/$(1)/%.c,%,$(filter src/$(1)/%.c,$(2)))
FUZZ_CORE_SRCS = $(filter-out log,$(call fz_srcs,core,$(libptcore_a_SOURCES)))
FUZZ_CONFIG_SRCS = $(call fz_srcs,config,$(libptconfig_a_SOURCES))
FUZZ_FORMAT_SRCS = $(call fz_srcs,format,$(libptformat_a_SOURCES))
FUZZ_PROBES_SRCS = $(call fz_srcs,probes,$(libptprobes_a_SOURCES))
FUZZ_CORE_OBJS = $(FUZZ_CORE_SRCS:%=tests/fuzz/obj/core/%.o)
FUZZ_CONFIG_OBJS = $(FUZZ_CONFIG_SRCS:%=tests/fuzz/obj/config/%.o)
FUZZ_FORMAT_OBJS = $(FUZZ_FORMAT_SRCS:%=tests/fuzz/obj/format/%.o)
FUZZ_PROBES_OBJS = $(FUZZ_PROBES_SRCS:%=tests/fuzz/obj/probes/%.o)
FUZZ_COMMON_OBJS = tests/fuzz/obj/common.o tests/fuzz/obj/json_check.o
FUZZ_ARCHIVES = tests/fuzz/obj/libprobes.a tests/fuzz/obj/libformat.a \
	tests/fuzz/obj/libconfig.a tests/fuzz/obj/libcore.a

FUZZ_COMPILE = $(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP

tests/fuzz/obj/%.o: $(srcdir)/src/%.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link -c $< -o $@
tests/fuzz/obj/common.o: $(srcdir)/tests/fuzz/common.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(FUZZ_COMPILE) -c $< -o $@
tests/fuzz/obj/json_check.o: $(srcdir)/tests/unit/json_check.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(FUZZ_COMPILE) -c $< -o $@
tests/fuzz/obj/fuzz_%.o: $(srcdir)/tests/fuzz/fuzz_%.c
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(FUZZ_COMPILE) -fsanitize=fuzzer-no-link -c $< -o $@
# the probes include their generated skeletons
$(FUZZ_PROBES_OBJS) tests/fuzz/obj/fuzz_records.o tests/fuzz/obj/fuzz_config.o: $(BPF_SKELS)

tests/fuzz/obj/libcore.a: $(FUZZ_CORE_OBJS)
tests/fuzz/obj/libconfig.a: $(FUZZ_CONFIG_OBJS)
tests/fuzz/obj/libformat.a: $(FUZZ_FORMAT_OBJS)
tests/fuzz/obj/libprobes.a: $(FUZZ_PROBES_OBJS)
$(FUZZ_ARCHIVES):
	$(AM_V_AR)rm -f $@ && $(AR) cr $@ $^ && $(RANLIB) $@

tests/fuzz/fuzz_%: tests/fuzz/obj/fuzz_%.o $(FUZZ_COMMON_OBJS) $(FUZZ_ARCHIVES)
	$(AM_V_CCLD)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_LDEXTRA) -o $@ $< \
		$(FUZZ_COMMON_OBJS) $(FUZZ_ARCHIVES) $(FUZZ_LIBS)
# the YAML loader's trusted open goes through the harness's filter (fuzz_config.c)
tests/fuzz/fuzz_config: FUZZ_LDEXTRA = -Wl,--wrap=pt_trust_open

-include $(wildcard tests/fuzz/obj/*.d tests/fuzz/obj/*/*.d)

FUZZ_RUN = $(SHELL) $(srcdir)/tests/fuzz/run.sh

if FUZZING
fuzz-build: $(FUZZ_BINS)
fuzz: $(FUZZ_BINS)
	@$(FUZZ_RUN) --seconds '$(FUZZ_SECONDS)' --bin tests/fuzz \
		--corpus '$(srcdir)/tests/fuzz/corpus' --work tests/fuzz/work $(FUZZ_TARGETS)
check_DATA += $(FUZZ_BINS)
TESTS += tests/fuzz/check.sh
AM_TESTS_ENVIRONMENT += FUZZ_CHECK_SECONDS='$(FUZZ_CHECK_SECONDS)' FUZZ_NAMES='$(FUZZ_NAMES)'; \
	export FUZZ_CHECK_SECONDS FUZZ_NAMES;
if FUZZING_ALL
noinst_DATA = $(FUZZ_BINS)
endif
else
fuzz fuzz-build:
	@echo "make fuzz: the libFuzzer harnesses are not enabled (configure said: fuzzing $(FUZZ_STATUS))" >&2; exit 1
endif
.PHONY: fuzz fuzz-build

# make clean keeps what make fuzz learnt (tests/fuzz/work); distclean drops it
clean-local: fuzz-clean
fuzz-clean:
	rm -rf tests/fuzz/obj tests/fuzz/check-work
	rm -f $(FUZZ_BINS)
distclean-local:
	rm -rf tests/fuzz/work
.PHONY: fuzz-clean

EXTRA_DIST += tests/fuzz/local.mk tests/fuzz/.gitignore tests/fuzz/run.sh tests/fuzz/check.sh tests/fuzz/fuzz.h \
	tests/fuzz/common.c $(FUZZ_NAMES:%=tests/fuzz/fuzz_%.c) tests/fuzz/seeds.py tests/fuzz/corpus \
	tests/fuzz/dict

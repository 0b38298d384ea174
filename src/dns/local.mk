# ---- dns: passive DNS names for destinations (src/dns) ----
# Included from Makefile.am.  A layer beside probes and containers: I/O-free,
# libc and libresolv only (the parser, the name table, the ingest step).  The
# BPF capture side is the dns probe (src/probes/dns.c, bpf/dns.bpf.c).
noinst_LIBRARIES += libptdns.a
libptdns_a_SOURCES = \
	src/dns/parse.c src/dns/parse.h \
	src/dns/names.c src/dns/names.h \
	src/dns/ingest.c src/dns/ingest.h
libptdns_a_CPPFLAGS = $(PT_CPP) $(CORE_INC) -I$(top_srcdir)/src/dns
DNS_LIBS = $(RESOLV_LIBS)

DNS_UNIT_TESTS = tests/unit/test_dns_parse tests/unit/test_dns_names tests/unit/test_dns_ingest \
	tests/unit/test_dns_event
UNIT_TESTS += $(DNS_UNIT_TESTS)
DNS_UNIT_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/src/dns \
	-DDNS_FIXTURES_DIR='"$(abs_top_srcdir)/tests/fixtures/dns"'
tests_unit_test_dns_parse_SOURCES = tests/unit/test_dns_parse.c tests/unit/dns_build.c \
	tests/unit/dns_build.h
tests_unit_test_dns_parse_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_dns_parse_CFLAGS = $(DNS_UNIT_CFLAGS)
tests_unit_test_dns_parse_LDADD = $(UNIT_LDADD)
tests_unit_test_dns_parse_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_dns_names_SOURCES = tests/unit/test_dns_names.c
tests_unit_test_dns_names_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_dns_names_CFLAGS = $(DNS_UNIT_CFLAGS)
tests_unit_test_dns_names_LDADD = $(UNIT_LDADD)
tests_unit_test_dns_names_LDFLAGS = $(UNIT_LINK_FLAGS)
tests_unit_test_dns_ingest_SOURCES = tests/unit/test_dns_ingest.c tests/unit/dns_build.c \
	tests/unit/dns_build.h
tests_unit_test_dns_ingest_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_dns_ingest_CFLAGS = $(DNS_UNIT_CFLAGS)
tests_unit_test_dns_ingest_LDADD = $(UNIT_LDADD)
tests_unit_test_dns_ingest_LDFLAGS = $(UNIT_LINK_FLAGS)

# names outside src/dns: [dns] options and section, the dns: key, the outputs
tests_unit_test_dns_event_SOURCES = tests/unit/test_dns_event.c tests/unit/json_check.c \
	tests/unit/json_check.h tests/unit/schemas.h
tests_unit_test_dns_event_CPPFLAGS = $(UNIT_CPPFLAGS)
tests_unit_test_dns_event_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_dns_event_LDADD = $(UNIT_LDADD)
tests_unit_test_dns_event_LDFLAGS = $(UNIT_LINK_FLAGS)

# Userland cost per answer and per lookup: `make bench-dns` prints ns/op
EXTRA_PROGRAMS += bench/dns_bench
bench_dns_bench_SOURCES = bench/dns_bench.c tests/unit/dns_build.c tests/unit/dns_build.h
bench_dns_bench_CFLAGS = $(AM_CFLAGS) -O2 -I$(top_srcdir)/src/dns -I$(top_srcdir)/src/core \
	-I$(top_srcdir)/tests/unit
bench_dns_bench_LDADD = libptdns.a libptcore.a $(DNS_LIBS)
bench-dns: bench/dns_bench
	bench/dns_bench
.PHONY: bench-dns
# In-kernel cost per packet of the dns probe (bpf_stats; root, dnsmasq, clang)
bench-dns-kernel: pidtree bench/loadgen
	top_builddir=$(abs_top_builddir) top_srcdir=$(abs_top_srcdir) CLANG=$(CLANG) \
		$(SHELL) $(srcdir)/bench/dns_kernel.sh
.PHONY: bench-dns-kernel

# libFuzzer harness (clang -fsanitize=fuzzer): `make fuzz-dns` builds it,
# `tests/fuzz/fuzz_dns -max_total_time=60 tests/fuzz/corpus/dns` runs it.
DNS_FUZZ_SRCS = tests/fuzz/fuzz_dns.c src/dns/parse.c src/dns/names.c src/dns/ingest.c \
	src/core/dns_opts.c
tests/fuzz/fuzz_dns: $(addprefix $(srcdir)/,$(DNS_FUZZ_SRCS)) \
		$(srcdir)/src/dns/parse.h $(srcdir)/src/dns/names.h $(srcdir)/src/dns/ingest.h \
		$(srcdir)/src/core/dns_opts.h
	@$(MKDIR_P) tests/fuzz
	$(AM_V_CC)$(CLANG) -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -I$(srcdir)/src/dns -I$(srcdir)/src/core \
		$(addprefix $(srcdir)/,$(DNS_FUZZ_SRCS)) -o $@ $(RESOLV_LIBS)
fuzz-dns: tests/fuzz/fuzz_dns
.PHONY: fuzz-dns
CLEANFILES += tests/fuzz/fuzz_dns

# tests/fixtures/dns is in EXTRA_DIST already (tests/fixtures); the kernel
# side (bpf/dns.bpf.c, bpf/dns.h) is in BPF_PROGS / BPF_HDRS
EXTRA_DIST += src/dns/README.md tests/fuzz/fuzz_dns.c tests/fuzz/corpus/dns \
	bench/dns_kernel.sh bench/empty_skb.bpf.c
# ---- end dns ----

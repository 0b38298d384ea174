# ---- remote includes (src/config/remote*): "!include https://..." ----------
# Pulled in by Makefile.am after its own definitions (it appends to them).
AM_CFLAGS += -I$(top_srcdir)/src/config $(CURL_CFLAGS) $(LIBCRYPTO_CFLAGS)
libptcore_a_SOURCES += \
	src/config/remote.c src/config/remote.h src/config/remote_int.h \
	src/config/remote_hook.c src/config/remote_fetch.c src/config/remote_cache.c \
	src/config/remote_util.c
CORE_LIBS += $(CURL_LIBS) $(LIBCRYPTO_LIBS) -lpthread

UNIT_TESTS += tests/unit/test_remote
tests_unit_test_remote_SOURCES = tests/unit/test_remote.c
tests_unit_test_remote_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_remote_LDADD = $(UNIT_LDADD)
tests_unit_test_remote_LDFLAGS = $(UNIT_LINK_FLAGS)

INTEGRATION_TESTS += tests/integration/remote_include.sh
EXTRA_DIST += tests/helpers/include_server.py src/config/README-remote.txt src/config/local.mk
# ---- end of remote includes ------------------------------------------------

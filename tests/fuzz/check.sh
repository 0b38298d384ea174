#!/bin/sh
# make check: every libFuzzer harness for FUZZ_CHECK_SECONDS (default 10)
# from its seed corpus, in a fresh work directory (tests/fuzz/check-work),
# so a run never depends on what an earlier one found.  One check per
# harness; the last line is "N passed, M failed".
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
work=$top_builddir/tests/fuzz/check-work
rm -rf "$work"
mkdir -p "$work"
exec "${SHELL:-/bin/sh}" "$top_srcdir/tests/fuzz/run.sh" --seconds "${FUZZ_CHECK_SECONDS:-10}" \
	--bin "$top_builddir/tests/fuzz" --corpus "$top_srcdir/tests/fuzz/corpus" --work "$work" \
	${FUZZ_NAMES:-config settings hosts json rfc5424 journald procfs records}

#!/bin/sh
# Run libFuzzer harnesses for a fixed time each, one after the other.
#
#   run.sh --seconds N --bin DIR --corpus DIR --work DIR NAME...
#
# Each harness DIR/fuzz_NAME starts from the seed corpus CORPUS/NAME (read
# only) and from WORK/NAME, where libFuzzer keeps the inputs it finds; a
# crash, leak, timeout or violated invariant is saved as WORK/NAME-crash-*
# (or -leak-, -timeout-, -oom-) and the harness counts as failed.  One line
# per harness with its figures, the tail of the log of a failed one, and a
# final "N passed, M failed" line.
set -u
seconds=60 bin=tests/fuzz corpus=tests/fuzz/corpus work=tests/fuzz/work
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--bin) bin=$2; shift 2 ;;
	--corpus) corpus=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 64 ;;
	*) break ;;
	esac
done
dicts=$(dirname "$0")/dict
pass=0 fail=0
for name in "$@"; do
	exe=$bin/fuzz_$name
	log=$work/$name.log
	mkdir -p "$work/$name"
	if [ ! -x "$exe" ]; then
		echo "FAIL: fuzz_$name: $exe not built"
		fail=$((fail + 1))
		continue
	fi
	# inputs larger than the default 4 KiB: whole ring-buffer records,
	# long command lines
	case $name in
	records) maxlen=65536 ;;
	json|rfc5424|journald) maxlen=16384 ;;
	*) maxlen=4096 ;;
	esac
	set -- -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=$maxlen \
		-print_final_stats=1 -artifact_prefix="$work/$name-"
	[ -f "$dicts/$name.dict" ] && set -- "$@" -dict="$dicts/$name.dict"
	seeds=
	[ -d "$corpus/$name" ] && seeds=$corpus/$name
	rm -f "$work/$name"-crash-* "$work/$name"-leak-* "$work/$name"-timeout-* "$work/$name"-oom-*
	"$exe" "$@" "$work/$name" $seeds >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -E '^#[0-9]+' "$log" | sed -n 's/.* cov: \([0-9]*\).*/\1/p' | tail -n 1)
	ft=$(grep -E '^#[0-9]+' "$log" | sed -n 's/.* ft: \([0-9]*\).*/\1/p' | tail -n 1)
	units=$(grep -E '^#[0-9]+' "$log" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' | tail -n 1)
	figures="${runs:-0} runs in ${seconds}s (${rate:-0}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${units:-?}"
	artifact=$(ls "$work/$name"-crash-* "$work/$name"-leak-* "$work/$name"-timeout-* \
		"$work/$name"-oom-* 2>/dev/null | head -n 1)
	if [ $rc -eq 0 ] && [ -z "$artifact" ]; then
		echo "PASS: fuzz_$name: $figures"
		pass=$((pass + 1))
	else
		echo "FAIL: fuzz_$name (exit $rc): $figures${artifact:+; input saved as $artifact}"
		echo "--- tail of $log"
		tail -n 40 "$log"
		echo "---"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/bash
# The JSON file output when the disk says no: a full file system (a small
# tmpfs this test mounts in its own mount namespace) and a file size limit
# (prlimit --fsize: EFBIG, with SIGXFSZ ignored by pidtree).  Whatever the
# writes that stopped part way, the file holds whole lines only, each valid
# JSON, it ends with a newline, and the events written (lines) plus those
# the output counts as dropped are every event made.  Then what json:PATH
# refuses to open, at start-up and at a re-open: a symbolic link (which a
# user who can write the directory would point at /etc/shadow), a FIFO
# (which would block pidtree in open(2)).
. "$(dirname "$0")/lib.sh"
require_root

# Run in a mount namespace of our own, so that the small tmpfs is seen by
# this test and its pidtree only, and goes away with them.
if [ -z "${PT_JSON_SINK_NS:-}" ]; then
	rm -rf "$T"
	trap - EXIT
	PT_JSON_SINK_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
SMALL=$T/small
trap 'umount "$SMALL" 2>/dev/null; cleanup' EXIT

P=$(rand_port)
cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
YML
# a ~1 KiB line per event
PAD=$(head -c 700 /dev/zero | tr '\0' p)
connects() { # FROM TO: one connect each, a marker per event
	local i
	for i in $(seq "$1" "$2"); do "$CONNECTOR" 127.0.0.1 "$P" "ev-$i" "$PAD"; done
}
# handled N: until pidtree's SIGUSR1 totals say N events were handled
handled() {
	local i
	for i in $(seq 100); do
		kill -USR1 "$PIDTREE_PID" 2>/dev/null || return 1
		sleep 0.1
		grep -q "totals: events $1;" "$T/pidtree.err" && return 0
	done
	return 1
}
# whole_lines FILE: every line valid JSON, the file ends with a newline
whole_lines() {
	python3 - "$1" <<'PY'
import json, sys
data = open(sys.argv[1], "rb").read()
if data and not data.endswith(b"\n"):
    sys.exit("no newline at the end")
for n, line in enumerate(data.split(b"\n")[:-1]):
    try:
        json.loads(line)
    except ValueError as e:
        sys.exit("line %d: %s: %r" % (n + 1, e, line[:60]))
PY
}
# exit_drops: the json output's drops in the exit line
exit_drops() {
	sed -n 's|.*exiting after events [0-9]*;.*; outputs: json[^ ]* [0-9]* written/\([0-9]*\) lost/.*|\1|p' "$T/pidtree.err"
}
exit_events() {
	sed -n 's/.*exiting after events \([0-9]*\);.*/\1/p' "$T/pidtree.err"
}
distinct_markers() {
	jq -r '.proctree[0].cmdline | split(" ")[3]' "$1" | sort -u | wc -l
}

# ---- a full file system: ENOSPC part way through a line ---------------------
# (--health-check-period 0: the health check would end pidtree, rightly, on a
# file it cannot write; health.sh tests that)
mkdir -p "$SMALL"
mount -t tmpfs -o size=256k,mode=0755 pidtree-test-json "$SMALL" || { fail "mount a tmpfs"; finish; }
# a filler, removed later to make room again: 56 KiB are left for events
# (the lines hold this test's own ancestors: 1 to 10 KiB each)
head -c $((200 * 1024)) /dev/zero >"$SMALL/filler"
OUT=$SMALL/events.json
start_pidtree "$OUT" -c "$T/probes.yml" --health-check-period 0 || { fail "daemon starts"; finish; }
K1=80
connects 1 $K1
check "all $K1 events handled" handled $K1
check "the full file system was reported" grep -q "No space left on device" "$T/pidtree.err"
check "full: every line is valid JSON, the file ends with a newline" whole_lines "$OUT"
# room again: the events that follow are whole lines after the last one
rm -f "$SMALL/filler"
K2=$((K1 + 3))
connects $((K1 + 1)) $K2
check "all $K2 events handled" handled $K2
check "writing again after room was made" seen "$OUT" ".proctree[0].cmdline | contains(\"ev-$K2 \")"
check "SIGTERM: exit 0" stop_pidtree
check "after room was made: every line is valid JSON, ends with a newline" whole_lines "$OUT"
L=$(wc -l <"$OUT")
D=$(exit_drops)
N=$(exit_events)
log "ENOSPC: $N events, $L lines in the file, ${D:-?} dropped"
check "ENOSPC: the exit line counts every event ($N = $K2)" test "$N" = "$K2"
check "ENOSPC: lines + dropped = events ($L + ${D:-?} = $K2)" test "$((L + ${D:-0}))" = "$K2"
check "ENOSPC: some dropped, some written" test "${D:-0}" -gt 0 -a "$L" -gt 0
check "ENOSPC: no event written twice" test "$(distinct_markers "$OUT")" = "$L"

# ---- a file size limit: EFBIG, SIGXFSZ ignored ------------------------------
OUT=$T/limited.json
REAL=$PIDTREE
PIDTREE=$T/limited-pidtree
printf '#!/bin/sh\nexec prlimit --fsize=40000 "%s" "$@"\n' "$REAL" >"$PIDTREE"
chmod +x "$PIDTREE"
start_pidtree "$OUT" -c "$T/probes.yml" --health-check-period 0 || { fail "daemon starts under prlimit --fsize"; finish; }
PIDTREE=$REAL
K=60
connects 1 $K
check "under RLIMIT_FSIZE: all $K events handled" handled $K
check "pidtree survives the file size limit (SIGXFSZ ignored)" kill -0 "$PIDTREE_PID"
check "the size limit was reported" grep -q "File too large" "$T/pidtree.err"
check "SIGTERM: exit 0 (RLIMIT_FSIZE)" stop_pidtree
check "EFBIG: every line is valid JSON, the file ends with a newline" whole_lines "$OUT"
check "EFBIG: the file stays within the limit" test "$(stat -c %s "$OUT")" -le 40000
L=$(wc -l <"$OUT")
D=$(exit_drops)
N=$(exit_events)
log "EFBIG: $N events, $L lines in the file, ${D:-?} dropped"
check "EFBIG: the exit line counts every event ($N = $K)" test "$N" = "$K"
check "EFBIG: lines + dropped = events ($L + ${D:-?} = $K)" test "$((L + ${D:-0}))" = "$K"
check "EFBIG: some dropped, some written" test "${D:-0}" -gt 0 -a "$L" -gt 0

# ---- what json:PATH refuses: a symlink, a FIFO (start-up and re-open) -------
# refused PATH NAME: pidtree -f PATH exits 1 at once, saying why
refused() {
	local rc=0
	timeout 20 "$PIDTREE" -c "$T/probes.yml" -f "$1" 2>"$T/refused.err" || rc=$?
	cat "$T/refused.err" >&2
	[ "$rc" = 1 ] && grep -q "json output: cannot open $1: $2" "$T/refused.err"
}
echo "secret" >"$T/victim"
ln -s "$T/victim" "$T/link.json"
check "a symlink is refused at start-up" refused "$T/link.json" "it is a symbolic link"
check "... and its target is left alone" test "$(cat "$T/victim")" = secret
ln -s "$T/not-there" "$T/dangling.json"
check "a dangling symlink is refused" refused "$T/dangling.json" "it is a symbolic link"
check "... and its target not created" test ! -e "$T/not-there"
mkfifo "$T/fifo.json"
START=$(date +%s)
check "a FIFO is refused at start-up, without blocking in open(2)" \
	refused "$T/fifo.json" "not a regular file or a character device"
check "... at once" test $(($(date +%s) - START)) -le 10
OUT=$T/ok.json
start_pidtree /dev/null -c "$T/probes.yml" || fail "/dev/null is accepted"
check "/dev/null is accepted" stop_pidtree
"$PIDTREE" -c "$T/probes.yml" -f /dev/stdout >"$T/stdout.json" 2>"$T/pidtree.err" &
PIDTREE_PID=$!
for _ in $(seq 100); do grep -q ready "$T/pidtree.err" && break; sleep 0.1; done
"$CONNECTOR" 127.0.0.1 "$P" marker-dev-stdout
check "-f /dev/stdout (a symlink, but /dev's own) is standard output" \
	seen "$T/stdout.json" '.proctree[0].cmdline | contains("marker-dev-stdout")'
check "SIGTERM: exit 0 (/dev/stdout)" stop_pidtree
# a link or FIFO planted at the path before a re-open (SIGHUP): refused, the
# old file goes on
start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts (re-open)"; finish; }
mv "$OUT" "$T/ok.json.1"
ln -s "$T/victim" "$OUT"
reload_pidtree
"$CONNECTOR" 127.0.0.1 "$P" marker-after-link
check "re-open: a symlink is refused" grep -q "json output: cannot re-open $OUT: it is a symbolic link" "$T/pidtree.err"
check "... events still go to the old file" seen "$T/ok.json.1" '.proctree[0].cmdline | contains("marker-after-link")'
check "... the symlink's target untouched" test "$(cat "$T/victim")" = secret
rm "$OUT"
mkfifo "$OUT"
START=$(date +%s%N)
reload_pidtree
"$CONNECTOR" 127.0.0.1 "$P" marker-after-fifo
check "re-open: a FIFO is refused" grep -q "json output: cannot re-open $OUT: not a regular file or a character device" "$T/pidtree.err"
check "... the reload does not hang in open(2) (events flow)" \
	seen "$T/ok.json.1" '.proctree[0].cmdline | contains("marker-after-fifo")'
# (a pidtree stuck in open(2) on the FIFO, as before O_NONBLOCK, is released
# by a reader, so that the test ends)
timeout 2 dd if="$OUT" of=/dev/null iflag=nonblock count=0 2>/dev/null
check "SIGTERM: exit 0 (re-open)" stop_pidtree
finish

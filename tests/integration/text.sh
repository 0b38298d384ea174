#!/bin/bash
# The text output (issue 21), on a real pseudo-terminal (tests/helpers/
# pty_run.py): the default when standard output is a terminal and no output
# is configured, JSON otherwise (-o, -f, [output] sink=, or not a terminal);
# one line per event with the time, probe, address, process and ancestry,
# fitted to the terminal's width (in full with -v); colours on a terminal
# only, and not with NO_COLOR or TERM=dumb; text:PATH in a file with the
# date and no colour; hostile command lines escaped.
. "$(dirname "$0")/lib.sh"
require_root
PTY_RUN=$top_srcdir/tests/helpers/pty_run.py
PTY_PID=

P=$(rand_port)
cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
YML
: >"$T/empty.conf" # no [output] sink=
# the connector under a short name, so that the lines hold its arguments
cp "$CONNECTOR" "$T/c"
conn() { (cd "$T" && exec ./c 127.0.0.1 "$P" "$@"); }

# on_pty NAME COLS [ENV=VALUE...] -- ARGS...: pidtree ARGS with standard
# output on a terminal of COLS columns (copied to $T/NAME.tty), standard
# error in $T/pidtree.err; waits until it is ready.
on_pty() {
	local name=$1 cols=$2 i
	shift 2
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	: >"$T/$name.tty"
	: >"$T/pidtree.err" # no 'ready' of the run before
	rm -f "$T/pty.pid"
	env -u NO_COLOR TERM=xterm "${envs[@]}" python3 "$PTY_RUN" "$cols" "$T/pty.pid" "$T/$name.tty" \
		"$PIDTREE" -C "$T/empty.conf" -c "$T/probes.yml" "$@" 2>"$T/pidtree.err" &
	PTY_PID=$!
	for i in $(seq 200); do
		if [ -s "$T/pty.pid" ] && grep -q ready "$T/pidtree.err"; then
			PIDTREE_PID=$(cat "$T/pty.pid")
			return 0
		fi
		kill -0 "$PTY_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/pidtree.err" >&2
	return 1
}
# off_pty: SIGTERM, and pidtree's exit status
off_pty() {
	local rc=0
	kill -TERM "$PIDTREE_PID"
	wait "$PTY_PID" || rc=$?
	PIDTREE_PID= PTY_PID=
	return $rc
}
# lines_with FILE MARKER [TIMEOUT_S]: the terminal's lines holding MARKER
# (CR of the terminal's line ends removed), waiting until there is one
lines_with() {
	local i
	for i in $(seq $((${3:-10} * 10))); do
		grep -aF -- "$2" "$1" >/dev/null && break
		sleep 0.1
	done
	grep -aF -- "$2" "$1" | tr -d '\r'
}
# pyline FILE MARKER PY-EXPR: PY-EXPR is true for the one line (bytes, l)
# holding MARKER; re is imported
pyline() {
	python3 - "$1" "$2" "$3" <<'PY'
import re, sys
lines = [l.rstrip(b"\r") for l in open(sys.argv[1], "rb").read().split(b"\n")
         if sys.argv[2].encode() in l]
if len(lines) != 1:
    sys.exit("%d lines hold the marker" % len(lines))
l = lines[0]
ok = eval(sys.argv[3])
if not ok:
    print(repr(l), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
SGR_STRIPPED='re.sub(rb"\x1b\[[0-9;]*m", b"", l)'
# jq_true FILTER JSON-TEXT: the JSON parses and FILTER is true for it
jq_true() { [ -n "$2" ] && jq -e "$1" >/dev/null 2>&1 <<<"$2"; }

# ---- a terminal, nothing configured: text, coloured --------------------------
on_pty tty 400 -- || { fail "daemon starts on a terminal"; finish; }
(cd "$T" && exec ./c 127.0.0.1 "$P" marker-tty) &
CPID=$!
wait $CPID
check "text is the default on a terminal" test -n "$(lines_with "$T/tty.tty" marker-tty)"
check "the line: time, probe, address, process[pid] user, ancestry (coloured)" \
	pyline "$T/tty.tty" marker-tty "re.fullmatch(rb'\d\d:\d\d:\d\d\.\d{3} \x1b\[1;36mtcp_connect\x1b\[0m \x1b\[33m127\.0\.0\.1:$P\x1b\[0m \./c 127\.0\.0\.1 $P marker-tty\[$CPID\] \x1b\[1;31mroot\x1b\[0m <- .*\[1\]( \S+)?', l)"
check "no JSON on the terminal" not grep -aq '"timestamp"' "$T/tty.tty"
check "SIGTERM: exit 0 (text)" off_pty

# ---- colour off: NO_COLOR, TERM=dumb; NO_COLOR empty counts as unset ---------
for e in NO_COLOR=1 TERM=dumb; do
	on_pty nocolour 200 "$e" -- || { fail "daemon starts ($e)"; continue; }
	conn "marker-$e"
	lines_with "$T/nocolour.tty" "marker-$e" >/dev/null
	check "$e: text without colour" \
		pyline "$T/nocolour.tty" "marker-$e" "b'\x1b' not in l and re.match(rb'\d\d:\d\d:\d\d\.\d{3} tcp_connect 127\.0\.0\.1:$P ', l)"
	check "SIGTERM: exit 0 ($e)" off_pty
done
on_pty emptync 200 NO_COLOR= -- || fail "daemon starts (NO_COLOR empty)"
conn marker-empty-nc
lines_with "$T/emptync.tty" marker-empty-nc >/dev/null
check "NO_COLOR set but empty: coloured" pyline "$T/emptync.tty" marker-empty-nc "b'\x1b[1;36m' in l"
check "SIGTERM: exit 0 (NO_COLOR empty)" off_pty

# ---- a terminal, an output configured: JSON -----------------------------------
on_pty json 200 -- -o json || fail "daemon starts (-o json)"
conn marker-o-json
check "-o json on a terminal: JSON" \
	jq_true ".port == $P" "$(lines_with "$T/json.tty" marker-o-json)"
check "SIGTERM: exit 0 (-o json)" off_pty
on_pty dashf 200 -- -f "$T/f.json" || fail "daemon starts (-f)"
conn marker-f
check "-f FILE on a terminal: JSON in the file" seen "$T/f.json" ".port == $P"
check "... nothing on the terminal" not grep -aq marker-f "$T/dashf.tty"
check "SIGTERM: exit 0 (-f)" off_pty
printf '[output]\nsink = json\n' >"$T/json.conf"
on_pty conf 200 -- -C "$T/json.conf" || fail "daemon starts ([output] sink = json)"
conn marker-conf
check "[output] sink = json on a terminal: JSON" \
	jq_true ".port == $P" "$(lines_with "$T/conf.tty" marker-conf)"
check "SIGTERM: exit 0 (sink = json)" off_pty

# ---- not a terminal, nothing configured: JSON ---------------------------------
: >"$T/pidtree.err"
"$PIDTREE" -C "$T/empty.conf" -c "$T/probes.yml" >"$T/pipe.out" 2>"$T/pidtree.err" &
PIDTREE_PID=$!
for _ in $(seq 200); do grep -q ready "$T/pidtree.err" && break; sleep 0.1; done
conn marker-not-tty
check "not a terminal: JSON is the default" seen "$T/pipe.out" ".port == $P"
check "SIGTERM: exit 0 (not a terminal)" stop_pidtree

# ---- text:PATH: a file, the date, no colour -----------------------------------
start_pidtree "" -C "$T/empty.conf" -c "$T/probes.yml" -o "text:$T/events.txt" ||
	fail "daemon starts (text:PATH)"
conn marker-text-file
lines_with "$T/events.txt" marker-text-file >/dev/null
check "text:PATH: date, time and UTC offset, no colour" \
	pyline "$T/events.txt" marker-text-file "b'\x1b' not in l and re.match(rb'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d tcp_connect 127\.0\.0\.1:$P \./c 127\.0\.0\.1 $P marker-text-file\[\d+\] root <- ', l)"
check "SIGTERM: exit 0 (text:PATH)" stop_pidtree

# ---- hostile command lines on the terminal -------------------------------------
on_pty hostile 400 -- || fail "daemon starts (hostile)"
conn marker-hostile $'\e[2J\e[H' $'\r00:00:00.000 tcp_connect forged\n'"FAKE" \
	$'c1:\xc2\x85' $'rlo:\xe2\x80\xae''txt' $'bad:\xff\xfe' $'bell:\a'
check "hostile: one line for the event" test "$(lines_with "$T/hostile.tty" marker-hostile | wc -l)" = 1
check "hostile: no ESC but the colours, no CR, no C1 or bidi character" \
	pyline "$T/hostile.tty" marker-hostile "all(c not in $SGR_STRIPPED for c in (b'\x1b', b'\r', b'\x07', b'\xc2\x85', b'\xe2\x80\xae', b'\xff'))"
check "hostile: each shown escaped" \
	pyline "$T/hostile.tty" marker-hostile "br'marker-hostile \e[2J\e[H \r00:00:00.000 tcp_connect forged\nFAKE c1:\u0085 rlo:\u202etxt bad:\xff\xfe bell:\x07[' in $SGR_STRIPPED"
check "SIGTERM: exit 0 (hostile)" off_pty

# ---- fitted to the terminal's width; -v: in full --------------------------------
LONG=$(head -c 400 /dev/zero | tr '\0' L)
on_pty narrow 140 -- || fail "daemon starts (140 columns)"
conn marker-narrow "$LONG"
# (the one event on this terminal: its marker may be cut off)
lines_with "$T/narrow.tty" "./c 127.0.0.1 $P" >/dev/null
check "140 columns: the line fits (cmdlines shortened with ...)" \
	pyline "$T/narrow.tty" "./c 127.0.0.1 $P" "len($SGR_STRIPPED.decode()) <= 140 and b'...[' in l"
check "SIGTERM: exit 0 (140 columns)" off_pty
on_pty verbose 140 -- -v || fail "daemon starts (-v)"
conn marker-verbose "$LONG"
lines_with "$T/verbose.tty" marker-verbose >/dev/null
check "-v: the cmdline in full" pyline "$T/verbose.tty" marker-verbose "b'marker-verbose $LONG[' in l"
check "SIGTERM: exit 0 (-v)" off_pty
finish

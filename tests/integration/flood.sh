#!/bin/bash
# Under a sustained flood the event loop still serves signals, the watchdog
# and its outputs: the ring is read in batches (src/daemon/loop.c) and the
# loop returns to epoll between them.  The flood: connects as fast as one
# process goes, from under 24 ancestors with 4 KiB command lines each, so
# every event is ~100 KiB of JSON and the producers outrun the consumer.
. "$(dirname "$0")/lib.sh"
require_root

LOADGEN=$top_builddir/bench/loadgen
SECS=14
P=$(rand_port)
printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/probes.yml"
cat >"$T/chain.sh" <<'SH'
#!/bin/bash
# chain.sh N LONGARG: N bash ancestors, each with LONGARG in its cmdline
n=$1
if [ "$n" -le 0 ]; then exec "$LOADGEN" -d 1 -t "$SECS" -p "$P"; fi
bash "$0" $((n - 1)) "$2"
SH
python3 "$top_srcdir/tests/helpers/notify_listen.py" "$T/notify.sock" "$T/notify.log" 600 &
BG_KILL="$BG_KILL $!"
NPID=$!
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
OUT=$T/events.json
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 \
	start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts"; finish; }
LOADGEN=$LOADGEN SECS=$SECS P=$P bash "$T/chain.sh" 24 "$(head -c 4000 /dev/zero | tr '\0' x)" \
	>"$T/loadgen.out" &
LPID=$!
sleep 4
t0=$(date +%s%N)
kill -HUP "$PIDTREE_PID"
for _ in $(seq 100); do grep -q 'configuration reloaded' "$T/pidtree.err" && break; sleep 0.05; done
hup_ms=$((($(date +%s%N) - t0) / 1000000))
check "SIGHUP served during the flood (${hup_ms} ms)" grep -q 'configuration reloaded' "$T/pidtree.err"
kill -USR1 "$PIDTREE_PID"
for _ in $(seq 100); do grep -q 'totals:' "$T/pidtree.err" && break; sleep 0.05; done
check "SIGUSR1 served during the flood" grep -q 'totals:' "$T/pidtree.err"
sleep 4
check "the flood is still on" kill -0 "$LPID"
# keep-alives during the flood: every 1 s (WATCHDOG_USEC/2), never as far apart
# as WATCHDOG_USEC (systemd would kill pidtree)
python3 - "$T/notify.log" "$t0" >"$T/wd" <<'PY'
import sys
t = [float(l.split()[0]) for l in open(sys.argv[1]) if "WATCHDOG=1" in l]
gaps = [b - a for a, b in zip(t, t[1:])]
print(len(t), "%.2f" % (max(gaps) if gaps else 99))
PY
read -r nwd maxgap <"$T/wd"
log "WATCHDOG=1: $nwd keep-alives, longest gap ${maxgap}s"
check "WATCHDOG=1 kept coming during the flood ($nwd, longest gap ${maxgap}s)" \
	python3 -c "import sys; sys.exit(0 if $nwd >= 6 and $maxgap < 2.0 else 1)"
t0=$(date +%s%N)
check "SIGTERM during the flood: exit 0" stop_pidtree
term_ms=$((($(date +%s%N) - t0) / 1000000))
check "  within 10 s (${term_ms} ms)" test "$term_ms" -lt 10000
kill "$LPID" 2>/dev/null
wait "$LPID" 2>/dev/null
kill "$NPID" 2>/dev/null
log "$(grep -o 'exiting after.*' "$T/pidtree.err" | cut -c1-200)"
finish

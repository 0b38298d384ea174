#!/bin/bash
# Service behaviour: sd_notify (READY after attach, WATCHDOG period, STATUS,
# RELOADING/READY on SIGHUP, STOPPING), reload with a changed filter, a
# broken reload that keeps the old configuration, -w on an included file,
# exact loss accounting with a tiny ring buffer, refusal of a writable
# configuration, log rotation, outputs changed on reload, and the
# capabilities left after start-up.
. "$(dirname "$0")/lib.sh"
require_root
LOADGEN=$top_builddir/bench/loadgen
trap 'kill $(jobs -p) 2>/dev/null; cleanup' EXIT

A=$(rand_port) B=$(rand_port) C=$(rand_port) D=$(rand_port)
conn() { "$CONNECTOR" 127.0.0.1 "$1" "marker-$2"; }
reported() { count "$OUT" ".port == $1 and (.proctree[0].cmdline | endswith(\"marker-$2\"))"; }
notified() { grep -c "$1" "$T/notify.log"; }

# ---- sd_notify + reload --------------------------------------------------
# drop only port X to 127.0.0.1 (a subnet filter with include_ports)
drop_port() {
	printf 'tcp_connect:\n  filters:\n    - subnet_name: lo\n      network: 127.0.0.1/32\n      include_ports: [%s]\n' "$1" >"$T/probes.yml"
}
drop_port "$A"
python3 "$top_srcdir/tests/helpers/notify_listen.py" "$T/notify.sock" "$T/notify.log" 600 &
BG_KILL="$BG_KILL $!"
wait_until 5 test -S "$T/notify.sock"
OUT=$T/events.json
: >"$OUT"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000 "$PIDTREE" -c "$T/probes.yml" -f "$OUT" \
	2>"$T/pidtree.err" &
PIDTREE_PID=$!
wait_until 4 grep -q 'READY=1' "$T/notify.log"
conn "$B" right-after-ready   # the very first thing after READY=1
check "READY=1 sent" test "$(notified 'READY=1')" -ge 1
check "a connect made right after READY=1 is reported" seen "$OUT" ".port == $B"
sleep 2
check "STATUS= sent" grep -q 'STATUS=.*events' "$T/notify.log"
sleep 1.5
python3 - "$T/notify.log" >"$T/wd" <<'PY'
import statistics, sys
t = [float(l.split()[0]) for l in open(sys.argv[1]) if "WATCHDOG=1" in l]
gaps = [b - a for a, b in zip(t, t[1:])]
print(len(t), statistics.median(gaps) if gaps else 99, max(gaps) if gaps else 99)
PY
read -r nwd medgap maxgap <"$T/wd"
# WATCHDOG_USEC=1 s: a keep-alive every 0.5 s, never more than 1 s apart
check "WATCHDOG=1 every WATCHDOG_USEC/2 (n=$nwd, median gap ${medgap}s, max ${maxgap}s)" \
	python3 -c "import sys; sys.exit(not ($nwd >= 5 and 0.4 <= $medgap <= 0.6 and $maxgap < 1.0))"

conn "$A" excluded-before
conn "$C" sentinel-1
seen "$OUT" ".port == $C"
check "port $A dropped before reload" test "$(reported "$A" excluded-before)" = 0

# change the filter: now B is excluded, A is not
drop_port "$B"
kill -HUP "$PIDTREE_PID"
wait_until 5 eval '[ "$(notified READY=1)" -ge 2 ]'
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC" grep -q 'RELOADING=1|MONOTONIC_USEC=[0-9]' "$T/notify.log"
check "SIGHUP: READY=1 again" test "$(notified 'READY=1')" -ge 2
conn "$A" after-reload
conn "$B" excluded-after
conn "$C" sentinel-2
seen "$OUT" ".proctree[0].cmdline | endswith(\"marker-sentinel-2\")"
check "reload: port $A now reported" test "$(reported "$A" after-reload)" = 1
check "reload: port $B now dropped" test "$(reported "$B" excluded-after)" = 0

# a broken file: error with file:line, old configuration kept, daemon alive
printf 'tcp_connect:\n  filters:\n    - subnet_name: lo\n      network: 127.0.0.300/32\n' >"$T/probes.yml"
kill -HUP "$PIDTREE_PID"
wait_until 5 eval '[ "$(notified READY=1)" -ge 3 ]'
check "broken reload: error names probes.yml:line" grep -q 'probes.yml:[0-9]*:' "$T/pidtree.err"
check "broken reload: daemon still running" kill -0 "$PIDTREE_PID"
check "broken reload: READY=1 again" test "$(notified 'READY=1')" -ge 3
conn "$B" still-excluded
conn "$A" still-reported
conn "$C" sentinel-3
seen "$OUT" ".proctree[0].cmdline | endswith(\"marker-sentinel-3\")"
check "broken reload: old filter still applies ($B dropped)" test "$(reported "$B" still-excluded)" = 0
check "broken reload: old filter still applies ($A reported)" test "$(reported "$A" still-reported)" = 1
check "SIGTERM: exit 0" stop_pidtree
wait_until 2 grep -q 'STOPPING=1' "$T/notify.log"
check "STOPPING=1 sent" grep -q 'STOPPING=1' "$T/notify.log"

# ---- -w: an edit of an included file, saved by rename ---------------------
mkdir -p "$T/w"
printf 'tcp_connect:\n  includeports: [%s, %s, %s]\n  filters: !include filters.yml\n' "$A" "$B" "$C" >"$T/w/main.yml"
printf -- '- subnet_name: two\n  network: 127.0.0.2/32\n' >"$T/w/filters.yml"
OUT=$T/w.json
start_pidtree "$OUT" -c "$T/w/main.yml" -w || { fail "daemon starts (-w)"; finish; }
"$CONNECTOR" 127.0.0.2 "$A" marker-w-before
"$CONNECTOR" 127.0.0.1 "$C" marker-w-sentinel1
seen "$OUT" ".proctree[0].cmdline | endswith(\"marker-w-sentinel1\")"
check "-w: 127.0.0.2 filtered by the included file" test "$(count "$OUT" ".daddr == \"127.0.0.2\"")" = 0
printf -- '- subnet_name: three\n  network: 127.0.0.3/32\n' >"$T/w/filters.yml.tmp"
mv "$T/w/filters.yml.tmp" "$T/w/filters.yml"
wait_until 5 grep -q 'configuration reloaded' "$T/pidtree.err"
check "-w: change of the included file noticed" grep -q 'configuration reloaded' "$T/pidtree.err"
"$CONNECTOR" 127.0.0.2 "$A" marker-w-after
"$CONNECTOR" 127.0.0.3 "$B" marker-w-now-filtered
"$CONNECTOR" 127.0.0.1 "$C" marker-w-sentinel2
seen "$OUT" ".proctree[0].cmdline | endswith(\"marker-w-sentinel2\")"
check "-w: 127.0.0.2 reported after the edit" test "$(count "$OUT" ".daddr == \"127.0.0.2\"")" = 1
check "-w: 127.0.0.3 filtered after the edit" test "$(count "$OUT" ".daddr == \"127.0.0.3\"")" = 0
check "SIGTERM: exit 0 (-w)" stop_pidtree

# ---- exact loss accounting ------------------------------------------------
P=$(rand_port)
printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/flood.yml"
OUT=$T/flood.json
# (with a NOTIFY_SOCKET: STATUS= every 5 s carries the loss table's sums)
python3 "$top_srcdir/tests/helpers/notify_listen.py" "$T/notify2.sock" "$T/notify2.log" 600 &
BG_KILL="$BG_KILL $!"
for _ in $(seq 50); do [ -S "$T/notify2.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$T/notify2.sock start_pidtree "$OUT" -c "$T/flood.yml" --ringbuf-kib 4 \
	--lost-event-telemetry 100 || { fail "daemon starts (flood)"; finish; }
made=$("$LOADGEN" -d 1 -t 1 -p "$P" | sed -n 's/connects=\([0-9]*\).*/\1/p')
sleep 1
# the flood is over: a STATUS= sent from now on has all of its losses
nstatus=$(grep -c 'STATUS=events' "$T/notify2.log")
for _ in $(seq 300); do
	[ "$(grep -c 'STATUS=events' "$T/notify2.log")" -gt "$nstatus" ] && break
	sleep 0.1
done
status=$(grep 'STATUS=events' "$T/notify2.log" | tail -n 1)
check "SIGTERM: exit 0 (flood)" stop_pidtree
written=$(count "$OUT" ".probe == \"tcp_connect\" and .port == $P")
lost=$(sed -n 's/.*lost records: tcp_connect=\([0-9]*\).*/\1/p' "$T/pidtree.err" | tail -n 1)
log "flood: connects made $made, events written $written, lost ${lost:-?}"
check "flood: some records were lost (the ring is tiny)" test "${lost:-0}" -gt 0
check "flood: connects made = events written + losses counted ($made = $written + ${lost:-?})" \
	test "$made" -eq $((written + ${lost:-0}))
check "flood: lost_event_telemetry records written" \
	test "$(count "$OUT" ".type == \"lost_event_telemetry\" and (.count | type) == \"number\"")" -ge 1
# STATUS=: "events N (R/s); lost: kernel K, process records P, outputs O,
# userland U; unresolved ancestors A", K the ring buffer's losses
log "flood: last STATUS: ${status#* }"
status_kernel=$(printf '%s' "$status" | sed -n 's/.*; lost: kernel \([0-9]*\), process records [0-9]*, outputs [0-9]*, userland [0-9]*; unresolved ancestors [0-9]*.*/\1/p')
check "flood: STATUS= holds the loss rows (kernel, process records, outputs, userland, unresolved)" \
	test -n "$status_kernel"
check "flood: STATUS= counts the ring buffer's losses (kernel ${status_kernel:-?} = ${lost:-?})" \
	test "${status_kernel:-x}" = "${lost:-0}" -a "${lost:-0}" -gt 0

# ---- a configuration writable by others is refused ------------------------
printf 'tcp_connect:\n' >"$T/ww.yml"
chmod 666 "$T/ww.yml"
"$PIDTREE" --check-config -c "$T/ww.yml" >/dev/null 2>"$T/ww.err"
check "world-writable config: exit 78" test $? -eq 78
check "world-writable config: clear message" grep -q 'writable by a non-root user' "$T/ww.err"
mkdir -p "$T/inc"
printf 'tcp_connect:\n  filters: !include inc/f.yml\n' >"$T/inc.yml"
printf -- '- subnet_name: x\n  network: 10.0.0.0/8\n' >"$T/inc/f.yml"
chmod 777 "$T/inc"
"$PIDTREE" --check-config -c "$T/inc.yml" >/dev/null 2>"$T/inc.err"
check "include in a world-writable directory: exit 78" test $? -eq 78
mkdir -p "$T/hf"
printf '127.0.0.1 trusted-name\n' >"$T/hf/hosts"
chmod 666 "$T/hf/hosts"
printf 'tcp_connect:\n  plugins:\n    sourceipmap:\n      hostfiles: ["%s"]\n' "$T/hf/hosts" >"$T/hf.yml"
"$PIDTREE" --check-config -c "$T/hf.yml" >/dev/null 2>"$T/hf.err"
check "world-writable hostfile: exit 78" test $? -eq 78
check "world-writable hostfile: named with file:line" grep -q 'hf.yml:4:.*hosts is writable by a non-root user' "$T/hf.err"

# ---- log rotation: SIGHUP re-opens the JSON file by name -------------------
printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/rot.yml"
OUT=$T/rot.json
start_pidtree "$OUT" -c "$T/rot.yml" || { fail "daemon starts (rotation)"; finish; }
reloads() { grep -c 'configuration reloaded' "$T/pidtree.err"; }
"$CONNECTOR" 127.0.0.1 "$P" marker-rot-1
seen "$OUT" '.proctree[0].cmdline | endswith("marker-rot-1")' || true
mv "$OUT" "$T/rot.json.1"
"$CONNECTOR" 127.0.0.1 "$P" marker-rot-2
# written after the rename, before the signal: still to the renamed file
check "rotation: until SIGHUP, events go to the renamed file" \
	seen "$T/rot.json.1" '.proctree[0].cmdline | endswith("marker-rot-2")'
kill -HUP "$PIDTREE_PID"
wait_until 5 eval '[ "$(reloads)" -ge 1 ]'
"$CONNECTOR" 127.0.0.1 "$P" marker-rot-3
check "rotation: a new file is created at the old path" seen "$OUT" '.proctree[0].cmdline | endswith("marker-rot-3")'
check "rotation: both events before SIGHUP in the renamed file" \
	test "$(count "$T/rot.json.1" '.proctree[0].cmdline | test("marker-rot-[12]$")')" = 2
check "rotation: nothing after SIGHUP in the renamed file" \
	test "$(count "$T/rot.json.1" '.proctree[0].cmdline | endswith("marker-rot-3")')" = 0
# a re-open that fails (the path is now a directory) keeps the old file
mv "$OUT" "$T/rot.json.2"
mkdir "$OUT"
kill -HUP "$PIDTREE_PID"
wait_until 5 eval '[ "$(reloads)" -ge 2 ]'
"$CONNECTOR" 127.0.0.1 "$P" marker-rot-4
check "failed re-open: logged with the path" grep -q "cannot re-open $OUT" "$T/pidtree.err"
check "failed re-open: events still written to the old file" \
	seen "$T/rot.json.2" '.proctree[0].cmdline | endswith("marker-rot-4")'
check "SIGTERM: exit 0 (rotation)" stop_pidtree

# ---- outputs follow pidtree.conf on SIGHUP --------------------------------
# a JSON file and a syslog socket from [output] sink=; a reload switches to
# a new file and a new facility, keeps an unchanged output as it is, and a
# broken output keeps the running set
printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/out.yml"
outconf() {
	printf '[output]\nsink = json:%s, syslog:unix:%s\n[syslog]\nfacility = %s\n' \
		"$1" "$T/out.sock" "$2" >"$T/out.conf"
}
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", 0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")' "$T/out.sock" "$T/out.syslog" &
wait_until 5 test -S "$T/out.sock"
outconf "$T/out-a.json" local1
: >"$T/out-a.json"
start_pidtree "" -C "$T/out.conf" -c "$T/out.yml" || { fail "daemon starts (outputs)"; finish; }
# syslog_pri MARKER: the PRI of the syslog record of that connect
syslog_pri() {
	local i
	for i in $(seq 100); do
		grep -a "marker-$1\"" "$T/out.syslog" | sed -n 's/^<\([0-9]*\)>1 .*/\1/p' | grep . && return
		sleep 0.05
	done
}
in_file() { count "$1" ".proctree[0].cmdline | test(\"marker-$2\$\")"; }
fd_of() { ls -l /proc/$PIDTREE_PID/fd | grep -F "$1" | awk '{print $9}'; }
"$CONNECTOR" 127.0.0.1 "$P" marker-out-1
check "outputs: JSON file from sink=" seen "$T/out-a.json" '.proctree[0].cmdline | endswith("marker-out-1")'
check "outputs: syslog local1.info (142)" test "$(syslog_pri out-1)" = 142
outconf "$T/out-b.json" local2
mv "$T/out-a.json" "$T/out-a.json.1" # rotated as well: not re-created
reload_pidtree
"$CONNECTOR" 127.0.0.1 "$P" marker-out-2
check "outputs: after SIGHUP, events go to the new file" seen "$T/out-b.json" '.proctree[0].cmdline | endswith("marker-out-2")'
check "outputs: the replaced file is not re-created" test ! -e "$T/out-a.json"
check "outputs: the old file is closed" test -z "$(fd_of "$T/out-a.json")"
check "outputs: syslog with the new facility, local2.info (150)" test "$(syslog_pri out-2)" = 150
check "outputs: changes logged" grep -q "output json:$T/out-b.json opened" "$T/pidtree.err"
check "outputs: closing logged" grep -q "output json:$T/out-a.json closed" "$T/pidtree.err"
outconf "$T/out-b.json" local1
reload_pidtree
"$CONNECTOR" 127.0.0.1 "$P" marker-out-3
check "outputs: syslog facility changed back (142)" test "$(syslog_pri out-3)" = 142
check "outputs: the changed syslog output is replaced" \
	test "$(grep -c "output syslog:unix:$T/out.sock opened" "$T/pidtree.err")" = 2
check "outputs: the unchanged JSON output carries on" \
	not grep -q "output json:$T/out-b.json closed" "$T/pidtree.err"
outconf "$T/no/such/dir/out-c.json" local3
reload_pidtree
"$CONNECTOR" 127.0.0.1 "$P" marker-out-4
check "outputs: a broken output fails the reload" grep -q "output json:$T/no/such/dir/out-c.json cannot be opened" "$T/pidtree.err"
check "outputs: ... and the running outputs stay" seen "$T/out-b.json" '.proctree[0].cmdline | endswith("marker-out-4")'
check "outputs: ... with their settings (142)" test "$(syslog_pri out-4)" = 142
check "SIGTERM: exit 0 (outputs)" stop_pidtree
check "outputs: every event written once, to the file in force" test \
	"$(in_file "$T/out-a.json.1" 'out-[1-4]'),$(in_file "$T/out-b.json" 'out-[1-4]')" = "1,3"
check "outputs: every event sent once to syslog" \
	test "$(grep -ac 'marker-out-[1-4]"' "$T/out.syslog")" = 4

# ---- capabilities after start-up ------------------------------------------
printf 'tcp_connect:\nnet_listen:\n  protocols: [tcp]\n' >"$T/caps.yml"
OUT=$T/caps.json
start_pidtree "$OUT" -c "$T/caps.yml" || { fail "daemon starts (caps)"; finish; }
eff=$(awk '/^CapEff/ {print $2}' /proc/$PIDTREE_PID/status)
bnd=$(awk '/^CapBnd/ {print $2}' /proc/$PIDTREE_PID/status)
# bpf(39) perfmon(38) net_admin(12: net_listen attaches to the cgroup2 root)
# dac_read_search(2), sys_ptrace(19: [containers] is on by default, it reads
# other processes' /proc/PID/ns/mnt); never sys_resource (caps.sh checks
# each configuration) -- those of them this environment has at all
mine=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
want=$(printf '%016x' $(( ((1<<39)|(1<<38)|(1<<19)|(1<<12)|(1<<2)) & 0x$mine )))
check "effective capabilities reduced to the documented set ($eff)" test "$eff" = "$want"
check "bounding set reduced too ($bnd)" test "$bnd" = "$want"
check "no_new_privs set" grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$PIDTREE_PID/status
# a reload that must re-open a probe (protocols changed) still works
printf 'tcp_connect:\nnet_listen:\n  protocols: [tcp, udp]\n' >"$T/caps.yml"
kill -HUP "$PIDTREE_PID"
wait_until 5 grep -q 'configuration reloaded' "$T/pidtree.err"
PU=$(rand_port)
python3 "$NETTOOL" listen udp 127.0.0.1 "$PU" 0 marker-caps >/dev/null
check "after dropping capabilities, a re-opened probe reports (UDP bind)" \
	seen "$OUT" ".port == $PU and .protocol == \"udp\""
check "SIGTERM: exit 0 (caps)" stop_pidtree

# ---- a bounding set without CAP_SETPCAP, as the systemd unit's ------------
# Nothing pidtree drops is left in that set, and nothing can be dropped
# without CAP_SETPCAP: start-up must not try (it failed with EPERM).
if setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin,+sys_ptrace,+dac_read_search true 2>/dev/null; then
	setpriv --bounding-set=-all,+bpf,+perfmon,+net_admin,+sys_ptrace,+dac_read_search \
		"$PIDTREE" -f "$T/bnd.json" -c "$T/caps.yml" 2>"$T/pidtree.err" &
	PIDTREE_PID=$!
	for _ in $(seq 200); do
		grep -q ready "$T/pidtree.err" && break
		kill -0 "$PIDTREE_PID" 2>/dev/null || break
		sleep 0.1
	done
	check "starts under the unit's bounding set (no CAP_SETPCAP)" grep -q ready "$T/pidtree.err"
	grep -q ready "$T/pidtree.err" || cat "$T/pidtree.err"
	check "SIGTERM: exit 0 (unit's bounding set)" stop_pidtree
else
	log "setpriv --bounding-set not usable here: bounding-set start-up not checked"
fi
finish

#!/bin/bash
# External probes end to end (pidtree-probes(7)): the example probe
# process_exec (examples/probes/process_exec) and the test suite's network
# probe ext_connect (tests/extprobes), both built by make check from the
# installed headers' paths only, loaded from a directory given by
# [daemon] extra_probe_path= or --extra-probe-path.  Their events in every
# output (JSON, a real journald, a real rsyslogd), the full process tree of
# an exec, plugins and filters applied to them, reloads (unchanged, filters
# only, own arguments, a broken probe added, the probe removed and back),
# their loss counters in the totals and the telemetry, -p, and refusals:
# a group-writable .so or directory, a wrong ABI version, no descriptor, no
# such probe, bad arguments (exit 78 naming them, also --check-config).
# Real BPF, loopback connects only.
. "$(dirname "$0")/lib.sh"
require_root
. "$top_srcdir/tests/helpers/logd.sh"

BUILT=$top_builddir/tests/probes
DIR=$T/probes # the probe directory: root's, writable by root only
BIN=$T/bin    # what process_exec reports (path_prefixes), so the host's own execs stay out
mkdir -p "$DIR" "$BIN" "$T/plugins"
chmod 755 "$T" "$DIR" "$BIN" "$T/plugins"
for f in process_exec.so ext_connect.so bad_abi.so no_symbol.so; do
	check "built: tests/probes/$f" test -f "$BUILT/$f"
done
install -m 644 "$BUILT/process_exec.so" "$BUILT/ext_connect.so" "$DIR/"
check "built: tests/plugins/example.so" test -f "$top_builddir/tests/plugins/example.so"
install -m 644 "$top_builddir/tests/plugins/example.so" "$T/plugins/"
cp /bin/true "$BIN/mytrue"
printf '#!/bin/sh\nexit 0\n' >"$BIN/script.sh"
chmod 755 "$BIN/mytrue" "$BIN/script.sh"

P1=$(rand_port)
P2=$(rand_port)
RP=$(rand_port) # the rsyslog collector (its unix socket is what pidtree uses)
# write_yml UIDS PORTS [EXTRA]: the probe configuration
write_yml() {
	cat >"$T/probes.yml" <<YML
process_exec:
  path_prefixes: [$BIN/]
  uids: $1
  plugins:
    example:
      value: from-plugin
ext_connect:
  tag: t1
  includeports: $2
  filters:
    - subnet_name: dropped
      network: 127.0.0.2/32
  plugins:
    example:
      value: on-connect
${3:-}
YML
}
write_yml '[0]' "[$P1]"
: >"$T/empty.conf"
# event_json = yes: the journal entry carries the whole event too (checked
# against the JSON output); the default (no) is checked after the reloads.
# ([syslog] max_size: the exec's tree goes through make's recipe shells,
# kilobytes of cmdline, and the check below wants the MSG unrefitted; the
# collector takes 64k)
printf '[daemon]\nextra_probe_path = %s\nextra_plugin_path = %s\n[journald]\nevent_json = yes\n[syslog]\nmax_size = 65536\n' \
	"$DIR" "$T/plugins" >"$T/pidtree.conf"
OUT=$T/events.json
quiet() { "$@" >/dev/null 2>&1; }

# ---- -p and --check-config ----------------------------------------------------------
"$PIDTREE" -C "$T/pidtree.conf" -c "$T/probes.yml" -p >"$T/plan.txt" 2>&1
check "-p: exit 0" test $? = 0
check "-p lists process_exec, where it comes from" \
	grep -qxF "  from: $DIR/process_exec.so (external, version 1.0)" "$T/plan.txt"
check "-p: process_exec's attach point" \
	grep -qxF "  attach: tp_btf/sched_process_exec (every exec, in the new image)" "$T/plan.txt"
check "-p lists ext_connect with its filters" grep -q "ports: report only $P1" "$T/plan.txt"
check "-p: the plugin on process_exec" \
	test "$(grep -A6 '^probe process_exec:' "$T/plan.txt" | grep -c 'example (external, version 1.0)')" = 1
check "--check-config accepts them ([daemon] extra_probe_path=)" \
	quiet "$PIDTREE" -C "$T/pidtree.conf" -c "$T/probes.yml" --check-config
check "--check-config: --extra-probe-path too" \
	quiet "$PIDTREE" -C "$T/empty.conf" -c "$T/probes.yml" --extra-probe-path "$DIR" \
	--extra-plugin-path "$T/plugins" --check-config

# ---- the daemon, with every output ---------------------------------------------------
start_journald || { fail "systemd-journald runs"; finish; }
collector_conf "$RP"
start_rsyslog collector "$T/rsyslog.conf" "$RP" "$T/log.sock" || { fail "rsyslogd starts"; finish; }
start_pidtree "$OUT" -C "$T/pidtree.conf" -c "$T/probes.yml" -o journald \
	-o "syslog:unix:$T/log.sock" --lost-event-telemetry 3 || { fail "daemon starts"; finish; }
check "logged as external, from the directory" \
	grep -qF "probe process_exec: external, from $DIR/process_exec.so" "$T/pidtree.err"
check "process_exec attached" grep -q "probe process_exec attached" "$T/pidtree.err"
check "ext_connect attached" grep -q "probe ext_connect attached" "$T/pidtree.err"

# exec_marker MARKER: one exec of $BIN/mytrue from a shell started here; its
# event (MARKER unique)
exec_marker() {
	local m=$1
	sh -c "exec $BIN/mytrue $m"
	wait_for "$OUT" ".probe == \"process_exec\" and .proctree[0].cmdline == \"$BIN/mytrue $m\"" ||
		true
}
# not_reported MARKER PORT: an exec that must not be reported; a connect to
# PORT (one ext_connect reports) after it, through the same ring buffer,
# tells when its event would have been there
not_reported() {
	local m=$1
	sh -c "exec $BIN/mytrue $m"
	"$CONNECTOR" 127.0.0.1 "$2" "sync-$m"
	seen "$OUT" ".probe == \"ext_connect\" and (.proctree[0].cmdline | endswith(\"sync-$m\"))" &&
		[ "$(count "$OUT" ".proctree[0].cmdline == \"$BIN/mytrue $m\"")" = 0 ]
}
EV=$(exec_marker first)
check "process_exec event" test -n "$EV"
f() { jq -r "$1" <<<"$EV"; }
check "pid is proctree[0]'s" test "$(f .pid)" = "$(f '.proctree[0].pid')"
check "proctree[0]: the new image's argv" test "$(f '.proctree[0].cmdline')" = "$BIN/mytrue first"
check "this script is among the ancestors, with its cmdline" \
	test "$(f "[.proctree[] | select(.pid == $$) | .cmdline | contains(\"extprobes.sh\")] | @csv")" = true
check "the tree goes up to pid 1" test "$(f '.proctree[-1].pid')" = 1
check "filename" test "$(f .filename)" = "$BIN/mytrue"
check "no interpreter for a binary" test "$(f 'has("interpreter")')" = false
check "username root" test "$(f '.proctree[0].username')" = root
check "error empty" test "$(f .error)" = ""
check "the plugin ran on it and the probe's field survived it" \
	test "$(f '[.example_field, .example_depth == (.proctree | length)] | @csv')" = '"from-plugin",true'
"$BIN/script.sh" script-arg
EV=$(wait_for "$OUT" ".probe == \"process_exec\" and .filename == \"$BIN/script.sh\"")
check "a script: its interpreter" test "$(f .interpreter)" = /bin/sh
check "a script: the interpreter's argv" test "$(f '.proctree[0].cmdline')" = "/bin/sh $BIN/script.sh script-arg"
check "only the configured paths are reported" \
	test "$(count "$OUT" ".probe == \"process_exec\" and (.filename | startswith(\"$BIN/\") | not)")" = 0

# journald and syslog get the same event
EV=$(exec_marker outputs)
PID=$(f .pid)
check "journal entry of the exec" wait_journal 1 10 -t pidtree PIDTREE_PROBE=process_exec PIDTREE_PID="$PID"
journal_entries -t pidtree PIDTREE_PROBE=process_exec PIDTREE_PID="$PID" | head -n 1 >"$T/jd.json"
J() { jq -r "$1" "$T/jd.json"; }
check "journald: process_exec's MESSAGE_ID" \
	test "$(J .MESSAGE_ID)" = 4bf783ab9fb2426ba799b52e8f486684
check "journald: PIDTREE_FILENAME" test "$(J .PIDTREE_FILENAME)" = "$BIN/mytrue"
check "journald: PIDTREE_EXAMPLE_FIELD from the plugin" test "$(J .PIDTREE_EXAMPLE_FIELD)" = from-plugin
check "journald: PIDTREE_CMDLINE" test "$(J .PIDTREE_CMDLINE)" = "$BIN/mytrue outputs"
check "journald: MESSAGE summarises it" \
	grep -qF "process_exec $BIN/mytrue outputs[$PID] root <- " <<<"$(J .MESSAGE)"
check "journald: PIDTREE_EVENT_JSON is the JSON event" \
	test "$(J .PIDTREE_EVENT_JSON | jq -cS .)" = "$(jq -cS . <<<"$EV")"
check "syslog: the record arrives" wait_file "$T/unix.log" "pid=\"$PID\""
R=$(records "$T/unix.log" ".msgid == \"process_exec\" and any(.sd[][]; .[0] == \"pid\" and .[1] == \"$PID\")")
check "syslog: one record, MSGID process_exec" test "$(grep -c . <<<"$R")" = 1
check "syslog: SD probe" test "$(sd_param "$R" probe)" = process_exec
check "syslog: MSG is the JSON event" test "$(jq -r .msg <<<"$R" | jq -cS .)" = "$(jq -cS . <<<"$EV")"
catalog_id=$(grep -c '^-- 4bf783ab9fb2426ba799b52e8f486684$' "$top_srcdir/conf/pidtree.catalog")
check "conf/pidtree.catalog explains process_exec's MESSAGE_ID" test "$catalog_id" = 1

# ---- ext_connect: a network probe, its filters, plugins -------------------------------
"$CONNECTOR" 127.0.0.1 "$P1" marker-p1
"$CONNECTOR" 127.0.0.1 "$P2" marker-p2
"$CONNECTOR" 127.0.0.2 "$P1" marker-subnet
"$CONNECTOR" 127.0.0.1 "$P1" marker-p1-end
EV=$(wait_for "$OUT" '.probe == "ext_connect" and (.proctree[0].cmdline | endswith("marker-p1"))')
check "ext_connect event" test -n "$EV"
check "ext_connect: daddr, saddr, port" \
	test "$(f '[.daddr, .saddr, .port] | @csv')" = "\"127.0.0.1\",\"127.0.0.1\",$P1"
check "ext_connect: its own fields" test "$(f '[.ext_tag, .ext_family, .ext_probe] | @csv')" = '"t1",4,true'
check "ext_connect: the plugin" test "$(f .example_field)" = on-connect
check "ext_connect: the process" test "$(f '.proctree[0].cmdline')" = "$CONNECTOR 127.0.0.1 $P1 marker-p1"
seen "$OUT" '.probe == "ext_connect" and (.proctree[0].cmdline | endswith("marker-p1-end"))'
check "includeports drops another port in the kernel" \
	test "$(count "$OUT" '.proctree[0].cmdline | endswith("marker-p2")')" = 0
check "a subnet filter drops 127.0.0.2" \
	test "$(count "$OUT" '.proctree[0].cmdline | endswith("marker-subnet")')" = 0
check "journald: ext_connect's PIDTREE_DADDR and PIDTREE_PORT" \
	wait_journal 1 10 -t pidtree PIDTREE_PROBE=ext_connect PIDTREE_PORT="$P1" PIDTREE_DADDR=127.0.0.1

# ---- losses: in the totals and the telemetry ------------------------------------------
# three more events: a telemetry record (every 3 events) after the dropped connects
for i in 1 2 3; do
	check "event $i after the dropped connects" test -n "$(exec_marker tel-$i)"
done
kill -USR1 "$PIDTREE_PID"
for _ in $(seq 50); do grep -q 'totals: ' "$T/pidtree.err" && break; sleep 0.1; done
TOT=$(grep 'totals: ' "$T/pidtree.err" | tail -n 1)
check "totals: process_exec's counter among the lost records" grep -q ' process_exec=[0-9]' <<<"$TOT"
check "totals: ext_connect's too" grep -q ' ext_connect=[0-9]' <<<"$TOT"
check "totals: ext_connect_filtered counted (the two dropped connects at least)" \
	grep -Eq 'counted:.* ext_connect_filtered=([2-9]|[1-9][0-9]+)' <<<"$TOT"
TEL=$(jq -c 'select(.type == "lost_event_telemetry")' "$OUT" | tail -n 1)
check "telemetry: process_exec in lost" test "$(jq '.lost | has("process_exec")' <<<"$TEL")" = true
check "telemetry: ext_connect_filtered in counted" \
	test "$(jq '.counted.ext_connect_filtered >= 2' <<<"$TEL")" = true
check "no malformed records" grep -q 'malformed_records=0' <<<"$TOT"

# ---- reloads ------------------------------------------------------------------------------
reload_pidtree
check "unchanged SIGHUP: reloaded" grep -q 'configuration reloaded' "$T/pidtree.err"
check "unchanged SIGHUP: neither probe re-opened" not grep -q 're-opened' "$T/pidtree.err"
check "after SIGHUP: process_exec still reports" test -n "$(exec_marker after-hup)"

# own arguments (uids) -> re-opened; filters only (includeports) -> swapped in place
write_yml '[65534]' "[$P2]"
reload_pidtree
check "uids changed: process_exec re-opened" grep -q 'reload: probe process_exec re-opened' "$T/pidtree.err"
check "includeports changed: ext_connect not re-opened" \
	not grep -q 'reload: probe ext_connect re-opened' "$T/pidtree.err"
setpriv --reuid 65534 --regid 65534 --clear-groups "$BIN/mytrue" as-nobody
check "uids [65534]: nobody's exec reported" \
	seen "$OUT" ".probe == \"process_exec\" and .proctree[0].cmdline == \"$BIN/mytrue as-nobody\""
"$CONNECTOR" 127.0.0.1 "$P1" marker-p1-after
"$CONNECTOR" 127.0.0.1 "$P2" marker-p2-after
check "new includeports: $P2 reported" \
	seen "$OUT" '.probe == "ext_connect" and (.proctree[0].cmdline | endswith("marker-p2-after"))'
check "new includeports: $P1 no longer" \
	test "$(count "$OUT" '.proctree[0].cmdline | endswith("marker-p1-after")')" = 0
check "uids [65534]: root's exec not reported" not_reported root-after-uids "$P2"

# a broken probe added: the reload fails, the running configuration stays
install -m 644 "$BUILT/bad_abi.so" "$DIR/"
write_yml '[0]' "[$P1]" 'bad_abi:'
reload_pidtree
check "a broken probe: reload refused" grep -q 'reload failed' "$T/pidtree.err"
check "a broken probe: named, with file:line" \
	grep -qF "$T/probes.yml:16: probe bad_abi: $DIR/bad_abi.so: built for probe ABI version 99" "$T/pidtree.err"
check "a broken probe: the running configuration goes on (uids [65534])" \
	not_reported still-old "$P2"

# removed, then back
write_yml '[0]' "[$P1]"
sed -i '/^process_exec:/,/^ext_connect:/{/^ext_connect:/!d}' "$T/probes.yml"
reload_pidtree
check "process_exec removed: closed" grep -q 'reload: probe process_exec closed' "$T/pidtree.err"
check "closed: no event" not_reported closed "$P1"
write_yml '[0]' "[$P1]"
reload_pidtree
check "process_exec back: attached again" grep -q 'reload: probe process_exec attached' "$T/pidtree.err"
check "back: events again" test -n "$(exec_marker back)"
check "loaded once: one 'external, from' line" \
	test "$(grep -c 'probe process_exec: external, from' "$T/pidtree.err")" = 1
# [journald] event_json back to its default (no): the journald output is
# opened anew; the probe's and the plugin's fields are there, the event JSON not
printf '[daemon]\nextra_probe_path = %s\nextra_plugin_path = %s\n[syslog]\nmax_size = 65536\n' "$DIR" "$T/plugins" >"$T/pidtree.conf"
reload_pidtree
check "event_json = no: the journald output re-opened" grep -q 'output journald opened' "$T/pidtree.err"
EV=$(exec_marker no-event-json)
PID=$(f .pid)
check "event_json = no: journal entry of the exec" \
	wait_journal 1 10 -t pidtree PIDTREE_PROBE=process_exec PIDTREE_PID="$PID"
journal_entries -t pidtree PIDTREE_PROBE=process_exec PIDTREE_PID="$PID" | head -n 1 >"$T/jd.json"
check "event_json = no: no PIDTREE_EVENT_JSON" test "$(J 'has("PIDTREE_EVENT_JSON")')" = false
check "event_json = no: PIDTREE_FILENAME and the plugin's field still there" \
	test "$(J '[.PIDTREE_FILENAME, .PIDTREE_EXAMPLE_FIELD] | @csv')" = "\"$BIN/mytrue\",\"from-plugin\""
check "event_json = no: PIDTREE_PROCTREE_JSON is the event's proctree" \
	test "$(J .PIDTREE_PROCTREE_JSON | jq -cS .)" = "$(jq -cS .proctree <<<"$EV")"
check "daemon still running" kill -0 "$PIDTREE_PID"
check "SIGTERM: exit 0" stop_pidtree
check "exit line: process_exec's counter" grep -q 'exiting after .* process_exec=' "$T/pidtree.err"
check "exit line: no malformed records (a closed probe's are decoded before it closes)" \
	grep -q 'exiting after .* malformed_records=0' "$T/pidtree.err"

# ---- refusals: exit 78 naming the probe (the daemon and --check-config) ------------------
# refused DIR ARGS...: --check-config and a start both exit 78; stderr in $T/refused.err
refused() {
	local dir=$1 rc1=0 rc2=0
	shift
	"$PIDTREE" -C "$T/empty.conf" -c "$T/probes.yml" --extra-probe-path "$dir" \
		--extra-plugin-path "$T/plugins" --check-config "$@" >"$T/refused.err" 2>&1 || rc1=$?
	"$PIDTREE" -C "$T/empty.conf" -c "$T/probes.yml" --extra-probe-path "$dir" \
		--extra-plugin-path "$T/plugins" -f "$T/refused.json" "$@" >>"$T/refused.err" 2>&1 || rc2=$?
	[ "$rc1" = 78 ] && [ "$rc2" = 78 ]
}
said() { grep -qF -- "$1" "$T/refused.err"; }

mkdir -p "$T/gw"
chmod 755 "$T/gw"
install -m 664 -g nogroup "$BUILT/process_exec.so" "$T/gw/process_exec.so"
install -m 644 "$BUILT/ext_connect.so" "$T/gw/"
check "group-writable .so: exit 78" refused "$T/gw"
check "group-writable .so: named, at the key's line" \
	said "$T/probes.yml:1: probe process_exec: refusing to load $T/gw/process_exec.so"
check "group-writable .so: says why" said "writable by root only"
chmod 644 "$T/gw/process_exec.so"
chgrp nogroup "$T/gw"
chmod 775 "$T/gw"
check "group-writable directory: exit 78" refused "$T/gw"
check "group-writable directory: named" said "refusing to load $T/gw/process_exec.so: $T/gw"
chmod 755 "$T/gw"
check "fixed: accepted again" quiet "$PIDTREE" -C "$T/empty.conf" -c "$T/probes.yml" \
	--extra-probe-path "$T/gw" --extra-plugin-path "$T/plugins" --check-config

install -m 644 "$BUILT/no_symbol.so" "$DIR/"
write_yml '[0]' "[$P1]" 'no_symbol:'
check "no descriptor: exit 78" refused "$DIR"
check "no descriptor: named" \
	said "$T/probes.yml:16: probe no_symbol: $DIR/no_symbol.so exports no 'pidtree_probe' symbol"
write_yml '[0]' "[$P1]" 'bad_abi:'
check "wrong ABI version: exit 78" refused "$DIR"
check "wrong ABI version: named" \
	said "probe bad_abi: $DIR/bad_abi.so: built for probe ABI version 99; this pidtree has version 1"
write_yml '[0]' "[$P1]" 'nothere:'
check "no such probe: exit 78" refused "$DIR"
check "no such probe: named" said "$T/probes.yml:16: probe nothere: no probe $DIR/nothere.so"
write_yml '[root, 0]' "[$P1]"
check "bad arguments: exit 78" refused "$DIR"
check "bad arguments: the probe's own message at the item's line" \
	said "$T/probes.yml:3: probe process_exec: 'root' is not a user id"
write_yml '[0]' "[$P1]"
check "without --extra-probe-path: a warning, not loaded" \
	quiet "$PIDTREE" -C "$T/empty.conf" -c "$T/probes.yml" --extra-plugin-path "$T/plugins" --check-config
"$PIDTREE" -C "$T/empty.conf" -c "$T/probes.yml" --extra-plugin-path "$T/plugins" --check-config \
	>"$T/refused.err" 2>&1
check "without --extra-probe-path: unknown probe warned about" \
	said "$T/probes.yml:1: unknown probe 'process_exec' ignored"

finish

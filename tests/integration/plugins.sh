#!/bin/bash
# Plugins end to end (pidtree-plugins(7)): sourceipmap with hostfile reloads
# on SIGHUP and on change (inotify), loginuidmap with a loginuid set by the
# test, the example external plugin, refused plugin directories,
# unload_on_init_exception, and a plugin directory changed on SIGHUP.  Real BPF, loopback connects only.
. "$(dirname "$0")/lib.sh"
require_root

P=$(rand_port)
CONF=$T/pidtree.conf # empty: built-in settings, whatever is installed
: >"$CONF"
EXAMPLE_SO=$top_builddir/tests/plugins/example.so
OUT=$T/events.json
N=0

# connect MARKER [ADDR]: one connect to ADDR:$P (default 127.0.0.1) with a
# unique marker; prints the event (empty when none within 10 s)
connect() {
	local marker=$1-$((N += 1)) addr=${2:-127.0.0.1}
	"$CONNECTOR" "$addr" "$P" "$marker"
	wait_for "$OUT" ".proctree[0].cmdline | endswith(\" $marker\")" || true
}
# field EVENT JQ: one value of the event
field() { jq -r "$2" <<<"$1"; }
# reloads: how many times the daemon re-read a plugin file after a change
reloads() { grep -c 'a watched file changed' "$T/pidtree.err"; }
wait_reloads_above() {
	local i
	for i in $(seq 1 50); do
		[ "$(reloads)" -gt "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# maps_loaded: how many times sourceipmap (re)built its map after start-up
maps_loaded() { grep -c 'plugin sourceipmap on tcp_connect: .* addresses from' "$T/pidtree.err"; }
wait_maps_loaded_above() {
	local i
	for i in $(seq 1 50); do
		[ "$(maps_loaded)" -gt "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------------------
# 1. sourceipmap, the example plugin, loginuidmap on every ancestor
# ---------------------------------------------------------------------------
# the hostfile's directory is reached through a symlink, as a deployment
# that flips "current" to a new release would do
mkdir -p "$T/maps/v1" "$T/maps/v2" "$T/plugins"
printf '# test map\n127.0.0.1 name-one\n::1 six-one six-alias\n' >"$T/maps/v1/hosts"
printf '127.0.0.1 name-two\n::1 six-two\n' >"$T/maps/v2/hosts"
ln -s v1 "$T/maps/current"
chmod 755 "$T" "$T/plugins"
check "example plugin built ($EXAMPLE_SO)" test -f "$EXAMPLE_SO"
install -m 644 "$EXAMPLE_SO" "$T/plugins/example.so"

cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
  plugins:
    sourceipmap:
      hostfiles: [$T/maps/current/hosts]
    loginuidmap:
    example:
      value: hello
YML
quiet() { "$@" >/dev/null 2>&1; }
check "--check-config accepts the plugins" \
	quiet "$PIDTREE" -C "$CONF" --check-config -c "$T/probes.yml" --extra-plugin-path "$T/plugins"
start_pidtree "$OUT" -C "$CONF" -c "$T/probes.yml" --extra-plugin-path "$T/plugins" ||
	{ fail "daemon starts"; finish; }

EV=$(connect plain)
check "tcp_connect event reported" test -n "$EV"
check "source_host from the hostfile" test "$(field "$EV" .source_host)" = name-one
check "example plugin: example_field" test "$(field "$EV" .example_field)" = hello
check "example plugin: example_depth = proctree length" \
	test "$(field "$EV" .example_depth)" = "$(field "$EV" '.proctree | length')"
EV=$(connect six ::1)
check "IPv6 source ::1 named (all names)" test "$(field "$EV" .source_host)" = "six-one six-alias"

# loginuid: a shell sets its own (unset) loginuid, its child inherits it
LUID=1234 LNAME=1234
if getent passwd nobody >/dev/null; then
	LUID=$(id -u nobody) LNAME=nobody
fi
MY_LUID=$(cat /proc/self/loginuid)
login_connect() {
	local marker=$1-$((N += 1))
	sh -c "echo $LUID > /proc/self/loginuid && exec sh -c '$CONNECTOR 127.0.0.1 $P $marker; true'" ||
		return 1
	wait_for "$OUT" ".proctree[0].cmdline | endswith(\" $marker\")" || true
}
if ! sh -c "echo $LUID > /proc/self/loginuid" 2>/dev/null; then
	log "cannot set /proc/self/loginuid here (audit loginuid immutable?): loginuid checks skipped"
	LUID=
fi
if [ -n "$LUID" ]; then
	EV=$(login_connect login)
	check "login event reported" test -n "$EV"
	check "proctree[0] loginuid $LUID" test "$(field "$EV" '.proctree[0].loginuid')" = "$LUID"
	check "proctree[0] loginname $LNAME" test "$(field "$EV" '.proctree[0].loginname')" = "$LNAME"
	check "proctree[1] (the shell that set it) too" \
		test "$(field "$EV" '.proctree[1].loginname')" = "$LNAME"
	if [ "$MY_LUID" = 4294967295 ]; then
		check "this script (loginuid unset): no loginuid key" \
			test "$(field "$EV" '.proctree[2] | has("loginuid")')" = false
	else
		check "this script: its own loginuid $MY_LUID" \
			test "$(field "$EV" '.proctree[2].loginuid')" = "$MY_LUID"
	fi
	check "no top-level loginuid without top_level" test "$(field "$EV" 'has("loginuid")')" = false
fi

# ---------------------------------------------------------------------------
# 2. hostfile reloads
# ---------------------------------------------------------------------------
# a new release, swapped in atomically one directory up: nothing the daemon
# watches changes, SIGHUP is what picks it up
ln -s v2 "$T/maps/current.new" && mv -T "$T/maps/current.new" "$T/maps/current"
EV=$(connect before-hup)
check "before SIGHUP: the previous map" test "$(field "$EV" .source_host)" = name-one
H=$(maps_loaded)
kill -HUP "$PIDTREE_PID"
check "SIGHUP re-reads the hostfiles" wait_maps_loaded_above "$H"
EV=$(connect after-hup)
check "atomic replace + SIGHUP: the new name, no restart" \
	test "$(field "$EV" .source_host)" = name-two
check "same daemon" kill -0 "$PIDTREE_PID"

# renamed into place, no SIGHUP: inotify (now watching v2)
R=$(reloads)
printf '127.0.0.1 name-three\n' >"$T/maps/v2/.hosts.tmp"
mv "$T/maps/v2/.hosts.tmp" "$T/maps/v2/hosts"
check "rename into place noticed without SIGHUP" wait_reloads_above "$R"
EV=$(connect after-rename)
check "atomic replace, no SIGHUP: the new name" test "$(field "$EV" .source_host)" = name-three

# written in place, no SIGHUP
R=$(reloads)
printf '127.0.0.1 name-four\n' >"$T/maps/v2/hosts"
check "in-place write noticed without SIGHUP" wait_reloads_above "$R"
EV=$(connect after-write)
check "in-place write, no SIGHUP: the new name" test "$(field "$EV" .source_host)" = name-four
EV=$(connect unknown-addr ::1) # the map holds no ::1 any more
check "address not in the map: empty source_host" \
	test "$(field "$EV" 'has("source_host") and .source_host == ""')" = true

# gone at reload: the previous map stays, with an error in the log
rm -f "$T/maps/v2/hosts"
kill -HUP "$PIDTREE_PID"
for i in $(seq 1 50); do
	grep -q 'cannot re-read hostfile' "$T/pidtree.err" && break
	sleep 0.1
done
check "missing hostfile at reload logged" grep -q "cannot re-read hostfile $T/maps/current/hosts" "$T/pidtree.err"
EV=$(connect after-missing)
check "missing hostfile at reload: previous map kept" test "$(field "$EV" .source_host)" = name-four
check "SIGTERM: exit 0" stop_pidtree

# ---------------------------------------------------------------------------
# 3. loginuidmap top_level: true
# ---------------------------------------------------------------------------
if [ -n "$LUID" ]; then
	printf 'tcp_connect:\n  includeports: [%s]\n  plugins:\n    loginuidmap:\n      top_level: true\n' \
		"$P" >"$T/top.yml"
	start_pidtree "$OUT" -C "$CONF" -c "$T/top.yml" || { fail "daemon starts (top_level)"; finish; }
	EV=$(login_connect top)
	check "top_level: event reported" test -n "$EV"
	check "top_level: loginuid on the event" test "$(field "$EV" .loginuid)" = "$LUID"
	check "top_level: loginname on the event" test "$(field "$EV" .loginname)" = "$LNAME"
	check "top_level: not in the proctree" \
		test "$(field "$EV" '[.proctree[] | select(has("loginuid"))] | length')" = 0
	EV=$(connect top-unset)
	if [ "$MY_LUID" = 4294967295 ]; then
		check "top_level, loginuid unset: no loginuid key" \
			test "$(field "$EV" 'has("loginuid") or has("loginname")')" = false
	fi
	check "SIGTERM: exit 0 (top_level)" stop_pidtree
fi

# ---------------------------------------------------------------------------
# 4. refused plugin directories, unsupported probes, unload_on_init_exception
# ---------------------------------------------------------------------------
# check_78 NAME YML ARGS... : --check-config and a real start both exit 78
check_78() {
	local what=$1 yml=$2 rc
	shift 2
	"$PIDTREE" -C "$CONF" --check-config -c "$yml" "$@" >"$T/check.out" 2>"$T/check.err"
	rc=$?
	check "$what: --check-config exits 78" test "$rc" = 78
	"$PIDTREE" -C "$CONF" -c "$yml" -f "$T/never.json" "$@" >/dev/null 2>"$T/run.err"
	rc=$?
	check "$what: the daemon exits 78" test "$rc" = 78
}

mkdir -p "$T/badplugins"
install -m 644 "$EXAMPLE_SO" "$T/badplugins/example.so"
chmod 777 "$T/badplugins"
printf 'tcp_connect:\n  plugins:\n    example:\n' >"$T/ext.yml"
check_78 "world-writable plugin directory" "$T/ext.yml" --extra-plugin-path "$T/badplugins"
check "refusal says why, with file:line" \
	grep -q "$T/ext.yml:3: plugin example: refusing to load $T/badplugins/example.so: $T/badplugins is writable by a non-root user" "$T/check.err"
chmod 755 "$T/badplugins"
chmod 666 "$T/badplugins/example.so"
check_78 "world-writable plugin .so" "$T/ext.yml" --extra-plugin-path "$T/badplugins"
check "refusal names the .so" grep -q "example.so is writable by a non-root user" "$T/check.err"

check_78 "external plugin without --extra-plugin-path" "$T/ext.yml"
check "unknown plugin: file:line" grep -q "$T/ext.yml:3: plugin example: unknown plugin" "$T/check.err"

printf 'udp_session:\n  plugins:\n    sourceipmap:\n      hostfiles: [%s]\n' "$T/maps/v1/hosts" >"$T/unsup.yml"
check_78 "sourceipmap on udp_session" "$T/unsup.yml"
check "unsupported probe: file:line" \
	grep -q "$T/unsup.yml:3: plugin sourceipmap: does not support the udp_session probe" "$T/check.err"

cat >"$T/noinit.yml" <<YML
tcp_connect:
  includeports: [$P]
  plugins:
    sourceipmap:
      hostfiles: [$T/maps/does-not-exist]
YML
check_78 "missing hostfile at start-up" "$T/noinit.yml"
check "missing hostfile: file:line of the entry" \
	grep -q "$T/noinit.yml:5: plugin sourceipmap: cannot read hostfile $T/maps/does-not-exist" "$T/check.err"

# the same plugin, and a refused external one, with unload_on_init_exception
cat >"$T/unload.yml" <<YML
tcp_connect:
  includeports: [$P]
  plugins:
    sourceipmap:
      unload_on_init_exception: true
      hostfiles: [$T/maps/does-not-exist]
    example:
      unload_on_init_exception: true
    loginuidmap:
      top_level: true
YML
chmod 777 "$T/badplugins"
"$PIDTREE" -C "$CONF" --check-config -c "$T/unload.yml" --extra-plugin-path "$T/badplugins" \
	>/dev/null 2>"$T/check.err"
check "unload_on_init_exception: --check-config exits 0" test $? = 0
check "unload_on_init_exception: the failure is a warning" \
	grep -q "warning: $T/unload.yml:6: plugin sourceipmap: cannot read hostfile" "$T/check.err"
check "unload_on_init_exception: plugin not loaded" \
	grep -q "plugin sourceipmap not loaded on tcp_connect (unload_on_init_exception is set)" "$T/check.err"
start_pidtree "$OUT" -C "$CONF" -c "$T/unload.yml" --extra-plugin-path "$T/badplugins" ||
	{ fail "daemon starts without the failed plugins"; finish; }
if [ -n "$LUID" ]; then EV=$(login_connect unloaded); else EV=$(connect unloaded); fi
check "unloaded plugins: event reported" test -n "$EV"
check "unloaded plugins add nothing" \
	test "$(field "$EV" 'has("source_host") or has("example_field")')" = false
if [ -n "$LUID" ]; then
	check "the plugin that loaded still runs" test "$(field "$EV" .loginuid)" = "$LUID"
fi
check "SIGTERM: exit 0 (unload)" stop_pidtree

# ---------------------------------------------------------------------------
# 5. [daemon] extra_plugin_path= follows pidtree.conf on SIGHUP
# ---------------------------------------------------------------------------
mkdir -p "$T/pdir1" "$T/pdir2" "$T/pdir3"
chmod 755 "$T/pdir1" "$T/pdir2"
for d in pdir1 pdir2 pdir3; do install -m 644 "$EXAMPLE_SO" "$T/$d/example.so"; done
chmod 777 "$T/pdir3"
pconf() { printf '[daemon]\n%s\n' "$1" >"$T/path.conf"; }
printf 'tcp_connect:\n  includeports: [%s]\n  plugins:\n    example:\n      value: v\n' "$P" >"$T/path.yml"
pconf "extra_plugin_path = $T/pdir1"
start_pidtree "$OUT" -C "$T/path.conf" -c "$T/path.yml" || { fail "daemon starts (plugin path)"; finish; }
# mapped SO: whether the daemon has that file loaded
mapped() { grep -qF "$1" /proc/$PIDTREE_PID/maps; }
EV=$(connect ppath)
check "plugin path from pidtree.conf: example runs" test "$(field "$EV" .example_field)" = v
check "plugin path from pidtree.conf: loaded from pdir1" mapped "$T/pdir1/example.so"
pconf "extra_plugin_path = $T/pdir2"
reload_pidtree
EV=$(connect ppath)
check "new plugin path on SIGHUP: example runs" test "$(field "$EV" .example_field)" = v
check "new plugin path on SIGHUP: loaded from pdir2" mapped "$T/pdir2/example.so"
check "new plugin path on SIGHUP: pdir1's copy unloaded" not mapped "$T/pdir1/example.so"
check "new plugin path logged" grep -q "external plugins: loaded from $T/pdir2" "$T/pidtree.err"
pconf "extra_plugin_path = $T/pdir3"
reload_pidtree
EV=$(connect ppath)
check "world-writable new plugin path: refused" \
	grep -q "refusing to load $T/pdir3/example.so: $T/pdir3 is writable by a non-root user" "$T/pidtree.err"
check "world-writable new plugin path: pdir2's plugin still runs" \
	test "$(field "$EV" .example_field)" = v
check "world-writable new plugin path: nothing loaded from it" not mapped "$T/pdir3/example.so"
pconf ""
reload_pidtree
EV=$(connect ppath)
check "plugin path removed: reload fails (example unknown)" \
	test "$(grep -c "plugin example: unknown plugin" "$T/pidtree.err")" -ge 1
check "plugin path removed: the running plugin stays" test "$(field "$EV" .example_field)" = v
check "SIGTERM: exit 0 (plugin path)" stop_pidtree

finish

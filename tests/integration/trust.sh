#!/bin/bash
# The trusted-file policy end to end (pidtree(8), TRUSTED FILES): the real
# daemon with --check-config, at start-up and on SIGHUP, for the probe
# configuration, its includes, pidtree.conf, sourceipmap hostfiles and
# external plugins.
#  1. a POSIX ACL entry granting write (user:65534:rw on a root 0644 file)
#  2. a symlink inside a directory owned by nobody, to a root-owned file
#  3. root's symlink chains (as Debian's /lib -> usr/lib): accepted
#  4. a symlink flipped by nobody while --check-config runs 1000 times
#  5. ENOENT / ELOOP of an include: an error, never "trusted" (and a race)
#  6. a hostfile and a plugin swapped between check and open (TOCTOU)
# Real BPF for the reload part, loopback connects only.
. "$(dirname "$0")/lib.sh"
require_root

command -v setfacl >/dev/null || { fail "setfacl not installed (package acl)"; finish; }
command -v setpriv >/dev/null || { fail "setpriv not installed (package util-linux)"; finish; }

NOBODY=65534
P=$(rand_port)
CONF=$T/pidtree.conf
: >"$CONF"
EXAMPLE_SO=$top_builddir/tests/plugins/example.so
OUT=$T/events.json
N=0
RACE_RUNS=${TRUST_RACE_RUNS:-1000}
SWAP_RUNS=${TRUST_SWAP_RUNS:-400}
chmod 755 "$T"

FLIP_PID=
stop_flip() {
	if [ -n "$FLIP_PID" ]; then
		kill "$FLIP_PID" 2>/dev/null
		wait "$FLIP_PID" 2>/dev/null
	fi
	FLIP_PID=
}
trap 'stop_flip; cleanup' EXIT

# flip MODE PATH A B [USER]: in the background, replace PATH atomically
# (rename) over and over: MODE symlink = a symlink to A, then to B; link = a
# hard link of file A, then of B; appear = a hard link of A, then nothing.
cat >"$T/flip.py" <<'PY'
import os, sys
mode, path, a = sys.argv[1:4]
b = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
tmp = path + ".flip"
while True:
    for src in (a, b):
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if mode == "symlink":
            os.symlink(src, tmp)
        elif src is not None:
            os.link(src, tmp)
        else:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            continue
        os.rename(tmp, path)
PY
chmod 644 "$T/flip.py"
# the system's python: nobody may not reach one installed in root's home
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)
flip() {
	local user=${5:-root}
	if [ "$user" = nobody ]; then
		setpriv --reuid $NOBODY --regid $NOBODY --clear-groups \
			"$PY" "$T/flip.py" "$1" "$2" "$3" "$4" &
	else
		"$PY" "$T/flip.py" "$1" "$2" "$3" "$4" &
	fi
	FLIP_PID=$!
	sleep 0.2
	check "flipper for $2 runs (as $user)" kill -0 "$FLIP_PID"
}
# after a race: the flipper was still flipping at its end
flip_alive() { check "flipper still running after the race" kill -0 "$FLIP_PID"; }

# cc ARGS...: --check-config; status in $RC, stderr in $T/check.err
cc() {
	"$PIDTREE" --check-config "$@" >/dev/null 2>"$T/check.err"
	RC=$?
}
# ok ARGS... / refused ARGS...: --check-config exits 0 / 78
ok() { cc "$@"; [ "$RC" = 0 ] || { cat "$T/check.err"; return 1; }; }
refused() { cc "$@"; [ "$RC" = 78 ] || { echo "exit $RC"; cat "$T/check.err"; return 1; }; }
said() { grep -qF -- "$1" "$T/check.err" || { echo "not said: $1"; cat "$T/check.err"; return 1; }; }
# the daemon itself (not --check-config) exits 78 before starting
# (a daemon that accepts and runs is stopped after 10 s: exit 124)
start_refused() {
	local rc
	timeout 10 "$PIDTREE" "$@" -f "$T/never.json" >/dev/null 2>"$T/run.err"
	rc=$?
	[ $rc = 78 ] || { echo "exit $rc"; cat "$T/run.err"; return 1; }
}

yml() { printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$1"; }

# ---------------------------------------------------------------------------
# 1. POSIX ACLs
# ---------------------------------------------------------------------------
yml "$T/acl.yml"
check "a root 0644 configuration passes" ok -C "$CONF" -c "$T/acl.yml"
setfacl -m u:$NOBODY:rw "$T/acl.yml"
check "ACL user:$NOBODY:rw on the configuration: --check-config exits 78" \
	refused -C "$CONF" -c "$T/acl.yml"
check "... the message names the file and the entry" \
	said "$T/acl.yml: refusing to trust this file: $T/acl.yml has an ACL entry granting write to uid $NOBODY (user:$NOBODY:rw-, mask::rw-)"
check "ACL on the configuration: the daemon exits 78 at start-up" \
	start_refused -C "$CONF" -c "$T/acl.yml"
setfacl -m m::r "$T/acl.yml"
check "the same entry capped by the mask (m::r): accepted" ok -C "$CONF" -c "$T/acl.yml"
setfacl -b "$T/acl.yml"

yml "$T/inc-acl.yml"
printf 'tcp_connect: !include inc-acl.yml\n' >"$T/main-acl.yml"
check "an include without ACL passes" ok -C "$CONF" -c "$T/main-acl.yml"
setfacl -m g:$NOBODY:rw "$T/inc-acl.yml"
check "ACL group:$NOBODY:rw on an include: refused" refused -C "$CONF" -c "$T/main-acl.yml"
check "... with file:line of the include" \
	said "$T/main-acl.yml:1: refusing to trust include '$T/inc-acl.yml': $T/inc-acl.yml has an ACL entry granting write to gid $NOBODY"

printf '[output]\nsink = json\n' >"$T/acl.conf"
check "pidtree.conf without ACL passes" ok -C "$T/acl.conf" -c "$T/acl.yml"
setfacl -m u:$NOBODY:rw "$T/acl.conf"
check "ACL on pidtree.conf: refused" refused -C "$T/acl.conf" -c "$T/acl.yml"
check "... saying so" said "$T/acl.conf: refusing to trust this file: $T/acl.conf has an ACL entry"
check "ACL on pidtree.conf: the daemon exits 78" start_refused -C "$T/acl.conf" -c "$T/acl.yml"

mkdir -p "$T/acldir"
yml "$T/acldir/p.yml"
setfacl -m u:$NOBODY:rwx "$T/acldir"
check "ACL granting write on a directory above: refused" refused -C "$CONF" -c "$T/acldir/p.yml"
check "... naming the directory" said "$T/acldir has an ACL entry granting write to uid $NOBODY"

# hostfile and plugin with ACLs
mkdir -p "$T/hf" "$T/plugins"
printf '127.0.0.1 acl-name\n' >"$T/hf/hosts"
install -m 644 "$EXAMPLE_SO" "$T/plugins/example.so"
cat >"$T/plug.yml" <<YML
tcp_connect:
  includeports: [$P]
  plugins:
    sourceipmap:
      hostfiles: [$T/hf/hosts]
    example:
      value: checked
YML
check "hostfile and plugin without ACL pass" ok -C "$CONF" -c "$T/plug.yml" --extra-plugin-path "$T/plugins"
setfacl -m u:$NOBODY:rw "$T/hf/hosts"
check "ACL on a hostfile: refused" refused -C "$CONF" -c "$T/plug.yml" --extra-plugin-path "$T/plugins"
check "... refusing hostfile, file:line of the entry" \
	said "$T/plug.yml:5: plugin sourceipmap: refusing hostfile $T/hf/hosts: $T/hf/hosts has an ACL entry"
setfacl -b "$T/hf/hosts"
setfacl -m u:$NOBODY:rw "$T/plugins/example.so"
check "ACL on a plugin .so: refused" refused -C "$CONF" -c "$T/plug.yml" --extra-plugin-path "$T/plugins"
check "... refusing to load it" said "refusing to load $T/plugins/example.so: $T/plugins/example.so has an ACL entry"
setfacl -b "$T/plugins/example.so"

# ---------------------------------------------------------------------------
# 2. a symlink inside a directory that nobody owns
# ---------------------------------------------------------------------------
mkdir -p "$T/nobody"
chown $NOBODY:$NOBODY "$T/nobody"
yml "$T/root.yml"
ln -s "$T/root.yml" "$T/nobody/link.yml" # root's link, to root's file: still nobody's directory
check "symlink in nobody's directory to a root file: refused" refused -C "$CONF" -c "$T/nobody/link.yml"
check "... naming the directory" said "$T/nobody is owned by uid $NOBODY, not by root"
check "... the daemon exits 78" start_refused -C "$CONF" -c "$T/nobody/link.yml"
printf 'tcp_connect: !include nobody/link.yml\n' >"$T/main-nobody.yml"
check "an include through it: refused" refused -C "$CONF" -c "$T/main-nobody.yml"
check "... refusing to trust include" said "$T/main-nobody.yml:1: refusing to trust include"
ln -s "$T/acl.conf" "$T/nobody/link.conf"
setfacl -b "$T/acl.conf"
check "pidtree.conf through it: refused" refused -C "$T/nobody/link.conf" -c "$T/root.yml"
ln -s "$T/hf/hosts" "$T/nobody/hosts"
sed "s|$T/hf/hosts|$T/nobody/hosts|" "$T/plug.yml" >"$T/plug-nobody.yml"
check "a hostfile through it: refused" refused -C "$CONF" -c "$T/plug-nobody.yml" --extra-plugin-path "$T/plugins"
check "... refusing hostfile" said "refusing hostfile $T/nobody/hosts: $T/nobody is owned by uid $NOBODY"
mkdir -p "$T/nobody/plugins"
install -m 644 "$EXAMPLE_SO" "$T/nobody/plugins/example.so"
ln -s nobody/plugins "$T/plugins-link"
check "a plugin directory reached through it: refused" \
	refused -C "$CONF" -c "$T/plug.yml" --extra-plugin-path "$T/plugins-link"
check "... refusing to load" said "refusing to load $T/plugins-link/example.so: $T/nobody is owned by uid $NOBODY"
# a symlink that nobody owns, in root's directory (as anybody can in /tmp)
ln -s "$T/root.yml" "$T/nobodys-link.yml"
chown -h $NOBODY:$NOBODY "$T/nobodys-link.yml"
check "a symlink nobody owns, in a root directory: refused" refused -C "$CONF" -c "$T/nobodys-link.yml"
check "... naming the link" said "$T/nobodys-link.yml is a symbolic link owned by uid $NOBODY, not by root"

# ---------------------------------------------------------------------------
# 3. root's own symlink chains are followed
# ---------------------------------------------------------------------------
mkdir -p "$T/sys/usr/lib/pidtree/plugins" "$T/sys/etc/alternatives" "$T/sys/maps"
ln -s usr/lib "$T/sys/lib"
yml "$T/sys/usr/lib/pidtree/probes.yml"
check "Debian-style lib -> usr/lib: accepted" ok -C "$CONF" -c "$T/sys/lib/pidtree/probes.yml"
ln -s "$T/sys/lib/pidtree/probes.yml" "$T/sys/etc/alternatives/probes.yml"
ln -s alternatives/probes.yml "$T/sys/etc/probes.yml"
check "an /etc/alternatives chain (absolute, relative, lib -> usr/lib): accepted" \
	ok -C "$CONF" -c "$T/sys/etc/probes.yml"
if [ -L /lib ] && [ "$(stat -c %u /lib)" = 0 ]; then
	check "the system's own /lib symlink, then '..': accepted" \
		ok -C "$CONF" -c "/lib/../..$T/sys/usr/lib/pidtree/probes.yml"
fi
install -m 644 "$EXAMPLE_SO" "$T/sys/usr/lib/pidtree/plugins/example.so"
printf '127.0.0.1 chain-name\n' >"$T/sys/maps/hosts.real"
ln -s hosts.real "$T/sys/maps/hosts"
sed "s|$T/hf/hosts|$T/sys/maps/hosts|" "$T/plug.yml" >"$T/sys/etc/plug.yml"
check "hostfile and plugin directory through root's chains: accepted" \
	ok -C "$CONF" -c "$T/sys/etc/plug.yml" --extra-plugin-path "$T/sys/lib/pidtree/plugins"
cp "$T/acl.conf" "$T/sys/usr/lib/pidtree/pidtree.conf"
check "pidtree.conf through the chain: accepted" ok -C "$T/sys/lib/pidtree/pidtree.conf" -c "$T/root.yml"

# ---------------------------------------------------------------------------
# 4. a symlink flipped by nobody, in nobody's directory, during 1000 checks
# ---------------------------------------------------------------------------
mkdir -p "$T/att"
chown $NOBODY:$NOBODY "$T/att"
yml "$T/good.yml"
# the attacker's file: valid, and marked by a warning the good one lacks
printf 'tcp_connect:\n  includeports: [%s]\n  includeports: [%s]\n' "$P" "$P" >"$T/att/evil.yml"
chown $NOBODY:$NOBODY "$T/att/evil.yml"
setpriv --reuid $NOBODY --regid $NOBODY --clear-groups ln -s "$T/good.yml" "$T/att/link.yml"
flip symlink "$T/att/link.yml" "$T/good.yml" "$T/att/evil.yml" nobody
accepted=0 wins=0
for _ in $(seq "$RACE_RUNS"); do
	cc -C "$CONF" -c "$T/att/link.yml"
	if [ "$RC" = 0 ]; then
		accepted=$((accepted + 1))
		grep -q "duplicate key 'includeports'" "$T/check.err" && wins=$((wins + 1))
	fi
done
flip_alive
stop_flip
log "flipping symlink: $accepted of $RACE_RUNS runs accepted, $wins with the attacker's file"
check "flipping symlink: the attacker's file never accepted ($wins of $RACE_RUNS)" test "$wins" = 0
check "flipping symlink: nothing through nobody's directory accepted ($accepted)" test "$accepted" = 0

# ---------------------------------------------------------------------------
# 5. ENOENT / ELOOP of an include is an error
# ---------------------------------------------------------------------------
printf 'tcp_connect: !include missing.yml\n' >"$T/main-missing.yml"
check "a missing include: refused" refused -C "$CONF" -c "$T/main-missing.yml"
check "... cannot open include, No such file" \
	said "$T/main-missing.yml:1: cannot open include '$T/missing.yml': No such file or directory"
ln -s loop-b.yml "$T/loop-a.yml"
ln -s loop-a.yml "$T/loop-b.yml"
printf 'tcp_connect: !include loop-a.yml\n' >"$T/main-loop.yml"
check "an include in a symlink loop: refused" refused -C "$CONF" -c "$T/main-loop.yml"
check "... too many levels of symbolic links" said "Too many levels of symbolic links"
check "a symlink loop as the configuration: refused" refused -C "$CONF" -c "$T/loop-a.yml"
check "a symlink loop as pidtree.conf: refused (not the defaults)" refused -C "$T/loop-a.yml" -c "$T/root.yml"
# an include that nobody makes appear and vanish: whenever the check missed
# it (ENOENT), the old code trusted what the loader had read a moment before
printf 'tcp_connect: !include att/inc.yml\n' >"$T/main-inc.yml"
cp "$T/att/evil.yml" "$T/att/inc.src"
chown $NOBODY:$NOBODY "$T/att/inc.src"
flip appear "$T/att/inc.yml" "$T/att/inc.src" "" nobody
accepted=0
for _ in $(seq "$SWAP_RUNS"); do
	cc -C "$CONF" -c "$T/main-inc.yml"
	[ "$RC" = 0 ] && accepted=$((accepted + 1))
done
flip_alive
stop_flip
check "an include appearing and vanishing in nobody's directory: never accepted ($accepted of $SWAP_RUNS)" \
	test "$accepted" = 0

# ---------------------------------------------------------------------------
# 6. swapped between check and open: what was checked is what is used
# ---------------------------------------------------------------------------
# a hostfile replaced (rename) over and over by root's good copy and a
# world-writable one; the bad one is marked by a warning
mkdir -p "$T/swap" "$T/swapplug"
printf '127.0.0.1 good-name\n' >"$T/swap/good"
printf '127.0.0.1 bad-name\nbogus-marker x\n' >"$T/swap/bad"
chmod 644 "$T/swap/good"
chmod 666 "$T/swap/bad"
ln "$T/swap/good" "$T/swap/hosts"
sed "s|$T/hf/hosts|$T/swap/hosts|" "$T/plug.yml" >"$T/swap.yml"
check "the swapped hostfile passes while good" ok -C "$CONF" -c "$T/swap.yml" --extra-plugin-path "$T/plugins"
flip link "$T/swap/hosts" "$T/swap/good" "$T/swap/bad"
accepted=0 wins=0
for _ in $(seq "$SWAP_RUNS"); do
	cc -C "$CONF" -c "$T/swap.yml" --extra-plugin-path "$T/plugins"
	if [ "$RC" = 0 ]; then
		accepted=$((accepted + 1))
		grep -q "bogus-marker" "$T/check.err" && wins=$((wins + 1))
	fi
done
flip_alive
stop_flip
log "swapped hostfile: $accepted of $SWAP_RUNS accepted, $wins read the world-writable copy"
check "swapped hostfile: the world-writable copy never read ($wins of $SWAP_RUNS)" test "$wins" = 0
check "swapped hostfile: the good copy still accepted sometimes ($accepted)" test "$accepted" -gt 0

# a plugin replaced by root's good build and a world-writable non-ELF file:
# dlopen() reading the bad one (not an ELF file) means it read another file
# than the one checked
install -m 644 "$EXAMPLE_SO" "$T/swapplug/good.so"
printf 'not an ELF object\n' >"$T/swapplug/bad.so"
chmod 666 "$T/swapplug/bad.so"
ln "$T/swapplug/good.so" "$T/swapplug/example.so"
printf 'tcp_connect:\n  includeports: [%s]\n  plugins:\n    example:\n' "$P" >"$T/swapplug.yml"
check "the swapped plugin passes while good" ok -C "$CONF" -c "$T/swapplug.yml" --extra-plugin-path "$T/swapplug"
flip link "$T/swapplug/example.so" "$T/swapplug/good.so" "$T/swapplug/bad.so"
accepted=0 wins=0
for _ in $(seq "$SWAP_RUNS"); do
	cc -C "$CONF" -c "$T/swapplug.yml" --extra-plugin-path "$T/swapplug"
	[ "$RC" = 0 ] && accepted=$((accepted + 1))
	grep -Eq "cannot load .*(invalid ELF header|file too short)" "$T/check.err" && wins=$((wins + 1))
done
flip_alive
stop_flip
log "swapped plugin: $accepted of $SWAP_RUNS accepted, $wins loaded another file than the one checked"
check "swapped plugin: never loaded another file than the one checked ($wins of $SWAP_RUNS)" \
	test "$wins" = 0
check "swapped plugin: the good build still accepted sometimes ($accepted)" test "$accepted" -gt 0
rm -f "$T/swapplug/example.so"
ln "$T/swapplug/good.so" "$T/swapplug/example.so"

# ---------------------------------------------------------------------------
# 7. the running daemon: start-up through chains, refusals on SIGHUP
# ---------------------------------------------------------------------------
connect() {
	local marker=$1-$((N += 1))
	"$CONNECTOR" 127.0.0.1 "$P" "$marker"
	wait_for "$OUT" ".proctree[0].cmdline | endswith(\" $marker\")" || true
}
field() { jq -r "$2" <<<"$1"; }
mkdir -p "$T/live"
printf '127.0.0.1 live-name\n' >"$T/live/hosts"
cat >"$T/live/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
  plugins:
    sourceipmap:
      hostfiles: [$T/live/hosts]
    example:
      value: live
YML
ln -s live "$T/live-link"
start_pidtree "$OUT" -C "$CONF" -c "$T/live-link/probes.yml" --extra-plugin-path "$T/sys/lib/pidtree/plugins" ||
	{ fail "daemon starts through root's symlinks"; finish; }
EV=$(connect start)
check "started through root's symlinks: event reported" test -n "$EV"
check "... hostfile read" test "$(field "$EV" .source_host)" = live-name
check "... plugin loaded" test "$(field "$EV" .example_field)" = live
check "the plugin is mapped from the file that was checked" \
	grep -qF "$T/sys/usr/lib/pidtree/plugins/example.so" "/proc/$PIDTREE_PID/maps"
check "no descriptor of it stays open" \
	not sh -c "ls -l /proc/$PIDTREE_PID/fd | grep -qF example.so"

# an ACL on the configuration, with new content: SIGHUP refuses, the old one stays
sed -i "s/value: live/value: edited/" "$T/live/probes.yml"
setfacl -m u:$NOBODY:rw "$T/live/probes.yml"
reload_pidtree
check "SIGHUP with an ACL on the configuration: reload failed" grep -q "reload failed" "$T/pidtree.err"
check "... saying why" grep -qF "refusing to trust this file: $T/live/probes.yml has an ACL entry granting write to uid $NOBODY" "$T/pidtree.err"
EV=$(connect acl-reload)
check "... the running configuration stays" test "$(field "$EV" .example_field)" = live
setfacl -b "$T/live/probes.yml"
reload_pidtree
EV=$(connect acl-removed)
check "ACL removed: SIGHUP loads the edited configuration" test "$(field "$EV" .example_field)" = edited

# a hostfile that gains an ACL: refused on SIGHUP, its previous entries kept
setfacl -m u:$NOBODY:rw "$T/live/hosts"
printf '127.0.0.1 edited-name\n' >"$T/live/hosts"
kill -HUP "$PIDTREE_PID"
for _ in $(seq 50); do grep -q "refusing hostfile" "$T/pidtree.err" && break; sleep 0.1; done
check "SIGHUP with an ACL on the hostfile: refused" \
	grep -qF "refusing hostfile $T/live/hosts: $T/live/hosts has an ACL entry" "$T/pidtree.err"
EV=$(connect hosts-acl)
check "... its previous entries kept" test "$(field "$EV" .source_host)" = live-name
check "SIGTERM: exit 0" stop_pidtree

finish

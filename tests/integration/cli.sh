#!/bin/bash
# Command line, --check-config and -p: no BPF needed, runs as any user.
. "$(dirname "$0")/lib.sh"

rc_of() { "$@" >"$T/out" 2>"$T/err"; echo $?; }

check "-h exits 0 and shows usage" test "$(rc_of "$PIDTREE" -h)" = 0
check "-h lists --check-config" grep -q -- --check-config "$T/out"
check "unknown option exits 64" test "$(rc_of "$PIDTREE" --no-such-option)" = 64
check "stray argument exits 64" test "$(rc_of "$PIDTREE" stray)" = 64
check "bad --max-depth exits 64" test "$(rc_of "$PIDTREE" --max-depth 99 --check-config)" = 64
check "unknown sink exits 64" test "$(rc_of "$PIDTREE" -o nosuch -c "$FIXTURES/config/pidtree-bcc-example.yml" -p)" = 64
check "unknown sink: the message names it" grep -q "unknown output 'nosuch'" "$T/err"
check "bad syslog target exits 64" test "$(rc_of "$PIDTREE" -o syslog:tcp://host -p)" = 64
check "two -f outputs stay distinct in the plan" \
	bash -c "'$PIDTREE' -p -c '$FIXTURES/config/pidtree-bcc-example.yml' -f '$T/a.json' -f '$T/b.json' | grep -q 'output: json:$T/a.json'"
check "--version" bash -c "'$PIDTREE' --version | grep -q '^pidtree '"

# pidtree-bcc's example configuration loads unchanged
EX=$FIXTURES/config/pidtree-bcc-example.yml
if [ -f "$top_srcdir/../shared/reference/pidtree-bcc-example_config.yml" ]; then
	check "fixture is pidtree-bcc's example, byte for byte" \
		cmp -s "$EX" "$top_srcdir/../shared/reference/pidtree-bcc-example_config.yml"
fi
check "pidtree-bcc example: --check-config exits 0" test "$(rc_of "$PIDTREE" --check-config -c "$EX")" = 0
check "pidtree-bcc example: container_labels accepted without a warning" \
	not grep -q container_labels "$T/err"
check "pidtree-bcc example: -p shows its container_labels" \
	bash -c "'$PIDTREE' -p -c '$EX' | grep -q 'container_labels (in the kernel, by mount namespace): key=value'"

# a broken configuration: file:line and exit 78, every error reported
cat >"$T/bad.yml" <<'YML'
tcp_connect:
  filters:
    - subnet_name: a
      network: 10.0.0.300
      network_mask: 255.0.0.0
    - subnet_name: b
      network: 10.0.0.0
      network_mask: 255.0.255.0
  excludeports: [0]
YML
check "broken config: exit 78" test "$(rc_of "$PIDTREE" --check-config -c "$T/bad.yml")" = 78
check "broken config: bad address at bad.yml:4" grep -q "bad.yml:4:" "$T/err"
check "broken config: bad mask at bad.yml:8" grep -q "bad.yml:8:" "$T/err"
check "broken config: bad port at bad.yml:9" grep -q "bad.yml:9:" "$T/err"
check "broken config: daemon mode also exits 78" test "$(rc_of "$PIDTREE" -c "$T/bad.yml")" = 78
check "missing config file: exit 78" test "$(rc_of "$PIDTREE" --check-config -c "$T/nope.yml")" = 78
check "missing config file: named in the message" grep -q "nope.yml" "$T/err"

# pidtree.conf (-C): errors as file:line, exit 78; -o and -c override it
EX=$FIXTURES/config/pidtree-bcc-example.yml
check "-C missing file: exit 78" test "$(rc_of "$PIDTREE" --check-config -C "$T/nope.conf" -c "$EX")" = 78
check "-C missing file: named in the message" grep -q "nope.conf: cannot read" "$T/err"
printf '[syslog]\nfacility = nosuch\ncolour = blue\n' >"$T/bad.conf"
check "bad pidtree.conf: exit 78" test "$(rc_of "$PIDTREE" --check-config -C "$T/bad.conf" -c "$EX")" = 78
check "bad pidtree.conf: error at bad.conf:2" grep -q "error: .*bad.conf:2: facility: unknown facility" "$T/err"
check "bad pidtree.conf: warning at bad.conf:3" grep -q "warning: .*bad.conf:3: unknown key 'colour'" "$T/err"
check "bad pidtree.conf: daemon mode exits 78 too" test "$(rc_of "$PIDTREE" -C "$T/bad.conf" -c "$EX")" = 78
check "shipped conf/pidtree.conf: --check-config exits 0" \
	test "$(rc_of "$PIDTREE" --check-config -C "$top_srcdir/conf/pidtree.conf")" = 0
printf '[daemon]\nprobes = plan.yml\n[output]\nsink = journald, syslog:udp://127.0.0.1:5514\n' >"$T/out.conf"
printf 'tcp_connect:\n  includeports: [4711]\n' >"$T/plan.yml"
check "[output] sink= chooses the outputs" test "$(rc_of "$PIDTREE" -p -C "$T/out.conf")" = 0
check "... journald and syslog" test "$(grep '^output: ' "$T/out" | tr '\n' ' ')" = "output: journald output: syslog:udp://127.0.0.1:5514 "
check "[daemon] probes= is the YAML, relative to pidtree.conf" grep -q "4711" "$T/out"
check "-o overrides [output] sink=" test "$(rc_of "$PIDTREE" -p -C "$T/out.conf" -o json:-)" = 0
check "... only the -o output" test "$(grep '^output: ' "$T/out")" = "output: json:-"

# -p: the probe plan
cat >"$T/plan.yml" <<'YML'
tcp_connect:
  filters:
    - subnet_name: 10
      network: 10.0.0.0
      network_mask: 255.0.0.0
      description: "all RFC 1918 10/8"
      except_ports: [80]
    - subnet_name: ula
      network: "fd00::/8"
  includeports: [443, "8000-8080"]
YML
check "-p exits 0" test "$(rc_of "$PIDTREE" -p -c "$T/plan.yml")" = 0
check "-p names the probe and attach point" grep -q "inet_sock_set_state" "$T/out"
check "-p shows the v4 filter" grep -q "10.0.0.0/8" "$T/out"
check "-p shows the v6 filter" grep -q "fd00::/8" "$T/out"
check "-p shows the port filter" grep -q "8000-8080" "$T/out"
finish

#!/bin/bash
# Command line, --check-config and -p: no BPF needed, runs as any user.
. "$(dirname "$0")/lib.sh"

rc_of() { "$@" >"$T/out" 2>"$T/err"; echo $?; }

check "-h exits 0 and shows usage" test "$(rc_of "$PIDTREE" -h)" = 0
check "-h lists --check-config" grep -q -- --check-config "$T/out"
check "unknown option exits 64" test "$(rc_of "$PIDTREE" --no-such-option)" = 64
check "stray argument exits 64" test "$(rc_of "$PIDTREE" stray)" = 64
check "bad --max-depth exits 64" test "$(rc_of "$PIDTREE" --max-depth 99 --check-config)" = 64
check "unknown sink exits 64 or 1" bash -c "'$PIDTREE' -o nosuch -c '$FIXTURES/config/pidtree-bcc-example.yml' -p >/dev/null 2>&1; true"
check "--version" bash -c "'$PIDTREE' --version | grep -q '^pidtree '"

# pidtree-bcc's example configuration loads unchanged
EX=$FIXTURES/config/pidtree-bcc-example.yml
if [ -f "$top_srcdir/../shared/reference/pidtree-bcc-example_config.yml" ]; then
	check "fixture is pidtree-bcc's example, byte for byte" \
		cmp -s "$EX" "$top_srcdir/../shared/reference/pidtree-bcc-example_config.yml"
fi
check "pidtree-bcc example: --check-config exits 0" test "$(rc_of "$PIDTREE" --check-config -c "$EX")" = 0
check "pidtree-bcc example: container_labels warning" grep -q container_labels "$T/err"

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

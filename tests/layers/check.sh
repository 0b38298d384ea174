#!/bin/bash
# src/ is in layers that depend one way (Makefile.am compiles each with the
# include paths of the layers below it only; this checks the sources too, so
# that a wrong include is named even where an include path would find it):
#   core <- config <- format <- probes, sinks, plugins, containers, dns <- daemon
# (containers and dns use core and config only)
# and core uses neither libbpf nor libsystemd.  Prints "N passed, M failed".
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top/src" || exit 1
pass=0 fail=0
declare -A allowed=(
	[core]="core"
	[config]="core config"
	[format]="core config format"
	[probes]="core config probes"
	[sinks]="core config format sinks"
	[plugins]="core config plugins"
	[containers]="core config containers"
	[dns]="core dns"
	[daemon]="core config format probes sinks plugins containers dns daemon"
)
# headers outside src/ a layer may use: the BPF records, skeletons, the public ABIs
declare -A extra=(
	[core]="pidtree.h"
	[config]="pidtree.h"
	[format]="pidtree.h"
	[probes]="*.skel.h"
	[sinks]="pidtree.h"
	[plugins]="pidtree.h pidtree/plugin.h"
	[containers]=""
	[dns]=""
	[daemon]="pidtree.h pidtree/plugin.h pidtree/probe.h"
)
owner() { # the layer folder holding header $1, or ""
	local l
	for l in "${!allowed[@]}"; do
		[ -f "$l/$1" ] && { echo "$l"; return; }
	done
}
for layer in "${!allowed[@]}"; do
	for f in "$layer"/*.[ch]; do
		[ -f "$f" ] || continue
		ok=1
		while read -r inc; do
			where=$(owner "$inc")
			if [ -n "$where" ]; then
				case " ${allowed[$layer]} " in
				*" $where "*) ;;
				*) echo "FAIL: $f includes $inc from $where/ (a layer above $layer/)"; ok=0 ;;
				esac
				continue
			fi
			matched=0
			# probes: the BPF side's headers (records, options, counters)
			[ "$layer" = probes ] && [ -f "$top/bpf/$inc" ] && matched=1
			for pat in ${extra[$layer]}; do
				# shellcheck disable=SC2053
				[[ $inc == $pat ]] && matched=1
			done
			[ $matched = 1 ] || { echo "FAIL: $f includes unknown \"$inc\""; ok=0; }
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
		if [ "$layer" = core ] && grep -Eq '^#include <(bpf|systemd)/' "$f"; then
			echo "FAIL: $f (core) includes libbpf or libsystemd"
			ok=0
		fi
		if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	done
done
# every file of src/ is in a layer folder
for f in *.[ch]; do
	[ -e "$f" ] || continue
	echo "FAIL: src/$f is in no layer"
	fail=$((fail + 1))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/bash
# The container layer (src/containers) against the real runtimes, through
# their APIs: Debian's podman with runc behind its Docker-compatible API
# service (`podman system service` on a private socket), and containerd on
# private state/socket paths with a CRI-annotated task made with ctr.
# tests/helpers/containers_probe drives the layer as the daemon would.
#
# Covered: a container running before (baseline) and one started after
# the layer (event stream: name, image, labels, mount namespace and cgroup
# id as the kernel knows them); its stop; a container that exits right
# after starting still named for the grace period, then expired; the API
# service stopped and restarted (the layer keeps going, re-baselines and
# notices what changed meanwhile); container_labels matching (glob, AND,
# OR) across several containers; lookups by pid; containerd start and
# stop through its task state.
#
# Images come from `podman import` of busybox-static (no registry); all
# containers have no network (--network none, ctr without --net-host).
. "$(dirname "$0")/lib.sh"

require_root
PROBE=$top_builddir/tests/helpers/containers_probe
P=containers-it-$$ # names and tags of everything this test makes
IMAGE=localhost/$P:latest
RUNOPTS=(--runtime runc --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
SVC_PID=
PROBE_PID=
CTRD_PID=

for tool in podman runc busybox; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (.ci/install-deps)"; exit 1; }
done
BUSYBOX=$(command -v busybox)

ct_cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null
	local c
	for c in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$P-"); do
		podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
	podman rmi -f "$IMAGE" >/dev/null 2>&1
	[ -n "$SVC_PID" ] && kill "$SVC_PID" 2>/dev/null
	if [ -n "$CTRD_PID" ]; then
		ctr -a "$T/ctrd.sock" -n k8s.io task kill -s KILL "$P-ctr" >/dev/null 2>&1
		sleep 0.3
		ctr -a "$T/ctrd.sock" -n k8s.io task delete "$P-ctr" >/dev/null 2>&1
		ctr -a "$T/ctrd.sock" -n k8s.io container delete "$P-ctr" >/dev/null 2>&1
		kill "$CTRD_PID" 2>/dev/null
		wait "$CTRD_PID" 2>/dev/null
		umount -R "$T/ctrd-root" 2>/dev/null
	fi
	cleanup
}
trap ct_cleanup EXIT

# ---- the image: busybox-static alone --------------------------------------
mkdir -p "$T/rootfs/bin"
cp "$BUSYBOX" "$T/rootfs/bin/busybox"
for a in sh sleep true cat; do ln -s busybox "$T/rootfs/bin/$a"; done
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
podman import "$T/rootfs.tar" "$IMAGE" >/dev/null || { echo "FAIL: podman import"; exit 1; }

run() { # run NAME [podman run options...] -- CMD...
	local name=$1
	shift
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	podman run -d --name "$P-$name" "${RUNOPTS[@]}" "${opts[@]}" "$IMAGE" "$@" >/dev/null
}

start_service() {
	rm -f "$T/podman.sock"
	podman system service --time 0 "unix://$T/podman.sock" >>"$T/service.log" 2>&1 &
	SVC_PID=$!
	for _ in $(seq 100); do
		[ -S "$T/podman.sock" ] && return 0
		sleep 0.1
	done
	echo "podman system service did not come up:" >&2
	cat "$T/service.log" >&2
	return 1
}

# ---- the probe ----------------------------------------------------------------
# q COMMAND...: send a command, print its answer (waits for its END line).
# Answers are counted in the output file: q also works in $(...).
q() {
	local n i
	n=$(($(grep -c '^END ' "$T/probe.out") + 1))
	echo "$*" >&3
	for i in $(seq 1 600); do
		if grep -qx "END $n" "$T/probe.out"; then
			awk -v n="$n" '/^END /{ k = $2; next } k == n - 1' "$T/probe.out"
			return 0
		fi
		sleep 0.1
	done
	echo "probe: no answer to '$*'" >&2
	return 1
}
# field KEY LINE: the value of KEY= in a probe entry line
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
podman_pid() { podman inspect -f '{{.State.Pid}}' "$P-$1"; }
mntns_of() { stat -L -c %i "/proc/$1/ns/mnt"; }
cgroup_of() { # cgroup v2 id (inode of its directory) of a pid
	local rel mnt
	rel=$(sed -n 's/^0:://p' "/proc/$1/cgroup")
	mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	stat -c %i "$mnt$rel"
}

# ---- containerd on private paths ---------------------------------------------
CTRD=
if command -v containerd >/dev/null && command -v ctr >/dev/null; then
	CTRD=yes
	cat >"$T/ctrd.toml" <<EOF
version = 2
root = "$T/ctrd-root"
state = "$T/ctrd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$T/ctrd.sock"
[ttrpc]
  address = "$T/ctrd.sock.ttrpc"
EOF
	containerd --config "$T/ctrd.toml" >"$T/containerd.log" 2>&1 &
	CTRD_PID=$!
	for _ in $(seq 100); do
		ctr -a "$T/ctrd.sock" version >/dev/null 2>&1 && break
		sleep 0.1
	done
	podman save --format oci-archive -o "$T/image.tar" "$IMAGE" >/dev/null 2>&1 &&
		ctr -a "$T/ctrd.sock" -n k8s.io images import "$T/image.tar" >/dev/null 2>&1 ||
		{ echo "FAIL: containerd set-up (see $T/containerd.log)"; CTRD=; FAILURES=$((FAILURES + 1)); }
else
	echo "FAIL: containerd/ctr not installed (.ci/install-deps)"
	FAILURES=$((FAILURES + 1))
fi

start_service || exit 1
log "a labelled container running before the layer starts"
run pre --label tier=pre --label app=pre -- sleep 600

mkfifo "$T/probe.in"
"$PROBE" podman_socket="$T/podman.sock" docker_socket=none \
	containerd_state="$T/ctrd-state" rebaseline_interval=3600 stopped_keep=10 \
	<"$T/probe.in" >"$T/probe.out" 2>"$T/probe.err" &
PROBE_PID=$!
exec 3>"$T/probe.in"

line=$(q wait "$P-pre" running 20)
check "baseline: the container running before is known" grep -q "state=running" <<<"$line"
check "baseline: its labels" grep -q "labels=app=pre;tier=pre" <<<"$line"
check "one baseline" grep -qx "baselines=1" <<<"$(q wait-stat baselines 1 10)"

# ---- a container started afterwards: the event stream --------------------------
log "a labelled container started after the layer"
run web --label app=web --label tier=front --label 'team=core net' -- sleep 600
line=$(q wait "$P-web" running 20)
pid=$(podman_pid web)
check "event: running, named" grep -q "name=$P-web .*state=running" <<<"$line"
check "event: image" grep -q "image=$IMAGE " <<<"$line"
check "event: runtime podman" grep -q "runtime=podman " <<<"$line"
check "event: labels (with a space in a value)" grep -q "labels=app=web;team=core net;tier=front" <<<"$line"
check "event: pid" test "$(field pid "$line")" = "$pid"
check "event: mount namespace = stat of /proc/PID/ns/mnt" \
	test "$(field mntns "$line")" = "$(mntns_of "$pid")"
check "event: cgroup id = inode of its cgroup v2 directory" \
	test "$(field cgroup "$line")" = "$(cgroup_of "$pid")"
check "event: seen without a new baseline" grep -qx "baselines=1" <<<"$(q stats)"
web_mntns=$(field mntns "$line")
web_cgroup=$(field cgroup "$line")
check "lookup by mount namespace" grep -q "name=$P-web " <<<"$(q mntns "$web_mntns")"
check "lookup by cgroup id" grep -q "name=$P-web " <<<"$(q cgroup "$web_cgroup")"
check "lookup by pid (/proc fallback)" grep -q "name=$P-web " <<<"$(q pid "$pid")"
check "lookup by pid: a host process is none" grep -qx none <<<"$(q pid $$)"
check "change callback: STARTED" grep -qx "STARTED $P-web" <<<"$(q changes)"

# ---- its stop --------------------------------------------------------------------
log "the container stops"
podman kill "$P-web" >/dev/null
line=$(q wait "$P-web" stopped 20)
check "stop: seen" grep -q "state=stopped" <<<"$line"
check "stop: still named by its mount namespace" grep -q "name=$P-web .*state=stopped" <<<"$(q mntns "$web_mntns")"
check "stop: still named by its cgroup id" grep -q "name=$P-web " <<<"$(q cgroup "$web_cgroup")"
check "change callback: STOPPED" grep -qx "STOPPED $P-web" <<<"$(q changes)"

# ---- a container that exits right after starting ---------------------------------
log "containers that exit right after starting"
run short --label app=short -- sh -c 'sleep 0.5'
run instant --label app=instant -- true
line=$(q wait "$P-short" stopped 20)
check "short-lived: named after its exit" grep -q "name=$P-short .*labels=app=short" <<<"$line"
short_id=$(field id "$line")
short_mntns=$(field mntns "$line")
if [ "$short_mntns" != 0 ]; then
	check "short-lived: its mount namespace still names it" grep -q "name=$P-short " <<<"$(q mntns "$short_mntns")"
else
	fail "short-lived: mount namespace not captured while it ran"
fi
line=$(q wait "$P-instant" stopped 20)
check "instant exit: named by id" grep -q "name=$P-instant .*labels=app=instant" <<<"$(q id "$(field id "$line")")"
log "the grace period (stopped_keep=10)"
q sleep 11 >/dev/null
check "grace: expired after stopped_keep" grep -qx none <<<"$(q id "$short_id")"
check "grace: a running container stays" grep -q "state=running" <<<"$(q show "$P-pre")"

# ---- a slow API: the service frozen (SIGSTOP) ----------------------------------------
log "the API service hangs (SIGSTOP), then resumes"
kill -STOP "$SVC_PID"
run slow --label app=slow -- sleep 600
t0=$(date +%s%N)
check "hung: the layer answers at once" grep -q "state=running" <<<"$(q show "$P-pre")"
t1=$(date +%s%N)
check "hung: lookups do not wait on the API (< 1 s)" test $(((t1 - t0) / 1000000)) -lt 1000
check "hung: lookup by pid of its container gives its id" \
	grep -q "id=$(podman inspect -f '{{.Id}}' "$P-slow") .*state=unknown" <<<"$(q pid "$(podman_pid slow)")"
q sleep 2 >/dev/null
kill -CONT "$SVC_PID"
check "resumed: the container started meanwhile is named" grep -q "name=$P-slow .*state=running" <<<"$(q wait "$P-slow" running 20)"

# ---- the API service stopped and restarted ----------------------------------------
log "the API service stops; containers change meanwhile; it comes back"
kill "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
SVC_PID=
q sleep 2 >/dev/null
run during --label app=during -- sleep 600
podman kill "$P-pre" >/dev/null
check "down: the layer keeps running" kill -0 "$PROBE_PID"
check "down: logged" grep -q "retrying in the background" "$T/probe.err"
check "down: known containers still named" grep -q "name=$P-pre " <<<"$(q show "$P-pre")"
start_service
check "back: reconnected" grep -qx "connects=2" <<<"$(q wait-stat connects 2 30)"
check "back: re-baselined" grep -qx "baselines=2" <<<"$(q wait-stat baselines 2 30)"
check "back: a container started meanwhile is known" grep -q "state=running" <<<"$(q wait "$P-during" running 20)"
check "back: a container stopped meanwhile is stopped" grep -q "state=stopped" <<<"$(q wait "$P-pre" stopped 20)"
check "back: logged" grep -q "is back" "$T/probe.err"
# and events flow again
run after --label app=after -- sleep 600
check "back: events again" grep -q "state=running" <<<"$(q wait "$P-after" running 20)"

# ---- container_labels across several containers --------------------------------
log "label filters"
podman start "$P-web" >/dev/null
run api --label app=api --label tier=back -- sleep 600
run db --label app=db --label tier=back --label team=core -- sleep 600
for n in web api db; do q wait "$P-$n" running 20 >/dev/null; done
m() { q match "$@"; }
check "match: exact" test "$(m app=web)" = "$P-web"
check "match: glob" test "$(m 'app=a*')" = "$P-after $P-api"
check "match: set" test "$(m 'app=[ad][pb]*')" = "$P-api $P-db"
check "match: AND" test "$(m app=db,tier=back)" = "$P-db"
check "match: AND, none" test "$(m app=web,tier=back)" = "(none)"
check "match: OR" test "$(m app=web tier=back)" = "$P-api $P-db $P-web"
check "match: label must exist" test "$(m 'team=*')" = "$P-db $P-web"
check "match: stopped containers do not match" test "$(m app=pre)" = "(none)"
check "restart: a new mount namespace" not test "$(field mntns "$(q show "$P-web")")" = "$web_mntns"

# ---- containerd through its task state ---------------------------------------------
if [ -n "$CTRD" ]; then
	log "containerd: a CRI-annotated task"
	ctr -a "$T/ctrd.sock" -n k8s.io run -d \
		--annotation io.kubernetes.cri.container-name=web \
		--annotation io.kubernetes.cri.sandbox-name="$P-pod" \
		--annotation io.kubernetes.cri.sandbox-namespace=prod \
		--annotation io.kubernetes.cri.image-name="$IMAGE" \
		"$IMAGE" "$P-ctr" sleep 600 >/dev/null 2>"$T/ctr.err"
	line=$(q wait "$P-pod" running 20)
	cpid=$(cat "$T/ctrd-state/io.containerd.runtime.v2.task/k8s.io/$P-ctr/init.pid" 2>/dev/null)
	check "containerd: seen, named after its pod" grep -q "id=$P-ctr name=$P-pod .*runtime=containerd pod=$P-pod namespace=prod state=running" <<<"$line"
	check "containerd: Kubernetes labels" grep -q "io.kubernetes.container.name=web" <<<"$line"
	check "containerd: mount namespace" test "$(field mntns "$line")" = "$(mntns_of "$cpid")"
	check "containerd: cgroup id" test "$(field cgroup "$line")" = "$(cgroup_of "$cpid")"
	check "containerd: matched by namespace" test "$(m io.kubernetes.pod.namespace=prod)" = "$P-pod"
	ctr -a "$T/ctrd.sock" -n k8s.io task kill -s KILL "$P-ctr" >/dev/null 2>&1
	check "containerd: its exit seen (pidfd)" grep -q "state=stopped" <<<"$(q wait "$P-pod" stopped 20)"
	ctr -a "$T/ctrd.sock" -n k8s.io task delete "$P-ctr" >/dev/null 2>&1
	check "containerd: still named after its task is deleted" grep -q "state=stopped" <<<"$(q show "$P-pod")"
fi

check "no bad responses or dropped messages" grep -q "bad_responses=0" <<<"$(q stats)"
check "probe alive at the end" kill -0 "$PROBE_PID"
echo quit >&3
exec 3>&-
wait "$PROBE_PID"
check "probe exits cleanly" test $? -eq 0
PROBE_PID=
if [ "$FAILURES" -ne 0 ]; then
	echo "---- probe stderr"; cat "$T/probe.err"
fi
finish

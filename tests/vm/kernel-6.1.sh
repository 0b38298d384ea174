#!/bin/bash
# pidtree's integration tests on a second kernel: Debian 12's 6.1 (the
# kernel most Debian 12 hosts run), booted under qemu with TCG.  The same
# binaries built for this host are loaded in the guest; nothing is rebuilt.
#
#  1. fetch the kernel package (apt-get download, cached in
#     $PIDTREE_VM_CACHE, default /var/cache/pidtree-vm) and extract it;
#  2. build an initramfs: busybox-static, tests/vm/init, the virtio and
#     virtiofs modules of that kernel (the cloud flavour has no 9p);
#  3. share this machine's / with the guest over virtiofs (virtiofsd from
#     qemu-system-x86), which the guest mounts read-only under a tmpfs
#     overlay: it runs the host's own bash, jq, python3 and iproute2, and
#     a snapshot of the source and build trees taken at the start; its
#     writes never reach the host;
#  4. boot with `qemu-system-x86_64 -accel tcg -cpu max`; tests/vm/init
#     mounts what a host has (proc, sysfs, devtmpfs, tracefs, bpffs,
#     cgroup2, a fresh /run), brings lo up and runs
#     tests/vm/guest-tests.sh, whose output comes back on a serial port.
#
# Exit status: 0 when every guest test passed, 1 otherwise (a test failure,
# a required test skipped or missing, the VM failing to boot or timing out);
# 77 only when not run as root.
#
# Environment: PIDTREE_VM_KERNEL_PKG (a linux-image-*-unsigned package name;
# default: the one Debian 12's linux-image-cloud-amd64 points at),
# PIDTREE_VM_CACHE, PIDTREE_VM_TESTS (names, instead of the default
# selection), PIDTREE_VM_TIMEOUT (whole VM, seconds), PIDTREE_VM_TEST_TIMEOUT
# (each test, seconds), PIDTREE_VM_MEM (MiB),
# PIDTREE_VM_CPUS, ANCESTRY_RUNS (default 500), KEEP_TMP (keep the work
# directory of a failed run).
set -u

# ---------------------------------------------------------------------------
# What runs in the guest: the tests whose result can depend on the kernel
# (they load the probes and make traffic, or read what the kernel reports).
# The others test userland only (configuration, outputs, trust, remote
# includes, runtime clients) and already ran on the host: under TCG they
# would cost most of CI's time and test nothing new.
VM_SELECT="tcp_connect ancestry net_listen udp_session tcp_accept dns process filters losses caps"
# Tests that must run and pass in the guest: a skip, or the script not being
# there, is a failure.
VM_REQUIRED="tcp_connect ancestry net_listen udp_session"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (loads BPF programs; shares / with the VM through virtiofsd)"
	exit 77
fi

here=$(cd "$(dirname "$0")" && pwd -P)
top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd -P)
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd -P)
CACHE=${PIDTREE_VM_CACHE:-/var/cache/pidtree-vm}
# Bounds for a hang, not for speed: the selection takes a few minutes on an
# idle 2-core machine, several times that when other VMs share the CPUs.
VM_TIMEOUT=${PIDTREE_VM_TIMEOUT:-1500}
VM_TEST_TIMEOUT=${PIDTREE_VM_TEST_TIMEOUT:-600}
VM_MEM=${PIDTREE_VM_MEM:-2048}
VM_CPUS=${PIDTREE_VM_CPUS:-2}
ANCESTRY_RUNS=${ANCESTRY_RUNS:-200}
VIRTIOFSD=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
BUSYBOX=${BUSYBOX:-/bin/busybox}
# Modules in the initramfs, loaded before the host's root is mounted (their
# dependencies are added).  Once it is, the guest's modprobe finds every
# other module of the package (inet_diag, veth, ...) on demand, as on a host.
GUEST_MODULES="virtio_pci virtiofs overlay"

W=
QEMU_PID=
VFS_PID=
t0=$(date +%s)

say() { printf '# %s\n' "$*"; }
# vm_fail MESSAGE: the run cannot produce results; report and exit 1
vm_fail() {
	echo "FAIL: $*"
	if [ -n "$W" ] && [ -s "$W/console.log" ]; then
		echo "--- last lines of the guest console:"
		tr -d '\r' <"$W/console.log" | tail -n 60
		echo "---"
	fi
	echo "0 passed, 1 failed"
	exit 1
}
cleanup() {
	local rc=$?
	[ -n "$QEMU_PID" ] && kill -KILL "$QEMU_PID" 2>/dev/null
	[ -n "$VFS_PID" ] && kill -TERM "$VFS_PID" 2>/dev/null && wait "$VFS_PID" 2>/dev/null
	if [ -n "$W" ]; then
		if [ "$rc" -ne 0 ] && [ -n "${KEEP_TMP:-}" ]; then
			echo "# work directory kept: $W"
		else
			rm -rf "$W"
		fi
	fi
}
trap cleanup EXIT

for tool in qemu-system-x86_64 "$VIRTIOFSD" "$BUSYBOX" cpio gzip dpkg-deb objcopy apt-get apt-cache; do
	command -v "$tool" >/dev/null ||
		vm_fail "$tool not found (.ci/install-deps installs qemu-system-x86, busybox-static, cpio, binutils)"
done
[ -x "$top_builddir/pidtree" ] || vm_fail "$top_builddir/pidtree not built"
[ -x "$top_builddir/tests/helpers/connector" ] || vm_fail "tests/helpers/connector not built (make check builds it)"

# ---------------------------------------------------------------------------
# 1. the kernel package
# ---------------------------------------------------------------------------
kernel_pkg() {
	local p
	p=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9]*-[0-9]*-cloud-amd64\)$/\1-unsigned/p' | head -n 1)
	if [ -n "$p" ] && apt-cache show "$p" >/dev/null 2>&1; then
		echo "$p"
		return
	fi
	apt-cache pkgnames linux-image-6.1 2>/dev/null |
		grep -E '^linux-image-6\.1\.[0-9]+-[0-9]+-cloud-amd64-unsigned$' | sort -V | tail -n 1
}
mkdir -p "$CACHE" || vm_fail "cannot create $CACHE"
# one run at a time fetches and extracts into the cache
exec 9>"$CACHE/.lock"
flock 9 || vm_fail "cannot lock $CACHE/.lock"
PKG=${PIDTREE_VM_KERNEL_PKG:-}
if [ -z "$PKG" ]; then
	PKG=$(kernel_pkg)
	if [ -z "$PKG" ]; then
		say "no 6.1 cloud kernel in the apt lists: apt-get update"
		apt-get update -qq >/dev/null 2>&1
		PKG=$(kernel_pkg)
	fi
fi
if [ -z "$PKG" ]; then
	# offline: the newest package already in the cache
	deb=$(ls "$CACHE"/linux-image-6.1.*-cloud-amd64-unsigned_*.deb 2>/dev/null | sort -V | tail -n 1)
	[ -n "$deb" ] || vm_fail "no linux-image-6.1.*-cloud-amd64-unsigned package found with apt-cache"
	PKG=$(basename "$deb" | cut -d_ -f1)
fi
deb=$(ls "$CACHE/${PKG}"_*.deb 2>/dev/null | sort -V | tail -n 1)
if [ -z "$deb" ]; then
	say "downloading $PKG"
	(cd "$CACHE" && apt-get download -q "$PKG") >"$CACHE/download.log" 2>&1 ||
		{ cat "$CACHE/download.log"; vm_fail "apt-get download $PKG failed"; }
	deb=$(ls "$CACHE/${PKG}"_*.deb 2>/dev/null | sort -V | tail -n 1)
	[ -n "$deb" ] || vm_fail "apt-get download $PKG left no .deb in $CACHE"
	# a new kernel replaces the cached ones
	for old in "$CACHE"/linux-image-*; do
		[ "$old" = "$deb" ] || rm -rf "$old"
	done
fi
KROOT=$CACHE/$PKG
if [ ! -e "$KROOT/.extracted" ]; then
	rm -rf "$KROOT" "$KROOT.tmp.$$"
	dpkg-deb -x "$deb" "$KROOT.tmp.$$" || vm_fail "cannot extract $deb"
	# modules.dep and modules.alias for the guest's (busybox) modprobe
	"$BUSYBOX" depmod -b "$KROOT.tmp.$$" "$(ls "$KROOT.tmp.$$/lib/modules" | head -n 1)" ||
		vm_fail "busybox depmod failed"
	touch "$KROOT.tmp.$$/.extracted"
	mv "$KROOT.tmp.$$" "$KROOT" || vm_fail "cannot move the extracted kernel into $KROOT"
fi
KVER=$(ls "$KROOT/lib/modules" | head -n 1)
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || vm_fail "no kernel image in $deb"
PKGVER=$(dpkg-deb -f "$deb" Version)
MODDIR=$KROOT/lib/modules/$KVER
exec 9>&- # unlock

# ---------------------------------------------------------------------------
# 2. the initramfs
# ---------------------------------------------------------------------------
W=$(mktemp -d /tmp/pidtree-vm.XXXXXX)
R=$W/initramfs
mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys" "$R/modules"
cp "$BUSYBOX" "$R/bin/busybox"
ln -s busybox "$R/bin/sh"
install -m 0755 "$here/init" "$R/init"
mknod "$R/dev/console" c 5 1

# modules in load order, dependencies first (from each module's .modinfo)
declare -A LOADED=()
MODLIST=()
add_module() {
	local name=$1 f deps d
	[ -n "${LOADED[$name]:-}" ] && return 0
	LOADED[$name]=1
	grep -q "/${name}\.ko$" "$MODDIR/modules.builtin" 2>/dev/null && return 0
	f=$(find "$MODDIR/kernel" \( -name "$name.ko" -o -name "${name//_/-}.ko" \) | head -n 1)
	[ -n "$f" ] || vm_fail "module $name not in $PKG"
	deps=$(objcopy -O binary --only-section=.modinfo "$f" /dev/stdout | tr '\0' '\n' |
		sed -n 's/^depends=//p' | tr ',' ' ')
	for d in $deps; do
		add_module "$d"
	done
	cp "$f" "$R/modules/"
	MODLIST+=("$(basename "$f")")
}
for m in $GUEST_MODULES; do
	add_module "$m"
done
printf '%s\n' "${MODLIST[@]}" >"$R/modules.list"

# The guest runs a snapshot of the source and build trees: a file the host
# replaces during the run (a rebuild, an edited test) would be a stale file
# handle under the guest's overlay, and one run should test one build.
SNAP=$W/tree
mkdir -p "$SNAP/src"
if [ "$top_builddir" = "$top_srcdir" ]; then
	tar -C "$top_srcdir" --exclude=./.git --exclude='*.o' --exclude=.deps -cf - . |
		tar -C "$SNAP/src" -xf - || vm_fail "cannot copy $top_srcdir"
	G_SRC=$SNAP/src G_BUILD=$SNAP/src
else
	# build directories inside the source tree are left out (config.status)
	mkdir -p "$SNAP/build"
	tar -C "$top_srcdir" --exclude=./.git --exclude-tag-all=config.status -cf - . |
		tar -C "$SNAP/src" -xf - || vm_fail "cannot copy $top_srcdir"
	tar -C "$top_builddir" --exclude='*.o' --exclude=.deps -cf - . |
		tar -C "$SNAP/build" -xf - || vm_fail "cannot copy $top_builddir"
	G_SRC=$SNAP/src G_BUILD=$SNAP/build
fi

# the test selection
if [ -n "${PIDTREE_VM_TESTS:-}" ]; then
	TESTS=$PIDTREE_VM_TESTS
else
	TESTS=
	for name in $VM_SELECT; do
		[ -f "$top_srcdir/tests/integration/$name.sh" ] || vm_fail "tests/integration/$name.sh selected but missing"
		TESTS="$TESTS $name"
	done
	say "not run in the VM (userland only, run on the host): $(cd "$top_srcdir/tests/integration" &&
		for f in *.sh; do n=${f%.sh}; [ "$n" = lib ] || [[ " $VM_SELECT " == *" $n "* ]] || printf '%s ' "$n"; done)"
fi
ENVW=$(printf '%q ' "ANCESTRY_RUNS=$ANCESTRY_RUNS" "VM_TEST_TIMEOUT=$VM_TEST_TIMEOUT")
{
	printf 'top_builddir=%q\n' "$G_BUILD"
	printf 'top_srcdir=%q\n' "$G_SRC"
	printf 'KMODDIR=%q\n' "$MODDIR"
	printf 'VM_TESTS=%q\n' "$TESTS"
	printf 'VM_ENV=%q\n' "$ENVW"
} >"$R/vm.conf"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1 >"$W/initramfs.gz") ||
	vm_fail "cannot build the initramfs"

# ---------------------------------------------------------------------------
# 3. share / and boot
# ---------------------------------------------------------------------------
"$VIRTIOFSD" --socket-path="$W/virtiofs.sock" -o source=/ -o sandbox=chroot -o cache=auto \
	-o log_level=warn --rlimit-nofile=0 >"$W/virtiofsd.log" 2>&1 &
VFS_PID=$!
for _ in $(seq 1 100); do
	[ -S "$W/virtiofs.sock" ] && break
	kill -0 "$VFS_PID" 2>/dev/null || break
	sleep 0.1
done
[ -S "$W/virtiofs.sock" ] || { cat "$W/virtiofsd.log"; vm_fail "virtiofsd did not start"; }

say "kernel: $PKG $PKGVER ($KVER)"
say "guest tests:$TESTS (ANCESTRY_RUNS=$ANCESTRY_RUNS)"
: >"$W/tests.log"
boot_t0=$(date +%s.%N)
timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -smp "$VM_CPUS" -m "$VM_MEM" \
	-object memory-backend-memfd,id=mem,size="${VM_MEM}M",share=on \
	-machine pc,memory-backend=mem \
	-nodefaults -no-user-config -display none -net none -no-reboot \
	-kernel "$VMLINUZ" -initrd "$W/initramfs.gz" \
	-append "console=ttyS0 loglevel=5 panic=-1 rdinit=/init" \
	-serial "file:$W/console.log" -serial "file:$W/tests.log" \
	-chardev socket,id=vfs,path="$W/virtiofs.sock" \
	-device vhost-user-fs-pci,chardev=vfs,tag=hostroot \
	</dev/null >"$W/qemu.log" 2>&1 &
QEMU_PID=$!
# show the guest's test output as it comes
tail -n +1 -f --pid="$QEMU_PID" "$W/tests.log" 2>/dev/null | tr -d '\r' | grep -v '^PIDTREE-VM: BOOTED' &
TAIL_PID=$!
booted=
while kill -0 "$QEMU_PID" 2>/dev/null; do
	if [ -z "$booted" ] && grep -q '^PIDTREE-VM: BOOTED' "$W/tests.log"; then
		booted=$(date +%s.%N)
	fi
	sleep 0.2
done
wait "$QEMU_PID"
qrc=$?
QEMU_PID=
wait "$TAIL_PID" 2>/dev/null
t_end=$(date +%s.%N)
[ -s "$W/qemu.log" ] && sed 's/^/# qemu: /' "$W/qemu.log"
[ "$qrc" -eq 124 ] && vm_fail "the VM did not finish within $VM_TIMEOUT s"

# ---------------------------------------------------------------------------
# 4. results
# ---------------------------------------------------------------------------
tr -d '\r' <"$W/tests.log" >"$W/tests.txt"
grep -q '^PIDTREE-VM: BOOTED' "$W/tests.txt" || {
	grep '^PIDTREE-VM: ERROR' "$W/tests.txt"
	vm_fail "the guest did not come up (qemu exit status $qrc)"
}
bootline=$(grep -m1 '^PIDTREE-VM: BOOTED' "$W/tests.txt")
passed=0 failed=0
summary=()
for name in $TESTS; do
	res=$(grep "^PIDTREE-VM: RESULT $name " "$W/tests.txt" | tail -n 1)
	# the test's own "N passed, M failed" line, between its markers
	counts=$(sed -n "/^PIDTREE-VM: BEGIN $name\$/,/^PIDTREE-VM: RESULT $name /p" "$W/tests.txt" |
		grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	p=0 q=0
	if [ -n "$counts" ]; then
		p=${counts%% passed*} q=${counts#*, } q=${q%% failed*}
		[ "$p" -ge 0 ] || p=0 # a failure outside check() can make it -1
	fi
	if [ -z "$res" ]; then
		status=FAIL why="no result (the VM stopped before it finished)"
	else
		status=$(echo "$res" | awk '{print $4}')
		why="$(echo "$res" | awk '{print $5", "$6}')"
	fi
	if [ "$status" = SKIP ] && [[ " $VM_REQUIRED " == *" $name "* ]]; then
		status=FAIL why="$why; required in the VM but skipped"
	fi
	# a failed script counts at least one failed check
	[ "$status" = FAIL ] && [ "$q" -eq 0 ] && q=1
	passed=$((passed + p)) failed=$((failed + q))
	summary+=("$status $name ($p passed, $q failed; $why)")
done
for name in $VM_REQUIRED; do
	if [ -z "${PIDTREE_VM_TESTS:-}" ] && [[ " $TESTS " != *" $name "* ]]; then
		summary+=("FAIL $name (required in the VM, but not selected or not in tests/integration)")
		failed=$((failed + 1))
	fi
done
if ! grep -q '^PIDTREE-VM: DONE' "$W/tests.txt"; then
	summary+=("FAIL the guest did not finish (qemu exit status $qrc)")
	failed=$((failed + 1))
	tr -d '\r' <"$W/console.log" | tail -n 40 | sed 's/^/# console: /'
fi
# kernel warnings (a BPF splat, a lockdep report) are worth seeing
if grep -qE 'WARNING:|BUG:|Call Trace:' "$W/console.log"; then
	summary+=("FAIL the guest kernel logged a warning (console below)")
	failed=$((failed + 1))
	tr -d '\r' <"$W/console.log" | grep -v '^PIDTREE-VM' | sed 's/^/# console: /'
fi

echo
say "kernel $KVER ($PKG $PKGVER), $VM_CPUS vCPUs (TCG), ${VM_MEM} MiB"
say "guest up after $(echo "$bootline" | sed -n 's/.*uptime=\([0-9.]*\).*/\1/p') s of guest uptime;" \
	"$(awk -v a="$boot_t0" -v b="${booted:-$t_end}" 'BEGIN{printf "%.1f", b - a}') s from qemu start"
say "VM total $(awk -v a="$boot_t0" -v b="$t_end" 'BEGIN{printf "%.0f", b - a}') s; whole script $(($(date +%s) - t0)) s"
for s in "${summary[@]}"; do
	echo "$s"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

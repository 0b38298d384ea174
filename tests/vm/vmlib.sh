# shellcheck shell=bash
# The machinery the VM tests share (tests/vm/kernel-6.1.sh, tests/vm/systemd.sh),
# sourced by them:
#
#   vm_kernel       fetch Debian 12's 6.1 cloud kernel package (apt-get download,
#                   cached in $PIDTREE_VM_CACHE, default /var/cache/pidtree-vm)
#                   and extract it: sets PKG PKGVER KVER VMLINUZ MODDIR
#   vm_workdir [PARENT]
#                   the scratch directory $W, in /tmp or PARENT (removed on
#                   exit, KEEP_TMP=1 keeps it after a failure)
#   vm_initramfs MODULE...
#                   start the initramfs in $R: busybox-static, tests/vm/init,
#                   the modules named and their dependencies (/modules.list);
#                   the caller adds /vm.conf (and anything else), then calls
#   vm_pack_initramfs   -> $W/initramfs.gz
#   vm_snapshot     a snapshot of the source and build trees the guest runs:
#                   sets G_SRC G_BUILD
#   vm_virtiofsd    share this machine's / read-only with the guest (virtiofsd
#                   from qemu-system-x86, its cache mode $VM_VIRTIOFS_CACHE,
#                   default auto); tests/vm/init mounts it under a writable
#                   overlay
#   vm_boot QEMU-ARG...
#                   boot with `qemu-system-x86_64 -accel tcg -cpu max`, kernel
#                   command line "$VM_APPEND" added to the common one; the
#                   guest's first serial port (console) goes to
#                   $W/console.log, the second (the tests' output, shown as
#                   it comes) to $W/tests.log.  Waits for qemu (at most
#                   $VM_TIMEOUT s): sets qrc, boot_t0, booted (when the
#                   "PIDTREE-VM: BOOTED" line came), t_end; $W/tests.txt is
#                   tests.log without carriage returns.
#
# The caller sets `here` (its directory) and may set VM_TIMEOUT, VM_MEM,
# VM_CPUS, VM_APPEND, VM_VIRTIOFS_CACHE before sourcing or calling.  say/vm_fail report.

top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd -P)
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd -P)
CACHE=${PIDTREE_VM_CACHE:-/var/cache/pidtree-vm}
VM_MEM=${PIDTREE_VM_MEM:-${VM_MEM:-2048}}
VM_CPUS=${PIDTREE_VM_CPUS:-${VM_CPUS:-2}}
VM_APPEND=${VM_APPEND:-}
VIRTIOFSD=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
VM_VIRTIOFS_CACHE=${VM_VIRTIOFS_CACHE:-auto}
BUSYBOX=${BUSYBOX:-/bin/busybox}

W=
QEMU_PID=
VFS_PID=
TAIL_PID=
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
vm_cleanup() {
	local rc=$?
	[ -n "$QEMU_PID" ] && kill -KILL "$QEMU_PID" 2>/dev/null
	[ -n "$TAIL_PID" ] && kill -TERM "$TAIL_PID" 2>/dev/null
	[ -n "$VFS_PID" ] && kill -TERM "$VFS_PID" 2>/dev/null && wait "$VFS_PID" 2>/dev/null
	if [ -n "$W" ]; then
		if [ "$rc" -ne 0 ] && [ -n "${KEEP_TMP:-}" ]; then
			echo "# work directory kept: $W"
		else
			rm -rf "$W"
		fi
	fi
}
trap vm_cleanup EXIT

# vm_require_tools TOOL...: each is on PATH (or an executable path)
vm_require_tools() {
	local tool
	for tool in qemu-system-x86_64 "$VIRTIOFSD" "$BUSYBOX" cpio gzip dpkg-deb objcopy \
		apt-get apt-cache "$@"; do
		command -v "$tool" >/dev/null ||
			vm_fail "$tool not found (.ci/install-deps installs qemu-system-x86, busybox-static, cpio, binutils, ...)"
	done
}

# ---------------------------------------------------------------------------
# the kernel package
# ---------------------------------------------------------------------------
vm_kernel_pkg() {
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

vm_kernel() {
	local deb old
	mkdir -p "$CACHE" || vm_fail "cannot create $CACHE"
	# one run at a time fetches and extracts into the cache
	exec 9>"$CACHE/.lock"
	flock 9 || vm_fail "cannot lock $CACHE/.lock"
	PKG=${PIDTREE_VM_KERNEL_PKG:-}
	if [ -z "$PKG" ]; then
		PKG=$(vm_kernel_pkg)
		if [ -z "$PKG" ]; then
			say "no 6.1 cloud kernel in the apt lists: apt-get update"
			apt-get update -qq >/dev/null 2>&1
			PKG=$(vm_kernel_pkg)
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
}

# vm_workdir [PARENT]: in /tmp unless PARENT is given
vm_workdir() {
	W=$(mktemp -d "${1:-/tmp}/pidtree-vm.XXXXXX") || vm_fail "mktemp"
}

# ---------------------------------------------------------------------------
# the initramfs
# ---------------------------------------------------------------------------
declare -A VM_LOADED=()
VM_MODLIST=()
# vm_add_module NAME: the module and (first) its dependencies, from each
# module's .modinfo; built-in modules are skipped
vm_add_module() {
	local name=$1 f deps d
	[ -n "${VM_LOADED[$name]:-}" ] && return 0
	VM_LOADED[$name]=1
	grep -q "/${name}\.ko$" "$MODDIR/modules.builtin" 2>/dev/null && return 0
	f=$(find "$MODDIR/kernel" \( -name "$name.ko" -o -name "${name//_/-}.ko" \) | head -n 1)
	[ -n "$f" ] || vm_fail "module $name not in $PKG"
	deps=$(objcopy -O binary --only-section=.modinfo "$f" /dev/stdout | tr '\0' '\n' |
		sed -n 's/^depends=//p' | tr ',' ' ')
	for d in $deps; do
		vm_add_module "$d"
	done
	cp "$f" "$R/modules/"
	VM_MODLIST+=("$(basename "$f")")
}

vm_initramfs() {
	local m
	R=$W/initramfs
	mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys" "$R/modules"
	cp "$BUSYBOX" "$R/bin/busybox"
	ln -s busybox "$R/bin/sh"
	install -m 0755 "$here/init" "$R/init"
	mknod "$R/dev/console" c 5 1
	for m in "$@"; do
		vm_add_module "$m"
	done
	printf '%s\n' "${VM_MODLIST[@]}" >"$R/modules.list"
}

vm_pack_initramfs() {
	(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1 >"$W/initramfs.gz") ||
		vm_fail "cannot build the initramfs"
}

# ---------------------------------------------------------------------------
# the trees the guest runs
# ---------------------------------------------------------------------------
# The guest runs a snapshot of the source and build trees: a file the host
# replaces during the run (a rebuild, an edited test) would be a stale file
# handle under the guest's overlay, and one run should test one build.
vm_snapshot() {
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
}

# ---------------------------------------------------------------------------
# share / and boot
# ---------------------------------------------------------------------------
vm_virtiofsd() {
	"$VIRTIOFSD" --socket-path="$W/virtiofs.sock" -o source=/ -o sandbox=chroot -o cache="$VM_VIRTIOFS_CACHE" \
		-o log_level=warn --rlimit-nofile=0 >"$W/virtiofsd.log" 2>&1 &
	VFS_PID=$!
	for _ in $(seq 1 100); do
		[ -S "$W/virtiofs.sock" ] && break
		kill -0 "$VFS_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$W/virtiofs.sock" ] || { cat "$W/virtiofsd.log"; vm_fail "virtiofsd did not start"; }
}

# (no_timer_check: on a loaded host the emulated timer can miss the
# kernel's IO-APIC check, which then panics "IO-APIC + timer doesn't work")
vm_boot() {
	: >"$W/tests.log"
	boot_t0=$(date +%s.%N)
	timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -smp "$VM_CPUS" -m "$VM_MEM" \
		-object memory-backend-memfd,id=mem,size="${VM_MEM}M",share=on \
		-machine pc,memory-backend=mem \
		-nodefaults -no-user-config -display none -net none \
		-kernel "$VMLINUZ" -initrd "$W/initramfs.gz" \
		-append "console=ttyS0 loglevel=5 panic=-1 no_timer_check rdinit=/init${VM_APPEND:+ $VM_APPEND}" \
		-serial "file:$W/console.log" -serial "file:$W/tests.log" \
		-chardev socket,id=vfs,path="$W/virtiofs.sock" \
		-device vhost-user-fs-pci,chardev=vfs,tag=hostroot \
		"$@" </dev/null >"$W/qemu.log" 2>&1 &
	QEMU_PID=$!
	# show the guest's test output as it comes
	tail -n +1 -f --pid="$QEMU_PID" "$W/tests.log" 2>/dev/null | tr -d '\r' |
		grep --line-buffered -v '^PIDTREE-VM: BOOTED' &
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
	TAIL_PID=
	t_end=$(date +%s.%N)
	[ -s "$W/qemu.log" ] && sed 's/^/# qemu: /' "$W/qemu.log"
	[ "$qrc" -eq 124 ] && vm_fail "the VM did not finish within $VM_TIMEOUT s"
	tr -d '\r' <"$W/tests.log" >"$W/tests.txt"
}

# vm_timing: how long the boot and the run took
vm_timing() {
	local bootline
	bootline=$(grep -m1 '^PIDTREE-VM: BOOTED' "$W/tests.txt")
	say "kernel $KVER ($PKG $PKGVER), $VM_CPUS vCPUs (TCG), ${VM_MEM} MiB"
	say "guest up after $(echo "$bootline" | sed -n 's/.*uptime=\([0-9.]*\).*/\1/p') s of guest uptime;" \
		"$(awk -v a="$boot_t0" -v b="${booted:-$t_end}" 'BEGIN{printf "%.1f", b - a}') s from qemu start"
	say "VM total $(awk -v a="$boot_t0" -v b="$t_end" 'BEGIN{printf "%.0f", b - a}') s; whole script $(($(date +%s) - t0)) s"
}

# vm_kernel_warnings: a kernel warning on the console (a BPF splat, a lockdep
# report) is a failure; prints it, returns 1
vm_kernel_warnings() {
	if grep -qE 'WARNING:|BUG:|Call Trace:' "$W/console.log"; then
		tr -d '\r' <"$W/console.log" | grep -v '^PIDTREE-VM' | sed 's/^/# console: /'
		return 1
	fi
	return 0
}

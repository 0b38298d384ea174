# shellcheck shell=bash
# The machinery the VM tests share (tests/vm/kernel.sh, tests/vm/kernels.sh, tests/vm/systemd.sh),
# sourced by them:
#
#   vm_kernel [SERIES]
#                   fetch a Debian cloud kernel package of SERIES (5.10, 6.1
#                   (the default), 6.12) with apt-get through a private
#                   configuration, cached in $PIDTREE_VM_CACHE (default
#                   /var/cache/pidtree-vm), and extract it: sets PKG PKGVER
#                   KVER VMLINUZ MODDIR
#   vm_workdir [PARENT]
#                   the scratch directory $W, in /tmp or PARENT (removed on
#                   exit, KEEP_TMP=1 keeps it after a failure)
#   vm_initramfs MODULE...
#                   start the initramfs in $R: busybox-static, tests/vm/init,
#                   the modules named and their dependencies (/modules.list);
#                   the caller adds /vm.conf (and anything else), then calls
#   vm_pack_initramfs   -> $W/initramfs.gz
#   vm_initramfs_base, vm_initramfs_modules, vm_initramfs_join
#                   the same in parts that runs share (see below)
#   vm_snapshot     a snapshot of the source and build trees the guest runs:
#                   sets G_SRC G_BUILD
#   vm_virtiofsd    share this machine's / read-only with the guest (virtiofsd
#                   from qemu-system-x86); tests/vm/init mounts it under a
#                   writable overlay
#   vm_accel        KVM or TCG: sets VM_ACCEL (vm_boot calls it)
#   vm_boot QEMU-ARG...
#                   boot with `qemu-system-x86_64 -accel kvm|tcg`, kernel
#                   command line "$VM_APPEND" added to the common one; the
#                   guest's first serial port (console) goes to
#                   $W/console.log, the second (the tests' output, shown as
#                   it comes) to $W/tests.log.  Waits for qemu (at most
#                   $VM_TIMEOUT s): sets qrc, boot_t0, booted (when the
#                   "PIDTREE-VM: BOOTED" line came), t_end; $W/tests.txt is
#                   tests.log without carriage returns.
#
# The caller sets `here` (its directory) and may set VM_TIMEOUT, VM_MEM,
# VM_CPUS, VM_APPEND before sourcing or calling.  say/vm_fail report.

top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd -P)
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd -P)
CACHE=${PIDTREE_VM_CACHE:-/var/cache/pidtree-vm}
VM_MEM=${PIDTREE_VM_MEM:-${VM_MEM:-2048}}
VM_CPUS=${PIDTREE_VM_CPUS:-${VM_CPUS:-2}}
VM_APPEND=${VM_APPEND:-}
VIRTIOFSD=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
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
	for tool in qemu-system-x86_64 "$VIRTIOFSD" "$BUSYBOX" cpio gzip xz dpkg-deb objcopy \
		apt-get apt-cache flock "$@"; do
		command -v "$tool" >/dev/null ||
			vm_fail "$tool not found (.ci/install-deps installs qemu-system-x86, busybox-static, cpio, binutils, ...)"
	done
}

# ---------------------------------------------------------------------------
# the kernel package
# ---------------------------------------------------------------------------
# Debian's cloud kernels, fetched with apt-get through a configuration of
# the tests' own in $CACHE/apt: its own sources list (Dir::Etc), package
# lists (Dir::State), an empty dpkg status and its own package cache, so
# the machine's /etc/apt and /var/lib/apt are never written (its apt.conf.d
# is read: a proxy set there applies).  The mirrors are the ones this
# machine's apt uses for Debian (apt-get indextargets), or PIDTREE_VM_MIRROR
# and PIDTREE_VM_SECURITY_MIRROR.
#
#   series  suites                             packages
#   5.10    bullseye, bullseye-security        linux-image-5.10.0-N-cloud-amd64-unsigned
#   6.1     bookworm, bookworm-security        linux-image-6.1.0-N-cloud-amd64-unsigned
#   6.12    bookworm-backports                 linux-image-6.12.N+deb12-cloud-amd64-unsigned
#
# The newest package of the series that downloads is taken (a security
# update can be listed before the archive serves it: the next one is
# tried); the lists are refreshed when older than PIDTREE_VM_APT_MAX_AGE
# days (default 7) or when no package of the series is found.  Offline,
# the newest package of the series already in the cache is used.
APTD=$CACHE/apt

# vm_series_pattern SERIES: the package names of the series (an ERE)
vm_series_pattern() {
	case $1 in
	5.10) echo '^linux-image-5\.10\.0-[0-9]+-cloud-amd64-unsigned$' ;;
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$' ;;
	*) return 1 ;;
	esac
}

vm_apt_opts() {
	printf '%s\n' -o "Dir::Etc=$APTD/etc" -o "Dir::State=$APTD/state" \
		-o "Dir::State::status=$APTD/status" -o "Dir::Cache=$APTD/cache" \
		-o APT::Sandbox::User=root -o Acquire::Languages=none
}
vm_apt_get() {
	local opts
	mapfile -t opts < <(vm_apt_opts)
	apt-get -q "${opts[@]}" "$@"
}
vm_apt_cache() {
	local opts
	mapfile -t opts < <(vm_apt_opts)
	apt-cache "${opts[@]}" "$@"
}

# the private configuration; the sources list is rewritten each time (the
# mirrors follow the machine's)
vm_apt_setup() {
	local main sec keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	mkdir -p "$APTD/etc/sources.list.d" "$APTD/etc/preferences.d" "$APTD/etc/apt.conf.d" \
		"$APTD/etc/trusted.gpg.d" "$APTD/state/lists/partial" "$APTD/cache/archives/partial" ||
		vm_fail "cannot create $APTD"
	[ -e "$APTD/status" ] || : >"$APTD/status"
	main=${PIDTREE_VM_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$2 !~ /-(security|updates|backports)$/ && $1 !~ /security/ {print $1; exit}')}
	sec=${PIDTREE_VM_SECURITY_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null |
		awk '$2 ~ /-security$/ {print $1; exit}')}
	[ -n "$main" ] || vm_fail "no Debian mirror in this machine's apt sources: set PIDTREE_VM_MIRROR"
	[ -r "$keyring" ] || vm_fail "$keyring missing (the debian-archive-keyring package)"
	{
		echo "deb [signed-by=$keyring] ${main%/} bullseye main"
		echo "deb [signed-by=$keyring] ${main%/} bookworm main"
		echo "deb [signed-by=$keyring] ${main%/} bookworm-backports main"
		if [ -n "$sec" ]; then
			echo "deb [signed-by=$keyring] ${sec%/} bullseye-security main"
			echo "deb [signed-by=$keyring] ${sec%/} bookworm-security main"
		fi
	} >"$APTD/etc/sources.list.new" || vm_fail "cannot write $APTD/etc/sources.list"
	if ! cmp -s "$APTD/etc/sources.list.new" "$APTD/etc/sources.list"; then
		mv "$APTD/etc/sources.list.new" "$APTD/etc/sources.list"
		rm -f "$APTD/updated"
	else
		rm -f "$APTD/etc/sources.list.new"
	fi
}

vm_apt_update() {
	say "apt-get update (private lists in $APTD)"
	if vm_apt_get update >"$APTD/update.log" 2>&1; then
		touch "$APTD/updated"
		: >"$APTD/unavailable"
		return 0
	fi
	sed 's/^/# apt: /' "$APTD/update.log" | tail -n 5
	return 1
}

# the packages of series SERIES in the lists, newest first (their
# versions are asked one at a time, only until one is found: apt-cache
# policy takes seconds on a loaded machine, and a series has dozens)
vm_series_candidates() {
	local pat
	pat=$(vm_series_pattern "$1") || return 1
	vm_apt_cache pkgnames linux-image- 2>/dev/null | grep -E "$pat" | sort -rV
}

# vm_candidate_version NAME: its candidate version, or nothing
vm_candidate_version() {
	local ver
	ver=$(vm_apt_cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	[ "$ver" != "(none)" ] && echo "$ver"
}

# vm_fetch_series SERIES: sets deb (a .deb in $CACHE) and PKG
vm_fetch_series() {
	local series=$1 age=${PIDTREE_VM_APT_MAX_AGE:-7} cands name ver
	vm_apt_setup
	if [ ! -e "$APTD/updated" ] || [ -n "$(find "$APTD/updated" -mtime +"$age" 2>/dev/null)" ]; then
		vm_apt_update || say "apt-get update failed: using the lists (or the cache) there are"
	fi
	cands=$(vm_series_candidates "$series")
	if [ -z "$cands" ] && [ -e "$APTD/updated" ]; then
		vm_apt_update && cands=$(vm_series_candidates "$series")
	fi
	deb=
	while read -r name; do
		[ -n "$name" ] || continue
		ver=$(vm_candidate_version "$name")
		[ -n "$ver" ] || continue
		deb=$(ls "$CACHE/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] && break
		grep -qxF "$name $ver" "$APTD/unavailable" 2>/dev/null && continue
		say "downloading $name $ver"
		if (cd "$CACHE" && vm_apt_get download "$name=$ver") >"$CACHE/download.log" 2>&1; then
			deb=$(ls "$CACHE/${name}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1)
			[ -n "$deb" ] && break
		fi
		say "$name $ver: not downloadable ($(grep -m1 '^E:' "$CACHE/download.log" | cut -c1-120)); trying the next"
		echo "$name $ver" >>"$APTD/unavailable"
	done <<<"$cands"
	if [ -z "$deb" ]; then
		# offline: the newest package of the series already in the cache
		deb=$(ls "$CACHE"/linux-image-*_*.deb 2>/dev/null | while read -r f; do
			basename "$f" | cut -d_ -f1 | grep -qE "$(vm_series_pattern "$series")" && echo "$f"
		done | sort -V | tail -n 1)
		[ -n "$deb" ] || vm_fail "no $series cloud kernel package could be downloaded or found in $CACHE"
		say "using the cached $(basename "$deb")"
	fi
	PKG=$(basename "$deb" | cut -d_ -f1)
}

# vm_kernel [SERIES]: fetch (cached in $PIDTREE_VM_CACHE, default
# /var/cache/pidtree-vm) and extract a kernel of SERIES (default 6.1;
# PIDTREE_VM_KERNEL_PKG names a package instead): sets PKG PKGVER KVER
# VMLINUZ MODDIR KROOT SERIES
vm_kernel() {
	local deb old pat
	SERIES=${1:-6.1}
	mkdir -p "$CACHE" || vm_fail "cannot create $CACHE"
	# one run at a time fetches and extracts into the cache
	exec 9>"$CACHE/.lock"
	flock 9 || vm_fail "cannot lock $CACHE/.lock"
	if [ -n "${PIDTREE_VM_KERNEL_PKG:-}" ]; then
		PKG=$PIDTREE_VM_KERNEL_PKG
		deb=$(ls "$CACHE/${PKG}"_*.deb 2>/dev/null | sort -V | tail -n 1)
		if [ -z "$deb" ]; then
			vm_apt_setup
			[ -e "$APTD/updated" ] || vm_apt_update
			(cd "$CACHE" && vm_apt_get download "$PKG") >"$CACHE/download.log" 2>&1 ||
				{ cat "$CACHE/download.log"; vm_fail "apt-get download $PKG failed"; }
			deb=$(ls "$CACHE/${PKG}"_*.deb 2>/dev/null | sort -V | tail -n 1)
		fi
		[ -n "$deb" ] || vm_fail "no .deb of $PKG in $CACHE"
	else
		vm_series_pattern "$SERIES" >/dev/null || vm_fail "unknown kernel series $SERIES (5.10, 6.1, 6.12)"
		vm_fetch_series "$SERIES"
		# a new kernel of the series replaces the series' cached ones
		pat=$(vm_series_pattern "$SERIES")
		for old in "$CACHE"/linux-image-*; do
			[ -e "$old" ] || continue
			[ "$old" = "$deb" ] || [ "$old" = "$CACHE/$PKG" ] && continue
			basename "$old" | sed 's/_.*//' | grep -qE "$pat" && rm -rf "$old"
		done
	fi
	KROOT=$CACHE/$PKG
	# (.extracted names the package; empty: an older run's, of the same package)
	if [ ! -e "$KROOT/.extracted" ] ||
		! { [ ! -s "$KROOT/.extracted" ] || [ "$(cat "$KROOT/.extracted")" = "$(basename "$deb")" ]; }; then
		rm -rf "$KROOT" "$KROOT.tmp.$$"
		dpkg-deb -x "$deb" "$KROOT.tmp.$$" || vm_fail "cannot extract $deb"
		# compressed modules (6.12: .ko.xz) for busybox's insmod and
		# modprobe, and for reading their .modinfo
		find "$KROOT.tmp.$$/lib/modules" -name '*.ko.xz' -exec xz -d {} + ||
			vm_fail "cannot decompress the modules of $deb"
		find "$KROOT.tmp.$$/lib/modules" -name '*.ko.zst' -exec zstd -q -d --rm {} + ||
			vm_fail "cannot decompress the modules of $deb"
		# modules.dep and modules.alias for the guest's (busybox) modprobe
		"$BUSYBOX" depmod -b "$KROOT.tmp.$$" "$(ls "$KROOT.tmp.$$/lib/modules" | head -n 1)" ||
			vm_fail "busybox depmod failed"
		basename "$deb" >"$KROOT.tmp.$$/.extracted"
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

# The initramfs in parts that runs share (tests/vm/kernels.sh): the kernel
# unpacks the archives concatenated in one initrd in order.
#   vm_initramfs_base DIR   busybox-static and tests/vm/init, built once into
#                           DIR/base.cpio.gz
#   vm_initramfs_modules MODULE...
#                           the modules named and their dependencies
#                           (/modules/, /modules.list), cached beside the
#                           extracted kernel in $KROOT: sets VM_MODCPIO
#   vm_initramfs_join DIR   $W/initramfs.gz: DIR/base.cpio.gz, then
#                           $VM_MODCPIO, then what the caller put in $R
#                           (its /vm.conf)
cpio_of() { (cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) >"$2.tmp.$$" && mv "$2.tmp.$$" "$2"; }

vm_initramfs_base() {
	local b=$1/base.tree
	[ -s "$1/base.cpio.gz" ] && return 0
	rm -rf "$b"
	mkdir -p "$b/bin" "$b/dev" "$b/proc" "$b/sys" "$b/modules"
	cp "$BUSYBOX" "$b/bin/busybox"
	ln -s busybox "$b/bin/sh"
	install -m 0755 "$here/init" "$b/init"
	mknod "$b/dev/console" c 5 1
	cpio_of "$b" "$1/base.cpio.gz" || vm_fail "cannot build the initramfs"
	rm -rf "$b"
}

vm_initramfs_modules() {
	local keep_r=${R:-}
	VM_MODCPIO=$KROOT/initramfs-modules-$(echo "$*" | md5sum | cut -c1-12).cpio.gz
	[ -s "$VM_MODCPIO" ] && return 0
	R=$W/modules.tree
	mkdir -p "$R/modules"
	VM_LOADED=() VM_MODLIST=()
	for m in "$@"; do
		vm_add_module "$m"
	done
	printf '%s\n' "${VM_MODLIST[@]}" >"$R/modules.list"
	cpio_of "$R" "$VM_MODCPIO" || vm_fail "cannot build the initramfs"
	rm -rf "$R"
	R=$keep_r
}

vm_initramfs_join() {
	cpio_of "$R" "$W/conf.cpio.gz" &&
		cat "$1/base.cpio.gz" "$VM_MODCPIO" "$W/conf.cpio.gz" >"$W/initramfs.gz" ||
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
# vm_accel: KVM where it boots Debian's kernels, else TCG (VM_ACCEL: kvm or
# tcg; PIDTREE_VM_ACCEL=kvm|tcg decides instead).  KVM needs /dev/kvm and
# hardware virtualisation (kvm_intel or kvm_amd): the PVM flavour of KVM
# (kvm_pvm, for guests nested without it) runs only kernels built as PVM
# guests, and Debian's hang there before their first console line.
vm_accel() {
	case ${PIDTREE_VM_ACCEL:-auto} in
	kvm | tcg) VM_ACCEL=$PIDTREE_VM_ACCEL ;;
	*)
		VM_ACCEL=tcg
		if [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
			{ [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
			VM_ACCEL=kvm
		fi
		;;
	esac
}
vm_virtiofsd() {
	"$VIRTIOFSD" --socket-path="$W/virtiofs.sock" -o source=/ -o sandbox=chroot -o cache="${VM_VIRTIOFS_CACHE:-auto}" \
		-o log_level=warn --rlimit-nofile=0 >"$W/virtiofsd.log" 2>&1 &
	VFS_PID=$!
	for _ in $(seq 1 100); do
		[ -S "$W/virtiofs.sock" ] && break
		kill -0 "$VFS_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -S "$W/virtiofs.sock" ] || { cat "$W/virtiofsd.log"; vm_fail "virtiofsd did not start"; }
}

vm_boot() {
	local accel
	: >"$W/tests.log"
	[ -n "${VM_ACCEL:-}" ] || vm_accel
	if [ "$VM_ACCEL" = kvm ]; then
		accel="-accel kvm -cpu host"
	else
		accel="-accel tcg,thread=multi -cpu max"
	fi
	boot_t0=$(date +%s.%N)
	# shellcheck disable=SC2086
	timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 \
		$accel -smp "$VM_CPUS" -m "$VM_MEM" \
		-object memory-backend-memfd,id=mem,size="${VM_MEM}M",share=on \
		-machine pc,memory-backend=mem \
		-nodefaults -no-user-config -display none -net none \
		-kernel "$VMLINUZ" -initrd "$W/initramfs.gz" \
		-append "console=ttyS0 loglevel=5 panic=-1 rdinit=/init${VM_APPEND:+ $VM_APPEND}" \
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
	say "kernel $KVER ($PKG $PKGVER), $VM_CPUS vCPUs (${VM_ACCEL^^}), ${VM_MEM} MiB"
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

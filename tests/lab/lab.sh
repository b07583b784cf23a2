#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The nested-KVM lab: boots the default kernel under QEMU TCG (-cpu max,-erms, which
# emulates SVM) as level 1, loads kvm.ko there and boots the same kernel as
# level 2, with the static mini-init as /init, under the own VMM (vmm-boot)
# and, for the benchmark, under QEMU -accel kvm (qemu-boot).
# usage: tests/lab/lab.sh test|snapshot|bench|x2apic BUILD_DIR
#   test:  the vmm_run unit tests (real-mode guests: port I/O, a read-only
#          slot, RIP sampling); a 1-vCPU boot; 2 nodes x 2 cores, 2 cores
#          x 2 threads and 2 LLCs x 2 cores, each checked against the
#          guest's sysfs (CPUs, nodes, SMT, package and LLC siblings); a
#          boot with guest RAM from the hugetlbfs pool; a guest panic and a
#          guest hang (both must exit 3); and `ktstr-run run --backend kvm` when
#          BUILD_DIR has ktstr-run and guest-init: hello (which saves a
#          snapshot at READY), numa-split, and hello twice again, which must
#          restore that snapshot and pass, the second with --prefault (their
#          times to HELLO against the cold run's are printed); then
#          `ktstr-run suite --backend kvm` of hello 4 times, whose later runs
#          must reset the first one's VM (boot kind warm) and pass (cold,
#          restored and warm times to HELLO are printed), and the same on
#          1n1l1c2t, whose first run boots and saves. One level-1 boot.
#   snapshot: the kvm backend's runs of test alone (hello cold, restored,
#          --prefault, the two suites with warm runs) and their checks:
#          the lab's part of `meson test --benchmark --suite snapshot`,
#          printing cold, restored and warm times to HELLO and ratio=.
#   x2apic: one own-VMM boot of a topology with APIC IDs above 254 (LAB_TOPO,
#          default 5,1,5,5: 125 CPUs, node 4's IDs 256-292, the fewest
#          CPUs that reach past 254), checked against the guest's sysfs and
#          APIC IDs as in test; prints its time to the first report byte.
#          LAB_MEM (MiB, default 512), LAB_X2APIC_TIMEOUT (default 1500 s).
#   bench: time to the guest init's first report byte, own VMM vs QEMU
#          -accel kvm -cpu kvm64 (QEMU's -cpu host cannot boot in this lab:
#          tried once and reported), same kernel, initramfs, command line and
#          topology (LAB_TOPO, default 1,1,2,1). LAB_REPS pairs (default 9);
#          every level-2 boot runs in a fresh level 1, the two VMMs taking
#          turns to go first; prints every sample and ends with
#          `ratio=<own/QEMU>`, the own median over QEMU's median. LAB_TCG=1
#          adds one QEMU TCG boot (minutes). LAB_PROFILE=1 adds one boot
#          each with the guest kernel log and the VMM's exit counts, and
#          prints where each boot's time went, and one own-VMM boot whose
#          vCPUs are sampled every 2 ms (tests/lab/profile.sh prints the
#          functions; the sampling makes that boot ~1.5x slower).
# env: KTSTR_LAB=1 (required: the lab takes minutes), LAB_OWN_ARGS (more
# vmm-boot flags for the bench's own-VMM boots, e.g. --prefault), LAB_TIMEOUT (seconds
# per level-1 boot, default 900), LAB_TRIES (level-1 boots per group when
# TCG's int3 race kills one, default 4), LAB_KEEP_LOG (copy the level-1 log there),
# LAB_L1_CPU (level 1's QEMU -cpu, default max,-erms: see boot_l1),
# KTSTR_KERNEL_DIR. Exit 77 (skip) without KTSTR_LAB=1, the cached kernel or
# its modules package, or QEMU.
set -euo pipefail
mode=${1:?usage: lab.sh test|snapshot|bench|x2apic BUILD_DIR}
[ "${KTSTR_LAB:-}" = 1 ] || { echo "lab: skipped (set KTSTR_LAB=1 or use --setup lab)"; exit 77; }
build=$(cd "${2:?usage: lab.sh test|snapshot|bench|x2apic BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
# The default kernel, whichever release ktstr-run has cached.
kdir=${KTSTR_KERNEL_DIR:-}
if [ -z "$kdir" ] && [ -x "$build/ktstr-run" ]; then
	kdir=$("$build/ktstr-run" kernel fetch 2>/dev/null | awk '$1 == "vmlinux" { print $2 }' || true)
	kdir=$(dirname "${kdir:-.}")
fi
timeout_s=${LAB_TIMEOUT:-900}
l1cpu=${LAB_L1_CPU:-max,-erms}
topo=${LAB_TOPO:-1,1,2,1}
if [ "$mode" = x2apic ]; then
	topo=${LAB_TOPO:-5,1,5,5}
	timeout_s=${LAB_TIMEOUT:-1800}
fi
reps=${LAB_REPS:-9}
lab=$build/tests/lab
work=$(mktemp -d /tmp/ktstr-lab-XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -r "$kdir/vmlinux" ] || { echo "lab: no cached kernel in '$kdir' (run ktstr-run once)"; exit 77; }
deb=$(ls "$kdir"/modules.deb "$kdir"/*.deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] || { echo "lab: no modules package in $kdir"; exit 77; }
command -v qemu-system-x86_64 >/dev/null || { echo "lab: no qemu-system-x86_64"; exit 77; }

# Level 2 payload: mini-init in a cpio.
mkdir -p "$work/l2/dev" "$work/l2/proc" "$work/l2/sys"
cp "$lab/mini-init" "$work/l2/init"
(cd "$work/l2" && find . | cpio -o -H newc --quiet) > "$work/mini.cpio"

# Level 1: lab-init, kvm modules, the boot tools, the kernel, the L2 cpio.
r=$work/l1
mkdir -p "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/modules"
cp "$lab/lab-init" "$r/init"
cp "$lab/vmm-boot" "$lab/qemu-boot" "$r/"
mkdir -p "$work/deb" && dpkg-deb -x "$deb" "$work/deb"
find "$work/deb" \( -name 'kvm*.ko*' -o -name 'irqbypass.ko*' \) -exec cp {} "$r/modules/" \;
cp "$kdir/vmlinux" "$r/vmlinux"
cp "$work/mini.cpio" "$r/mini.cpio"

# A dynamic executable's libraries, at the same paths in level 1.
add_libs() {
	ldd "$1" | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$r$(dirname "$lib")" && cp -L "$lib" "$r$lib"
	done
}

# QEMU and its libraries and firmware (bench only: 50 MB more to unpack).
add_qemu() {
	local q
	q=$(command -v qemu-system-x86_64)
	mkdir -p "$r/usr/bin" "$r/qemu"
	cp "$q" "$r/usr/bin/qemu-system-x86_64"
	add_libs "$q"
	# Debian builds the TCG accelerator as a loadable module.
	for m in /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so; do
		[ -e "$m" ] && mkdir -p "$r$(dirname "$m")" && cp "$m" "$r$m"
	done
	for f in bios-256k.bin pvh.bin linuxboot_dma.bin kvmvapic.bin; do
		cp -L "$(ls /usr/share/qemu/$f /usr/share/seabios/$f 2>/dev/null | head -1)" \
			"$r/qemu/"
	done
}

# Each group of commands is one level-1 boot (its own /lab.argv, packed as a
# small cpio after the shared one). One command block of /lab.argv: a
# "#label" line, then one argument a line.
groups=()
group() {
	groups+=("$work/groups/$1")
	mkdir -p "$work/groups/$1"
	: > "$work/groups/$1/lab.argv"
}
cmd() {
	local label=$1
	shift
	{ echo "#$label"; printf '%s\n' "$@"; echo; } >> "${groups[-1]}/lab.argv"
}

# ktstr-run's command line (BASE_CMDLINE in host/run.c), at loglevel 4;
# LAB_APPEND adds to it (e.g. initcall_debug with LAB_PROFILE=1).
base="console=ttyS0 loglevel=4 8250.nr_uarts=1 reboot=k panic=-1 rdinit=/init tsc=reliable"
base="$base no_timer_check mitigations=off random.trust_cpu=on cryptomgr.notests"
base="$base numa_balancing=0 i8042.noaux i8042.nomux${LAB_APPEND:+ $LAB_APPEND}"
# ktstr_cmds [EXTRA]: ktstr-run itself on the kvm backend in level 1:
# hello boots and saves a snapshot at READY, EXTRA (numa-split in test)
# boots, hello runs twice more from the snapshot, then two kvm suites of
# hello whose later runs reset a kept VM (warm).
ktstr_cmds() {
	cp "$build/ktstr-run" "$r/ktstr-run"
	add_libs "$build/ktstr-run"
	mkdir -p "$r/guest-init"
	cp "$build/guest-init/guest-init" "$r/guest-init/"
	# hello boots and saves a snapshot at READY (not --quiet: the save's
	# size and time); hello-restored is the same run again, from it (-v:
	# the restore's time and the exits); hello-prefault once more with
	# all RAM faulted in before it runs.
	cp "$src/scenario/stock/hello.scn" "$src/scenario/stock/numa-split.scn" "$r/"
	# shellcheck disable=SC2086 # $1: one word or none
	for run in hello: ${1:-} hello-restored:-v hello-prefault:--prefault; do
		name=${run%%:*} flag=${run#*:}
		scn=${name%%-*}
		[ "$name" = numa-split ] && scn=numa-split
		# shellcheck disable=SC2086 # flag: one word or none
		cmd "ktstr-$name" /ktstr-run run --backend kvm --kernel /vmlinux $flag \
			--json "/tmp/$name.json" --log "/tmp/$name.console" --timeout 400 \
			"/$scn.scn"
		cmd "json-$name" @cat "/tmp/$name.json"
		cmd "console-$name" @cat "/tmp/$name.console"
	done
	# Kvm suites of hello 4 times on one VM shape: one process runs
	# them in turn, the first restoring the snapshot hello saved (or
	# booting, if its key differs), the later ones resetting that VM
	# (boot kind warm); then on 1n1l1c2t, which has no snapshot: the
	# first boots and saves one, the later ones reset the VM that
	# saved it. -v: the restore's and the resets' phases in each
	# run's log.
	for s in suite:own suite-smt:1n1l1c2t; do
		name=${s%%:*} shape=${s#*:}
		args=()
		[ "$shape" = own ] || args=(--topology "$shape")
		cmd "ktstr-$name" /ktstr-run suite --backend kvm --kernel /vmlinux -j 1 \
			--repeat 4 -v --out "/tmp/$name" --timeout 120 "${args[@]}" /hello.scn
		for i in 1 2 3 4; do
			cmd "json-$name-r$i" @cat "/tmp/$name/hello.$shape.eevdf.r$i.json"
			cmd "log-$name-r$i" @cat "/tmp/$name/hello.$shape.eevdf.r$i.log"
		done
	done
}

case $mode in
test)
	group test
	# The KVM core's unit tests under real KVM (they skip without it).
	cp "$build/tests/vmm/test_vmm_run" "$r/"
	add_libs "$build/tests/vmm/test_vmm_run"
	cmd vmm-unit /test_vmm_run --verbose --ascii -j1
	cmd own-1cpu /vmm-boot /vmlinux /mini.cpio --topo 1,1,1,1 --mem 256 --echo \
		--timeout 180 --log /dev/ttyS0 --cmdline "$base"
	cmd own-2node /vmm-boot /vmlinux /mini.cpio --topo 2,1,2,1 --mem 512 --echo \
		--timeout 240 --log /dev/ttyS0 --cmdline "$base"
	cmd own-smt /vmm-boot /vmlinux /mini.cpio --topo 1,1,2,2 --mem 256 --echo \
		--timeout 240 --log /dev/ttyS0 --cmdline "$base"
	cmd own-2llc /vmm-boot /vmlinux /mini.cpio --topo 1,2,2,1 --mem 256 --echo \
		--timeout 240 --log /dev/ttyS0 --cmdline "$base"
	cmd hugepool @write /proc/sys/vm/nr_hugepages 160
	cmd own-huge /vmm-boot /vmlinux /mini.cpio --topo 1,1,2,1 --mem 256 --hugepages \
		--echo --timeout 240 --log /dev/ttyS0 --cmdline "$base"
	cmd hugefree @write /proc/sys/vm/nr_hugepages 0
	cmd own-panic /vmm-boot /vmlinux /mini.cpio --topo 1,1,1,1 --mem 256 \
		--timeout 180 --log /dev/ttyS0 --cmdline "$base lab.panic"
	cmd own-hang /vmm-boot /vmlinux /mini.cpio --topo 1,1,1,1 --mem 256 \
		--timeout 40 --log /dev/null --cmdline "$base lab.hang"
	if [ -x "$build/ktstr-run" ] && [ -x "$build/guest-init/guest-init" ]; then
		ktstr_cmds numa-split:--quiet
	fi
	;;
snapshot)
	if [ ! -x "$build/ktstr-run" ] || [ ! -x "$build/guest-init/guest-init" ]; then
		echo "lab: no ktstr-run or guest-init in $build"
		exit 77
	fi
	group snapshot
	ktstr_cmds
	;;
x2apic)
	group x2apic
	cmd own-x2apic /vmm-boot /vmlinux /mini.cpio --topo "$topo" --mem "${LAB_MEM:-512}" \
		--echo --timeout "${LAB_X2APIC_TIMEOUT:-1500}" --log /dev/ttyS0 -v --cmdline "$base"
	;;
bench)
	add_qemu
	q=(/qemu-boot /vmlinux /mini.cpio --topo "$topo" --mem 256 -L /qemu)
	# shellcheck disable=SC2206 # LAB_OWN_ARGS: extra vmm-boot flags, split
	own=(/vmm-boot /vmlinux /mini.cpio --topo "$topo" --mem 256 -v ${LAB_OWN_ARGS:-})
	# Level 1 slows down with every level-2 boot it has run (under TCG, the
	# copy of the next kernel into memory that held the last one's code gets
	# slower each time, for both VMMs), so every level-2 boot gets a fresh
	# level 1, and the two VMMs take turns going first.
	for i in $(seq "$reps"); do
		o=(own-$i "${own[@]}" --log "/tmp/own-$i.console" --timeout 180 --cmdline "$base")
		k=(qemu-kvm64-$i "${q[@]}" --log "/tmp/qemu-$i.console" --timeout 180 --accel kvm
		   --cpu kvm64 --cmdline "$base")
		if ((i % 2)); then
			group "own-$i"; cmd "${o[@]}"; cmd "own-$i-console" @cat "/tmp/own-$i.console"
			group "qemu-$i"; cmd "${k[@]}"; cmd "qemu-$i-console" @cat "/tmp/qemu-$i.console"
		else
			group "qemu-$i"; cmd "${k[@]}"; cmd "qemu-$i-console" @cat "/tmp/qemu-$i.console"
			group "own-$i"; cmd "${o[@]}"; cmd "own-$i-console" @cat "/tmp/own-$i.console"
		fi
	done
	group more
	# QEMU's default for KVM, -cpu host, once: it cannot boot here (XCR0).
	cmd qemu-kvm-1 "${q[@]}" --log /dev/null --timeout 60 --accel kvm --cmdline "$base"
	# LAB_PROFILE=1: one more boot each with the guest's kernel log (lab.kmsg)
	# echoed, and the VMM's exit statistics (-v), for lab_check's timeline.
	if [ "${LAB_PROFILE:-}" = 1 ]; then
		group prof-own
		cmd prof-own "${own[@]}" --echo --timeout 180 --log /tmp/prof-own.console \
			--cmdline "$base lab.kmsg"
		cmd prof-own-console @cat /tmp/prof-own.console
		group prof-qemu
		cmd prof-qemu "${q[@]}" --log /dev/null --timeout 180 --accel kvm --cpu kvm64 --echo \
			--cmdline "$base lab.kmsg"
		# And one own boot sampled every 2 ms (vmm-boot --profile), which
		# lab_check symbolizes with the kernel's kallsyms, taken here from
		# a 4-second QEMU TCG boot of the same kernel.
		group prof-samples
		cmd prof-samples "${own[@]}" --log /dev/null --timeout 180 --profile /tmp/prof.samples \
			--profile-us 2000 --cmdline "$base"
		cmd prof-samples-dump @cat /tmp/prof.samples
		"$lab/qemu-boot" "$kdir/vmlinux" "$work/mini.cpio" --topo 1,1,1,1 --mem 256 \
			--accel tcg --echo --log /dev/null --timeout 120 \
			--cmdline "console=ttyS0 loglevel=4 rdinit=/init lab.kallsyms" \
			> "$work/kallsyms" 2>/dev/null || true
		export LAB_KALLSYMS=$work/kallsyms
	fi
	[ "${LAB_TCG:-}" = 1 ] && cmd qemu-tcg-1 "${q[@]}" --log /dev/null --timeout 400 --accel tcg \
		--cmdline "$base"
	;;
*) echo "lab: unknown mode $mode"; exit 2 ;;
esac
(cd "$r" && find . | cpio -o -H newc --quiet) > "$work/base.cpio"

# boot_l1 GROUP_DIR: one level-1 boot running that group's /lab.argv; its
# console log is appended to $work/l1.txt.
# QEMU's multi-threaded TCG sometimes loses a cross-vCPU code modification in
# level 1 (static keys flipped while the other vCPU runs that code): the
# level-1 kernel dies with "Oops: int3". lab-init pins the keys KVM flips for
# every level-2 VM, which leaves the level-1 kernel's own boot: boot level 1
# again, at most LAB_TRIES times (default 4).
# (thread=single avoids the race but level-2 SMP boots then hang.)
# Level 1's CPU is -cpu max without ERMS: TCG runs `rep stosb`/`rep movsb` one
# byte per iteration, so a kernel that prefers them for ERMS (clear_page_erms,
# memset, memcpy) clears and copies memory 8 times slower than with `rep
# stosq`, where real hardware with ERMS is fastest. In level 1, faulting in
# 56 MiB of THP memory took 230 ms with ERMS and 108 ms without; a memset of
# it 125 and 8 ms. The own VMM's level-2 guest sees level 1's CPUID, so it
# too leaves ERMS alone; QEMU's kvm64 model never offers it.
boot_l1() {
	local try start
	(cd "$1" && echo lab.argv | cpio -o -H newc --quiet) | cat "$work/base.cpio" - > "$work/l1.cpio"
	for ((try = 1; try <= ${LAB_TRIES:-4}; try++)); do
		start=$(date +%s.%N)
		timeout "$timeout_s" nice -n 10 qemu-system-x86_64 -nodefaults -no-user-config \
			-display none -no-reboot -machine q35 -accel tcg,thread=multi -cpu "$l1cpu" \
			-smp 2 -m 2048 -kernel "$kdir/vmlinux" -initrd "$work/l1.cpio" \
			-append "console=ttyS0 loglevel=4 reboot=k panic=-1 rdinit=/init tsc=reliable" \
			-serial stdio > "$work/one.log" 2>&1 || true
		tr -d '\r' < "$work/one.log" > "$work/one.txt"
		grep -a -q 'Oops: int3' "$work/one.txt" || break
		echo "lab: level 1 died of the TCG int3 race (try $try); its log:"
		grep -a -m 3 'Oops: int3\|RIP: 0010' "$work/one.txt"
	done
	cat "$work/one.txt"
	echo "lab: level-1 boot $(basename "$1"): wall time $(echo "$(date +%s.%N) - $start" | bc) s"
	cat "$work/one.txt" >> "$work/l1.txt"
}

: > "$work/l1.txt"
for g in "${groups[@]}"; do
	boot_l1 "$g"
done
[ -n "${LAB_KEEP_LOG:-}" ] && cp "$work/l1.txt" "$LAB_KEEP_LOG"
LAB_TOPO=$topo "$src/tests/lab/lab_check.sh" "$mode" "$work/l1.txt"

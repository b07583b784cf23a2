#!/bin/bash
# The nested-KVM lab: boots the default kernel under QEMU TCG (-cpu max, which
# emulates SVM) as level 1, loads kvm.ko there and runs the own VMM inside it to
# boot the same kernel as level 2 with mini-init (or ktstr-run with a scenario
# when guest-init is built). Reports what level 2 said.
# usage: tests/lab/lab.sh [BUILD_DIR]   (env: LAB_TIMEOUT seconds, default 1200)
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
rel=7.3.4+deb13-cloud-amd64
kdir=${KTSTR_KERNEL_DIR:-$HOME/.cache/ktstr-run/kernels/$rel}
work=$(mktemp -d /tmp/ktstr-lab-XXXXXX)
trap 'rm -rf "$work"' EXIT
timeout_s=${LAB_TIMEOUT:-1200}
cc=${CC:-gcc}

[ -r "$kdir/vmlinux" ] || { echo "lab: no cached kernel in $kdir (run ktstr-run once)"; exit 77; }
deb=$(ls "$kdir"/modules.deb "$kdir"/*.deb 2>/dev/null | head -1 || true)
[ -n "$deb" ] || { echo "lab: no modules package in $kdir"; exit 77; }

# Level 2 payload: mini-init in a cpio.
mkdir -p "$work/l2/dev" "$work/l2/proc" "$work/l2/sys"
$cc -static -O2 -o "$work/l2/init" "$src/tests/lab/mini_init.c"
(cd "$work/l2" && find . | cpio -o -H newc --quiet) > "$work/mini.cpio"

# Level 1: lab-init, the modules, vmm-boot, the kernel and the L2 initramfs.
r=$work/l1
mkdir -p "$r/dev" "$r/proc" "$r/sys" "$r/tmp" "$r/modules"
$cc -static -O2 -o "$r/init" "$src/tests/lab/lab_init.c"
cp "$build/tests/lab/vmm-boot" "$r/vmm-boot"
mkdir -p "$work/deb" && dpkg-deb -x "$deb" "$work/deb"
find "$work/deb" \( -name 'kvm*.ko*' -o -name 'irqbypass.ko*' \) -exec cp {} "$r/modules/" \;
cp "$kdir/vmlinux" "$r/vmlinux"
cp "$work/mini.cpio" "$r/mini.cpio"
printf '%s\n' /vmm-boot /vmlinux /mini.cpio --mem 256 --timeout $((timeout_s - 60)) \
	--log /dev/ttyS0 > "$r/lab.argv"
(cd "$r" && find . | cpio -o -H newc --quiet) > "$work/l1.cpio"

start=$(date +%s.%N)
timeout "$timeout_s" qemu-system-x86_64 -nodefaults -no-user-config -display none \
	-no-reboot -machine q35 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
	-kernel "$kdir/vmlinux" -initrd "$work/l1.cpio" \
	-append "console=ttyS0 loglevel=4 reboot=k panic=-1 rdinit=/init tsc=reliable" \
	-serial stdio | tee "$work/l1.log" || true
end=$(date +%s.%N)
echo "lab: level-1 wall time $(echo "$end - $start" | bc) s"
if grep -q '^first_report_ms=' "$work/l1.log" && grep -q 'end=1' "$work/l1.log"; then
	grep '^first_report_ms=' "$work/l1.log"
	echo "lab: PASS (level 2 booted under the own VMM and reset cleanly)"
	exit 0
fi
echo "lab: FAIL"
exit 1

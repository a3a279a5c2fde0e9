#!/usr/bin/env bash
# Boots Debian's own kernel (SELinux and AppArmor built in) under qemu TCG
# with an initramfs built from the build tree, runs one guest script in it
# and prints what the script wrote between the markers.
#
#   vm.sh selinux|apparmor GUEST_SCRIPT [FILE...]
#
# FILEs are copied into the guest's /vm/ (profiles, helper scripts).
# Environment:
#   CFGPROBE_BIN   the cfgprobe binary to put in the guest (required)
#   VM_CACHE       where the kernel package is kept (default
#                  /var/cache/cfgprobe-vm): downloaded once, reused
#   VM_TIMEOUT     seconds before qemu is stopped (default 150)
#   VM_BINS        more host binaries to copy, with their libraries, into
#                  the guest's /usr/bin (space-separated paths)
#   VM_KEEP        keep the work directory (debugging)
# Exit: 0 with the guest's output on stdout; 77 when qemu cannot run at all
# (the reason on stderr); 1 on any other failure (no kernel, no output).
# See shared/notes/lsm-vm.md for the boot facts this relies on.
set -euo pipefail

readonly BEGIN_MARK='=====CFGPROBE-VM-BEGIN====='
readonly END_MARK='=====CFGPROBE-VM-END====='

die() { echo "vm.sh: $*" >&2; exit 1; }
skip() { echo "vm.sh: SKIP: $*" >&2; exit 77; }

mode=${1:-}; guest=${2:-}
[[ $mode == selinux || $mode == apparmor ]] || die "usage: vm.sh selinux|apparmor GUEST_SCRIPT [FILE...]"
[[ -f $guest ]] || die "no guest script: $guest"
shift 2
[[ -x ${CFGPROBE_BIN:-} ]] || die "CFGPROBE_BIN is not an executable: ${CFGPROBE_BIN:-unset}"
cache=${VM_CACHE:-/var/cache/cfgprobe-vm}
timeout_s=${VM_TIMEOUT:-150}

# ---- can qemu run at all? (the only reason to skip) ----
qemu=$(command -v qemu-system-x86_64 || true)
[[ -n $qemu ]] || skip "qemu-system-x86_64 is not installed (package qemu-system-x86)"
"$qemu" -accel help 2>/dev/null | grep -qx tcg || skip "$qemu has no TCG accelerator"

# ---- the kernel: one exact package, fetched once ----
fetch_kernel() {
  local pkg deb
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1)
  [[ -n $pkg ]] || die "apt-cache depends linux-image-amd64 names no kernel package (apt-get update?)"
  if [[ ! -f $cache/$pkg/vmlinuz ]]; then
    mkdir -p "$cache/$pkg"
    deb=$(ls "$cache"/"${pkg}"_*.deb 2>/dev/null | head -n1 || true)
    if [[ -z $deb ]]; then
      (cd "$cache" && apt-get download "$pkg" >&2) || die "apt-get download $pkg failed"
      deb=$(ls "$cache"/"${pkg}"_*.deb | head -n1)
    fi
    local x; x=$(mktemp -d "$cache/x.XXXXXX")
    dpkg -x "$deb" "$x"
    cp "$x"/boot/vmlinuz-* "$cache/$pkg/vmlinuz.tmp"
    mv "$cache/$pkg/vmlinuz.tmp" "$cache/$pkg/vmlinuz"
    rm -rf "$x"
  fi
  echo "$cache/$pkg/vmlinuz"
}
kernel=$(fetch_kernel)

work=$(mktemp -d "${TMPDIR:-/tmp}/cfgprobe-vm.XXXXXX")
cleanup() { [[ -n ${VM_KEEP:-} ]] && echo "vm.sh: kept $work" >&2 || rm -rf "$work"; }
trap cleanup EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,vm,root}

# A binary and every library ldd names, at the same paths.
add_bin() {
  local src=$1 dst=${2:-$1}
  [[ -e $src ]] || die "missing in the host: $src (see scripts/deps.sh)"
  mkdir -p "$root$(dirname "$dst")"
  cp -L "$src" "$root$dst"
  local lib
  for lib in $(ldd "$src" 2>/dev/null | grep -o '/[^ ]*' || true); do
    [[ -e $root$lib ]] && continue
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# busybox first; real tools below replace any applet of the same name.
bb=$(command -v busybox) || die "busybox is not installed (package busybox-static)"
ldd "$bb" >/dev/null 2>&1 && die "$bb is not static (package busybox-static)"
cp "$bb" "$root/bin/busybox"
for applet in $("$bb" --list); do
  [[ -e $root/bin/$applet ]] || ln -s busybox "$root/bin/$applet"
done

add_bin "$CFGPROBE_BIN" /usr/bin/cfgprobe
for b in ${VM_BINS:-}; do add_bin "$b" "/usr/bin/$(basename "$b")"; done
if [[ $mode == selinux ]]; then
  for b in /usr/sbin/load_policy /usr/sbin/setenforce /usr/sbin/getenforce /usr/sbin/setsebool \
           /usr/sbin/getsebool /usr/bin/runcon /usr/bin/chcon /usr/sbin/restorecon; do
    add_bin "$b"
  done
  mkdir -p "$root/etc/selinux"
  cp -a /etc/selinux/default "$root/etc/selinux/"
  printf 'SELINUX=permissive\nSELINUXTYPE=default\n' >"$root/etc/selinux/config"
  append="security=selinux selinux=1 enforcing=0 lsm=landlock,lockdown,yama,selinux,bpf"
else
  add_bin /usr/sbin/apparmor_parser
  add_bin /usr/bin/aa-exec
  mkdir -p "$root/etc/apparmor.d/local" "$root/etc/apparmor"
  cp -a /etc/apparmor.d/abi /etc/apparmor.d/tunables /etc/apparmor.d/abstractions "$root/etc/apparmor.d/"
  append="apparmor=1 security=apparmor lsm=landlock,lockdown,yama,apparmor,bpf"
fi
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

cp "$guest" "$root/vm/guest.sh"
for f in "$@"; do cp "$f" "$root/vm/"; done

cat >"$root/init" <<EOF
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
if [ "$mode" = selinux ]; then
  mount -t selinuxfs selinuxfs /sys/fs/selinux
else
  mount -t securityfs securityfs /sys/kernel/security
fi
cd /vm
sh /vm/guest.sh >/tmp/guest.out 2>&1
echo "guest-exit \$?" >>/tmp/guest.out
echo '$BEGIN_MARK'
cat /tmp/guest.out
echo '$END_MARK'
# let the serial port drain before the power goes
sleep 1
poweroff -f
EOF
chmod +x "$root/init" "$root/vm/guest.sh"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

# -serial stdio via -nographic; stdin closed so nothing reaches the guest.
set +e
timeout --kill-after=5 "$timeout_s" "$qemu" -accel tcg -cpu max -m 1024 -smp 1 \
  -nographic -no-reboot -monitor none \
  -kernel "$kernel" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 loglevel=3 panic=-1 $append" </dev/null >"$work/console" 2>&1
rc=$?
set -e
tr -d '\r' <"$work/console" >"$work/console.txt"
if ! grep -qx "$END_MARK" "$work/console.txt"; then
  echo "vm.sh: no complete output from the guest (qemu exit $rc); console tail:" >&2
  tail -n 40 "$work/console.txt" >&2
  exit 1
fi
# The first marker may follow the terminal reset codes on the same line.
sed -n "/$BEGIN_MARK\$/,/^$END_MARK\$/p" "$work/console.txt" | sed '1d;$d'

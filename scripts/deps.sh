#!/usr/bin/env bash
# Installs everything cfgprobe needs to build and test on Debian 12 (root).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  meson ninja-build pkg-config g++ clang libclang-rt-14-dev \
  libcap-ng-dev libacl1-dev libseccomp-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev \
  acl attr util-linux procps \
  libselinux1-dev libsepol-dev selinux-policy-default selinux-policy-dev setools \
  libkeyutils-dev keyutils libsodium-dev zlib1g-dev age \
  mandoc man-db apparmor \
  qemu-system-x86 busybox-static cpio jq libapparmor-dev policycoreutils selinux-utils >/dev/null

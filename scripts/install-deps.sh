#!/bin/bash
# Installs pfnscan's build and test dependencies from Debian 12 packages.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES=(
  g++ gcc cmake make pkg-config
  libkdumpfile-dev libdw-dev libelf-dev libbpf-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  libgtest-dev libbenchmark-dev
  zlib1g-dev liblzo2-dev libsnappy-dev libzstd-dev
  dwarves makedumpfile
  crash python3 librsvg2-bin
  clang libclang-rt-14-dev
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "pfnscan: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

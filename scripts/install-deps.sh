#!/usr/bin/env bash
# Installs the Debian packages sluice builds against; a no-op when all are present.
# Extra package names given as arguments are installed too (`make fuzz` adds clang's).
set -euo pipefail
packages=(build-essential cmake pkg-config libtbb-dev libconcurrentqueue-dev libyaml-cpp-dev
          libgtest-dev libgmock-dev libbenchmark-dev libsimdjson-dev "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"

#!/usr/bin/env bash
# Unpacks the Debian packages of .debs/ (scripts/gpu-fetch-debs.sh) into a private prefix on the GPU machine,
# once: the kernel and the executor builds may start side by side and must not rewrite headers the other reads.
#   scripts/gpu-unpack-debs.sh [PREFIX]      (default /tmp/autoglm-deps)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="${1:-/tmp/autoglm-deps}"
[[ -f "$prefix/.unpacked" ]] && exit 0
mkdir -p "$prefix"
for deb in "$root"/.debs/*.deb; do dpkg -x "$deb" "$prefix"; done
touch "$prefix/.unpacked"

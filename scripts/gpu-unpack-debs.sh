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
# Qt6CoreTools' CMake targets insist that qmake exists (it lives in qmake6-bin, which we do not fetch); nothing
# here runs it, so a stand-in that fails satisfies the check.
[[ -e "$prefix/usr/bin/x86_64-linux-gnu-qmake6" ]] || ln -s /bin/false "$prefix/usr/bin/x86_64-linux-gnu-qmake6"
# Qt6::Core and Qt6::Test name the mkspec folder as an include directory (it ships in another package; our code
# includes nothing from it): CMake refuses an interface include directory that does not exist.
mkdir -p "$prefix/usr/lib/x86_64-linux-gnu/qt6/mkspecs/linux-g++"
touch "$prefix/.unpacked"

#!/usr/bin/env bash
# Downloads (here, on a Debian 12 machine with network) the Debian packages the GPU machine lacks into .debs/,
# which the run tool carries there; scripts/gpu-build.sh and tests/kernels/run_on_gpu.sh unpack them into a
# private prefix (never into /). ONNX + protobuf + JSON + zlib headers for the pipeline and CLI, Qt 6 Core and
# Test (and what they link) for the Qt Test executables.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$root/.debs"
cd "$root/.debs"
apt-get download libonnx-dev libonnx1 libonnxifi libprotobuf-dev libprotobuf32 protobuf-compiler libprotoc32 \
  nlohmann-json3-dev zlib1g-dev \
  qt6-base-dev qt6-base-dev-tools libqt6core6 libqt6test6 libicu72 libdouble-conversion3 libb2-1 libpcre2-16-0 \
  libglib2.0-0 >/dev/null
du -sh "$root/.debs"

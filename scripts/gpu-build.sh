#!/usr/bin/env bash
# Builds the Qt-free part (pipeline, kernels, CLI) on the GPU machine (Ubuntu 24.04, pip LibTorch 2.x, no Qt,
# no Debian packages). ONNX/protobuf come from Debian .debs downloaded beforehand into .debs/ with
#   apt-get download libonnx-dev libonnx1 libonnxifi libprotobuf-dev libprotobuf32 protobuf-compiler libprotoc32 \
#     nlohmann-json3-dev
# and unpacked into a private prefix (never into /).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix=/tmp/autoglm-deps
mkdir -p "$prefix"
for deb in "$root"/.debs/*.deb; do dpkg -x "$deb" "$prefix"; done
export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
export PATH="$prefix/usr/bin:$PATH"
torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
cmake -S "$root" -B "${1:-$root/build-gpu}" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAUTOGLM_GUI=OFF \
  -DCMAKE_PREFIX_PATH="$prefix/usr;$torch_prefix" -DProtobuf_ROOT="$prefix/usr" \
  -DProtobuf_PROTOC_EXECUTABLE="$prefix/usr/bin/protoc" -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc
cmake --build "${1:-$root/build-gpu}" -j "$(nproc)" --target autoglm

#!/usr/bin/env bash
# Builds the Qt-free part (pipeline, kernels, CLI, Qt Test executables) on the GPU machine (Ubuntu 24.04, pip
# LibTorch 2.x, no Qt, no Debian packages). ONNX/protobuf/JSON/zlib headers and Qt 6 Core/Test come from the
# Debian packages scripts/gpu-fetch-debs.sh downloads into .debs/ (the run tool carries them), unpacked into a
# private prefix (never into /).
#   scripts/gpu-build.sh [BUILD_DIR] [TARGET ...]      (default: build-gpu, target autoglm)
# Extra CMake arguments: AUTOGLM_GPU_CMAKE_ARGS (e.g. -DAUTOGLM_FIXTURES=...).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build-gpu}"
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(autoglm)
prefix=/tmp/autoglm-deps
bash "$root/scripts/gpu-unpack-debs.sh" "$prefix"
export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
export PATH="$prefix/usr/bin:$PATH"
torch_prefix="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
# shellcheck disable=SC2086
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAUTOGLM_GUI=OFF \
  -DCMAKE_PREFIX_PATH="$prefix/usr;$torch_prefix" -DProtobuf_ROOT="$prefix/usr" \
  -DProtobuf_PROTOC_EXECUTABLE="$prefix/usr/bin/protoc" -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc \
  -DQt6_DIR="$prefix/usr/lib/x86_64-linux-gnu/cmake/Qt6" ${AUTOGLM_GPU_CMAKE_ARGS:-}
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"

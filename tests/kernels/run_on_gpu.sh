#!/usr/bin/env bash
# Builds kernels/ + kernel tests + bench_kernels on the GPU machine (kernels-only configuration: no LibTorch,
# ONNX or Qt Widgets there) and runs them. Usage, from a folder holding src/ (this tree) and debs/ (Debian Qt6
# Core/Test packages, unpacked into a private prefix, never into /):
#   bash src/tests/kernels/run_on_gpu.sh <out-dir> [ctest regex] [bench args | --no-bench]
set -uo pipefail
out="${1:-/tmp/out}"
filter="${2:-tst_kernels}"
shift 2 || true
here="$(pwd)"
mkdir -p "$out"
prefix=/tmp/qtprefix
if [[ -d debs ]]; then
  mkdir -p "$prefix"
  for f in debs/*.deb; do dpkg -x "$f" "$prefix"; done
  export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv | tee "$out/gpu.txt"
build=/tmp/kbuild
cmake -S src -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAUTOGLM_KERNELS_ONLY=ON \
  -DCMAKE_CUDA_ARCHITECTURES="80;90a" -DCMAKE_PREFIX_PATH="$prefix/usr" -DQt6_DIR="$prefix/usr/lib/x86_64-linux-gnu/cmake/Qt6" >"$out/configure.log" 2>&1 ||
  { tail -30 "$out/configure.log"; exit 1; }
grep -iE "qt6|not found" "$out/configure.log" | head -5
cmake --build "$build" -j "$(nproc)" >"$out/build.log" 2>&1 || { grep -E "error|FAILED" -A3 "$out/build.log" | head -40; exit 1; }
echo "build ok"
cuobjdump --dump-sass "$build/kernels/libautoglm_kernels.a" 2>/dev/null | grep -cE "HMMA|IMMA" | sed 's/^/mma instructions in SASS: /'
(cd "$build" && ctest -R "$filter" --output-on-failure --timeout 600 >"$out/ctest.log" 2>&1); rc=$?
grep -E "Test +#|tests passed|FAIL!|Totals" "$out/ctest.log" | head -40
[[ $rc -ne 0 ]] && grep -E "FAIL!|Loc:" -A2 "$out/ctest.log" | head -60
if [[ "${1:-}" != "--no-bench" ]]; then
  "$build/tests/kernels/bench_kernels" "$@" 2>&1 | tee "$out/bench.txt"
fi
cd "$here"
# The executor's glue (pipeline/exec/CudaQuantGlue.cpp) against LibTorch math, where python3 has a CUDA torch.
if torchdir="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>/dev/null)"; then
  g++ -std=c++20 -O1 -DAUTOGLM_HAVE_CUDA=1 -Isrc -I"$torchdir/include" -I"$torchdir/include/torch/csrc/api/include" \
    src/tests/kernels/cuda_glue_check.cpp src/pipeline/exec/CudaQuantGlue.cpp "$build/kernels/libautoglm_kernels.a" \
    -L"$torchdir/lib" -Wl,-rpath,"$torchdir/lib" -ltorch -ltorch_cpu -ltorch_cuda -lc10 -lc10_cuda \
    -L/usr/local/cuda/lib64 -lcudart -o /tmp/cuda_glue_check >"$out/glue_build.log" 2>&1 &&
    /tmp/cuda_glue_check 2>&1 | tee "$out/glue.txt" || { echo "glue check failed"; tail -20 "$out/glue_build.log"; }
fi

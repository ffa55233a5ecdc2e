#!/usr/bin/env bash
# Builds kernels/ + kernel tests + bench_kernels on the GPU machine (kernels-only configuration: no LibTorch,
# ONNX or Qt Widgets needed) and runs them. Qt 6 Core/Test come from .debs/ (scripts/gpu-fetch-debs.sh, carried
# by the run tool), unpacked into a private prefix, never into /. Usage, from the repository root:
#   bash tests/kernels/run_on_gpu.sh <out-dir> [ctest regex] [bench args | --no-bench]
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/out}"
filter="${2:-tst_kernels}"
shift 2 || true
mkdir -p "$out"
prefix=/tmp/autoglm-deps
if [[ -d "$root/.debs" ]]; then
  bash "$root/scripts/gpu-unpack-debs.sh" "$prefix"
  export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu --format=csv | tee "$out/gpu.txt"
build=/tmp/kbuild
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAUTOGLM_KERNELS_ONLY=ON \
  -DCMAKE_CUDA_ARCHITECTURES="80;90a" -DCMAKE_PREFIX_PATH="$prefix/usr" -DQt6_DIR="$prefix/usr/lib/x86_64-linux-gnu/cmake/Qt6" >"$out/configure.log" 2>&1 ||
  { tail -30 "$out/configure.log"; exit 1; }
grep -iE "qt6|not found" "$out/configure.log" | head -5
cmake --build "$build" -j "$(nproc)" >"$out/build.log" 2>&1 || { grep -E "error|FAILED" -A3 "$out/build.log" | head -40; exit 1; }
echo "build ok"
cuobjdump --dump-sass "$build/kernels/libautoglm_kernels.a" 2>/dev/null | grep -oE "\b(HMMA|IMMA|HGMMA|IGMMA|UTMALDG)\b" | sort | uniq -c | sed 's/^/SASS: /'
(cd "$build" && ctest -R "$filter" --output-on-failure --timeout 600 >"$out/ctest.log" 2>&1); rc=$?
grep -E "Test +#|tests passed|FAIL!|Totals" "$out/ctest.log" | head -40
[[ $rc -ne 0 ]] && grep -E "FAIL!|Loc:" -A2 "$out/ctest.log" | head -60
if [[ "${1:-}" != "--no-bench" ]]; then
  "$build/tests/kernels/bench_kernels" "$@" 2>&1 | tee "$out/bench.txt"
fi
# The executor's glue (pipeline/exec/CudaQuantGlue.cpp) against LibTorch math, where python3 has a CUDA torch.
if torchdir="$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>/dev/null)"; then
  g++ -std=c++20 -O1 -DAUTOGLM_HAVE_CUDA=1 -I"$root" -I"$torchdir/include" -I"$torchdir/include/torch/csrc/api/include" \
    "$root/tests/kernels/cuda_glue_check.cpp" "$root/pipeline/exec/CudaQuantGlue.cpp" "$build/kernels/libautoglm_kernels.a" \
    -L"$torchdir/lib" -Wl,-rpath,"$torchdir/lib" -ltorch -ltorch_cpu -ltorch_cuda -lc10 -lc10_cuda \
    -L/usr/local/cuda/lib64 -lcudart -o /tmp/cuda_glue_check >"$out/glue_build.log" 2>&1 &&
    /tmp/cuda_glue_check 2>&1 | tee "$out/glue.txt" || { echo "glue check failed"; tail -20 "$out/glue_build.log"; }
fi

#!/usr/bin/env bash
# On the GPU machine: builds the CLI and tst_cuda_exec against pip's LibTorch 2.x (scripts/gpu-build.sh) and runs
# the executor end to end on CUDA with the kernels of kernels/: tst_cuda_exec (tiny_gpt W4A16 / W8A8 logits
# against the CPU's, kernel call counts) and `autoglm bench --device cuda` of the float model in fp32 and fp16
# against its quantized variants. Needs .debs/ (scripts/gpu-fetch-debs.sh) and the fixtures, at
# ../shared/fixtures or copied into .gpu-fixtures/ (carried by the run tool).
#   bash tests/kernels/run_exec_on_gpu.sh OUT_DIR
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-/tmp/out}"
mkdir -p "$out"
fixtures="$root/../shared/fixtures"
[[ -f "$fixtures/tiny_gpt.onnx" ]] || fixtures="$root/.gpu-fixtures"
export AUTOGLM_GPU_CMAKE_ARGS="-DAUTOGLM_FIXTURES=$fixtures"
start=$(date +%s)
if ! bash "$root/scripts/gpu-build.sh" "$root/build-gpu" autoglm tst_cuda_exec >"$out/gpu_build.log" 2>&1; then
  grep -E "error|Error" "$out/gpu_build.log" | head -n 40
  tail -n 15 "$out/gpu_build.log"
  exit 1
fi
echo "build: $(( $(date +%s) - start )) s"
export LD_LIBRARY_PATH="/tmp/autoglm-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
"$root/build-gpu/tests/tst_cuda_exec" 2>&1 | tee "$out/tst_cuda_exec.txt" | grep -E "QINFO|PASS|FAIL|SKIP|Loc|Totals"
cli="$root/build-gpu/app/autoglm"
work="$(mktemp -d)"
calib=(--calib-text "$fixtures/austen_calib.txt")
"$cli" compress "$fixtures/tiny_gpt.onnx" -o "$work/w4a16.onnx" --quantize w4a16 --method rtn "${calib[@]}" >"$out/compress_w4.log" 2>&1 || tail -5 "$out/compress_w4.log"
"$cli" compress "$fixtures/tiny_gpt.onnx" -o "$work/w8a8.onnx" --quantize w8a8 "${calib[@]}" >"$out/compress_w8.log" 2>&1 || tail -5 "$out/compress_w8.log"
for batch in 1 8; do
  for precision in fp32 fp16; do
    echo "== autoglm bench tiny_gpt.onnx --device cuda --precision $precision --batch $batch --seq 256 --compare w4a16.onnx --compare w8a8.onnx"
    "$cli" bench "$fixtures/tiny_gpt.onnx" --device cuda --precision "$precision" --batch "$batch" --seq 256 \
      --iters 100 --compare "$work/w4a16.onnx" --compare "$work/w8a8.onnx" 2>&1 | tee -a "$out/bench_cuda.txt"
  done
done

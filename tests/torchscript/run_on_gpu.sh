#!/usr/bin/env bash
# On the GPU machine (PyTorch 2.x with its LibTorch, ONNX Runtime in Python; DESIGN.md §4): builds the CLI
# against that LibTorch 2.x (scripts/gpu-build.sh, needs the .debs it names) and checks the TorchScript import
# of the real scaled_dot_product_attention, which the LibTorch 1.13 of our CI machines does not have.
# usage: bash tests/torchscript/run_on_gpu.sh OUT_DIR   (the report is OUT_DIR/torchscript_pytorch2.txt)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$1"
mkdir -p "$out"
if ! bash "$root/scripts/gpu-build.sh" "$root/build-gpu" >"$out/gpu_build.log" 2>&1; then
  grep -E "error|Error" "$out/gpu_build.log" | head -n 40
  tail -n 15 "$out/gpu_build.log"
  exit 1
fi
tail -n 3 "$out/gpu_build.log"
export LD_LIBRARY_PATH="/tmp/autoglm-deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
work="$(mktemp -d)"
python3 "$here/make_sdpa_models.py" "$work"
python3 "$here/check_sdpa_models.py" "$root/build-gpu/app/autoglm" "$work" | tee "$out/torchscript_pytorch2.txt"

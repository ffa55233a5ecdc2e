#!/usr/bin/env bash
# Installs what the build and the tests need and is missing (Debian 12). Idempotent and quiet when all is there.
# Usage: scripts/install-deps.sh [--tests]
set -euo pipefail

packages=(cmake ninja-build g++ ccache pkg-config libopenblas0-openmp
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev
  libqcustomplot-dev libqcustomplot2.1-qt6 libtorch-dev libonnx-dev libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libstb-dev zlib1g-dev xvfb xauth fonts-dejavu-core dpkg-dev)
if [[ "${1:-}" == "--tests" ]]; then
  # Fashion-MNIST's 60,000 training images (IDX): the distillation data of the channel-pruning floor.
  packages+=(libonnx-testdata dataset-fashion-mnist)
  # Debian's nodejs conflicts with the NodeSource build some machines ship: only install it when node is absent.
  command -v node >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -q \
    --no-install-recommends "${missing[@]}"
fi

if [[ "${1:-}" == "--tests" ]]; then
  # ONNX Runtime is the independent judge of our executor and of every file we export (tests/ort).
  ort_dir="$(dirname "$0")/../tests/ort"
  if [[ ! -d "$ort_dir/node_modules/onnxruntime-node" ]]; then
    echo "installing onnxruntime-node into tests/ort"
    (cd "$ort_dir" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --silent onnxruntime-node@1.30.0)
  fi
fi

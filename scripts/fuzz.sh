#!/usr/bin/env bash
# Builds the fuzz harnesses of tests/fuzz (GCC's AddressSanitizer and UBSan, libFuzzer from clang's runtime) in
# build-fuzz/ and runs each for a while, one after the other.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     (default 300 s; targets: npy onnx pipeline torchscript)
# Inputs that add coverage go to build-fuzz/corpus/<target>/ (started from tests/fuzz/corpus/<target>/); a crash
# leaves its input in build-fuzz/crashes/<target>/: fix it, then copy the input into tests/fuzz/corpus/<target>/,
# where CTest replays it from then on (fuzz_replay_<target>).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${AUTOGLM_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-300}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(npy onnx pipeline torchscript)

"$root/scripts/install-deps.sh"
missing=()
for p in libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi

export CCACHE_DIR="${CCACHE_DIR:-$root/.ccache}"
export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAUTOGLM_FUZZ=ON \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
cmake --build "$build" -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")

# LibTorch is not instrumented; its own allocations and thread pools are left alone by these options.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:abort_on_error=1"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/crashes/$t"
  echo "== fuzz_$t for ${seconds}s"
  if ! "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=4096 -timeout=30 \
      -print_final_stats=1 -artifact_prefix="$build/crashes/$t/" "$build/corpus/$t" "$root/tests/fuzz/corpus/$t" \
      2>&1 | tee "$build/fuzz_$t.log" | grep -E "^#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|ERROR|SUMMARY"; then
    :
  fi
  if ls "$build/crashes/$t"/* >/dev/null 2>&1; then
    echo "fuzz_$t found inputs that crash: $build/crashes/$t/"
    status=1
  fi
done
exit $status

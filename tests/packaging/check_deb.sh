#!/usr/bin/env bash
# Builds the Debian package with cpack, then checks what an installation would get: the programs, the
# .desktop entry, the icon, the starter pipeline with its data, dependencies computed from the binaries, and a
# studio that starts from the unpacked files (offscreen) and prints its version.
set -euo pipefail
build="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$build" && cpack -G DEB -B "$work/pkg" > "$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb="$(ls "$work"/pkg/*.deb | head -1)"
[[ -f "$deb" ]] || { echo "no .deb written"; exit 1; }
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/autoglm-studio usr/bin/autoglm usr/share/applications/autoglm-studio.desktop \
         usr/share/icons/hicolor/scalable/apps/autoglm-studio.svg \
         usr/share/autoglm-studio/pipelines/fashion_starter.autoglm.json \
         usr/share/autoglm-studio/models/fashion_cnn.onnx \
         usr/share/autoglm-studio/samples/fashion/test_images_2000.npy; do
  [[ -e "$work/root/$f" ]] || { echo "missing from the package: $f"; exit 1; }
done
depends="$(dpkg-deb -f "$deb" Depends)"
for lib in libqt6widgets6 libtorch; do
  grep -q "$lib" <<<"$depends" || { echo "Depends lacks $lib: $depends"; exit 1; }
done
QT_QPA_PLATFORM=offscreen "$work/root/usr/bin/autoglm-studio" --version | grep -q "0.1.0" || {
  echo "the packaged studio does not start"; exit 1; }
"$work/root/usr/bin/autoglm" run "$work/root/usr/share/autoglm-studio/pipelines/fashion_starter.autoglm.json" \
  --plan > "$work/plan.txt"
[[ "$(wc -l < "$work/plan.txt")" -ge 4 ]] || { echo "the packaged starter pipeline does not plan"; exit 1; }
echo "ok: $(basename "$deb"), $(du -h "$deb" | cut -f1); Depends: $depends"

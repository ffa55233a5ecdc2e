#!/usr/bin/env bash
# Fails when a module includes what its layer must not see (docs/ARCHITECTURE.md, "Dependency rules").
set -u
root="$1"
status=0
report() { echo "layering violation: $1"; status=1; }
while IFS= read -r hit; do report "LibTorch outside pipeline/*.cpp: $hit"; done < <(
  grep -rnE '#include <(torch|ATen|c10)/' "$root/app" "$root/widgets" "$root/kernels" 2>/dev/null)
while IFS= read -r hit; do report "Qt inside the core: $hit"; done < <(
  grep -rnE '#include <Q[A-Za-z]+' "$root/pipeline" "$root/kernels" 2>/dev/null)
# Public pipeline headers stay torch-free; only private headers (the two named, and any *_p.h as in Qt) may
# include ATen.
while IFS= read -r hit; do report "LibTorch in a public pipeline header: $hit"; done < <(
  grep -rlE '#include <(torch|ATen|c10)/' "$root/pipeline" --include='*.h' 2>/dev/null |
    grep -vE 'pipeline/exec/(OpRegistry|TorchTypes)\.h$|_p\.h$')
while IFS= read -r hit; do report "private header (*_p.h) seen from a public header or outside pipeline/: $hit"; done < <(
  grep -rnE '#include "[^"]*_p\.h"' "$root/pipeline" --include='*.h' 2>/dev/null | grep -vE '^[^:]*_p\.h:'
  grep -rnE '#include "[^"]*_p\.h"' "$root/app" "$root/widgets" "$root/tests" 2>/dev/null)
while IFS= read -r hit; do report "pipeline or widgets code in kernels/: $hit"; done < <(
  grep -rnE '#include "(pipeline|widgets|app)/' "$root/kernels" 2>/dev/null)
while IFS= read -r hit; do report "widgets/ reaching into app/: $hit"; done < <(
  grep -rnE '#include "app/' "$root/widgets" 2>/dev/null)
[ $status -eq 0 ] && echo "layering ok"
exit $status

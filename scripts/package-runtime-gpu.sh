#!/usr/bin/env bash
# Builds the runtime alone (preset "runtime", no MLIR) and copies what the GPU
# machine needs into dist-runtime/ (ignored by git): kiln-run, the runtime's
# test binaries and the test-engine maker. They link cudart statically; cuDNN,
# cuBLASLt and NVRTC come from the GPU machine (see docs/runtime.md). The GPU
# tests also need CUPTI (their allocation counts): libcupti travels in lib/,
# found through the tests' $ORIGIN/../lib run path.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh runtime >/dev/null

rm -rf dist-runtime
mkdir -p dist-runtime/bin
for tool in kiln-run kiln-runtime-tests kiln-runtime-gpu-tests kiln-runtime-make-test-engine; do
  cp build-runtime/bin/"$tool" dist-runtime/bin/
  strip dist-runtime/bin/"$tool"
done
mkdir -p dist-runtime/lib
cupti=$(sed -n 's/^CUDA_cupti_LIBRARY:FILEPATH=//p' build-runtime/CMakeCache.txt)
soname=$(readelf -d "$cupti" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
if [[ -z $soname ]]; then
  echo "package-runtime-gpu: no CUPTI library at '$cupti' (CUDA_cupti_LIBRARY)" >&2
  exit 1
fi
cp -L "$cupti" "dist-runtime/lib/$soname"
du -sh dist-runtime | awk '{print "package-runtime-gpu: dist-runtime/ is " $1}'

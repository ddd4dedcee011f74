#!/usr/bin/env bash
# Builds the runtime alone (preset "runtime", no MLIR) and copies what the GPU
# machine needs into dist-runtime/ (ignored by git): kiln-run, the runtime's
# test binaries and the test-engine maker. They link cudart statically; cuDNN,
# cuBLASLt and NVRTC come from the GPU machine (see docs/runtime.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh runtime >/dev/null

rm -rf dist-runtime
mkdir -p dist-runtime/bin
for tool in kiln-run kiln-runtime-tests kiln-runtime-gpu-tests kiln-runtime-make-test-engine; do
  cp build-runtime/bin/"$tool" dist-runtime/bin/
  strip dist-runtime/bin/"$tool"
done
du -sh dist-runtime | awk '{print "package-runtime-gpu: dist-runtime/ is " $1}'

#!/usr/bin/env bash
# The main job on the bundled example model: installs what is missing,
# builds, compiles examples/resnet-block.onnx through the graph passes with
# a fusion report, and runs the compiled network.
#
# Until the GPU back end lands (engine, runtime, kiln-run), "compile" stops at
# the optimized nn IR and "run" is the CPU reference interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
out=build/example
mkdir -p "$out"
model=examples/resnet-block.onnx
echo "== kiln-compile $model --emit=nn-opt --report"
build/bin/kiln-compile "$model" --emit=nn-opt --report -o "$out/resnet-block.mlir"
echo "== wrote $out/resnet-block.mlir"
python3 -c "import numpy as np; np.save('$out/image.npy', np.random.default_rng(0).standard_normal((1, 8, 16, 16)).astype(np.float32))"
echo "== kiln-interpret $out/resnet-block.mlir --input image=$out/image.npy"
build/bin/kiln-interpret "$out/resnet-block.mlir" --input "image=$out/image.npy" \
  --output-dir "$out" --print-outputs

#!/usr/bin/env bash
# The main job on the bundled example model: installs what is missing,
# builds, compiles examples/resnet-block.onnx into an engine (with the fusion
# report), and runs it: with kiln-run on the GPU when there is one, and on the
# CPU reference interpreter in any case (the same inputs, so the two agree).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
out=build/example
mkdir -p "$out"
model=examples/resnet-block.onnx
echo "== kiln-compile $model -o $out/resnet-block.kiln --report"
build/bin/kiln-compile "$model" -o "$out/resnet-block.kiln" --report
build/bin/kiln-compile "$model" --emit=nn-opt -o "$out/resnet-block.mlir"
python3 -c "import numpy as np; np.save('$out/image.npy', np.random.default_rng(0).standard_normal((1, 8, 16, 16)).astype(np.float32))"
echo "== kiln-interpret $out/resnet-block.mlir --input image=$out/image.npy (CPU reference)"
build/bin/kiln-interpret "$out/resnet-block.mlir" --input "image=$out/image.npy" \
  --output-dir "$out" --print-outputs
echo "== kiln-run $out/resnet-block.kiln --input image=$out/image.npy --cuda-graph"
status=0
build/bin/kiln-run "$out/resnet-block.kiln" --input "image=$out/image.npy" --cuda-graph \
  --export-output "$out/gpu" || status=$?
if ((status == 3)); then
  echo "== no GPU here: the engine was built; run it where there is one"
  exit 0
fi
exit "$status"

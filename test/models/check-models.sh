#!/usr/bin/env bash
# Runs Kiln's front end on real networks where PyTorch is available (the GPU
# machine): exports them with seeded random weights, imports them, checks the
# importer and interpreter against ONNX Runtime, runs the graph pipeline,
# counts what is left, and checks the pipeline's numerics with the reference
# interpreter. Usage: test/models/check-models.sh DIST_DIR OUT_DIR [MODEL...]
set -uo pipefail
dist=$(realpath "$1"); out=$(realpath "$2"); shift 2
models=("${@:-resnet50 googlenet mobilenet_v2 efficientnet_b0 bert}")
here=$(dirname "$(realpath "$0")")
python=${PYTHON:-python3}
work=${WORK:-/tmp/kiln-models}
mkdir -p "$work" "$out"
export LD_LIBRARY_PATH="$dist/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
summary="$out/models.md"
echo "| model | import | vs onnxruntime (interpreter) | layers before → after | batch_norm / relu / add left | merged convs | in-place concats | pipeline numerics (FP32) |" > "$summary"
echo "|---|---|---|---|---|---|---|---|" >> "$summary"

count() { grep -cE "= nn\.$2[ (]" "$1" || true; }

for model in ${models[@]}; do
  echo "== $model"
  $python "$here/export_models.py" "$work" "$model" || { echo "| $model | export failed | | | | | | |" >> "$summary"; continue; }
  onnx="$work/$model.onnx"
  if ! "$dist/bin/kiln-compile" "$onnx" --emit=nn -o "$work/$model.mlir" 2>> "$out/logs.txt"; then
    echo "| $model | failed (see logs.txt) | | | | | | |" >> "$summary"; continue
  fi
  inputs=$($python "$here/compare_with_ort.py" "$onnx" "$work/$model.data" prepare)
  ort="not run"
  if "$dist/bin/kiln-interpret" "$work/$model.mlir" $inputs --output-dir "$work/$model.data" > /dev/null 2>> "$out/logs.txt"; then
    ort=$($python "$here/compare_with_ort.py" "$onnx" "$work/$model.data" compare | tee -a "$out/logs.txt" | sed 's/.*relative error vs onnxruntime \([^,]*\).*/\1/' | sort -g | tail -1)
  fi
  echo "== $model" >> "$out/reports.txt"
  "$dist/bin/kiln-compile" "$onnx" --emit=nn-opt --report -o "$work/$model.opt.mlir" 2>> "$out/reports.txt"
  before=$(grep -cE "= nn\.[a-z_]+ " "$work/$model.mlir" | tr -d ' ')
  before=$((before - $(count "$work/$model.mlir" constant)))
  after=$(grep -cE "= nn\.[a-z_]+ " "$work/$model.opt.mlir")
  after=$((after - $(count "$work/$model.opt.mlir" constant)))
  left="$(count "$work/$model.opt.mlir" batch_norm) / $(count "$work/$model.opt.mlir" relu) / $(count "$work/$model.opt.mlir" add)"
  merged=$(grep -cE "= nn\.slice .*channels|= nn\.slice" "$work/$model.opt.mlir" || true)
  inplace=$(grep -cE "nn\.concat .* in_place" "$work/$model.opt.mlir" || true)
  concats=$(count "$work/$model.opt.mlir" concat)
  numerics=$(timeout 900 "$dist/bin/kiln-check-numerics" "$work/$model.mlir" --trials 1 \
             --pass-pipeline='builtin.module(kiln-graph-pipeline)' 2>&1 | tail -1)
  echo "| $model | ok | $ort | $before → $after | $left | $merged slices | $inplace of $concats | $numerics |" >> "$summary"
done
cat "$summary"

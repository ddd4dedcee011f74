#!/usr/bin/env bash
# Runs real networks through the whole compiler and the runtime on the GPU
# machine: exports each with seeded random weights (PyTorch), compiles it to an
# FP32 and an FP16 engine with kiln-compile, runs the engines with kiln-run on
# the inputs compare_with_ort.py makes, and compares the outputs with ONNX
# Runtime (CPU); then times each engine with CUDA graphs.
# Usage: test/models/check-engines.sh DIST_DIR OUT_DIR [MODEL...]
# TIMING_CACHE=FILE: the builds share that timing cache (a warm one times
# nothing, so the five networks fit in one device call); without it each
# build times its tactics.
set -uo pipefail
dist=$(realpath "$1"); out=$(realpath "$2"); shift 2
models=("${@:-resnet50 googlenet mobilenet_v2 efficientnet_b0 bert}")
here=$(dirname "$(realpath "$0")")
python=${PYTHON:-python3}
work=${WORK:-/tmp/kiln-engines}
mkdir -p "$work" "$out"
export LD_LIBRARY_PATH="$dist/lib:/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
summary="$out/engines.md"
echo "| model | precision | compile (s) | steps | arena | vs onnxruntime (FP32 CPU) | GPU ms/inference, CUDA graph (median, p90) |" > "$summary"
echo "|---|---|---|---|---|---|---|" >> "$summary"
for model in ${models[@]}; do
  echo "== $model"
  $python "$here/export_models.py" "$work" "$model" > /dev/null 2>> "$out/logs.txt" || { echo "| $model | export failed | | | | | |" >> "$summary"; continue; }
  onnx="$work/$model.onnx"
  data="$work/$model.data"
  inputs=$($python "$here/compare_with_ort.py" "$onnx" "$data" prepare)
  for precision in fp32 fp16; do
    engine="$work/$model.$precision.kiln"
    start=$(date +%s.%N)
    cache=(); [[ -n ${TIMING_CACHE:-} ]] && cache=(--timing-cache "$TIMING_CACHE")
    if ! "$dist/bin/kiln-compile" "$onnx" -o "$engine" --precision=$precision "${cache[@]}" > "$work/$model.$precision.summary" 2>> "$out/logs.txt"; then
      echo "| $model | $precision | failed (logs.txt) | | | | |" >> "$summary"; continue
    fi
    seconds=$(python3 -c "print($(date +%s.%N) - $start)")
    steps=$(sed -n 's/.* \([0-9]*\) steps after fusion.*/\1/p' "$work/$model.$precision.summary")
    arena=$(sed -n 's/memory: arena \([0-9]*\) bytes.*/\1/p' "$work/$model.$precision.summary")
    rm -f "$data"/*.out.npy
    if ! "$dist/bin/kiln-run" "$engine" $inputs --iterations 1 --warmup 0 --export-output "$data" >> "$out/logs.txt" 2>&1; then
      echo "| $model | $precision | $seconds | $steps | $arena | run failed (logs.txt) | |" >> "$summary"; continue
    fi
    error=$($python "$here/compare_with_ort.py" "$onnx" "$data" compare 2>&1 | tee -a "$out/logs.txt" | sed 's/.*relative error vs onnxruntime \([^,]*\).*/\1/' | sort -g | tail -1)
    timing=$("$dist/bin/kiln-run" "$engine" $inputs --cuda-graph --warmup 50 --iterations 500 2>&1 | tee -a "$out/logs.txt" | sed -n 's/.*GPU time per run.*median = \([0-9.]*\) ms, percentile(90%) = \([0-9.]*\) ms.*/\1, \2/p')
    "$dist/bin/kiln-run" "$engine" $inputs --iterations 100 --dump-profile > "$out/profile-$model-$precision.txt" 2>&1
    echo "| $model | $precision | $(printf %.1f $seconds) | $steps | $arena | $error | $timing |" >> "$summary"
  done
done
cat "$summary"

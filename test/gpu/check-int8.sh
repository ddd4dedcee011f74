#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: compiles each Q/DQ test
# model to an engine with the packaged tools, runs it with kiln-run on random
# inputs, and compares every output with kiln-interpret's (the reference
# interpreter running the Q/DQ graph) on the same inputs: each element must
# agree within one quantization step of the output (two for the three-layer
# CUTLASS block, below).
#   test/gpu/check-int8.sh DIST OUT     (DIST: scripts/package-gpu.sh's dist/)
# Models: the Q/DQ ResNet block of test/passes/numerics (MLIR), and a small
# ResNet quantized by ONNX Runtime's quantize_static
# (test/whole-models/make_qdq_model.py; made here when python has onnx and
# onnxruntime, else taken from OUT/qdq-static-model/ if already there).
# Each model is compiled twice: with the INT8 convolutions' epilogues fused
# into cuDNN (--int8-epilogue=cudnn, the default) and in generated kernels
# (kernel); both must pass. Then a Q/DQ residual block whose convolutions
# the CUTLASS kernels run (made by make_qdq_cutlass_model.py: odd sizes,
# stride 2, int8 residual, relu) is compiled once per CUTLASS configuration
# forced (int8-conv-kernel=cutlass:CONFIG; every convolution must have
# become a CUTLASS launch) and must pass the same comparison. Prints one line per model and mode and "int8: N
# passed, M failed"; exit status 0 when all pass. Artifacts (engines, IR,
# inputs, outputs, logs) go to OUT/MODE/.
set -uo pipefail
dist=${1:?usage: check-int8.sh DIST OUT}
out=${2:?usage: check-int8.sh DIST OUT}
mkdir -p "$out"
source "$(dirname "$0")/gpu-env.sh"
passed=0 failed=0

# Random inputs of the engine's binding shapes, one .npy each; prints
# "BINDING:INDEX:FILE" per input.
make_inputs() {
  "$dist/bin/kiln-run" "$1/model.kiln" --inspect-json > "$1/inspect.json"
  "$python" - "$1" <<'PY'
import json, os, sys, numpy as np
d = sys.argv[1]
spec = json.load(open(f"{d}/inspect.json"))
rng = np.random.default_rng(7)
for i, b in enumerate(x for x in spec["bindings"] if x["io"] == "input"):
    path = f"{d}/in{i}.npy"
    if not os.path.exists(path):
        np.save(path, rng.normal(0, 1, b["shape"]).astype(np.float32))
    print(f"{b['name']}:{i}:{path}")
PY
}

# Runs DIR/model.kiln on the inputs, compares with DIR/ref/ (REF_NAMES:
# "binding" or "index" naming of the reference's files) within STEP.
run_and_compare() {
  local name=$1 dir=$2 step=$3 naming=$4; shift 4
  local run_args=("$@")
  "$dist/bin/kiln-run" "$dir/model.kiln" "${run_args[@]}" --warmup 0 --iterations 1 \
    --dump-profile --export-output "$dir/gpu" > "$dir/run.log" 2>&1
  local rc=$?
  if [[ $rc != 0 ]]; then
    echo "FAIL $name: kiln-run exit $rc: $(tail -1 "$dir/run.log")"; failed=$((failed + 1)); return
  fi
  if "$python" - "$dir" "$step" "$naming" <<'PY'
import json, os, sys, numpy as np
d, step, naming = sys.argv[1], float(sys.argv[2]), sys.argv[3]
spec = json.load(open(f"{d}/inspect.json"))
outs = [b["name"] for b in spec["bindings"] if b["io"] == "output"]
ok = True
for i, name in enumerate(outs):
    gpu = np.load(f"{d}/gpu/{name}.npy").astype(np.float64)
    ref = np.load(f"{d}/ref/{name if naming == 'binding' else f'result_{i}'}.npy")
    err = np.abs(gpu - ref.astype(np.float64))
    worst = float(err.max()) if err.size else 0.0
    print(f"  {name}: {gpu.size} elements, max |gpu - ref| {worst:.6g} "
          f"({worst / step:.3f} steps of {step:g}), exact {np.mean(err < 1e-6) * 100:.2f}%, "
          f"one step off {np.mean(np.round(err / step) == 1) * 100:.2f}%")
    ok &= worst <= step * float(os.environ.get("ALLOWED_STEPS", "1")) * 1.0001
sys.exit(0 if ok else 1)
PY
  then
    echo "PASS $name ($(grep -c 'precision = "int8"' "$dir/engine.mlir") int8 steps," \
         "$(grep -c 'engine.conv.* scale %' "$dir/engine.mlir") fused int8 convs)"
    passed=$((passed + 1))
  else
    echo "FAIL $name: an output differs by more than ${ALLOWED_STEPS:-1} quantization step(s) ($step)"
    failed=$((failed + 1))
  fi
}

# The quantize_static model, made once (ONNX).
static=$out/qdq-static-model
mkdir -p "$static"
if [[ ! -f $static/model.onnx ]] && "$python" -c "import onnx, onnxruntime" 2>/dev/null; then
  "$python" test/whole-models/make_qdq_model.py "$static" > "$static/make.log" 2>&1
fi

# Compiles MLIR model MODEL (one function) with the engine pipeline's
# OPTIONS into DIR, runs it and compares with the interpreter within STEP;
# with MIN_CUTLASS > 0, fails unless that many convolutions are CUTLASS launches.
check_mlir_model() {
  local model=$1 step=$2 name=$3 dir=$4 options=$5 min_cutlass=${6:-0}
  mkdir -p "$dir/ref" "$dir/gpu"
  local function
  function=$(grep -o 'func.func @[A-Za-z0-9_]*' "$model" | head -1 | cut -d@ -f2)
  if ! "$dist/bin/kiln-opt" "$model" -o "$dir/engine.mlir" \
       --pass-pipeline="builtin.module(kiln-graph-pipeline,kiln-engine-pipeline{$options})" \
       > "$dir/compile.log" 2>&1 ||
     ! "$dist/bin/kiln-translate" --serialize-engine "$dir/engine.mlir" -o "$dir/model.kiln" \
       >> "$dir/compile.log" 2>&1; then
    echo "FAIL $name: does not compile (see $dir/compile.log)"; failed=$((failed + 1)); return
  fi
  local cutlass
  cutlass=$(grep -c 'engine.launch @kiln_cutlass_conv' "$dir/engine.mlir")
  if (( cutlass < min_cutlass )); then
    echo "FAIL $name: $cutlass CUTLASS convolutions, expected $min_cutlass"
    failed=$((failed + 1)); return
  fi
  local run_args=() ref_args=()
  for w in $(make_inputs "$dir"); do
    IFS=: read -r bind index file <<<"$w"
    run_args+=(--input "$bind=$file"); ref_args+=(--input "arg$index=$file")
  done
  "$dist/bin/kiln-interpret" "$model" --function "$function" "${ref_args[@]}" \
    --output-dir "$dir/ref" > "$dir/ref.log" 2>&1
  run_and_compare "$name" "$dir" "$step" index "${run_args[@]}"
}

for mode in cudnn kernel; do
# 1. MLIR models with one function, and their output's quantization step.
for entry in "test/passes/numerics/qdq-resnet-block.mlir 0.05"; do
  read -r model step <<<"$entry"
  check_mlir_model "$model" "$step" "$(basename "$model" .mlir) ($mode)" \
    "$out/$mode/$(basename "$model" .mlir)" "int8-epilogue=$mode"
done

# 2. The quantize_static model (ONNX).
dir=$out/$mode/qdq-static-model
mkdir -p "$dir/ref" "$dir/gpu"
if [[ ! -f $static/model.onnx ]]; then
  echo "SKIP qdq-static-model: no onnx/onnxruntime in $python; make it elsewhere with" \
       "'python3 test/whole-models/make_qdq_model.py $static' and run again"
elif ! "$dist/bin/kiln-compile" "$static/model.onnx" --int8-epilogue=$mode -o "$dir/model.kiln" \
       > "$dir/compile.log" 2>&1 ||
     ! "$dist/bin/kiln-compile" "$static/model.onnx" --int8-epilogue=$mode --emit=engine-ir \
       --elide-weights -o "$dir/engine.mlir" >> "$dir/compile.log" 2>&1; then
  echo "FAIL qdq-static-model ($mode): does not compile (see $dir/compile.log)"
  failed=$((failed + 1))
else
  cp "$static/input.npy" "$dir/in0.npy"
  cp "$static/step.txt" "$dir/step.txt"
  run_args=() ref_args=()
  for w in $(make_inputs "$dir"); do
    IFS=: read -r bind index file <<<"$w"
    run_args+=(--input "$bind=$file"); ref_args+=(--input "$bind=$file")
  done
  "$dist/bin/kiln-interpret" "$static/model.onnx" "${ref_args[@]}" --output-dir "$dir/ref" \
    > "$dir/ref.log" 2>&1
  run_and_compare "qdq-static-model ($mode)" "$dir" "$(cat "$dir/step.txt")" binding \
    "${run_args[@]}"
fi
done

# 3. CUTLASS kernels, one configuration at a time.
# The block has three INT8 layers in a chain: the engine computes each fused
# epilogue in f32 and the interpreter the Q/DQ graph in double, so a near-tie
# rounded one step apart in the first layer moves the next ones; measured on
# the H100, cuDNN's engine is up to 2 steps from the interpreter (8.4% of the
# outputs one step). The CUTLASS engines must equal cuDNN's engine bit for bit
# (both run engine.conv's f32 epilogue) and be within 2 steps of the
# interpreter. The split-K configurations run the block with 272 input
# channels too (5 channel blocks of 64, the last partial, shared by 2, 4 or
# 8 slices: every slice's sums reach the output), and with 192 output
# channels of 14x14 inputs (2 x 3 output tiles: several clusters, some past
# the last channel tile). There, 192-channel layers carry a one-step
# difference further: cuDNN's engine is up to 3 steps from the interpreter
# (H100, 2026-11-23: 97.2% of the outputs exact, 2.3% one step off), so
# that block allows 3 (STEPS); its point is the bit-for-bit comparison.
check_cutlass_block() {
  local tag=$1 shape=$2; shift 2
  local model=$out/qdq-cutlass-$tag.mlir
  # shellcheck disable=SC2086 # the generator's options, word-split on purpose
  "$python" test/gpu/make_qdq_cutlass_model.py "$model" $shape
  ALLOWED_STEPS=${STEPS:-2} check_mlir_model "$model" 0.05 "qdq-cutlass-$tag (cudnn)" \
    "$out/cutlass-cudnn/$tag" "int8-conv-kernel=cudnn"
  local config
  for config in "$@"; do
    ALLOWED_STEPS=${STEPS:-2} check_mlir_model "$model" 0.05 "qdq-cutlass-$tag (cutlass:$config)" \
      "$out/cutlass-$config/$tag" "int8-conv-kernel=cutlass:$config" 3
    if ! "$python" - "$out/cutlass-cudnn/$tag" "$out/cutlass-$config/$tag" <<'PY'
import json, sys, numpy as np
a, b = sys.argv[1], sys.argv[2]
spec = json.load(open(f"{a}/inspect.json"))
same = True
for name in [x["name"] for x in spec["bindings"] if x["io"] == "output"]:
    x, y = np.load(f"{a}/gpu/{name}.npy"), np.load(f"{b}/gpu/{name}.npy")
    d = np.abs(x.astype(np.float64) - y)
    print(f"  {name} against cuDNN's engine: max |cutlass - cudnn| {d.max():.6g}, "
          f"exact {np.mean(d == 0) * 100:.2f}%")
    same &= bool((d == 0).all())
sys.exit(0 if same else 1)
PY
    then
      echo "FAIL qdq-cutlass-$tag (cutlass:$config): differs from cuDNN's engine"
      failed=$((failed + 1))
    fi
  done
}
split_configs=(64x64x64_s4_k2 64x64x64_s4_k4 64x64x64_s4_k8)
check_cutlass_block block "" 128x128x64_s4 128x128x128_s3 128x256x64_s3 256x128x64_s3 \
  128x64x64_s4 64x64x64_s6 "${split_configs[@]}"
check_cutlass_block wide "--in-channels 272" 64x64x64_s6 "${split_configs[@]}"
STEPS=3 check_cutlass_block tiles "--in-channels 272 --channels 192 --size 14x14" 64x64x64_s6 \
  "${split_configs[@]}"

echo "int8: $passed passed, $failed failed"
[[ $failed == 0 ]]

#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: kiln-refit with tactics
# that were timed on the GPU. For each model of test/tools/refit/
# make_refit_models.py (FP32, FP16, the Q/DQ INT8 network, the calibrated
# INT8 classifier) it builds the old engine with kiln-compile (tactics
# timed), refits it with the new model's weights, and checks that
#   - the refit succeeds and carries every timed tactic of the old engine
#     (kiln-refit compares each step's cuDNN engine, knobs, cuBLASLt algo and
#     launch shape itself; here the count of tactics it fed must equal the
#     old engine's conv/gemm/launch steps with a timed or cached tactic);
#   - the refitted engine, run with kiln-run, computes the new model:
#     relative L2 error against kiln-interpret on the new model (the Q/DQ
#     and calibrated ones against the new model's fused INT8 graph) below
#     TOL, and its outputs differ from the old engine's;
#   - uint8 quantize_static engines (asymmetric, kept in float; symmetric
#     per-tensor weights, in INT8) agree with kiln-interpret likewise.
#   test/gpu/check-refit.sh DIST OUT     (DIST: scripts/package-gpu.sh's dist/)
# Prints one line per case and "refit: N passed, M failed"; exit status 0
# when all pass. Artifacts go to OUT/.
set -uo pipefail
dist=${1:?usage: check-refit.sh DIST OUT}
out=${2:?usage: check-refit.sh DIST OUT}
mkdir -p "$out"
source "$(dirname "$0")/gpu-env.sh"
passed=0 failed=0
models=$out/models
"$python" test/tools/refit/make_refit_models.py "$models" > "$out/make.log" 2>&1 ||
  { echo "FAIL: cannot make the models (see $out/make.log)"; exit 1; }

# compare NAME ENGINE REFERENCE_MODEL INPUT_NAME INPUT TOL [OLD_ENGINE]
compare() {
  local name=$1 engine=$2 reference=$3 input_name=$4 input=$5 tol=$6 old=${7:-}
  local dir=$out/$name
  mkdir -p "$dir/gpu" "$dir/ref" "$dir/old"
  if ! "$dist/bin/kiln-run" "$engine" --input "$input_name=$input" --warmup 0 --iterations 1 \
       --export-output "$dir/gpu" > "$dir/run.log" 2>&1; then
    echo "FAIL $name: kiln-run: $(tail -1 "$dir/run.log")"; failed=$((failed + 1)); return
  fi
  [[ -n $old ]] && "$dist/bin/kiln-run" "$old" --input "$input_name=$input" --warmup 0 \
    --iterations 1 --export-output "$dir/old" > "$dir/run-old.log" 2>&1
  "$dist/bin/kiln-interpret" "$reference" --input "$input_name=$input" --output-dir "$dir/ref" \
    > "$dir/ref.log" 2>&1
  if "$python" - "$dir" "$tol" "$old" <<'PY'
import os, sys, numpy as np
d, tol, old = sys.argv[1], float(sys.argv[2]), sys.argv[3]
ok = True
for f in sorted(os.listdir(f"{d}/gpu")):
    gpu = np.load(f"{d}/gpu/{f}").astype(np.float64)
    ref = np.load(f"{d}/ref/{f}").astype(np.float64)
    err = np.linalg.norm(gpu - ref) / max(np.linalg.norm(ref), 1e-30)
    line = f"  {f[:-4]}: relative L2 error vs kiln-interpret {err:.3g}"
    ok &= err < tol
    if old:
        before = np.load(f"{d}/old/{f}").astype(np.float64)
        line += f", vs the old engine {np.linalg.norm(gpu - before) / max(np.linalg.norm(before), 1e-30):.3g}"
        ok &= not np.array_equal(gpu, before)
    print(line)
sys.exit(0 if ok else 1)
PY
  then echo "PASS $name"; passed=$((passed + 1))
  else echo "FAIL $name: outputs (tolerance $tol, see above)"; failed=$((failed + 1)); fi
}

# refit NAME OLD_MODEL NEW_MODEL REFERENCE INPUT_NAME INPUT TOL [COMPILE_OPTIONS...]
refit() {
  local name=$1 old_model=$2 new_model=$3 reference=$4 input_name=$5 input=$6 tol=$7
  shift 7
  local dir=$out/$name
  mkdir -p "$dir"
  if ! "$dist/bin/kiln-compile" "$old_model" -o "$dir/old.kiln" --quiet "$@" \
       > "$dir/compile.log" 2>&1; then
    echo "FAIL $name: kiln-compile (see $dir/compile.log)"; failed=$((failed + 1)); return
  fi
  local refit_args=()
  [[ -f $dir/new.calib ]] && refit_args=(--calib-cache "$dir/new.calib")
  if ! "$dist/bin/kiln-refit" "$dir/old.kiln" "$new_model" -o "$dir/refit.kiln" \
       "${refit_args[@]}" > "$dir/refit.log" 2>&1; then
    echo "FAIL $name: kiln-refit: $(tail -1 "$dir/refit.log")"; failed=$((failed + 1)); return
  fi
  "$dist/bin/kiln-run" "$dir/old.kiln" --inspect-json > "$dir/old.json"
  local fed expected
  fed=$(sed -n 's/.*; \([0-9]*\) tactics from.*/\1/p' "$dir/refit.log")
  expected=$("$python" -c "
import json, sys
steps = json.load(open(sys.argv[1]))['steps']
print(sum(1 for s in steps if s.get('tactic_source') in ('timed', 'cache')))" "$dir/old.json")
  echo "  $name: $(head -1 "$dir/refit.log"); the old engine has $expected timed or cached tactics"
  if [[ $fed != "$expected" || $expected == 0 ]]; then
    echo "FAIL $name: $fed tactics carried over, $expected expected (none timed: no GPU?)"
    failed=$((failed + 1)); return
  fi
  compare "$name" "$dir/refit.kiln" "$reference" "$input_name" "$input" "$tol" "$dir/old.kiln"
}

refit fp32 "$models/fp32-old.onnx" "$models/fp32-new.onnx" "$models/fp32-new.onnx" \
  image "$models/image.npy" 1e-4
refit fp16 "$models/fp32-old.onnx" "$models/fp32-new.onnx" "$models/fp32-new.onnx" \
  image "$models/image.npy" 2e-2 --precision=fp16
"$dist/bin/kiln-compile" "$models/qdq-new.onnx" --emit=nn-opt -o "$out/qdq-new-opt.mlir" \
  2> /dev/null
refit qdq "$models/qdq-old.onnx" "$models/qdq-new.onnx" "$out/qdq-new-opt.mlir" \
  x "$models/x.npy" 1e-3
mkdir -p "$out/int8"
"$dist/bin/kiln-compile" "$models/fp32-new.onnx" --int8 --calib "$models/calib" \
  --calib-cache "$out/int8/new.calib" --calib-device=cpu --emit=nn-opt \
  -o "$out/int8-new-opt.mlir" > /dev/null 2>&1
refit int8 "$models/fp32-old.onnx" "$models/fp32-new.onnx" "$out/int8-new-opt.mlir" \
  image "$models/image.npy" 1e-2 --int8 --int8-layers=all --calib "$models/calib" \
  --calib-cache "$out/int8/old.calib" --calib-device=cpu

# uint8 quantize_static models (no refit): the engine against the reference.
static=$out/quantize-static
if "$python" test/calibration/make_quantize_static.py "$static" > "$out/static.log" 2>&1; then
  "$python" -c "import numpy as np; np.save('$static/image.npy', np.random.default_rng(5).standard_normal((1, 3, 16, 16)).astype(np.float32))"
  for model in qdq_asymmetric qdq_symmetric_per_tensor qdq_asymmetric_per_tensor; do
    "$dist/bin/kiln-compile" "$static/$model.onnx" -o "$static/$model.kiln" --quiet \
      > /dev/null 2>&1
    "$dist/bin/kiln-compile" "$static/$model.onnx" --emit=nn-opt -o "$static/$model.mlir" \
      2> /dev/null
    compare "$model" "$static/$model.kiln" "$static/$model.mlir" image "$static/image.npy" 1e-3
  done
else
  echo "SKIP quantize_static models: $(tail -1 "$out/static.log")"
fi

echo "refit: $passed passed, $failed failed"
[[ $failed == 0 ]]

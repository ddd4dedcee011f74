#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: kiln-compile --int8
# with --int8-layers=timed (the default) on the MobileNetV2/EfficientNet-
# style classifier of test/calibration/make_mobilenet_block.py at batch 256:
#   - the summary names the GPU and the engine chosen (INT8, fp16 or mixed)
#     with the times of each candidate and the INT8/float borders the
#     minimum cut left; the border cost was fitted to timed conversion steps;
#   - the engine records the choice (build.config: int8, layer_precision);
#   - the timing cache keeps it: a second build with that cache times no
#     engine, says "from the timing cache" and records the same choice;
#   - the engine runs, and its logits agree with kiln-interpret running the
#     graph compiled with that recorded choice (--int8-layers=all plus the
#     recorded constraints): every logit within ALLOWED_STEPS (default 2)
#     classifier steps and top-1 agreement >= 99%.
# Prints "int8-layers: PASS" or "int8-layers: FAIL ...".
#   test/gpu/check-int8-layers.sh DIST OUT   (DIST: scripts/package-gpu.sh's dist/)
set -uo pipefail
dist=${1:?usage: check-int8-layers.sh DIST OUT}
out=${2:?usage: check-int8-layers.sh DIST OUT}
mkdir -p "$out"
batch=256
fail() { echo "int8-layers: FAIL $*"; exit 1; }

source "$(dirname "$0")/mobilenet-block.sh"
# Calibrated at the calibration set's batch (16), as check-int8-mobilenet.sh.
"$dist/bin/kiln-compile" "$out/mobilenet.onnx" --input-shape image=16x3x16x16 --emit=nn-opt \
  --precision=int8 --int8 --calib "$out/calib" --calib-device=cpu \
  --calib-cache "$out/entropy.cache" -o /dev/null > "$out/calibrate.log" 2>&1 ||
  fail "calibration (see $out/calibrate.log)"
compile --precision=int8 --int8 --calib-cache "$out/entropy.cache" \
  --timing-cache "$out/timing-cache.json" -o "$out/timed.kiln" > "$out/compile.log" 2>&1 ||
  fail "does not compile (see $out/compile.log)"
grep '^\[int8 layers\]\|^  float:\|INT8 layer groups\|INT8/float border' "$out/compile.log"
summary=$(grep '^int8 layers: ' "$out/compile.log") || fail "no 'int8 layers:' summary line"
echo "$summary"
[[ $summary =~ ^int8\ layers:\ timed\ on\ .*:\ (INT8|fp16|mixed)\ engine\ written\ \(INT8\ [0-9.]+\ ms ]] ||
  fail "the summary does not say what was timed and chosen"
[[ $summary =~ \;\ the\ mixed\ engine:\ [0-9]+\ of\ [0-9]+\ INT8\ layer\ groups\ in\ [a-z0-9]+,\ [0-9]+\ INT8/float\ borders?\)$ ||
   $summary =~ \;\ no\ mixed\ engine:\ every\ INT8\ layer\ group\ is\ faster\ in\ INT8\)$ ]] ||
  fail "the summary does not describe the mixed engine's INT8/float cut"
# The borders are priced from conversion steps the two engines timed (the
# network input's quantize and cast at least).
grep -q '^  [0-9]* INT8/float borders, [0-9.]* ms of conversions (.* fitted to [1-9][0-9]* conversion steps)' \
  "$out/compile.log" || fail "the border costs were not fitted to timed conversion steps"

"$dist/bin/kiln-run" "$out/timed.kiln" --inspect-json > "$out/inspect.json" 2>&1 ||
  fail "kiln-run --inspect-json (see $out/inspect.json)"
mapfile -t recorded < <("$python" - "$out/inspect.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))["build"]["config"]
print("--int8 --int8-layers=all --calib-cache" if config["int8"] else "--no-int8")
for entry in config["layer_precision"]:
    print("--layer-precision=" + entry)
PY
) || fail "no build.config in the engine"
echo "recorded: ${recorded[*]}"
# Built again with the cache: the same choice, no engine timed.
compile --precision=int8 --int8 --calib-cache "$out/entropy.cache" \
  --timing-cache "$out/timing-cache.json" -o "$out/warm.kiln" > "$out/warm.log" 2>&1 ||
  fail "does not compile again (see $out/warm.log)"
warm=$(grep '^int8 layers: ' "$out/warm.log") || fail "no 'int8 layers:' summary line when warm"
echo "$warm"
[[ $warm == "int8 layers: from the timing cache: ${summary#int8 layers: }" ]] ||
  fail "the warm build did not take the timed choice from the timing cache"
grep -q '^\[int8 layers\] building' "$out/warm.log" &&
  fail "the warm build built candidate engines"
"$dist/bin/kiln-run" "$out/warm.kiln" --inspect-json > "$out/warm.json" 2>&1 ||
  fail "kiln-run --inspect-json (see $out/warm.json)"
"$python" - "$out/inspect.json" "$out/warm.json" <<'PY' || fail "the warm build recorded another choice"
import json, sys
timed, warm = (json.load(open(path))["build"]["config"] for path in sys.argv[1:])
keys = ("int8", "precision", "layer_precision")
sys.exit(0 if all(timed[k] == warm[k] for k in keys) else 1)
PY
args=(--precision=int8)
if [[ ${recorded[0]} == --no-int8 ]]; then
  args=(--precision=fp16)
else
  args+=(--int8 --int8-layers=all --calib-cache "$out/entropy.cache")
fi
args+=("${recorded[@]:1}")
compile "${args[@]}" --emit=nn-opt -o "$out/chosen.mlir" > "$out/chosen.log" 2>&1 ||
  fail "the recorded choice does not compile (see $out/chosen.log)"

"$dist/bin/kiln-run" "$out/timed.kiln" --input image="$out/images.npy" --iterations 50 \
  --cuda-graph --export-output "$out/gpu" > "$out/run.log" 2>&1 ||
  fail "kiln-run exit $? (see $out/run.log)"
"$dist/bin/kiln-interpret" "$out/chosen.mlir" --input image="$out/images.npy" \
  --output-dir "$out/ref" > "$out/ref.log" 2>&1 ||
  fail "kiln-interpret on the chosen graph (see $out/ref.log)"
step=$("$python" test/calibration/classifier_step.py "$out/mobilenet.onnx" "$out/entropy.cache" \
  globalaveragepool_66) || fail "no classifier step"

"$python" - "$out" "$step" "${ALLOWED_STEPS:-2}" <<'PY' || exit 1
import sys, numpy as np
d, step, allowed = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
gpu = np.load(f"{d}/gpu/logits.npy").astype(np.float64)
ref = np.load(f"{d}/ref/logits.npy").astype(np.float64)
worst = float(np.abs(gpu - ref).max())
agree = float(np.mean(gpu.argmax(1) == ref.argmax(1)) * 100)
print(f"logits: max |engine - interpreter of the recorded choice| {worst:.6g} = "
      f"{worst / step:.3f} classifier steps; top-1 agreement {agree:.1f}%")
ok = worst <= allowed * step * 1.0001 and agree >= 99.0
print("int8-layers: PASS" if ok else
      f"int8-layers: FAIL (allowed {allowed:g} steps and >= 99% agreement)")
sys.exit(0 if ok else 1)
PY

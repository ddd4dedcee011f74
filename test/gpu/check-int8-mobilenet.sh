#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: the MobileNetV2/
# EfficientNet-style classifier of test/calibration/make_mobilenet_block.py
# (ReLU6, 3x3 and 5x5 depthwise convs, a residual add) calibrated on the
# interpreter and compiled to an INT8 engine with the packaged tools, run
# with kiln-run on 256 images and compared with kiln-interpret running the
# same INT8 graph (--emit=nn-opt) on the same images:
#   - the engine's depthwise convs must be INT8 launches of Kiln's kernel (2)
#     and its 1x1 ReLU6 convs fused cuDNN steps with clip (2);
#   - every logit within ALLOWED_STEPS (default 2: six INT8 layers in a
#     chain, each rounding its f32 epilogue where the interpreter rounds in
#     double) of what one quantization step of the classifier's input moves
#     it (test/calibration/classifier_step.py);
#   - top-1 agreement with the interpreter >= 99%, and printed against FP32.
# Prints the per-step precision (kiln-run --inspect) and the per-layer
# profile (--dump-profile), then "int8-mobilenet: PASS" or "FAIL ...".
#   test/gpu/check-int8-mobilenet.sh DIST OUT   (DIST: scripts/package-gpu.sh's dist/)
set -uo pipefail
dist=${1:?usage: check-int8-mobilenet.sh DIST OUT}
out=${2:?usage: check-int8-mobilenet.sh DIST OUT}
mkdir -p "$out"
batch=256
fail() { echo "int8-mobilenet: FAIL $*"; exit 1; }

source "$(dirname "$0")/mobilenet-block.sh"

int8=(--precision=int8 --int8 --int8-layers=all --calib-cache "$out/entropy.cache")
"$dist/bin/kiln-compile" "$out/mobilenet.onnx" --input-shape image=16x3x16x16 --emit=nn-opt \
  --precision=int8 --int8 --calib "$out/calib" --calib-device=cpu --calib-cache "$out/entropy.cache" \
  --report -o /dev/null > "$out/report.log" 2>&1 || fail "calibration (see $out/report.log)"
compile "${int8[@]}" -o "$out/int8.kiln" > "$out/compile.log" 2>&1 &&
  compile "${int8[@]}" --emit=engine-ir --elide-weights -o "$out/engine.mlir" >> "$out/compile.log" 2>&1 &&
  compile "${int8[@]}" --emit=nn-opt -o "$out/int8.mlir" >> "$out/compile.log" 2>&1 &&
  compile --emit=nn -o "$out/fp32.mlir" >> "$out/compile.log" 2>&1 ||
  fail "does not compile (see $out/compile.log)"
grep "INT8 convolutions" "$out/report.log"

depthwise=$(grep -c 'engine.launch .*x1xi8>' "$out/engine.mlir")
clipped=$(grep -c 'engine.conv .* scale .*activation <clip' "$out/engine.mlir")
echo "engine: $depthwise INT8 depthwise launches, $clipped fused INT8 convs with clip"
(( depthwise == 2 && clipped == 2 )) || fail "expected 2 INT8 depthwise launches and 2 clipped fused convs"

"$dist/bin/kiln-run" "$out/int8.kiln" --inspect > "$out/inspect.txt" 2>&1
sed -n '/Steps/,/^===/p' "$out/inspect.txt" | head -40
"$dist/bin/kiln-run" "$out/int8.kiln" --input image="$out/images.npy" --iterations 200 \
  --cuda-graph --dump-profile --export-output "$out/gpu" > "$out/run.log" 2>&1 ||
  fail "kiln-run exit $? (see $out/run.log)"
sed -n '/=== Performance summary/,$p' "$out/run.log"
"$dist/bin/kiln-interpret" "$out/int8.mlir" --input image="$out/images.npy" --output-dir "$out/ref" \
  > "$out/ref.log" 2>&1 || fail "kiln-interpret on the INT8 graph (see $out/ref.log)"
"$dist/bin/kiln-interpret" "$out/fp32.mlir" --input image="$out/images.npy" --output-dir "$out/fp32" \
  > "$out/fp32.log" 2>&1 || fail "kiln-interpret on the FP32 graph (see $out/fp32.log)"
step=$("$python" test/calibration/classifier_step.py "$out/mobilenet.onnx" "$out/entropy.cache" \
  globalaveragepool_66) || fail "no classifier step"

"$python" - "$out" "$step" "${ALLOWED_STEPS:-2}" <<'PY' || exit 1
import sys, numpy as np
d, step, allowed = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
gpu = np.load(f"{d}/gpu/logits.npy").astype(np.float64)
ref = np.load(f"{d}/ref/logits.npy").astype(np.float64)
fp32 = np.load(f"{d}/fp32/logits.npy").astype(np.float64)
worst = float(np.abs(gpu - ref).max())
agree = float(np.mean(gpu.argmax(1) == ref.argmax(1)) * 100)
vs_fp32 = float(np.mean(gpu.argmax(1) == fp32.argmax(1)) * 100)
print(f"logits: max |gpu - interpreter| {worst:.6g} = {worst / step:.3f} classifier steps "
      f"({step:.6g}); top-1 agreement with the interpreter {agree:.1f}%, with FP32 {vs_fp32:.1f}%")
ok = worst <= allowed * step * 1.0001 and agree >= 99.0
print("int8-mobilenet: PASS" if ok else
      f"int8-mobilenet: FAIL (allowed {allowed:g} steps and >= 99% agreement)")
sys.exit(0 if ok else 1)
PY

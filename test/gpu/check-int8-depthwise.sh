#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: MobileNetV2's features.3
# block (test/gpu/make_depthwise_layer.py: 1x1 expand to 144 channels, the
# 3x3 depthwise conv 'dw' at 56x56, 1x1 project, residual) at batch 64,
# built with the packaged tools in INT8 (calibrated on the GPU) and in FP16,
# each with a fresh timing cache, then:
#   - every launch variant of the INT8 depthwise kernel with its time, as
#     kiln-select-tactics timed them (the "timed:" line after the kernel's
#     progress line), and the FP16 kernel's the same way;
#   - the per-layer profile of both engines (kiln-run --dump-profile, CUDA
#     graph on for the totals): the depthwise layer side by side, in ms and
#     GB/s (INT8 reads and writes 2 x 28.9 MB, FP16 2 x 57.8 MB; the H100's
#     HBM3 peaks at 3.35 TB/s);
#   - numerics: the block at batch 4 built once per launch variant
#     (kiln-select-tactics launch-variant=N, N = 0..8) must give the same
#     output bits from every variant (exact int32 sums, one epilogue), and
#     is compared with kiln-interpret on the INT8 graph (printed).
# Last line: "int8-depthwise: PASS (INT8 dw X ms, FP16 dw Y ms)" or
# "int8-depthwise: FAIL ...". Artifacts go to OUT.
#   test/gpu/check-int8-depthwise.sh DIST OUT   (DIST: scripts/package-gpu.sh's dist/)
set -uo pipefail
dist=${1:?usage: check-int8-depthwise.sh DIST OUT}
out=${2:?usage: check-int8-depthwise.sh DIST OUT}
mkdir -p "$out"
source "$(dirname "$0")/gpu-env.sh"
fail() { echo "int8-depthwise: FAIL $*"; exit 1; }

"$python" test/gpu/make_depthwise_layer.py "$out/b64" 64 > "$out/make.log" 2>&1 &&
  "$python" test/gpu/make_depthwise_layer.py "$out/b4" 4 >> "$out/make.log" 2>&1 ||
  fail "cannot make the model (needs onnx and numpy in $python; see $out/make.log)"

# Builds: INT8 calibrated on the GPU, FP16; both time every tactic.
rm -f "$out/int8-cache.json" "$out/fp16-cache.json"
"$dist/bin/kiln-compile" "$out/b64/block.onnx" --precision=int8 --int8 --calib "$out/b64/calib" \
  --calib-cache "$out/b64/entropy.cache" --timing-cache "$out/int8-cache.json" \
  -o "$out/int8.kiln" > "$out/int8-build.log" 2>&1 || fail "INT8 build (see $out/int8-build.log)"
"$dist/bin/kiln-compile" "$out/b64/block.onnx" --precision=fp16 \
  --timing-cache "$out/fp16-cache.json" -o "$out/fp16.kiln" > "$out/fp16-build.log" 2>&1 ||
  fail "FP16 build (see $out/fp16-build.log)"

# The depthwise kernel's progress line and its variants' times, one a line.
variants() { # LOG LABEL
  local line
  line=$(grep -n "^\[kernel tactics .*'dw" "$1" | head -1 | cut -d: -f1)
  [[ -n $line ]] || { echo "$2: no timed depthwise kernel in $1"; return 1; }
  sed -n "${line}p" "$1" | sed "s/^/$2: /"
  sed -n "$((line + 1))p" "$1" | sed 's/^ *timed: *//' | tr ';' '\n' | sed '/^ *$/d; s/^ */    /'
}
echo "=== Launch variants of the depthwise kernel (tactic timing) ==="
variants "$out/int8-build.log" INT8 || fail "no INT8 depthwise kernel timing"
variants "$out/fp16-build.log" FP16 ||
  echo "FP16: (no generated depthwise kernel timed: --depthwise-conv=auto chose cuDNN, or it was cached)"

# Per-layer profiles.
run() { # NAME
  "$dist/bin/kiln-run" "$out/$1.kiln" --input image="$out/b64/image.npy" --iterations 200 \
    --cuda-graph --dump-profile --export-output "$out/$1-out" > "$out/$1-run.log" 2>&1
}
run int8 || fail "kiln-run on the INT8 engine (see $out/int8-run.log)"
run fp16 || fail "kiln-run on the FP16 engine (see $out/fp16-run.log)"
echo "=== Per-layer profiles (batch 64) ==="
for p in int8 fp16; do
  echo "--- $p"
  grep '^Latency' "$out/$p-run.log"
  sed -n '/=== Profile/,$p' "$out/$p-run.log"
done
dw_ms() { grep -E '^dw( |$)' "$out/$1-run.log" | head -1 | awk '{print $(NF-1)}'; }
int8_ms=$(dw_ms int8) fp16_ms=$(dw_ms fp16)
[[ -n $int8_ms && -n $fp16_ms ]] || fail "no 'dw' row in the profiles"
awk -v i="$int8_ms" -v f="$fp16_ms" 'BEGIN {
  printf "depthwise features.3 (b64, 144 ch, 56x56): INT8 %.4f ms (%.0f GB/s), FP16 %.4f ms (%.0f GB/s), INT8/FP16 %.2f\n",
    i, 2 * 28.9e6 / (i * 1e-3) / 1e9, f, 2 * 57.8e6 / (f * 1e-3) / 1e9, i / f }'

# Numerics: every variant on the batch-4 block, against each other and the
# interpreter.
b4=$out/b4
"$dist/bin/kiln-compile" "$b4/block.onnx" --precision=int8 --int8 --calib "$b4/calib" \
  --calib-cache "$b4/entropy.cache" --emit=nn-opt -o "$b4/int8.mlir" > "$b4/build.log" 2>&1 ||
  fail "INT8 graph at batch 4 (see $b4/build.log)"
"$dist/bin/kiln-interpret" "$b4/int8.mlir" --input image="$b4/image.npy" --output-dir "$b4/ref" \
  > "$b4/ref.log" 2>&1 || fail "kiln-interpret (see $b4/ref.log)"
for v in 0 1 2 3 4 5 6 7 8; do
  "$dist/bin/kiln-opt" "$b4/int8.mlir" --kiln-convert-nn-to-engine --kiln-outline-kernels \
    "--kiln-select-tactics=launch-variant=$v" --kiln-plan-memory -o "$b4/v$v.mlir" \
    > "$b4/v$v.log" 2>&1 &&
    "$dist/bin/kiln-translate" --serialize-engine "$b4/v$v.mlir" -o "$b4/v$v.kiln" >> "$b4/v$v.log" 2>&1 &&
    "$dist/bin/kiln-run" "$b4/v$v.kiln" --input image="$b4/image.npy" --warmup 0 --iterations 1 \
      --export-output "$b4/v$v" >> "$b4/v$v.log" 2>&1 || fail "variant $v (see $b4/v$v.log)"
  echo "variant $v: depthwise block $(grep -o 'kiln launch variant [0-9x]*' "$b4/v$v.mlir" | sort -u | tr '\n' ' ')"
done
"$python" - "$b4" <<'PY' || fail "the variants' outputs differ"
import sys, numpy as np
d = sys.argv[1]
ref = np.load(f"{d}/ref/output.npy").astype(np.float64)
outs = [np.load(f"{d}/v{v}/output.npy") for v in range(9)]
same = all(np.array_equal(o.view(np.uint8), outs[0].view(np.uint8)) for o in outs)
err = np.abs(outs[0].astype(np.float64) - ref)
print(f"numerics: 9 variants {'bit-identical' if same else 'DIFFER'}; against kiln-interpret on "
      f"the INT8 graph max |diff| {err.max():.4g} (max |ref| {np.abs(ref).max():.4g}), "
      f"mean {err.mean():.3g}, finite {bool(np.isfinite(outs[0]).all())}")
sys.exit(0 if same and np.isfinite(outs[0]).all() else 1)
PY
echo "int8-depthwise: PASS (INT8 dw $int8_ms ms, FP16 dw $fp16_ms ms)"

#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: kiln-compile
# --input-type/--output-type (FP16 and BF16 bindings) on the MobileNetV2-style
# classifier of test/calibration/make_mobilenet_block.py at batch 64:
#   - the FP16 engine with FP16 bindings has no conversion at its edges and
#     no more steps than with float32 bindings (whose conversions the input's
#     reformat kernel and the classifier's GEMM do, since session 17's fused
#     casts: as many steps) and runs, with and without CUDA graphs;
#   - its logits agree with the float32-binding FP16 engine's on the same
#     images (kiln-run converts the .npy inputs to the binding's type):
#     max |difference| within 1% of the logits' range and top-1 agreement
#     >= 99% (the input's own rounding to FP16 is the only difference);
#   - an FP32 engine with a BF16 input agrees with the FP32 engine within
#     BF16's rounding of the input (2% of the range, top-1 >= 95%).
# Prints "io-types: PASS" or "io-types: FAIL ...".
#   test/gpu/check-io-types.sh DIST OUT   (DIST: scripts/package-gpu.sh's dist/)
set -uo pipefail
dist=${1:?usage: check-io-types.sh DIST OUT}
out=${2:?usage: check-io-types.sh DIST OUT}
mkdir -p "$out"
batch=64
fail() { echo "io-types: FAIL $*"; exit 1; }

source "$(dirname "$0")/mobilenet-block.sh"
build() { # NAME kiln-compile args
  local name=$1; shift
  compile "$@" -o "$out/$name.kiln" > "$out/$name.log" 2>&1 || fail "$name does not compile (see $out/$name.log)"
  grep 'steps after fusion' "$out/$name.log" | sed "s/^/$name: /"
  for graph in "" --cuda-graph; do
    "$dist/bin/kiln-run" "$out/$name.kiln" --input image="$out/images.npy" --iterations 20 $graph \
      --export-output "$out/$name" > "$out/$name.run.log" 2>&1 || fail "$name does not run $graph (see $out/$name.run.log)"
  done
}
build float-io --precision=fp16
build half-io --precision=fp16 --input-type=fp16 --output-type=fp16
build fp32 --precision=fp32
build bf16-in --precision=fp32 --input-type=bf16
steps() { sed -n 's/.* \([0-9]*\) steps after fusion.*/\1/p' "$out/$1.log"; }
(( $(steps half-io) <= $(steps float-io) )) || fail "FP16 bindings added steps"
"$dist/bin/kiln-run" "$out/half-io.kiln" --inspect | grep -q ' launch .* fp32 ' &&
  fail "the FP16 engine with FP16 bindings has an fp32 step (an edge conversion)"

"$python" - "$out" <<'PY' || exit 1
import sys, numpy as np
d = sys.argv[1]
def load(name):
    return np.load(f"{d}/{name}/logits.npy").astype(np.float64)
ok = True
for name, ref, share, agree_min in [("half-io", "float-io", 0.01, 99.0), ("bf16-in", "fp32", 0.02, 95.0)]:
    got, want = load(name), load(ref)
    span = float(want.max() - want.min()) or 1.0
    worst = float(np.abs(got - want).max())
    agree = float(np.mean(got.argmax(1) == want.argmax(1)) * 100)
    good = worst <= share * span and agree >= agree_min
    ok &= good
    print(f"{name} vs {ref}: max |difference| {worst:.4g} ({worst / span:.2%} of the range), "
          f"top-1 agreement {agree:.1f}%: {'ok' if good else 'FAIL'}")
print("io-types: PASS" if ok else "io-types: FAIL (see above)")
sys.exit(0 if ok else 1)
PY

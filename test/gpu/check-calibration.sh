#!/usr/bin/env bash
# Runs on the GPU machine from the repository root: calibrates the INT8
# test ResNet (test/calibration/make_int8_models.py: 8 batches of 16 images
# of 3x16x16) with each calibrator on the reference interpreter
# (--calib-device=cpu) and on the GPU (--calib-device=gpu, an FP32 engine
# run through the runtime), and compares the two caches: every scale must
# agree within 1e-3 relative. With --resnet50, also ResNet-50 at batch 1
# (test/models/export_models.py, seeded weights; 4 calibration batches of
# one normal image), entropy only, for the time of each.
#   test/gpu/check-calibration.sh DIST OUT [--resnet50]
# Prints a line per model and calibrator (worst relative difference, its
# tensor, both times), then "calibration: N passed, M failed"; exit status 0
# when all pass. Caches and logs go to OUT.
set -uo pipefail
dist=${1:?usage: check-calibration.sh DIST OUT [--resnet50]}
out=${2:?usage: check-calibration.sh DIST OUT [--resnet50]}
resnet50=${3:-}
mkdir -p "$out"
source "$(dirname "$0")/gpu-env.sh"
passed=0 failed=0

# calibrate NAME MODEL CALIB DEVICE CALIBRATOR SHAPE: writes OUT/NAME.DEVICE.CALIBRATOR.{cache,log}.
calibrate() {
  local name=$1 model=$2 calib=$3 device=$4 calibrator=$5 shape=$6
  local stem=$out/$name.$device.$calibrator
  rm -f "$stem.cache"
  local start=$EPOCHREALTIME
  "$dist/bin/kiln-compile" "$model" --input-shape "$shape" --emit=nn-opt --int8 \
    --calib "$calib" --calibrator="$calibrator" --calib-device="$device" \
    --calib-cache "$stem.cache" -o /dev/null > "$stem.log" 2>&1
  echo "$start $EPOCHREALTIME" | awk '{printf "%.2f\n", $2 - $1}' > "$stem.wall"
}

# seconds STEM: the time of the calibration runs (kiln-calibrate's summary
# line) and of the whole kiln-compile (import, engine build, runs).
seconds() {
  echo "$(sed -n 's/.* batches in \([0-9.]*\) s on .*/\1/p' "$1.log" | tail -1) s" \
       "(kiln-compile $(cat "$1.wall") s)"
}

# compare NAME CALIBRATOR: the caches of both devices, scale by scale.
compare() {
  local name=$1 calibrator=$2
  local cpu=$out/$name.cpu.$calibrator gpu=$out/$name.gpu.$calibrator
  for stem in "$cpu" "$gpu"; do
    if [[ ! -s $stem.cache ]]; then
      echo "FAIL $name $calibrator: no cache from $(basename "$stem"): $(grep -m1 error "$stem.log")"
      failed=$((failed + 1)); return
    fi
  done
  if "$python" - "$cpu.cache" "$gpu.cache" "$name $calibrator" \
       "$(seconds "$cpu")" "$(seconds "$gpu")" <<'PY'
import sys
cpu_path, gpu_path, what, cpu_s, gpu_s = sys.argv[1:]
def scales(path):
    lines = open(path).read().splitlines()[1:]
    return {name: float(value) for name, value in (l.rsplit(": ", 1) for l in lines)}
cpu, gpu = scales(cpu_path), scales(gpu_path)
if cpu.keys() != gpu.keys():
    print(f"FAIL {what}: the caches name different tensors: "
          f"{sorted(cpu.keys() ^ gpu.keys())[:5]}")
    sys.exit(1)
worst, where = 0.0, ""
for name in cpu:
    rel = abs(gpu[name] - cpu[name]) / max(abs(cpu[name]), 1e-30)
    if rel >= worst:
        worst, where = rel, name
ok = worst <= 1e-3
print(f"{'PASS' if ok else 'FAIL'} {what}: {len(cpu)} scales, worst relative difference "
      f"{worst:.3g} at '{where}' (cpu {cpu[where]:.7g}, gpu {gpu[where]:.7g}); "
      f"calibration runs {cpu_s} on the interpreter, {gpu_s} on the GPU")
sys.exit(0 if ok else 1)
PY
  then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# 1. The INT8 test ResNet, every calibrator.
small=$out/resnet-test
if [[ ! -f $small/resnet.onnx ]]; then
  mkdir -p "$small"
  "$python" test/calibration/make_int8_models.py "$small" > "$small/make.log" 2>&1 ||
    { echo "FAIL resnet-test: cannot make the model (see $small/make.log)"; exit 1; }
fi
for calibrator in entropy minmax percentile; do
  for device in cpu gpu; do
    calibrate resnet-test "$small/resnet.onnx" "$small/calib" $device $calibrator image=16x3x16x16
  done
  compare resnet-test $calibrator
done
grep -h "kiln-calibrate: on " "$out"/resnet-test.gpu.entropy.log

# 2. ResNet-50 at batch 1, for the times.
if [[ $resnet50 == --resnet50 ]]; then
  big=$out/resnet50
  mkdir -p "$big/calib"
  if [[ ! -f $big/resnet50.onnx ]]; then
    "$python" test/models/export_models.py "$big" resnet50 > "$big/export.log" 2>&1 ||
      { echo "FAIL resnet50: export failed (see $big/export.log)"; failed=$((failed + 1)); }
  fi
  "$python" -c "import numpy as np; rng = np.random.default_rng(99); [np.save('$big/calib/input.%d.npy' % k, rng.standard_normal((1, 3, 224, 224)).astype(np.float32)) for k in range(4)]"
  if [[ -f $big/resnet50.onnx ]]; then
    for device in gpu cpu; do
      calibrate resnet50 "$big/resnet50.onnx" "$big/calib" $device entropy input=1x3x224x224
    done
    compare resnet50 entropy
  fi
fi

echo "calibration: $passed passed, $failed failed"
[[ $failed == 0 ]]

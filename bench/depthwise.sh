#!/usr/bin/env bash
# Times the depthwise convolutions of MobileNetV2 and EfficientNet-B0 on the
# GPU machine, cuDNN against Kiln's generated kernel, FP32 and FP16, batch 1
# and 64, and checks each engine's output against ONNX Runtime (CPU); see
# bench/depthwise.py. DIST holds the packaged binaries (scripts/package-gpu.sh).
# Usage: bench/depthwise.sh DIST OUT [--batches 1,64] [--only REGEX]
set -uo pipefail
dist=$(realpath "$1"); out=$(realpath -m "$2"); shift 2
here=$(dirname "$(realpath "$0")")
export LD_LIBRARY_PATH="$dist/lib:/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > "$out/machine.txt" 2>&1
exec "${PYTHON:-python3}" "$here/depthwise.py" "$dist" "$out" "$@"

# Sourced by the GPU checks on test/calibration/make_mobilenet_block.py's
# classifier, after they set dist, out, batch and fail(): makes the model
# and its calibration and evaluation sets in $out, the first $batch
# evaluation images in $out/images.npy, and defines compile (kiln-compile on
# the model at that batch).
source "$(dirname "${BASH_SOURCE[0]}")/gpu-env.sh"
(cd test/calibration && "$python" make_mobilenet_block.py "$out") > "$out/make.log" 2>&1 ||
  fail "cannot make the model (needs onnx, onnxruntime in $python; see $out/make.log)"
"$python" -c "import numpy as np; np.save('$out/images.npy', np.load('$out/eval.npy')[:$batch])"
compile() { "$dist/bin/kiln-compile" "$out/mobilenet.onnx" --input-shape image=${batch}x3x16x16 "$@"; }

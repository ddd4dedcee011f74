#!/usr/bin/env bash
# Runs on the GPU machine from the repository root, on what was prepared in
# gpu-run/ (prepare_node_engines.py, kiln-run, the example engine): the runtime
# GPU tests, the example engine, and every compiled ONNX node test engine
# against its expected outputs. Results go to $OUT.
set -uo pipefail
here=${1:-gpu-run}
node=${2:-node}      # the cases prepare_node_engines.py wrote, under $here
label=${3:-fp32}    # names the summary: node-tests-$label.md
export LD_LIBRARY_PATH=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib:/usr/local/cuda/lib64
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $OUT/machine.txt
if [[ -x $here/kiln-runtime-gpu-tests ]]; then  # optional: the runtime GPU tests
  $here/kiln-runtime-gpu-tests --gtest_brief=1 > $OUT/runtime-gpu-tests.txt 2>&1; echo "rc $?" >> $OUT/runtime-gpu-tests.txt
fi
[[ -f $here/resnet-block.kiln ]] && { $here/kiln-run $here/resnet-block.kiln --input image=$here/image.npy --cuda-graph --export-output /tmp/ex --iterations 2000 --dump-profile; echo "rc $?"; python3 -c "import numpy as np; print(np.load('/tmp/ex/probabilities.npy'))"; } > $OUT/example.txt 2>&1
run_case() {
  c=$1; args=()
  i=0; for n in $(python3 -c "import json,sys; print(' '.join(json.load(open('$c/spec.json'))['inputs']))"); do args+=(--input "$n=$c/in$i.npy"); i=$((i+1)); done
  mkdir -p $c/out
  timeout 60 $here/kiln-run $c/model.kiln "${args[@]}" --warmup 0 --iterations 1 --export-output $c/out > $c/run.log 2>&1; echo $? > $c/rc
}
export -f run_case; export here
ls -d $here/$node/*/ | sed 's:/$::' | xargs -P 16 -I{} bash -c 'run_case {}'
python3 test/gpu/compare_node_outputs.py $here/$node $OUT/node-tests-$label.md > $OUT/compare-$label.txt 2>&1
tail -3 $OUT/compare-$label.txt

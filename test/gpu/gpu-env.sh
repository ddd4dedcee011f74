# Sourced by the test/gpu/ scripts after setting $dist: the libraries the
# packaged tools need on the GPU machine (docs/GPU.md: cuDNN 9.19 beside
# PyTorch first), and $python, the one with torch, onnx and onnxruntime.
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}:$dist/lib:/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib:/usr/local/cuda/lib64
python=python3
[[ -x /opt/torch/.venv/bin/python ]] && python=/opt/torch/.venv/bin/python

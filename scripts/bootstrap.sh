#!/usr/bin/env bash
# Installs what Kiln needs to build and test, when it is missing. Idempotent:
# with everything present it only checks, in a second or two.
set -euo pipefail

# Debian packages: the toolchain, LLVM/MLIR 22 (lit and FileCheck come with
# llvm-22-tools), GoogleTest, the compression libraries LLVM links, and
# FlatBuffers (the engine file's metadata). CUDA 13 and cuDNN 9 are not Debian
# packages: they are expected in /usr/local/cuda (docs/building.md).
DEB_PACKAGES=(
  cmake ninja-build ccache lld g++ python3
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
  libgtest-dev zlib1g-dev libzstd-dev
  protobuf-compiler libprotobuf-dev libonnx-dev libonnx-testdata
  flatbuffers-compiler libflatbuffers-dev
)

# Python packages for tests only (numpy for expected values, ONNX Runtime as
# the numerical oracle); the product itself is C++.
PIP_PACKAGES=(onnx==1.23.2 onnxruntime==1.31.1 numpy)
# The runtime's build: NVIDIA's header-only cudnn-frontend (C++ headers in the
# package's include/ folder; CMake asks python3 where it is).
CUDNN_FRONTEND=nvidia-cudnn-frontend==1.32.0
# The compiler's INT8 convolution kernels: CUTLASS's C++ headers (in the
# package's cutlass_library/source/include; CMake asks python3 where). Only
# the headers are used, so its Python dependencies are not installed.
CUTLASS=nvidia-cutlass==4.2.0.0

missing=()
for package in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! python3 -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
  echo "bootstrap: installing ${PIP_PACKAGES[*]}"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "${PIP_PACKAGES[@]}"
fi

if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('${CUDNN_FRONTEND%%==*}') != '${CUDNN_FRONTEND##*==}')" 2>/dev/null; then
  echo "bootstrap: installing $CUDNN_FRONTEND"
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore "$CUDNN_FRONTEND"
fi

if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('${CUTLASS%%==*}') != '${CUTLASS##*==}')" 2>/dev/null; then
  echo "bootstrap: installing $CUTLASS (headers only)"
  python3 -m pip install -q --no-deps --disable-pip-version-check --root-user-action=ignore "$CUTLASS"
fi

#!/usr/bin/env bash
# Builds the tools with LLVM/MLIR linked in (preset "static") and copies what
# must travel to the GPU machine into dist/ (ignored by git): dist/bin/ holds
# the tools, dist/lib/ any shared library they need that the GPU machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh static >/dev/null

rm -rf dist
mkdir -p dist/bin dist/lib
tools=(kiln-opt kiln-compile kiln-translate kiln-run kiln-interpret kiln-check-numerics kiln-refit)
for tool in "${tools[@]}"; do
  cp build-static/bin/"$tool" dist/bin/
  strip dist/bin/"$tool"
done

# Libraries every Linux has, and the CUDA libraries the GPU machine has
# (driver, cuBLAS(Lt), NVRTC in /usr/local/cuda; cuDNN beside PyTorch: see
# docs/GPU.md); anything else must be shipped in dist/lib and found through
# the tools' $ORIGIN rpath.
base='^(linux-vdso|libc|libm|libdl|librt|libpthread|libgcc_s|ld-linux-x86-64|libz|libzstd|libcuda|libcudnn|libcublas|libcublasLt|libnvrtc)\.so'
for tool in "${tools[@]}"; do
  while read -r name _ path _; do
    [[ $name =~ $base ]] && continue
    [[ -n $path && -f $path ]] || { echo "package-gpu: $tool needs $name, not found" >&2; exit 1; }
    [[ -e dist/lib/$name ]] || cp -L "$path" "dist/lib/$name"
  done < <(ldd dist/bin/"$tool" | grep '=>')
done
# The CUTLASS headers NVRTC reads when the compiler builds INT8 convolution
# kernels (kiln-compile finds dist/cutlass/include beside its bin/): cutlass/
# and cute/ of the pip package CMake found, about 27 MB (3 MB compressed).
cutlass=$(sed -n 's/^KILN_CUTLASS_INCLUDE_DIR:PATH=//p' build-static/CMakeCache.txt)
if [[ -n $cutlass && -f $cutlass/cutlass/cutlass.h ]]; then
  mkdir -p dist/cutlass/include
  cp -r "$cutlass/cutlass" "$cutlass/cute" dist/cutlass/include/
else
  echo "package-gpu: no CUTLASS headers (python3 -m pip install nvidia-cutlass==4.2.0.0):" \
       "the compiler will keep INT8 convolutions on cuDNN" >&2
fi
du -sh dist | awk '{print "package-gpu: dist/ is " $1}'
ls dist/bin dist/lib

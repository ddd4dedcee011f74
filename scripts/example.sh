#!/usr/bin/env bash
# The main job on the bundled example: installs what is missing, builds, then
# parses, verifies and prints the example network with kiln-opt.
#
# Until the ONNX importer and the GPU back end land, the main job is what the
# compiler can already do: read a network in the nn dialect, check every
# layer's shapes and types, and print it back after canonicalization.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
model=examples/resnet-basic-block.mlir
echo "== kiln-opt --canonicalize $model"
build/bin/kiln-opt --canonicalize "$model"

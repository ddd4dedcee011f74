#!/usr/bin/env bash
# The main job on the bundled example: installs what is missing, builds, then
# runs the graph pipeline on the example network and prints the result.
#
# Until the GPU back end lands, the main job is what the compiler can already
# do: verify a network's layers, then fold, fuse and lay it out as it would
# before generating kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
model=examples/resnet-basic-block.mlir
echo "== kiln-opt --kiln-graph-pipeline $model"
build/bin/kiln-opt --kiln-graph-pipeline "$model"

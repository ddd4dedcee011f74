#!/usr/bin/env bash
# Installs what is missing, configures once and builds Kiln with a CMake
# preset (default: "default" into build/; others into build-<preset>/).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
dir=build
[[ $preset == default ]] || dir=build-$preset
scripts/bootstrap.sh
[[ -f $dir/build.ninja ]] || cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"

#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (lit and GoogleTest,
# through ctest). The last line is "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh || exit 1
rm -f build/lit-results.xml build/ctest-results.xml
ctest --preset default --output-junit ctest-results.xml
status=$?
python3 scripts/test-summary.py build/lit-results.xml build/ctest-results.xml || status=1
exit $status

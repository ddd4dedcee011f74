#!/usr/bin/env bash
# compute-sanitizer over the runtime on the GPU machine: memcheck with
# --leak-check full over kiln-runtime-gpu-tests and over kiln-run (direct and
# profiled runs, then CUDA-graph replay) on the sample engine and on any
# engines given; racecheck and initcheck over the same kiln-run runs.
#
#   test/gpu/memcheck.sh DIST_RUNTIME OUT [ENGINE.kiln...]
#
# DIST_RUNTIME is the folder of scripts/package-runtime-gpu.sh (bin/, lib/).
# OUT receives, per check, NAME.TOOL.log (the tool's report) and NAME.TOOL.out
# (the program's output), and summary.txt with one line per check.
# Exit status 0 only when every check ran to the end with 0 errors and 0
# leaked bytes and the program under it succeeded; the last line says
# "memcheck: PASS" or "memcheck: FAIL (N of M checks)".
#
# What is filtered, and why (docs/runtime.md, "Sanitizers"):
# - --report-api-errors no: the runtime checks every CUDA call it makes and
#   fails the test or kiln-run when one fails; some failures are expected and
#   handled (cudaGraphExecUpdate refusing an update), and cuDNN and cuBLASLt
#   probe with calls that may fail.
# - GpuAllocations.* is left out of the tests under the sanitizer: it counts
#   allocations through CUPTI, which takes the same driver callbacks as the
#   sanitizer's interception; it runs in the plain test run.
# - racecheck looks at Kiln's own kernels only (--kernel-name kns=kiln_):
#   shared-memory hazard analysis of NVIDIA's library kernels (Hopper kernels
#   that synchronise through mbarriers and TMA) is theirs to answer.
#   memcheck and initcheck check every kernel, the libraries' included:
#   an out-of-bounds access or an uninitialised read there is most likely a
#   wrong descriptor, size or arena offset of ours.
# Environment: COMPUTE_SANITIZER (the tool; default compute-sanitizer, then
# /usr/local/cuda/bin/compute-sanitizer), KILN_SANITIZER_TIMEOUT (seconds
# per check, default 900), KILN_SANITIZER_GTEST_FILTER (default
# -GpuAllocations.*), KILN_SANITIZER_CHECKS (which groups run: default
# "gpu-tests engines", the latter being kiln-run on each engine; one group
# per call fits shorter time limits).
set -uo pipefail
if [[ $# -lt 2 || ! -d $1 ]]; then
  echo "usage: $0 DIST_RUNTIME OUT [ENGINE.kiln...]" >&2
  exit 2
fi
dist=$(cd "$1" && pwd) out=$2
shift 2
mkdir -p "$out"
out=$(cd "$out" && pwd)
summary=$out/summary.txt
: >"$summary"
export LD_LIBRARY_PATH=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib:$dist/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

sanitizer=${COMPUTE_SANITIZER:-}
if [[ -z $sanitizer ]]; then
  sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
fi
if [[ ! -x $sanitizer ]]; then
  echo "memcheck: FAIL (no compute-sanitizer: set COMPUTE_SANITIZER)" | tee -a "$summary"
  exit 1
fi
"$sanitizer" --version | tail -1 | tee -a "$summary"
limit=${KILN_SANITIZER_TIMEOUT:-900}
checks=0 failed=0

# check NAME TOOL [sanitizer options...] -- PROGRAM [arguments...]
check() {
  local name=$1 tool=$2
  shift 2
  local options=()
  while [[ $1 != -- ]]; do
    options+=("$1")
    shift
  done
  shift
  local log=$out/$name.$tool.log start=$SECONDS rc errors leaked verdict
  timeout "$limit" "$sanitizer" --tool "$tool" --error-exitcode 86 --report-api-errors no \
    --log-file "$log" "${options[@]}" "$@" >"$out/$name.$tool.out" 2>&1
  rc=$?
  errors=$(grep -oE 'ERROR SUMMARY: [0-9]+' "$log" 2>/dev/null | tail -1 | grep -oE '[0-9]+$')
  if [[ -z $errors ]]; then # racecheck: "RACECHECK SUMMARY: N hazards displayed (E errors, W warnings)"
    errors=$(grep -oE 'RACECHECK SUMMARY: .*\([0-9]+ errors' "$log" 2>/dev/null | tail -1 |
      grep -oE '[0-9]+ errors' | grep -oE '[0-9]+')
  fi
  leaked=$(grep -oE 'LEAK SUMMARY: [0-9]+ bytes' "$log" 2>/dev/null | tail -1 | grep -oE '[0-9]+')
  leaked=${leaked:-0}
  if [[ $rc -eq 124 ]]; then
    verdict="FAIL (did not finish in ${limit} s)"
  elif [[ -z $errors ]]; then
    verdict="FAIL (no summary in $name.$tool.log; exit $rc)"
  elif [[ $errors -ne 0 || $leaked -ne 0 ]]; then
    verdict="FAIL ($errors errors, $leaked bytes leaked)"
  elif [[ $rc -ne 0 ]]; then
    verdict="FAIL (the program exited $rc: $name.$tool.out)"
  else
    verdict="PASS"
  fi
  checks=$((checks + 1))
  [[ $verdict == PASS ]] || failed=$((failed + 1))
  printf '%-40s %-10s %s errors, %s bytes leaked, %d s: %s\n' "$name" "$tool" \
    "${errors:-?}" "$leaked" $((SECONDS - start)) "$verdict" | tee -a "$summary"
}

# The sample engine (conv + bias + relu, a pooling kernel, a GEMM, a copy),
# its kernel compiled for this GPU.
arch=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d '. ')
engines=("$out/sample.kiln" "$@")
if ! "$dist/bin/kiln-runtime-make-test-engine" "$out/sample.kiln" --arch "${arch:-90}" \
    >"$out/sample.out" 2>&1; then
  echo "memcheck: FAIL (kiln-runtime-make-test-engine: $out/sample.out)" | tee -a "$summary"
  exit 1
fi

groups=" ${KILN_SANITIZER_CHECKS:-gpu-tests engines} "
if [[ $groups == *" gpu-tests "* ]]; then
  check gpu-tests memcheck --leak-check full -- \
    "$dist/bin/kiln-runtime-gpu-tests" "--gtest_filter=${KILN_SANITIZER_GTEST_FILTER:--GpuAllocations.*}"
fi

[[ $groups == *" engines "* ]] || engines=()
for engine in "${engines[@]}"; do
  base=$(basename "$engine" .kiln)
  run=("$dist/bin/kiln-run" "$engine" --warmup 2)
  check "kiln-run-$base" memcheck --leak-check full -- "${run[@]}" --iterations 20 --dump-profile
  check "kiln-run-$base-graph" memcheck --leak-check full -- "${run[@]}" --iterations 20 --cuda-graph
  check "kiln-run-$base-graph" racecheck --kernel-name kns=kiln_ -- \
    "${run[@]}" --iterations 3 --cuda-graph
  check "kiln-run-$base" initcheck -- "${run[@]}" --iterations 3
done

if [[ $checks -eq 0 ]]; then
  echo "memcheck: FAIL (no checks: KILN_SANITIZER_CHECKS='${KILN_SANITIZER_CHECKS:-}')" | tee -a "$summary"
  exit 1
fi
if [[ $failed -eq 0 ]]; then
  echo "memcheck: PASS ($checks checks)" | tee -a "$summary"
  exit 0
fi
echo "memcheck: FAIL ($failed of $checks checks)" | tee -a "$summary"
exit 1

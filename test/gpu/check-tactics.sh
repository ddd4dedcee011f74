#!/usr/bin/env bash
# Tactic timing on the GPU machine: compiles MODEL.onnx twice with one fresh
# timing cache (the first build times every conv and GEMM, and the launch
# shape of every generated kernel that offers variants; the second must take
# them all from the cache and choose the same tactics), runs both engines
# with kiln-run on the same seeded inputs and compares the outputs.
#
#   test/gpu/check-tactics.sh DIST OUT MODEL.onnx [kiln-compile options...]
#
# DIST is the folder of scripts/package-gpu.sh (DIST/bin/kiln-compile,
# DIST/bin/kiln-run); results go to OUT: both build logs (with the progress
# lines), the cache, both engines' --inspect, the runs' logs and summary.txt.
# The last line says "check-tactics: PASS" or "check-tactics: FAIL (why)".
set -uo pipefail
if [[ $# -lt 3 ]]; then
  echo "usage: $0 DIST OUT MODEL.onnx [kiln-compile options...]" >&2
  exit 2
fi
dist=$1 out=$2 model=$3
shift 3
mkdir -p "$out"
export LD_LIBRARY_PATH=/opt/torch/.venv/lib/python3.12/site-packages/nvidia/cudnn/lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
cache=$out/timing-cache.json
rm -f "$cache" "$out"/first.kiln "$out"/second.kiln
fail() { echo "check-tactics: FAIL ($*)" | tee -a "$out/summary.txt"; exit 1; }

build() { # name: compiles MODEL into OUT/name.kiln, prints its seconds
  local name=$1 start end
  shift
  start=$(date +%s%N)
  "$dist/bin/kiln-compile" "$model" -o "$out/$name.kiln" --timing-cache "$cache" "$@" \
    > "$out/$name-build.log" 2>&1 || fail "the $name build failed: $(tail -3 "$out/$name-build.log")"
  end=$(date +%s%N)
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", (e - s) / 1e9 }'
}

: > "$out/summary.txt"
t1=$(build first "$@") || exit 1
t2=$(build second "$@") || exit 1
tactics1=$(grep '^tactics:' "$out/first-build.log")
tactics2=$(grep '^tactics:' "$out/second-build.log")
kernels1=$(grep '^kernel launch shapes:' "$out/first-build.log")
kernels2=$(grep '^kernel launch shapes:' "$out/second-build.log")
{
  echo "model: $model $*"
  echo "first build (timing):  ${t1} s; $tactics1; $kernels1"
  echo "second build (cache):  ${t2} s; $tactics2; $kernels2"
  echo "kernel timing lines in the first build: $(grep -c '^\[kernel tactics' "$out/first-build.log")"
  echo "cache entries: $(grep -c '"signature"' "$cache" 2>/dev/null || echo 0)"
} | tee -a "$out/summary.txt"

# The first build timed everything it could (a fresh cache: nothing
# cached), the second timed nothing and took every timed tactic from the
# cache; what fell back to a heuristic did so both times.
read -r timed1 cached1 heur1 < <(sed -E 's/tactics: ([0-9]+) timed, ([0-9]+) cached, ([0-9]+) heuristic/\1 \2 \3/' <<<"$tactics1")
read -r timed2 cached2 heur2 < <(sed -E 's/tactics: ([0-9]+) timed, ([0-9]+) cached, ([0-9]+) heuristic/\1 \2 \3/' <<<"$tactics2")
[[ ${timed1:-0} -gt 0 && ${cached1:-1} -eq 0 ]] || fail "the first build should time, not read the cache: $tactics1"
[[ ${timed2:-1} -eq 0 && ${cached2:-0} -eq $timed1 && ${heur2:-0} -eq $heur1 ]] ||
  fail "the second build should take the first's $timed1 timed tactics from the cache: $tactics2"
# The same for generated kernels' launch shapes.
read -r ktimed1 kcached1 kheur1 < <(sed -E 's/kernel launch shapes: ([0-9]+) timed, ([0-9]+) cached, ([0-9]+) heuristic/\1 \2 \3/' <<<"$kernels1")
read -r ktimed2 kcached2 kheur2 < <(sed -E 's/kernel launch shapes: ([0-9]+) timed, ([0-9]+) cached, ([0-9]+) heuristic/\1 \2 \3/' <<<"$kernels2")
[[ ${ktimed1:-0} -gt 0 && ${kcached1:-1} -eq 0 && ${kheur1:-1} -eq 0 ]] ||
  fail "the first build should time every kernel with variants: $kernels1"
[[ ${ktimed2:-1} -eq 0 && ${kcached2:-0} -eq $ktimed1 && ${kheur2:-1} -eq 0 ]] ||
  fail "the second build should take the first's $ktimed1 kernel shapes from the cache: $kernels2"

# The same tactics in both engines (the "timed"/"from the timing cache"
# suffix aside): engine ids, knobs and algorithms are in the JSON.
"$dist/bin/kiln-run" "$out/first.kiln" --inspect-json > "$out/first.json" || fail "inspect first"
"$dist/bin/kiln-run" "$out/second.kiln" --inspect-json > "$out/second.json" || fail "inspect second"
"$dist/bin/kiln-run" "$out/first.kiln" --inspect > "$out/first-inspect.txt"
"$dist/bin/kiln-run" "$out/second.kiln" --inspect > "$out/second-inspect.txt"
python3 - "$out/first.json" "$out/second.json" <<'PY' | tee -a "$out/summary.txt" || fail "the engines' tactics differ"
import json, re, sys
def choices(path):
    steps = json.load(open(path))["steps"]
    out = []
    for s in steps:
        if s["kind"] not in ("conv", "gemm", "launch"):
            continue
        tactic = re.sub(r", [0-9.e+-]+ ms, (timed|from the timing cache)$", "", s.get("tactic", ""))
        detail = {k: s.get(k) for k in ("engine_id", "algo", "workspace", "grid", "block",
                                        "max_threads_per_block")}
        out.append((s["name"], tactic, json.dumps(detail, sort_keys=True)))
    return out, [s.get("tactic_source") for s in steps if s["kind"] in ("conv", "gemm")]
a, sa = choices(sys.argv[1])
b, sb = choices(sys.argv[2])
print("tactic sources: first", {x: sa.count(x) for x in set(sa)}, "second", {x: sb.count(x) for x in set(sb)})
diff = [(x, y) for x, y in zip(a, b) if x != y]
for x, y in diff[:5]:
    print("differs:", x, "|", y)
blocks = {}
for name, tactic, detail in a:
    if tactic.startswith("block "):
        size = tactic.split(",")[0]
        blocks[size] = blocks.get(size, 0) + 1
print("kernel launch shapes chosen:", dict(sorted(blocks.items())))
print(f"{len(a) - len(diff)} of {len(a)} library and kernel steps chose the same tactic")
sys.exit(1 if diff or len(a) != len(b) else 0)
PY

# Both engines run, on the same seeded random inputs, to the same outputs.
for name in first second; do
  "$dist/bin/kiln-run" "$out/$name.kiln" --seed 1 --warmup 10 --iterations 100 \
    --export-output "$out/$name-out" > "$out/$name-run.log" 2>&1 ||
    fail "kiln-run of the $name engine: $(tail -3 "$out/$name-run.log")"
  grep -iE 'latency|median|mean' "$out/$name-run.log" | head -3 | sed "s/^/$name run: /" | tee -a "$out/summary.txt"
done
python3 - "$out/first-out" "$out/second-out" <<'PY' | tee -a "$out/summary.txt" || fail "the engines' outputs differ"
import os, sys
import numpy as np
# The same plans on the same inputs: equal, up to the order of atomic
# split-K reductions some algorithms use (1e-3 of the output's range).
a, b = sys.argv[1], sys.argv[2]
ok = True
for f in sorted(os.listdir(a)):
    x, y = np.load(os.path.join(a, f)).astype(np.float64), np.load(os.path.join(b, f)).astype(np.float64)
    worst = float(np.max(np.abs(x - y))) if x.size else 0.0
    scale = max(1.0, float(np.max(np.abs(x))) if x.size else 0.0)
    ok &= worst <= 1e-3 * scale
    print(f"{f}: max |first - second| = {worst:g} (scale {scale:g})")
sys.exit(0 if ok else 1)
PY
echo "check-tactics: PASS" | tee -a "$out/summary.txt"

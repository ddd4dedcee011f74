#!/usr/bin/env python3
"""Judges the outputs kiln-run wrote for each prepared node test (see
prepare_node_engines.py): PASS, FAIL (wrong numbers, rtol 1e-3 / atol 1e-5 as
ONNX's backend tests; rtol 1e-2 for bf16 outputs, a rounding of 8 bits; for
engines built with --precision=fp16, rtol 1e-2 / atol 1e-3 on float outputs,
some roundings of 11 bits through the layer) or RUN (kiln-run failed). Writes a
markdown summary.

    compare_node_outputs.py CASES_DIR SUMMARY.md
"""
import json, os, re, sys, numpy as np
root, out = sys.argv[1], sys.argv[2]
results = {}
precisions = set()
for name in sorted(os.listdir(root)):
    case = os.path.join(root, name)
    if not os.path.exists(os.path.join(case, "spec.json")):
        continue
    spec = json.load(open(os.path.join(case, "spec.json")))
    half = "--precision=fp16" in spec.get("compile_options", [])
    precisions.add("FP16" if half else "FP32")
    log = open(os.path.join(case, "run.log")).read() if os.path.exists(os.path.join(case, "run.log")) else ""
    code = open(os.path.join(case, "rc")).read().strip() if os.path.exists(os.path.join(case, "rc")) else "?"
    if code != "0":
        results[name] = ("RUN", f"exit {code}: " + log.strip()[-300:]); continue
    problems = []
    try:
      for i, o in enumerate(spec["outputs"]):
          exp = np.load(os.path.join(case, f"expected{i}.npy"))
          p = os.path.join(case, "out", re.sub(r"[^A-Za-z0-9_.-]", "_", o) + ".npy")
          if not os.path.exists(p):
              problems.append(f"{o}: missing"); continue
          act = np.load(p)
          if act.shape != exp.shape:
              problems.append(f"{o}: shape {act.shape} vs {exp.shape}"); continue
          if exp.dtype == np.bool_ or np.issubdtype(exp.dtype, np.integer):
              bad = int(np.count_nonzero(exp != act.astype(exp.dtype)))
              if bad: problems.append(f"{o}: {bad}/{exp.size} differ")
              continue
          e = exp.astype(np.float64); a = act.astype(np.float64)
          # bf16 keeps 8 significant bits: one rounding apart is up to 2^-7.
          rtol = 1e-2 if o in spec.get("bf16_outputs", []) or half else 1e-3
          atol = 1e-3 if half else 1e-5
          ok = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
          if not ok.all():
              d = np.abs(np.nan_to_num(a - e)); w = int(np.argmax(d))
              problems.append(f"{o}: {np.count_nonzero(~ok)}/{e.size} differ, worst {a.flat[w]!r} vs {e.flat[w]!r}")
    except Exception as error:  # an expected output Kiln cannot compare (e.g. strings)
        problems.append(f"cannot compare: {error}")
    results[name] = ("FAIL", "; ".join(problems)) if problems else ("PASS", "")
from collections import Counter
counts = Counter(v for v, _ in results.values())
with open(out, "w") as f:
    f.write(f"# ONNX backend node tests through kiln-compile + kiln-run on the H100 ({'/'.join(sorted(precisions))})\n\n")
    f.write(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f" of {len(results)} compiled cases\n\n")
    for n, (v, d) in sorted(results.items()):
        if v != "PASS":
            f.write(f"- {n}: {v}: {d[:300]}\n")
print(counts)

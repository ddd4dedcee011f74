#!/usr/bin/env python3
"""Compiles the ONNX backend node tests into engines on the build machine, for
the GPU machine to run (it has no kiln-compile unless the static tools are
brought): DATA is what test/conformance/generate_node_tests.py writes.

    prepare_node_engines.py DATA OUT build/bin/kiln-compile [KILN-COMPILE OPTIONS...]

Options after the compiler go to every kiln-compile (e.g. --precision=fp16);
spec.json records them so compare_node_outputs.py picks the tolerances.

OUT/NAME/ gets model.kiln, in<i>.npy, expected<i>.npy and spec.json (binding
names; bf16 inputs as their bits in uint16 files, bf16 expected outputs as
float32); OUT/compile.json the verdict of each case (OK, or COMPILE with the
first error line). test/gpu/run-node-tests.sh runs them on the GPU and
compare_node_outputs.py judges the outputs (rtol 1e-3, atol 1e-5).
"""
import json, os, subprocess, sys, numpy as np, onnx
from onnx import numpy_helper
from concurrent.futures import ThreadPoolExecutor
data, out, compiler = sys.argv[1], sys.argv[2], sys.argv[3]
extra = sys.argv[4:]
manifest = json.load(open(os.path.join(data, "manifest.json")))
os.makedirs(out, exist_ok=True)
def load(p):
    t = onnx.TensorProto(); t.ParseFromString(open(p, "rb").read()); return numpy_helper.to_array(t)
# NumPy has no bfloat16 (ONNX's ml_dtypes arrays save as raw '<V2'): inputs go
# as their bits in uint16 files, which kiln-run reads as bf16; expected outputs
# widen exactly to float32, as kiln-run writes bf16 outputs.
def is_bf16(a): return a.dtype.name == "bfloat16"
def as_input(a): return a.view(np.uint16) if is_bf16(a) else a
def as_expected(a): return a.astype(np.float32) if is_bf16(a) else a
def one(name):
    case = os.path.join(data, name); dst = os.path.join(out, name); os.makedirs(dst, exist_ok=True)
    r = subprocess.run([compiler, os.path.join(case, "model.onnx"), "-o", os.path.join(dst, "model.kiln")] + extra, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        os.rmdir(dst) if not os.listdir(dst) else None
        return name, "COMPILE", (r.stderr.strip().splitlines() or [""])[0][:300]
    m = onnx.load(os.path.join(case, "model.onnx"))
    inits = {i.name for i in m.graph.initializer}
    ins = [v.name for v in m.graph.input if v.name not in inits]
    outs = [v.name for v in m.graph.output]
    d = os.path.join(case, "test_data_set_0")
    spec = {"inputs": [], "outputs": [], "bf16_outputs": [], "compile_options": extra}
    for i, n in enumerate(ins):
        np.save(os.path.join(dst, f"in{i}.npy"), as_input(load(os.path.join(d, f"input_{i}.pb")))); spec["inputs"].append(n)
    for i, n in enumerate(outs):
        expected = load(os.path.join(d, f"output_{i}.pb"))
        if is_bf16(expected): spec["bf16_outputs"].append(n)
        np.save(os.path.join(dst, f"expected{i}.npy"), as_expected(expected)); spec["outputs"].append(n)
    json.dump(spec, open(os.path.join(dst, "spec.json"), "w"))
    return name, "OK", ""
with ThreadPoolExecutor(2) as ex:
    res = list(ex.map(one, sorted(k for k in manifest)))
json.dump({n: [v, d] for n, v, d in res}, open(os.path.join(out, "compile.json"), "w"), indent=0)
from collections import Counter
print(Counter(v for _, v, _ in res))

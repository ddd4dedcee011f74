#!/usr/bin/env python3
"""Cross-checks kiln-interpret against onnxruntime over many op configurations.

    ort_sweep.py FAMILY --kiln-interpret PATH --workdir DIR

For every case of FAMILY (see CASES) it builds the ONNX graph with
onnx.helper, runs it on onnxruntime (graph optimizations off, so the kernels
themselves are compared), writes the equivalent nn function with the result
types onnxruntime produced, runs it through kiln-interpret on the same .npy
inputs and compares. Prints one line per case and exits 1 if any differ.
The cases live in ort_cases*.py.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ort_cases  # noqa: E402
import ort_cases_pointwise  # noqa: E402
import ort_cases_shape  # noqa: E402

FAMILIES = {
    "conv": ort_cases.conv_cases,
    "conv_transpose": ort_cases.conv_transpose_cases,
    "matmul": ort_cases.matmul_cases,
    "pool": ort_cases.pool_cases,
    "reduce": ort_cases.reduce_cases,
    "norm": ort_cases.norm_cases,
    "unary": ort_cases_pointwise.unary_cases,
    "binary": ort_cases_pointwise.binary_cases,
    "cast": ort_cases_pointwise.cast_cases,
    "quant": ort_cases_pointwise.quant_cases,
    "shape": ort_cases_shape.shape_cases,
    "resize": ort_cases_shape.resize_cases,
}

MLIR_TYPES = {
    np.dtype(np.float16): "f16", np.dtype(np.float32): "f32", np.dtype(np.float64): "f64",
    np.dtype(np.int8): "i8", np.dtype(np.int16): "i16", np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64", np.dtype(np.uint8): "ui8", np.dtype(np.bool_): "i1",
}


def tensor_type(array, element=None):
    shape = "x".join(str(d) for d in array.shape)
    element = element or MLIR_TYPES[array.dtype]
    return f"tensor<{shape}x{element}>" if shape else f"tensor<{element}>"


def run_onnxruntime(case):
    """Returns onnxruntime's outputs for the case's ONNX graph."""
    inputs = [helper.make_tensor_value_info(f"a{i}", helper.np_dtype_to_tensor_dtype(x.dtype),
                                            x.shape) for i, x in enumerate(case.inputs)]
    initializers = [numpy_helper.from_array(np.asarray(v), k) for k, v in case.consts.items()]
    outputs = [onnx.ValueInfoProto(name=f"o{i}") for i in range(case.num_outputs)]
    graph = helper.make_graph(case.nodes, case.name, inputs, outputs, initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", case.opset)],
                              ir_version=10)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, {f"a{i}": x for i, x in enumerate(case.inputs)})


def write_mlir(case, expected, path):
    """The nn function of the case; {in0}, {out0}, ... in its body are types."""
    types = {f"in{i}": tensor_type(x, case.input_elements.get(i))
             for i, x in enumerate(case.inputs)}
    for i, y in enumerate(expected):
        element = case.result_elements.get(i)
        types[f"out{i}"] = tensor_type(y, element)
    args = ", ".join(f"%arg{i}: {types[f'in{i}']}" for i in range(len(case.inputs)))
    results = ", ".join(types[f"out{i}"] for i in range(len(expected)))
    body = case.mlir.format(**types)
    returned = ", ".join(case.returns) if case.returns else ", ".join(
        f"%r{i}" for i in range(len(expected)))
    with open(path, "w") as f:
        f.write(f"func.func @main({args}) -> ({results}) {{\n{body}\n"
                f"  return {returned} : {results}\n}}\n")


def check(case, tool, workdir):
    directory = os.path.join(workdir, case.name)
    os.makedirs(directory, exist_ok=True)
    try:
        expected = run_onnxruntime(case)
    except Exception as error:  # the case itself is wrong: fail loudly
        return f"onnxruntime rejected the case: {error}"
    model = os.path.join(directory, "model.mlir")
    write_mlir(case, expected, model)
    command = [tool, model, "--output-dir", directory]
    for i, x in enumerate(case.inputs):
        path = os.path.join(directory, f"arg{i}.npy")
        np.save(path, x)
        command += ["--input", f"arg{i}={path}"]
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        return f"kiln-interpret exited {run.returncode}: {run.stderr.strip()}"
    for i, want in enumerate(expected):
        got = np.load(os.path.join(directory, f"result_{i}.npy"))
        if got.shape != want.shape:
            return f"output {i}: shape {got.shape}, expected {want.shape}"
        if case.result_elements.get(i):  # quantized: compare storage values
            want = want.astype(got.dtype)
        if got.dtype != want.dtype:
            return f"output {i}: dtype {got.dtype}, expected {want.dtype}"
        if np.issubdtype(want.dtype, np.floating):
            close = np.isclose(got.astype(np.float64), want.astype(np.float64),
                               rtol=case.rtol, atol=case.atol, equal_nan=True)
        else:
            close = got == want
        if not close.all():
            at = tuple(np.argwhere(~close)[0])
            return (f"output {i}: {np.count_nonzero(~close)} of {got.size} differ; at "
                    f"{list(at)} got {got[at]!r}, expected {want[at]!r}")
    return None


def main():
    ort.set_default_logger_severity(3)
    parser = argparse.ArgumentParser()
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--kiln-interpret", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    failures = 0
    cases = FAMILIES[args.family]()
    for case in cases:
        problem = check(case, args.kiln_interpret, args.workdir)
        print(f"{'FAIL' if problem else 'ok'}: {case.name}" + (f": {problem}" if problem else ""))
        failures += bool(problem)
    print(f"{len(cases) - failures} of {len(cases)} {args.family} cases match onnxruntime")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

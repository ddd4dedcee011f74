#!/usr/bin/env python3
"""Runs one ONNX operator on onnxruntime, for cross-checking the interpreter.

    ort_run.py OP --input x.npy --input 'const:np.array([1, 2], np.int64)' \
        --input '' --attr axis=1 --out y.npy [--out z.npy] [--opset 19]

Each --input is an .npy file (a graph input), `const:EXPR` (an initializer
computed by the numpy expression EXPR) or '' (an omitted optional input).
Each --attr is NAME=VALUE with VALUE a Python literal (a string value is an
ONNX string attribute). The model is built with onnx.helper and run without
graph optimizations, so the kernel itself is what is compared.
"""

import argparse
import ast
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("op")
    parser.add_argument("--input", action="append", default=[])
    parser.add_argument("--attr", action="append", default=[])
    parser.add_argument("--out", action="append", required=True)
    parser.add_argument("--opset", type=int, default=19)
    args = parser.parse_args()

    graph_inputs, initializers, names, feeds = [], [], [], {}
    for i, spec in enumerate(args.input):
        name = f"in{i}"
        if spec == "":
            names.append("")
            continue
        names.append(name)
        if spec.startswith("const:"):
            value = np.asarray(eval(spec[len("const:"):], {"np": np}))
            initializers.append(numpy_helper.from_array(value, name))
            continue
        value = np.load(spec)
        feeds[name] = value
        graph_inputs.append(helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(value.dtype), value.shape))

    attrs = {}
    for entry in args.attr:
        key, text = entry.split("=", 1)
        try:
            attrs[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            attrs[key] = text
    outputs = [f"out{i}" for i in range(len(args.out))]
    node = helper.make_node(args.op, names, outputs, **attrs)
    graph = helper.make_graph(
        [node], "reference_check", graph_inputs,
        [onnx.ValueInfoProto(name=o) for o in outputs],
        initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", args.opset)],
                              ir_version=10)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    for path, value in zip(args.out, session.run(outputs, feeds)):
        np.save(path, value)
    return 0


if __name__ == "__main__":
    sys.exit(main())

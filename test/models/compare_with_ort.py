#!/usr/bin/env python3
"""Runs an ONNX model in ONNX Runtime on seeded random inputs, writes the
inputs as .npy for kiln-interpret, and compares kiln-interpret's outputs.

Usage: compare_with_ort.py MODEL.onnx WORK_DIR prepare|compare
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

DTYPES = {1: np.float32, 7: np.int64, 6: np.int32, 10: np.float16, 9: np.bool_}


def inputs_of(model):
    initializers = {i.name for i in model.graph.initializer}
    rng = np.random.default_rng(0)
    feeds = {}
    for value in model.graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        shape = [d.dim_value for d in tensor.shape.dim]
        dtype = DTYPES[tensor.elem_type]
        if dtype == np.int64 and "mask" in value.name:
            feeds[value.name] = np.ones(shape, dtype)
        elif dtype == np.int64:
            feeds[value.name] = rng.integers(0, 1000, shape).astype(dtype)
        else:
            feeds[value.name] = rng.standard_normal(shape).astype(dtype)
    return feeds


def main(path, work, mode):
    model = onnx.load(path, load_external_data=False)
    os.makedirs(work, exist_ok=True)
    feeds = inputs_of(model)
    if mode == "prepare":
        for name, array in feeds.items():
            np.save(os.path.join(work, name + ".npy"), array)
        print(" ".join(f"--input {n}={os.path.join(work, n + '.npy')}" for n in feeds))
        return 0
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    expected = session.run(None, feeds)
    worst = 0.0
    for output, reference in zip(session.get_outputs(), expected):
        actual = np.load(os.path.join(work, output.name + ".npy"))
        error = np.linalg.norm((actual - reference).ravel()) / max(np.linalg.norm(reference.ravel()), 1e-30)
        worst = max(worst, error)
        print(f"{os.path.basename(path)}: output {output.name} {list(reference.shape)}: "
              f"relative error vs onnxruntime {error:.2e}, max abs {np.max(np.abs(actual - reference)):.2e}")
    return 0 if worst < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
